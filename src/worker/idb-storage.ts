/**
 * History and decisions in IndexedDB: an append-only decision log (one record per batch) plus
 * snapshots, with the materialised view in memory. See `db-schema.ts` for the stores and
 * `README.md` for the design and its measured numbers.
 *
 * Consistency across tabs (two workers on one database): batches are written optimistically
 * under the next log sequence number with `add`, which fails when another worker took that number
 * first; the batch is then scored again after reading the other worker's records. Sequence numbers
 * are dense and IndexedDB runs readwrite transactions on a store one at a time, so a write that
 * succeeds was scored on the complete log: each worker sees the other's transactions in its
 * velocity window, idempotency holds across them, and nothing is overwritten. No lock beyond
 * IndexedDB's own is needed.
 *
 * Every operation that changes the view runs in one queue (`exclusive`), so the view changes in
 * one order; batches that arrive while a write is under way share the next write (group commit).
 *
 * Retention removes the oldest log records (and their catalog entries and labels) in a background
 * prune: only records a snapshot covers, whose ids idempotency no longer remembers, never the
 * newest. A worker whose view fell behind a prune (its next records are gone) notices the gap, in
 * a catch-up (the first record after its last is not the next number) or in a write (the lowest
 * record left is past its next number), and reloads from the snapshot, which covers the gap.
 *
 * After each commit the worker announces its newest sequence number on a BroadcastChannel named
 * after the database; a worker whose subscribers follow other writers catches up on it, and every
 * record its view takes in, its own or read, goes to `onCommitted` once, in sequence order.
 */
import type { DetectionResult, HistoryEntry, ParsedTransaction } from '../core/contract/types';
import type { HistoryTransaction } from '../core/history/history-store';
import { openDetectorDatabase, RECORD_FORMAT, type CatalogEntry, type DetectorDatabase, type DetectorDB, type IndexChunk, type LogRecord, type SnapshotMeta } from './db-schema';
import {
  collectPriors,
  noDecisionError,
  priorLocations,
  scoreBatch,
  takeDecisions,
  type BatchOutcome,
  type DetectorStorage,
  type NormalizedQuery,
  type StorageFaults,
  type StorageSettings,
  type StorageStats,
  type LogRetentionStats,
  newWriteTiming,
} from './detector-storage';
import { HistoryView, type HistorySource } from './history-view';
import { encodeClear, type RecordStamp } from './log-record';
import type { AnalystLabel, StoredDecision } from './service-types';
import { StorageError, StorageFailure, describeStorageError } from './storage-errors';
import type { IDBPObjectStore, IDBPTransaction, StoreNames } from 'idb';

/** Attempts of a batch that keeps losing the race for the next sequence number to other tabs. */
const MAX_WRITE_ATTEMPTS = 100;
/** A group commit takes at most this many waiting batches... */
const MAX_GROUP_BATCHES = 16;
/** ...and at most this many transactions (unless its first batch alone is larger). */
const MAX_GROUP_ITEMS = 16_000;
/** Log records read per request when catching up or rebuilding. */
const LOG_PAGE = 256;
/** History entries per snapshot chunk. */
const HISTORY_CHUNK_ROWS = 100_000;
/** Decided ids per snapshot chunk. */
const INDEX_CHUNK_IDS = 250_000;
/** Catalog entries read per request by the prune. */
const CATALOG_PAGE = 1024;
/** Reloads from the snapshot in a row before giving up (each one follows a prune by another worker). */
const MAX_GAP_RELOADS = 5;

/** The BroadcastChannel on which the workers of database `name` announce their commits. */
export function commitChannelName(name: string): string {
  return `txn-anomaly:${name}`;
}

/** What a worker announces after a commit. */
interface CommitAnnouncement {
  /** The newest sequence number in the log. */
  seq: number;
}

/** The view is behind records that retention removed: reload it from the snapshot. */
class LogGapError extends Error {
  constructor(lastSeq: number, found: number) {
    super(`internal: log records after ${lastSeq} up to ${found - 1} were removed by retention before this worker read them`);
    this.name = 'LogGapError';
  }
}

