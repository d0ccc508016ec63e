/**
 * Exact TreeSHAP (Lundberg, Erion and Lee 2018, "Consistent individualized feature attribution
 * for tree ensembles", Algorithm 2, path-dependent) for the path length of an Isolation Forest.
 *
 * The explained quantity is the forest's mean path length f(x) = (1/T) Σ_t h_t(x), where a leaf
 * at depth d holding n training samples is worth h = d + c(n) (the value `score.ts` sums). The
 * set function is the path-dependent conditional expectation over the stored node sample counts:
 * v(S) walks x's branch at a split on a feature in S, and averages both children weighted by
 * n_child / n_node otherwise. The Shapley values of v are exact (no sampling, no approximation):
 *
 *   Σ_i φ_i = f(x) - E[f],   E[f] = v(∅) = (1/T) Σ_t Σ_leaves (n_leaf / n_root) h_leaf.
 *
 * Lower path length means more anomalous, so a negative φ_i raises the risk.
 *
 * Three algorithms give these values: 'linear' (the default, by far the fastest; Gauss–Legendre
 * quadrature of the Shapley weights over the tree, see `createLinearExplainer`), 'leaves' and
 * 'paths' (Algorithm 2 as published), kept as references.
 *
 * Split decisions are those of the scorer: the row is float32 and a row goes right when
 * `x > t32`, t32 the largest float32 not above the stored float64 threshold.
 */
import { averagePathLength, leafPathLength } from '../forest/path-length';
import { float32AtOrBelow } from '../forest/score';
import type { ForestNodes } from '../forest/types';

/** A forest prepared for TreeSHAP: float32 thresholds, leaf values, per-tree expectations. */
export interface TreeShapForest {
  nTrees: number;
  nFeatures: number;
  /** c(psi), the normaliser of the mean path length in the anomaly score. */
  norm: number;
  /** Deepest leaf of any tree. */
  maxDepth: number;
  /** E[f]: the mean over trees of each tree's cover-weighted mean leaf value. */
  expectedPathLength: number;
  offsets: Int32Array;
  feature: Int32Array;
  left: Int32Array;
  right: Int32Array;
  /** Node sample counts as float64 (the cover). */
  cover: Float64Array;
  /** float32 split thresholds, as the scorer tests them. */
  threshold: Float32Array;
  /** Path length h = depth + c(n) at leaves (0 at internal nodes). */
  value: Float64Array;
}

// The value the scorer credits to a leaf, so that f(x) here equals its path length sum / T to the bit.
export { leafPathLength } from '../forest/path-length';

/** Prepares a validated forest (children after parents, as the model loader checks) for TreeSHAP. */
export function prepareTreeShap(nodes: ForestNodes, nFeatures: number, psi: number): TreeShapForest {
  const total = nodes.feature.length;
  const threshold = new Float32Array(total);
  const value = new Float64Array(total);
  const depth = new Int32Array(total);
  const cover = Float64Array.from(nodes.nSamples);
  let maxDepth = 0;
  let expectedSum = 0;
  const expected = new Float64Array(total);
  for (let t = 0; t < nodes.count; t++) {
    const base = nodes.nodeOffsets[t];
    const end = nodes.nodeOffsets[t + 1];
    for (let k = base; k < end; k++) {
      if (nodes.left[k] >= 0) {
        depth[base + nodes.left[k]] = depth[k] + 1;
        depth[base + nodes.right[k]] = depth[k] + 1;
        threshold[k] = float32AtOrBelow(nodes.threshold[k]);
      } else {
        value[k] = leafPathLength(depth[k], nodes.nSamples[k]);
        if (depth[k] > maxDepth) maxDepth = depth[k];
      }
    }
    // E[h_t] by the same recursion the algorithm uses (children weighted by n_child / n_node),
    // bottom-up: children always come after their parent. Computing it this way keeps
    // Σφ = f(x) - E[f] exact even for a file whose child counts do not add up to the parent's.
    for (let k = end - 1; k >= base; k--) {
      if (nodes.left[k] < 0) expected[k] = value[k];
      else {
        const l = base + nodes.left[k];
        const r = base + nodes.right[k];
        expected[k] = (cover[l] / cover[k]) * expected[l] + (cover[r] / cover[k]) * expected[r];
      }
    }
    expectedSum += expected[base];
  }
  return {
    nTrees: nodes.count,
    nFeatures,
    norm: averagePathLength(psi),
    maxDepth,
    expectedPathLength: expectedSum / nodes.count,
    offsets: nodes.nodeOffsets,
    feature: nodes.feature,
    left: nodes.left,
    right: nodes.right,
    cover,
    threshold,
    value,
  };
}

/** Computes exact Shapley values of the mean path length for one row at a time. */
export interface TreeShapExplainer {
  readonly forest: TreeShapForest;
  /** The algorithm in use. */
  readonly method: TreeShapMethod;
  /** 'linear' only: the Gauss–Legendre points per row, ceil(u / 2) for u the most features on a path. */
  readonly points?: number;
  /**
   * Writes φ (mean-path-length units) of `row` (float32 values as the scorer sees them, after the
   * scaler) into `out` (length >= nFeatures) and returns f(x), the mean path length.
   * Σ out = f(x) - forest.expectedPathLength up to float rounding. Allocates nothing.
   */
  shap(row: ArrayLike<number>, out: Float64Array): number;
}

/** How {@link createTreeShapExplainer} computes the values; all are exact (same values up to rounding). */
export type TreeShapMethod = 'linear' | 'leaves' | 'paths';

/** Options of {@link createTreeShapExplainer}. */
export interface TreeShapOptions {
  /**
   * 'linear' (default): O(nodes × K) per row by Gauss–Legendre quadrature of the Shapley
   * weights with K = ceil(u / 2) points, u the most distinct features on a root-to-leaf path
   * (see `createLinearExplainer`); on the 150-tree transaction model about 0.22 ms per row,
   * 3 times as fast as 'leaves' and 8 times as fast as 'paths' (`bench/results/explain.json`).
   * Any depth (a forest 15 deep with 16 features: 7 points, 3 times as fast as 'leaves'); a forest
   * with a node without samples (hand-made: model files have n >= 1) falls back to 'leaves'.
   * 'leaves': the same values leaf by leaf from precomputed root-to-leaf paths (see
   * `createLeafExplainer`); forests deeper than 30 levels (2^30 samples per tree) fall back to
   * 'paths'.
   * 'paths': Algorithm 2 as published, extending and unwinding the path at every node.
   */
  method?: TreeShapMethod;
}

