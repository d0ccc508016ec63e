import type { HistoryEntry } from '../contract/types';
import type { RetentionConfig } from './history-store';
import { retainedStart, unpackHistory, type PackedHistory } from './packed-history';

/**
 * Where the in-memory store keeps its users' packed histories: every user's entries in a few
 * shared pages, not in arrays of their own.
 *
 * Why: a user's arrays grow as its history does, and each bigger array is a new object. Arriving
 * a few thousand transactions apart, it outlives the young generation and is copied twice by the
 * garbage collector (once within it, once out), only to be dropped at the user's next growth:
 * ~150 of the ~300 bytes per transaction that survived young collections in `score`, and more
 * than half of its collection time (measured with `--trace-gc-nvp`). A page's numbers are one
 * `Float64Array` (outside the collected heap) and its strings one large array (which is never
 * moved), so appending allocates nothing.
 *
 * A user holds a slab of a page: `2^k` consecutive entry slots. A full slab is compacted when its
 * dropped entries are at least as many as its live ones, else the live entries move to a slab
 * twice the size and the old slab is reused by the next user that needs one of its size. A slab
 * grows only while more than half of it is live, so it stays under four times the retention
 * (at least 4 entries).
 */
export class HistoryArena {
  private readonly pages: ArenaPage[] = [];
  private readonly firstPage: number;
  private readonly pageSize: number;
  /** Free slabs per size class (`2^k` entries): their pages and first slots. */
  private readonly freePages: ArenaPage[][] = [];
  private readonly freeBases: number[][] = [];
  /** Entry slots in the slabs users hold. */
  inUse = 0;

  /**
   * @param pages entries of the first page (default 1,024) and of a full-size one (default 65,536):
   *   pages double from the first up to the full size, so a small store stays small.
   */
  constructor(pages: { first?: number; full?: number } = {}) {
    this.firstPage = pages.first ?? FIRST_PAGE_ENTRIES;
    this.pageSize = pages.full ?? PAGE_ENTRIES;
  }

  /** A free slab of `2^k` entries. */
  take(k: number): { page: ArenaPage; base: number } {
    const pages = this.freePages[k];
    if (pages !== undefined && pages.length > 0) {
      this.inUse += 1 << k;
      return { page: pages.pop()!, base: this.freeBases[k].pop()! };
    }
    const size = 1 << k;
    let page = this.pages[this.pages.length - 1];
    if (page === undefined || page.top + size > page.size) {
      // A slab never spans pages (the rest of a page too small for it stays unused).
      const next = page === undefined ? this.firstPage : Math.min(this.pageSize, 2 * page.size);
      page = new ArenaPage(Math.max(next, size));
      this.pages.push(page);
    }
    const base = page.top;
    page.top += size;
    this.inUse += size;
    return { page, base };
  }

  /** Gives back the slab of `2^k` entries at `base`; its strings are let go. */
  give(k: number, page: ArenaPage, base: number): void {
    page.strings.fill('', 3 * base, 3 * (base + (1 << k)));
    this.inUse -= 1 << k;
    (this.freePages[k] ??= []).push(page);
    (this.freeBases[k] ??= []).push(base);
  }
}

/** Entries of the first page; later pages double up to {@link PAGE_ENTRIES}. */
const FIRST_PAGE_ENTRIES = 1024;
/** Entries of a full-size page: 1.5 MB of numbers, 0.5 MB of sorted amounts, 196,608 strings. */
const PAGE_ENTRIES = 1 << 16;
/** Size class of a user's first slab (4 entries). */
const FIRST_CLASS = 2;

/** One page of an arena: entry `i` as in {@link PackedHistory}, and a sorted-amounts slot. */
export class ArenaPage {
  readonly numbers: Float64Array;
  readonly strings: string[];
  /** Per user, the live entries' amounts in ascending order, at the same slots as its entries. */
  readonly sorted: Float64Array;
  /** First slot not handed out yet. */
  top = 0;

  constructor(readonly size: number) {
    this.numbers = new Float64Array(3 * size);
    this.sorted = new Float64Array(size);
    this.strings = new Array<string>(3 * size).fill('');
  }
}

const NO_PAGE = new ArenaPage(0);

/**
 * One user's history in an arena: a {@link PackedHistory} whose `start` and `end` are slots of
 * its page, kept in time order with retention applied exactly as {@link appendWithRetention} does.
 */
