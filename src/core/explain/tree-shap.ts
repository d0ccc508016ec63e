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
 * Split decisions are those of the scorer: the row is float32 and a row goes right when
 * `x > t32`, t32 the largest float32 not above the stored float64 threshold.
 */
import { averagePathLength } from '../forest/path-length';
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

/**
 * The value `score.ts` credits to a leaf at `depth` holding `n` samples, in the same order of
 * operations (so that f(x) here equals the scorer's path length sum / T to the last bit).
 */
export function leafPathLength(depth: number, n: number): number {
  return depth + 1 + averagePathLength(n) - 1.0;
}

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
  /**
   * Writes φ (mean-path-length units) of `row` (float32 values as the scorer sees them, after the
   * scaler) into `out` (length >= nFeatures) and returns f(x), the mean path length.
   * Σ out = f(x) - forest.expectedPathLength up to float rounding. Allocates nothing.
   */
  shap(row: ArrayLike<number>, out: Float64Array): number;
}

/** How {@link createTreeShapExplainer} computes the values; both are exact. */
export type TreeShapMethod = 'leaves' | 'paths';

/** Options of {@link createTreeShapExplainer}. */
export interface TreeShapOptions {
  /**
   * 'paths': Algorithm 2 as published, extending and unwinding the path at every node.
   * 'leaves' (default): the same values leaf by leaf from precomputed root-to-leaf paths, about
   * twice as fast on the transaction forests (see `createLeafExplainer`); forests deeper than
   * 30 levels (2^30 samples per tree) fall back to 'paths'.
   */
  method?: TreeShapMethod;
}

/**
 * Builds the explainer of a prepared forest. Its buffers are reused across calls: one explainer
 * per forest (and per thread).
 */
export function createTreeShapExplainer(forest: TreeShapForest, options: TreeShapOptions = {}): TreeShapExplainer {
  // The leaf method keeps the missed features of a path as bits of an int32.
  const leaves = (options.method ?? 'leaves') === 'leaves' && forest.maxDepth <= 30;
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
