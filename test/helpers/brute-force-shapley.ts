/** Brute-force references of the tests of TreeSHAP: the set function and its Shapley values by enumeration. */
import type { TreeShapForest } from '../../src/core/explain/tree-shap';

/**
 * v(S): the path-dependent conditional expectation of one tree's value, written from its
 * definition: at a split on a feature in S follow the row, otherwise average both children
 * weighted by their training sample counts.
 */
export function conditionalExpectation(forest: TreeShapForest, t: number, row: Float32Array, subset: number): number {
  const base = forest.offsets[t];
  const walk = (k: number): number => {
    if (forest.left[k] < 0) return forest.value[k];
    const l = base + forest.left[k];
    const r = base + forest.right[k];
    const f = forest.feature[k];
    if (subset & (1 << f)) return row[f] > forest.threshold[k] ? walk(r) : walk(l);
    return (forest.cover[l] / forest.cover[k]) * walk(l) + (forest.cover[r] / forest.cover[k]) * walk(r);
  };
  return walk(base);
}

/** Shapley values of the mean path length by enumerating all 2^M coalitions. */
export function bruteForceShapley(forest: TreeShapForest, row: Float32Array): { phi: number[]; v: Float64Array } {
  const M = forest.nFeatures;
  const v = new Float64Array(1 << M);
  for (let S = 0; S < 1 << M; S++) {
    let sum = 0;
    for (let t = 0; t < forest.nTrees; t++) sum += conditionalExpectation(forest, t, row, S);
    v[S] = sum / forest.nTrees;
  }
  const fact = [1];
  for (let i = 1; i <= M; i++) fact.push(fact[i - 1] * i);
  const phi: number[] = [];
  for (let i = 0; i < M; i++) {
    let p = 0;
    for (let S = 0; S < 1 << M; S++) {
      if (S & (1 << i)) continue;
      let size = 0;
      for (let j = 0; j < M; j++) if (S & (1 << j)) size++;
      p += ((fact[size] * fact[M - size - 1]) / fact[M]) * (v[S | (1 << i)] - v[S]);
    }
    phi.push(p);
  }
  return { phi, v };
}
