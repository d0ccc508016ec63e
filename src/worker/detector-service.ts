/**
 * The detector service: what the worker exposes through Comlink, as a plain factory that also
 * runs directly (tests, embedders with their own worker). It owns the model (fetched, validated,
 * cached; replaced only by a model that passed), the storage (IndexedDB, or memory where there is
 * none, said so), the metrics and the subscriptions.
 */
import { createDetector, type Detector } from '../core/detector/detector';
import type { DetectionResult, ErrorResult, HistoryEntry, ParsedTransaction } from '../core/contract/types';
import { DEFAULT_RETENTION, type RetentionConfig } from '../core/history/history-store';
import type { BatchRecord } from './db-schema';
import { checkLabel, normalizeQuery, type DetectorStorage, type StorageFaults, type StorageSettings } from './detector-storage';
import { IdbStorage } from './idb-storage';
import { rowStoredDecision } from './log-record';
import { MemoryStorage } from './memory-storage';
import { loadModelJson, loadModelUrl, modelInfo, type ModelLoad, type ModelSourceDeps } from './model-source';
import { ServiceMetrics } from './service-metrics';
import type { AnalystLabel, DecisionQuery, DetectorInit, DetectorService, InitResult, MetricsSnapshot, ModelInfo, StorageOptions, StoredDecision } from './service-types';
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

/** Defaults of {@link StorageOptions}. */
export const DEFAULT_STORAGE_OPTIONS = Object.freeze({
  maxDecisions: 1_000_000,
  compactAfterEntries: 100_000,
  compactRatio: 0.25,
  durability: 'default' as const,
});

const NOT_INITIALISED = 'the detector is not initialised: call init({ modelUrl, dbName }) first';
const NO_INDEXEDDB =
  'IndexedDB is not available here (private browsing or a restricted frame): history and decisions are kept in memory only and are lost when the worker stops';

interface Current {
  detector: Detector;
  load: ModelLoad;
  info: ModelInfo;
}

interface State {
  init: DetectorInit;
  storage: DetectorStorage;
  current: Current;
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

  function ready(): State {
    if (!state) throw new Error(NOT_INITIALISED);
    return state;
  }

  function makeCurrent(load: ModelLoad, init: DetectorInit): Current {
    return { detector: createDetector({ model: load.model, config: init.config }), load, info: modelInfo(load) };
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

  function notify(record: BatchRecord): void {
    if (subscribers.size === 0) return;
    const decisions: StoredDecision[] = new Array(record.n);
    for (let k = 0; k < record.n; k++) decisions[k] = rowStoredDecision(record, k);
    for (const [id, callback] of subscribers) {
      try {
        const r = callback(decisions);
        // A Comlink proxy returns a promise; a rejected one means the page side is gone.
        if (r instanceof Promise) r.catch(() => subscribers.delete(id));
      } catch {
        subscribers.delete(id);
      }
    }
  }

  async function detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>> {
    const s = ready();
    if (!Array.isArray(txns)) throw new TypeError(`detectBatch expects an array of transactions, got ${txns === null ? 'null' : typeof txns}`);
    const t0 = performance.now();
    const { detector, info } = s.current;
    const out: Array<DetectionResult | ErrorResult> = new Array(txns.length);
    const valid: ParsedTransaction[] = [];
    const at: number[] = [];
    for (let i = 0; i < txns.length; i++) {
      const v = detector.validate(txns[i]);
      if (v.ok) {
        valid.push(v.value);
        at.push(i);
      } else out[i] = v.error;
    }
    const errors = txns.length - valid.length;
    if (valid.length === 0) {
      metrics.recordErrors(errors);
      return out;
    }
    const outcome = await s.storage.decide(valid, (tx) => detector.decideWithin(tx, valid), { model_version: info.modelVersion, model_sha256: info.sha256 });
    for (let k = 0; k < valid.length; k++) out[at[k]] = outcome.results[k];
    metrics.record(outcome.record, valid.length - (outcome.record?.n ?? 0), errors, performance.now() - t0, Date.now());
    if (outcome.record) notify(outcome.record);
    return out;
  }

  return {
    async init(init: DetectorInit): Promise<InitResult> {
      if (typeof init !== 'object' || init === null) throw new TypeError('init expects { modelUrl or modelJson, dbName, config?, storage? }');
      if (typeof init.dbName !== 'string' || init.dbName.trim() === '') throw new TypeError(`init: dbName must be a non-empty string, got ${JSON.stringify(init.dbName)}`);
      const hasUrl = init.modelUrl !== undefined;
      const hasJson = init.modelJson !== undefined;
      if (hasUrl === hasJson) throw new TypeError('init: give exactly one of modelUrl and modelJson');
      const settings = resolveStorageSettings(init.storage, writer);
      const load = hasJson ? loadModelJson(init.modelJson) : await loadModelUrl(String(init.modelUrl), deps);
      const current = makeCurrent(load, init);
      if (state) {
        state.storage.close();
        state = null;
      }
      const opened = await openStorage(init.dbName, settings, init.storage?.memoryOnly === true);
      const warning = [load.warning, opened.warning].filter((w) => w !== undefined).join('; ') || undefined;
      state = { init, storage: opened.storage, current, warning };
      metrics = new ServiceMetrics();
      const result: InitResult = { ...current.info, storage: opened.storage.kind };
      if (warning !== undefined) result.warning = warning;
      return result;
    },

    async loadModel(source: { url?: string; json?: unknown }): Promise<ModelInfo> {
      const s = ready();
      if (typeof source !== 'object' || source === null || (source.url === undefined) === (source.json === undefined)) {
        throw new TypeError('loadModel: give exactly one of { url } and { json }');
      }
      // Nothing changes until the new model passed validation: a failed load leaves the old one scoring.
      const load = source.json !== undefined ? loadModelJson(source.json) : await loadModelUrl(String(source.url), deps);
      const current = makeCurrent(load, s.init);
      s.current = current;
      return current.info;
    },

    async detect(txn: unknown): Promise<DetectionResult | ErrorResult> {
      return (await detectBatch([txn]))[0];
    },

    detectBatch,

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
      const snapshot: MetricsSnapshot = { ...metrics.snapshot(Date.now()), model: s.current.info, storage: s.storage.kind, storage_state: s.storage.stats() };
      if (s.warning !== undefined) snapshot.warning = s.warning;
      return snapshot;
    },

    async subscribe(callback: (decisions: StoredDecision[]) => void): Promise<number> {
      if (typeof callback !== 'function') throw new TypeError('subscribe expects a callback (wrap it with Comlink.proxy across the worker boundary)');
      const id = nextSubscriber++;
      subscribers.set(id, callback);
      return id;
    },

    async unsubscribe(id: number): Promise<void> {
      subscribers.delete(id);
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
  return {
    retention,
    maxDecisions: positiveInteger(o.maxDecisions ?? DEFAULT_STORAGE_OPTIONS.maxDecisions, 'storage.maxDecisions'),
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

function positiveNumber(v: unknown, field: string): number {
  if (typeof v !== 'number' || !(v > 0)) throw new TypeError(`${field} must be a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

function randomId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `w-${Date.now().toString(36)}-${Math.floor(Math.random() * 2 ** 48).toString(36)}`;
}
