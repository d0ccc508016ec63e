import type { ParsedTransaction } from '../contract/types';
import { historyEntry } from '../detector/detector';
import { FEATURE_NAMES, featureSchemaFor, FeatureSet, writeFeatures, type SeedEncoding } from '../features/feature-sets';
import { toModelFile, type FeatureSchema, type ModelFile } from '../forest/model-file';
import { prepareRows } from '../forest/prepare';
import { compileForest, scoreSamples } from '../forest/score';
import { trainForest } from '../forest/train';
import { DEFAULT_FOREST_PARAMS, type ForestParams } from '../forest/types';
import { MemoryHistoryStore } from '../history/memory-store';
import { featureDistributions, scoreDistribution } from '../monitoring/distributions';

/** Defaults of a transaction model: 150 trees, psi 256, contamination 0.01 (the old service's). */
export const DEFAULT_TRANSACTION_PARAMS: ForestParams = { ...DEFAULT_FOREST_PARAMS, n_estimators: 150, contamination: 0.01 };

/** Options of `trainTransactionModel`. */
export interface TrainTransactionOptions {
  featureSet?: FeatureSet;
  params?: Partial<ForestParams>;
  /** ISO 8601 creation time written into the file (a parameter, for reproducible files). */
  createdAt: string;
  modelVersion?: string;
}

/**
 * Trains a transaction model: replays `transactions` (validated, in time order) through the same
 * history and feature code the detector uses, then grows the forest. Same inputs, same bytes.
 * The file's extras keep the training distribution of every feature (raw values) and of the
 * score of every training row, for drift monitoring (`extras.feature_distributions`,
 * `extras.score_distribution`).
 */
export function trainTransactionModel(transactions: readonly ParsedTransaction[], options: TrainTransactionOptions): ModelFile {
  const set = options.featureSet ?? FeatureSet.behavioral;
  if (!(set in FEATURE_NAMES)) throw new Error(`featureSet must be one of ${Object.keys(FEATURE_NAMES).join(', ')}, got "${set}"`);
  if (transactions.length === 0) throw new Error('cannot train on zero transactions');
  const params: ForestParams = { ...DEFAULT_TRANSACTION_PARAMS, ...options.params };
  const schema: FeatureSchema = featureSchemaFor(set);
  if (set === FeatureSet.seed) schema.encodings = seedEncoding(transactions) as unknown as Record<string, unknown>;
  const nf = schema.names.length;
  const raw = featureMatrix(schema, transactions);
  if (set === FeatureSet.seed) schema.scaler = fitScaler(raw, nf);
  const rows = prepareRows(raw, nf, schema.scaler);
  const trained = trainForest(rows, nf, params);
  const scores = scoreSamples(compileForest(trained.nodes, nf, trained.psi), rows);
  return toModelFile(trained, {
    featureSchema: schema,
    createdAt: options.createdAt,
    modelVersion: options.modelVersion,
    nTrainingRows: transactions.length,
    extras: { feature_distributions: featureDistributions(schema.names, raw), score_distribution: scoreDistribution(scores) },
  });
}

/** Feature rows (float64, row-major) of transactions replayed in order through a fresh history. */
export function featureMatrix(schema: FeatureSchema, transactions: readonly ParsedTransaction[]): Float64Array {
  const nf = schema.names.length;
  const out = new Float64Array(transactions.length * nf);
  const store = new MemoryHistoryStore();
  store.transactSync((tx) => {
    transactions.forEach((txn, i) => {
      writeFeatures(schema, txn, tx.packedHistory(txn.user_id), out, i * nf);
      tx.append(txn.user_id, historyEntry(txn));
    });
  });
  return out;
}

function seedEncoding(transactions: readonly ParsedTransaction[]): SeedEncoding {
  const codes = (values: Iterable<string>) => Object.fromEntries([...new Set(values)].sort().map((v, i) => [v, i]));
  return {
    location_codes: codes(transactions.map((t) => t.location)),
    merchant_codes: codes(transactions.map((t) => t.merchant_type)),
  };
}

/** StandardScaler semantics: population standard deviation, scale 1 for constant features. */
function fitScaler(raw: Float64Array, nf: number): { mean: number[]; scale: number[] } {
  const n = raw.length / nf;
  const mean = new Array<number>(nf).fill(0);
  const scale = new Array<number>(nf).fill(0);
  for (let r = 0; r < n; r++) for (let f = 0; f < nf; f++) mean[f] += raw[r * nf + f];
  for (let f = 0; f < nf; f++) mean[f] /= n;
  for (let r = 0; r < n; r++) for (let f = 0; f < nf; f++) scale[f] += (raw[r * nf + f] - mean[f]) ** 2;
  for (let f = 0; f < nf; f++) scale[f] = Math.sqrt(scale[f] / n) || 1;
  return { mean, scale };
}
