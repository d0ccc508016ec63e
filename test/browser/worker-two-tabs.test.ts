import { expect } from '@esm-bundle/chai';
import { ReasonCode } from '../../src/core/contract/types';
import type { DetectorClient } from '../../src/ui/detector-client';
import type { StoredDecision } from '../../src/worker/service-types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';

async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Subscribes and collects the pushes (one array per committed batch). */
function collect(client: DetectorClient): StoredDecision[][] {
  const pushes: StoredDecision[][] = [];
  client.subscribe((d) => pushes.push(d));
  return pushes;
}

const pushedIds = (pushes: StoredDecision[][]) => pushes.flat().map((d) => d.transaction_id);

describe('two detector workers on one database (two tabs)', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('sees the other worker\'s transactions in the velocity window and keeps idempotency across them', async () => {
    const dbName = kit.db('two-tabs');
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName });
    await Promise.all([tabA.ready(), tabB.ready()]);
    decision(await tabA.detect(txn('x1', 'shared', 'Mumbai', `${DAY}T10:00:00+05:30`)));
    decision(await tabB.detect(txn('x2', 'shared', 'Delhi', `${DAY}T10:00:01+05:30`)));
    decision(await tabA.detect(txn('x3', 'shared', 'Bangalore', `${DAY}T10:00:02+05:30`)));
    const fourth = decision(await tabB.detect(txn('x4', 'shared', 'Chennai', `${DAY}T10:00:03+05:30`)));
    expect(fourth.reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    // B's view was behind A's record each time: its writes lost the race for the sequence number and were scored again.
    expect(((await tabB.metrics()).storage_state as { conflicts: number }).conflicts).to.be.greaterThan(0);
    // Tab A never saw x4 itself; it still answers with B's decision and does not count it again.
    expect(await tabA.detect(txn('x4', 'shared', 'Chennai', `${DAY}T10:00:03+05:30`))).to.deep.equal(fourth);
    expect((await tabA.history('shared')).map((e) => e.transaction_id)).to.deep.equal(['x1', 'x2', 'x3', 'x4']);
  });

  it('loses nothing when both workers write batches for the same users at the same time', async () => {
    const dbName = kit.db('two-tabs-race');
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName });
    await Promise.all([tabA.ready(), tabB.ready()]);
    const base = Date.parse(`${DAY}T00:00:00Z`);
    const users = ['p0', 'p1', 'p2', 'p3', 'p4'];
    const make = (tab: string, batch: number) =>
      Array.from({ length: 50 }, (_, i) => {
        const n = batch * 50 + i;
        return txn(`${tab}-${n}`, users[n % users.length], n % 3 ? 'Pune' : 'Mumbai', new Date(base + n * 120_000 + (tab === 'a' ? 0 : 60_000)).toISOString());
      });
    const run = async (client: typeof tabA, tab: string) => {
      for (let b = 0; b < 4; b++) await client.detectBatch(make(tab, b));
    };
    // Overlapping repeats too: both tabs submit the same ids of tab a's first batch.
    await Promise.all([run(tabA, 'a'), run(tabB, 'b'), tabB.detectBatch(make('a', 0))]);
    for (const user of users) {
      const [seenByA, seenByB] = await Promise.all([tabA.history(user), tabB.history(user)]);
      expect(seenByA).to.deep.equal(seenByB);
      expect(seenByA).to.have.length(80);
      expect(new Set(seenByA.map((e) => e.transaction_id)).size).to.equal(80);
      const times = seenByA.map((e) => e.epochMs);
      expect(times).to.deep.equal([...times].sort((x, y) => x - y));
    }
    const log = await tabA.decisions({ limit: 10_000 });
    expect(log).to.have.length(400);
    expect(new Set(log.map((d) => d.transaction_id)).size).to.equal(400);
  });

  it('pushes to each tab\'s subscribers the decisions the other tab committed too, once each, in log order', async () => {
    const dbName = kit.db('two-tabs-subscribe');
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName });
    await Promise.all([tabA.ready(), tabB.ready()]);
    // Committed before anyone subscribed: not pushed.
    await tabB.detect(txn('before', 'sub-0', 'Pune', `${DAY}T08:00:00+05:30`));
    const seenA = collect(tabA);
    const seenB = collect(tabB);
    await Promise.all([tabA.metrics(), tabB.metrics()]); // the subscriptions are registered (calls run in order)
    await tabA.detectBatch([txn('a1', 'sub-1', 'Mumbai', `${DAY}T09:00:00+05:30`), txn('a2', 'sub-2', 'Delhi', `${DAY}T09:00:01+05:30`)]);
    await tabB.detect(txn('b1', 'sub-1', 'Mumbai', `${DAY}T09:10:00+05:30`));
    await tabA.detect(txn('a3', 'sub-2', 'Delhi', `${DAY}T09:20:00+05:30`));
    await tabB.detectBatch([txn('b2', 'sub-1', 'Mumbai', `${DAY}T09:30:00+05:30`), txn('b3', 'sub-3', 'Goa', `${DAY}T09:30:01+05:30`)]);
    // A repeat of a decided transaction is answered from the log and pushed nowhere.
    await tabB.detect(txn('a1', 'sub-1', 'Mumbai', `${DAY}T09:00:00+05:30`));
    const order = ['a1', 'a2', 'b1', 'a3', 'b2', 'b3'];
    await waitFor(() => pushedIds(seenA).length >= 6 && pushedIds(seenB).length >= 6, 'both tabs to receive six decisions');
    await new Promise((r) => setTimeout(r, 100));
    for (const seen of [seenA, seenB]) {
      expect(pushedIds(seen)).to.deep.equal(order);
      // One push per committed batch, as the log holds them.
      expect(seen.map((p) => p.map((d) => d.transaction_id))).to.deep.equal([['a1', 'a2'], ['b1'], ['a3'], ['b2', 'b3']]);
    }
    // What the other tab pushes is the stored decision, as the log returns it.
    const log = await tabA.decisions({ limit: 10 });
    expect(seenA[1][0]).to.deep.equal(log.find((d) => d.transaction_id === 'b1'));
    expect(seenB[0][1]).to.deep.equal(log.find((d) => d.transaction_id === 'a2'));
  });

  it('pushes every decision once and in log order to both tabs while both write at the same time', async () => {
    const dbName = kit.db('two-tabs-subscribe-race');
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName });
    await Promise.all([tabA.ready(), tabB.ready()]);
    const seenA = collect(tabA);
    const seenB = collect(tabB);
    await Promise.all([tabA.metrics(), tabB.metrics()]);
    const base = Date.parse(`${DAY}T00:00:00Z`);
    const make = (tab: string, b: number) =>
      Array.from({ length: 20 }, (_, i) => txn(`${tab}-${b}-${i}`, `race-${i % 7}`, i % 2 ? 'Pune' : 'Mumbai', new Date(base + (b * 20 + i) * 90_000 + (tab === 'a' ? 0 : 45_000)).toISOString()));
    const run = async (client: DetectorClient, tab: string) => {
      for (let b = 0; b < 10; b++) await client.detectBatch(make(tab, b));
    };
    // Single calls interleaved with batches, and both tabs repeating some of tab a's ids.
    await Promise.all([run(tabA, 'a'), run(tabB, 'b'), tabB.detectBatch(make('a', 0)), tabA.detectBatch(make('a', 1))]);
    await waitFor(() => pushedIds(seenA).length >= 400 && pushedIds(seenB).length >= 400, 'both tabs to receive 400 decisions');
    await new Promise((r) => setTimeout(r, 150));
    const logOrder = (await tabA.decisions({ limit: 10_000 })).map((d) => d.transaction_id).reverse();
    expect(logOrder).to.have.length(400);
    expect(pushedIds(seenA)).to.deep.equal(logOrder);
    expect(pushedIds(seenB)).to.deep.equal(logOrder);
    const [a, b] = await Promise.all([tabA.metrics(), tabB.metrics()]);
    expect(a.transactions + b.transactions).to.equal(400);
  });
});
