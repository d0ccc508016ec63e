/**
 * Owns a host's subscription to new decisions: subscribes when the host connects (or its detector
 * changes), unsubscribes when it disconnects, and hands the pushed decisions to the host at most
 * once per animation frame, so thousands of decisions a second cost one render per frame.
 * Only changes cross the worker boundary: the log itself is read once (the backfill) at most.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { StoredDecision } from '../../worker/service-types';
import type { DetectorSource } from '../detector-source';

/** How often a host without a detector looks for one again, ms. */
const RETRY_MS = 500;

/** Where the controller gets its detector and where it delivers decisions. */
export interface DecisionStreamOptions {
  /** Resolves the host's current detector (undefined: none yet). */
  detector: () => Promise<DetectorSource | undefined>;
  /** Receives the decisions pushed since the last frame, in arrival order. */
  onDecisions: (decisions: StoredDecision[]) => void;
  /** Receives subscription failures. */
  onError?: (error: unknown) => void;
  /**
   * Decisions already in the log to deliver first (newest N, oldest first), e.g. after a reload;
   * 0 for none. Pushed decisions that arrive meanwhile are held back until the backfill is in.
   */
  backfill?: () => number;
}

/** Subscription lifecycle bound to a Lit host. */
export class DecisionStreamController implements ReactiveController {
  private unsubscribe: (() => void) | undefined;
  private pending: StoredDecision[] = [];
  private frame = 0;
  /** Incremented on every (re)connect, so a late subscription of an old target is dropped. */
  private generation = 0;
  private source: DetectorSource | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  /** True while the backfill loads: pushed decisions wait behind it. */
  private holding = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly options: DecisionStreamOptions,
  ) {
    host.addController(this);
  }

  /** The detector currently subscribed to. */
  get detector(): DetectorSource | undefined {
    return this.source;
  }

  hostConnected(): void {
    void this.connect();
  }

  hostDisconnected(): void {
    this.disconnect();
  }

  /** Re-subscribes, e.g. after the host's detector changed. */
  retarget(): void {
    this.disconnect();
    if (this.host.isConnected) void this.connect();
  }

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    try {
      const source = await this.options.detector();
      if (generation !== this.generation) return;
      if (!source) {
        // No detector yet (its element may be added later): look again shortly.
        this.retry = setTimeout(() => {
          if (generation === this.generation && this.host.isConnected) void this.connect();
        }, RETRY_MS);
        return;
      }
      this.holding = true;
      const off = await source.subscribe((decisions) => this.receive(decisions));
      if (generation !== this.generation) {
        off();
        return;
      }
      this.source = source;
      this.unsubscribe = off;
      const limit = this.options.backfill?.() ?? 0;
      if (limit > 0) {
        try {
          const past = await source.decisions({ limit });
          if (generation !== this.generation) return;
          // Newest first from the log; the host wants arrival order. Pushed ones come after.
          this.pending = past.reverse().concat(this.pending);
        } catch (error) {
          this.options.onError?.(error);
        }
      }
      this.holding = false;
      this.flush();
      this.host.requestUpdate();
    } catch (error) {
      if (generation === this.generation) this.options.onError?.(error);
    }
  }

  private disconnect(): void {
    this.generation++;
    clearTimeout(this.retry);
    this.holding = false;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.source = undefined;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.flush();
  }

  private receive(decisions: StoredDecision[]): void {
    for (const d of decisions) this.pending.push(d);
    if (this.holding) return;
    // Hidden tabs get no animation frames: deliver at once there, so nothing piles up unseen.
    if (document.visibilityState === 'hidden') {
      this.flush();
      return;
    }
    if (!this.frame) this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.flush();
    });
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.options.onDecisions(batch);
  }
}