/**
 * Builds the explainer of a prepared forest. Its buffers are reused across calls: one explainer
 * per forest (and per thread).
 */
export function createTreeShapExplainer(forest: TreeShapForest, options: TreeShapOptions = {}): TreeShapExplainer {
  const method = options.method ?? 'linear';
  if (method === 'linear') {
    const tables = buildLinearTables(forest);
    if (tables !== null) return createLinearExplainer(forest, tables);
  }
  // The leaf method keeps the missed features of a path as bits of an int32.
  const leaves = method !== 'paths' && forest.maxDepth <= 30;
  return leaves ? createLeafExplainer(forest) : createPathExplainer(forest);
}

/** Algorithm 2 of the paper, path by path, allocation-free. */
function createPathExplainer(forest: TreeShapForest): TreeShapExplainer {
  const { feature: feat, left, right, cover, threshold: thr, value, offsets, nTrees, nFeatures } = forest;
  // The "unique path" of Algorithm 2, one segment per recursion level, as parallel arrays.
  const d = forest.maxDepth + 2;
  const size = ((d + 1) * (d + 2)) / 2 + d + 1;
  const pFeature = new Int32Array(size);
  const pZero = new Float64Array(size);
  const pOne = new Float64Array(size);
  const pWeight = new Float64Array(size);
  // recip[i] = 1 / i: the algorithm divides by small integers everywhere.
  const recip = new Float64Array(d + 2);
  for (let i = 1; i < recip.length; i++) recip[i] = 1 / i;
  let phi: Float64Array = new Float64Array(nFeatures);
  let row: ArrayLike<number> = phi;
  let base = 0;

  /** RECURSE of Algorithm 2 at node `k` (global index); the parent's path starts at `parentStart`. */
  function recurse(k: number, depth: number, parentStart: number, zero: number, one: number, feature: number): void {
    // This level's segment starts right after the parent's (which holds at most `depth`
    // entries): copy the parent's path into it, then EXTEND it by the split that led here.
    const s = parentStart + depth + 1;
    for (let i = 0; i < depth; i++) {
      pFeature[s + i] = pFeature[parentStart + i];
      pZero[s + i] = pZero[parentStart + i];
      pOne[s + i] = pOne[parentStart + i];
      pWeight[s + i] = pWeight[parentStart + i];
    }
    pFeature[s + depth] = feature;
    pZero[s + depth] = zero;
    pOne[s + depth] = one;
    pWeight[s + depth] = depth === 0 ? 1 : 0;
    const invD1 = recip[depth + 1];
    for (let i = depth - 1; i >= 0; i--) {
      pWeight[s + i + 1] += one * pWeight[s + i] * (i + 1) * invD1;
      pWeight[s + i] = zero * pWeight[s + i] * (depth - i) * invD1;
    }

    if (left[k] < 0) {
      // Leaf: credit every feature on the path with its share of the leaf value: UNWOUND-PATH-SUM
      // (the path's total weight were element e unwound), inlined. One fractions are always 0 or
      // 1 in the path-dependent algorithm; for the 0 ones the sum is Σ w_i / (depth - i) / z, a
      // part shared by all of them, computed once.
      const scale = value[k] * (depth + 1);
      let shared = -1;
      for (let e = 1; e <= depth; e++) {
        const z = pZero[s + e];
        if (pOne[s + e] !== 0) {
          let next = pWeight[s + depth];
          let total = 0;
          for (let i = depth - 1; i >= 0; i--) {
            const tmp = next * recip[i + 1];
            total += tmp;
            next = pWeight[s + i] - tmp * z * (depth - i);
          }
          phi[pFeature[s + e]] += total * (1 - z) * scale;
        } else {
          if (shared < 0) {
            shared = 0;
            for (let i = depth - 1; i >= 0; i--) shared += pWeight[s + i] * recip[depth - i];
          }
          // (o - z) * shared / z with o = 0.
          phi[pFeature[s + e]] -= shared * scale;
        }
      }
      return;
    }

    const split = feat[k];
    const goesRight = row[split] > thr[k];
    const hot = base + (goesRight ? right[k] : left[k]);
    const cold = base + (goesRight ? left[k] : right[k]);
    let incomingZero = 1;
    let incomingOne = 1;
    let ud = depth;
    // A feature already on the path is undone (UNWIND) and redone with this split's fractions.
    let index = 0;
    while (index <= ud && pFeature[s + index] !== split) index++;
    if (index <= ud) {
      incomingZero = pZero[s + index];
      incomingOne = pOne[s + index];
      let next = pWeight[s + ud];
      const invU1 = recip[ud + 1];
      if (incomingOne !== 0) {
        for (let i = ud - 1; i >= 0; i--) {
          const tmp = pWeight[s + i];
          pWeight[s + i] = next * (ud + 1) * recip[i + 1];
          next = tmp - pWeight[s + i] * incomingZero * (ud - i) * invU1;
        }
      } else {
        const invZ = 1 / incomingZero;
        for (let i = ud - 1; i >= 0; i--) pWeight[s + i] = pWeight[s + i] * (ud + 1) * invZ * recip[ud - i];
      }
      for (let i = index; i < ud; i++) {
        pFeature[s + i] = pFeature[s + i + 1];
        pZero[s + i] = pZero[s + i + 1];
        pOne[s + i] = pOne[s + i + 1];
      }
      ud -= 1;
    }
    const c = cover[k];
    recurse(hot, ud + 1, s, (cover[hot] / c) * incomingZero, incomingOne, split);
    recurse(cold, ud + 1, s, (cover[cold] / c) * incomingZero, 0, split);
  }

  return {
    forest,
    method: 'paths',
    shap(x, out) {
      if (out.length < nFeatures) throw new Error(`output length ${out.length} is smaller than the ${nFeatures} features`);
      if (x.length < nFeatures) throw new Error(`row length ${x.length} is smaller than the ${nFeatures} features`);
      phi = out;
      row = x;
      out.fill(0, 0, nFeatures);
      let sum = 0;
      for (let t = 0; t < nTrees; t++) {
        base = offsets[t];
        let k = base;
        while (left[k] >= 0) k = base + (x[feat[k]] > thr[k] ? right[k] : left[k]);
        sum += value[k];
        recurse(base, 0, 0, 1, 1, -1);
      }
      const inv = 1 / nTrees;
      for (let i = 0; i < nFeatures; i++) out[i] *= inv;
      return sum / nTrees;
    },
  };
}

