/**
 * The one main-thread owner of the detector worker. It starts the worker lazily (on the first
 * call), talks to it through a typed Comlink `Remote`, and survives the worker dying: a crash
 * (an uncaught error in the worker, an unanswered heartbeat, or `crashForTest()`) rejects every
 * call in flight with a {@link DetectorCrashedError}, and the next call starts a fresh worker and
 * runs `init` again. The state is in IndexedDB, so nothing committed is lost; a call that was in
 * flight either committed before the crash (and a retry returns its stored decision) or did not.
 *
 * @fires crash - `CustomEvent<{ reason: string }>`: the worker died; calls in flight were rejected.
 * @fires restart - `CustomEvent<InitResult>`: a new worker finished `init` after a crash.
 */
import * as Comlink from 'comlink';
import type { DetectionResult, ErrorResult, HistoryEntry } from '../core/contract/types';
import { packTransactions } from '../worker/packed-transactions';
import { unpackBatchResults } from '../worker/record-columns';
import type { AnalystLabel, DecisionQuery, DetectorInit, DetectorService, InitResult, MetricsSnapshot, ModelInfo, ModelsInfo, StoredDecision } from '../worker/service-types';

/** Where a model comes from: a URL or the model file's JSON. */
export type ModelSource = { url: string; json?: undefined } | { json: unknown; url?: undefined };

/** The message of every call rejected by a crash. */
export const WORKER_CRASHED_MESSAGE = 'detector worker crashed; call rejected, state is safe in IndexedDB';

/** A call was in flight when the worker died. Retrying is safe: decisions are idempotent by `transaction_id`. */
export class DetectorCrashedError extends Error {
  constructor(readonly reason: string) {
    super(`${WORKER_CRASHED_MESSAGE} (${reason})`);
    this.name = 'DetectorCrashedError';
  }
}

/** Options of {@link DetectorClient}. */
export interface DetectorClientOptions {
  /** The worker script (default: `src/worker/detector.worker.ts`, found and bundled by the bundler). */
  workerUrl?: string | URL;
  /** Heartbeat period in ms (default 5,000; 0 disables the heartbeat). */
  heartbeatMs?: number;
  /** A worker that has not answered a heartbeat for this long is declared dead (default 30,000 ms). */
  heartbeatTimeoutMs?: number;
  /** More crashes than this within a minute stop the automatic restarts (default 5). */
  maxCrashesPerMinute?: number;
}

interface Session {
  worker: Worker;
  remote: Comlink.Remote<DetectorService>;
  ready: Promise<InitResult>;
  /** Rejecters of the calls in flight. */
  pending: Set<(e: Error) => void>;
  /** `init` succeeded. */
  initialised: boolean;
  dead: boolean;
  subscription?: Promise<number>;
  heartbeat?: ReturnType<typeof setInterval>;
  pingSentAt?: number;
}

/** Owns the detector worker; every method mirrors {@link DetectorService}. */
export class DetectorClient extends EventTarget {
  private session: Session | null = null;
  /** The shadow model, loaded again into a restarted worker. */
  private shadowSource: ModelSource | null = null;
  private readonly subscribers = new Set<(decisions: StoredDecision[]) => void>();
  private readonly crashTimes: number[] = [];
  private starts = 0;
  private terminated = false;
  private readonly workerUrl: string | URL | undefined;
  private readonly heartbeatMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly maxCrashesPerMinute: number;

  /** Nothing starts until the first call (or `ready()`). */
  constructor(
    private init: DetectorInit,
    options: DetectorClientOptions = {},
  ) {
    super();
    this.workerUrl = options.workerUrl;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 30_000;
    this.maxCrashesPerMinute = options.maxCrashesPerMinute ?? 5;
  }

  /** Workers started so far (1 + restarts). */
  get workersStarted(): number {
    return this.starts;
  }

  /** Crashes so far. */
  get crashes(): number {
    return this.crashTimes.length;
  }

