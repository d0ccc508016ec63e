/**
 * The detector service: what the worker exposes through Comlink, as a plain factory that also
 * runs directly (tests, embedders with their own worker). It owns the models (the champion,
 * fetched, validated, cached and replaced only by a model that passed; an optional shadow; their
 * drift and agreement monitoring), the storage (IndexedDB, or memory where there is none, said
 * so), the metrics and the subscriptions.
 */
import type { DetectionResult, ErrorResult, HistoryEntry, ParsedTransaction } from '../core/contract/types';
import { DEFAULT_RETENTION, type RetentionConfig } from '../core/history/history-store';
import type { BatchRecord, LogRecord } from './db-schema';
import { checkLabel, normalizeQuery, type DetectorStorage, type StorageFaults, type StorageSettings } from './detector-storage';
import { IdbStorage } from './idb-storage';
import { rowStoredDecision } from './log-record';
import { packBatchResults } from './record-columns';
import { isPackedTransactions, unpackTransactions, type PackedTransactions } from './packed-transactions';
import { MemoryStorage } from './memory-storage';
import { loadModelJson, loadModelUrl, type ModelLoad, type ModelSourceDeps } from './model-source';
import { ServiceMetrics } from './service-metrics';
import { resolveMonitoring, ServiceModels, type MonitoringSettings, type Staged } from './service-models';
import type {
  PackedBatchResults,
  AnalystLabel,
  DecisionQuery,
  DetectorInit,
  DetectorService,
  InitResult,
  MetricsSnapshot,
  ModelInfo,
  ModelsInfo,
  StorageOptions,
  StoredDecision,
} from './service-types';
import { StorageError, StorageFailure } from './storage-errors';

/** What the service takes from its realm; every field defaults to the global. */
export interface DetectorServiceOptions {
  /** IndexedDB; `null` runs without it (in-memory storage, said so in `InitResult.warning`). */
  indexedDB?: IDBFactory | null;
  fetch?: typeof fetch;
  /** Cache Storage for the offline model copy; `null`: no offline copy. */
  caches?: CacheStorage | null;
  /** Fault injection for tests (e.g. a QuotaExceededError right before a batch commits). */
  faults?: StorageFaults;
}

const DAY_MS = 86_400_000;

/** Defaults of {@link StorageOptions}. */
export const DEFAULT_STORAGE_OPTIONS = Object.freeze({
  maxDecisions: 1_000_000,
  compactAfterEntries: 100_000,
  compactRatio: 0.25,
  durability: 'default' as const,
  logRetention: Object.freeze({
    /** 400 days: a year of audits and card disputes, plus a month. */
    maxAgeMs: 400 * DAY_MS,
    /** About 500 MB of log at ~100 bytes per decision. */
    maxDecisions: 5_000_000,
    pruneIntervalMs: 60_000,
  }),
});

const NOT_INITIALISED = 'the detector is not initialised: call init({ modelUrl, dbName }) first';
const NO_INDEXEDDB =
  'IndexedDB is not available here (private browsing or a restricted frame): history and decisions are kept in memory only and are lost when the worker stops';

interface State {
  init: DetectorInit;
  storage: DetectorStorage;
  models: ServiceModels;
  monitoring: MonitoringSettings;
  warning: string | undefined;
}

