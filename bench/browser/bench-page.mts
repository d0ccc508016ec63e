/**
 * The page side of `npm run bench:browser` (the Node side is run.ts): drives the detector worker
 * through the real client, as an app would, and measures from the page. Exposes `window.bench`.
 * A `.mts` file with its own tsconfig (DOM lib) because `test/tsconfig.json` checks bench/**\/*.ts
 * as Node code.
 */
import type { Transaction } from '../../src/core/contract/types';
import { simulateStream } from '../../src/core/simulator';
import { DetectorClient } from '../../src/ui/detector-client';
import type { DetectorInit } from '../../src/worker/service-types';

const MODEL_URL = '/models/isolation_forest.json';

/** What run.ts asks for. */
export interface BenchOptions {
  users: number;
  batchSize: number;
  throughputBatches: number;
  warmupBatches: number;
  inFlight: number;
  roundTrips: number;
  roundTripWarmup: number;
  /** Users of the cold-start database (more than 10,000: 100 retained entries each would cap it at exactly 1M). */
  coldStartUsers: number;
  /** The cold-start database is filled until it holds this many history entries. */
  coldStartEntries: number;
  coldStartRepeats: number;
}

/** Realistic traffic (the project's simulator, 2% anomalies), in batches. */
class Traffic {
  private readonly stream: Iterator<Transaction>;

  constructor(seed: number, users: number) {
    this.stream = simulateStream({ seed, users, labels: false });
  }

  next(): Transaction {
    return this.stream.next().value as Transaction;
  }