  /** Starts the worker if needed; resolves with the result of its `init`. */
  ready(): Promise<InitResult> {
    try {
      return this.ensure().ready;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  detect(txn: unknown): Promise<DetectionResult | ErrorResult> {
    // Comlink's Remote distributes over the union; the worker returns exactly this.
    return this.call((r) => r.detect(txn) as Promise<DetectionResult | ErrorResult>);
  }

  async detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>> {
    if (!Array.isArray(txns)) return this.call((r) => r.detectBatch(txns)); // (rejected there, with the reason)
    // Both ways the batch crosses as columns, packed and unpacked here on the page, so that the
    // worker's time goes to scoring rather than to cloning a thousand objects each way: the
    // transactions (packed-transactions.ts), and the fresh decisions as the rows of their log record.
    const packed = packTransactions(txns);
    return unpackBatchResults(await this.call((r) => r.detectBatchPacked(packed)));
  }

  history(userId: string): Promise<HistoryEntry[]> {
    return this.call((r) => r.history(userId));
  }

  decisions(query?: DecisionQuery): Promise<StoredDecision[]> {
    return this.call((r) => r.decisions(query));
  }

  label(transactionId: string, label: AnalystLabel): Promise<void> {
    return this.call((r) => r.label(transactionId, label));
  }

  clearHistory(userId?: string): Promise<void> {
    return this.call((r) => r.clearHistory(userId));
  }

  metrics(): Promise<MetricsSnapshot> {
    return this.call((r) => r.metrics());
  }

  /** The Prometheus text exposition of the metrics (counters, latency histogram, drift, shadow). */
  metricsText(): Promise<string> {
    return this.call((r) => r.metricsText());
  }

  /** Replaces the model; a restarted worker starts with the last model that loaded. */
  async loadModel(source: { url?: string; json?: unknown }): Promise<ModelInfo> {
    const info = await this.call((r) => r.loadModel(source));
    this.setChampionSource(source.json !== undefined ? { json: source.json } : { url: String(source.url) });
    return info;
  }

  /**
   * Loads a second model as the shadow: every transaction is also scored by it, decisions come
   * only from the champion (see `metrics().shadow`). A restarted worker loads it again.
   */
  async loadShadowModel(source: { url?: string; json?: unknown }): Promise<ModelsInfo> {
    const info = await this.call((r) => r.loadShadowModel(source));
    this.shadowSource = source.json !== undefined ? { json: source.json } : { url: String(source.url) };
    return info;
  }

  /** Stops scoring with the shadow. */
  async unloadShadowModel(): Promise<ModelsInfo> {
    const info = await this.call((r) => r.unloadShadowModel());
    this.shadowSource = null;
    return info;
  }

  /** The shadow becomes the champion (and the champion the shadow), in one step; a restarted worker keeps it so. */
  async promoteShadow(): Promise<ModelsInfo> {
    const info = await this.call((r) => r.promoteShadow());
    this.swapSources();
    return info;
  }

  /** Undoes the last promotion (not available after a worker restart: promote the other way instead). */
  async rollbackPromotion(): Promise<ModelsInfo> {
    const info = await this.call((r) => r.rollbackPromotion());
    this.swapSources();
    return info;
  }

  private championSource(): ModelSource {
    return this.init.modelJson !== undefined ? { json: this.init.modelJson } : { url: String(this.init.modelUrl) };
  }

  private setChampionSource(source: ModelSource): void {
    const { modelUrl: _url, modelJson: _json, ...rest } = this.init;
    this.init = source.json !== undefined ? { ...rest, modelJson: source.json } : { ...rest, modelUrl: source.url };
  }

  /** After a promotion or a rollback: the champion and the shadow traded places. */
  private swapSources(): void {
    const champion = this.championSource();
    if (this.shadowSource) this.setChampionSource(this.shadowSource);
    this.shadowSource = champion;
  }

  /**
   * Calls `callback` with the decisions of every committed batch (changes only). Survives worker
   * restarts. Returns the unsubscribe function.
   */
  subscribe(callback: (decisions: StoredDecision[]) => void): () => void {
    this.subscribers.add(callback);
    const s = this.session;
    if (s?.initialised) void this.subscribeRemote(s).catch(() => undefined);
    return () => {
      this.subscribers.delete(callback);
      const current = this.session;
      if (this.subscribers.size > 0 || !current?.subscription) return;
      const subscription = current.subscription;
      current.subscription = undefined;
      void subscription.then((id) => current.remote.unsubscribe(id)).catch(() => undefined);
    };
  }

  /** Kills the worker for real (as if it crashed): calls in flight reject; the next call restarts it. */
  crashForTest(): void {
    if (this.session) this.crashed(this.session, 'crashForTest() terminated the worker');
  }

  /** Stops the worker for good; calls in flight and later calls reject. */
  terminate(): void {
    this.terminated = true;
    const s = this.session;
    this.session = null;
    if (s) this.kill(s, new Error('the detector client was terminated'));
  }

  private async call<T>(fn: (remote: Comlink.Remote<DetectorService>) => Promise<T>): Promise<T> {
    const s = this.ensure();
    await s.ready;
    return this.track(s, fn(s.remote));
  }

  private ensure(): Session {
    if (this.terminated) throw new Error('the detector client was terminated');
    if (this.session) return this.session;
    const recent = this.crashTimes.filter((t) => t > Date.now() - 60_000).length;
    if (recent > this.maxCrashesPerMinute) {
      throw new Error(`the detector worker crashed ${recent} times in the last minute; not restarting it (reload the page)`);
    }
    const worker = this.workerUrl
      ? new Worker(this.workerUrl, { type: 'module', name: 'txn-anomaly-detector' })
      : // This literal form is what bundlers (Vite, webpack) recognise to bundle the worker: keep it inline.
        new Worker(new URL('../worker/detector.worker.ts', import.meta.url), { type: 'module', name: 'txn-anomaly-detector' });
    const remote = Comlink.wrap<DetectorService>(worker);
    const s: Session = { worker, remote, ready: undefined as unknown as Promise<InitResult>, pending: new Set(), initialised: false, dead: false };
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.crashed(s, `uncaught error in the worker: ${event.message || 'the worker script failed to load'}`);
    });
    worker.addEventListener('messageerror', () => this.crashed(s, 'a message from the worker could not be read'));
    const restart = this.starts++ > 0;
    const shadow = this.shadowSource;
    s.ready = this.track(s, remote.init(this.init)).then(async (result) => {
      if (shadow) {
        // The shadow only watches: a shadow that no longer loads must not keep the champion down.
        try {
          await this.track(s, remote.loadShadowModel(shadow));
        } catch (e) {
          if (s.dead) throw e;
          if (this.shadowSource === shadow) this.shadowSource = null;
          const why = `the shadow model could not be loaded again: ${e instanceof Error ? e.message : String(e)}`;
          result = { ...result, warning: result.warning ? `${result.warning}; ${why}` : why };
        }
      }
      s.initialised = true;
      await this.subscribeRemote(s);
      if (restart) this.dispatchEvent(new CustomEvent('restart', { detail: result }));
      return result;
    });
    s.ready.catch(() => {
      // A failed init (bad model, blocked upgrade): drop this worker so the next call retries.
      if (this.session === s && !s.dead) {
        this.session = null;
        this.kill(s, new Error('detector init failed'));
      }
    });
    if (this.heartbeatMs > 0) s.heartbeat = setInterval(() => this.beat(s), this.heartbeatMs);
    this.session = s;
    return s;
  }