/**
 * Calls `visit(leaf, features, zero, d, nodes, bits, depth)` for every leaf: its d unique path
 * features with their zero fractions (the product of n_child / n_node over the splits on that
 * feature), and its `depth` ancestors with the bit of each ancestor's feature among the unique
 * ones (in order of first appearance on the path).
 */
function forEachLeafPath(
  forest: TreeShapForest,
  visit: (leaf: number, features: Int32Array, zero: Float64Array, d: number, nodes: Int32Array, bits: Int32Array, depth: number) => void,
): void {
  const { offsets, left, right, feature, cover } = forest;
  const n = forest.maxDepth + 1;
  const features = new Int32Array(n);
  const zero = new Float64Array(n);
  const nodes = new Int32Array(n);
  const bits = new Int32Array(n);
  const walk = (base: number, k: number, d: number, depth: number): void => {
    if (left[k] < 0) {
      visit(k, features, zero, d, nodes, bits, depth);
      return;
    }
    const f = feature[k];
    let j = 0;
    while (j < d && features[j] !== f) j++;
    const known = j < d;
    const before = known ? zero[j] : 1;
    if (!known) features[d] = f;
    nodes[depth] = k;
    bits[depth] = 1 << j;
    for (let side = 0; side < 2; side++) {
      const child = base + (side === 0 ? left[k] : right[k]);
      zero[j] = before * (cover[child] / cover[k]);
      walk(base, child, known ? d : d + 1, depth + 1);
    }
    zero[j] = before;
  };
  for (let t = 0; t < forest.nTrees; t++) walk(offsets[t], offsets[t], 0, 0);
}

/**
 * The same Shapley values, leaf by leaf. For a leaf with value v, unique path features U
 * (|U| = d, zero fractions z_j) and a row that follows every split on the features of A ⊆ U
 * (one fraction 1) and misses some split on each feature of N = U∖A (one fraction 0),
 * Algorithm 2's leaf term
 *
 *   φ_i += v Σ_{S ⊆ U∖{i}} w(|S|, d) (o_i - z_i) Π_{j∈S} o_j Π_{j∈U∖S∖{i}} z_j,  w(s, d) = s!(d-s-1)!/d!
 *
 * keeps only S ⊆ A. Grouping S by size with the elementary symmetric polynomials e_k of the
 * z_j over a set, and P_N = Π_{j∈N} z_j:
 *
 *   i ∈ N:  φ_i -= v P_N Σ_{s=0..|A|} w(s, d) e_{|A|-s}(A)
 *   i ∈ A:  φ_i += v (1 - z_i) P_N Σ_{s=0..|A|-1} w(s, d) e_{|A|-1-s}(A∖{i})
 *
 * e(A∖{i}) comes from e(A) by dividing out (1 + z_i t): q_k = e_k - z_i q_{k-1}, stable since
 * 0 < z_i <= 1. A row costs one pass over the internal nodes (which splits it misses, as bits
 * of the path's features) and O(|A|² + d) per leaf, in flat arrays, with no per-node path
 * bookkeeping.
 */
