/**
 * The detector service's API as the page sees it through Comlink. Plain data only crosses the
 * boundary (the JSON contract); callbacks are wrapped with `Comlink.proxy`.
 */
import type { DetectionResult, ErrorResult, HistoryEntry, RiskLevel, Recommendation, Transaction } from '../core/contract/types';
import type { DetectorConfig } from '../core/detector/detector';
import type { RetentionConfig } from '../core/history/history-store';
import type { DriftConfig, DriftReport } from '../core/monitoring/drift';
import type { BatchRecord } from './db-schema';
import type { PackedTransactions } from './packed-transactions';
import type { ShadowStats } from '../core/monitoring/shadow';

/**
 * Retention of the decision log (the audit trail). The oldest records leave the log once they are
 * older than `maxAgeMs` or beyond the newest `maxDecisions` decisions, with three exceptions that
 * keep the storage's guarantees: a record holding a decision idempotency still remembers (the
 * last `storage.maxDecisions` ids) stays, so a repeated `transaction_id` keeps getting its first
 * decision; a record after the last snapshot stays (a cold start replays it); and the newest
 * record stays. Analyst labels of removed decisions go with them. The prune runs in the
 * background, in one IndexedDB transaction, at most every `pruneIntervalMs`. In-memory storage
 * keeps its own bound (`storage.maxDecisions` decisions) instead.
 */
export interface LogRetention {
  /** Decisions older than this many ms leave the log (default 400 days: a year of audits and disputes, plus a month). `Infinity` keeps them. */
  maxAgeMs?: number;
  /**
   * At most about this many decisions, the newest, are kept (default 5,000,000: about 500 MB of
   * log). `Infinity` keeps them. Must be at least `storage.maxDecisions`.
   */
  maxDecisions?: number;
  /** The prune runs after a write once this many ms passed since the last one (default 60,000). */
  pruneIntervalMs?: number;
}

/** Drift and shadow-model monitoring; every field has a documented default. */
export interface MonitoringOptions {
  /**
   * The champion's drift monitor (default: the core's `DEFAULT_DRIFT_CONFIG`: PSI over the last
   * 5,000 transactions, a warning above 0.2, none before 500 transactions); `false` turns it off.
   */
  drift?: Partial<DriftConfig> | false;
  /** Disagreements of champion and shadow listed in `metrics().shadow`, the newest (default 100). */
  maxDisagreements?: number;
}

/**
 * How the service stores history and decisions. Every field has a documented default; see
 * `src/worker/README.md` for the storage design these tune.
 */
export interface StorageOptions {
  /** Per-user history retention (default `DEFAULT_RETENTION`: 100 entries, 90 days). */
  retention?: Partial<RetentionConfig>;
  /**
   * Transaction ids remembered for idempotency, oldest forgotten first (default 1,000,000, as the
   * in-memory store). Decisions themselves stay in the decision log (see `logRetention`, which
   * never removes one that idempotency still answers).
   */
  maxDecisions?: number;
  /** Write a snapshot once at least this many history entries were logged since the last one (default 100,000). */
  compactAfterEntries?: number;
  /** ...and at least this fraction of the history held (default 0.25), so compaction costs O(1) per entry. */
  compactRatio?: number;
  /** IndexedDB transaction durability (default 'default', the browser's choice). */
  durability?: 'default' | 'strict' | 'relaxed';
  /** Keep everything in memory even where IndexedDB exists (tests, kiosks with no persistence). */
  memoryOnly?: boolean;
  /** Retention of the decision log (defaults: 400 days, 5,000,000 decisions; see {@link LogRetention}). */
  logRetention?: LogRetention;
}

/** How the service is started. */
export interface DetectorInit {
  /** URL of the model file (fetched, validated, hash-verified, cached for offline use). */
  modelUrl?: string;
  /** Or the model file's JSON itself. */
  modelJson?: unknown;
  /** IndexedDB database name (one per tenant/test). */
  dbName: string;
  config?: Partial<DetectorConfig>;
  storage?: StorageOptions;
  monitoring?: MonitoringOptions;
}

/** What `init` and `loadModel` report. */
export interface ModelInfo {
  modelVersion: string;
  sha256: string;
  featureSet: string;
  /**
   * How the forest is walked here: 'wasm', or 'js' where WebAssembly is missing or refused (a
   * Content-Security-Policy without 'wasm-unsafe-eval'). Same scores either way, 'wasm' about 2x faster.
   */
  forestEngine: 'wasm' | 'js';
  /** Where the model came from: fetched from its URL, the offline cache, or JSON given by the caller. */
  source?: 'url' | 'cache' | 'json';
}

/** Where history lives: IndexedDB, or memory when IndexedDB is unavailable (said so in `warning`). */
export type StorageKind = 'indexeddb' | 'memory';

/** Result of `init`. */
export interface InitResult extends ModelInfo {
  storage: StorageKind;
  /** Set when the service runs degraded (e.g. no IndexedDB: history is in memory only). */
  warning?: string;
}

/** Analyst verdict stored with a decision. */
export const AnalystLabel = { CONFIRMED_FRAUD: 'confirmed_fraud', LEGITIMATE: 'legitimate' } as const;
export type AnalystLabel = (typeof AnalystLabel)[keyof typeof AnalystLabel];

/** A decision as kept in the decision log (the audit trail). */
export interface StoredDecision extends DetectionResult {
  /** When the decision was taken (epoch ms, worker clock). */
  decided_at: number;
  model_sha256: string;
  /** The transaction as received (validated fields only). */
  transaction: Transaction;
  analyst_label?: AnalystLabel;
}

