import type { HistoryEntry, ParsedTransaction } from '../contract/types';
import type { FeatureSchema } from '../forest/model-file';
import { isPackedHistory, packHistory, type PackedHistory } from '../history/packed-history';
import { medianOf } from '../stats/median';

/** The feature sets a model can be trained on. */
export const FeatureSet = {
  /** The old service's features: amount, hour, day of week, location code, merchant code (standardised). */
  seed: 'seed',
  /** Features of the transaction against the user's own history (the default). */
  behavioral: 'behavioral',
} as const;
export type FeatureSet = (typeof FeatureSet)[keyof typeof FeatureSet];

/** Names of each set's features, in row order. */
export const FEATURE_NAMES: Record<FeatureSet, readonly string[]> = {
  seed: ['amount', 'hour', 'day_of_week', 'location_code', 'merchant_code'],
  behavioral: [
    'log_amount',
    'amount_vs_median',
    'new_city',
    'new_merchant',
    'txns_last_hour',
    'txns_last_10min',
    'log_seconds_since_prev',
    'hour',
    'hour_rarity',
    'log_history_size',
  ],
};

/** Windows of the behavioural features; stored in the model file's encodings. */
export interface BehavioralEncoding {
  /** Window of `txns_last_hour` (default 3,600,000 ms). */
  hourWindowMs: number;
  /** Window of `txns_last_10min` (default 600,000 ms). */
  shortWindowMs: number;
  /** `log_seconds_since_prev` for a user's first transaction (default 7 days). */
  firstGapSeconds: number;
  /** Half-width in hours of the "usual hours" neighbourhood of `hour_rarity` (default 2). */
  hourNeighbourhood: number;
}

/** Defaults of the behavioural encoding. */
export const DEFAULT_BEHAVIORAL_ENCODING: BehavioralEncoding = {
  hourWindowMs: 3_600_000,
  shortWindowMs: 600_000,
  firstGapSeconds: 7 * 24 * 3600,
  hourNeighbourhood: 2,
};

/** Codes of the seed set's categorical features (unknown values get -1). */
export interface SeedEncoding {
  location_codes: Record<string, number>;
  merchant_codes: Record<string, number>;
}

/**
 * THE feature function, for training and serving alike: writes the features of `txn` given the
 * user's `history` (past transactions, the current one excluded) into `out` at `offset`, as float64
 * values the caller casts to float32. Allocates nothing.
 *
 * `history` is entries in any order, or the same packed (a store's fast path, see
 * {@link PackedHistory}); entries are packed first, so both give the same row.
 */
export function writeFeatures(
  schema: FeatureSchema,
  txn: ParsedTransaction,
  history: readonly HistoryEntry[] | PackedHistory,
  out: Float64Array | Float32Array,
  offset: number,
): void {
  if (schema.feature_set === FeatureSet.behavioral) {
    const packed = isPackedHistory(history) ? history : packHistory(history);
    writeBehavioral(schema.encodings as unknown as BehavioralEncoding, txn, packed, out, offset);
  } else if (schema.feature_set === FeatureSet.seed) writeSeed(schema.encodings as unknown as SeedEncoding, txn, out, offset);
  else throw new Error(`unknown feature set "${schema.feature_set}"`);
}

function writeSeed(enc: SeedEncoding, txn: ParsedTransaction, out: Float64Array | Float32Array, o: number): void {
  out[o] = txn.amount;
  out[o + 1] = txn.localHour;
  out[o + 2] = txn.localDayOfWeek;
  out[o + 3] = enc.location_codes[txn.location] ?? -1;
  out[o + 4] = enc.merchant_codes[txn.merchant_type] ?? -1;
}

// Scratch for the median; grows to the longest history seen.
let amounts = new Float64Array(256);

// Which local hours 0..23 are within `neighbourhood` hours of `hour` around the clock (1) or not
// (0), for the last (hour, neighbourhood) asked: a lookup per history entry instead of arithmetic.
const nearTable = new Uint8Array(24);
let tableHour = -1;
let tableWidth = -1;
function isNear(h: number, hour: number, neighbourhood: number): number {
  const d = Math.abs(h - hour);
  return Math.min(d, 24 - d) <= neighbourhood ? 1 : 0;
}

