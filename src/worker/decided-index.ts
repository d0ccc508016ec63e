/**
 * Which transaction ids were decided, and in which log record: the idempotency index.
 *
 * Two parts, oldest first: a packed part read from a snapshot (all ids in one string, end offsets,
 * sequence numbers and FNV-1a hashes in typed arrays, found through an open-addressing hash
 * table) and the ids decided since, in decision order, behind an open-addressing index (a miss,
 * the usual lookup, touches one cache line of hashes instead of a big `Map`'s bucket chain). A cold start with a million decided ids then costs
 * one string and a few typed arrays from IndexedDB and a table built from the stored hashes,
 * instead of a million `Map` insertions of freshly allocated strings (measured: ~20 ms against
 * ~600 ms in Chromium).
 *
 * Bounded: beyond `maxSize` ids, the oldest are forgotten (as in the in-memory store).
 */
import { StringIndex } from '../core/history/string-index';
import type { IndexChunk } from './db-schema';

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(s: string, start = 0, end = s.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const EMPTY_SLOT = -1;

/** The idempotency index: transaction id → sequence number of the log record holding its decision. */
export class DecidedIndex {
  // Packed part (from a snapshot).
  private text = '';
  private ends = new Uint32Array(0);
  private seqs = new Float64Array(0);
  private hashes = new Uint32Array(0);
  private table = new Int32Array(0);
  /** Packed rows below this were forgotten (evicted). */
  private packedStart = 0;
  /** Packed rows deleted out of order (memory mode drops whole records). */
  private packedDeleted = 0;
  // Ids decided since the snapshot, in decision order: rows [recentHead, recentIds.length) of two
  // arrays (a forgotten row has seq -1), numbered from recentBase; recentIndex maps id → number.
  private recentIds: string[] = [];
  private recentSeqs: number[] = [];
  private recentHead = 0;
  private recentBase = 0;
  private recentLive = 0;
  private recentIndex = this.newRecentIndex();

  constructor(readonly maxSize: number) {}

  /** Number of ids remembered. */
  get size(): number {
    return this.ends.length - this.packedStart - this.packedDeleted + this.recentLive;
  }

  /**
   * Sequence number of the oldest record holding a remembered id (ids are remembered in log
   * order, so every record before it holds only forgotten ids); undefined when none is remembered.
   */
  oldestSeq(): number | undefined {
    for (let row = this.packedStart; row < this.ends.length; row++) if (this.seqs[row] >= 0) return this.seqs[row];
    for (let k = this.recentHead; k < this.recentSeqs.length; k++) if (this.recentSeqs[k] >= 0) return this.recentSeqs[k];
    return undefined;
  }

  /** The sequence number of the record holding the decision of `id`, if remembered. */
  get(id: string): number | undefined {
    const n = this.recentIndex.get(id);
    if (n >= 0) return this.recentSeqs[n - this.recentBase];
    const row = this.findPacked(id);
    return row < 0 ? undefined : this.seqs[row];
  }

  /** True when `id` was decided (and is still remembered). */
  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Remembers a new decision; forgets the oldest beyond `maxSize`. */
  set(id: string, seq: number): void {
    this.setRecent(id, seq);
    while (this.size > this.maxSize) this.evictOldest();
  }

  /** Forgets `id` if it points at record `seq` (memory mode dropping its oldest records). */
  delete(id: string, seq: number): void {
    const n = this.recentIndex.get(id);
    if (n >= 0 && this.recentSeqs[n - this.recentBase] === seq) {
      this.forgetRecent(n - this.recentBase);
      return;
    }
    const row = this.findPacked(id);
    if (row >= 0 && this.seqs[row] === seq) {
      this.seqs[row] = -1;
      this.packedDeleted++;
    }
  }

  private evictOldest(): void {
    while (this.packedStart < this.ends.length) {
      const row = this.packedStart++;
      if (this.seqs[row] >= 0) return;
      this.packedDeleted--;
    }
    while (this.recentHead < this.recentSeqs.length && this.recentSeqs[this.recentHead] < 0) this.recentHead++;
    if (this.recentHead < this.recentSeqs.length) this.forgetRecent(this.recentHead);
    this.compactRecent();
  }

  private newRecentIndex(): StringIndex {
    // The arrays keep the ids; the index asks them (an id stays in its row while indexed).
    return new StringIndex(1024, (n) => this.recentIds[n - this.recentBase]);
  }

  /** Adds an id decided since the snapshot, or gives an id already there its new record (in place, as `Map.set`). */
  private setRecent(id: string, seq: number): void {
    const n = this.recentIndex.get(id);
    if (n >= 0) {
      this.recentSeqs[n - this.recentBase] = seq;
      return;
    }
    this.recentIds.push(id);
    this.recentSeqs.push(seq);
    this.recentIndex.set(id, this.recentBase + this.recentIds.length - 1);
    this.recentLive++;
  }

  /** Forgets the recent row `k` (an array index). */
  private forgetRecent(k: number): void {
    this.recentIndex.delete(this.recentIds[k]);
    this.recentSeqs[k] = -1;
    this.recentIds[k] = '';
    this.recentLive--;
  }

  /** Drops forgotten rows at the front once they are half the arrays (amortised O(1)). */
  private compactRecent(): void {
    const head = this.recentHead;
    if (head < 1024 || head * 2 < this.recentIds.length) return;
    this.recentIds.splice(0, head);
    this.recentSeqs.splice(0, head);
    this.recentBase += head;
    this.recentHead = 0;
  }

  /** The live recent rows, oldest first. */
  private *recentEntries(): Generator<[string, number]> {
    for (let k = this.recentHead; k < this.recentIds.length; k++) if (this.recentSeqs[k] >= 0) yield [this.recentIds[k], this.recentSeqs[k]];
  }

  private findPacked(id: string): number {
    const cap = this.table.length;
    if (cap === 0) return -1;
    const h = fnv1a(id);
    const mask = cap - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const row = this.table[slot];
      if (row === EMPTY_SLOT) return -1;
      if (this.hashes[row] !== h || row < this.packedStart || this.seqs[row] < 0) continue;
      const start = row === 0 ? 0 : this.ends[row - 1];
      if (this.ends[row] - start === id.length && this.text.startsWith(id, start)) return row;
    }
  }

  /**
   * The remembered ids, oldest first, as snapshot chunks of at most `chunkSize` ids. Packed ids
   * are copied as runs of the packed text (one substring per run of remembered rows, not one per
   * id) with their stored hashes; ids decided since are appended one by one.
   */
  toChunks(chunkSize: number): IndexChunk[] {
    const chunks: IndexChunk[] = [];
    let remaining = this.size;
    let pieces: string[] = [];
    let ends = new Uint32Array(0);
    let seqs = new Float64Array(0);
    let hashes = new Uint32Array(0);
    let n = 0;
    let length = 0;
    // The run of packed text not yet copied into `pieces`.
    let runStart = 0;
    let runEnd = 0;
    const closeRun = () => {
      if (runEnd > runStart) pieces.push(this.text.substring(runStart, runEnd));
      runStart = runEnd = 0;
    };
    // Each chunk's arrays are made at their final size and filled in place.
    const open = () => {
      const size = Math.min(chunkSize, remaining);
      ends = new Uint32Array(size);
      seqs = new Float64Array(size);
      hashes = new Uint32Array(size);
      pieces = [];
      n = 0;
      length = 0;
    };
    const flush = () => {
      closeRun();
      if (n === 0) return;
      chunks.push({ kind: 'index', ids: { text: pieces.join(''), ends }, seq: seqs, hash: hashes });
      remaining -= n;
      open();
    };
    open();
    for (let row = this.packedStart; row < this.ends.length; row++) {
      if (this.seqs[row] < 0) continue;
      const start = row === 0 ? 0 : this.ends[row - 1];
      const end = this.ends[row];
      if (start !== runEnd || runEnd === runStart) {
        closeRun();
        runStart = start;
      }
      runEnd = end;
      length += end - start;
      ends[n] = length;
      seqs[n] = this.seqs[row];
      hashes[n] = this.hashes[row];
      if (++n === ends.length) flush();
    }
    closeRun();
    for (let k = this.recentHead; k < this.recentIds.length; k++) {
      const seq = this.recentSeqs[k];
      if (seq < 0) continue;
      const id = this.recentIds[k];
      pieces.push(id);
      length += id.length;
      ends[n] = length;
      seqs[n] = seq;
      hashes[n] = fnv1a(id);
      if (++n === ends.length) flush();
    }
    flush();
    return chunks;
  }

  /** Replaces the content with snapshot chunks (oldest first). */
  restore(chunks: readonly IndexChunk[], keepAfter = Infinity): void {
    // Ids of records after `keepAfter` are not in `chunks`: kept, in their order, after them.
    const kept: Array<[string, number]> = [];
    if (keepAfter !== Infinity) for (const entry of this.recentEntries()) if (entry[1] > keepAfter) kept.push(entry);
    let total = 0;
    for (const c of chunks) total += c.ids.ends.length;
    const ends = new Uint32Array(total);
    const seqs = new Float64Array(total);
    const hashes = new Uint32Array(total);
    const texts: string[] = [];
    let row = 0;
    let base = 0;
    for (const c of chunks) {
      const n = c.ids.ends.length;
      for (let i = 0; i < n; i++) ends[row + i] = base + c.ids.ends[i];
      seqs.set(c.seq, row);
      hashes.set(c.hash, row);
      texts.push(c.ids.text);
      base += c.ids.text.length;
      row += n;
    }
    this.text = texts.join('');
    this.ends = ends;
    this.seqs = seqs;
    this.hashes = hashes;
    this.packedStart = 0;
    this.packedDeleted = 0;
    this.recentIds = [];
    this.recentSeqs = [];
    this.recentHead = 0;
    this.recentBase = 0;
    this.recentLive = 0;
    this.recentIndex = this.newRecentIndex();
    let cap = 16;
    while (cap < total * 2) cap *= 2;
    const table = new Int32Array(cap).fill(EMPTY_SLOT);
    const mask = cap - 1;
    for (let r = 0; r < total; r++) {
      let slot = hashes[r] & mask;
      while (table[slot] !== EMPTY_SLOT) slot = (slot + 1) & mask;
      table[slot] = r;
    }
    this.table = table;
    for (const [id, seq] of kept) this.setRecent(id, seq);
    while (this.size > this.maxSize) this.evictOldest();
  }
}
