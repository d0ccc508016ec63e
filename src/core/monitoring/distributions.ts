/**
 * Training distributions of the features and of the score, as the model file keeps them
 * (`extras.feature_distributions`, `extras.score_distribution`) for drift monitoring.
 *
 * A distribution is a list of strictly increasing bin edges and the share of training rows in
 * each bin; bins are (-∞, e0], (e0, e1], ..., (e_last, +∞), so `edges.length + 1` proportions.
 * Features with few distinct values (flags, counts, category codes) get one bin per value plus
 * an empty bin below and above (unseen values show up as drift); the others get deciles.
 */
import { ModelFileError, type ModelFile } from '../forest/model-file';
import { percentile } from '../forest/score-distribution';

/** Bin edges and the share of training rows per bin. */
export interface BinnedDistribution {
  /** Strictly increasing; bin i is (edges[i-1], edges[i]]. */
  edges: number[];
  /** edges.length + 1 shares, summing to 1. */
  proportions: number[];
}

/** The training distribution of one feature. */
export interface FeatureDistribution extends BinnedDistribution {
  feature: string;
  /** 'discrete': one bin per training value; 'deciles': edges at the 10 %, ..., 90 % quantiles. */
  kind: 'discrete' | 'deciles';
}

/** Distinct training values up to which a feature is binned per value. */
export const MAX_DISCRETE_VALUES = 16;

/** Index of the bin of `x`: the first i with x <= edges[i], else edges.length (NaN: the last bin). */
export function binIndex(edges: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x <= edges[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Shares of `values` per bin of `edges`. */
export function binProportions(edges: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(edges, values[i])]++;
  return counts.map((c) => c / values.length);
}

/** Distinct values of an ascending array, up to `max + 1` of them. */
function distinct(sorted: Float64Array, max: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < sorted.length && out.length <= max; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) out.push(sorted[i]);
  return out;
}

/** Decile edges of an ascending array (duplicates dropped). */
function decileEdges(sorted: Float64Array): number[] {
  const edges: number[] = [];
  for (let q = 10; q < 100; q += 10) {
    const e = percentile(sorted, q);
    if (edges.length === 0 || e > edges[edges.length - 1]) edges.push(e);
  }
  return edges;
}

/** The binned distribution of one feature's training values. */
export function summarizeFeature(feature: string, values: ArrayLike<number>): FeatureDistribution {
  if (values.length === 0) throw new Error(`no training values for ${feature}`);
  const sorted = Float64Array.from(values).sort();
  const levels = distinct(sorted, MAX_DISCRETE_VALUES);
  if (levels.length <= MAX_DISCRETE_VALUES) {
    // One bin per value: edges halfway between neighbours, and half a gap outside the ends.
    let gap = 1;
    for (let i = 1; i < levels.length; i++) gap = Math.min(gap, levels[i] - levels[i - 1]);
    const edges = [levels[0] - gap / 2];
    for (let i = 1; i < levels.length; i++) edges.push((levels[i - 1] + levels[i]) / 2);
    edges.push(levels[levels.length - 1] + gap / 2);
    return { feature, kind: 'discrete', edges, proportions: binProportions(edges, sorted) };
  }
  const edges = decileEdges(sorted);
  return { feature, kind: 'deciles', edges, proportions: binProportions(edges, sorted) };
}

/** Training distributions of every feature of a row-major matrix (raw values, before any scaler). */
export function featureDistributions(names: readonly string[], raw: Float64Array): FeatureDistribution[] {
  const nf = names.length;
  const n = raw.length / nf;
  const column = new Float64Array(n);
  return names.map((name, f) => {
    for (let r = 0; r < n; r++) column[r] = raw[r * nf + f];
    return summarizeFeature(name, column);
  });
}

/** Decile distribution of training scores (score_samples). */
export function scoreDistribution(scores: ArrayLike<number>): BinnedDistribution {
  const sorted = Float64Array.from(scores).sort();
  const edges = decileEdges(sorted);
  return { edges, proportions: binProportions(edges, sorted) };
}

/** The distributions a model file carries for drift monitoring. */
export interface ModelDistributions {
  /** Per feature, in schema order; null when the file has none (trained before they were stored). */
  features: FeatureDistribution[] | null;
  /** The score's: `extras.score_distribution`, else deciles of `training_scores.quantiles`. */
  score: BinnedDistribution;
  /** Where the score distribution came from. */
  scoreSource: 'extras.score_distribution' | 'training_scores.quantiles';
}

/**
 * Reads (and validates) the training distributions of a model file. Files without
 * `extras.feature_distributions` still give a score distribution, from their 101 training-score
 * quantiles (ten bins of 10 % each).
 */
export function modelDistributions(file: ModelFile): ModelDistributions {
  const extras = file.extras ?? {};
  const names = file.feature_schema.names;
  let features: FeatureDistribution[] | null = null;
  if (extras.feature_distributions !== undefined) {
    const list = extras.feature_distributions;
    if (!Array.isArray(list) || list.length !== names.length) {
      throw new ModelFileError('extras.feature_distributions', `must be an array of ${names.length} distributions, one per feature`);
    }
    features = list.map((d, i) => {
      const path = `extras.feature_distributions[${i}]`;
      const dist = checkDistribution(d, path) as FeatureDistribution;
      if (dist.feature !== names[i]) throw new ModelFileError(`${path}.feature`, `is ${JSON.stringify(dist.feature)}, the schema's feature ${i} is "${names[i]}"`);
      return dist;
    });
  }
  if (extras.score_distribution !== undefined) {
    return { features, score: checkDistribution(extras.score_distribution, 'extras.score_distribution'), scoreSource: 'extras.score_distribution' };
  }
  const q = file.training_scores.quantiles;
  const edges: number[] = [];
  const proportions: number[] = [];
  let share = 0.1;
  for (let d = 10; d < 100; d += 10) {
    if (edges.length === 0 || q[d] > edges[edges.length - 1]) {
      edges.push(q[d]);
      proportions.push(share);
      share = 0.1;
    } else share += 0.1;
  }
  proportions.push(share);
  return { features, score: { edges, proportions }, scoreSource: 'training_scores.quantiles' };
}

function checkDistribution(d: unknown, path: string): BinnedDistribution {
  if (typeof d !== 'object' || d === null) throw new ModelFileError(path, 'must be an object with edges and proportions');
  const { edges, proportions } = d as Record<string, unknown>;
  if (!Array.isArray(edges) || edges.some((e) => typeof e !== 'number' || !Number.isFinite(e))) throw new ModelFileError(`${path}.edges`, 'must be an array of finite numbers');
  for (let i = 1; i < edges.length; i++) if (!(edges[i] > edges[i - 1])) throw new ModelFileError(`${path}.edges[${i}]`, 'edges must increase strictly');
  if (edges.length > 254) throw new ModelFileError(`${path}.edges`, `has ${edges.length} edges, at most 254 are supported`);
  if (!Array.isArray(proportions) || proportions.length !== edges.length + 1) throw new ModelFileError(`${path}.proportions`, `must have edges.length + 1 = ${edges.length + 1} entries`);
  if (proportions.some((p) => typeof p !== 'number' || !(p >= 0 && p <= 1))) throw new ModelFileError(`${path}.proportions`, 'must be shares in [0, 1]');
  return d as BinnedDistribution;
}
