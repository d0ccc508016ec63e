import { expect } from '@esm-bundle/chai';
import { ReasonCode, type DetectionResult } from '../../src/core/contract/types';
import type { DetectorClient } from '../../src/ui/detector-client';
import type { StorageOptions, StoredDecision } from '../../src/worker/service-types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';
const BASE = Date.parse(`${DAY}T00:00:00Z`);

interface LogState {
  firstSeq: number;
  prunes: number;
  prunedRecords: number;
  prunedDecisions: number;
  lastPruneError: string | null;
}

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Batch `b` of ten transactions r{10b}..r{10b+9}, spread over five users, a few minutes apart. */
function batch(b: number, prefix = 'r'): ReturnType<typeof txn>[] {
  return Array.from({ length: 10 }, (_, i) => {
    const n = b * 10 + i;
    return txn(`${prefix}${n}`, `ru${n % 5}`, n % 2 ? 'Pune' : 'Mumbai', new Date(BASE + n * 300_000).toISOString(), 100 + n);
  });
}

/** The committed storage state (after the background compaction and prune the last write queued). */
async function settled(client: DetectorClient): Promise<{ log: LogState; decidedIds: number }> {
  await client.history('nobody'); // runs after every operation queued before it
  const state = (await client.metrics()).storage_state as { log: LogState; decidedIds: number };
  return state;
}

function readStore<T>(dbName: string, store: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(dbName);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const r = db.transaction(store).objectStore(store).getAll();
      r.onsuccess = () => {
        db.close();
        resolve(r.result as T[]);
      };
      r.onerror = () => reject(r.error);
    };
  });
}

const ids = (ds: readonly StoredDecision[]) => ds.map((d) => d.transaction_id);
const strip = ({ decided_at: _a, model_sha256: _s, transaction: _t, analyst_label: _l, ...result }: StoredDecision): DetectionResult => result;