/** A batch waiting for its write. */
interface BatchJob {
  items: readonly ParsedTransaction[];
  decide: (tx: HistoryTransaction) => DetectionResult[];
  stamp: Omit<RecordStamp, 'writer'>;
  resolve(outcome: BatchOutcome): void;
  reject(error: unknown): void;
}

type LogStore = IDBPObjectStore<DetectorDB, StoreNames<DetectorDB>[], 'log', 'readonly' | 'readwrite'>;

/** The IndexedDB storage of one detector service. */
export class IdbStorage implements DetectorStorage {
  readonly kind = 'indexeddb' as const;
  private db!: DetectorDatabase;
  private readonly view: HistoryView;
  private closedReason: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Batches waiting for the next group commit, oldest first. */
  private readonly waiting: BatchJob[] = [];
  /** A group commit is queued (it takes every batch waiting when it starts). */
  private writeQueued = false;
  private compactionQueued = false;
  private compactions = 0;
  private lastCompactionMs: number | null = null;
  private lastCompactionBlockingMs: number | null = null;
  private lastCompactionError: string | null = null;
  /** Batches scored again because another worker appended first. */
  private conflicts = 0;
  private readonly timing = newWriteTiming();
  /** Decisions in log records 1..view.lastSeq (the catalog's running total). */
  private logTotal = 0;
  private pruneQueued = false;
  private lastPruneAt = -Infinity;
  private readonly logStats: LogRetentionStats = { firstSeq: 0, prunes: 0, prunedRecords: 0, prunedDecisions: 0, lastPruneMs: null, lastPruneError: null };
  private channel: BroadcastChannel | null = null;
  private following = false;
  private followQueued = false;
  private followed = 0;
  onCommitted: ((record: LogRecord) => void) | null = null;

  private constructor(
    readonly name: string,
    private readonly settings: StorageSettings,
    private readonly faults: StorageFaults | undefined,
  ) {
    this.view = new HistoryView(settings.retention, settings.maxDecisions);
  }

  /** Opens (creating or upgrading) the database and rebuilds the view from it. */
  static async open(factory: IDBFactory, name: string, settings: StorageSettings, faults?: StorageFaults): Promise<IdbStorage> {
    const s = new IdbStorage(name, settings, faults);
    s.db = await openDetectorDatabase(factory, name, { onClosed: (reason) => (s.closedReason ??= reason) });
    try {
      await s.load(false);
    } catch (e) {
      s.db.close();
      throw e instanceof DOMException ? describeStorageError(e, `reading the database "${name}"`) : e;
    }
    if (typeof BroadcastChannel === 'function') {
      s.channel = new BroadcastChannel(commitChannelName(name));
      s.channel.onmessage = (event: MessageEvent<CommitAnnouncement>) => s.announced(event.data);
    }
    return s;
  }

  /**
   * Cold start (and reload after a gap): the snapshot, then every log record after it. A reload
   * (`newer`) only runs on a snapshot past the view; records it skips do not reach `onCommitted`.
   */
  private async load(newer: boolean): Promise<void> {
    const tx = this.db.transaction(['meta', 'snapshot', 'log', 'catalog'], 'readonly');
    const meta = (await tx.objectStore('meta').get('snapshot')) as SnapshotMeta | undefined;
    if (newer && !(meta && meta.seq > this.view.lastSeq)) {
      throw new Error(`the decision log of "${this.name}" misses records after ${this.view.lastSeq} and no snapshot covers them`);
    }
    if (meta) {
      if (meta.format !== RECORD_FORMAT) throw new Error(`the snapshot in "${this.name}" has format ${meta.format}, this build reads format ${RECORD_FORMAT}; update the app`);
      const chunks = await tx.objectStore('snapshot').getAll();
      if (chunks.length !== meta.chunks) throw new Error(`the snapshot in "${this.name}" has ${chunks.length} chunks, its metadata says ${meta.chunks}`);
      this.view.restore(meta.seq, chunks);
    }
    const log = tx.objectStore('log');
    // The snapshot covers every removed record; the records after it are all there.
    await this.catchUp(log, false);
    const last = this.view.lastSeq;
    const entry = last > 0 ? await tx.objectStore('catalog').get(last) : undefined;
    if (last > 0 && !entry) throw new Error(`the decision log catalog of "${this.name}" has no entry for record ${last}`);
    this.logTotal = entry?.total ?? 0;
    this.logStats.firstSeq = (await log.getKey(IDBKeyRange.lowerBound(0))) ?? 0;
    await tx.done;
  }

