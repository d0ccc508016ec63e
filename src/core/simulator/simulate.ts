/**
 * Batch and streaming front ends of the simulator.
 */
import { parseStart } from './clock';
import { Engine, engineConfig } from './engine';
import type { LabelledTransaction } from './labelled-transaction';

/** Options of `simulate`. */
export interface SimulatorOptions {
  /** Number of transactions to produce. */
  n: number;
  /** Any safe integer; the same options always give the same transactions. */
  seed: number;
  /** Number of users; default max(50, round(n / 40)). */
  users?: number;
  /** Share of anomalous transactions, in [0, 1); default 0.02. */
  anomalyRate?: number;
  /** Start of the simulated period: ISO 8601 or epoch ms; default `2026-01-05T00:00:00+05:30`. */
  start?: string | number;
  /** Add `is_anomaly` and `anomaly_type` to each transaction; default true. */
  labels?: boolean;
}

/** Options of `simulateStream`: as `simulate`, but `n` may be omitted (or Infinity) for an endless stream. */
export interface SimulatorStreamOptions extends Omit<SimulatorOptions, 'n'> {
  /** Number of transactions to yield; default Infinity. */
  n?: number;
}

/** Users of an endless stream, when not given. */
const ENDLESS_USERS = 50;

/**
 * Simulates `n` transactions of a seeded population of Indian card holders, sorted by time,
 * with anomalies injected at `anomalyRate` and labelled.
 *
 * @example
 * const txns = simulate({ n: 20_000, seed: 7 });
 * txns.filter((t) => t.is_anomaly).length; // about 400
 */
export function simulate(options: SimulatorOptions): LabelledTransaction[] {
  const { engine, n, labels } = setUp(options, true);
  const out = new Array<LabelledTransaction>(n);
  for (let i = 0; i < n; i++) out[i] = engine.toTransaction(engine.next(), labels);
  return out;
}

/**
 * Yields the same transactions as `simulate` one at a time, in time order, without holding them;
 * endless when `n` is omitted.
 */
export function* simulateStream(options: SimulatorStreamOptions): Generator<LabelledTransaction, void, undefined> {
  const { engine, n, labels } = setUp({ ...options, n: options.n ?? Infinity }, false);
  for (let i = 0; i < n; i++) yield engine.toTransaction(engine.next(), labels);
}

function setUp(options: SimulatorStreamOptions & { n: number }, finiteOnly: boolean): { engine: Engine; n: number; labels: boolean } {
  const { n, seed } = options;
  if (!(Number.isSafeInteger(n) && n >= 0) && !(n === Infinity && !finiteOnly)) {
    throw new RangeError(`n must be a non-negative integer${finiteOnly ? '' : ' or Infinity'}, got ${n}`);
  }
  const finite = Number.isFinite(n);
  const config = engineConfig({
    seed,
    users: options.users ?? (finite ? Math.max(50, Math.round(n / 40)) : ENDLESS_USERS),
    anomalyRate: options.anomalyRate,
    startMs: parseStart(options.start),
    n,
  });
  return { engine: new Engine(config), n, labels: options.labels ?? true };
}