describe('detector worker: decision log retention', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('keeps the newest decisions by count, removes labels with their decisions, and a cold start after the prune rebuilds the same state', async () => {
    const dbName = kit.db('retention-count');
    const storage: StorageOptions = { maxDecisions: 20, compactAfterEntries: 1, compactRatio: 0, logRetention: { maxDecisions: 50, pruneIntervalMs: 0 } };
    const client = kit.client({ modelUrl: MODEL_URL, dbName, storage });
    await client.detectBatch(batch(0));
    await client.label('r5', 'confirmed_fraud');
    for (let b = 1; b < 10; b++) await client.detectBatch(batch(b));
    await client.label('r95', 'legitimate');
    const { log } = await settled(client);
    expect(log.lastPruneError).to.equal(null);
    expect(log.prunedRecords).to.equal(5);
    expect(log.prunedDecisions).to.equal(50);
    expect(log.firstSeq).to.equal(6);

    const kept = await client.decisions({ limit: 1000 });
    expect(ids(kept)).to.deep.equal(Array.from({ length: 50 }, (_, i) => `r${99 - i}`));
    expect(kept.find((d) => d.transaction_id === 'r95')!.analyst_label).to.equal('legitimate');
    const labels = await readStore<{ transaction_id: string; seq: number }>(dbName, 'labels');
    expect(labels.map((l) => [l.transaction_id, l.seq])).to.deep.equal([['r95', 10]]);
    const catalog = await readStore<{ seq: number }>(dbName, 'catalog');
    expect(catalog.map((e) => e.seq)).to.deep.equal([6, 7, 8, 9, 10]);

    // Idempotency still answers the ids it remembers with the stored decision, not counted again.
    const remembered = kept.filter((d) => Number(d.transaction_id.slice(1)) >= 80);
    const repeat = await client.detectBatch(batch(8).concat(batch(9)));
    expect(repeat).to.deep.equal(remembered.map(strip).reverse());
    const m = await client.metrics();
    expect(m.transactions).to.equal(100);
    expect(m.repeats).to.equal(20);

    const histories = await Promise.all(['ru0', 'ru1', 'ru2', 'ru3', 'ru4'].map((u) => client.history(u)));
    client.crashForTest();
    expect(await Promise.all(['ru0', 'ru1', 'ru2', 'ru3', 'ru4'].map((u) => client.history(u)))).to.deep.equal(histories);
    expect(await client.decisions({ limit: 1000 })).to.deep.equal(kept);
    expect(await client.detectBatch(batch(9))).to.deep.equal(remembered.slice(0, 10).map(strip).reverse());
    expect((await client.metrics()).transactions).to.equal(0);
  });

  it('never removes a decision idempotency still answers, however old: the age limit applies to forgotten ids only', async () => {
    const storage: StorageOptions = { maxDecisions: 30, compactAfterEntries: 1, compactRatio: 0, logRetention: { maxAgeMs: 1, pruneIntervalMs: 0 } };
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('retention-age'), storage });
    const first: DetectionResult[] = [];
    for (let b = 0; b < 10; b++) {
      first.push(...(await client.detectBatch(batch(b))).map(decision));
      await sleep(3);
    }
    const { log } = await settled(client);
    // Every record is older than 1 ms; the ones holding the 30 remembered ids (records 8-10) stay.
    expect(log.prunedDecisions).to.equal(70);
    expect(ids(await client.decisions({ limit: 1000 }))).to.deep.equal(Array.from({ length: 30 }, (_, i) => `r${99 - i}`));
    const again = await client.detectBatch([...batch(7), ...batch(8), ...batch(9)]);
    expect(again).to.deep.equal(first.slice(70));
    const m = await client.metrics();
    expect(m.transactions).to.equal(100);
    expect(m.repeats).to.equal(30);
  });

  it('rejects a retention that would drop decisions idempotency relies on, naming the settings', async () => {
    const small = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('retention-bad'), storage: { logRetention: { maxDecisions: 10 } } });
    const err = await rejection(small.ready());
    expect(err.message).to.contain('storage.logRetention.maxDecisions (10) must be at least storage.maxDecisions (1000000)');
    const zero = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('retention-zero'), storage: { logRetention: { maxAgeMs: 0 } } });
    expect((await rejection(zero.ready())).message).to.contain('storage.logRetention.maxAgeMs must be a number > 0');
    const forever = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('retention-forever'), storage: { maxDecisions: 5, compactAfterEntries: 1, compactRatio: 0, logRetention: { maxAgeMs: Infinity, maxDecisions: Infinity, pruneIntervalMs: 0 } } });
    for (let b = 0; b < 3; b++) await forever.detectBatch(batch(b));
    expect((await settled(forever)).log.prunes).to.equal(0);
    expect(await forever.decisions({ limit: 100 })).to.have.length(30);
  });

  it('a tab that idled while another pruned past it reloads from the snapshot instead of reusing a removed sequence number', async () => {
    const dbName = kit.db('retention-two-tabs');
    const storage: StorageOptions = { maxDecisions: 20, compactAfterEntries: 1, compactRatio: 0, logRetention: { maxDecisions: 20, pruneIntervalMs: 0 } };
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName, storage });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName, storage });
    const tabC = kit.client({ modelUrl: MODEL_URL, dbName, storage });
    await Promise.all([tabA.ready(), tabB.ready(), tabC.ready()]);
    decision(await tabB.detect(txn('b0', 'idle', 'Mumbai', `${DAY}T08:00:00+05:30`)));
    expect(await tabC.history('idle')).to.have.length(1);
    // Tab A writes nine batches, the last with three cities of user "shared" within a minute, and prunes the log behind it.
    for (let b = 0; b < 9; b++) await tabA.detectBatch(batch(b, 'a'));
    const cities = ['Mumbai', 'Delhi', 'Bangalore'];
    await tabA.detectBatch([...batch(9, 'a').slice(0, 7), ...cities.map((c, i) => txn(`s${i}`, 'shared', c, `${DAY}T11:00:0${i}+05:30`))]);
    const { log } = await settled(tabA);
    expect(log.firstSeq, 'records after tab B\'s last one must be gone').to.be.greaterThan(2);

    // Tab B's view ends at record 1, and record 2 is gone: its write must see the gap, reload, and score on the complete state.
    const fourth = decision(await tabB.detect(txn('s3', 'shared', 'Chennai', `${DAY}T11:00:03+05:30`)));
    expect(fourth.reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    const newest = await tabA.decisions({ limit: 1 });
    expect(ids(newest)).to.deep.equal(['s3']);
    const stateB = (await tabB.metrics()).storage_state as { lastSeq: number };
    expect(stateB.lastSeq).to.equal(12);
    // A reading tab that idled as long catches up the same way.
    expect((await tabC.history('shared')).map((e) => e.transaction_id)).to.deep.equal(['s0', 's1', 's2', 's3']);
    expect(await tabC.history('shared')).to.deep.equal(await tabA.history('shared'));
    expect(await tabA.detect(txn('s3', 'shared', 'Chennai', `${DAY}T11:00:03+05:30`))).to.deep.equal(fourth);
  });
});