/** Creates a detector service (not initialised: call `init`). */
export function createDetectorService(options: DetectorServiceOptions = {}): DetectorService {
  const deps: ModelSourceDeps = {
    fetch: options.fetch ?? ((input, initArg) => fetch(input, initArg)),
    caches: options.caches !== undefined ? options.caches : typeof caches === 'undefined' ? null : caches,
    baseUrl: typeof location === 'undefined' ? undefined : location.href,
  };
  const writer = randomId();
  let state: State | null = null;
  let metrics = new ServiceMetrics();
  const subscribers = new Map<number, (decisions: StoredDecision[]) => unknown>();
  let nextSubscriber = 1;
  // Models change only between batches: a change waits for the batches being scored, and new
  // batches wait for the change (a batch is scored, stamped and monitored with one set of models).
  let scoring = 0;
  let whenIdle: Array<() => void> = [];
  let changing: Promise<unknown> | null = null;

  function ready(): State {
    if (!state) throw new Error(NOT_INITIALISED);
    return state;
  }

  async function changeModels<T>(fn: (s: State) => T): Promise<T> {
    while (changing) await changing.catch(() => undefined);
    const run = (async () => {
      if (scoring > 0) await new Promise<void>((resolve) => whenIdle.push(resolve));
      return fn(ready());
    })();
    changing = run;
    try {
      return await run;
    } finally {
      if (changing === run) changing = null;
    }
  }

  async function loadSource(source: { url?: string; json?: unknown }, call: string): Promise<ModelLoad> {
    if (typeof source !== 'object' || source === null || (source.url === undefined) === (source.json === undefined)) {
      throw new TypeError(`${call}: give exactly one of { url } and { json }`);
    }
    return source.json !== undefined ? loadModelJson(source.json) : loadModelUrl(String(source.url), deps);
  }

  async function openStorage(name: string, settings: StorageSettings, memoryOnly: boolean): Promise<{ storage: DetectorStorage; warning?: string }> {
    if (memoryOnly) return { storage: new MemoryStorage(settings), warning: 'storage.memoryOnly is set: history and decisions are kept in memory only and are lost when the worker stops' };
    const factory = options.indexedDB !== undefined ? options.indexedDB : typeof indexedDB === 'undefined' ? null : indexedDB;
    if (!factory) return { storage: new MemoryStorage(settings), warning: NO_INDEXEDDB };
    try {
      return { storage: await IdbStorage.open(factory, name, settings, options.faults) };
    } catch (e) {
      if (e instanceof StorageError && e.failure === StorageFailure.UNAVAILABLE) {
        return { storage: new MemoryStorage(settings), warning: `${NO_INDEXEDDB} (${e.message})` };
      }
      throw e;
    }
  }

  /** Pushes a committed record's decisions (this worker's or another's) to the subscribers. */
  function notify(record: LogRecord): void {
    if (subscribers.size === 0 || record.kind !== 'batch' || record.n === 0) return;
    const decisions: StoredDecision[] = new Array(record.n);
    for (let k = 0; k < record.n; k++) decisions[k] = rowStoredDecision(record, k);
    for (const [id, callback] of subscribers) {
      try {
        const r = callback(decisions);
        // A Comlink proxy returns a promise; a rejected one means the page side is gone.
        if (r instanceof Promise) r.catch(() => drop(id));
      } catch {
        drop(id);
      }
    }
  }

  function drop(id: number): void {
    if (!subscribers.delete(id) || subscribers.size > 0) return;
    void state?.storage.follow(false).catch(() => undefined);
  }

  async function detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>> {
    return (await decideBatch(txns)).results;
  }

  /** Decides a batch: the results, with the committed record of its fresh decisions (in row order). */
  async function decideBatch(txns: unknown[]): Promise<{ results: Array<DetectionResult | ErrorResult>; record: BatchRecord | null; fresh: readonly DetectionResult[] }> {
    ready();
    if (!Array.isArray(txns)) throw new TypeError(`detectBatch expects an array of transactions, got ${txns === null ? 'null' : typeof txns}`);
    while (changing) await changing.catch(() => undefined);
    const s = ready();
    scoring++;
    try {
      const t0 = performance.now();
      const { models } = s;
      const detector = models.detector;
      const out: Array<DetectionResult | ErrorResult> = new Array(txns.length);
      const valid: ParsedTransaction[] = [];
      const at: number[] = [];
      const errors: ErrorResult[] = [];
      for (let i = 0; i < txns.length; i++) {
        const v = detector.validate(txns[i]);
        if (v.ok) {
          valid.push(v.value);
          at.push(i);
        } else {
          out[i] = v.error;
          errors.push(v.error);
        }
      }
      if (valid.length === 0) {
        metrics.recordErrors(errors);
        return { results: out, record: null, fresh: [] };
      }
      const champion = models.champion.model.file;
      // The storage may score the batch more than once (a write that lost a race is scored again): the last attempt is the one that committed.
      const attempt: { staged: Staged | null } = { staged: null };
      const outcome = await s.storage.decide(
        valid,
        (tx) => {
          const r = models.decide(tx, valid);
          attempt.staged = r.staged;
          return r.results;
        },
        { model_version: champion.model_version, model_sha256: champion.sha256 },
      );
      if (attempt.staged) models.commit(attempt.staged);
      for (let k = 0; k < valid.length; k++) out[at[k]] = outcome.results[k];
      // The fresh decisions are the rows of the committed record (none when every item was a repeat).
      metrics.record(outcome.overlay.decisions, valid.length - (outcome.record?.n ?? 0), errors, valid.length, performance.now() - t0, Date.now());
      return { results: out, record: outcome.record, fresh: outcome.overlay.decisions };
    } finally {
      if (--scoring === 0) for (const resolve of whenIdle.splice(0)) resolve();
    }
  }

  return {
    async init(init: DetectorInit): Promise<InitResult> {
      if (typeof init !== 'object' || init === null) throw new TypeError('init expects { modelUrl or modelJson, dbName, config?, storage?, monitoring? }');
      if (typeof init.dbName !== 'string' || init.dbName.trim() === '') throw new TypeError(`init: dbName must be a non-empty string, got ${JSON.stringify(init.dbName)}`);
      const hasUrl = init.modelUrl !== undefined;
      const hasJson = init.modelJson !== undefined;
      if (hasUrl === hasJson) throw new TypeError('init: give exactly one of modelUrl and modelJson');
      const settings = resolveStorageSettings(init.storage, writer);
      const monitoring = resolveMonitoring(init.monitoring);
      const load = hasJson ? loadModelJson(init.modelJson) : await loadModelUrl(String(init.modelUrl), deps);
      const models = new ServiceModels(load, null, init.config, monitoring);
      if (state) {
        state.storage.close();
        state = null;
      }
      const opened = await openStorage(init.dbName, settings, init.storage?.memoryOnly === true);
      const warning = [load.warning, opened.warning].filter((w) => w !== undefined).join('; ') || undefined;
      opened.storage.onCommitted = notify;
      state = { init, storage: opened.storage, models, monitoring, warning };
      metrics = new ServiceMetrics();
      if (subscribers.size > 0) await opened.storage.follow(true);
      const result: InitResult = { ...models.championInfo(), storage: opened.storage.kind };
      if (warning !== undefined) result.warning = warning;
      return result;
    },

    async loadModel(source: { url?: string; json?: unknown }): Promise<ModelInfo> {
      ready();
      // Nothing changes until the new model passed validation: a failed load leaves the old one scoring.
      const load = await loadSource(source, 'loadModel');
      return changeModels((s) => {
        const shadow = s.models.shadow;
        s.models = new ServiceModels(load, shadow, s.init.config, s.monitoring);
        return s.models.championInfo();
      });
    },

    async loadShadowModel(source: { url?: string; json?: unknown }): Promise<ModelsInfo> {
      ready();
      let load: ModelLoad;
      try {
        load = await loadSource(source, 'loadShadowModel');
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new (e instanceof TypeError ? TypeError : Error)(message.startsWith('loadShadowModel') ? message : `loadShadowModel: ${message}; the shadow model was not changed`);
      }
      return changeModels((s) => {
        s.models.setShadow(load);
        return s.models.info();
      });
    },

    async unloadShadowModel(): Promise<ModelsInfo> {
      ready();
      return changeModels((s) => {
        s.models.setShadow(null);
        return s.models.info();
      });
    },

    async promoteShadow(): Promise<ModelsInfo> {
      ready();
      return changeModels((s) => {
        s.models.promote();
        return s.models.info();
      });
    },

    async rollbackPromotion(): Promise<ModelsInfo> {
      ready();
      return changeModels((s) => {
        s.models.rollback();
        return s.models.info();
      });
    },

    async detect(txn: unknown): Promise<DetectionResult | ErrorResult> {
      return (await detectBatch([txn]))[0];
    },

    detectBatch,

    async detectBatchPacked(txns: PackedTransactions): Promise<PackedBatchResults> {
      if (!isPackedTransactions(txns)) throw new TypeError('detectBatchPacked expects a batch packed by packTransactions (use detectBatch for an array)');
      const { results, record, fresh } = await decideBatch(unpackTransactions(txns));
      return packBatchResults(results, record, fresh);
    },

    async history(userId: string): Promise<HistoryEntry[]> {
      const s = ready();
      if (typeof userId !== 'string') throw new TypeError(`history(userId): userId must be a string, got ${typeof userId}`);
      return s.storage.history(userId);
    },

    async decisions(query?: DecisionQuery): Promise<StoredDecision[]> {
      const s = ready();
      return s.storage.decisions(normalizeQuery(query));
    },

    async label(transactionId: string, label: AnalystLabel): Promise<void> {
      const s = ready();
      if (typeof transactionId !== 'string') throw new TypeError(`label(transactionId, label): transactionId must be a string, got ${typeof transactionId}`);
      checkLabel(label);
      await s.storage.label(transactionId, label);
    },

    async clearHistory(userId?: string): Promise<void> {
      const s = ready();
      if (userId !== undefined && typeof userId !== 'string') throw new TypeError(`clearHistory(userId?): userId must be a string, got ${typeof userId}`);
      await s.storage.clearHistory(userId ?? null);
    },

    async metrics(): Promise<MetricsSnapshot> {
      const s = ready();
      const snapshot: MetricsSnapshot = { ...metrics.snapshot(Date.now()), model: s.models.championInfo(), storage: s.storage.kind, storage_state: s.storage.stats() };
      const drift = s.models.driftReport();
      if (drift) snapshot.drift = drift;
      const shadow = s.models.shadowSection();
      if (shadow) snapshot.shadow = shadow;
      if (s.warning !== undefined) snapshot.warning = s.warning;
      return snapshot;
    },

    async metricsText(): Promise<string> {
      const s = ready();
      return metrics.toPrometheus({ model: s.models.champion.model, drift: s.models.driftReport(), shadow: s.models.shadowSection() });
    },

    async subscribe(callback: (decisions: StoredDecision[]) => void): Promise<number> {
      if (typeof callback !== 'function') throw new TypeError('subscribe expects a callback (wrap it with Comlink.proxy across the worker boundary)');
      // Catch up with other workers first: the subscriber gets what commits from now on.
      if (state) await state.storage.follow(true);
      const id = nextSubscriber++;
      subscribers.set(id, callback);
      return id;
    },

    async unsubscribe(id: number): Promise<void> {
      drop(id);
    },

    async ping(): Promise<number> {
      return Date.now();
    },

    async close(): Promise<void> {
      state?.storage.close();
      state = null;
    },
  };
}