export class ArenaHistory implements PackedHistory {
  start = 0;
  end = 0;
  numbers: Float64Array = NO_PAGE.numbers;
  strings: string[] = NO_PAGE.strings;
  /**
   * The live entries' amounts in ascending order at slots `start..end-1` (the page's sorted
   * array); null once an amount was not a number (readers then select the median themselves).
   */
  sortedAmounts: Float64Array | null = NO_PAGE.sorted;
  private page = NO_PAGE;
  /** First slot of the slab and its size class (`2^k` entries; -1: no slab yet). */
  private base = 0;
  private k = -1;

  constructor(private readonly arena: HistoryArena) {}

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
    if (this.end === this.base + (this.k < 0 ? 0 : 1 << this.k)) this.makeRoom();
    const { numbers, strings } = this;
    const t = e.epochMs;
    const end = this.end;
    let i = end;
    while (i > this.start && numbers[3 * (i - 1)] > t) i--;
    if (i < end) {
      numbers.copyWithin(3 * i + 3, 3 * i, 3 * end);
      for (let j = 3 * end + 2; j >= 3 * i + 3; j--) strings[j] = strings[j - 3];
    }
    numbers[3 * i] = t;
    numbers[3 * i + 1] = e.amount;
    numbers[3 * i + 2] = e.localHour;
    strings[3 * i] = e.transaction_id;
    strings[3 * i + 1] = e.location;
    strings[3 * i + 2] = e.merchant_type;
    this.end = end + 1;
    const before = this.start;
    this.start = retainedStart(numbers, before, this.end, retention);
    // An amount that is not a number has no place in the order: the sorted amounts are given up.
    if (e.amount !== e.amount) this.sortedAmounts = null;
    const sorted = this.sortedAmounts;
    if (sorted === null) return;
    // Into the order of [before, end), which then holds [before, end + 1).
    const at = firstAbove(sorted, before, end, e.amount);
    // (A loop: copyWithin's call costs more than moving the dozen values it usually moves.)
    for (let j = end; j > at; j--) sorted[j] = sorted[j - 1];
    sorted[at] = e.amount;
    // Out of it, each dropped entry's amount (any copy of a value is the same): what comes before
    // it moves up a slot, and the order holds [lo + 1, end + 1).
    for (let lo = before; lo < this.start; lo++) {
      const gone = firstAbove(sorted, lo, end + 1, numbers[3 * lo + 1]) - 1;
      sorted.copyWithin(lo + 1, lo, gone);
    }
  }

  /** The entries as objects, oldest first. */
  toEntries(): HistoryEntry[] {
    return unpackHistory(this);
  }

  /** The slab is full: compact it, or move to one twice the size. */
  private makeRoom(): void {
    const live = this.end - this.start;
    if (this.k >= 0 && this.start - this.base >= live) {
      this.moveTo(this.page, this.base);
      return;
    }
    const k = this.k < 0 ? FIRST_CLASS : this.k + 1;
    const { page, base } = this.arena.take(k);
    const oldPage = this.page;
    const oldBase = this.base;
    const oldK = this.k;
    this.moveTo(page, base);
    this.k = k;
    if (oldK >= 0) this.arena.give(oldK, oldPage, oldBase);
  }

  /**
   * Moves the live entries (and their sorted amounts) to slot `base` of `page`: another page, or
   * this slab's own start (`base <= start`, so copying forwards is safe). By hand: `subarray`
   * would make two array objects per move, which cost more than copying a few dozen values.
   */
  private moveTo(page: ArenaPage, base: number): void {
    const { start, end } = this;
    const from = this.page;
    const n = end - start;
    for (let j = 0; j < 3 * n; j++) {
      page.numbers[3 * base + j] = from.numbers[3 * start + j];
      page.strings[3 * base + j] = from.strings[3 * start + j];
    }
    if (this.sortedAmounts !== null) for (let j = 0; j < n; j++) page.sorted[base + j] = from.sorted[start + j];
    this.page = page;
    this.base = base;
    this.start = base;
    this.end = base + n;
    this.numbers = page.numbers;
    this.strings = page.strings;
    if (this.sortedAmounts !== null) this.sortedAmounts = page.sorted;
  }
}

/** Index of the first of ascending `sorted[lo..hi)` that is greater than `x` (NaN never is). */
function firstAbove(sorted: Float64Array, lo: number, hi: number, x: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
