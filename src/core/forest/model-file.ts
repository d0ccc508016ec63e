import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { canonicalJson } from './canonical-json';
import { compileForest, type CompiledForest } from './score';
import type { TrainedForest } from './train';
import type { Contamination, ForestNodes, ScoreDistribution } from './types';

/** The `format` field of every model file. */
export const MODEL_FORMAT = 'txn-anomaly.isolation-forest';
/** The model file version this build reads and writes. */
export const MODEL_FORMAT_VERSION = 1;

/** A per-feature standardisation applied before the forest: (x - mean) / scale. */
export interface Scaler {
  mean: number[];
  scale: number[];
}

/** How raw inputs become the forest's feature rows. */
export interface FeatureSchema {
  /** 'generic' for tabular data, or the name of a transaction feature set. */
  feature_set: string;
  names: string[];
  /** Encoders of categorical or derived features (owned by the feature set). */
  encodings: Record<string, unknown>;
  scaler: Scaler | null;
}

/** The model file as JSON (see README, "Model file"). */
export interface ModelFile {
  format: typeof MODEL_FORMAT;
  format_version: number;
  created_at: string;
  model_version: string;
  /** Who trained it: 'txn-anomaly' or 'scikit-learn'. */
  trained_by: string;
  params: {
    n_estimators: number;
    max_samples: number | 'auto';
    /** Sub-sample size actually used (scikit-learn's `max_samples_`). */
    psi: number;
    max_depth: number;
    contamination: Contamination;
    seed: number | null;
    n_training_rows: number;
  };
  offset: number;
  feature_schema: FeatureSchema;
  trees: {
    count: number;
    node_offsets: number[];
    feature: number[];
    threshold: number[];
    left: number[];
    right: number[];
    n_samples: number[];
  };
  training_scores: ScoreDistribution;
  /** Optional extra sections (feature distributions, metrics); covered by the hash. */
  extras?: Record<string, unknown>;
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  sha256: string;
}

/** A model file that passed validation, with its forest ready to score. */
export interface LoadedModel {
  file: ModelFile;
  nodes: ForestNodes;
  forest: CompiledForest;
  nFeatures: number;
}

/** A model file that cannot be used; `path` names the offending field. */
export class ModelFileError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`invalid model file: ${path}: ${detail}`);
    this.name = 'ModelFileError';
  }
}

/** Options for wrapping a trained forest into a model file. */
export interface ModelFileOptions {
  featureSchema: FeatureSchema;
  /** ISO 8601; a parameter so that training stays byte-for-byte reproducible. */
  createdAt: string;
  modelVersion?: string;
  nTrainingRows: number;
  extras?: Record<string, unknown>;
}

/** Builds the model file of a trained forest, hash included. */
export function toModelFile(trained: TrainedForest, options: ModelFileOptions): ModelFile {
  if (options.featureSchema.names.length !== trained.nFeatures) {
    throw new Error(`feature schema names ${options.featureSchema.names.length} features, the forest has ${trained.nFeatures}`);
  }
  const { nodes } = trained;
  const content: Omit<ModelFile, 'sha256'> = {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    created_at: options.createdAt,
    model_version: options.modelVersion ?? `iforest-${options.featureSchema.feature_set}-t${trained.params.n_estimators}-s${trained.params.seed}`,
    trained_by: 'txn-anomaly',
    params: {
      n_estimators: trained.params.n_estimators,
      max_samples: trained.params.max_samples,
      psi: trained.psi,
      max_depth: trained.maxDepth,
      contamination: trained.params.contamination,
      seed: trained.params.seed,
      n_training_rows: options.nTrainingRows,
    },
    offset: trained.offset,
    feature_schema: options.featureSchema,
    trees: {
      count: nodes.count,
      node_offsets: Array.from(nodes.nodeOffsets),
      feature: Array.from(nodes.feature),
      threshold: Array.from(nodes.threshold),
      left: Array.from(nodes.left),
      right: Array.from(nodes.right),
      n_samples: Array.from(nodes.nSamples),
    },
    training_scores: trained.trainingScores,
    ...(options.extras ? { extras: options.extras } : {}),
  };
  return { ...content, sha256: contentHash(content) };
}

/** SHA-256 (lowercase hex) of a text's UTF-8 bytes. */
export type Sha256Hex = (text: string) => string;

/** SHA-256 in JavaScript, which runs anywhere (pages, workers, Node). */
export const sha256Hex: Sha256Hex = (text) => bytesToHex(sha256(utf8ToBytes(text)));

/**
 * SHA-256 (hex) of the canonical JSON of a model file without its `sha256` field.
 * @param hash the SHA-256 to use (default {@link sha256Hex}; Node's native one is faster)
 */