  /**
   * Applies the log records appended since the view's last one (by any worker). Throws a
   * {@link LogGapError} when the next record was removed by retention (`checkGap`).
   */
  private async catchUp(log: LogStore, checkGap = true): Promise<void> {
    for (;;) {
      const records = await log.getAll(IDBKeyRange.lowerBound(this.view.lastSeq, true), LOG_PAGE);
      if (checkGap && records.length > 0 && records[0].seq !== this.view.lastSeq + 1) throw new LogGapError(this.view.lastSeq, records[0].seq);
      for (const r of records) {
        if (r.seq <= this.view.lastSeq) continue;
        this.view.apply(r);
        if (r.kind === 'batch') this.logTotal += r.n;
        this.emit(r);
      }
      if (records.length < LOG_PAGE) return;
    }
  }

  /** Runs `fn`; when the view turns out to be behind a prune, reloads from the snapshot and runs it again. */
  private async gapSafe<T>(fn: () => Promise<T>): Promise<T> {
    for (let reloads = 0; ; reloads++) {
      try {
        return await fn();
      } catch (e) {
        if (!(e instanceof LogGapError) || reloads >= MAX_GAP_RELOADS) throw e;
        await this.reload();
      }
    }
  }

  private async reload(): Promise<void> {
    this.assertOpen();
    try {
      await this.load(true);
    } catch (e) {
      throw e instanceof DOMException ? describeStorageError(e, 'reloading the view from the snapshot') : e;
    }
  }

  /** Another worker committed up to `seq`: catch up soon, if following. */
  private announced(message: CommitAnnouncement): void {
    if (!this.following || typeof message?.seq !== 'number' || message.seq <= this.view.lastSeq || this.followQueued || this.closedReason !== null) return;
    this.followQueued = true;
    void this.exclusive(async () => {
      this.followQueued = false;
      const before = this.view.lastSeq;
      await this.refresh();
      this.followed += this.view.lastSeq - before;
    }).catch(() => {
      // The next announcement, write or read catches up again (and reports a lasting failure).
    });
  }

  async follow(on: boolean): Promise<void> {
    const was = this.following;
    // On before the catch-up: an announcement during it queues another one instead of being missed.
    this.following = on;
    if (on && !was) await this.exclusive(() => this.refresh());
  }

  /** Hands a record the view took in to `onCommitted` (a failing listener does not fail the write). */
  private emit(record: LogRecord): void {
    try {
      this.onCommitted?.(record);
    } catch {
      // The listener reports its own failures.
    }
  }

  /** Tells the other workers on this database that the log now ends at `seq`. */
  private announce(): void {
    try {
      this.channel?.postMessage({ seq: this.view.lastSeq } satisfies CommitAnnouncement);
    } catch {
      // A closed channel: the other workers catch up on their next call instead.
    }
  }

