import { LitElement, html, css, nothing } from 'lit';
import type { DetectionResult, ErrorResult, HistoryEntry } from '../core/contract/types';
import type { PolicyConfig } from '../core/policy/risk-policy';
import type { AnalystLabel, DecisionQuery, InitResult, MetricsSnapshot, ModelsInfo, StoredDecision } from '../worker/service-types';
import { DetectorClientController, DetectorStatus, type DetectorSettings } from './controllers/detector-client-controller';
import type { DetectorClient } from './detector-client';
import { isErrorOutcome, type DecisionListener, type DetectorSource } from './detector-source';
import { tokens } from './shared-styles';

/** The model file the element loads when `model-src` is not set (relative to the page). */
export const DEFAULT_MODEL_SRC = 'models/isolation_forest.json';
/** The IndexedDB database used when `db-name` is not set. */
export const DEFAULT_DB_NAME = 'txn-anomaly';

/** Detail of the `error` event. */
export interface DetectorErrorDetail {
  /** What failed: `init`, `loadModel`, `crash`, `detect` (a call rejected) or `transaction` (an invalid transaction). */
  context: string;
  message: string;
  /** For an invalid transaction: the error result (field and reason). */
  result?: ErrorResult;
  /** The thrown error, when there was one. */
  cause?: unknown;
}

/** The threshold keys the `thresholds` attribute accepts, with short aliases. */
const THRESHOLD_KEYS: Record<string, keyof PolicyConfig> = {
  mediumAt: 'mediumAt',
  medium: 'mediumAt',
  highAt: 'highAt',
  high: 'highAt',
  reviewAt: 'reviewAt',
  review: 'reviewAt',
  blockAt: 'blockAt',
  block: 'blockAt',
  modelSteepness: 'modelSteepness',
};

/**
 * Parses the `thresholds` attribute: a JSON object (`{"reviewAt":0.4,"blockAt":0.8}`) or
 * `key=value` pairs separated by spaces, commas or semicolons (`review=0.4 block=0.8`). Keys are
 * the risk policy's `mediumAt`, `highAt`, `reviewAt`, `blockAt`, `modelSteepness` (or `medium`,
 * `high`, `review`, `block`). Throws a `RangeError` naming the bad part.
 */