function createLeafExplainer(forest: TreeShapForest): TreeShapExplainer {
  const { feature: feat, left, right, threshold: thr, value, offsets, nTrees, nFeatures } = forest;
  const total = feat.length;
  const leafNode: number[] = [];
  const leafStart: number[] = [0];
  const leafFeatures: number[] = [];
  const leafZero: number[] = [];
  const allMissed: number[] = [];
  // Per internal node: the bit of its feature among the unique features of the path down to it
  // (the same for every leaf below: they share that prefix).
  const nodeBit = new Int32Array(total);
  forEachLeafPath(forest, (leaf, features, zero, d, nodes, bits, depth) => {
    leafNode.push(leaf);
    let prod = value[leaf] / d;
    for (let j = 0; j < d; j++) {
      leafFeatures.push(features[j]);
      leafZero.push(zero[j]);
      prod *= zero[j];
    }
    allMissed.push(prod);
    for (let a = 0; a < depth; a++) nodeBit[nodes[a]] = bits[a];
    leafStart.push(leafFeatures.length);
  });
  const nLeaves = leafNode.length;
  const lNode = Int32Array.from(leafNode);
  const lStart = Int32Array.from(leafStart);
  const lFeature = Int32Array.from(leafFeatures);
  const lZero = Float64Array.from(leafZero);
  // The leaf's term for every feature when the row misses a split on each: -v Π z / d.
  const lAllMissed = Float64Array.from(allMissed);
  // Internal nodes in order (parents before children) with their children as global indices.
  const internal: number[] = [];
  for (let t = 0; t < nTrees; t++) for (let k = offsets[t]; k < offsets[t + 1]; k++) if (left[k] >= 0) internal.push(k);
  const inner = Int32Array.from(internal);
  const leftG = new Int32Array(total);
  const rightG = new Int32Array(total);
  for (let t = 0; t < nTrees; t++) {
    for (let k = offsets[t]; k < offsets[t + 1]; k++) {
      if (left[k] >= 0) {
        leftG[k] = offsets[t] + left[k];
        rightG[k] = offsets[t] + right[k];
      }
    }
  }
  // Shapley weights: W[d * stride + s] = s!(d-s-1)!/d!.
  const stride = forest.maxDepth + 2;
  const W = new Float64Array(stride * stride);
  const factorial = [1];
  for (let i = 1; i <= stride; i++) factorial.push(factorial[i - 1] * i);
  for (let d = 1; d < stride; d++) for (let s = 0; s < d; s++) W[d * stride + s] = (factorial[s] * factorial[d - s - 1]) / factorial[d];
  // Per row: at every node, the bits of the path features with a split the row does not follow.
  const missedAt = new Int32Array(total);
  const e = new Float64Array(stride + 1);
  const fz = new Float64Array(stride);
  const ff = new Int32Array(stride);

  return {
    forest,
    method: 'leaves',
    shap(x, out) {
      if (out.length < nFeatures) throw new Error(`output length ${out.length} is smaller than the ${nFeatures} features`);
      if (x.length < nFeatures) throw new Error(`row length ${x.length} is smaller than the ${nFeatures} features`);
      out.fill(0, 0, nFeatures);
      // One pass over the internal nodes, parents first: a child inherits its parent's missed
      // bits, plus the parent's feature when the row goes the other way (branch-free: which
      // way a row goes is unpredictable).
      for (let t = 0; t < nTrees; t++) missedAt[offsets[t]] = 0;
      for (let i = 0; i < inner.length; i++) {
        const k = inner[i];
        const right = +(x[feat[k]] > thr[k]);
        const m = missedAt[k];
        const bit = nodeBit[k];
        missedAt[leftG[k]] = m | (bit & -right);
        missedAt[rightG[k]] = m | (bit & (right - 1));
      }
      let sum = 0;
      for (let t = 0; t < nTrees; t++) {
        const base = offsets[t];
        let k = base;
        while (left[k] >= 0) k = base + (x[feat[k]] > thr[k] ? right[k] : left[k]);
        sum += value[k];
      }
      for (let l = 0; l < nLeaves; l++) {
        const f0 = lStart[l];
        const d = lStart[l + 1] - f0;
        if (d === 0) continue;
        const missed = missedAt[lNode[l]];
        if (missed === (1 << d) - 1) {
          // No feature followed: every feature gets -v Π z / d.
          const all = lAllMissed[l];
          for (let j = 0; j < d; j++) out[lFeature[f0 + j]] -= all;
          continue;
        }
        const wd = d * stride;
        // Split the features into followed (z and feature into fz/ff) and missed, building the
        // elementary symmetric polynomials e of the followed z's.
        let a = 0;
        let pN = value[lNode[l]];
        e[0] = 1;
        for (let j = 0; j < d; j++) {
          const z = lZero[f0 + j];
          if ((missed >> j) & 1) pN *= z;
          else {
            fz[a] = z;
            ff[a] = lFeature[f0 + j];
            a++;
            e[a] = 0;
            for (let k = a; k >= 1; k--) e[k] += z * e[k - 1];
          }
        }
        if (a < d) {
          let r = 0;
          for (let s = 0; s <= a; s++) r += W[wd + s] * e[a - s];
          const minus = pN * r;
          for (let j = 0; j < d; j++) if ((missed >> j) & 1) out[lFeature[f0 + j]] -= minus;
        }
        for (let i = 0; i < a; i++) {
          const z = fz[i];
          // q = e(A∖{i}) and r = Σ_s w(s, d) q_{a-1-s}, in one pass.
          let qk = 1;
          let r = W[wd + a - 1];
          for (let k = 1; k < a; k++) {
            qk = e[k] - z * qk;
            r += W[wd + a - 1 - k] * qk;
          }
          out[ff[i]] += pN * (1 - z) * r;
        }
      }
      const inv = 1 / nTrees;
      for (let i = 0; i < nFeatures; i++) out[i] *= inv;
      return sum / nTrees;
    },
  };
}


/**
 * Static data of the linear method (see {@link createLinearExplainer}). Node arrays are indexed
 * by global node index; index `total` (the node count) is a sentinel "no earlier split on this
 * feature" with zero fraction 1 and one fraction 1, which makes the passes branch-free.
 */
interface LinearTables {
  /** Quadrature points: ceil(u / 2) for u the most unique features on any root-to-leaf path. */
  K: number;
  q: Float64Array;
  w: Float64Array;
  /** Internal nodes, parents before children (global indices), and their children. */
  inner: Int32Array;
  leftG: Int32Array;
  rightG: Int32Array;
  /**
   * Per node c (not a root): the merged zero fraction of the edge into c (the product of
   * n_child / n_node over the splits on that feature down to c); 1 at the sentinel.
   */
  zm: Float64Array;
  /**
   * Per internal node m: the edge (the node it leads to) of the last split on m's feature on the
   * path down to m, m's own parent edge included; the sentinel when there is none. Its factor is
   * the one m's children replace.
   */
  repEdge: Int32Array;
  /** Per node: the leaf value at leaves, 1 at internal nodes. */
  scale: Float64Array;
  /** Per node c: scale_c n_c / n_parent, the whole factor of an edge the row misses below a missed split on the same feature. */
  missedAgain: Float64Array;
  /**
   * Credit weights, K per row. Row c (a node): w_k (1 - zm_c) / (zm_c + q_k (1 - zm_c)), for an
   * edge the row follows (one fraction 1); 0 at the sentinel. Row total + 1: -w_k / (1 - q_k),
   * for an edge the row misses (one fraction 0).
   */
  cw: Float64Array;
}

/**
 * Gauss–Legendre quadrature on (0, 1) with `n` points: nodes `q` (increasing, interior) and
 * weights `w`, exact for polynomials of degree <= 2n - 1. Newton's method on the Legendre
 * polynomial P_n from the usual cosine guesses.
 */