/** Filter of `decisions()`; newest first. */
export interface DecisionQuery {
  /** Only decisions taken at or after this epoch ms. */
  since?: number;
  level?: RiskLevel;
  recommendation?: Recommendation;
  /** At most this many (default 1,000). */
  limit?: number;
}

/** The champion, the shadow and whether a promotion can be rolled back. */
export interface ModelsInfo {
  champion: ModelInfo;
  /** Null when no shadow model is loaded. */
  shadow: ModelInfo | null;
  /** True after `promoteShadow` until `rollbackPromotion` (or a new `loadModel`). */
  canRollback: boolean;
}

/** The shadow section of `metrics()`: agreement with the champion since the shadow was loaded or the last promotion/rollback. */
export interface ShadowSection extends ShadowStats {
  can_rollback: boolean;
}

/** The live counters of the service (the counters part of {@link MetricsSnapshot}). */
export interface CounterSnapshot {
  transactions: number;
  /** Items answered with a decision taken earlier (idempotent repeats; not in `transactions`). */
  repeats: number;
  errors: number;
  by_level: Record<RiskLevel, number>;
  by_recommendation: Record<Recommendation, number>;
  /** Scoring latency inside the worker, ms, over a recent window. */
  latency_ms: { p50: number; p95: number; p99: number };
  /** Transactions per second over the last few seconds. */
  throughput_per_s: number;
  high_risk_rate: number;
}

/** Live counters of the service, the model, the storage and the monitoring sections. */
export interface MetricsSnapshot extends CounterSnapshot {
  model: ModelInfo;
  storage: StorageKind;
  /**
   * PSI of every feature and of the score over the champion's recent traffic (this worker's), with
   * the warnings; absent when `monitoring.drift` is false.
   */
  drift?: DriftReport;
  /** Agreement of champion and shadow, and their recent disagreements; absent without a shadow. */
  shadow?: ShadowSection;
  /** Set when the service runs degraded (see `InitResult.warning`). */
  warning?: string;
  /** Further sections (storage state, ...). */
  [section: string]: unknown;
}

/**
 * The results of `detectBatch` as they cross from the worker to the page: the fresh decisions as
 * the rows of the batch's committed log record (columns: a few buffers to copy instead of a
 * thousand objects to clone), objects only for the rest (repeats, rejected items). Turned back
 * into results by `unpackBatchResults` (record-columns.ts).
 */
export interface PackedBatchResults {
  /** The committed record of the batch's fresh decisions (null: none). */
  record: BatchRecord | null;
  /** Item `i`'s result is row `rows[i]` of `record`, or, where -1, the next of `others`. */
  rows: Int32Array;
  /** The results that are not rows of `record`, in item order. */
  others: Array<DetectionResult | ErrorResult>;
}

/** The service exposed by the worker. */
export interface DetectorService {
  init(init: DetectorInit): Promise<InitResult>;
  /** Replaces the model; on failure the previous model keeps scoring and the error says why. */
  loadModel(source: { url?: string; json?: unknown }): Promise<ModelInfo>;
  detect(txn: unknown): Promise<DetectionResult | ErrorResult>;
  detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>>;
  /**
   * `detectBatch` with the batch packed both ways, as the client calls it: the transactions as
   * `packTransactions` (packed-transactions.ts) gives them, the results as {@link PackedBatchResults}.
   */
  detectBatchPacked(txns: PackedTransactions): Promise<PackedBatchResults>;
  history(userId: string): Promise<HistoryEntry[]>;
  decisions(query?: DecisionQuery): Promise<StoredDecision[]>;
  /** Stores an analyst verdict with a decision. */
  label(transactionId: string, label: AnalystLabel): Promise<void>;
  clearHistory(userId?: string): Promise<void>;
  metrics(): Promise<MetricsSnapshot>;
  /**
   * The metrics in the Prometheus text exposition format (version 0.0.4): transactions by risk
   * level and recommendation, rejected inputs, a histogram of scoring latency, the model, drift
   * gauges and, with a shadow, its agreement.
   */
  metricsText(): Promise<string>;
  /**
   * Loads a second model as the shadow, validated as `loadModel` does: every transaction is also
   * scored by it, decisions come only from the champion. On failure the previous shadow (or none)
   * stays and the error says why.
   */
  loadShadowModel(source: { url?: string; json?: unknown }): Promise<ModelsInfo>;
  /** Stops scoring with the shadow. */
  unloadShadowModel(): Promise<ModelsInfo>;
  /** The shadow becomes the champion and the champion the shadow, in one step, between batches. */
  promoteShadow(): Promise<ModelsInfo>;
  /** Undoes the last promotion. */
  rollbackPromotion(): Promise<ModelsInfo>;
  /**
   * Pushes the decisions each committed batch added, in log order: this service's and, on
   * IndexedDB, those other workers on the same database committed (other tabs, announced on a
   * BroadcastChannel and read from the log). Changes only: repeats of decided transactions are
   * not pushed again, and no batch is pushed twice. Returns an unsubscribe handle id.
   */
  subscribe(callback: (decisions: StoredDecision[]) => void): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /** Liveness probe of the client's heartbeat: resolves with the worker's clock (epoch ms). */
  ping(): Promise<number>;
  /** Closes the database connection; calls other than `init` reject afterwards. */
  close(): Promise<void>;
}
