import { averagePathLength, leafPathLength } from './path-length';
import type { ForestNodes } from './types';
import { createWasmWalk, type WasmWalk } from './wasm-walk';

/** Deepest tree scored through the padded layout; deeper forests use the node-by-node walk. */
export const MAX_PADDED_DEPTH = 14;

/**
 * A forest laid out for scoring. Every tree is padded to a complete binary tree of the forest's
 * depth D: `feature`/`threshold` hold 2^D - 1 internal nodes per tree in breadth-first order and
 * `leafValue` 2^D path lengths per tree. A leaf of the original tree above depth D becomes a
 * pass-through whose whole subtree carries its value, so every row takes exactly D branch-free
 * steps. Thresholds are stored as the largest float32 not above the float64 threshold, which
 * makes `x > t` on float32 identical to scikit-learn's `x <= t` test on the double.
 */
export interface CompiledForest {
  nTrees: number;
  nFeatures: number;
  /** Depth D of the padded trees (0 for forests of single leaves). */
  depth: number;
  /** c(psi): the normaliser of the mean path length. */
  norm: number;
  /** 'padded' or 'nodes' (deep trees). */
  layout: 'padded' | 'nodes';
  feature: Int32Array;
  threshold: Float32Array;
  leafValue: Float64Array;
  /** Node-by-node layout, used when depth > MAX_PADDED_DEPTH. */
  nodes?: { offsets: Int32Array; feature: Int32Array; threshold: Float32Array; left: Int32Array; right: Int32Array; value: Float64Array };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Largest float32 that is <= `t` (t finite or infinite, not NaN). */
export function float32AtOrBelow(t: number): number {
  const f = Math.fround(t);
  if (f <= t) return f;
  if (f === 0) return -1.401298464324817e-45; // t is a tiny negative number
  f32[0] = f;
  u32[0] += f > 0 ? -1 : 1;
  return f32[0];
}

/** Depth of the deepest leaf across all trees. */
function forestDepth(nodes: ForestNodes): number {
  let max = 0;
  const stackNode: number[] = [];
  const stackDepth: number[] = [];
  for (let t = 0; t < nodes.count; t++) {
    const base = nodes.nodeOffsets[t];
    stackNode.push(0);
    stackDepth.push(0);
    while (stackNode.length > 0) {
      const i = base + stackNode.pop()!;
      const d = stackDepth.pop()!;
      if (nodes.left[i] < 0) {
        if (d > max) max = d;
      } else {
        stackNode.push(nodes.left[i], nodes.right[i]);
        stackDepth.push(d + 1, d + 1);
      }
    }
  }
  return max;
}

/**
 * Lays a validated forest out for scoring. `psi` is the sub-sample size the trees were grown on
 * (scikit-learn's `max_samples_`).
 */
export function compileForest(nodes: ForestNodes, nFeatures: number, psi: number): CompiledForest {
  const depth = forestDepth(nodes);
  const T = nodes.count;
  const norm = averagePathLength(psi);
  if (depth > MAX_PADDED_DEPTH) return compileNodes(nodes, nFeatures, depth, norm);
  const nInternal = (1 << depth) - 1;
  const nLeaves = 1 << depth;
  const feature = new Int32Array(T * nInternal);
  const threshold = new Float32Array(T * nInternal);
  const leafValue = new Float64Array(T * nLeaves);
  const fill = (t: number, node: number, slot: number, level: number): void => {
    const i = nodes.nodeOffsets[t] + node;
    if (nodes.left[i] < 0) {
      const value = leafPathLength(level, nodes.nSamples[i]);
      // Every padded leaf below this slot carries the leaf's value; pass-through nodes split on
      // feature 0 at +Infinity, so whichever way a row goes it lands on that value.
      let first = slot;
      let count = 1;
      for (let l = level; l < depth; l++) {
        first = 2 * first + 1;
        count *= 2;
      }
      leafValue.fill(value, t * nLeaves + first - nInternal, t * nLeaves + first - nInternal + count);
      let lo = slot;
      let width = 1;
      for (let l = level; l < depth; l++) {
        threshold.fill(Infinity, t * nInternal + lo, t * nInternal + lo + width);
        lo = 2 * lo + 1;
        width *= 2;
      }
      return;
    }
    feature[t * nInternal + slot] = nodes.feature[i];
    threshold[t * nInternal + slot] = float32AtOrBelow(nodes.threshold[i]);
    fill(t, nodes.left[i], 2 * slot + 1, level + 1);
    fill(t, nodes.right[i], 2 * slot + 2, level + 1);
  };
  for (let t = 0; t < T; t++) fill(t, 0, 0, 0);
  return { nTrees: T, nFeatures, depth, norm, layout: 'padded', feature, threshold, leafValue };
}

function compileNodes(nodes: ForestNodes, nFeatures: number, depth: number, norm: number): CompiledForest {
  const total = nodes.feature.length;
  const threshold = new Float32Array(total);
  const value = new Float64Array(total);
  const nodeDepth = new Int32Array(total);
  for (let t = 0; t < nodes.count; t++) {
    const base = nodes.nodeOffsets[t];
    for (let k = base; k < nodes.nodeOffsets[t + 1]; k++) {
      // Children always follow their parent (checked at load), so depths fill in one pass.
      if (nodes.left[k] >= 0) {
        nodeDepth[base + nodes.left[k]] = nodeDepth[k] + 1;
        nodeDepth[base + nodes.right[k]] = nodeDepth[k] + 1;
        threshold[k] = float32AtOrBelow(nodes.threshold[k]);
      } else {
        value[k] = leafPathLength(nodeDepth[k], nodes.nSamples[k]);
      }
    }
  }
  return {
    nTrees: nodes.count,
    nFeatures,
    depth,
    norm,
    layout: 'nodes',
    feature: new Int32Array(0),
    threshold: new Float32Array(0),
    leafValue: new Float64Array(0),
    nodes: { offsets: nodes.nodeOffsets, feature: nodes.feature, threshold, left: nodes.left, right: nodes.right, value },
  };
}

/** Rows per block: a block's rows stay in cache while every tree walks them. */
const BLOCK_ROWS = 256;

/**
 * How padded forests are walked: 'wasm' (the default) uses the WebAssembly walk where this
 * runtime allows it and the JavaScript walk elsewhere; 'js' always uses the JavaScript walk.
 * Both give the same sums to the bit.
 */
export type ForestEngine = 'wasm' | 'js';

// Each compiled forest's WebAssembly walk, made on first use (null: not available here).
const wasmWalks = new WeakMap<CompiledForest, WasmWalk | null>();

function wasmWalkOf(forest: CompiledForest): WasmWalk | null {
  let walk = wasmWalks.get(forest);
  if (walk === undefined) {
    walk = createWasmWalk(forest);
    wasmWalks.set(forest, walk);
  }
  return walk;
}

/** Whether padded forests are walked in WebAssembly here (false: the JavaScript walk runs). */
export function wasmWalkAvailable(forest: CompiledForest): boolean {
  return forest.layout === 'padded' && wasmWalkOf(forest) !== null;
}

/**
 * Sums the path lengths of every row over all trees into `out` (length = rows).
 * Trees are added in order, as scikit-learn does, so the sums agree to the bit.
 */
export function pathLengthSums(forest: CompiledForest, rows: Float32Array, out: Float64Array, engine: ForestEngine = 'wasm'): Float64Array {
  const nf = forest.nFeatures;
  const n = rows.length / nf;
  if (!Number.isInteger(n)) throw new Error(`rows length ${rows.length} is not a multiple of ${nf} features`);
  if (out.length < n) throw new Error(`output length ${out.length} is smaller than the ${n} rows`);
  out.fill(0, 0, n);
  if (forest.layout === 'nodes') return nodeWalk(forest, rows, n, out);
  if (engine === 'wasm' && n > 0) {
    const walk = wasmWalkOf(forest);
    if (walk !== null) {
      walk(rows, 0, n, out, 0);
      return out;
    }
  }
  const { feature, threshold, leafValue, depth: D, nTrees: T } = forest;
  const nInternal = (1 << D) - 1;
  const nLeaves = 1 << D;
  for (let r0 = 0; r0 < n; r0 += BLOCK_ROWS) {
    const r1 = Math.min(n, r0 + BLOCK_ROWS);
    for (let t = 0; t < T; t++) {
      // Views of this tree's arrays: indices stay tree-local (one add fewer per step, ~7 %).
      const feat = feature.subarray(t * nInternal, (t + 1) * nInternal);
      const thr = threshold.subarray(t * nInternal, (t + 1) * nInternal);
      const leaf = leafValue.subarray(t * nLeaves, (t + 1) * nLeaves);
      let r = r0;
      for (; r + 8 <= r1; r += 8) {
        const o0 = r * nf;
        const o1 = o0 + nf;
        const o2 = o1 + nf;
        const o3 = o2 + nf;
        const o4 = o3 + nf;
        const o5 = o4 + nf;
        const o6 = o5 + nf;
        const o7 = o6 + nf;
        let i0 = 0, i1 = 0, i2 = 0, i3 = 0, i4 = 0, i5 = 0, i6 = 0, i7 = 0;
        for (let l = 0; l < D; l++) {
          i0 = 2 * i0 + 1 + +(rows[o0 + feat[i0]] > thr[i0]);
          i1 = 2 * i1 + 1 + +(rows[o1 + feat[i1]] > thr[i1]);
          i2 = 2 * i2 + 1 + +(rows[o2 + feat[i2]] > thr[i2]);
          i3 = 2 * i3 + 1 + +(rows[o3 + feat[i3]] > thr[i3]);
          i4 = 2 * i4 + 1 + +(rows[o4 + feat[i4]] > thr[i4]);
          i5 = 2 * i5 + 1 + +(rows[o5 + feat[i5]] > thr[i5]);
          i6 = 2 * i6 + 1 + +(rows[o6 + feat[i6]] > thr[i6]);
          i7 = 2 * i7 + 1 + +(rows[o7 + feat[i7]] > thr[i7]);
        }
        out[r] += leaf[i0 - nInternal];
        out[r + 1] += leaf[i1 - nInternal];
        out[r + 2] += leaf[i2 - nInternal];
        out[r + 3] += leaf[i3 - nInternal];
        out[r + 4] += leaf[i4 - nInternal];
        out[r + 5] += leaf[i5 - nInternal];
        out[r + 6] += leaf[i6 - nInternal];
        out[r + 7] += leaf[i7 - nInternal];
      }
      for (; r < r1; r++) {
        const o = r * nf;
        let i = 0;
        for (let l = 0; l < D; l++) i = 2 * i + 1 + +(rows[o + feat[i]] > thr[i]);
        out[r] += leaf[i - nInternal];
      }
    }
  }
  return out;
}

function nodeWalk(forest: CompiledForest, rows: Float32Array, n: number, out: Float64Array): Float64Array {
  const { offsets, feature, threshold, left, right, value } = forest.nodes!;
  const nf = forest.nFeatures;
  for (let r = 0; r < n; r++) {
    const o = r * nf;
    let sum = 0;
    for (let t = 0; t < forest.nTrees; t++) {
      const base = offsets[t];
      let k = base;
      while (left[k] >= 0) k = base + (rows[o + feature[k]] > threshold[k] ? right[k] : left[k]);
      sum += value[k];
    }
    out[r] = sum;
  }
  return out;
}

/**
 * scikit-learn's `score_samples`: -2^(-E[h(x)] / c(psi)) for every row of `rows`
 * (row-major float32). Lower is more anomalous. Writes into `out` when given.
 */
export function scoreSamples(forest: CompiledForest, rows: Float32Array, out?: Float64Array, engine: ForestEngine = 'wasm'): Float64Array {
  const n = rows.length / forest.nFeatures;
  const result = pathLengthSums(forest, rows, out ?? new Float64Array(n), engine);
  const denominator = forest.nTrees * forest.norm;
  for (let r = 0; r < n; r++) result[r] = -(2 ** -(denominator !== 0 ? result[r] / denominator : 1));
  return result;
}

/** scikit-learn's `decision_function`: score_samples - offset (negative = outlier). */
export function decisionFunction(forest: CompiledForest, offset: number, rows: Float32Array, out?: Float64Array): Float64Array {
  const result = scoreSamples(forest, rows, out);
  const n = rows.length / forest.nFeatures;
  for (let r = 0; r < n; r++) result[r] -= offset;
  return result;
}

/** scikit-learn's `predict`: -1 for outliers (decision_function < 0), 1 for inliers. */
export function predict(forest: CompiledForest, offset: number, rows: Float32Array): Int8Array {
  const df = decisionFunction(forest, offset, rows);
  const labels = new Int8Array(df.length);
  for (let r = 0; r < labels.length; r++) labels[r] = df[r] < 0 ? -1 : 1;
  return labels;
}
