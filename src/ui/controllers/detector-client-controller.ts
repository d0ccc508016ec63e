/**
 * Owns one `DetectorClient` (the one main-thread owner of the worker) for `<anomaly-detector>`:
 * creates it lazily from the host's settings, tracks its status for the badge, follows its crash
 * and restart events, swaps the model or rebuilds the client when settings change, and stops the
 * worker when the host has left the page for good.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { DetectorClient } from '../detector-client';
import type { DetectorConfig } from '../../core/detector/detector';
import type { InitResult, StorageOptions, StoredDecision } from '../../worker/service-types';

/** Lifecycle of the detector as the badge shows it. */
export const DetectorStatus = {
  /** Nothing started yet (lazy). */
  IDLE: 'idle',
  /** The worker is starting: loading and verifying the model, opening IndexedDB. */
  LOADING: 'loading',
  READY: 'ready',
  /** The worker crashed and is being restarted. */
  RESTARTING: 'restarting',
  ERROR: 'error',
} as const;
export type DetectorStatus = (typeof DetectorStatus)[keyof typeof DetectorStatus];

/** What the client is built from. */
export interface DetectorSettings {
  /** Absolute URL of the model file. */
  modelUrl: string;
  dbName: string;
  config?: Partial<DetectorConfig>;
  storage?: StorageOptions;
}

/** Receives status changes and failures of the client. */
export interface DetectorClientCallbacks {
  onReady?: (info: InitResult) => void;
  onError?: (error: unknown, context: string) => void;
}

/** How long a disconnected host keeps its worker (a move in the DOM reconnects at once). */
const STOP_AFTER_DISCONNECT_MS = 1_000;

/** Client lifecycle bound to a Lit host. */
export class DetectorClientController implements ReactiveController {
  status: DetectorStatus = DetectorStatus.IDLE;
  /** The last `init` result. */
  info: InitResult | undefined;
  /** The last failure, cleared when the detector is ready again. */
  error: unknown;
  private client: DetectorClient | undefined;
  private readyPromise: Promise<InitResult> | undefined;
  private settings: DetectorSettings | undefined;
  private stopTimer: ReturnType<typeof setTimeout> | undefined;
  /** Decision listeners, kept across client rebuilds: each is subscribed to the current client. */
  private readonly listeners = new Map<(decisions: StoredDecision[]) => void, () => void>();

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly currentSettings: () => DetectorSettings,
    private readonly callbacks: DetectorClientCallbacks = {},
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
  }

  hostDisconnected(): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => this.stop(), STOP_AFTER_DISCONNECT_MS);
  }

  /** The client, created (not started) on first use. */
  get current(): DetectorClient {
    if (!this.client) this.create();
    return this.client!;
  }

  /** Starts the worker if needed; resolves once it is initialised. */
  ready(): Promise<InitResult> {
    const client = this.current;
    this.readyPromise ??= this.track(client, client.ready());
    return this.readyPromise;
  }

  /**
   * Applies changed settings: a new model URL is loaded into the running worker (the old model
   * keeps scoring if the new one fails); a new database or configuration rebuilds the client.
   */
  async update(): Promise<void> {
    if (!this.client || !this.settings) return;
    const next = this.currentSettings();
    const prev = this.settings;
    const rebuild = next.dbName !== prev.dbName || JSON.stringify(next.config) !== JSON.stringify(prev.config) || JSON.stringify(next.storage) !== JSON.stringify(prev.storage);
    if (rebuild) {
      this.stop();
      await this.ready();
      return;
    }
    if (next.modelUrl !== prev.modelUrl) {
      this.settings = next;
      const client = this.client;
      await this.ready();
      try {
        const info = await client.loadModel({ url: next.modelUrl });
        if (client !== this.client) return;
        this.info = { ...this.info!, ...info };
        this.error = undefined;
        this.host.requestUpdate();
      } catch (error) {
        this.fail(error, 'loadModel');
        throw error;
      }
    }
  }

  /**
   * Subscribes `listener` to the decisions of every committed batch, on this client and on any
   * client that replaces it (new database or configuration). Returns the unsubscribe function.
   */
  subscribe(listener: (decisions: StoredDecision[]) => void): () => void {
    if (!this.listeners.has(listener)) this.listeners.set(listener, this.current.subscribe(listener));
    return () => {
      this.listeners.get(listener)?.();
      this.listeners.delete(listener);
    };
  }

  /** Stops the worker; the next call starts a new one. */
  stop(): void {
    clearTimeout(this.stopTimer);
    this.stopTimer = undefined;
    this.client?.terminate();
    this.client = undefined;
    this.readyPromise = undefined;
    this.settings = undefined;
    this.status = DetectorStatus.IDLE;
    this.host.requestUpdate();
  }

  private create(): void {
    this.settings = this.currentSettings();
    const { modelUrl, dbName, config, storage } = this.settings;
    const client = new DetectorClient({ modelUrl, dbName, config, storage });
    client.addEventListener('crash', (e) => {
      if (client !== this.client) return;
      this.readyPromise = undefined;
      this.status = DetectorStatus.RESTARTING;
      this.fail(new Error((e as CustomEvent<{ reason: string }>).detail?.reason ?? 'the detector worker crashed'), 'crash');
    });
    client.addEventListener('restart', (e) => {
      if (client !== this.client) return;
      this.succeed((e as CustomEvent<InitResult>).detail);
    });
    this.client = client;
    for (const listener of this.listeners.keys()) this.listeners.set(listener, client.subscribe(listener));
  }

  private async track(client: DetectorClient, ready: Promise<InitResult>): Promise<InitResult> {
    this.status = DetectorStatus.LOADING;
    this.host.requestUpdate();
    try {
      const info = await ready;
      if (client === this.client) this.succeed(info);
      return info;
    } catch (error) {
      if (client === this.client) {
        // A failed init drops its worker; let the next `ready()` try again.
        this.readyPromise = undefined;
        this.fail(error, 'init');
      }
      throw error;
    }
  }

  private succeed(info: InitResult): void {
    this.info = info;
    this.error = undefined;
    this.status = DetectorStatus.READY;
    this.host.requestUpdate();
    this.callbacks.onReady?.(info);
  }

  private fail(error: unknown, context: string): void {
    this.error = error;
    if (this.status !== DetectorStatus.RESTARTING) this.status = DetectorStatus.ERROR;
    this.host.requestUpdate();
    this.callbacks.onError?.(error, context);
  }
}
