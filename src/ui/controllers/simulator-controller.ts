/**
 * Drives a detector with the seeded live simulator: owns the timer, the simulator's clock (which
 * stands still while paused), the queue of transactions waiting to be scored and the live counts.
 * One `detectBatch` is in flight at a time, so a slow worker slows the feed instead of flooding
 * it (the simulator itself skips a backlog beyond one batch).
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { createLiveSimulator, type AnomalyType, type LabelledTransaction, type LiveSimulator } from '../../core/simulator';
import type { DetectionResult, ErrorResult } from '../../core/contract/types';
import type { DetectorSource } from '../detector-source';

/** The knobs of the simulator panel. */
export interface SimulatorSettings {
  /** Transactions per second, 1..5,000. */
  ratePerSecond: number;
  /** Number of simulated card holders. */
  users: number;
  /** Share of anomalous transactions in the paced feed, [0, 1). */
  anomalyRate: number;
  /** Any safe integer. */
  seed: number;
}

/** Defaults of the panel: a calm demo feed. */
export const DEFAULT_SIMULATOR_SETTINGS: Readonly<SimulatorSettings> = Object.freeze({
  ratePerSecond: 20,
  users: 200,
  anomalyRate: 0.02,
  seed: 42,
});

/** Limits the panel enforces. */
export const SIMULATOR_LIMITS = Object.freeze({
  rate: { min: 1, max: 5_000 },
  users: { min: 1, max: 100_000 },
  anomalyRate: { min: 0, max: 0.5 },
});

/** Live counts of the simulator and of the decisions it got back. */
export interface SimulatorCounts {
  /** Transactions generated (paced and injected). */
  generated: number;
  /** Transactions injected by the scenario buttons. */
  injected: number;
  /** Decisions received. */
  decided: number;
  approve: number;
  review: number;
  block: number;
  /** Error results (invalid transactions) and failed batches' transactions. */
  errors: number;
  /** Transactions waiting to be sent. */
  queued: number;
}

const ZERO_COUNTS: SimulatorCounts = Object.freeze({ generated: 0, injected: 0, decided: 0, approve: 0, review: 0, block: 0, errors: 0, queued: 0 });

/** Timer period, ms: 10 sends a second keeps batches small and the feed lively. */
const TICK_MS = 100;

