/**
 * Drift: the population stability index (PSI) of every feature and of the score over a rolling
 * window of recent traffic, against the training distributions stored in the model file.
 *
 *   PSI = Σ_bins (a - e) ln(a / e),  a = share of the window in the bin, e = share of training
 *
 * with both shares floored at `epsilon` so that an empty bin counts as a large but finite shift.
 * Rule of thumb: < 0.1 stable, 0.1 to 0.2 a moderate shift, > 0.2 (the default warning
 * threshold) a significant one.
 */
import type { DetectionResult } from '../contract/types';
import type { DetectionObserver } from '../detector/detector';
import type { LoadedModel } from '../forest/model-file';
import { binIndex, modelDistributions, type BinnedDistribution } from './distributions';

/** Configuration of a {@link DriftMonitor}. */
export interface DriftConfig {
  /** Most recent transactions in the window (default 5,000). */
  windowSize: number;
  /** PSI above which a feature or the score raises a warning (default 0.2). */
  threshold: number;
  /** Transactions needed before any warning (default 500: PSI of a small window is noise). */
  minSamples: number;
  /** Floor of the shares in the PSI (default 1e-4). */
  epsilon: number;
  /** Features that never warn (e.g. ones expected to move as histories grow); default none. */
  ignoreFeatures: readonly string[];
}

/** The defaults of {@link DriftConfig}. */
export const DEFAULT_DRIFT_CONFIG: DriftConfig = Object.freeze({
  windowSize: 5000,
  threshold: 0.2,
  minSamples: 500,
  epsilon: 1e-4,
  ignoreFeatures: Object.freeze([]) as readonly string[],
});

/** Name of the score in drift reports. */
export const SCORE_SERIES = 'score';

/** PSI of one series. */
export interface DriftEntry {
  /** Feature name, or 'score'. */
  feature: string;
  psi: number;
  /** PSI > threshold with enough samples (and the feature not ignored). */
  warning: boolean;
}

/** What the monitor sees now. */
export interface DriftReport {
  /** Transactions in the window. */
  window: number;
  threshold: number;
  /** window >= minSamples: before that no warning is raised. */
  ready: boolean;
  /** Per feature in schema order; empty when the model file has no feature distributions. */
  features: DriftEntry[];
  score: DriftEntry;
  /** Names of the series in warning, largest PSI first ("log_amount", "score"). */
  warnings: string[];
  /** Why features are not monitored, when they are not. */
  note?: string;
}

/** Population stability index of window `counts` (of `total`) against training `expected` shares. */
export function populationStabilityIndex(expected: ArrayLike<number>, counts: ArrayLike<number>, total: number, epsilon = DEFAULT_DRIFT_CONFIG.epsilon): number {
  if (total <= 0) return 0;
  let psi = 0;
  for (let b = 0; b < expected.length; b++) {
    const e = Math.max(expected[b], epsilon);
    const a = Math.max(counts[b] / total, epsilon);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/**
 * Keeps the bins of the last `windowSize` transactions (not the rows: one byte per feature) with
 * running counts, so observing is O(features · log bins) and a report O(features · bins).
 * Implements the detector's observer: `createDetector({ model, observer: monitor })`.
 */
export class DriftMonitor implements DetectionObserver {
  readonly config: DriftConfig;
  private readonly names: string[];
  private readonly series: BinnedDistribution[];
  /** Series monitored: the features (when the file has them), then the score (last). */
  private readonly nSeries: number;
  private readonly featureCount: number;
  private readonly edges: Float64Array[];
  private readonly maxBins: number;
  private readonly counts: Int32Array;
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private readonly note?: string;

  constructor(
    readonly model: LoadedModel,
    config: Partial<DriftConfig> = {},
  ) {
    this.config = { ...DEFAULT_DRIFT_CONFIG, ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)) };
    const c = this.config;
    if (!(Number.isInteger(c.windowSize) && c.windowSize >= 1)) throw new RangeError(`windowSize must be a positive integer, got ${c.windowSize}`);
    if (!(c.threshold > 0)) throw new RangeError(`threshold must be > 0, got ${c.threshold}`);
    if (!(Number.isInteger(c.minSamples) && c.minSamples >= 1)) throw new RangeError(`minSamples must be a positive integer, got ${c.minSamples}`);
    if (!(c.epsilon > 0 && c.epsilon < 1)) throw new RangeError(`epsilon must be in (0, 1), got ${c.epsilon}`);
    const dists = modelDistributions(model.file);
    this.featureCount = dists.features?.length ?? 0;
    if (dists.features === null) this.note = 'the model file has no extras.feature_distributions (retrain it to monitor features); only the score is monitored';
    this.series = [...(dists.features ?? []), dists.score];
    this.names = [...(dists.features ?? []).map((d) => d.feature), SCORE_SERIES];
    this.nSeries = this.series.length;
    this.edges = this.series.map((d) => Float64Array.from(d.edges));
    this.maxBins = Math.max(...this.series.map((d) => d.proportions.length));
    this.counts = new Int32Array(this.nSeries * this.maxBins);
    this.ring = new Uint8Array(c.windowSize * this.nSeries);
  }

  /** Transactions in the window. */
  get size(): number {
    return this.filled;
  }

  /** Adds a transaction: its raw feature row (the model's schema, before the scaler) and its model score. */
  observeScore(row: ArrayLike<number>, modelScore: number): void {
    const { nSeries, maxBins, counts, ring } = this;
    const slot = this.next * nSeries;
    const full = this.filled === this.config.windowSize;
    for (let s = 0; s < nSeries; s++) {
      if (full) counts[s * maxBins + ring[slot + s]]--;
      const b = binIndex(this.edges[s], s < this.featureCount ? row[s] : modelScore);
      ring[slot + s] = b;
      counts[s * maxBins + b]++;
    }
    this.next = (this.next + 1) % this.config.windowSize;
    if (!full) this.filled++;
  }

  /** The detector's observer hook: the row and the result's `model_score`. */
  observe(rawRow: ArrayLike<number>, result: Pick<DetectionResult, 'model_score'>): void {
    this.observeScore(rawRow, result.model_score);
  }

  /** PSI per feature and of the score, with warnings. */
  report(): DriftReport {
    const { threshold, minSamples, epsilon, ignoreFeatures } = this.config;
    const ready = this.filled >= minSamples;
    const entries: DriftEntry[] = this.series.map((d, s) => {
      const psi = populationStabilityIndex(d.proportions, this.counts.subarray(s * this.maxBins, s * this.maxBins + d.proportions.length), this.filled, epsilon);
      return { feature: this.names[s], psi, warning: ready && psi > threshold && !ignoreFeatures.includes(this.names[s]) };
    });
    const score = entries.pop()!;
    const warnings = [...entries, score]
      .filter((e) => e.warning)
      .sort((a, b) => b.psi - a.psi)
      .map((e) => e.feature);
    return { window: this.filled, threshold, ready, features: entries, score, warnings, ...(this.note ? { note: this.note } : {}) };
  }

  /** Empties the window (after a model change or an acknowledged shift). */
  reset(): void {
    this.counts.fill(0);
    this.next = 0;
    this.filled = 0;
  }
}

/** A drift monitor for `model` (see {@link DriftMonitor}). */
export function createDriftMonitor(model: LoadedModel, config: Partial<DriftConfig> = {}): DriftMonitor {
  return new DriftMonitor(model, config);
}
