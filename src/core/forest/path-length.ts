/** Euler–Mascheroni constant, as scikit-learn's `np.euler_gamma`. */
export const EULER_GAMMA = 0.5772156649015329;

/**
 * Average path length of an unsuccessful search in a binary search tree of `n` points,
 * c(n) = 2H(n-1) - 2(n-1)/n with H(i) = ln(i) + γ; c(2) = 1 and c(n <= 1) = 0.
 * Written exactly as scikit-learn's `_average_path_length` so results agree to the bit.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2.0 * (Math.log(n - 1.0) + EULER_GAMMA) - (2.0 * (n - 1.0)) / n;
}

/**
 * Path length credited to a leaf at `depth` holding `n` training samples, h = depth + c(n), in
 * scikit-learn's order of operations (so sums agree to the bit). The scorer and TreeSHAP share it.
 */
export function leafPathLength(depth: number, n: number): number {
  return depth + 1 + averagePathLength(n) - 1.0;
}

/** Height limit of a tree grown on `psi` samples: ceil(log2(max(psi, 2))). */
export function heightLimit(psi: number): number {
  return Math.ceil(Math.log2(Math.max(psi, 2)));
}