export function contentHash(file: Omit<ModelFile, 'sha256'> | ModelFile, hash: Sha256Hex = sha256Hex): string {
  const { sha256: _ignored, ...content } = file as ModelFile;
  return hash(canonicalJson(content));
}

/** Options of {@link parseModel} and {@link loadModel}. */
export interface LoadModelOptions {
  /** The SHA-256 the file's `sha256` is checked with (default {@link sha256Hex}). */
  sha256?: Sha256Hex;
}

/** Serialises a model file (canonical JSON, one line, trailing newline). */
export function serializeModel(file: ModelFile): string {
  return `${canonicalJson(file)}\n`;
}

/** Parses, validates and compiles a model file from its text. */
export function parseModel(text: string, options: LoadModelOptions = {}): LoadedModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError('(file)', `not valid JSON (${(e as Error).message}); the file may be truncated`);
  }
  return loadModel(json, options);
}

/** Validates a parsed model file (every field, every tree) and compiles it for scoring. */
export function loadModel(json: unknown, options: LoadModelOptions = {}): LoadedModel {
  const file = obj(json, '(file)');
  if (file.format !== MODEL_FORMAT) throw new ModelFileError('format', `expected "${MODEL_FORMAT}", got ${show(file.format)}`);
  if (file.format_version !== MODEL_FORMAT_VERSION) {
    throw new ModelFileError('format_version', `unsupported version ${show(file.format_version)}; this build reads version ${MODEL_FORMAT_VERSION}`);
  }
  str(file.created_at, 'created_at');
  str(file.model_version, 'model_version');
  str(file.trained_by, 'trained_by');
  const params = obj(file.params, 'params');
  const nEstimators = int(params.n_estimators, 'params.n_estimators', 1);
  if (params.max_samples !== 'auto') int(params.max_samples, 'params.max_samples', 1);
  const psi = int(params.psi, 'params.psi', 1);
  int(params.max_depth, 'params.max_depth', 0);
  int(params.n_training_rows, 'params.n_training_rows', 1);
  const c = params.contamination;
  if (c !== 'auto' && !(typeof c === 'number' && c > 0 && c <= 0.5)) throw new ModelFileError('params.contamination', `must be "auto" or a number in (0, 0.5], got ${show(c)}`);
  if (params.seed !== null) int(params.seed, 'params.seed', -Infinity);
  num(file.offset, 'offset');

  const schema = obj(file.feature_schema, 'feature_schema');
  str(schema.feature_set, 'feature_schema.feature_set');
  const names = arr(schema.names, 'feature_schema.names');
  if (names.length === 0) throw new ModelFileError('feature_schema.names', 'is empty');
  names.forEach((n, i) => str(n, `feature_schema.names[${i}]`));
  const nf = names.length;
  obj(schema.encodings, 'feature_schema.encodings');
  if (schema.scaler !== null) {
    const scaler = obj(schema.scaler, 'feature_schema.scaler');
    for (const key of ['mean', 'scale'] as const) {
      const values = arr(scaler[key], `feature_schema.scaler.${key}`);
      if (values.length !== nf) throw new ModelFileError(`feature_schema.scaler.${key}`, `has ${values.length} entries for ${nf} features`);
      values.forEach((v, i) => num(v, `feature_schema.scaler.${key}[${i}]`));
      if (key === 'scale' && values.some((v) => v === 0)) throw new ModelFileError('feature_schema.scaler.scale', 'contains a zero');
    }
  }

  const nodes = validateTrees(obj(file.trees, 'trees'), nEstimators, nf);

  const ts = obj(file.training_scores, 'training_scores');
  int(ts.count, 'training_scores.count', 1);
  num(ts.mean, 'training_scores.mean');
  num(ts.std, 'training_scores.std');
  const q = arr(ts.quantiles, 'training_scores.quantiles');
  if (q.length !== 101) throw new ModelFileError('training_scores.quantiles', `expected 101 quantiles, got ${q.length}`);
  q.forEach((v, i) => num(v, `training_scores.quantiles[${i}]`));
  if (file.extras !== undefined) obj(file.extras, 'extras');

  if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256)) throw new ModelFileError('sha256', `must be 64 lowercase hex digits, got ${show(file.sha256)}`);
  const actual = contentHash(file as unknown as ModelFile, options.sha256);
  if (actual !== file.sha256) throw new ModelFileError('sha256', `hash mismatch: the file says ${file.sha256} but its content hashes to ${actual}; the file was altered or corrupted`);

  return { file: file as unknown as ModelFile, nodes, forest: compileForest(nodes, nf, psi), nFeatures: nf };
}

