/**
 * The trees of a forest as flat struct-of-arrays, in the layout of the model file.
 * Node indices in `left`/`right` are local to their tree; a leaf has `left = right = feature = -1`.
 */
export interface ForestNodes {
  /** Number of trees. */
  count: number;
  /** Start of each tree in the node arrays; length `count + 1`, last entry = total node count. */
  nodeOffsets: Int32Array;
  feature: Int32Array;
  /** Split thresholds in float64 (scikit-learn keeps doubles); rows go left when `x <= threshold`. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Training samples that reached each node (for c(n_leaf) and explanations). */
  nSamples: Int32Array;
}

/** `contamination` as scikit-learn takes it: 'auto' (offset -0.5) or a fraction in (0, 0.5]. */
export type Contamination = 'auto' | number;

/** Training parameters, scikit-learn's names. */
export interface ForestParams {
  /** Number of trees (150 for transactions, 100 to compare with the paper). */
  n_estimators: number;
  /** Requested sub-sample size per tree. */
  max_samples: number;
  /** Contamination: 'auto' or the expected fraction of anomalies. */
  contamination: Contamination;
  /** Seed of the training PRNG; null for models exported from scikit-learn. */
  seed: number | null;
}

/** Default training parameters for transactions. */
export const DEFAULT_FOREST_PARAMS: ForestParams = {
  n_estimators: 150,
  max_samples: 256,
  contamination: 'auto',
  seed: 0,
};

/** Summary of the training scores (score_samples), kept for drift monitoring. */
export interface ScoreDistribution {
  /** Rows the summary was computed on. */
  count: number;
  mean: number;
  std: number;
  /** 101 quantiles, 0 % to 100 % (numpy 'linear' interpolation). */
  quantiles: number[];
}
