/**
 * The worker's materialised view of the decision log: per-user histories (with retention) and the
 * decided-id index, as of log record `lastSeq`. Scoring reads only this view, synchronously; the
 * log in IndexedDB is the truth it is rebuilt from (snapshot + later records) and caught up with
 * (records other workers appended).
 *
 * Histories restored from a snapshot stay packed in the snapshot's column arrays until a user is
 * first read (`LazyHistory`), so a cold start on a million entries allocates no entry objects;
 * log records for such a user queue in `pending` and are applied, in order and with the same
 * retention, when the user is materialised. Applying the same records in the same order always
 * gives the same histories, whether live, caught up or rebuilt.
 */
import type { DetectionResult, HistoryEntry } from '../core/contract/types';
import { appendWithRetention, type HistoryTransaction, type RetentionConfig } from '../core/history/history-store';
import type { BatchRecord, HistoryChunk, IndexChunk, LogRecord, SnapshotChunk } from './db-schema';
import { DecidedIndex } from './decided-index';
import { checkRecordFormat, rowEntry, rowId, rowUser } from './log-record';

interface LazyHistory {
  chunk: HistoryChunk;
  /** First row of the user in the chunk. */
  row: number;
  count: number;
  /** Entries logged after the snapshot, not applied yet. */
  pending: HistoryEntry[] | null;
}

type Slot = HistoryEntry[] | LazyHistory;

const EMPTY: readonly HistoryEntry[] = Object.freeze([]);

/** Sizes of the view. */
export interface ViewStats {
  users: number;
  /** History entries held (approximate while entries are pending on packed users). */
  entries: number;
  decidedIds: number;
  lastSeq: number;
  snapshotSeq: number;
  entriesSinceSnapshot: number;
}

/** A snapshot ready to write. */
export interface SnapshotParts {
  chunks: SnapshotChunk[];
  users: number;
  entries: number;
  ids: number;
}

/** Materialised histories and decided ids. */
export class HistoryView implements HistorySource {
  private readonly users = new Map<string, Slot>();
  readonly decided: DecidedIndex;
  /** Every log record up to this sequence number is applied. */
  lastSeq = 0;
  /** Sequence number of the snapshot the view started from (0: none). */
  snapshotSeq = 0;
  /** History entries applied since the snapshot (drives compaction). */
  entriesSinceSnapshot = 0;
  private entryCount = 0;

  constructor(
    readonly retention: RetentionConfig,
    maxDecisions: number,
  ) {
    this.decided = new DecidedIndex(maxDecisions);
  }

  /** The user's history, oldest first. Do not mutate. */
  history(userId: string): readonly HistoryEntry[] {
    const slot = this.users.get(userId);
    if (slot === undefined) return EMPTY;
    return Array.isArray(slot) ? slot : this.materialize(userId, slot);
  }

  /** Applies one committed log record (ignored when already applied). */
  apply(rec: LogRecord): void {
    if (rec.seq <= this.lastSeq) return;
    checkRecordFormat(rec);
    if (rec.kind === 'clear') {
      if (rec.user_id === null) {
        this.users.clear();
        this.entryCount = 0;
      } else {
        const slot = this.users.get(rec.user_id);
        if (slot) this.entryCount -= Array.isArray(slot) ? slot.length : slot.count + (slot.pending?.length ?? 0);
        this.users.delete(rec.user_id);
      }
    } else {
      for (let k = 0; k < rec.n; k++) {
        const id = rowId(rec, k);
        this.appendEntry(rowUser(rec, k), rowEntry(rec, k, id));
        this.decided.set(id, rec.seq);
      }
      this.entriesSinceSnapshot += rec.n;
    }
    this.lastSeq = rec.seq;
  }

  /**
   * A copy-on-write view for scoring one batch, on top of the view or of the overlay of an earlier
   * batch of the same write; the view itself changes only when the batch commits.
   */
  overlay(priors: ReadonlyMap<string, DetectionResult>, source: HistorySource = this): BatchOverlay {
    return new BatchOverlay(this.retention, source, priors);
  }

  /**
   * Takes in the batch scored on `overlay`, committed as `rec`: the state `apply(rec)` gives (the
   * overlay ran the same appends, in the same order, with the same retention), without redoing
   * them. Only valid when nothing was applied since the overlay was made.
   */
  commitOverlay(overlay: BatchOverlay, rec: BatchRecord): void {
    if (rec.seq <= this.lastSeq) return;
    if (rec.seq !== this.lastSeq + 1) throw new Error(`internal error: record ${rec.seq} committed on a view at ${this.lastSeq}`);
    for (const [userId, h] of overlay.copies) {
      const before = this.users.get(userId);
      this.entryCount += h.length - (before === undefined ? 0 : Array.isArray(before) ? before.length : before.count + (before.pending?.length ?? 0));
      this.users.set(userId, h);
    }
    for (const d of overlay.decisions) this.decided.set(d.transaction_id, rec.seq);
    this.entriesSinceSnapshot += rec.n;
    this.lastSeq = rec.seq;
  }

