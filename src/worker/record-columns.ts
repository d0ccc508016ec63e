/**
 * The parts of the decision-log record format that the page needs too: dictionary, optional and
 * transaction columns, reading a record's rows back as results, and batch results packed as rows. Imports no
 * scoring code (the page bundle carries this module; log-record.ts has the rest of the format).
 */
import { Recommendation, RiskLevel, type DetectionResult, type ErrorResult, type HistoryEntry } from '../core/contract/types';
import type { BatchRecord, OptionalColumn } from './db-schema';
import { packStrings, unpackString } from './packed-strings';
import type { PackedBatchResults } from './service-types';

/** Risk levels by their code in `BatchRecord.risk_level`. */
export const RISK_LEVELS: readonly RiskLevel[] = Object.freeze([RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]);
/** Recommendations by their code in `BatchRecord.recommendation`. */
export const RECOMMENDATIONS: readonly Recommendation[] = Object.freeze([Recommendation.APPROVE, Recommendation.REVIEW, Recommendation.BLOCK]);

/** Dictionary encoder: repeated strings become small integers. */
export class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();

  code(value: string): number {
    let c = this.codes.get(value);
    if (c === undefined) {
      c = this.values.length;
      this.values.push(value);
      this.codes.set(value, c);
    }
    return c;
  }
}

/** Builds an {@link OptionalColumn}; stays null until a row has a value. */
export class OptionalBuilder {
  private dict: Dictionary | null = null;
  private codes: Uint32Array | null = null;

  constructor(private readonly n: number) {}

  set(k: number, value: string | undefined): void {
    if (value === undefined) return;
    this.dict ??= new Dictionary();
    this.codes ??= new Uint32Array(this.n);
    this.codes[k] = this.dict.code(value) + 1;
  }

  build(): OptionalColumn | null {
    return this.dict && this.codes ? { values: this.dict.values, codes: this.codes } : null;
  }
}

/** The transaction columns of a log record, which a packed batch carries too (packed-transactions.ts). */
export type TransactionColumns = Pick<
  BatchRecord,
  'transaction_id' | 'users' | 'user' | 'amount' | 'locations' | 'location' | 'merchants' | 'merchant' | 'timestamp' | 'user_name' | 'country' | 'mcc_code'
>;

/** Builds {@link TransactionColumns} of up to `n` rows, set in order (typed columns keep `n` rows). */
export class TransactionColumnsBuilder {
  private readonly ids: string[] = [];
  private readonly timestamps: string[] = [];
  private readonly users = new Dictionary();
  private readonly locations = new Dictionary();
  private readonly merchants = new Dictionary();
  private readonly user: Uint32Array;
  private readonly amount: Float64Array;
  private readonly location: Uint32Array;
  private readonly merchant: Uint32Array;
  private readonly userName: OptionalBuilder;
  private readonly country: OptionalBuilder;
  private readonly mcc: OptionalBuilder;

  constructor(n: number) {
    this.user = new Uint32Array(n);
    this.amount = new Float64Array(n);
    this.location = new Uint32Array(n);
    this.merchant = new Uint32Array(n);
    this.userName = new OptionalBuilder(n);
    this.country = new OptionalBuilder(n);
    this.mcc = new OptionalBuilder(n);
  }

  /** Adds the next row (its number is the count of rows added before). */
  add(
    transactionId: string,
    userId: string,
    amount: number,
    location: string,
    timestamp: string,
    merchantType: string,
    userName: string | undefined,
    country: string | undefined,
    mcc: string | undefined,
  ): void {
    const k = this.ids.length;
    this.ids.push(transactionId);
    this.timestamps.push(timestamp);
    this.user[k] = this.users.code(userId);
    this.amount[k] = amount;
    this.location[k] = this.locations.code(location);
    this.merchant[k] = this.merchants.code(merchantType);
    this.userName.set(k, userName);
    this.country.set(k, country);
    this.mcc.set(k, mcc);
  }

