/**
 * Encoding of decision-log records: a committed batch becomes one {@link BatchRecord} of column
 * arrays, and its rows decode back into history entries, decisions and stored decisions.
 */
import type { DetectionResult, HistoryEntry, ParsedTransaction, ReasonCode, Transaction } from '../core/contract/types';
import { RESULT_KEYS } from '../core/contract/result-shape';
import { RECORD_FORMAT, type BatchRecord, type ClearRecord } from './db-schema';
import { indexOfPacked, unpackString } from './packed-strings';
import { optionalAt, RECOMMENDATIONS, RISK_LEVELS, rowId, rowResult, rowUser, TransactionColumnsBuilder } from './record-columns';
import type { AnalystLabel, StoredDecision } from './service-types';

const LEVEL_CODE = new Map(RISK_LEVELS.map((l, i) => [l, i]));
const RECOMMENDATION_CODE = new Map(RECOMMENDATIONS.map((r, i) => [r, i]));

/** Result fields stored in columns; any other field of a result is kept in `extra`. */
const COLUMN_FIELDS = new Set<string>(RESULT_KEYS);

/** Who wrote a record and with which model. */
export interface RecordStamp {
  writer: string;
  model_version: string;
  model_sha256: string;
}

/**
 * Encodes the fresh decisions of one batch. `decisions[k]` is row k and `entries[k]` its history
 * entry (the detector appends and decides fresh items in item order); its transaction is the first
 * item of the batch with its id.
 */
export function encodeBatch(
  seq: number,
  at: number,
  stamp: RecordStamp,
  decisions: readonly DetectionResult[],
  items: readonly ParsedTransaction[],
  entries: readonly HistoryEntry[],
): BatchRecord {
  const n = decisions.length;
  const columns = new TransactionColumnsBuilder(n);
  const epochMs = new Float64Array(n);
  const localHour = new Uint8Array(n);
  const riskScore = new Float64Array(n);
  const riskLevel = new Uint8Array(n);
  const recommendation = new Uint8Array(n);
  const modelScore = new Float64Array(n);
  const decisionFunction = new Float64Array(n);
  const reasonRows: number[] = [];
  const reasonCodes: ReasonCode[][] = [];
  const reasonDetails: string[][] = [];
  const extraRows: number[] = [];
  const extra: Array<Record<string, unknown>> = [];
  if (entries.length !== n) throw new Error(`internal error: ${n} decisions but ${entries.length} history entries in a batch`);
  let j = 0;
  for (let k = 0; k < n; k++) {
    const d = decisions[k];
    const id = d.transaction_id;
    // Fresh decisions come in item order: scan forward (skipping repeats and prior decisions).
    while (j < items.length && items[j].transaction_id !== id) j++;
    if (j === items.length) throw new Error(`internal error: decision ${JSON.stringify(id)} has no transaction in its batch`);
    const txn = items[j++];
    const entry = entries[k];
    if (entry.transaction_id !== id) throw new Error(`internal error: decision ${JSON.stringify(id)} is not in the order of the history entries`);
    if (entry.epochMs !== txn.epochMs || entry.amount !== txn.amount || entry.location !== txn.location || entry.merchant_type !== txn.merchant_type || entry.localHour !== txn.localHour) {
      // The log stores an entry as its transaction's fields; a core change that breaks this needs a new record format.
      throw new Error(`internal error: the history entry of ${JSON.stringify(id)} differs from its transaction; the log record format must be extended`);
    }
    columns.add(id, txn.user_id, txn.amount, txn.location, txn.timestamp, txn.merchant_type, txn.user_name, txn.country, txn.mcc_code);
    epochMs[k] = txn.epochMs;
    localHour[k] = txn.localHour;
    riskScore[k] = d.risk_score;
    riskLevel[k] = code(LEVEL_CODE, d.risk_level, 'risk_level');
    recommendation[k] = code(RECOMMENDATION_CODE, d.recommendation, 'recommendation');
    modelScore[k] = d.model_score;
    decisionFunction[k] = d.decision_function;
    if (d.reason_codes.length > 0 || d.reason_details.length > 0) {
      reasonRows.push(k);
      reasonCodes.push(d.reason_codes);
      reasonDetails.push(d.reason_details);
    }
    let more: Record<string, unknown> | null = null;
    // Most results have exactly the column fields: skip the walk over their keys.
    // (Keys counted without Object.keys, which would allocate their array for every result.)
    let keys = 0;
    for (const _key in d) keys++;
    if (keys !== COLUMN_FIELDS.size) {
      for (const key in d) {
        const value = (d as unknown as Record<string, unknown>)[key];
        if (value !== undefined && !COLUMN_FIELDS.has(key)) (more ??= {})[key] = value;
      }
    }
    if (more) {
      extraRows.push(k);
      extra.push(more);
    }
  }
  return {
    seq,
    kind: 'batch',
    format: RECORD_FORMAT,
    at,
    writer: stamp.writer,
    model_version: stamp.model_version,
    model_sha256: stamp.model_sha256,
    n,
    ...columns.build(),
    epoch_ms: epochMs,
    local_hour: localHour,
    risk_score: riskScore,
    risk_level: riskLevel,
    recommendation,
    model_score: modelScore,
    decision_function: decisionFunction,
    reason_rows: Uint32Array.from(reasonRows),
    reason_codes: reasonCodes,
    reason_details: reasonDetails,
    extra_rows: Uint32Array.from(extraRows),
    extra,
  };
}

/** A `clearHistory` record. */
export function encodeClear(seq: number, at: number, writer: string, userId: string | null): ClearRecord {
  return { seq, kind: 'clear', format: RECORD_FORMAT, at, writer, user_id: userId };
}

function code<T>(codes: ReadonlyMap<T, number>, value: T, field: string): number {
  const c = codes.get(value);
  if (c === undefined) throw new Error(`internal error: unknown ${field} ${JSON.stringify(value)}`);
  return c;
}

/** Throws unless this build can read `rec` (a record written by a newer build, say). */
export function checkRecordFormat(rec: { format?: number; seq?: number }): void {
  if (rec.format !== RECORD_FORMAT) {
    throw new Error(`decision log record ${rec.seq} has format ${rec.format}, this build reads format ${RECORD_FORMAT}; update the app`);
  }
}

/** The transaction of row `k`, as received (validated fields only). */
export function rowTransaction(rec: BatchRecord, k: number): Transaction {
  const txn: Transaction = {
    transaction_id: rowId(rec, k),
    user_id: rowUser(rec, k),
    amount: rec.amount[k],
    location: rec.locations[rec.location[k]],
    timestamp: unpackString(rec.timestamp, k),
    merchant_type: rec.merchants[rec.merchant[k]],
  };
  const userName = optionalAt(rec.user_name, k);
  const country = optionalAt(rec.country, k);
  const mcc = optionalAt(rec.mcc_code, k);
  if (userName !== undefined) txn.user_name = userName;
  if (country !== undefined) txn.country = country;
  if (mcc !== undefined) txn.mcc_code = mcc;
  return txn;
}

/** Row `k` as an entry of the decision log. */
export function rowStoredDecision(rec: BatchRecord, k: number, label?: AnalystLabel): StoredDecision {
  const d: StoredDecision = { ...rowResult(rec, k), decided_at: rec.at, model_sha256: rec.model_sha256, transaction: rowTransaction(rec, k) };
  if (label !== undefined) d.analyst_label = label;
  return d;
}

/** The row of `transactionId` in `rec`, or -1. */
export function findRow(rec: BatchRecord, transactionId: string): number {
  return indexOfPacked(rec.transaction_id, transactionId);
}
