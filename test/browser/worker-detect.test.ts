import { expect } from '@esm-bundle/chai';
import { ReasonCode, type DetectionResult } from '../../src/core/contract/types';
import { simulate } from '../../src/core/simulator';
import { createDetectorService } from '../../src/worker/detector-service';
import { DetectorCrashedError, WORKER_CRASHED_MESSAGE } from '../../src/ui/detector-client';
import type { StoredDecision } from '../../src/worker/service-types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';

async function waitFor(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe('detector worker: detect, restarts and subscriptions', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('scores a transaction through the real module worker and keeps its history in IndexedDB', async () => {
    const dbName = kit.db('detect');
    const client = kit.client({ modelUrl: MODEL_URL, dbName });
    const init = await client.ready();
    expect(init.storage).to.equal('indexeddb');
    expect(init.warning).to.equal(undefined);
    expect(init.modelVersion).to.equal('iforest-behavioral-t150-s7');
    expect(init.sha256).to.match(/^[0-9a-f]{64}$/);
    const r = decision(await client.detect(txn('t1', 'u1', 'Mumbai', `${DAY}T10:00:00+05:30`, 1200)));
    expect(r.transaction_id).to.equal('t1');
    expect(r.user_id).to.equal('u1');
    expect(r.risk_score).to.be.within(0, 1);
    expect(['LOW', 'MEDIUM', 'HIGH']).to.include(r.risk_level);
    expect(r.model_version).to.equal(init.modelVersion);
    expect((await client.history('u1')).map((e) => e.transaction_id)).to.deep.equal(['t1']);
    expect((await indexedDB.databases()).map((d) => d.name)).to.include(dbName);
    const m = await client.metrics();
    expect(m.transactions).to.equal(1);
    expect(m.storage).to.equal('indexeddb');
    expect(m.model.sha256).to.equal(init.sha256);
  });

  it('decides a batch packed both ways as the service decides the cloned batch: plain and odd items, rejections, repeats, explanations', async () => {
    // Anomalous traffic, so that rules fire and flagged decisions carry explanations (the default).
    const traffic = simulate({ n: 300, seed: 77, users: 20, anomalyRate: 0.2, labels: false });
    class Payment {
      constructor(readonly transaction_id: string) {}
      get amount(): number {
        return 10; // not an own property: structured clone leaves it out
      }
    }
    const odd: unknown[] = [
      { transaction_id: 'bad', amount: -1 },
      'not an object',
      null,
      [traffic[5]],
      { ...traffic[6], transaction_id: 'as-string', amount: '12' },
      { ...traffic[7], transaction_id: 'extra', note: 'ignored', user_name: null, country: 'IN', mcc_code: '5411' },
      { ...traffic[8], transaction_id: 'named', user_name: 'Asha', country: undefined },
      { ...traffic[9], transaction_id: 'bad-optional', country: 91 },
      Object.assign(Object.create(null), { ...traffic[10], transaction_id: 'no-prototype' }),
      new Payment('instance'),
      { ...traffic[11], transaction_id: 'getter', get amount() { return 77; } },
      { ...traffic[12], transaction_id: 'blank-user', user_id: ' ' },
      { ...traffic[13], transaction_id: 'no-offset', timestamp: '2026-01-05T10:00:00' },
    ];
    const first: unknown[] = [...traffic.slice(0, 150), ...odd, traffic[3]];
    const second: unknown[] = [...traffic.slice(140, 300), traffic[0], traffic[299]];
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('packed') });
    const got = [await client.detectBatch(first), await client.detectBatch(second)];
    // The reference: the service itself, in this page, on in-memory storage.
    const reference = createDetectorService();
    await reference.init({ modelJson: await (await fetch(MODEL_URL)).json(), dbName: 'reference', storage: { memoryOnly: true } });
    // (What crossing to a worker does to the items: structured clone.)
    const want = [await reference.detectBatch(structuredClone(first)), await reference.detectBatch(structuredClone(second))];
    expect(JSON.stringify(got)).to.equal(JSON.stringify(want));
    const flat = want.flat();
    expect(flat.filter((r) => 'error' in r).map((r) => ('error' in r ? r.error.field : ''))).to.deep.equal(['user_id', '$', '$', '$', 'amount', 'country', 'user_id', 'user_id', 'timestamp']);
    for (const id of ['extra', 'named', 'no-prototype', 'getter']) expect(flat.some((r) => !('error' in r) && r.transaction_id === id)).to.equal(true);
    expect(flat.some((r) => 'explanation' in r)).to.equal(true);
    expect(flat.some((r) => 'reason_codes' in r && r.reason_codes.length > 0)).to.equal(true);
  });

  it('raises VELOCITY_MULTI_CITY on the fourth city within 60 s even when the worker restarts after the second', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('velocity') });
    decision(await client.detect(txn('v1', 'traveller', 'Mumbai', `${DAY}T10:00:00+05:30`)));
    decision(await client.detect(txn('v2', 'traveller', 'Delhi', `${DAY}T10:00:01+05:30`)));
    client.crashForTest();
    const third = decision(await client.detect(txn('v3', 'traveller', 'Bangalore', `${DAY}T10:00:02+05:30`)));
    const fourth = decision(await client.detect(txn('v4', 'traveller', 'Chennai', `${DAY}T10:00:03+05:30`)));
    expect(client.workersStarted).to.equal(2);
    expect(third.reason_codes).not.to.include(ReasonCode.VELOCITY_MULTI_CITY);
    expect(fourth.reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    expect(fourth.recommendation).to.equal('BLOCK');
    expect((await client.history('traveller')).map((e) => e.location)).to.deep.equal(['Mumbai', 'Delhi', 'Bangalore', 'Chennai']);
  });

  it('scores calls in flight together in call order: a later call sees the earlier ones, repeats are not counted twice', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('in-flight') });
    await client.ready();
    const cities = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai'];
    const calls = cities.map((c, i) => client.detect(txn(`f${i}`, 'flight', c, `${DAY}T10:00:0${i}+05:30`)));
    const repeat = client.detect(txn('f3', 'flight', 'Chennai', `${DAY}T10:00:03+05:30`));
    const results = (await Promise.all(calls)).map(decision);
    expect(results[3].reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    expect(results.slice(0, 3).some((r) => r.reason_codes.includes(ReasonCode.VELOCITY_MULTI_CITY))).to.equal(false);
    expect(await repeat).to.deep.equal(results[3]);
    expect((await client.history('flight')).map((e) => e.transaction_id)).to.deep.equal(['f0', 'f1', 'f2', 'f3']);
  });

  it('returns the stored decision for a repeated transaction_id after a restart and does not count it again', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('idempotent') });
    decision(await client.detect(txn('r1', 'repeat', 'Mumbai', `${DAY}T10:00:00+05:30`)));
    decision(await client.detect(txn('r2', 'repeat', 'Delhi', `${DAY}T10:00:01+05:30`)));
    const first = decision(await client.detect(txn('r3', 'repeat', 'Bangalore', `${DAY}T10:00:02+05:30`, 777)));
    client.crashForTest();
    // Counted again, these repeats would make 4 and 5 transactions in the window and fire velocity.
    const again = await client.detectBatch([txn('r3', 'repeat', 'Bangalore', `${DAY}T10:00:02+05:30`, 777), txn('r3', 'repeat', 'Bangalore', `${DAY}T10:00:02+05:30`, 777)]);
    expect(again[0]).to.deep.equal(first);
    expect(again[1]).to.deep.equal(first);
    expect(await client.history('repeat')).to.have.length(3);
    const m = await client.metrics();
    expect(m.transactions).to.equal(0);
    expect(m.repeats).to.equal(2);
    expect((await client.decisions()).map((d) => d.transaction_id)).to.deep.equal(['r3', 'r2', 'r1']);
  });

  it('rejects the calls in flight with a clear error when the worker dies, restarts it, and loses nothing committed', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('crash') });
    await client.ready();
    const events: string[] = [];
    client.addEventListener('crash', () => events.push('crash'));
    client.addEventListener('restart', () => events.push('restart'));
    const base = Date.parse(`${DAY}T00:00:00Z`);
    const batch = Array.from({ length: 3000 }, (_, i) => txn(`c${i}`, `crash-user-${i % 30}`, i % 2 ? 'Pune' : 'Mumbai', new Date(base + i * 60_000).toISOString()));
    const inflight = client.detectBatch(batch);
    client.crashForTest();
    const err = await rejection(inflight);
    expect(err).to.be.instanceOf(DetectorCrashedError);
    expect(err.message).to.contain(WORKER_CRASHED_MESSAGE);
    // Retrying is safe: whatever committed before the crash is returned, the rest is decided now, once.
    const results = await client.detectBatch(batch);
    expect(results.every((r) => !('error' in r))).to.equal(true);
    expect(await client.history('crash-user-0')).to.have.length(100);
    expect(await client.decisions({ limit: 10_000 })).to.have.length(3000);
    expect(events).to.deep.equal(['crash', 'restart']);
  });

  it('treats an uncaught error in the worker as a crash', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('throw') }, { workerUrl: new URL('./helpers/misbehaving.worker.ts', import.meta.url) });
    decision(await client.detect(txn('ok1', 'u', 'Mumbai', `${DAY}T10:00:00Z`)));
    const err = await rejection(client.detect({ transaction_id: 'throw' }));
    expect(err.message).to.contain(WORKER_CRASHED_MESSAGE);
    expect(err.message).to.contain('boom: simulated bug in the worker');
    decision(await client.detect(txn('ok2', 'u', 'Mumbai', `${DAY}T10:05:00Z`)));
    expect(client.workersStarted).to.equal(2);
    expect(await client.history('u')).to.have.length(2);
  });

  it('declares a worker that stops answering the heartbeat dead', async () => {
    const client = kit.client(
      { modelUrl: MODEL_URL, dbName: kit.db('hang') },
      { workerUrl: new URL('./helpers/misbehaving.worker.ts', import.meta.url), heartbeatMs: 100, heartbeatTimeoutMs: 400 },
    );
    await client.ready();
    const err = await rejection(client.detect({ transaction_id: 'hang' }));
    expect(err.message).to.contain(WORKER_CRASHED_MESSAGE);
    expect(err.message).to.contain('heartbeat');
    decision(await client.detect(txn('after-hang', 'u', 'Mumbai', `${DAY}T10:00:00Z`)));
  });

  it('pushes each committed batch\'s new decisions to subscribers, not repeats, also after a restart', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('subscribe') });
    const init = await client.ready();
    const pushed: StoredDecision[][] = [];
    const unsubscribe = client.subscribe((d) => pushed.push(d));
    const a = txn('s1', 'sub', 'Mumbai', `${DAY}T09:00:00+05:30`);
    const b = { ...txn('s2', 'sub', 'Mumbai', `${DAY}T09:30:00+05:30`), country: 'IN' };
    const results = await client.detectBatch([a, b]);
    await client.detectBatch([a, txn('s3', 'sub', 'Mumbai', `${DAY}T09:45:00+05:30`)]);
    await waitFor(() => pushed.length === 2, 'two pushes');
    expect(pushed[0].map((d) => d.transaction_id)).to.deep.equal(['s1', 's2']);
    expect(pushed[1].map((d) => d.transaction_id)).to.deep.equal(['s3']);
    const { decided_at, model_sha256, transaction, ...result } = pushed[0][1];
    expect(result).to.deep.equal(results[1] as DetectionResult);
    expect(transaction).to.deep.equal(b);
    expect(model_sha256).to.equal(init.sha256);
    expect(decided_at).to.be.closeTo(Date.now(), 60_000);
    client.crashForTest();
    await waitFor(() => client.workersStarted === 2, 'the eager restart');
    await client.detect(txn('s4', 'sub', 'Mumbai', `${DAY}T10:00:00+05:30`));
    await waitFor(() => pushed.length === 3, 'a push from the restarted worker');
    expect(pushed[2].map((d) => d.transaction_id)).to.deep.equal(['s4']);
    unsubscribe();
    await client.detect(txn('s5', 'sub', 'Mumbai', `${DAY}T10:10:00+05:30`));
    await new Promise((r) => setTimeout(r, 50));
    expect(pushed).to.have.length(3);
  });
});