  build(): TransactionColumns {
    return {
      transaction_id: packStrings(this.ids),
      users: this.users.values,
      user: this.user,
      amount: this.amount,
      locations: this.locations.values,
      location: this.location,
      merchants: this.merchants.values,
      merchant: this.merchant,
      timestamp: packStrings(this.timestamps),
      user_name: this.userName.build(),
      country: this.country.build(),
      mcc_code: this.mcc.build(),
    };
  }
}

/** Row `k`'s value of an optional column (undefined: none). */
export function optionalAt(column: OptionalColumn | null, k: number): string | undefined {
  const c = column ? column.codes[k] : 0;
  return c === 0 ? undefined : (column as OptionalColumn).values[c - 1];
}

/** The transaction id of row `k`. */
export function rowId(rec: BatchRecord, k: number): string {
  return unpackString(rec.transaction_id, k);
}

/** The user of row `k`. */
export function rowUser(rec: BatchRecord, k: number): string {
  return rec.users[rec.user[k]];
}

/** The history entry of row `k` (with its transaction id, when the caller has it already). */
export function rowEntry(rec: BatchRecord, k: number, id = rowId(rec, k)): HistoryEntry {
  return {
    transaction_id: id,
    epochMs: rec.epoch_ms[k],
    location: rec.locations[rec.location[k]],
    merchant_type: rec.merchants[rec.merchant[k]],
    amount: rec.amount[k],
    localHour: rec.local_hour[k],
  };
}

/** Position of `k` in an ascending sparse row list, or -1. */
function sparseIndex(rows: Uint32Array, k: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo < rows.length && rows[lo] === k ? lo : -1;
}

/** The decision of row `k`, as `detect` returned it. */
export function rowResult(rec: BatchRecord, k: number): DetectionResult {
  const r = sparseIndex(rec.reason_rows, k);
  const result: DetectionResult = {
    transaction_id: rowId(rec, k),
    user_id: rowUser(rec, k),
    risk_score: rec.risk_score[k],
    risk_level: RISK_LEVELS[rec.risk_level[k]],
    reason_codes: r < 0 ? [] : rec.reason_codes[r].slice(),
    recommendation: RECOMMENDATIONS[rec.recommendation[k]],
    reason_details: r < 0 ? [] : rec.reason_details[r].slice(),
    model_score: rec.model_score[k],
    decision_function: rec.decision_function[k],
    model_version: rec.model_version,
  };
  const e = sparseIndex(rec.extra_rows, k);
  // Records of the in-memory storage are shared: hand out copies.
  return e < 0 ? result : Object.assign(result, structuredClone(rec.extra[e]));
}

/**
 * Packs the results of a batch for the page: `results[i]` that is `fresh[j]`, the decision of
 * row `j` of `record` (fresh decisions are made in item order), becomes a row number.
 */
export function packBatchResults(results: ReadonlyArray<DetectionResult | ErrorResult>, record: BatchRecord | null, fresh: readonly DetectionResult[]): PackedBatchResults {
  const rows = new Int32Array(results.length).fill(-1);
  const others: Array<DetectionResult | ErrorResult> = [];
  let j = 0;
  for (let i = 0; i < results.length; i++) {
    if (record !== null && j < fresh.length && results[i] === fresh[j]) rows[i] = j++;
    else others.push(results[i]);
  }
  if (record !== null && j !== record.n) throw new Error(`internal error: ${j} of the ${record.n} rows of record ${record.seq} found among the results`);
  return { record, rows, others };
}

/** The results {@link packBatchResults} packed. */
export function unpackBatchResults(packed: PackedBatchResults): Array<DetectionResult | ErrorResult> {
  const { record, rows, others } = packed;
  const out = new Array<DetectionResult | ErrorResult>(rows.length);
  let o = 0;
  for (let i = 0; i < rows.length; i++) out[i] = rows[i] < 0 || record === null ? others[o++] : rowResult(record, rows[i]);
  return out;
}