  /** Sizes, for metrics and compaction. */
  stats(): ViewStats {
    return {
      users: this.users.size,
      entries: this.entryCount,
      decidedIds: this.decided.size,
      lastSeq: this.lastSeq,
      snapshotSeq: this.snapshotSeq,
      entriesSinceSnapshot: this.entriesSinceSnapshot,
    };
  }

  private appendEntry(userId: string, entry: HistoryEntry): void {
    const slot = this.users.get(userId);
    if (slot === undefined) {
      this.users.set(userId, [entry]);
      this.entryCount++;
    } else if (Array.isArray(slot)) {
      const before = slot.length;
      appendWithRetention(slot, entry, this.retention);
      this.entryCount += slot.length - before;
    } else {
      (slot.pending ??= []).push(entry);
      this.entryCount++;
      if (slot.pending.length > this.retention.maxEntriesPerUser) this.materialize(userId, slot);
    }
  }

  private materialize(userId: string, slot: LazyHistory): HistoryEntry[] {
    const c = slot.chunk;
    const h = new Array<HistoryEntry>(slot.count);
    let start = slot.row === 0 ? 0 : c.ids.ends[slot.row - 1];
    for (let k = 0; k < slot.count; k++) {
      const r = slot.row + k;
      const end = c.ids.ends[r];
      h[k] = {
        transaction_id: c.ids.text.substring(start, end),
        epochMs: c.epoch_ms[r],
        location: c.locations[c.location[r]],
        merchant_type: c.merchants[c.merchant[r]],
        amount: c.amount[r],
        localHour: c.local_hour[r],
      };
      start = end;
    }
    const queued = slot.count + (slot.pending?.length ?? 0);
    if (slot.pending) for (const e of slot.pending) appendWithRetention(h, e, this.retention);
    this.entryCount += h.length - queued;
    this.users.set(userId, h);
    return h;
  }

  /**
   * The whole view as snapshot chunks: histories in chunks of about `historyChunkRows` entries (a
   * user is never split), then the decided ids in chunks of `indexChunkIds`.
   */
  toSnapshot(historyChunkRows: number, indexChunkIds: number): SnapshotParts {
    const chunks: SnapshotChunk[] = [];
    let b = new ChunkBuilder();
    let entries = 0;
    for (const [userId, slot] of this.users) {
      if (Array.isArray(slot)) {
        if (slot.length === 0) continue;
        b.addEntries(userId, slot);
        entries += slot.length;
      } else if (slot.pending) {
        const h = this.materialize(userId, slot);
        b.addEntries(userId, h);
        entries += h.length;
      } else {
        b.addPacked(userId, slot);
        entries += slot.count;
      }
      if (b.rows >= historyChunkRows) {
        chunks.push(b.build());
        b = new ChunkBuilder();
      }
    }
    if (b.rows > 0) chunks.push(b.build());
    const index = this.decided.toChunks(indexChunkIds);
    chunks.push(...index);
    return { chunks, users: this.users.size, entries, ids: this.decided.size };
  }

  /** Replaces the view with a snapshot taken at log record `seq`. */
  restore(seq: number, chunks: readonly SnapshotChunk[]): void {
    this.users.clear();
    this.entryCount = 0;
    const index: IndexChunk[] = [];
    for (const c of chunks) {
      if (c.kind === 'index') {
        index.push(c);
        continue;
      }
      let row = 0;
      for (let i = 0; i < c.users.length; i++) {
        const count = c.counts[i];
        this.users.set(c.users[i], { chunk: c, row, count, pending: null });
        this.entryCount += count;
        row += count;
      }
    }
    this.decided.restore(index);
    this.lastSeq = seq;
    this.snapshotSeq = seq;
    this.entriesSinceSnapshot = 0;
  }

  /** After a snapshot at `seq` was written: reset the compaction counter. */
  markSnapshot(seq: number, index: readonly IndexChunk[] | null): void {
    this.snapshotSeq = seq;
    this.entriesSinceSnapshot = 0;
    // Fold the ids decided since the last snapshot into the packed index (smaller, and rebuilt from hashes).
    if (index && seq === this.lastSeq) this.decided.restore(index);
  }
}

/** Collects users' histories into one {@link HistoryChunk}. */
class ChunkBuilder {
  rows = 0;
  private readonly users: string[] = [];
  private readonly counts: number[] = [];
  private readonly idParts: string[] = [];
  private readonly ends: number[] = [];
  private textLength = 0;
  private readonly epoch: number[] = [];
  private readonly amount: number[] = [];
  private readonly hour: number[] = [];
  private readonly location: number[] = [];
  private readonly merchant: number[] = [];
  private readonly locations = new Map<string, number>();
  private readonly merchants = new Map<string, number>();