/** Validates storage options and fills in the defaults; errors name the field. */
export function resolveStorageSettings(options: StorageOptions | undefined, writer: string): StorageSettings {
  const o = options ?? {};
  const retention: RetentionConfig = { ...DEFAULT_RETENTION };
  if (o.retention?.maxEntriesPerUser !== undefined) retention.maxEntriesPerUser = positiveInteger(o.retention.maxEntriesPerUser, 'storage.retention.maxEntriesPerUser');
  if (o.retention?.maxAgeMs !== undefined) retention.maxAgeMs = positiveNumber(o.retention.maxAgeMs, 'storage.retention.maxAgeMs');
  const durability = o.durability ?? DEFAULT_STORAGE_OPTIONS.durability;
  if (!['default', 'strict', 'relaxed'].includes(durability)) throw new TypeError(`storage.durability must be "default", "strict" or "relaxed", got ${JSON.stringify(durability)}`);
  const ratio = o.compactRatio ?? DEFAULT_STORAGE_OPTIONS.compactRatio;
  if (typeof ratio !== 'number' || !(ratio >= 0) || !Number.isFinite(ratio)) throw new TypeError(`storage.compactRatio must be a finite number >= 0, got ${JSON.stringify(ratio)}`);
  const maxDecisions = positiveInteger(o.maxDecisions ?? DEFAULT_STORAGE_OPTIONS.maxDecisions, 'storage.maxDecisions');
  const lr = o.logRetention ?? {};
  if (typeof lr !== 'object' || lr === null) throw new TypeError(`storage.logRetention must be an object, got ${JSON.stringify(lr)}`);
  const defaults = DEFAULT_STORAGE_OPTIONS.logRetention;
  const logRetention = {
    maxAgeMs: positiveNumber(lr.maxAgeMs ?? defaults.maxAgeMs, 'storage.logRetention.maxAgeMs'),
    maxDecisions: lr.maxDecisions === Infinity ? Infinity : positiveInteger(lr.maxDecisions ?? Math.max(defaults.maxDecisions, maxDecisions), 'storage.logRetention.maxDecisions'),
    pruneIntervalMs: nonNegativeNumber(lr.pruneIntervalMs ?? defaults.pruneIntervalMs, 'storage.logRetention.pruneIntervalMs'),
  };
  if (logRetention.maxDecisions < maxDecisions) {
    throw new TypeError(
      `storage.logRetention.maxDecisions (${logRetention.maxDecisions}) must be at least storage.maxDecisions (${maxDecisions}): the log keeps the decisions that idempotency answers repeated transaction ids with`,
    );
  }
  return {
    retention,
    maxDecisions,
    logRetention,
    compactAfterEntries: positiveInteger(o.compactAfterEntries ?? DEFAULT_STORAGE_OPTIONS.compactAfterEntries, 'storage.compactAfterEntries'),
    compactRatio: ratio,
    durability,
    writer,
    now: () => Date.now(),
  };
}

function positiveInteger(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new TypeError(`${field} must be an integer >= 1, got ${JSON.stringify(v)}`);
  return v;
}

function nonNegativeNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v >= 0)) throw new TypeError(`${field} must be a number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function positiveNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v > 0)) throw new TypeError(`${field} must be a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

function randomId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `w-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 48).toString(36)}`;
}
