import { expect } from '@esm-bundle/chai';
import { ReasonCode } from '../../src/core/contract/types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';

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
});
