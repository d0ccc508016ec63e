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
  readonly numbers: ArrayLike<number>;
  /** `transaction_id`, `location`, `merchant_type` of each entry. */
  readonly strings: readonly string[];
  /**
   * Optional: the entries' amounts in ascending order at `sortedAmounts[start..end-1]`, kept by
   * the in-memory store; null (or absent) where there is no such order.
   */
  readonly sortedAmounts?: ArrayLike<number> | null;
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

/** A packed history in arrays of its own: the scratch {@link packHistory} packs into. */
export class PackedHistoryBuffer implements PackedHistory {
  start = 0;
  end = 0;
  numbers: number[] = [];
  strings: string[] = [];
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
export function retainedStart(numbers: ArrayLike<number>, start: number, end: number, retention: RetentionConfig): number {
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