function nearHours(hour: number, neighbourhood: number): Uint8Array {
  if (hour !== tableHour || neighbourhood !== tableWidth) {
    for (let h = 0; h < 24; h++) nearTable[h] = isNear(h, hour, neighbourhood);
    tableHour = hour;
    tableWidth = neighbourhood;
  }
  return nearTable;
}

function writeBehavioral(enc: BehavioralEncoding, txn: ParsedTransaction, h: PackedHistory, out: Float64Array | Float32Array, o: number): void {
  const t = txn.epochMs;
  const ownId = txn.transaction_id;
  const location = txn.location;
  const merchant = txn.merchant_type;
  const hour = txn.localHour;
  const { hourWindowMs, shortWindowMs, hourNeighbourhood } = enc;
  const { numbers, strings, start, end } = h;
  let past = 0;
  let seenCity = false;
  let seenMerchant = false;
  let lastHour = 0;
  let last10 = 0;
  let prev = -Infinity;
  let nearHour = 0;
  if (amounts.length < end - start) amounts = new Float64Array((end - start) * 2);
  const near = nearHours(hour, hourNeighbourhood);
  // The middle of the sorted amounts is read now and used after the loop: it lives in another
  // array, and its load from memory then overlaps the loop's instead of following them.
  const sorted = h.sortedAmounts;
  const mid = start + ((end - start) >> 1);
  const middle = sorted != null && end > start ? sorted[mid] : 0;
  for (let i = start; i < end; i++) {
    const e = numbers[3 * i];
    // Only the past counts: entries later in time (out-of-order arrivals) and the transaction
    // itself (a replay) are not history of this transaction.
    // (A replay has the same instant, so ids are compared only then: string comparisons of
    // fresh ids are the costliest thing in this loop.)
    if (e > t || (e === t && strings[3 * i] === ownId)) continue;
    amounts[past++] = numbers[3 * i + 1];
    // Once seen, the place and merchant type of the other entries are not read: their slots
    // are half of what this loop would load from memory.
    if (!seenCity && strings[3 * i + 1] === location) seenCity = true;
    if (!seenMerchant && strings[3 * i + 2] === merchant) seenMerchant = true;
    const age = t - e;
    // Counted without branches: whether an entry is in a window is a coin toss for the CPU.
    lastHour += +(age < hourWindowMs);
    last10 += +(age < shortWindowMs);
    if (e > prev) prev = e;
    const h = numbers[3 * i + 2];
    // (Stored hours are whole hours 0..23; anything else is measured as it is.)
    const n = near[h];
    nearHour += n !== undefined ? n : isNear(h, hour, hourNeighbourhood);
  }
  const median =
    past === 0 ? txn.amount : past === end - start && sorted != null ? ((end - start) % 2 === 1 ? middle : (sorted[mid - 1] + middle) / 2) : medianOf(amounts, past);
  out[o] = Math.log1p(txn.amount);
  out[o + 1] = past > 0 ? Math.log((txn.amount + 1) / (median + 1)) : 0;
  out[o + 2] = past > 0 && !seenCity ? 1 : 0;
  out[o + 3] = past > 0 && !seenMerchant ? 1 : 0;
  out[o + 4] = lastHour;
  out[o + 5] = last10;
  out[o + 6] = Math.log1p(past > 0 ? (t - prev) / 1000 : enc.firstGapSeconds);
  out[o + 7] = txn.localHour + txn.localMinute / 60;
  out[o + 8] = past > 0 ? nearHour / past : 1;
  out[o + 9] = Math.log1p(past);
}

/** The feature schema of a set, before training fills in encodings and scaler. */
export function featureSchemaFor(set: FeatureSet, encodings: Record<string, unknown> = set === 'behavioral' ? { ...DEFAULT_BEHAVIORAL_ENCODING } : {}): FeatureSchema {
  return { feature_set: set, names: [...FEATURE_NAMES[set]], encodings, scaler: null };
}