export function gaussLegendre01(n: number): { q: Float64Array; w: Float64Array } {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Gauss–Legendre needs a positive integer number of points, got ${n}`);
  const q = new Float64Array(n);
  const w = new Float64Array(n);
  // P_n(x) and P_n'(x) by the three-term recurrence.
  const legendre = (x: number): [number, number] => {
    let p0 = 1;
    let p1 = x;
    for (let j = 2; j <= n; j++) {
      const p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
      p0 = p1;
      p1 = p2;
    }
    return [p1, (n * (x * p1 - p0)) / (x * x - 1)];
  };
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      const [p, dp] = legendre(x);
      const dx = p / dp;
      x -= dx;
      if (Math.abs(dx) <= 1e-16) break;
    }
    const dp = legendre(x)[1];
    // x runs down from near +1, so q = (1 - x) / 2 runs up from near 0; w = 2 / ((1 - x²) P_n'²) / 2.
    q[i] = (1 - x) / 2;
    w[i] = 1 / ((1 - x * x) * dp * dp);
  }
  return { q, w };
}

/**
 * The static tables of the linear method, or null when a merged zero fraction is not a positive
 * finite number (a node without samples in a hand-made forest; loaded models have n >= 1).
 */
function buildLinearTables(forest: TreeShapForest): LinearTables | null {
  const { offsets, left, right, feature, cover, value, nTrees } = forest;
  const total = feature.length;
  const zm = new Float64Array(total + 1).fill(1);
  const repEdge = new Int32Array(total).fill(total);
  const leftG = new Int32Array(total).fill(-1);
  const rightG = new Int32Array(total).fill(-1);
  const scale = new Float64Array(total).fill(1);
  const missedAgain = new Float64Array(total);
  let nf = forest.nFeatures;
  for (let k = 0; k < total; k++) if (feature[k] >= nf) nf = feature[k] + 1;
  // The last edge split on each feature on the current path (the sentinel: none yet).
  const lastEdge = new Int32Array(nf).fill(total);
  let uMax = 0;
  let ok = true;
  const walk = (base: number, k: number, unique: number): void => {
    if (left[k] < 0) {
      scale[k] = value[k];
      if (unique > uMax) uMax = unique;
      return;
    }
    const f = feature[k];
    const prev = lastEdge[f];
    repEdge[k] = prev;
    leftG[k] = base + left[k];
    rightG[k] = base + right[k];
    for (const c of [leftG[k], rightG[k]]) {
      const ratio = cover[c] / cover[k];
      missedAgain[c] = ratio;
      const z = zm[prev] * ratio;
      if (!(z > 0 && z < Infinity)) ok = false;
      zm[c] = z;
      lastEdge[f] = c;
      walk(base, c, prev === total ? unique + 1 : unique);
    }
    lastEdge[f] = prev;
  };
  for (let t = 0; t < nTrees; t++) walk(offsets[t], offsets[t], 0);
  if (!ok) return null;
  for (let c = 0; c < total; c++) missedAgain[c] *= scale[c];
  const internal: number[] = [];
  for (let k = 0; k < total; k++) if (left[k] >= 0) internal.push(k);
  // A leaf with u unique features integrates a polynomial of degree u - 1 <= 2K - 1.
  const K = Math.max(1, Math.ceil(uMax / 2));
  const { q, w } = gaussLegendre01(K);
  const cw = new Float64Array((total + 2) * K);
  for (let c = 0; c <= total; c++) {
    const z = zm[c];
    for (let k = 0; k < K; k++) cw[c * K + k] = (w[k] * (1 - z)) / (z + q[k] * (1 - z));
  }
  for (let k = 0; k < K; k++) cw[(total + 1) * K + k] = -w[k] / (1 - q[k]);
  return { K, q, w, inner: Int32Array.from(internal), leftG, rightG, zm, repEdge, scale, missedAgain, cw };
}

/**
 * Exact path-dependent TreeSHAP in O(nodes × K) per row (the idea of Linear TreeSHAP, Yu et al.
 * 2022, with Gauss–Legendre quadrature). For a leaf l with value v, unique path features U
 * (|U| = u; repeated splits on a feature merged: o_j = 1 when the row follows every split on j on
 * the path, else 0; z_j the product of their n_child / n_node), Algorithm 2's leaf term is
 *
 *   φ_i += v (o_i - z_i) Σ_{S ⊆ U∖{i}} w(|S|, u) Π_{j∈S} o_j Π_{j∈U∖S∖{i}} z_j,  w(s, u) = s!(u-1-s)!/u!
 *        = v (o_i - z_i) ∫_0^1 Π_{j∈U, j≠i} (z_j + q (o_j - z_j)) dq
 *
 * because w(s, u) = ∫_0^1 q^s (1-q)^(u-1-s) dq. The integrand is a polynomial of degree u - 1,
 * so K = ceil(u_max / 2) Gauss–Legendre points (q_k, w_k) integrate it exactly; at those interior
 * points every factor f_j(q) = z_j + q (o_j - z_j) is positive (0 < q < 1, z > 0), and with
 * P_l(q) = Π_{j∈U} f_j(q):
 *
 *   φ_i += Σ_k [w_k (o_i - z_i) / f_i(q_k)] · v P_l(q_k).
 *
 * Per row, a forward pass (parents first) carries P(q_k) down the tree: a child multiplies in the
 * factor of its edge and, when an ancestor split on the same feature, divides out the factor of
 * that earlier (merged) edge. A backward pass sums G_k(n) = Σ_{leaves l under n} v_l P_l(q_k).
 * The bracket depends only on the edge that last split on i (w_k (1 - z) / f(q_k) when the row
 * follows it, -w_k / (1 - q_k) when it misses), so the edge into c credits Σ_k bracket_k(c) G_k(c);
 * the leaves under a deeper split m on the same feature carry m's merged factor instead, so m
 * takes their share back out, Σ_k bracket_k(c) G_k(m). Both are the same quadrature sums of the
 * same numbers: the correction is exact up to rounding. All sums are over positive terms except
 * the final credits, whose cancellation is that of the Shapley values themselves.
 *
 * `createLinearPasses` lays this out for speed; `points` is K. Memory: a few dozen doubles per
 * internal node (about 3 MB for the 150-tree transaction model), built once per explainer.
 */
function createLinearExplainer(forest: TreeShapForest, tables: LinearTables): TreeShapExplainer {
  const { feature: feat, left, right, threshold: thr, value, offsets, nTrees, nFeatures } = forest;
  const K = tables.K;
  const passes = createLinearPasses(forest, tables);

  return {
    forest,
    method: 'linear',
    points: K,
    shap(x, out) {
      if (out.length < nFeatures) throw new Error(`output length ${out.length} is smaller than the ${nFeatures} features`);
      if (x.length < nFeatures) throw new Error(`row length ${x.length} is smaller than the ${nFeatures} features`);
      out.fill(0, 0, nFeatures);
      passes(x, out);
      let sum = 0;
      for (let t = 0; t < nTrees; t++) {
        const base = offsets[t];
        let k = base;
        while (left[k] >= 0) k = base + (x[feat[k]] > thr[k] ? right[k] : left[k]);
        sum += value[k];
      }
      const inv = 1 / nTrees;
      for (let i = 0; i < nFeatures; i++) out[i] *= inv;
      return sum / nTrees;
    },
  };
}

/**
 * The linear method's passes, with L = max(4, K) points per node (padded with zero-weight
 * points when K < 4; the transaction forests, at most 8 features on a path, need K <= 4, and
 * L = 4 runs unrolled), in the form that runs fastest in V8 (measured: `bench/explain-bench.ts`):
 *
 * - At a node p the row is in one of three modes: it missed an earlier split on p's feature
 *   (0), else it goes left (1) or right (2). Everything computed at p is P(p) times a static
 *   vector per mode: a child's P (the edge's factor, with the factor of the earlier split on the
 *   feature divided out), the leaf children's share of G(p), and their credits. Row-dependent
 *   choices are arithmetic (a mispredicted branch costs more than a few flops).
 * - Credits are per edge: the credits of the two edges of p and the correction of the earlier
 *   split e on p's feature are Σ_k (c_k - W_e,k) G_k(p) + Σ_k (W_f,k - c_k) G_k(f), with f the
 *   child the row follows, c_k = -w_k / (1 - q_k) the weight of a missed edge and W that of a
 *   followed one (all 0 in mode 0, where all three weights are c). As G(p) is the sum of its
 *   children's G, that is Σ_children μ_c · G(c) with μ_c = oe (c - W_e) + o_c (W_c - c), a
 *   static vector per mode of p.
 * - Only internal nodes have a slot (P in the forward pass, then G). Slots run level by level
 *   (all trees' roots, then depth 1, ...), sorted within a level by which children are leaves,
 *   so that branches on that come in long runs. A node with two leaf children (about 40 % of
 *   them) is finished in the forward pass: its credit into its parent's feature, its G into its
 *   parent's slot. The backward pass does the same for the others, deepest first.
 * - The tables and buffers are plain arrays of doubles or small integers, not typed arrays:
 *   V8 checks a typed array for detachment and reloads its length at every access unless the
 *   optimised code is specialised to one explainer (it is only while a single one exists): with
 *   typed arrays the passes took 1.4 times as long once a second explainer existed.
 */
function createLinearPasses(forest: TreeShapForest, tables: LinearTables): (x: ArrayLike<number>, out: Float64Array) => void {
  const { feature: feat, threshold: thr, left, nTrees, offsets, nFeatures } = forest;
  const { K, q, w, inner, leftG, rightG, zm, repEdge, scale, missedAgain, cw } = tables;
  const total = feat.length;
  const nSlots = inner.length;
  // Points per slot: 4 (unrolled) up to K = 4, padded with zero-weight points; else K.
  const L = Math.max(4, K);
  const q4 = Array.from({ length: L }, (_, k) => (k < K ? q[k] : 0.5));
  const w4 = Array.from({ length: L }, (_, k) => (k < K ? w[k] : 0));
  const c4 = q4.map((qk, k) => -w4[k] / (1 - qk));

  // Depth and parent of every node, then the slots: by depth, which children are leaves, index.
  const depth = new Int32Array(total);
  const parent = new Int32Array(total).fill(-1);
  for (let t = 0; t < nTrees; t++) {
    for (let k = offsets[t]; k < offsets[t + 1]; k++) {
      if (left[k] >= 0) {
        depth[leftG[k]] = depth[k] + 1;
        depth[rightG[k]] = depth[k] + 1;
        parent[leftG[k]] = k;
        parent[rightG[k]] = k;
      }
    }
  }
  const isLeaf = (c: number): boolean => left[c] < 0;
  const kind = (p: number): number => (isLeaf(leftG[p]) ? 2 : 0) + (isLeaf(rightG[p]) ? 1 : 0);
  // A counting sort on depth * 4 + kind, stable in node index.
  let maxKey = 0;
  const key = new Int32Array(nSlots);
  for (let n = 0; n < nSlots; n++) {
    key[n] = depth[inner[n]] * 4 + kind(inner[n]);
    if (key[n] > maxKey) maxKey = key[n];
  }
  const start = new Int32Array(maxKey + 2);
  for (let n = 0; n < nSlots; n++) start[key[n] + 1]++;
  for (let b = 0; b <= maxKey; b++) start[b + 1] += start[b];
  const order = new Int32Array(nSlots);
  for (let n = 0; n < nSlots; n++) order[start[key[n]]++] = inner[n];
  const slot = new Int32Array(total + 1).fill(-1);
  order.forEach((p, n) => (slot[p] = n));
  // Slot nSlots: "no earlier split on this feature", one fraction 1.
  slot[total] = nSlots;

  // Per node c and point (0 at padding points): W_c - c (Δ), W the weight of a followed edge
  // (cw; 0 at the sentinel), and for an internal node c - W_e with e its earlier split on its
  // feature (A). μ of the edge into c is 0 in mode 0 of its parent p, else A(p) + Δ(c) if the
  // row follows it, A(p) if not.
  const A = new Float64Array(total * L);
  const delta = new Float64Array(total * L);
  for (let c = 0; c < total; c++) {
    const e = left[c] >= 0 ? repEdge[c] : -1;
    for (let k = 0; k < K; k++) {
      delta[c * L + k] = cw[c * K + k] - c4[k];
      if (e >= 0) A[c * L + k] = c4[k] - cw[e * K + k];
    }
  }
  // Per point: 1 / the factor of a followed earlier split (1 without one), per internal node.
  const inverse = new Float64Array(L);

  // Per slot, 8 integers: [feature, left slot or -1 (a leaf), right slot or -1, slot of
  // the earlier split's edge, parent slot or -1 (a root), parent's feature, start of the mode-0
  // block in recD (virtual without an earlier split), the threshold's index in recD].
  const recI: number[] = [];
  // Doubles, per slot: the threshold, then a block per mode (none for mode 0 without an earlier
  // split on the feature): the P factor of each internal child (left first), then, with a leaf
  // child, the leaves' G factor and their credit (L each: 2 L or 3 L per block).
  const recD = packedDoubles();
  // μ of the edge into the node per mode of its parent (3 L; 0 for a root).
  const recM = packedDoubles();
  // Slots the backward pass finishes (not a root, not two leaf children).
  const upper: number[] = [];
  const block = new Float64Array(3 * L);
  for (let n = 0; n < nSlots; n++) {
    const p = order[n];
    const l = leftG[p];
    const r = rightG[p];
    const e = repEdge[p];
    const pp = parent[p];
    const ll = isLeaf(l);
    const rl = isLeaf(r);
    recI.push(feat[p], ll ? -1 : slot[l], rl ? -1 : slot[r], slot[e], pp < 0 ? -1 : slot[pp], pp < 0 ? 0 : feat[pp]);
    if (pp >= 0 && !(ll && rl)) upper.push(n);
    const followedBy = pp < 0 ? 0 : leftG[pp] === p ? 1 : 2;
    for (let mode = 0; mode < 3; mode++) {
      for (let k = 0; k < L; k++) recM.push(pp < 0 || mode === 0 ? 0 : A[pp * L + k] + (mode === followedBy ? delta[p * L + k] : 0));
    }
    const size = (ll !== rl ? 3 : 2) * L;
    const repeat = e !== total;
    recI.push(recD.length + 1 - (repeat ? 0 : size), recD.length);
    recD.push(thr[p]);
    for (let k = 0; k < L; k++) inverse[k] = 1 / (zm[e] + q4[k] * (1 - zm[e]));
    for (let mode = repeat ? 0 : 1; mode < 3; mode++) {
      block.fill(0);
      let at = 0;
      for (let side = 0; side < 2; side++) {
        const c = side === 0 ? l : r;
        // The edge's factor (times the leaf value at a leaf), the earlier split's divided out.
        const o = mode === side + 1 ? 1 : 0;
        const z = zm[c];
        for (let k = 0; k < L; k++) {
          const f = mode === 0 ? missedAgain[c] : scale[c] * (z + q4[k] * (o - z)) * inverse[k];
          if (isLeaf(c)) {
            const mu = mode === 0 ? 0 : A[p * L + k] + (o === 1 ? delta[c * L + k] : 0);
            block[size - 2 * L + k] += f;
            block[size - L + k] += mu * f;
          } else block[at + k] = f;
        }
        if (!isLeaf(c)) at += L;
      }
      for (let j = 0; j < size; j++) recD.push(block[j]);
    }
  }
  let nRoots = 0;
  while (nRoots < nSlots && depth[order[nRoots]] === 0) nRoots++;
  let nPhi = nFeatures;
  for (const p of inner) nPhi = Math.max(nPhi, feat[p] + 1);
  const state: LinearPasses = {
    L,
    recI,
    recD,
    recM,
    up: upper,
    G: packedDoubles(nSlots * L),
    // The one fraction of the edge into each slot's node, 1 at the sentinel slot.
    O: Array.from({ length: nSlots + 1 }, (_, n) => (n === nSlots ? 1 : 0)),
    Mode: Array.from({ length: nSlots }, () => 0),
    phi: packedDoubles(nPhi),
    nRoots,
  };
  return L === 4 ? (x, out) => runLinear4(state, x, out) : (x, out) => runLinearK(state, x, out);
}

/** A plain array of `n` zeros stored as unboxed doubles (V8's packed-double elements), to push onto or fill. */
function packedDoubles(n = 0): number[] {
  const a = [0.5];
  a.pop();
  for (let i = 0; i < n; i++) a.push(0);
  return a;
}

/** The tables and per-row buffers of {@link createLinearPasses}. */
interface LinearPasses {
  /** Points per slot. */
  L: number;
  recI: number[];
  recD: number[];
  recM: number[];
  /** Slots of the backward pass, in forward order. */
  up: number[];
  /** Per row: P then G per slot (L points), the one fraction of the edge into each slot's node, each slot's mode, φ. */
  G: number[];
  O: number[];
  Mode: number[];
  phi: number[];
  /** The roots are the first slots. */
  nRoots: number;
}

/** The passes of {@link createLinearPasses} for L = 4, unrolled: adds φ × nTrees into `out`. */
function runLinear4(st: LinearPasses, x: ArrayLike<number>, out: Float64Array): void {
  const I = st.recI;
  const D = st.recD;
  const Mu = st.recM;
  const Gs = st.G;
  const Os = st.O;
  const Md = st.Mode;
  const up = st.up;
  const phi = st.phi;
  const nSlots = Md.length;
  for (let f = 0; f < phi.length; f++) phi[f] = 0;
  for (let k = 0; k < st.nRoots * 4; k++) Gs[k] = 1;
  for (let n = 0; n < nSlots; n++) {
    const i = n << 3;
    const d = I[i | 7];
    const f = I[i];
    const ls = I[i | 1];
    const rs = I[i | 2];
    // The mode: 0 after a missed earlier split on this feature, else 1 + the way the row goes.
    const oe = Os[I[i | 3]];
    const right = +(x[f] > D[d]);
    const or = oe * right;
    const ol = oe - or;
    const mode = oe + or;
    Md[n] = mode;
    // This mode's block: 8 doubles, or 12 with exactly one leaf child.
    const m = I[i | 6] + mode * (8 + (((ls ^ rs) >>> 31) << 2));
    const pK = n << 2;
    const p0 = Gs[pK];
    const p1 = Gs[pK | 1];
    const p2 = Gs[pK | 2];
    const p3 = Gs[pK | 3];
    let t = m;
    if (ls >= 0) {
      Os[ls] = ol;
      const lK = ls << 2;
      Gs[lK] = p0 * D[t];
      Gs[lK | 1] = p1 * D[t + 1];
      Gs[lK | 2] = p2 * D[t + 2];
      Gs[lK | 3] = p3 * D[t + 3];
      t += 4;
    }
    if (rs >= 0) {
      Os[rs] = or;
      const rK = rs << 2;
      Gs[rK] = p0 * D[t];
      Gs[rK | 1] = p1 * D[t + 1];
      Gs[rK | 2] = p2 * D[t + 2];
      Gs[rK | 3] = p3 * D[t + 3];
      t += 4;
    }
    if ((ls | rs) >= 0) {
      Gs[pK] = 0;
      Gs[pK | 1] = 0;
      Gs[pK | 2] = 0;
      Gs[pK | 3] = 0;
      continue;
    }
    // Some child is a leaf: its share of G and its credit.
    const s0 = p0 * D[t];
    const s1 = p1 * D[t + 1];
    const s2 = p2 * D[t + 2];
    const s3 = p3 * D[t + 3];
    phi[f] += p0 * D[t + 4] + p1 * D[t + 5] + p2 * D[t + 6] + p3 * D[t + 7];
    const pp = I[i | 4];
    if ((ls & rs) >= 0 || pp < 0) {
      Gs[pK] = s0;
      Gs[pK | 1] = s1;
      Gs[pK | 2] = s2;
      Gs[pK | 3] = s3;
      continue;
    }
    // Two leaf children: G is complete; the credit of the edge into this node, and G into the
    // parent's slot.
    const u = (n * 3 + Md[pp]) << 2;
    phi[I[i | 5]] += Mu[u] * s0 + Mu[u + 1] * s1 + Mu[u + 2] * s2 + Mu[u + 3] * s3;
    const qK = pp << 2;
    Gs[qK] += s0;
    Gs[qK | 1] += s1;
    Gs[qK | 2] += s2;
    Gs[qK | 3] += s3;
  }
  for (let j = up.length - 1; j >= 0; j--) {
    const n = up[j];
    const i = n << 3;
    const pK = n << 2;
    const g0 = Gs[pK];
    const g1 = Gs[pK | 1];
    const g2 = Gs[pK | 2];
    const g3 = Gs[pK | 3];
    const pp = I[i | 4];
    const u = (n * 3 + Md[pp]) << 2;
    phi[I[i | 5]] += Mu[u] * g0 + Mu[u + 1] * g1 + Mu[u + 2] * g2 + Mu[u + 3] * g3;
    const qK = pp << 2;
    Gs[qK] += g0;
    Gs[qK | 1] += g1;
    Gs[qK | 2] += g2;
    Gs[qK | 3] += g3;
  }
  for (let f = 0; f < phi.length; f++) out[f] += phi[f];
}

/** {@link runLinear4} for any L (deep forests: L = K > 4 points). */
function runLinearK(st: LinearPasses, x: ArrayLike<number>, out: Float64Array): void {
  const L = st.L;
  const I = st.recI;
  const D = st.recD;
  const Mu = st.recM;
  const Gs = st.G;
  const Os = st.O;
  const Md = st.Mode;
  const up = st.up;
  const phi = st.phi;
  const nSlots = Md.length;
  for (let f = 0; f < phi.length; f++) phi[f] = 0;
  for (let k = 0; k < st.nRoots * L; k++) Gs[k] = 1;
  for (let n = 0; n < nSlots; n++) {
    const i = n << 3;
    const d = I[i | 7];
    const f = I[i];
    const ls = I[i | 1];
    const rs = I[i | 2];
    const oe = Os[I[i | 3]];
    const right = +(x[f] > D[d]);
    const or = oe * right;
    const ol = oe - or;
    const mode = oe + or;
    Md[n] = mode;
    const pK = n * L;
    let t = I[i | 6] + mode * (2 + ((ls ^ rs) >>> 31)) * L;
    if (ls >= 0) {
      Os[ls] = ol;
      const lK = ls * L;
      for (let k = 0; k < L; k++) Gs[lK + k] = Gs[pK + k] * D[t + k];
      t += L;
    }
    if (rs >= 0) {
      Os[rs] = or;
      const rK = rs * L;
      for (let k = 0; k < L; k++) Gs[rK + k] = Gs[pK + k] * D[t + k];
      t += L;
    }
    if ((ls | rs) >= 0) {
      for (let k = 0; k < L; k++) Gs[pK + k] = 0;
      continue;
    }
    let credit = 0;
    for (let k = 0; k < L; k++) {
      const p = Gs[pK + k];
      credit += p * D[t + L + k];
      Gs[pK + k] = p * D[t + k];
    }
    phi[f] += credit;
    const pp = I[i | 4];
    if ((ls & rs) >= 0 || pp < 0) continue;
    const u = (n * 3 + Md[pp]) * L;
    const qK = pp * L;
    let c = 0;
    for (let k = 0; k < L; k++) {
      const g = Gs[pK + k];
      c += Mu[u + k] * g;
      Gs[qK + k] += g;
    }
    phi[I[i | 5]] += c;
  }
  for (let j = up.length - 1; j >= 0; j--) {
    const n = up[j];
    const i = n << 3;
    const pK = n * L;
    const pp = I[i | 4];
    const u = (n * 3 + Md[pp]) * L;
    const qK = pp * L;
    let c = 0;
    for (let k = 0; k < L; k++) {
      const g = Gs[pK + k];
      c += Mu[u + k] * g;
      Gs[qK + k] += g;
    }
    phi[I[i | 5]] += c;
  }
  for (let f = 0; f < phi.length; f++) out[f] += phi[f];
}