  batch(n: number): Transaction[] {
    return Array.from({ length: n }, () => this.next());
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A configuration of a run. */
interface RunConfig {
  /** Explain flagged decisions (the detector's default) or not at all. */
  explanations: boolean;
  durability: 'default' | 'strict';
}

function client(dbName: string, run: RunConfig): DetectorClient {
  // Typed loosely: `explain` belongs to the explanation feature of src/core.
  const config = run.explanations ? undefined : ({ explain: 'none' } as unknown as DetectorInit['config']);
  return new DetectorClient({ modelUrl: MODEL_URL, dbName, config, storage: { durability: run.durability } }, { heartbeatMs: 0 });
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(name);
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `batches` through `c` keeping `inFlight` calls outstanding; returns per-batch latencies. */
async function pump(c: DetectorClient, batches: Transaction[][] | ((i: number) => Transaction[] | null), count: number, inFlight: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  let stop = false;
  const lane = async () => {
    while (next < count && !stop) {
      const i = next++;
      const batch = typeof batches === 'function' ? batches(i) : batches[i];
      if (batch === null) {
        stop = true;
        return;
      }
      const t0 = performance.now();
      const results = await c.detectBatch(batch);
      latencies.push(performance.now() - t0);
      if (results.length !== batch.length || 'error' in results[0]) throw new Error(`batch ${i} failed: ${JSON.stringify(results[0])}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return latencies;
}

async function throughputAndRoundTrip(o: BenchOptions, run: RunConfig, batchCount: number) {
  const dbName = `bench-throughput-${Date.now()}`;
  const c = client(dbName, run);
  await c.ready();
  const gen = new Traffic(7, o.users);
  const warm = Array.from({ length: o.warmupBatches }, () => gen.batch(o.batchSize));
  const batches = Array.from({ length: batchCount }, () => gen.batch(o.batchSize));
  await pump(c, warm, warm.length, o.inFlight);
  const t0 = performance.now();
  const latencies = await pump(c, batches, batches.length, o.inFlight);
  const seconds = (performance.now() - t0) / 1000;
  const state = (await c.metrics()).storage_state as Record<string, number>;
  latencies.sort((a, b) => a - b);
  const m = await c.metrics();
  const timing = (m.storage_state as { timing: Record<string, number> }).timing;
  const perBatch = (ms: number) => round(ms / timing.batches);
  const throughput = {
    explanations: run.explanations ? 'flagged decisions (the default)' : 'none',
    durability: run.durability,
    batch_size: o.batchSize,
    users: o.users,
    batches: batchCount,
    transactions: batchCount * o.batchSize,
    batches_in_flight: o.inFlight,
    seconds: round(seconds),
    txn_per_s: Math.round((batchCount * o.batchSize) / seconds),
    flagged_share: round((m.by_recommendation.REVIEW + m.by_recommendation.BLOCK) / m.transactions, 4),
    batch_ms_p50: round(percentile(latencies, 0.5)),
    batch_ms_p95: round(percentile(latencies, 0.95)),
    worker_ms_per_batch: {
      note: 'inside the worker, warm-up included; the rest of the wall time is Comlink (the batch as columns in, its log record out), validation, GC, and CPU shared with the page and the browser on this machine',
      score_and_encode: perBatch(timing.score_ms),
      store: perBatch(timing.store_ms),
      commit_wait: perBatch(timing.commit_wait_ms),
      apply: perBatch(timing.apply_ms),
      batches_per_write: round(timing.batches / timing.writes, 2),
    },
    history_entries_at_end: state.entries,
    compactions_during_run: state.compactions,
    last_compaction_ms: state.lastCompactionMs === null ? null : round(state.lastCompactionMs),
    last_compaction_blocking_ms: state.lastCompactionBlockingMs === null ? null : round(state.lastCompactionBlockingMs),
  };
  console.log(`throughput (explanations ${throughput.explanations}, durability ${run.durability}): ${throughput.txn_per_s} txn/s`);

  // Single round trips on the same database, one call at a time, timed in the page.
  for (let i = 0; i < o.roundTripWarmup; i++) await c.detect(gen.next());
  const trips: number[] = [];
  for (let i = 0; i < o.roundTrips; i++) {
    const t = gen.next();
    const t1 = performance.now();
    await c.detect(t);
    trips.push(performance.now() - t1);
  }
  trips.sort((a, b) => a - b);
  const roundTrip = {
    calls: o.roundTrips,
    p50_ms: round(percentile(trips, 0.5)),
    p95_ms: round(percentile(trips, 0.95)),
    p99_ms: round(percentile(trips, 0.99)),
    max_ms: round(trips[trips.length - 1]),
    history_entries: ((await c.metrics()).storage_state as Record<string, number>).entries,
  };
  console.log(`round trip: p50 ${roundTrip.p50_ms} ms, p95 ${roundTrip.p95_ms} ms`);
  c.terminate();
  await sleep(200);
  await deleteDatabase(dbName);
  return { throughput, roundTrip };
}

async function coldStart(o: BenchOptions) {
  const dbName = `bench-cold-${Date.now()}`;
  const fast: RunConfig = { explanations: false, durability: 'default' };
  const builder = client(dbName, fast);
  await builder.ready();
  const gen = new Traffic(11, o.coldStartUsers);
  // Fill until the view holds the target number of history entries (checked every 50 batches).
  let entries = 0;
  let total = 0;
  const t0 = performance.now();
  while (entries < o.coldStartEntries) {
    await pump(builder, () => gen.batch(o.batchSize), 50, o.inFlight);
    total += 50 * o.batchSize;
    entries = ((await builder.metrics()).storage_state as Record<string, number>).entries;
  }
  const nBatches = total / o.batchSize;
  const buildSeconds = (performance.now() - t0) / 1000;
  const built = (await builder.metrics()).storage_state as Record<string, number>;
  console.log(`built ${built.entries} history entries in ${round(buildSeconds, 1)} s`);
  builder.terminate();
  await sleep(500);
  const usage = (await navigator.storage.estimate()).usage ?? null;

  const ready: number[] = [];
  const firstDetect: number[] = [];
  let state: Record<string, number> = {};
  for (let r = 0; r < o.coldStartRepeats; r++) {
    const t1 = performance.now();
    const c = client(dbName, { explanations: true, durability: 'default' });
    await c.ready();
    ready.push(performance.now() - t1);
    const t2 = performance.now();
    await c.detect(gen.next());
    firstDetect.push(performance.now() - t2);
    state = (await c.metrics()).storage_state as Record<string, number>;
    c.terminate();
    console.log(`cold start ${r + 1}: ready in ${round(ready[r], 1)} ms`);
    await sleep(500);
  }
  await deleteDatabase(dbName);
  const sorted = [...ready].sort((a, b) => a - b);
  return {
    history_entries: built.entries,
    users: built.users,
    decisions_logged: total,
    log_records: built.lastSeq,
    snapshot_at_record: built.snapshotSeq,
    entries_logged_after_snapshot: built.entriesSinceSnapshot,
    database_usage_bytes: usage,
    build_batches: nBatches,
    build_txn_per_s: Math.round(total / buildSeconds),
    ready_ms: ready.map((x) => round(x, 1)),
    ready_ms_median: round(percentile(sorted, 0.5), 1),
    first_detect_ms: firstDetect.map((x) => round(x, 2)),
    view_after_cold_start: state,
  };
}

async function run(o: BenchOptions) {
  const { throughput, roundTrip } = await throughputAndRoundTrip(o, { explanations: false, durability: 'default' }, o.throughputBatches);
  const secondary = Math.max(1, Math.round(o.throughputBatches / 3));
  const strict = await throughputAndRoundTrip(o, { explanations: false, durability: 'strict' }, secondary);
  const explained = await throughputAndRoundTrip(o, { explanations: true, durability: 'default' }, secondary);
  const cold = await coldStart(o);
  return {
    throughput,
    round_trip: roundTrip,
    cold_start: cold,
    variants: [
      { throughput: strict.throughput, round_trip: strict.roundTrip },
      { throughput: explained.throughput, round_trip: explained.roundTrip },
    ],
  };
}

declare global {
  interface Window {
    bench: { run: typeof run };
  }
}
window.bench = { run };