  addEntries(userId: string, h: readonly HistoryEntry[]): void {
    this.users.push(userId);
    this.counts.push(h.length);
    for (const e of h) {
      this.idParts.push(e.transaction_id);
      this.textLength += e.transaction_id.length;
      this.ends.push(this.textLength);
      this.epoch.push(e.epochMs);
      this.amount.push(e.amount);
      this.hour.push(e.localHour);
      this.location.push(code(this.locations, e.location));
      this.merchant.push(code(this.merchants, e.merchant_type));
    }
    this.rows += h.length;
  }

  /** Copies a still-packed user's rows without materialising entry objects. */
  addPacked(userId: string, slot: LazyHistory): void {
    const c = slot.chunk;
    this.users.push(userId);
    this.counts.push(slot.count);
    const first = slot.row === 0 ? 0 : c.ids.ends[slot.row - 1];
    const last = c.ids.ends[slot.row + slot.count - 1];
    // The user's ids are contiguous in the old chunk's text: copy them as one piece.
    this.idParts.push(c.ids.text.substring(first, last));
    for (let k = 0; k < slot.count; k++) {
      const r = slot.row + k;
      this.ends.push(this.textLength + c.ids.ends[r] - first);
      this.epoch.push(c.epoch_ms[r]);
      this.amount.push(c.amount[r]);
      this.hour.push(c.local_hour[r]);
      this.location.push(code(this.locations, c.locations[c.location[r]]));
      this.merchant.push(code(this.merchants, c.merchants[c.merchant[r]]));
    }
    this.textLength += last - first;
    this.rows += slot.count;
  }

  build(): HistoryChunk {
    return {
      kind: 'history',
      users: this.users,
      counts: Uint32Array.from(this.counts),
      ids: { text: this.idParts.join(''), ends: Uint32Array.from(this.ends) },
      epoch_ms: Float64Array.from(this.epoch),
      amount: Float64Array.from(this.amount),
      local_hour: Uint8Array.from(this.hour),
      locations: [...this.locations.keys()],
      location: Uint32Array.from(this.location),
      merchants: [...this.merchants.keys()],
      merchant: Uint32Array.from(this.merchant),
    };
  }
}

function code(dict: Map<string, number>, value: string): number {
  let c = dict.get(value);
  if (c === undefined) {
    c = dict.size;
    dict.set(value, c);
  }
  return c;
}

/** What an overlay reads through: the view, or the overlay of an earlier batch of the same write. */
export interface HistorySource {
  history(userId: string): readonly HistoryEntry[];
  /** A decision taken by this source and not yet committed (overlays only). */
  pendingDecision?(transactionId: string): DetectionResult | undefined;
}

/**
 * The {@link HistoryTransaction} of one batch: reads its source (the view, or the overlay of the
 * batch before it in the same IndexedDB transaction), appends to copies of the touched users'
 * histories (so later items, and later batches of the same write, see earlier ones), and collects
 * the batch's entries and decisions for its log record. Discarded if the record does not commit.
 */
export class BatchOverlay implements HistoryTransaction, HistorySource {
  /** Fresh decisions, in order: the rows of the batch's record. */
  readonly decisions: DetectionResult[] = [];
  /** History entries appended, in order. */
  readonly entries: HistoryEntry[] = [];
  /** The touched users' histories after the batch. */
  readonly copies = new Map<string, HistoryEntry[]>();
  private byId: Map<string, DetectionResult> | null = null;

  constructor(
    private readonly retention: RetentionConfig,
    private readonly source: HistorySource,
    private readonly priors: ReadonlyMap<string, DetectionResult>,
  ) {}

  history(userId: string): readonly HistoryEntry[] {
    return this.copies.get(userId) ?? this.source.history(userId);
  }

  priorDecision(transactionId: string): DetectionResult | undefined {
    return this.priors.get(transactionId) ?? this.source.pendingDecision?.(transactionId);
  }

  pendingDecision(transactionId: string): DetectionResult | undefined {
    if (this.byId === null) {
      this.byId = new Map();
      for (const d of this.decisions) this.byId.set(d.transaction_id, d);
    }
    return this.byId.get(transactionId) ?? this.source.pendingDecision?.(transactionId);
  }

  append(userId: string, entry: HistoryEntry): void {
    let h = this.copies.get(userId);
    if (!h) {
      h = this.source.history(userId).slice();
      this.copies.set(userId, h);
    }
    appendWithRetention(h, entry, this.retention);
    this.entries.push(entry);
  }

  recordDecision(result: DetectionResult): void {
    this.decisions.push(result);
  }
}
