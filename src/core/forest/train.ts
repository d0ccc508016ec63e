import { MersenneTwister, INT32_MAX, RAND_R_MAX, RandR, sampleWithoutReplacement } from '../random/numpy-random';
import { Rng } from '../random/prng';
import { heightLimit } from './path-length';
import { compileForest, scoreSamples } from './score';
import { percentile, summarizeScores } from './score-distribution';
import type { ForestNodes, ForestParams, ScoreDistribution } from './types';

/** scikit-learn's FEATURE_THRESHOLD (a float32): a feature whose range is within it counts as constant. */
const FEATURE_THRESHOLD = Math.fround(1e-7);

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
 * Draw for draw the forest scikit-learn 1.2's `IsolationForest(random_state=seed)` grows on the
 * same float32 rows (see `numpy-random.ts`): the same trees, node for node, so the same scores.
 */
export function trainForest(rows: Float32Array, nFeatures: number, params: ForestParams): TrainedForest {
  if (!Number.isInteger(nFeatures) || nFeatures < 1) throw new Error(`nFeatures must be a positive integer, got ${nFeatures}`);
  if (rows.length % nFeatures !== 0) throw new Error(`rows length ${rows.length} is not a multiple of nFeatures ${nFeatures}`);
  const n = rows.length / nFeatures;
  if (n < 1) throw new Error('cannot train on zero rows');
  validateParams(params);
  const seed = params.seed ?? 0;
  const psi = Math.min(params.max_samples, n);
  const maxDepth = heightLimit(psi);

  // scikit-learn's BaseBagging: one seed per tree from RandomState(seed); each tree's sample
  // indices come from a fresh RandomState(tree seed), and the tree's own random_state is the
  // first draw of another fresh RandomState(tree seed). The splitter seeds its xorshift from that.
  const master = new MersenneTwister(seed);
  const treeSeeds = Array.from({ length: params.n_estimators }, () => master.randint(INT32_MAX));
  const builder = new TreeBuilder(nFeatures, psi, maxDepth);
  const nodeOffsets = new Int32Array(params.n_estimators + 1);
  for (let t = 0; t < params.n_estimators; t++) {
    const indices = sampleWithoutReplacement(n, psi, new MersenneTwister(treeSeeds[t]));
    const estimatorSeed = new MersenneTwister(treeSeeds[t]).randint(INT32_MAX);
    const rand = new RandR(new MersenneTwister(estimatorSeed).randint(RAND_R_MAX));
    // scikit-learn fits every tree on all rows with weight 0 outside the sample, so the
    // splitter holds the sampled rows in index order.
    builder.grow(rows, indices.sort(), rand);
    nodeOffsets[t + 1] = builder.size;
  }
  const nodes: ForestNodes = { count: params.n_estimators, nodeOffsets, ...builder.finish() };

  const compiled = compileForest(nodes, nFeatures, psi);
  let offset = -0.5;
  let trainingScores: ScoreDistribution;
  if (params.contamination === 'auto') {
    const m = Math.min(n, SCORE_SUMMARY_ROWS);
    const sample = new Float32Array(m * nFeatures);
    // A seeded partial Fisher–Yates over all n positions: a uniform sample of m rows.
    const rng = new Rng(seed);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
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
  if (p.seed !== null && !(Number.isInteger(p.seed) && p.seed >= 0 && p.seed <= 0xffffffff)) {
    throw new Error(`seed must be an integer in [0, 4294967295] (as scikit-learn's random_state), got ${p.seed}`);
  }
}

/**
 * Grows trees one after another into growing node arrays: scikit-learn's DepthFirstTreeBuilder
 * with its RandomSplitter (max_features 1, min_samples_split 2), depth-first, left child first,
 * nodes numbered in pre-order. The splitter's feature order and its record of features found
 * constant persist from node to node as in scikit-learn, because they decide which feature
 * each draw lands on.
 */
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
  private readonly constantFeatures: Int32Array;
  private rand: RandR = new RandR(0);

  constructor(
    private readonly nf: number,
    private readonly psi: number,
    private readonly maxDepth: number,
  ) {
    this.sample = new Float32Array(psi * nf);
    this.idx = new Int32Array(psi);
    this.features = new Int32Array(nf);
    this.constantFeatures = new Int32Array(nf);
  }

  grow(rows: Float32Array, indices: Int32Array, rand: RandR): void {
    const nf = this.nf;
    for (let i = 0; i < this.psi; i++) {
      const r = indices[i];
      this.sample.set(rows.subarray(r * nf, r * nf + nf), i * nf);
      this.idx[i] = i;
    }
    for (let f = 0; f < nf; f++) this.features[f] = f;
    this.rand = rand;
    this.treeStart = this.size;
    this.node(0, this.psi, 0, 0);
  }

  /** Grows the node holding idx[start, end) and its subtree; returns its index in the tree. */
  private node(start: number, end: number, depth: number, nKnownConstants: number): number {
    const id = this.size++ - this.treeStart;
    this.feature.push(-1);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.nSamples.push(end - start);
    if (end - start <= 1 || depth >= this.maxDepth) return id;

    const { sample, idx, nf, features, constantFeatures, rand } = this;
    // RandomSplitter.node_split with max_features = 1: draw features until one is not constant
    // on this node's sample. Features known constant from the ancestors sit in
    // features[0, nKnownConstants); newly found ones are moved next to them.
    let nTotalConstants = nKnownConstants;
    let nVisited = 0;
    let nFound = 0;
    let nDrawn = 0;
    let fi = nf;
    let split = -1;
    let splitFeature = -1;
    let splitThreshold = 0;
    while (fi > nTotalConstants && (nVisited < 1 || nVisited <= nFound + nDrawn)) {
      nVisited++;
      let fj = rand.int(nDrawn, fi - nFound);
      if (fj < nKnownConstants) {
        const tmp = features[nDrawn];
        features[nDrawn] = features[fj];
        features[fj] = tmp;
        nDrawn++;
        continue;
      }
      fj += nFound;
      const f = features[fj];
      let lo = sample[idx[start] * nf + f];
      let hi = lo;
      for (let i = start + 1; i < end; i++) {
        const v = sample[idx[i] * nf + f];
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      // In float32, as scikit-learn compares them.
      if (hi <= Math.fround(lo + FEATURE_THRESHOLD)) {
        features[fj] = features[nTotalConstants];
        features[nTotalConstants] = f;
        nFound++;
        nTotalConstants++;
        continue;
      }
      fi--;
      features[fj] = features[fi];
      features[fi] = f;
      let t = rand.uniform(lo, hi);
      if (t === hi) t = lo; // a threshold equal to the max would leave the right side empty
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
      split = i;
      splitFeature = f;
      splitThreshold = t;
    }
    // scikit-learn's invariant: the ancestors' constant features keep their order for the
    // siblings, and the newly found ones are remembered after them.
    for (let k = 0; k < nKnownConstants; k++) features[k] = constantFeatures[k];
    for (let k = nKnownConstants; k < nKnownConstants + nFound; k++) constantFeatures[k] = features[k];
    if (split < 0) return id;

    const at = id + this.treeStart;
    this.feature[at] = splitFeature;
    this.threshold[at] = splitThreshold;
    this.left[at] = this.node(start, split, depth + 1, nTotalConstants);
    this.right[at] = this.node(split, end, depth + 1, nTotalConstants);
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
