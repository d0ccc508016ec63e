/**
 * The detector service's API as the page sees it through Comlink. Plain data only crosses the
 * boundary (the JSON contract); callbacks are wrapped with `Comlink.proxy`.
 */
import type { DetectionResult, ErrorResult, HistoryEntry, RiskLevel, Recommendation, Transaction } from '../core/contract/types';
import type { DetectorConfig } from '../core/detector/detector';
import type { RetentionConfig } from '../core/history/history-store';

/**
 * How the service stores history and decisions. Every field has a documented default; see
 * `src/worker/README.md` for the storage design these tune.
 */
export interface StorageOptions {
  /** Per-user history retention (default `DEFAULT_RETENTION`: 200 entries, 90 days). */
  retention?: Partial<RetentionConfig>;
  /**
   * Transaction ids remembered for idempotency, oldest forgotten first (default 1,000,000, as the
   * in-memory store). Decisions themselves stay in the decision log.
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
}

/** What `init` and `loadModel` report. */
export interface ModelInfo {
  modelVersion: string;
  sha256: string;
  featureSet: string;
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

/** Live counters of the service. */
export interface MetricsSnapshot {
  transactions: number;
  errors: number;
  by_level: Record<RiskLevel, number>;
  by_recommendation: Record<Recommendation, number>;
  /** Scoring latency inside the worker, ms, over a recent window. */
  latency_ms: { p50: number; p95: number; p99: number };
  /** Transactions per second over the last few seconds. */
  throughput_per_s: number;
  high_risk_rate: number;
  model: ModelInfo;
  storage: StorageKind;
  /** Extra sections (drift, shadow model) added by later features. */
  [section: string]: unknown;
}

/** The service exposed by the worker. */
export interface DetectorService {
  init(init: DetectorInit): Promise<InitResult>;
  /** Replaces the model; on failure the previous model keeps scoring and the error says why. */
  loadModel(source: { url?: string; json?: unknown }): Promise<ModelInfo>;
  detect(txn: unknown): Promise<DetectionResult | ErrorResult>;
  detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>>;
  history(userId: string): Promise<HistoryEntry[]>;
  decisions(query?: DecisionQuery): Promise<StoredDecision[]>;
  /** Stores an analyst verdict with a decision. */
  label(transactionId: string, label: AnalystLabel): Promise<void>;
  clearHistory(userId?: string): Promise<void>;
  metrics(): Promise<MetricsSnapshot>;
  /**
   * Pushes the decisions each committed batch of this service added (changes only: repeats of
   * decided transactions are not pushed again); returns an unsubscribe handle id.
   */
  subscribe(callback: (decisions: StoredDecision[]) => void): Promise<number>;
  unsubscribe(id: number): Promise<void>;
  /** Liveness probe of the client's heartbeat: resolves with the worker's clock (epoch ms). */
  ping(): Promise<number>;
  /** Closes the database connection; calls other than `init` reject afterwards. */
  close(): Promise<void>;
}
