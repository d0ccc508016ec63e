import type { HistoryEntry } from '../contract/types';
import type { HistoryTransaction, RetentionConfig } from './history-store';

/**
 * A user's history packed into two flat arrays, for the feature function and the rules: entry
 * `i` (`start <= i < end`) has its time, amount and local hour at `numbers[3i]`, `numbers[3i+1]`
 * and `numbers[3i+2]`, and its transaction id, location and merchant type at `strings[3i]`,
 * `strings[3i+1]` and `strings[3i+2]`. Scoring a transaction mostly waits for its user's history
 * to arrive from memory; two arrays of plain values take far fewer cache lines (and far fewer
 * objects for the garbage collector) than one object per entry.
 *
 * A view: the arrays belong to whoever handed it out and change with the next append (or, for
 * {@link packHistory}, the next call). Read it, do not keep it.
 */
export interface PackedHistory {
  /** First entry. */
  readonly start: number;
  /** One past the last entry. */
  readonly end: number;
  /** `epochMs`, `amount`, `localHour` of each entry. */
  readonly numbers: readonly number[];
  /** `transaction_id`, `location`, `merchant_type` of each entry. */
  readonly strings: readonly string[];
  /**
   * Optional: the amounts of the entries in ascending order, kept by the in-memory store. Used
   * only while its length is `end - start` (anything else may leave it stale or empty).
   */
  readonly sortedAmounts?: readonly number[];
}

/**
 * An optional fast path of a {@link HistoryTransaction}: the same history as `history(userId)`,
 * packed. The in-memory store offers it; callers use {@link packedHistoryOf}, which packs
 * `history(userId)` for stores without it. Such a store's `append` copies the entry's fields
 * and keeps no reference to the object (so a transaction can be appended as it is).
 */
export interface PackedHistoryTransaction extends HistoryTransaction {
  packedHistory(userId: string): PackedHistory;
}

/** Whether a history transaction offers {@link PackedHistoryTransaction.packedHistory}. */
export function hasPackedHistory(tx: HistoryTransaction): tx is PackedHistoryTransaction {
  return typeof (tx as Partial<PackedHistoryTransaction>).packedHistory === 'function';
}

/** A user's history, packed: the store's own when it offers it, else packed (into {@link packHistory}'s scratch). */
export function packedHistoryOf(tx: HistoryTransaction, userId: string): PackedHistory {
  return hasPackedHistory(tx) ? tx.packedHistory(userId) : packHistory(tx.history(userId));
}

/** Whether a history argument is already packed. */
export function isPackedHistory(history: readonly HistoryEntry[] | PackedHistory): history is PackedHistory {
  return !Array.isArray(history);
}

/**
 * A growable packed history, kept in time order with retention applied: the in-memory store's
 * representation of a user's history (and the scratch of {@link packHistory}).
 */
export class PackedHistoryBuffer implements PackedHistory {
  start = 0;
  end = 0;
  numbers: number[] = [];
  strings: string[] = [];
  /** The live entries' amounts in ascending order, kept by `insert` (not by {@link packHistory}). */
  sortedAmounts: number[] = [];
  private sortedBroken = false;

  /** Number of entries. */
  get length(): number {
    return this.end - this.start;
  }

  /**
   * Inserts `e` in time order (after entries of the same instant) and applies retention exactly
   * as {@link appendWithRetention} does on an array: at most `maxEntriesPerUser` entries, none
   * older than `maxAgeMs` before the newest.
   */
  insert(e: HistoryEntry, retention: RetentionConfig): void {
    const { numbers, strings } = this;
    const t = e.epochMs;
    let i = this.end;
    while (i > this.start && numbers[3 * (i - 1)] > t) i--;
    if (i === this.end) {
      numbers.push(t, e.amount, e.localHour);
      strings.push(e.transaction_id, e.location, e.merchant_type);
    } else {
      numbers.splice(3 * i, 0, t, e.amount, e.localHour);
      strings.splice(3 * i, 0, e.transaction_id, e.location, e.merchant_type);
    }
    this.end++;
    const before = this.start;
    this.start = retainedStart(numbers, this.start, this.end, retention);
    const sorted = this.sortedAmounts;
    // An amount that is not a number has no place in the order: the user's sorted amounts are
    // given up (readers then select the median themselves).
    if (e.amount !== e.amount) this.sortedBroken = true;
    if (this.sortedBroken) sorted.length = 0;
    else {
      // Moved by hand: splice would allocate the array of what it removed on every call.
      const at = firstAbove(sorted, e.amount);
      sorted.push(e.amount);
      for (let j = sorted.length - 1; j > at; j--) sorted[j] = sorted[j - 1];
      sorted[at] = e.amount;
      for (let k = before; k < this.start; k++) {
        // (firstAbove - 1 is the last copy of that amount: removing any copy of a value is the same.)
        const gone = firstAbove(sorted, numbers[3 * k + 1]) - 1;
        for (let j = gone; j < sorted.length - 1; j++) sorted[j] = sorted[j + 1];
        sorted.pop();
      }
    }
    // Dropped entries stay until they are half the arrays, then go in one move (amortised O(1)).
    if (this.start > 0 && this.start >= this.length) {
      numbers.splice(0, 3 * this.start);
      strings.splice(0, 3 * this.start);
      this.end -= this.start;
      this.start = 0;
    }
  }

  /** The entries as objects, oldest first. */
  toEntries(): HistoryEntry[] {
    return unpackHistory(this);
  }
}

/** Index of the first value in ascending `sorted` that is greater than `x` (NaN never is). */
function firstAbove(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A packed history's entries as objects, oldest first. */
export function unpackHistory(h: PackedHistory): HistoryEntry[] {
  const { numbers, strings } = h;
  const out: HistoryEntry[] = new Array(h.end - h.start);
  for (let i = h.start; i < h.end; i++) {
    out[i - h.start] = {
      transaction_id: strings[3 * i],
      epochMs: numbers[3 * i],
      location: strings[3 * i + 1],
      merchant_type: strings[3 * i + 2],
      amount: numbers[3 * i + 1],
      localHour: numbers[3 * i + 2],
    };
  }
  return out;
}

/**
 * The first entry retention keeps of packed entries [start, end) in time order, as
 * {@link appendWithRetention} keeps them: at most `maxEntriesPerUser`, none older than
 * `maxAgeMs` before the newest.
 */
export function retainedStart(numbers: readonly number[], start: number, end: number, retention: RetentionConfig): number {
  const newest = numbers[3 * (end - 1)];
  let drop = start + Math.max(0, end - start - retention.maxEntriesPerUser);
  while (drop < end && newest - numbers[3 * drop] > retention.maxAgeMs) drop++;
  return drop;
}

// Scratch of packHistory: one history at a time (everything here is synchronous). Overwritten in
// place, never shortened, so packing allocates nothing once it has seen the longest history.
const scratch = new PackedHistoryBuffer();

/**
 * A history given as entries, packed in the same order (any order: the feature function and the
 * rules do not assume one). Returns a scratch view, valid until the next call.
 */
export function packHistory(history: readonly HistoryEntry[]): PackedHistory {
  const { numbers, strings } = scratch;
  for (let i = 0; i < history.length; i++) {
    const e = history[i];
    numbers[3 * i] = e.epochMs;
    numbers[3 * i + 1] = e.amount;
    numbers[3 * i + 2] = e.localHour;
    strings[3 * i] = e.transaction_id;
    strings[3 * i + 1] = e.location;
    strings[3 * i + 2] = e.merchant_type;
  }
  scratch.start = 0;
  scratch.end = history.length;
  return scratch;
}