/** Clamps `value` into [min, max], replacing NaN with `fallback`. */
function clamp(value: number, min: number, max: number, fallback: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** Normalises settings into the panel's limits. */
export function normaliseSettings(s: Partial<SimulatorSettings>): SimulatorSettings {
  const d = DEFAULT_SIMULATOR_SETTINGS;
  return {
    ratePerSecond: clamp(Number(s.ratePerSecond), SIMULATOR_LIMITS.rate.min, SIMULATOR_LIMITS.rate.max, d.ratePerSecond),
    users: Math.round(clamp(Number(s.users), SIMULATOR_LIMITS.users.min, SIMULATOR_LIMITS.users.max, d.users)),
    anomalyRate: clamp(Number(s.anomalyRate), SIMULATOR_LIMITS.anomalyRate.min, SIMULATOR_LIMITS.anomalyRate.max, d.anomalyRate),
    seed: Number.isSafeInteger(Number(s.seed)) ? Number(s.seed) : d.seed,
  };
}

/** Simulator lifecycle bound to a Lit host: pauses when the host leaves the page. */
export class SimulatorController implements ReactiveController {
  /** True while the feed runs. */
  running = false;
  counts: SimulatorCounts = { ...ZERO_COUNTS };
  /** The last failure (no detector, a rejected batch), cleared by the next good batch. */
  error: unknown;
  private settingsValue: SimulatorSettings = { ...DEFAULT_SIMULATOR_SETTINGS };
  private sim: LiveSimulator | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private queue: LabelledTransaction[] = [];
  private inFlight = false;
  /** The simulator's clock: real time that passed while running, from `clockBase`. */
  private clockBase = Date.now();
  private runningSince = 0;
  private elapsedBeforePause = 0;
  /** Latest simulated timestamp handed out, so a new simulator continues after it. */
  private lastTimestampMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly detector: () => Promise<DetectorSource | undefined>,
    /** Called with each batch's outcomes after the counts were updated. */
    private readonly onOutcomes?: (outcomes: Array<DetectionResult | ErrorResult>) => void,
  ) {
    host.addController(this);
  }

  /** Current settings (normalised). */
  get settings(): Readonly<SimulatorSettings> {
    return this.settingsValue;
  }

  hostConnected(): void {
    if (this.running && !this.timer) this.startTimer();
  }

  hostDisconnected(): void {
    this.stopTimer();
  }

  /** Starts or resumes the paced feed. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.runningSince = performance.now();
    this.startTimer();
    this.host.requestUpdate();
  }

  /** Pauses the paced feed; the simulated clock stands still until `start`. */
  pause(): void {
    if (!this.running) return;
    this.elapsedBeforePause += performance.now() - this.runningSince;
    this.running = false;
    this.stopTimer();
    this.host.requestUpdate();
  }

  /**
   * Changes the settings. The simulator is rebuilt with them and continues the simulated time
   * after the last transaction it handed out, so no user's history goes backwards.
   */
  configure(settings: Partial<SimulatorSettings>): void {
    const next = normaliseSettings({ ...this.settingsValue, ...settings });
    const same = (Object.keys(next) as Array<keyof SimulatorSettings>).every((k) => next[k] === this.settingsValue[k]);
    this.settingsValue = next;
    if (!same) this.sim = undefined;
    this.host.requestUpdate();
  }

  /** Injects one scenario now and sends it ahead of the paced feed; resolves with its size. */
  async inject(type: AnomalyType): Promise<number> {
    const txns = this.simulator().inject(type, this.clock());
    this.counts.injected += txns.length;
    this.enqueue(txns);
    await this.pump();
    return txns.length;
  }

  /** Zeroes the counts (the feed keeps its state). */
  resetCounts(): void {
    this.counts = { ...ZERO_COUNTS, queued: this.queue.length };
    this.host.requestUpdate();
  }

  /** The simulator's clock, ms. */
  private clock(): number {
    const running = this.running ? performance.now() - this.runningSince : 0;
    return this.clockBase + this.elapsedBeforePause + running;
  }

  private simulator(): LiveSimulator {
    if (!this.sim) {
      const s = this.settingsValue;
      const now = this.clock();
      this.sim = createLiveSimulator({
        seed: s.seed,
        users: s.users,
        anomalyRate: s.anomalyRate,
        ratePerSecond: s.ratePerSecond,
        clockStartMs: now,
        start: Number.isFinite(this.lastTimestampMs) ? Math.max(now, this.lastTimestampMs + 60_000) : now,
        // One second of backlog at most: a throttled tab resumes with one batch, not a flood.
        maxBatch: Math.max(1_000, Math.ceil(s.ratePerSecond)),
      });
    }
    return this.sim;
  }

  private startTimer(): void {
    this.stopTimer();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (!this.running || this.inFlight) return;
    this.enqueue(this.simulator().next(this.clock()));
    void this.pump();
  }

  private enqueue(txns: LabelledTransaction[]): void {
    for (const t of txns) {
      this.queue.push(t);
      const ms = Date.parse(t.timestamp);
      if (ms > this.lastTimestampMs) this.lastTimestampMs = ms;
    }
    this.counts.generated += txns.length;
    this.counts.queued = this.queue.length;
  }

  /** Sends the queue, one batch in flight at a time, oldest first. */
  private async pump(): Promise<void> {
    while (!this.inFlight && this.queue.length > 0) {
      const source = await this.detector();
      if (!source) {
        this.error = new Error('No detector: set the panel’s detector property or its for attribute to an <anomaly-detector> id.');
        this.host.requestUpdate();
        return;
      }
      if (this.inFlight) return;
      const batch = this.queue;
      this.queue = [];
      this.counts.queued = 0;
      this.inFlight = true;
      try {
        const outcomes = await source.detectBatch(batch);
        this.count(outcomes);
        this.error = undefined;
        this.onOutcomes?.(outcomes);
      } catch (error) {
        this.counts.errors += batch.length;
        this.error = error;
      } finally {
        this.inFlight = false;
        this.counts.queued = this.queue.length;
        this.host.requestUpdate();
      }
    }
  }

  private count(outcomes: Array<DetectionResult | ErrorResult>): void {
    const c = this.counts;
    for (const o of outcomes) {
      if ('error' in o) {
        c.errors++;
        continue;
      }
      c.decided++;
      if (o.recommendation === 'BLOCK') c.block++;
      else if (o.recommendation === 'REVIEW') c.review++;
      else c.approve++;
    }
  }
}
