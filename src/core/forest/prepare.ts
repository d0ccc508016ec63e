import type { Scaler } from './model-file';

/**
 * Turns float64 feature rows (row-major) into the float32 rows the forest scores, applying the
 * model's scaler first when it has one: Math.fround((x - mean) / scale), the same operations in
 * the same order as scikit-learn's StandardScaler followed by IsolationForest's float32 cast.
 */
export function prepareRows(raw: ArrayLike<number>, nFeatures: number, scaler: Scaler | null, out?: Float32Array): Float32Array {
  const n = raw.length / nFeatures;
  const rows = out ?? new Float32Array(raw.length);
  if (scaler === null) {
    for (let i = 0; i < raw.length; i++) rows[i] = raw[i];
    return rows;
  }
  const { mean, scale } = scaler;
  for (let r = 0; r < n; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) rows[o + f] = (raw[o + f] - mean[f]) / scale[f];
  }
  return rows;
}
