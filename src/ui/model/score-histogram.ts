/**
 * A live histogram of risk scores: fixed equal-width bins over [0, 1], counted as decisions
 * arrive (the metrics panel feeds it from the decision subscription).
 */

/** Default number of bins (0.05 wide). */
export const DEFAULT_BINS = 20;

/** Counts of risk scores per equal-width bin of [0, 1]; a score of exactly 1 falls in the last bin. */
export class ScoreHistogram {
  readonly counts: Uint32Array;
  total = 0;

  constructor(readonly bins = DEFAULT_BINS) {
    if (!(Number.isSafeInteger(bins) && bins > 0)) throw new RangeError(`bins must be a positive integer, got ${bins}`);
    this.counts = new Uint32Array(bins);
  }

  /** Adds scores; values outside [0, 1] are clamped, non-finite ones ignored. */
  add(scores: Iterable<number>): void {
    for (const s of scores) {
      if (!Number.isFinite(s)) continue;
      const bin = Math.min(this.bins - 1, Math.max(0, Math.floor(s * this.bins)));
      this.counts[bin]++;
      this.total++;
    }
  }

  /** The largest bin count (0 when empty). */
  get max(): number {
    let m = 0;
    for (const c of this.counts) if (c > m) m = c;
    return m;
  }

  /** Forgets all counts. */
  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }
}
