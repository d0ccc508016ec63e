/**
 * What the detector service needs from storage, and the logic both storages share: scoring a
 * batch against the view, finding prior decisions, and reading the decision log newest first.
 */
import type { DetectionResult, HistoryEntry, ParsedTransaction } from '../core/contract/types';
import { Recommendation, RiskLevel } from '../core/contract/types';
import type { HistoryTransaction, RetentionConfig } from '../core/history/history-store';
import type { BatchRecord, LogRecord } from './db-schema';
import type { BatchOverlay, HistorySource, HistoryView, ViewStats } from './history-view';
import { encodeBatch, findRow, rowStoredDecision, type RecordStamp } from './log-record';
import { RECOMMENDATIONS, RISK_LEVELS, rowResult } from './record-columns';
import { AnalystLabel, type DecisionQuery, type StorageKind, type StoredDecision } from './service-types';

/** Resolved decision-log retention (see `LogRetention`). */
export interface LogRetentionSettings {
  maxAgeMs: number;
  maxDecisions: number;
  pruneIntervalMs: number;
}

/** Resolved storage settings (see `StorageOptions` for the meaning and defaults). */
export interface StorageSettings {
  retention: RetentionConfig;
  maxDecisions: number;
  logRetention: LogRetentionSettings;
  compactAfterEntries: number;
  compactRatio: number;
  durability: 'default' | 'strict' | 'relaxed';
  /** Random id of this service instance, written into its records. */
  writer: string;
  /** Epoch ms (the decision time written into records). */
  now(): number;
}

/** Fault injection for tests: runs right before a batch's record is written. */
export interface StorageFaults {
  beforeCommit?(): void;
}

/** Result of deciding one batch. */
export interface BatchOutcome {
  /** One per input item, in order (repeats get the stored decision). */
  results: DetectionResult[];
  /** The committed record of the fresh decisions; null when every item was already decided. */
  record: BatchRecord | null;
  /** The scoring state of the batch, to take into the view once the record committed. */
  overlay: BatchOverlay;
}

/** Where the time of writing batches went, cumulative (ms). */
export interface WriteTiming {
  /** Batches written, and writes (IndexedDB transactions; a group commit writes several batches). */
  batches: number;
  writes: number;
  /** Scoring (the detector) and encoding the records. */
  score_ms: number;
  /** Handing the records to IndexedDB (structured clone). */
  store_ms: number;
  /** Waiting for the transactions to commit (the worker is free meanwhile). */
  commit_wait_ms: number;
  /** Taking the committed batches into the view. */
  apply_ms: number;
}

/** A zeroed {@link WriteTiming}. */
export function newWriteTiming(): WriteTiming {
  return { batches: 0, writes: 0, score_ms: 0, store_ms: 0, commit_wait_ms: 0, apply_ms: 0 };
}

/** What decision-log retention did (IndexedDB only). */
export interface LogRetentionStats {
  /** Lowest sequence number still in the log (0: the log is empty). */
  firstSeq: number;
  /** Prune runs, and the records and decisions they removed. */
  prunes: number;
  prunedRecords: number;
  prunedDecisions: number;
  lastPruneMs: number | null;
  lastPruneError: string | null;
}

/** Sizes and state of a storage, for `metrics()`. */
export interface StorageStats extends ViewStats {
  kind: StorageKind;
  timing: WriteTiming;
  /** Batches scored again because another worker appended first (IndexedDB only). */
  conflicts: number;
  compactions: number;
  lastCompactionMs: number | null;
  /** Of that, the time scoring waited: catching up and freezing the snapshot (ms). */
  lastCompactionBlockingMs: number | null;
  lastCompactionError: string | null;
  /** Decision-log retention; null for in-memory storage (bounded by `maxDecisions` instead). */
  log: LogRetentionStats | null;
  /** Records of other workers read after they announced them (to push them to subscribers). */
  followed: number;
}

/** Where history and decisions live. Every method is atomic. */
export interface DetectorStorage {
  readonly kind: StorageKind;
  /**
   * Decides `items` (validated) as one unit: brings the view up to date with the log, runs
   * `decide` against it, and resolves once the batch's record is committed. On failure nothing of
   * the batch is stored and the view is unchanged.
   */
  decide(items: readonly ParsedTransaction[], decide: (tx: HistoryTransaction) => DetectionResult[], stamp: Omit<RecordStamp, 'writer'>): Promise<BatchOutcome>;
  history(userId: string): Promise<HistoryEntry[]>;
  decisions(query: NormalizedQuery): Promise<StoredDecision[]>;
  label(transactionId: string, label: AnalystLabel): Promise<void>;
  clearHistory(userId: string | null): Promise<void>;
  stats(): StorageStats;
  /**
   * Called with every log record the view takes in, in sequence order, once: this storage's own
   * committed records and those of other workers it read. Not called for records before `init`.
   */
  onCommitted: ((record: LogRecord) => void) | null;
  /**
   * Turns following other workers on or off: when on, records other workers announce are read
   * soon after they commit (and reach `onCommitted`). Turning it on catches up first, so that
   * only records committed after the call reach `onCommitted` afterwards.
   */
  follow(on: boolean): Promise<void>;
  close(): void;
}