function validateTrees(trees: Record<string, unknown>, nEstimators: number, nf: number): ForestNodes {
  const count = int(trees.count, 'trees.count', 1);
  if (count !== nEstimators) throw new ModelFileError('trees.count', `is ${count} but params.n_estimators is ${nEstimators}`);
  const offsets = ints(trees.node_offsets, 'trees.node_offsets');
  if (offsets.length !== count + 1) throw new ModelFileError('trees.node_offsets', `has ${offsets.length} entries, expected count + 1 = ${count + 1}`);
  if (offsets[0] !== 0) throw new ModelFileError('trees.node_offsets[0]', `must be 0, got ${offsets[0]}`);
  for (let t = 0; t < count; t++) {
    if (offsets[t + 1] <= offsets[t]) throw new ModelFileError(`trees.node_offsets[${t + 1}]`, `tree ${t} has no nodes (offsets must increase)`);
  }
  const total = offsets[count];
  const feature = ints(trees.feature, 'trees.feature');
  const left = ints(trees.left, 'trees.left');
  const right = ints(trees.right, 'trees.right');
  const nSamples = ints(trees.n_samples, 'trees.n_samples');
  const thresholdRaw = arr(trees.threshold, 'trees.threshold');
  for (const [name, a] of [['feature', feature], ['threshold', thresholdRaw], ['left', left], ['right', right], ['n_samples', nSamples]] as const) {
    if (a.length !== total) throw new ModelFileError(`trees.${name}`, `has ${a.length} entries but node_offsets says ${total} nodes (truncated or padded arrays)`);
  }
  const threshold = new Float64Array(total);
  const parents = new Uint8Array(total);
  for (let t = 0; t < count; t++) {
    const base = offsets[t];
    const size = offsets[t + 1] - base;
    for (let k = 0; k < size; k++) {
      const g = base + k;
      const at = `tree ${t} node ${k}`;
      if (nSamples[g] < 1) throw new ModelFileError(`trees.n_samples[${g}]`, `${at} has n_samples ${nSamples[g]}, must be >= 1`);
      const l = left[g];
      const r = right[g];
      if (l === -1 && r === -1) {
        if (feature[g] !== -1) throw new ModelFileError(`trees.feature[${g}]`, `${at} is a leaf and must have feature -1, got ${feature[g]}`);
        continue;
      }
      for (const [side, child] of [['left', l], ['right', r]] as const) {
        if (child < 0 || child >= size) throw new ModelFileError(`trees.${side}[${g}]`, `${at}: child index ${child} is out of range 0..${size - 1}`);
        // Children come after their parent (depth-first order); anything else is a cycle or a back edge.
        if (child <= k) throw new ModelFileError(`trees.${side}[${g}]`, `${at}: child ${child} does not come after its parent (cycle or back edge)`);
        if (parents[base + child]++ > 0) throw new ModelFileError(`trees.${side}[${g}]`, `${at}: node ${child} has two parents`);
      }
      if (feature[g] < 0 || feature[g] >= nf) throw new ModelFileError(`trees.feature[${g}]`, `${at}: feature ${feature[g]} is out of range 0..${nf - 1}`);
      const thr = thresholdRaw[g];
      if (typeof thr !== 'number' || Number.isNaN(thr)) throw new ModelFileError(`trees.threshold[${g}]`, `${at}: threshold must be a number, got ${show(thr)}`);
      threshold[g] = thr;
    }
    for (let k = 1; k < size; k++) {
      if (parents[base + k] === 0) throw new ModelFileError('trees', `tree ${t} node ${k} is not reachable from the root`);
    }
  }
  return {
    count,
    nodeOffsets: Int32Array.from(offsets),
    feature: Int32Array.from(feature),
    threshold,
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    nSamples: Int32Array.from(nSamples),
  };
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFileError(path, v === undefined ? 'is missing' : `must be an object, got ${show(v)}`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new ModelFileError(path, v === undefined ? 'is missing' : `must be an array, got ${show(v)}`);
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ModelFileError(path, v === undefined ? 'is missing' : `must be a string, got ${show(v)}`);
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFileError(path, v === undefined ? 'is missing' : `must be a finite number, got ${show(v)}`);
  return v;
}
function int(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ModelFileError(path, v === undefined ? 'is missing' : `must be an integer, got ${show(v)}`);
  if (v < min) throw new ModelFileError(path, `must be >= ${min}, got ${v}`);
  return v;
}
function ints(v: unknown, path: string): number[] {
  const a = arr(v, path);
  for (let i = 0; i < a.length; i++) {
    if (typeof a[i] !== 'number' || !Number.isInteger(a[i])) throw new ModelFileError(`${path}[${i}]`, `must be an integer, got ${show(a[i])}`);
  }
  return a as number[];
}
