/**
 * History and decisions in memory, for contexts without IndexedDB (private modes, sandboxed
 * frames) or when asked to. The same view and record format as the IndexedDB storage, so the
 * detector behaves identically, but nothing survives the worker. Bounded: the decision log keeps
 * the newest `maxDecisions` decisions, and the idempotency index forgets the dropped ones with them.
 */
import type { DetectionResult, HistoryEntry, ParsedTransaction } from '../core/contract/types';
import type { HistoryTransaction } from '../core/history/history-store';
import type { LogRecord } from './db-schema';
import {
  collectPriors,
  noDecisionError,
  priorLocations,
  scoreBatch,
  takeDecisions,
  type BatchOutcome,
  type DetectorStorage,
  type NormalizedQuery,
  type StorageSettings,
  type StorageStats,
  newWriteTiming,
} from './detector-storage';
import { HistoryView } from './history-view';
import { encodeClear, type RecordStamp } from './log-record';
import { rowId } from './record-columns';
import type { AnalystLabel, StoredDecision } from './service-types';

/** The in-memory storage of one detector service. */
export class MemoryStorage implements DetectorStorage {
  readonly kind = 'memory' as const;
  private readonly view: HistoryView;
  private readonly log: LogRecord[] = [];
  /** Records below this index were dropped (the array is trimmed now and then). */
  private head = 0;
  private readonly bySeq = new Map<number, LogRecord>();
  private readonly labels = new Map<string, AnalystLabel>();
  private rows = 0;
  private readonly timing = newWriteTiming();
  onCommitted: ((record: LogRecord) => void) | null = null;

  constructor(private readonly settings: StorageSettings) {
    // The log's bound applies; the index only forgets what the log dropped.
    this.view = new HistoryView(settings.retention, Infinity);
  }

  async decide(items: readonly ParsedTransaction[], decide: (tx: HistoryTransaction) => DetectionResult[], stamp: Omit<RecordStamp, 'writer'>): Promise<BatchOutcome> {
    const priors = new Map<string, DetectionResult>();
    for (const [seq, ids] of priorLocations(this.view, items)) collectPriors(this.bySeq.get(seq), ids, priors);
    const t0 = performance.now();
    const outcome = scoreBatch(this.view, items, priors, decide, this.view.lastSeq + 1, this.settings.now(), { ...stamp, writer: this.settings.writer });
    const t1 = performance.now();
    this.timing.score_ms += t1 - t0;
    if (outcome.record) {
      this.view.commitOverlay(outcome.overlay, outcome.record);
      this.append(outcome.record);
    }
    this.timing.apply_ms += performance.now() - t1;
    this.timing.batches++;
    return outcome;
  }

  async history(userId: string): Promise<HistoryEntry[]> {
    return this.view.history(userId).slice();
  }

  async decisions(q: NormalizedQuery): Promise<StoredDecision[]> {
    const out: StoredDecision[] = [];
    for (let i = this.log.length - 1; i >= this.head; i--) if (!takeDecisions(this.log[i], q, this.labels, out)) break;
    return out;
  }

  async label(transactionId: string, label: AnalystLabel): Promise<void> {
    if (!this.view.decided.has(transactionId)) throw noDecisionError(transactionId);
    this.labels.set(transactionId, label);
  }

  async clearHistory(userId: string | null): Promise<void> {
    this.append(encodeClear(this.view.lastSeq + 1, this.settings.now(), this.settings.writer, userId));
  }

  stats(): StorageStats {
    return { kind: this.kind, ...this.view.stats(), timing: { ...this.timing }, conflicts: 0, compactions: 0, lastCompactionMs: null, lastCompactionBlockingMs: null, lastCompactionError: null, log: null, followed: 0 };
  }

  async follow(): Promise<void> {
    // No other writer shares memory.
  }

  close(): void {
    // Nothing to release.
  }

  private append(record: LogRecord): void {
    this.view.apply(record);
    this.log.push(record);
    this.bySeq.set(record.seq, record);
    this.onCommitted?.(record);
    if (record.kind !== 'batch') return;
    this.rows += record.n;
    while (this.rows > this.settings.maxDecisions && this.log.length - this.head > 1) {
      const old = this.log[this.head++];
      this.bySeq.delete(old.seq);
      if (old.kind !== 'batch') continue;
      this.rows -= old.n;
      for (let k = 0; k < old.n; k++) {
        const id = rowId(old, k);
        this.view.decided.delete(id, old.seq);
        this.labels.delete(id);
      }
    }
    if (this.head > 1024 && this.head * 2 > this.log.length) {
      this.log.splice(0, this.head);
      this.head = 0;
    }
  }
}
