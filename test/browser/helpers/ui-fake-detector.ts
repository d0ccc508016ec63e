/**
 * A detector stand-in for the element tests: plain data in and out, no worker. It records what
 * the elements ask of it and lets a test push decisions as the worker's subscription would.
 */
import type { DetectionResult, ErrorResult, HistoryEntry, ReasonCode, Recommendation, RiskLevel, Transaction } from '../../../src/core/contract/types';
import type { DecisionListener, DetectorSource } from '../../../src/ui/detector-source';
import type { AnalystLabel, DecisionQuery, MetricsSnapshot, StoredDecision } from '../../../src/worker/service-types';

const LEVELS: RiskLevel[] = ['LOW', 'MEDIUM', 'HIGH'];
const RECOMMENDATIONS: Recommendation[] = ['APPROVE', 'REVIEW', 'BLOCK'];

/** A stored decision number `i`; level and recommendation cycle unless given. */
export function makeDecision(i: number, overrides: Omit<Partial<StoredDecision>, 'transaction'> & { transaction?: Partial<Transaction> } = {}): StoredDecision {
  const { transaction, ...rest } = overrides;
  const id = `T${String(i).padStart(6, '0')}`;
  const user = `U${String(i % 97).padStart(4, '0')}`;
  const level = LEVELS[i % 3];
  const recommendation = RECOMMENDATIONS[i % 3];
  const reason_codes: ReasonCode[] = recommendation === 'BLOCK' ? ['VELOCITY_MULTI_CITY'] : recommendation === 'REVIEW' ? ['HIGH_AMOUNT'] : [];
  return {
    transaction_id: id,
    user_id: user,
    risk_score: ((i * 37) % 100) / 100,
    risk_level: level,
    reason_codes,
    recommendation,
    reason_details: reason_codes.map((c) => `${c} fired for ${id}`),
    model_score: -0.45,
    decision_function: 0.05,
    model_version: 'iforest-test',
    decided_at: 1_767_600_000_000 + i * 1000,
    model_sha256: 'a'.repeat(64),
    transaction: {
      transaction_id: id,
      user_id: user,
      amount: 100 + i,
      location: 'Mumbai',
      timestamp: '2026-01-05T10:00:00+05:30',
      merchant_type: 'grocery',
      ...transaction,
    },
    ...rest,
  };
}

/** `n` decisions, oldest first. */
export function makeDecisions(n: number, start = 0): StoredDecision[] {
  return Array.from({ length: n }, (_, k) => makeDecision(start + k));
}

/** A metrics snapshot with everything the panel shows. */
export function makeMetrics(extra: Record<string, unknown> = {}): MetricsSnapshot {
  return {
    transactions: 1234,
    repeats: 0,
    errors: 2,
    by_level: { LOW: 1000, MEDIUM: 200, HIGH: 34 },
    by_recommendation: { APPROVE: 1150, REVIEW: 50, BLOCK: 34 },
    latency_ms: { p50: 0.8, p95: 2.5, p99: 7.25 },
    throughput_per_s: 412.5,
    high_risk_rate: 0.0275,
    model: { modelVersion: 'iforest-test', sha256: 'f'.repeat(64), featureSet: 'behavioral', forestEngine: 'wasm', source: 'url' },
    storage: 'indexeddb',
    ...extra,
  };
}

/** Records calls; answers from memory. */
export class FakeDetector implements DetectorSource {
  readonly batches: unknown[][] = [];
  readonly labels: Array<[string, AnalystLabel]> = [];
  readonly historyCalls: string[] = [];
  listeners = new Set<DecisionListener>();
  log: StoredDecision[] = [];
  histories = new Map<string, HistoryEntry[]>();
  metricsSnapshot: MetricsSnapshot = makeMetrics();
  metricsCalls = 0;
  /** Resolves detectBatch calls only when released (to test back-pressure). */
  hold: Promise<void> | null = null;

  async detect(txn: unknown): Promise<DetectionResult | ErrorResult> {
    return (await this.detectBatch([txn]))[0];
  }

  async detectBatch(txns: unknown[]): Promise<Array<DetectionResult | ErrorResult>> {
    this.batches.push(txns);
    if (this.hold) await this.hold;
    const out = txns.map((t, k): DetectionResult | ErrorResult => {
      const x = t as Transaction;
      if (typeof x?.transaction_id !== 'string') return { error: { code: 'MISSING_FIELD', field: 'transaction_id', message: 'required' } };
      const d = makeDecision(this.log.length + k, { transaction_id: x.transaction_id, user_id: x.user_id, transaction: x });
      return d;
    });
    const fresh = out.filter((o): o is StoredDecision => !('error' in o));
    this.log.push(...fresh);
    for (const l of this.listeners) l(fresh);
    return out;
  }

  async history(userId: string): Promise<HistoryEntry[]> {
    this.historyCalls.push(userId);
    return this.histories.get(userId) ?? [];
  }

  async decisions(query: DecisionQuery = {}): Promise<StoredDecision[]> {
    return [...this.log].reverse().slice(0, query.limit ?? 1000);
  }

  async label(transactionId: string, label: AnalystLabel): Promise<void> {
    this.labels.push([transactionId, label]);
  }

  async metrics(): Promise<MetricsSnapshot> {
    this.metricsCalls++;
    return this.metricsSnapshot;
  }

  async subscribe(listener: DecisionListener): Promise<() => void> {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pushes decisions to the subscribers, as the worker does after a commit. */
  push(decisions: StoredDecision[]): void {
    for (const l of this.listeners) l(decisions);
  }
}

/** A custom element carrying the detector API, as `<anomaly-detector>` does (found through `for`). */
export class FakeDetectorElement extends HTMLElement implements DetectorSource {
  readonly fake = new FakeDetector();
  detect(txn: unknown) {
    return this.fake.detect(txn);
  }
  detectBatch(txns: unknown[]) {
    return this.fake.detectBatch(txns);
  }
  history(userId: string) {
    return this.fake.history(userId);
  }
  decisions(query?: DecisionQuery) {
    return this.fake.decisions(query);
  }
  label(id: string, label: AnalystLabel) {
    return this.fake.label(id, label);
  }
  metrics() {
    return this.fake.metrics();
  }
  subscribe(listener: DecisionListener) {
    return this.fake.subscribe(listener);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it is true (or fails naming `what`). */
export async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Two animation frames: the feed delivers pushed decisions once per frame. */
export const frames = () => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())));

/** Mounts an element in a fresh container; returns it (and removes the container after the test via `unmount`). */
export function mount<T extends HTMLElement>(el: T): T {
  const host = document.createElement('div');
  host.dataset.testHost = '';
  host.style.width = '1000px';
  document.body.append(host);
  host.append(el);
  return el;
}

/** Removes everything `mount` added. */
export function unmountAll(): void {
  for (const el of document.querySelectorAll('[data-test-host]')) el.remove();
}