export function parseThresholds(text: string | null | undefined): Partial<PolicyConfig> {
  const source = (text ?? '').trim();
  if (!source) return {};
  let pairs: Array<[string, unknown]>;
  if (source.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch {
      throw new RangeError(`thresholds: not valid JSON: ${source}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RangeError('thresholds: expected a JSON object');
    pairs = Object.entries(parsed as Record<string, unknown>);
  } else {
    pairs = source
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((part) => {
        const eq = part.indexOf('=');
        if (eq <= 0) throw new RangeError(`thresholds: expected key=value, got ${JSON.stringify(part)}`);
        return [part.slice(0, eq), part.slice(eq + 1)];
      });
  }
  const out: Record<string, number> = {};
  for (const [key, raw] of pairs) {
    const name = THRESHOLD_KEYS[key];
    if (!name) throw new RangeError(`thresholds: unknown key ${JSON.stringify(key)} (use ${Object.keys(THRESHOLD_KEYS).join(', ')})`);
    const value = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (!Number.isFinite(value)) throw new RangeError(`thresholds: ${key} must be a number, got ${JSON.stringify(raw)}`);
    out[name] = value;
  }
  return out as Partial<PolicyConfig>;
}

/**
 * Scores transactions in a Web Worker, in the page, with no server: the embeddable detector.
 * It has no UI of its own beyond an optional status badge (`badge` attribute). The worker starts
 * lazily, on the first call, on `ready`, or when the element is connected; it loads and verifies
 * the model, keeps each user's history in IndexedDB and comes back by itself after a crash.
 *
 * ```html
 * <script type="module" src="/lib/anomaly-detector.js"></script>
 * <anomaly-detector id="det" model-src="/models/isolation_forest.json" db-name="shop" badge></anomaly-detector>
 * ```
 * ```js
 * const det = document.getElementById('det');
 * det.addEventListener('alert', (e) => console.log(e.detail.recommendation, e.detail.reason_codes));
 * const result = await det.detect({ transaction_id: 't1', user_id: 'u1', amount: 120, location: 'Mumbai',
 *   timestamp: '2026-01-05T10:00:00+05:30', merchant_type: 'grocery' });
 * ```
 *
 * @fires detection - every decision, detail `DetectionResult`.
 * @fires alert - a decision recommending REVIEW or BLOCK, detail `DetectionResult`.
 * @fires error - a failure, detail {@link DetectorErrorDetail}: the model or database could not be
 *   opened, the worker crashed (it restarts by itself), a call was rejected, or a transaction was
 *   invalid (the error result names the field).
 * @fires ready - the worker is initialised (also after a restart), detail `InitResult`.
 * @csspart badge - the status badge
 * @cssprop --txn-accent - accent colour (also every other `--txn-*` token)
 */
export class AnomalyDetector extends LitElement implements DetectorSource {
  static override styles = [
    tokens,
    css`
      :host {
        display: inline-block;
        vertical-align: middle;
      }
      :host(:not([badge])) {
        display: none;
      }
      .badge {
        display: inline-flex;
        align-items: center;
        gap: 0.4rem;
        padding: 0.15rem 0.6rem;
        border: 1px solid var(--_border);
        border-radius: 999px;
        font-size: 0.8rem;
        background: var(--_surface);
        max-width: 100%;
      }
      .dot {
        width: 0.6rem;
        height: 0.6rem;
        border-radius: 50%;
        background: var(--_muted);
        flex: none;
      }
      .ready .dot {
        background: var(--_low);
      }
      .loading .dot,
      .restarting .dot {
        background: var(--_medium);
      }
      .error .dot {
        background: var(--_high);
      }
      .text {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
    `,
  ];

  static override properties = {
    modelSrc: { type: String, attribute: 'model-src' },
    dbName: { type: String, attribute: 'db-name' },
    thresholds: { type: String },
    badge: { type: Boolean, reflect: true },
    memoryOnly: { type: Boolean, attribute: 'memory-only' },
  };

  /** URL of the model file, relative to the page. Default `models/isolation_forest.json`. */
  declare modelSrc: string;
  /** IndexedDB database of the history and decision log (one per tenant). Default `txn-anomaly`. */
  declare dbName: string;
  /**
   * Risk-policy overrides: JSON (`{"reviewAt":0.4,"blockAt":0.8}`) or pairs (`review=0.4 block=0.8`).
   * Keys: `mediumAt`, `highAt`, `reviewAt`, `blockAt`, `modelSteepness`. Empty: the documented defaults.
   */
  declare thresholds: string;
  /** Shows the status badge (model version when ready, or what went wrong). */
  declare badge: boolean;
  /** Keeps history and decisions in memory only (kiosks, demos); they are lost with the worker. */
  declare memoryOnly: boolean;

  private readonly _client = new DetectorClientController(this, () => this._settings(), {
    onReady: (info) => this.dispatchEvent(new CustomEvent<InitResult>('ready', { detail: info })),
    onError: (error, context) => this._emitError(context, error),
  });

  constructor() {
    super();
    this.modelSrc = DEFAULT_MODEL_SRC;
    this.dbName = DEFAULT_DB_NAME;
    this.thresholds = '';
    this.badge = false;
    this.memoryOnly = false;
  }

  /** Resolves once the worker has loaded the model and opened storage (starting it if needed). */
  get ready(): Promise<InitResult> {
    return this._client.ready();
  }

  /** Where the detector is: idle (not started), loading, ready, restarting or error. */
  get status(): DetectorStatus {
    return this._client.status;
  }

  /** The model and storage in use, once ready. */
  get info(): InitResult | undefined {
    return this._client.info;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Start loading the model now, so the first transaction does not wait for it.
    this.ready.catch(() => undefined);
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    // The controller compares with the settings its client was built from: a no-op before start.
    if (['modelSrc', 'dbName', 'thresholds', 'memoryOnly'].some((k) => changed.has(k))) this._client.update().catch(() => undefined);
  }

  /** Decides one transaction; invalid input resolves with an error result (and fires `error`). */
  async detect(txn: unknown): Promise<DetectionResult | ErrorResult> {
    const [outcome] = await this._call('detect', (c) => c.detect(txn).then((o) => [o]));
    return outcome;
  }

  /** Decides transactions in order; each invalid one gets its error result, the others are scored. */
  detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>> {
    return this._call('detect', (c) => c.detectBatch(txns));
  }

  /** The user's history as the detector holds it (oldest first). */
  history(userId: string): Promise<HistoryEntry[]> {
    return this._client.current.history(userId);
  }

  /** Decisions from the decision log, newest first. */
  decisions(query?: DecisionQuery): Promise<StoredDecision[]> {
    return this._client.current.decisions(query);
  }

  /** Stores an analyst verdict with a decision. */
  label(transactionId: string, label: AnalystLabel): Promise<void> {
    return this._client.current.label(transactionId, label);
  }

  /** Live counters: throughput, latency, counts per level and recommendation, model. */
  metrics(): Promise<MetricsSnapshot> {
    return this._client.current.metrics();
  }

  /** The metrics in the Prometheus text exposition format (for a scrape endpoint or a push gateway). */
  metricsText(): Promise<string> {
    return this._client.current.metricsText();
  }

  /** Loads a shadow model (`{ url }` or `{ json }`): scored alongside, decisions stay the champion's. */
  loadShadowModel(source: { url?: string; json?: unknown }): Promise<ModelsInfo> {
    return this._client.current.loadShadowModel(source);
  }

  /** Stops scoring with the shadow model. */
  unloadShadowModel(): Promise<ModelsInfo> {
    return this._client.current.unloadShadowModel();
  }

  /** Makes the shadow the champion in one step. */
  promoteShadow(): Promise<ModelsInfo> {
    return this._client.current.promoteShadow();
  }

  /** Undoes the last promotion. */
  rollbackPromotion(): Promise<ModelsInfo> {
    return this._client.current.rollbackPromotion();
  }

  /** Receives the decisions of every committed batch (changes only); resolves with the unsubscribe function. */
  async subscribe(listener: DecisionListener): Promise<() => void> {
    // Through the controller, so the subscription follows a rebuilt client (new db-name or thresholds).
    return this._client.subscribe(listener);
  }

  /** Stops the worker now (it restarts on the next call). */
  stop(): void {
    this._client.stop();
  }

  override render() {
    if (!this.badge) return nothing;
    const c = this._client;
    const text =
      c.status === DetectorStatus.READY
        ? `Detector ready · ${c.info?.modelVersion ?? ''}${c.info?.storage === 'memory' ? ' · memory only' : ''}`
        : c.status === DetectorStatus.LOADING
          ? 'Loading model…'
          : c.status === DetectorStatus.RESTARTING
            ? 'Detector restarting…'
            : c.status === DetectorStatus.ERROR
              ? `Detector error: ${String((c.error as Error)?.message ?? c.error)}`
              : 'Detector idle';
    return html`<span class="badge ${c.status}" part="badge" role="status" title=${c.info ? `model ${c.info.modelVersion}, sha256 ${c.info.sha256}` : text}
      ><span class="dot" aria-hidden="true"></span><span class="text">${text}</span></span
    >`;
  }

  private _settings(): DetectorSettings {
    let policy: Partial<PolicyConfig> = {};
    try {
      policy = parseThresholds(this.thresholds);
    } catch (error) {
      this._emitError('thresholds', error);
    }
    return {
      modelUrl: new URL(this.modelSrc || DEFAULT_MODEL_SRC, this.ownerDocument.baseURI).href,
      dbName: this.dbName || DEFAULT_DB_NAME,
      config: Object.keys(policy).length ? { policy } : undefined,
      storage: this.memoryOnly ? { memoryOnly: true } : undefined,
    };
  }

  private async _call(context: string, fn: (c: DetectorClient) => Promise<Array<DetectionResult | ErrorResult>>): Promise<Array<DetectionResult | ErrorResult>> {
    let outcomes: Array<DetectionResult | ErrorResult>;
    try {
      outcomes = await fn(this._client.current);
    } catch (error) {
      this._emitError(context, error);
      throw error;
    }
    for (const o of outcomes) {
      if (isErrorOutcome(o)) {
        this.dispatchEvent(
          new CustomEvent<DetectorErrorDetail>('error', { detail: { context: 'transaction', message: `${o.error.field}: ${o.error.message}`, result: o } }),
        );
        continue;
      }
      this.dispatchEvent(new CustomEvent<DetectionResult>('detection', { detail: o }));
      if (o.recommendation !== 'APPROVE') this.dispatchEvent(new CustomEvent<DetectionResult>('alert', { detail: o }));
    }
    return outcomes;
  }

  private _emitError(context: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.dispatchEvent(new CustomEvent<DetectorErrorDetail>('error', { detail: { context, message, cause: error } }));
  }
}

customElements.define('anomaly-detector', AnomalyDetector);

declare global {
  interface HTMLElementTagNameMap {
    'anomaly-detector': AnomalyDetector;
  }
}
