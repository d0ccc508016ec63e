/**
 * The worker's materialised view of the decision log: per-user histories (with retention) and the
 * decided-id index, as of log record `lastSeq`. Scoring reads only this view, synchronously; the
 * log in IndexedDB is the truth it is rebuilt from (snapshot + later records) and caught up with
 * (records other workers appended).
 *
 * Each user's history is kept packed ({@link UserPack}, the core's {@link PackedHistory}: two flat
 * arrays in time order, with the core's retention), which the feature function and the rules read
 * directly through the `packedHistory` fast path of a batch's {@link BatchOverlay}; entry objects
 * are built only for `history(userId)`. Histories restored from a snapshot stay in the snapshot's
 * column arrays until a user is first read (`LazyHistory`), so a cold start on a million entries
 * allocates nothing per entry; log records for such a user queue in `pending` and are applied, in
 * order and with the same retention, when the user is unpacked. Applying the same records in the
 * same order always gives the same histories, whether live, caught up or rebuilt.
 */
import type { DetectionResult, HistoryEntry } from '../core/contract/types';
import type { RetentionConfig } from '../core/history/history-store';
import { retainedStart, unpackHistory, type PackedHistory, type PackedHistoryTransaction } from '../core/history/packed-history';
import type { BatchRecord, HistoryChunk, IndexChunk, LogRecord, SnapshotChunk } from './db-schema';
import { DecidedIndex } from './decided-index';
import { checkRecordFormat } from './log-record';
import { Dictionary, rowEntry, rowId, rowUser } from './record-columns';

interface LazyHistory {
  chunk: HistoryChunk;
  /** First row of the user in the chunk. */
  row: number;
  count: number;
  /** Entries logged after the snapshot, not applied yet. */
  pending: HistoryEntry[] | null;
}

/**
 * One user's history, packed: entry `i` (`start <= i < end`) is `numbers[3i..3i+2]` (time, amount,
 * local hour) and `strings[3i..3i+2]` (transaction id, location, merchant type), in time order,
 * with retention applied exactly as the core's `appendWithRetention` does on an entry array.
 *
 * Copy-on-write between the view and the overlays of batches: an overlay appends to a `shared`
 * handle on its source's arrays ({@link UserPack.share}), which writes only past the source's
 * `end` (where nobody reads) as long as entries arrive in time order, and copies the live range
 * before anything else would move what the source reads (an out-of-order insert, dropping old
 * entries). A discarded overlay leaves only unread slots behind; a committed one's handle becomes
 * the user's history. At most one handle writes into a set of arrays at a time: overlays are
 * scored one after the other, each on the one before or the view, and the view changes only when
 * no overlay is pending (its queue).
 */
export class UserPack implements PackedHistory {
  constructor(
    public start = 0,
    public end = 0,
    public numbers: number[] = [],
    public strings: string[] = [],
    /** The arrays may hold what another handle reads (before `start`, up to its `end`). */
    private shared = false,
  ) {}

  /** Number of entries. */
  get length(): number {
    return this.end - this.start;
  }

  /** A handle on the same entries for an overlay: appends go past this one's `end`, anything else copies first. */
  share(): UserPack {
    return new UserPack(this.start, this.end, this.numbers, this.strings, true);
  }

  /** Inserts `e` in time order (after entries of the same instant) and applies retention. */
  insert(e: HistoryEntry, retention: RetentionConfig): void {
    const t = e.epochMs;
    let { numbers, strings } = this;
    let i = this.end;
    while (i > this.start && numbers[3 * (i - 1)] > t) i--;
    if (i === this.end) {
      // Past the live range: a plain write (the slots may hold what a discarded overlay left).
      const k = 3 * i;
      numbers[k] = t;
      numbers[k + 1] = e.amount;
      numbers[k + 2] = e.localHour;
      strings[k] = e.transaction_id;
      strings[k + 1] = e.location;
      strings[k + 2] = e.merchant_type;
    } else {
      i -= this.start;
      this.own();
      ({ numbers, strings } = this);
      numbers.splice(3 * i, 0, t, e.amount, e.localHour);
      strings.splice(3 * i, 0, e.transaction_id, e.location, e.merchant_type);
    }
    this.end++;
    this.start = retainedStart(numbers, this.start, this.end, retention);
    // Dropped entries stay until they are as many as the kept ones, then go in one move (amortised O(1)).
    if (this.start > 0 && this.start >= this.length) this.own();
  }

  /** Makes the arrays this handle's own, exactly the live range (also drops the dropped entries). */
  private own(): void {
    const from = 3 * this.start;
    const to = 3 * this.end;
    if (this.shared || from > 0 || this.numbers.length !== to) {
      this.numbers = this.numbers.slice(from, to);
      this.strings = this.strings.slice(from, to);
    }
    this.end -= this.start;
    this.start = 0;
    this.shared = false;
  }

