import { Rng } from '../random/prng';
import { heightLimit } from './path-length';
import { compileForest, scoreSamples } from './score';
import { percentile, summarizeScores } from './score-distribution';
import type { ForestNodes, ForestParams, ScoreDistribution } from './types';

/** scikit-learn's FEATURE_THRESHOLD: a feature whose range is within it counts as constant. */
const FEATURE_THRESHOLD = 1e-7;

/** Rows scored to summarise the training distribution when contamination is 'auto'. */
export const SCORE_SUMMARY_ROWS = 8192;

/** A trained forest before it is wrapped in a model file. */
export interface TrainedForest {
  params: ForestParams;
  /** Sub-sample size actually used: min(max_samples, n). */
  psi: number;
  /** Height limit the trees were grown to. */
  maxDepth: number;
  nFeatures: number;
  nodes: ForestNodes;
  /** decision_function = score_samples - offset. */
  offset: number;
  trainingScores: ScoreDistribution;
}

/**
 * Grows an Isolation Forest with scikit-learn semantics on `rows` (row-major float32, `nFeatures`
 * per row): sub-sampling without replacement per tree, a random non-constant feature per node, a
 * split drawn uniformly in (min, max) of the node's sample, height limit ceil(log2(psi)).
 * Deterministic for a given seed.
 */
export function trainForest(rows: Float32Array, nFeatures: number, params: ForestParams): TrainedForest {
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new Error(`nFeatures must be a positive integer, got ${nFeatures}`);
  if (rows.length % nFeatures !== 0) throw new Error(`rows length ${rows.length} is not a multiple of nFeatures ${nFeatures}`);
  const n = rows.length / nFeatures;
  if (n < 1) throw new Error('cannot train on zero rows');
  validateParams(params);
  const seed = params.seed ?? 0;
  const rng = new Rng(seed);
  const psi = Math.min(params.max_samples, n);
  const maxDepth = heightLimit(psi);

  const builder = new TreeBuilder(nFeatures, psi, maxDepth, rng);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const nodeOffsets = new Int32Array(params.n_estimators + 1);
  for (let t = 0; t < params.n_estimators; t++) {
    // Partial Fisher–Yates: the first psi entries become a uniform sample without replacement.
    for (let i = 0; i < psi; i++) {
      const j = i + rng.nextInt(n - i);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    builder.grow(rows, order);
    nodeOffsets[t + 1] = builder.size;
  }
  const nodes: ForestNodes = { count: params.n_estimators, nodeOffsets, ...builder.finish() };

  const compiled = compileForest(nodes, nFeatures, psi);
  let offset = -0.5;
  let trainingScores: ScoreDistribution;
  if (params.contamination === 'auto') {
    const m = Math.min(n, SCORE_SUMMARY_ROWS);
    const sample = new Float32Array(m * nFeatures);
    // A fresh partial Fisher–Yates over all n positions: a uniform sample of m rows (the trees'
    // shuffles only touched the first psi positions).
    for (let i = 0; i < m; i++) {
      const j = i + rng.nextInt(n - i);
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
      sample.set(rows.subarray(order[i] * nFeatures, (order[i] + 1) * nFeatures), i * nFeatures);
    }
    trainingScores = summarizeScores(scoreSamples(compiled, sample));
  } else {
    // As scikit-learn: the offset is the contamination percentile of all training scores.
    const scores = scoreSamples(compiled, rows);
    offset = percentile(Float64Array.from(scores).sort(), 100 * params.contamination);
    trainingScores = summarizeScores(scores);
  }
  return { params: { ...params, seed }, psi, maxDepth, nFeatures, nodes, offset, trainingScores };
}

function validateParams(p: ForestParams): void {
  if (!Number.isInteger(p.n_estimators) || p.n_estimators < 1) throw new Error(`n_estimators must be a positive integer, got ${p.n_estimators}`);
  if (!Number.isInteger(p.max_samples) || p.max_samples < 1) throw new Error(`max_samples must be a positive integer, got ${p.max_samples}`);
  if (p.contamination !== 'auto' && !(typeof p.contamination === 'number' && p.contamination > 0 && p.contamination <= 0.5)) {
    throw new Error(`contamination must be 'auto' or a number in (0, 0.5], got ${String(p.contamination)}`);
  }
  if (p.seed !== null && !Number.isInteger(p.seed)) throw new Error(`seed must be an integer, got ${p.seed}`);
}

/** Grows trees one after another into growing node arrays (depth-first, pre-order like scikit-learn). */
class TreeBuilder {
  size = 0;
  private treeStart = 0;
  private feature: number[] = [];
  private threshold: number[] = [];
  private left: number[] = [];
  private right: number[] = [];
  private nSamples: number[] = [];
  private readonly sample: Float32Array;
  private readonly idx: Int32Array;
  private readonly features: Int32Array;

  constructor(
    private readonly nf: number,
    private readonly psi: number,
    private readonly maxDepth: number,
    private readonly rng: Rng,
  ) {
    this.sample = new Float32Array(psi * nf);
    this.idx = new Int32Array(psi);
    this.features = new Int32Array(nf);
  }

  grow(rows: Float32Array, order: Int32Array): void {
    const nf = this.nf;
    for (let i = 0; i < this.psi; i++) {
      const r = order[i];
      this.sample.set(rows.subarray(r * nf, r * nf + nf), i * nf);
      this.idx[i] = i;
    }
    this.treeStart = this.size;
    this.node(0, this.psi, 0);
  }

  private node(start: number, end: number, depth: number): number {
    const id = this.size++ - this.treeStart;
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.nSamples.push(end - start);
    if (end - start <= 1 || depth >= this.maxDepth) return id;

    const { sample, idx, nf, features, rng } = this;
    for (let f = 0; f < nf; f++) features[f] = f;
    // Draw features without replacement until one is not constant on this node's sample.
    for (let remaining = nf; remaining > 0; remaining--) {
      const k = rng.nextInt(remaining);
      const f = features[k];
      features[k] = features[remaining - 1];
      features[remaining - 1] = f;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = start; i < end; i++) {
        const v = sample[idx[i] * nf + f];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi <= lo + FEATURE_THRESHOLD) continue;
      let t = lo + rng.nextFloat() * (hi - lo);
      if (t >= hi) t = lo; // as scikit-learn: a threshold equal to the max would leave the right side empty
      // Partition: x <= t to the left.
      let i = start;
      let j = end - 1;
      while (i <= j) {
        if (sample[idx[i] * nf + f] <= t) i++;
        else {
          const tmp = idx[i];
          idx[i] = idx[j];
          idx[j] = tmp;
          j--;
        }
      }
      const at = id + this.treeStart;
      this.feature[at] = f;
      this.threshold[at] = t;
      this.left[at] = this.node(start, i, depth + 1);
      this.right[at] = this.node(i, end, depth + 1);
      return id;
    }
    return id;
  }

  finish(): Omit<ForestNodes, 'count' | 'nodeOffsets'> {
    return {
      feature: Int32Array.from(this.feature),
      threshold: Float64Array.from(this.threshold),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      nSamples: Int32Array.from(this.nSamples),
    };
  }
}
