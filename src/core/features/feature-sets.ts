import type { HistoryEntry, ParsedTransaction } from '../contract/types';
import type { FeatureSchema } from '../forest/model-file';
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
 */
export function writeFeatures(schema: FeatureSchema, txn: ParsedTransaction, history: readonly HistoryEntry[], out: Float64Array | Float32Array, offset: number): void {
  if (schema.feature_set === FeatureSet.behavioral) writeBehavioral(schema.encodings as unknown as BehavioralEncoding, txn, history, out, offset);
  else if (schema.feature_set === FeatureSet.seed) writeSeed(schema.encodings as unknown as SeedEncoding, txn, out, offset);
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

function writeBehavioral(enc: BehavioralEncoding, txn: ParsedTransaction, history: readonly HistoryEntry[], out: Float64Array | Float32Array, o: number): void {
  const t = txn.epochMs;
  let past = 0;
  let seenCity = false;
  let seenMerchant = false;
  let lastHour = 0;
  let last10 = 0;
  let prev = -Infinity;
  let nearHour = 0;
  if (amounts.length < history.length) amounts = new Float64Array(history.length * 2);
  for (let i = 0; i < history.length; i++) {
    const e = history[i];
    // Only the past counts: entries later in time (out-of-order arrivals) and the transaction
    // itself (a replay) are not history of this transaction.
    // (A replay has the same instant, so ids are compared only then: string comparisons of
    // fresh ids are the costliest thing in this loop.)
    if (e.epochMs > t || (e.epochMs === t && e.transaction_id === txn.transaction_id)) continue;
    past++;
    amounts[past - 1] = e.amount;
    if (e.location === txn.location) seenCity = true;
    if (e.merchant_type === txn.merchant_type) seenMerchant = true;
    const age = t - e.epochMs;
    if (age < enc.hourWindowMs) lastHour++;
    if (age < enc.shortWindowMs) last10++;
    if (e.epochMs > prev) prev = e.epochMs;
    const d = Math.abs(e.localHour - txn.localHour);
    if (Math.min(d, 24 - d) <= enc.hourNeighbourhood) nearHour++;
  }
  const median = past > 0 ? medianOf(amounts, past) : txn.amount;
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