  /** The entries as objects, oldest first. */
  toEntries(): HistoryEntry[] {
    return unpackHistory(this);
  }
}

type Slot = UserPack | LazyHistory;

// Not frozen: a frozen array has another elements kind, which would make the feature loops polymorphic.
const EMPTY_PACK: PackedHistory = new UserPack();

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

  /** The user's history, oldest first (a new array). */
  history(userId: string): HistoryEntry[] {
    return this.packedOf(userId)?.toEntries() ?? [];
  }

  /** The user's packed history (null: none). Read it, do not change it. */
  packedOf(userId: string): UserPack | null {
    const slot = this.users.get(userId);
    if (slot === undefined) return null;
    return slot instanceof UserPack ? slot : this.materialize(userId, slot);
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
        if (slot) this.entryCount -= slotSize(slot);
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
      this.entryCount += h.length - (before === undefined ? 0 : slotSize(before));
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
      const h = new UserPack();
      h.insert(entry, this.retention);
      this.users.set(userId, h);
      this.entryCount++;
    } else if (slot instanceof UserPack) {
      const before = slot.length;
      slot.insert(entry, this.retention);
      this.entryCount += slot.length - before;
    } else {
      (slot.pending ??= []).push(entry);
      this.entryCount++;
      if (slot.pending.length > this.retention.maxEntriesPerUser) this.materialize(userId, slot);
    }
  }

  /** Unpacks a user restored from a snapshot (straight from the chunk's columns) and applies the queued entries. */
  private materialize(userId: string, slot: LazyHistory): UserPack {
    const c = slot.chunk;
    // Filled by push: the arrays stay packed (no holes), the elements kind the feature loops expect.
    const numbers: number[] = [];
    const strings: string[] = [];
    let start = slot.row === 0 ? 0 : c.ids.ends[slot.row - 1];
    for (let k = 0; k < slot.count; k++) {
      const r = slot.row + k;
      const end = c.ids.ends[r];
      numbers.push(c.epoch_ms[r], c.amount[r], c.local_hour[r]);
      strings.push(c.ids.text.substring(start, end), c.locations[c.location[r]], c.merchants[c.merchant[r]]);
      start = end;
    }
    const h = new UserPack(0, slot.count, numbers, strings);
    const queued = slotSize(slot);
    if (slot.pending) for (const e of slot.pending) h.insert(e, this.retention);
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
    // Users are gathered until the chunk is full, then copied into arrays of the chunk's size.
    let ids: string[] = [];
    let slots: Array<UserPack | LazyHistory> = [];
    let rows = 0;
    let entries = 0;
    for (const [userId, slot] of this.users) {
      const s = slot instanceof UserPack || !slot.pending ? slot : this.materialize(userId, slot);
      const n = s instanceof UserPack ? s.length : s.count;
      if (n === 0) continue;
      ids.push(userId);
      slots.push(s);
      rows += n;
      entries += n;
      if (rows >= historyChunkRows) {
        chunks.push(historyChunk(ids, slots, rows));
        ids = [];
        slots = [];
        rows = 0;
      }
    }
    if (rows > 0) chunks.push(historyChunk(ids, slots, rows));
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
  markSnapshot(seq: number, index: readonly IndexChunk[] | null, covered?: number): void {
    this.snapshotSeq = seq;
    // `covered`: the entries the snapshot holds of those counted since the last one (later
    // batches may have been applied while it was written).
    this.entriesSinceSnapshot = covered === undefined ? 0 : Math.max(0, this.entriesSinceSnapshot - covered);
    // Fold the ids decided up to `seq` into the packed index (smaller, and rebuilt from hashes);
    // ids of later records stay as they are.
    if (index && seq <= this.lastSeq) this.decided.restore(index, seq);
  }
}

