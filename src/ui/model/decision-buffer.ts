/**
 * The feed's in-memory decision log: a bounded ring of decisions (oldest dropped first) with an
 * incrementally maintained filtered view, so appending thousands of decisions a second and
 * showing 100,000 rows newest first costs O(new rows), not O(all rows), per frame.
 */
import type { Recommendation, RiskLevel } from '../../core/contract/types';
import type { StoredDecision } from '../../worker/service-types';

/** What the feed shows; empty fields match everything. */
export interface DecisionFilter {
  level?: RiskLevel | '';
  /** A recommendation, or {@link ALERTS} for REVIEW and BLOCK together. */
  recommendation?: Recommendation | typeof ALERTS | '';
  /** A reason code the decision must carry. */
  reason?: string;
  /** Case-insensitive substring of the user id, user name or transaction id. */
  search?: string;
}

/** The recommendation filter value that matches every alert (REVIEW or BLOCK). */
export const ALERTS = 'ALERTS';

/** Default capacity: the feed promises to stay smooth with this many decisions. */
export const DEFAULT_CAPACITY = 100_000;

/** True when `d` passes `filter` (`needle` is the lower-cased search text). */
function matches(d: StoredDecision, filter: DecisionFilter, needle: string): boolean {
  if (filter.level && d.risk_level !== filter.level) return false;
  if (filter.recommendation === ALERTS) {
    if (d.recommendation === 'APPROVE') return false;
  } else if (filter.recommendation && d.recommendation !== filter.recommendation) return false;
  if (filter.reason && !d.reason_codes.includes(filter.reason as StoredDecision['reason_codes'][number])) return false;
  if (needle) {
    const t = d.transaction;
    if (
      !d.transaction_id.toLowerCase().includes(needle) &&
      !d.user_id.toLowerCase().includes(needle) &&
      !(t?.user_name ?? '').toLowerCase().includes(needle)
    ) {
      return false;
    }
  }
  return true;
}

/**
 * A ring buffer of decisions addressed by sequence number (0, 1, 2, ... in arrival order) plus the
 * sequence numbers that pass the current filter, ascending. Display index 0 is the newest match.
 */
export class DecisionBuffer {
  readonly capacity: number;
  private readonly ring: Array<StoredDecision | undefined>;
  /** Sequence number the next appended decision gets. */
  private nextSeq = 0;
  /** Matching sequence numbers, ascending; entries before `viewStart` were evicted. */
  private view: number[] = [];
  private viewStart = 0;
  private filterValue: DecisionFilter = {};
  private needle = '';
  /** Where each transaction id sits, for labels and lookups. */
  private readonly bySeq = new Map<string, number>();
  /** Bumped on every change, so views can tell whether they are stale. */
  version = 0;

  constructor(capacity = DEFAULT_CAPACITY) {
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.ring = new Array(capacity);
  }

  /** Decisions held (at most `capacity`). */
  get size(): number {
    return Math.min(this.nextSeq, this.capacity);
  }

  /** Decisions passing the filter. */
  get matchCount(): number {
    return this.view.length - this.viewStart;
  }

  /** The current filter. */
  get filter(): Readonly<DecisionFilter> {
    return this.filterValue;
  }

  /**
   * Appends decisions in arrival order, evicting the oldest beyond capacity. A decision whose
   * transaction id is already held replaces it in place.
   */
  append(decisions: readonly StoredDecision[]): void {
    if (decisions.length === 0) return;
    for (const d of decisions) {
      // A transaction decided twice (a repeat, or pushed and backfilled) stays one row.
      const held = this.bySeq.get(d.transaction_id);
      if (held !== undefined) {
        this.ring[held % this.capacity] = d;
        continue;
      }
      const seq = this.nextSeq++;
      const slot = seq % this.capacity;
      const old = this.ring[slot];
      if (old && this.bySeq.get(old.transaction_id) === seq - this.capacity) this.bySeq.delete(old.transaction_id);
      this.ring[slot] = d;
      this.bySeq.set(d.transaction_id, seq);
      if (matches(d, this.filterValue, this.needle)) this.view.push(seq);
    }
    const oldest = this.nextSeq - this.size;
    while (this.viewStart < this.view.length && this.view[this.viewStart] < oldest) this.viewStart++;
    // Compact now and then so the view array does not grow without bound.
    if (this.viewStart > 4096 && this.viewStart > this.view.length / 2) {
      this.view = this.view.slice(this.viewStart);
      this.viewStart = 0;
    }
    this.version++;
  }

  /** Replaces the filter and rebuilds the view (one pass over the held decisions). */
  setFilter(filter: DecisionFilter): void {
    this.filterValue = { ...filter };
    this.needle = (filter.search ?? '').trim().toLowerCase();
    const view: number[] = [];
    for (let seq = this.nextSeq - this.size; seq < this.nextSeq; seq++) {
      const d = this.ring[seq % this.capacity]!;
      if (matches(d, this.filterValue, this.needle)) view.push(seq);
    }
    this.view = view;
    this.viewStart = 0;
    this.version++;
  }

  /** The `index`-th matching decision, newest first. */
  at(index: number): StoredDecision | undefined {
    if (index < 0 || index >= this.matchCount) return undefined;
    return this.ring[this.view[this.view.length - 1 - index] % this.capacity];
  }

  /** The held decision of a transaction id, if any. */
  get(transactionId: string): StoredDecision | undefined {
    const seq = this.bySeq.get(transactionId);
    return seq === undefined ? undefined : this.ring[seq % this.capacity];
  }

  /** Replaces a held decision (e.g. with an analyst label added); the view is unchanged. */
  update(decision: StoredDecision): boolean {
    const seq = this.bySeq.get(decision.transaction_id);
    if (seq === undefined) return false;
    this.ring[seq % this.capacity] = decision;
    this.version++;
    return true;
  }

  /** The matching decisions, newest first (for export). */
  *matching(): IterableIterator<StoredDecision> {
    for (let i = this.view.length - 1; i >= this.viewStart; i--) yield this.ring[this.view[i] % this.capacity]!;
  }

  /** Forgets everything. */
  clear(): void {
    this.ring.fill(undefined);
    this.nextSeq = 0;
    this.view = [];
    this.viewStart = 0;
    this.bySeq.clear();
    this.version++;
  }
}
