import type { ScoreDistribution } from './types';

/** numpy's default ('linear') percentile of an ascending-sorted array, q in [0, 100]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new Error('percentile of an empty array');
  const pos = (q / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  const frac = pos - lo;
  // numpy's _lerp form, so results agree to the bit.
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}

/** Mean, standard deviation and the 101 percentiles of a set of scores. */
export function summarizeScores(scores: ArrayLike<number>): ScoreDistribution {
  const sorted = Float64Array.from(scores).sort();
  const n = sorted.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (sorted[i] - mean) ** 2;
  const quantiles: number[] = [];
  for (let q = 0; q <= 100; q++) quantiles.push(percentile(sorted, q));
  return { count: n, mean, std: Math.sqrt(ss / n), quantiles };
}
