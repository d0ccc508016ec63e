/**
 * Polls the detector's metrics while the host is connected (one small snapshot per interval:
 * counters, never the decision log) and asks the host to render when a new one arrives.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { MetricsSnapshot } from '../../worker/service-types';
import type { DetectorSource } from '../detector-source';

/** Default polling interval, ms. */
export const DEFAULT_METRICS_INTERVAL_MS = 1_000;

/** Polling lifecycle bound to a Lit host. */
export class MetricsController implements ReactiveController {
  /** The latest snapshot, if any arrived. */
  snapshot: MetricsSnapshot | undefined;
  /** The latest polling error, cleared by the next good snapshot. */
  error: unknown;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly detector: () => Promise<DetectorSource | undefined>,
    public intervalMs = DEFAULT_METRICS_INTERVAL_MS,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.running = true;
    void this.poll();
  }

  hostDisconnected(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Polls now (e.g. after the detector changed) instead of waiting for the next tick. */
  refresh(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    void this.poll();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    try {
      const source = await this.detector();
      if (source) {
        this.snapshot = await source.metrics();
        this.error = undefined;
        this.host.requestUpdate();
      }
    } catch (error) {
      this.error = error;
      this.host.requestUpdate();
    }
    // Schedule after the call returned, so a slow worker never gets overlapping polls.
    if (this.running && this.timer === undefined) this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }
}