  /**
   * Queues the batch for the next write. Batches that arrive while a write is under way are
   * written together in the following one (group commit): each keeps its own record and
   * sequence number, but they share one IndexedDB transaction and one wait for its commit.
   */
  decide(items: readonly ParsedTransaction[], decide: (tx: HistoryTransaction) => DetectionResult[], stamp: Omit<RecordStamp, 'writer'>): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      this.waiting.push({ items, decide, stamp, resolve, reject });
      this.scheduleWrite();
    });
  }

  /** Queues a group commit unless one is queued already (it takes every batch waiting when it starts). */
  private scheduleWrite(): void {
    if (this.writeQueued || this.waiting.length === 0) return;
    this.writeQueued = true;
    void this.exclusive(async () => {
      this.writeQueued = false;
      let n = 0;
      let size = 0;
      while (n < this.waiting.length && n < MAX_GROUP_BATCHES && (n === 0 || size + this.waiting[n].items.length <= MAX_GROUP_ITEMS)) size += this.waiting[n++].items.length;
      const group = this.waiting.splice(0, n);
      this.scheduleWrite(); // batches beyond the group limits go in the next write
      await this.writeGroup(group);
    });
  }

  /**
   * Writes a group of batches in one transaction. Optimistic: scores against the view and adds
   * the records under the next sequence numbers without reading first. If another worker appended
   * since this view was brought up to date, the first number is taken (`add` fails with
   * ConstraintError, the transaction aborts, nothing is stored): catch up and score again.
   * Sequence numbers are dense, so a successful `add` proves the view was complete when the
   * batches were scored. Each batch is scored on top of the ones before it in the group.
   */
  private async writeGroup(group: BatchJob[]): Promise<void> {
    if (group.length === 0) return;
    const items = group.reduce((n, job) => n + job.items.length, 0);
    let reloads = 0;
    for (let attempt = 1; ; attempt++) {
      let tx: IDBPTransaction<DetectorDB, ('log' | 'catalog')[], 'readwrite'>;
      const failed = new FirstError();
      // Per batch: its outcome, or the error its scoring threw (that batch alone fails).
      const outcomes: Array<BatchOutcome | { error: unknown }> = [];
      try {
        tx = this.writeTransaction(['log', 'catalog']);
      } catch (e) {
        for (const job of group) job.reject(e);
        return;
      }
      try {
        const log = tx.objectStore('log');
        const catalog = tx.objectStore('catalog');
        // Retention may have removed the records right after this view's last one (a prune by
        // another worker while this one was idle): then their numbers are free again and an
        // `add` would not fail. The lowest record left tells; checked before the commit.
        const lowest = log.getKey(IDBKeyRange.lowerBound(0));
        lowest.catch(() => undefined); // awaited below unless something failed first
        // Decisions taken earlier (by this or another worker) of transactions in the group: read their records.
        const priors = new Map<string, DetectionResult>();
        const locations = priorLocations(
          this.view,
          group.flatMap((job) => job.items),
        );
        if (locations.size > 0) await Promise.all([...locations].map(async ([seq, ids]) => collectPriors(await log.get(seq), ids, priors)));
        let source: HistorySource = this.view;
        let seq = this.view.lastSeq + 1;
        let total = this.logTotal;
        const at = this.settings.now();
        for (const job of group) {
          const t0 = performance.now();
          let outcome: BatchOutcome;
          try {
            outcome = scoreBatch(this.view, job.items, priors, job.decide, seq, at, { ...job.stamp, writer: this.settings.writer }, source);
          } catch (error) {
            outcomes.push({ error });
            continue;
          }
          const t1 = performance.now();
          this.timing.score_ms += t1 - t0;
          outcomes.push(outcome);
          if (!outcome.record) continue;
          this.faults?.beforeCommit?.();
          // `add`, not `put`: a sequence number is never overwritten. A failure aborts the transaction and is reported by `done`.
          log.add(outcome.record).catch(failed.keep);
          total += outcome.record.n;
          catalog.add({ seq, at, n: outcome.record.n, total } satisfies CatalogEntry).catch(failed.keep);
          this.timing.store_ms += performance.now() - t1;
          source = outcome.overlay;
          seq++;
        }
        const first = await lowest;
        if (first !== undefined && first > this.view.lastSeq + 1) throw new LogGapError(this.view.lastSeq, first);
        const t2 = performance.now();
        await tx.done;
        this.timing.commit_wait_ms += performance.now() - t2;
      } catch (caught) {
        abortQuietly(tx);
        const e = caught instanceof LogGapError ? caught : (failed.error ?? caught);
        const gap = e instanceof LogGapError && reloads < MAX_GAP_RELOADS;
        if (gap || (errorName(e) === 'ConstraintError' && attempt < MAX_WRITE_ATTEMPTS)) {
          if (gap) reloads++;
          else this.conflicts++;
          try {
            await (gap ? this.reload() : this.refresh());
            continue;
          } catch (refreshError) {
            for (const job of group) job.reject(refreshError);
            return;
          }
        }
        const error = e instanceof DOMException ? describeStorageError(e, `storing ${group.length === 1 ? 'the batch' : `${group.length} batches`} of ${items} transaction${items === 1 ? '' : 's'}`) : e;
        for (const job of group) job.reject(error);
        return;
      }
      const t3 = performance.now();
      let committed = false;
      for (const outcome of outcomes) {
        if (!('record' in outcome) || !outcome.record) continue;
        this.view.commitOverlay(outcome.overlay, outcome.record);
        this.logTotal += outcome.record.n;
        committed = true;
        this.emit(outcome.record);
      }
      if (committed) this.announce();
      this.timing.apply_ms += performance.now() - t3;
      this.timing.batches += group.length;
      this.timing.writes++;
      for (let i = 0; i < group.length; i++) {
        const outcome = outcomes[i];
        if ('error' in outcome) group[i].reject(outcome.error);
        else group[i].resolve(outcome);
      }
      this.maybeCompact();
      this.maybePrune();
      return;
    }
  }

  history(userId: string): Promise<HistoryEntry[]> {
    return this.exclusive(async () => {
      await this.refresh();
      return this.view.history(userId).slice();
    });
  }

  async decisions(q: NormalizedQuery): Promise<StoredDecision[]> {
    this.assertOpen();
    const out: StoredDecision[] = [];
    if (q.limit === 0) return out;
    try {
      const tx = this.db.transaction(['log', 'labels'], 'readonly');
      const labels = new Map((await tx.objectStore('labels').getAll()).map((l) => [l.transaction_id, l.label] as const));
      const log = tx.objectStore('log');
      const newest = await log.openKeyCursor(null, 'prev');
      let hi = newest ? newest.key : 0;
      // Retention removed the records below the lowest one left.
      const floor = newest ? ((await log.getKey(IDBKeyRange.lowerBound(0))) ?? 1) - 1 : 0;
      // Read backwards in growing windows of sequence numbers: few requests for small limits, few for large ones.
      let window = 8;
      scan: while (hi > floor) {
        const lo = Math.max(floor, hi - window);
        const records = await log.getAll(IDBKeyRange.bound(lo, hi, true, false));
        for (let i = records.length - 1; i >= 0; i--) if (!takeDecisions(records[i], q, labels, out)) break scan;
        hi = lo;
        window = Math.min(window * 2, 1024);
      }
      await tx.done;
    } catch (e) {
      throw e instanceof DOMException ? describeStorageError(e, 'reading the decision log') : e;
    }
    return out;
  }

  label(transactionId: string, label: AnalystLabel): Promise<void> {
    return this.exclusive(() =>
      this.gapSafe(async () => {
        const tx = this.writeTransaction(['log', 'labels']);
        const failed = new FirstError();
        try {
          await this.catchUp(tx.objectStore('log'));
          const seq = this.view.decided.get(transactionId);
          if (seq === undefined) throw noDecisionError(transactionId);
          tx.objectStore('labels').put({ transaction_id: transactionId, label, labelled_at: this.settings.now(), seq }).catch(failed.keep);
          await tx.done;
        } catch (caught) {
          abortQuietly(tx);
          const e = failed.error ?? caught;
          throw e instanceof DOMException ? describeStorageError(e, `storing the label of ${JSON.stringify(transactionId)}`) : e;
        }
      }),
    );
  }

  clearHistory(userId: string | null): Promise<void> {
    return this.exclusive(() =>
      this.gapSafe(async () => {
        const tx = this.writeTransaction(['log', 'catalog']);
        const log = tx.objectStore('log');
        const failed = new FirstError();
        let record: LogRecord;
        try {
          await this.catchUp(log);
          record = encodeClear(this.view.lastSeq + 1, this.settings.now(), this.settings.writer, userId);
          log.add(record).catch(failed.keep);
          tx.objectStore('catalog')
            .add({ seq: record.seq, at: record.at, n: 0, total: this.logTotal } satisfies CatalogEntry)
            .catch(failed.keep);
          await tx.done;
        } catch (caught) {
          abortQuietly(tx);
          const e = failed.error ?? caught;
          throw e instanceof DOMException ? describeStorageError(e, 'clearing history') : e;
        }
        this.view.apply(record);
        this.emit(record);
        this.announce();
      }),
    );
  }

  stats(): StorageStats {
    return {
      kind: this.kind,
      ...this.view.stats(),
      timing: { ...this.timing },
      conflicts: this.conflicts,
      compactions: this.compactions,
      lastCompactionMs: this.lastCompactionMs,
      lastCompactionBlockingMs: this.lastCompactionBlockingMs,
      lastCompactionError: this.lastCompactionError,
      log: { ...this.logStats },
      followed: this.followed,
    };
  }

  close(): void {
    if (this.closedReason === null) this.closedReason = 'the service closed it';
    this.channel?.close();
    this.channel = null;
    this.db.close();
  }

  /** Queues a prune when the last one is at least `pruneIntervalMs` old. */
  private maybePrune(): void {
    const r = this.settings.logRetention;
    if (this.pruneQueued || (r.maxAgeMs === Infinity && r.maxDecisions === Infinity)) return;
    if (this.settings.now() - this.lastPruneAt < r.pruneIntervalMs) return;
    this.pruneQueued = true;
    void this.exclusive(() => this.gapSafe(() => this.pruneNow()))
      .then(
        () => (this.logStats.lastPruneError = null),
        (e: unknown) => {
          // Nothing was removed; the next prune tries again.
          this.logStats.lastPruneError = e instanceof Error ? e.message : String(e);
        },
      )
      .finally(() => (this.pruneQueued = false));
  }

  /**
   * Removes the oldest log records beyond retention, with their catalog entries and labels, in
   * one transaction. Only records before all of: the oldest record holding an id idempotency
   * still remembers, the snapshot's next record (a cold start replays the ones after it), and the
   * newest record (its number tells a lagging worker where the log ends).
   */
  private async pruneNow(): Promise<void> {
    const t0 = performance.now();
    const now = this.settings.now();
    this.lastPruneAt = now;
    const { maxAgeMs, maxDecisions } = this.settings.logRetention;
    const tx = this.writeTransaction(['log', 'catalog', 'meta', 'labels']);
    const failed = new FirstError();
    let cut = 0;
    let records = 0;
    let decisions = 0;
    let firstSeq = 0;
    try {
      const log = tx.objectStore('log');
      await this.catchUp(log);
      const snapshot = (await tx.objectStore('meta').get('snapshot')) as SnapshotMeta | undefined;
      const newest = this.view.lastSeq;
      const limit = Math.min(this.view.decided.oldestSeq() ?? newest, (snapshot?.seq ?? 0) + 1, newest);
      const catalog = tx.objectStore('catalog');
      let from = (await catalog.getKey(IDBKeyRange.lowerBound(0))) ?? limit;
      firstSeq = from;
      scan: while (from < limit) {
        const entries = await catalog.getAll(IDBKeyRange.bound(from, limit, false, true), CATALOG_PAGE);
        for (const e of entries) {
          // Decisions after record e: the running totals differ by exactly those.
          if (!(e.at < now - maxAgeMs || this.logTotal - e.total >= maxDecisions)) break scan;
          cut = e.seq + 1;
          records++;
          decisions += e.n;
        }
        if (entries.length < CATALOG_PAGE) break;
        from = entries[entries.length - 1].seq + 1;
      }
      if (cut > 0) {
        const removed = IDBKeyRange.upperBound(cut, true);
        log.delete(removed).catch(failed.keep);
        catalog.delete(removed).catch(failed.keep);
        const labels = tx.objectStore('labels');
        for (const id of await labels.index('seq').getAllKeys(removed)) labels.delete(id).catch(failed.keep);
        firstSeq = cut;
      }
      await tx.done;
    } catch (caught) {
      abortQuietly(tx);
      const e = failed.error ?? caught;
      throw e instanceof DOMException ? describeStorageError(e, 'removing old decisions from the log') : e;
    }
    this.logStats.prunes++;
    this.logStats.prunedRecords += records;
    this.logStats.prunedDecisions += decisions;
    this.logStats.firstSeq = firstSeq;
    this.logStats.lastPruneMs = performance.now() - t0;
  }

  private maybeCompact(): void {
    const s = this.view.stats();
    if (this.compactionQueued || s.entriesSinceSnapshot < Math.max(this.settings.compactAfterEntries, this.settings.compactRatio * s.entries)) return;
    this.compactionQueued = true;
    void this.exclusive(() => this.gapSafe(() => this.startCompaction()))
      .then((committed) => committed())
      .catch((e: unknown) => {
        // The log is complete without the snapshot; only the next cold start is slower.
        this.lastCompactionError = e instanceof Error ? e.message : String(e);
      })
      .finally(() => (this.compactionQueued = false));
  }

  /**
   * Writes a snapshot of the view. Only catching up and freezing the snapshot wait for the
   * batches in flight (run by {@link exclusive}); its writes go to stores that scoring never
   * touches, so batches go on scoring and committing while the browser writes it. The values are
   * cloned when they are put, so later batches cannot change what is written.
   * Returns the wait for the commit.
   */
  private async startCompaction(): Promise<() => Promise<void>> {
    const t0 = performance.now();
    try {
      const read = this.db.transaction('log', 'readonly');
      await this.catchUp(read.objectStore('log'));
      await read.done;
    } catch (e) {
      throw e instanceof DOMException ? describeStorageError(e, 'reading the decision log') : e;
    }
    const seq = this.view.lastSeq;
    const covered = this.view.stats().entriesSinceSnapshot;
    const parts = this.view.toSnapshot(HISTORY_CHUNK_ROWS, INDEX_CHUNK_IDS);
    const index = parts.chunks.filter((c): c is IndexChunk => c.kind === 'index');
    const tx = this.writeTransaction(['snapshot', 'meta']);
    const failed = new FirstError();
    const metaStore = tx.objectStore('meta');
    const current = metaStore.get('snapshot') as Promise<SnapshotMeta | undefined>;
    current.catch(failed.keep);
    const snapshot = tx.objectStore('snapshot');
    snapshot.clear().catch(failed.keep);
    parts.chunks.forEach((c, i) => snapshot.put(c, i).catch(failed.keep));
    const meta: SnapshotMeta = { format: RECORD_FORMAT, seq, chunks: parts.chunks.length, users: parts.users, entries: parts.entries, ids: parts.ids, at: this.settings.now(), writer: this.settings.writer };
    metaStore.put(meta, 'snapshot').catch(failed.keep);
    const blockingMs = performance.now() - t0;
    return async () => {
      try {
        const other = await current;
        if (other && other.seq >= seq) {
          // Another worker wrote a snapshot as new or newer meanwhile: keep it, count from it.
          abortQuietly(tx);
          if (other.seq > this.view.snapshotSeq && other.seq <= this.view.lastSeq) this.view.markSnapshot(other.seq, null);
          return;
        }
        await tx.done;
      } catch (caught) {
        abortQuietly(tx);
        const e = failed.error ?? caught;
        throw e instanceof DOMException ? describeStorageError(e, 'writing a snapshot') : e;
      }
      this.view.markSnapshot(seq, index, covered);
      this.compactions++;
      this.lastCompactionMs = performance.now() - t0;
      this.lastCompactionBlockingMs = blockingMs;
    };
  }

  /** Brings the view up to date with other workers' records (read-only). */
  private refresh(): Promise<void> {
    return this.gapSafe(async () => {
      this.assertOpen();
      try {
        const tx = this.db.transaction('log', 'readonly');
        await this.catchUp(tx.objectStore('log'));
        await tx.done;
      } catch (e) {
        throw e instanceof DOMException ? describeStorageError(e, 'reading the decision log') : e;
      }
    });
  }

  private writeTransaction<S extends StoreNames<DetectorDB>>(stores: S[]): IDBPTransaction<DetectorDB, S[], 'readwrite'> {
    this.assertOpen();
    try {
      const tx = this.db.transaction(stores, 'readwrite', { durability: this.settings.durability });
      tx.done.catch(() => undefined); // observed where it matters; never an unhandled rejection
      return tx;
    } catch (e) {
      throw describeStorageError(e, 'starting a write');
    }
  }

  private assertOpen(): void {
    if (this.closedReason !== null) {
      throw new StorageError(`the detector database "${this.name}" is closed (${this.closedReason}); reload the page to reopen it`, StorageFailure.CLOSED);
    }
  }

  /** Runs `fn` after every earlier operation of this storage: the view changes in one order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The first failed request of a transaction: `tx.done` reports only "AbortError" while the abort is under way. */
class FirstError {
  error: unknown = undefined;
  readonly keep = (e: unknown): void => {
    this.error ??= e;
  };
}

function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted.
  }
}