/** The histories of `users` (`slots[i]` is `users[i]`'s, `rows` entries in all) as one {@link HistoryChunk}. */
function historyChunk(users: string[], slots: ReadonlyArray<UserPack | LazyHistory>, rows: number): HistoryChunk {
  const counts = new Uint32Array(users.length);
  const idParts: string[] = [];
  const ends = new Uint32Array(rows);
  const epoch = new Float64Array(rows);
  const amount = new Float64Array(rows);
  const hour = new Uint8Array(rows);
  const location = new Uint32Array(rows);
  const merchant = new Uint32Array(rows);
  const locations = new Dictionary();
  const merchants = new Dictionary();
  let textLength = 0;
  let r = 0;
  for (let u = 0; u < slots.length; u++) {
    const slot = slots[u];
    if (slot instanceof UserPack) {
      const { numbers, strings } = slot;
      counts[u] = slot.length;
      // A user's entries mostly repeat the previous place and merchant type: no lookup then.
      let lastPlace: string | undefined;
      let placeCode = 0;
      let lastMerchant: string | undefined;
      let merchantCode = 0;
      for (let i = slot.start; i < slot.end; i++, r++) {
        const id = strings[3 * i];
        idParts.push(id);
        textLength += id.length;
        ends[r] = textLength;
        epoch[r] = numbers[3 * i];
        amount[r] = numbers[3 * i + 1];
        hour[r] = numbers[3 * i + 2];
        const place = strings[3 * i + 1];
        if (place !== lastPlace) {
          lastPlace = place;
          placeCode = locations.code(place);
        }
        const merchantType = strings[3 * i + 2];
        if (merchantType !== lastMerchant) {
          lastMerchant = merchantType;
          merchantCode = merchants.code(merchantType);
        }
        location[r] = placeCode;
        merchant[r] = merchantCode;
      }
    } else {
      // Still packed in its snapshot chunk: the rows are copied as they are, and the user's ids,
      // contiguous in the old chunk's text, as one piece.
      const c = slot.chunk;
      counts[u] = slot.count;
      const first = slot.row === 0 ? 0 : c.ids.ends[slot.row - 1];
      const last = c.ids.ends[slot.row + slot.count - 1];
      idParts.push(c.ids.text.substring(first, last));
      const shift = textLength - first;
      for (let k = slot.row; k < slot.row + slot.count; k++, r++) {
        ends[r] = c.ids.ends[k] + shift;
        epoch[r] = c.epoch_ms[k];
        amount[r] = c.amount[k];
        hour[r] = c.local_hour[k];
        location[r] = locations.code(c.locations[c.location[k]]);
        merchant[r] = merchants.code(c.merchants[c.merchant[k]]);
      }
      textLength += last - first;
    }
  }
  return {
    kind: 'history',
    users,
    counts,
    ids: { text: idParts.join(''), ends },
    epoch_ms: epoch,
    amount,
    local_hour: hour,
    locations: locations.values,
    location,
    merchants: merchants.values,
    merchant,
  };
}

/** Entries held in a slot (counting queued ones). */
function slotSize(slot: Slot): number {
  return slot instanceof UserPack ? slot.length : slot.count + (slot.pending?.length ?? 0);
}

/** What an overlay reads through: the view, or the overlay of an earlier batch of the same write. */
export interface HistorySource {
  /** The user's packed history (null: none). Read it, or {@link UserPack.share} it; do not change it. */
  packedOf(userId: string): UserPack | null;
  /** A decision taken by this source and not yet committed (overlays only). */
  pendingDecision?(transactionId: string): DetectionResult | undefined;
}

/**
 * The {@link PackedHistoryTransaction} of one batch: reads its source (the view, or the overlay of
 * the batch before it in the same IndexedDB transaction), appends to copy-on-write handles on the
 * touched users' histories (so later items, and later batches of the same write, see earlier
 * ones), and collects the batch's entries and decisions for its log record. Discarded if the record
 * does not commit. Offers `packedHistory`, so the detector's features and rules read the packed
 * histories directly and `append` gets the transaction itself (only its history fields are kept).
 */
export class BatchOverlay implements PackedHistoryTransaction, HistorySource {
  /** Fresh decisions, in order: the rows of the batch's record. */
  readonly decisions: DetectionResult[] = [];
  /** What was appended to history, in order (the transactions themselves, from the detector). */
  readonly entries: HistoryEntry[] = [];
  /** The touched users' histories after the batch. */
  readonly copies = new Map<string, UserPack>();
  private byId: Map<string, DetectionResult> | null = null;
  // The user looked up last: a transaction's history is read and then appended to.
  private lastUserId: string | undefined = undefined;
  private lastPack: UserPack | null = null;

  constructor(
    private readonly retention: RetentionConfig,
    private readonly source: HistorySource,
    private readonly priors: ReadonlyMap<string, DetectionResult>,
  ) {}

  packedOf(userId: string): UserPack | null {
    if (userId === this.lastUserId) return this.lastPack;
    const h = this.copies.get(userId) ?? this.source.packedOf(userId);
    this.lastUserId = userId;
    this.lastPack = h;
    return h;
  }

  packedHistory(userId: string): PackedHistory {
    return this.packedOf(userId) ?? EMPTY_PACK;
  }

  history(userId: string): readonly HistoryEntry[] {
    return this.packedOf(userId)?.toEntries() ?? [];
  }

  priorDecision(transactionId: string): DetectionResult | undefined {
    // (Mostly no priors: a batch of fresh ids skips the lookup.)
    const prior = this.priors.size === 0 ? undefined : this.priors.get(transactionId);
    return prior ?? this.source.pendingDecision?.(transactionId);
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
    if (h === undefined) {
      h = this.source.packedOf(userId)?.share() ?? new UserPack();
      this.copies.set(userId, h);
    }
    // Copies the fields it keeps: `entry` may be the whole transaction.
    h.insert(entry, this.retention);
    this.lastUserId = userId;
    this.lastPack = h;
    this.entries.push(entry);
  }

  recordDecision(result: DetectionResult): void {
    this.decisions.push(result);
  }
}