/**
 * Scores a batch against the view, or against `source` (the overlay of an earlier batch of the
 * same write), synchronously, and encodes its record with sequence number `seq`. The view is not
 * changed: take the overlay in once the record committed.
 */
export function scoreBatch(
  view: HistoryView,
  items: readonly ParsedTransaction[],
  priors: ReadonlyMap<string, DetectionResult>,
  decide: (tx: HistoryTransaction) => DetectionResult[],
  seq: number,
  at: number,
  stamp: RecordStamp,
  source: HistorySource = view,
): BatchOutcome {
  const overlay = view.overlay(priors, source);
  const results = decide(overlay);
  if (overlay.decisions.length === 0) return { results, record: null, overlay };
  return { results, record: encodeBatch(seq, at, stamp, overlay.decisions, items, overlay.entries), overlay };
}

/** The log records holding decisions of `items` already taken: sequence number → ids. */
export function priorLocations(view: HistoryView, items: readonly ParsedTransaction[]): Map<number, string[]> {
  const bySeq = new Map<number, string[]>();
  for (const t of items) {
    const seq = view.decided.get(t.transaction_id);
    if (seq === undefined) continue;
    const ids = bySeq.get(seq);
    if (ids) ids.push(t.transaction_id);
    else bySeq.set(seq, [t.transaction_id]);
  }
  return bySeq;
}

/** Adds the decisions of `ids` found in `rec` to `priors`. */
export function collectPriors(rec: LogRecord | undefined, ids: readonly string[], priors: Map<string, DetectionResult>): void {
  if (!rec || rec.kind !== 'batch') return;
  for (const id of ids) {
    const k = findRow(rec, id);
    if (k >= 0) priors.set(id, rowResult(rec, k));
  }
}

/** A validated decision query. */
export interface NormalizedQuery {
  since: number | undefined;
  level: number | undefined;
  recommendation: number | undefined;
  limit: number;
}

/** Default `limit` of `decisions()`. */
export const DEFAULT_DECISION_LIMIT = 1000;

/** Validates a query; errors name the field. */
export function normalizeQuery(q: DecisionQuery | undefined): NormalizedQuery {
  const query = q ?? {};
  if (typeof query !== 'object') throw new TypeError(`decisions(query): query must be an object, got ${typeof query}`);
  const { since, level, recommendation, limit } = query;
  if (since !== undefined && (typeof since !== 'number' || !Number.isFinite(since))) throw new TypeError(`decisions(query): since must be epoch milliseconds (a finite number), got ${JSON.stringify(since)}`);
  if (level !== undefined && !RISK_LEVELS.includes(level)) throw new TypeError(`decisions(query): level must be one of ${Object.values(RiskLevel).join(', ')}, got ${JSON.stringify(level)}`);
  if (recommendation !== undefined && !RECOMMENDATIONS.includes(recommendation)) {
    throw new TypeError(`decisions(query): recommendation must be one of ${Object.values(Recommendation).join(', ')}, got ${JSON.stringify(recommendation)}`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) throw new TypeError(`decisions(query): limit must be an integer >= 0, got ${JSON.stringify(limit)}`);
  return {
    since,
    level: level === undefined ? undefined : RISK_LEVELS.indexOf(level),
    recommendation: recommendation === undefined ? undefined : RECOMMENDATIONS.indexOf(recommendation),
    limit: limit ?? DEFAULT_DECISION_LIMIT,
  };
}

/**
 * Appends the rows of `rec` that match `q`, newest first, to `out`. Returns false once no older
 * record can match (the limit is reached or `rec` is older than `since`).
 */
export function takeDecisions(rec: LogRecord, q: NormalizedQuery, labels: ReadonlyMap<string, AnalystLabel>, out: StoredDecision[]): boolean {
  if (out.length >= q.limit) return false;
  if (q.since !== undefined && rec.at < q.since) return false;
  if (rec.kind !== 'batch') return true;
  for (let k = rec.n - 1; k >= 0; k--) {
    if (q.level !== undefined && rec.risk_level[k] !== q.level) continue;
    if (q.recommendation !== undefined && rec.recommendation[k] !== q.recommendation) continue;
    const d = rowStoredDecision(rec, k);
    const label = labels.get(d.transaction_id);
    if (label !== undefined) d.analyst_label = label;
    out.push(d);
    if (out.length >= q.limit) return false;
  }
  return true;
}

/** Throws unless `label` is an {@link AnalystLabel}. */
export function checkLabel(label: unknown): asserts label is AnalystLabel {
  const values = Object.values(AnalystLabel) as unknown[];
  if (!values.includes(label)) throw new TypeError(`label must be one of ${values.map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(label)}`);
}

/** An error for labelling a transaction without a decision. */
export function noDecisionError(transactionId: string): Error {
  return new Error(`cannot label transaction_id ${JSON.stringify(transactionId)}: no decision for it is remembered`);
}