  private beat(s: Session): void {
    const now = performance.now();
    if (s.pingSentAt !== undefined) {
      if (now - s.pingSentAt > this.heartbeatTimeoutMs) this.crashed(s, `no answer to the heartbeat for ${this.heartbeatTimeoutMs} ms`);
      return;
    }
    s.pingSentAt = now;
    s.remote.ping().then(
      () => (s.pingSentAt = undefined),
      () => undefined,
    );
  }

  private subscribeRemote(s: Session): Promise<number | undefined> {
    if (s.dead || this.subscribers.size === 0) return Promise.resolve(undefined);
    s.subscription ??= this.track(
      s,
      s.remote.subscribe(
        Comlink.proxy((decisions: StoredDecision[]) => {
          for (const callback of this.subscribers) {
            try {
              callback(decisions);
            } catch (e) {
              console.error('detector subscriber threw', e);
            }
          }
        }),
      ),
    );
    return s.subscription;
  }

  /** Settles with `p`, or rejects as soon as the session dies. */
  private track<T>(s: Session, p: Promise<T>): Promise<T> {
    if (s.dead) return Promise.reject(new DetectorCrashedError('the worker is gone'));
    return new Promise<T>((resolve, reject) => {
      s.pending.add(reject);
      p.then(
        (v) => {
          s.pending.delete(reject);
          resolve(v);
        },
        (e: unknown) => {
          s.pending.delete(reject);
          reject(e);
        },
      );
    });
  }

  private crashed(s: Session, reason: string): void {
    if (s.dead) return;
    const wasReady = s.initialised;
    if (this.session === s) this.session = null;
    this.crashTimes.push(Date.now());
    this.kill(s, new DetectorCrashedError(reason));
    this.dispatchEvent(new CustomEvent('crash', { detail: { reason } }));
    // Subscribers expect a live feed: bring a worker back at once (others come back on the next call).
    if (wasReady && this.subscribers.size > 0 && !this.terminated) {
      try {
        this.ensure().ready.catch(() => undefined);
      } catch {
        // Crash loop: stay down; the next call reports it.
      }
    }
  }

  private kill(s: Session, error: Error): void {
    s.dead = true;
    if (s.heartbeat !== undefined) clearInterval(s.heartbeat);
    s.worker.terminate();
    for (const reject of s.pending) reject(error);
    s.pending.clear();
  }
}
