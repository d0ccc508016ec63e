import { expect } from '@esm-bundle/chai';
import { ReasonCode } from '../../src/core/contract/types';
import { DB_VERSION } from '../../src/worker/db-schema';
import { createDetectorService } from '../../src/worker/detector-service';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';
const MODEL_VERSION = 'iforest-behavioral-t150-s7';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function openRaw(name: string, version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  const r = indexedDB.open(name, version);
  if (upgrade) r.onupgradeneeded = () => upgrade(r.result);
  return request(r);
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** Version 1 of the schema, written by hand (as the previous release left it). */
function createV1Stores(db: IDBDatabase): void {
  db.createObjectStore('log', { keyPath: 'seq' });
  db.createObjectStore('snapshot');
  db.createObjectStore('meta');
}

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

describe('detector worker: storage', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('upgrades a version 1 database and keeps its history, decisions and labels', async () => {
    const dbName = kit.db('upgrade');
    const v1 = await openRaw(dbName, 1, createV1Stores);
    const tx = v1.transaction(['log', 'meta'], 'readwrite');
    // A committed batch of three decisions in the record format both versions use.
    tx.objectStore('log').put({
      seq: 1,
      kind: 'batch',
      format: 1,
      at: 1767587400000,
      writer: 'v1-writer',
      model_version: MODEL_VERSION,
      model_sha256: 'a'.repeat(64),
      n: 3,
      transaction_id: { text: 'up-1up-2up-3', ends: new Uint32Array([4, 8, 12]) },
      users: ['u-up'],
      user: new Uint32Array([0, 0, 0]),
      amount: new Float64Array([250, 300, 410]),
      locations: ['Mumbai', 'Delhi', 'Bangalore'],
      location: new Uint32Array([0, 1, 2]),
      merchants: ['grocery'],
      merchant: new Uint32Array([0, 0, 0]),
      timestamp: { text: `${DAY}T10:00:00+05:30${DAY}T10:00:01+05:30${DAY}T10:00:02+05:30`, ends: new Uint32Array([25, 50, 75]) },
      epoch_ms: new Float64Array([Date.parse(`${DAY}T04:30:00Z`), Date.parse(`${DAY}T04:30:01Z`), Date.parse(`${DAY}T04:30:02Z`)]),
      local_hour: new Uint8Array([10, 10, 10]),
      user_name: null,
      country: { values: ['IN'], codes: new Uint32Array([1, 0, 0]) },
      mcc_code: null,
      risk_score: new Float64Array([0.12, 0.93, 0.95]),
      risk_level: new Uint8Array([0, 2, 2]),
      recommendation: new Uint8Array([0, 2, 2]),
      model_score: new Float64Array([-0.41, -0.5, -0.52]),
      decision_function: new Float64Array([0.21, 0.12, 0.1]),
      reason_rows: new Uint32Array([1, 2]),
      reason_codes: [['IMPOSSIBLE_TRAVEL'], ['IMPOSSIBLE_TRAVEL']],
      reason_details: [['Mumbai to Delhi in 1 s'], ['Delhi to Bangalore in 1 s']],
      extra_rows: new Uint32Array([]),
      extra: [],
    });
    tx.objectStore('meta').put({ label: 'confirmed_fraud', labelled_at: 1767590000000 }, 'label:up-2');
    await done(tx);
    v1.close();

    const client = kit.client({ modelUrl: MODEL_URL, dbName });
    expect((await client.ready()).storage).to.equal('indexeddb');
    expect((await client.history('u-up')).map((e) => e.location)).to.deep.equal(['Mumbai', 'Delhi', 'Bangalore']);
    const log = await client.decisions();
    expect(log.map((d) => [d.transaction_id, d.analyst_label])).to.deep.equal([
      ['up-3', undefined],
      ['up-2', 'confirmed_fraud'],
      ['up-1', undefined],
    ]);
    expect(log[2].transaction).to.deep.equal({ transaction_id: 'up-1', user_id: 'u-up', amount: 250, location: 'Mumbai', timestamp: `${DAY}T10:00:00+05:30`, merchant_type: 'grocery', country: 'IN' });
    // The old decisions still answer repeats, and the old history still counts for velocity.
    expect(await client.detect(txn('up-1', 'u-up', 'Mumbai', `${DAY}T10:00:00+05:30`, 250))).to.deep.equal({
      transaction_id: 'up-1',
      user_id: 'u-up',
      risk_score: 0.12,
      risk_level: 'LOW',
      reason_codes: [],
      recommendation: 'APPROVE',
      reason_details: [],
      model_score: -0.41,
      decision_function: 0.21,
      model_version: MODEL_VERSION,
    });
    const fourth = decision(await client.detect(txn('up-4', 'u-up', 'Chennai', `${DAY}T10:00:03+05:30`)));
    expect(fourth.reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    client.terminate();

    const v2 = await openRaw(dbName);
    expect(v2.version).to.equal(DB_VERSION);
    const check = v2.transaction(['meta', 'labels', 'catalog']);
    expect(await request(check.objectStore('meta').getAllKeys())).to.deep.equal([]);
    // Version 3: the label knows the record of its decision, and the catalog has an entry per record (the old one and up-4's).
    expect(await request(check.objectStore('labels').getAll())).to.deep.equal([{ transaction_id: 'up-2', label: 'confirmed_fraud', labelled_at: 1767590000000, seq: 1 }]);
    const catalog = (await request(check.objectStore('catalog').getAll())) as Array<{ seq: number; at: number; n: number; total: number }>;
    expect(catalog.map((e) => [e.seq, e.n, e.total])).to.deep.equal([
      [1, 3, 3],
      [2, 1, 4],
    ]);
    expect(catalog[0].at).to.equal(1767587400000);
    v2.close();
  });

  it('reports a blocked upgrade clearly while another tab keeps the old version open, and opens once it closes', async () => {
    const dbName = kit.db('blocked');
    const oldTab = await openRaw(dbName, 1, createV1Stores); // no versionchange handler: it never lets go
    const service = kit.service(createDetectorService());
    const err = await rejection(service.init({ modelUrl: MODEL_URL, dbName }));
    expect(err.name).to.equal('StorageError');
    expect(err.message).to.contain('is blocked');
    expect(err.message).to.contain('another tab');
    oldTab.close();
    expect((await service.init({ modelUrl: MODEL_URL, dbName })).storage).to.equal('indexeddb');
  });

  it('says storage is full and stores nothing of the batch when IndexedDB runs out of quota', async () => {
    let quotaFull = false;
    const service = kit.service(
      createDetectorService({
        faults: {
          beforeCommit() {
            if (quotaFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          },
        },
      }),
    );
    await service.init({ modelUrl: MODEL_URL, dbName: kit.db('quota') });
    decision(await service.detect(txn('q1', 'uq', 'Mumbai', `${DAY}T10:00:00Z`)));
    quotaFull = true;
    const batch = [txn('q2', 'uq', 'Mumbai', `${DAY}T10:01:00Z`), txn('q3', 'uq', 'Mumbai', `${DAY}T10:02:00Z`)];
    const err = await rejection(service.detectBatch(batch));
    expect(err.name).to.equal('StorageError');
    expect(err.message).to.contain('storage is full (QuotaExceededError)');
    expect(err.message).to.contain('nothing of it was stored');
    expect(err.message).to.contain('batch of 2 transactions');
    quotaFull = false;
    expect(await service.history('uq')).to.have.length(1);
    // Nothing of the failed batch is remembered: retried, it is decided afresh.
    await service.detectBatch(batch);
    expect((await service.history('uq')).map((e) => e.transaction_id)).to.deep.equal(['q1', 'q2', 'q3']);
    const m = await service.metrics();
    expect(m.transactions).to.equal(3);
    expect(m.repeats).to.equal(0);
    // Batches written together (one group commit) fail together, and a retry decides them all.
    quotaFull = true;
    const group = [0, 1, 2].map((i) => service.detectBatch([txn(`g${i}`, 'uq', 'Pune', `${DAY}T11:0${i}:00Z`)]));
    const failures = await Promise.all(group.map((p) => rejection(p)));
    expect(failures.map((f) => f.message)).to.satisfy((ms: string[]) => ms.every((msg) => msg.includes('nothing of it was stored')));
    quotaFull = false;
    expect(await service.history('uq')).to.have.length(3);
    await Promise.all([0, 1, 2].map((i) => service.detectBatch([txn(`g${i}`, 'uq', 'Pune', `${DAY}T11:0${i}:00Z`)])));
    expect(await service.history('uq')).to.have.length(6);
  });

  it('scores with in-memory history where IndexedDB does not exist, and says so', async () => {
    const dbName = kit.db('no-idb');
    const client = kit.client({ modelUrl: MODEL_URL, dbName }, { workerUrl: new URL('./helpers/no-indexeddb.worker.ts', import.meta.url) });
    const init = await client.ready();
    expect(init.storage).to.equal('memory');
    expect(init.warning).to.contain('IndexedDB is not available');
    expect(init.warning).to.contain('in memory only');
    const cities = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai'];
    const results = await client.detectBatch(cities.map((c, i) => txn(`m${i}`, 'mem', c, `${DAY}T10:00:0${i}+05:30`)));
    expect(decision(results[3]).reason_codes).to.include(ReasonCode.VELOCITY_MULTI_CITY);
    expect(await client.detect(txn('m0', 'mem', 'Mumbai', `${DAY}T10:00:00+05:30`))).to.deep.equal(results[0]);
    expect(await client.history('mem')).to.have.length(4);
    expect((await client.decisions()).map((d) => d.transaction_id)).to.deep.equal(['m3', 'm2', 'm1', 'm0']);
    expect((await client.metrics()).storage).to.equal('memory');
    expect((await indexedDB.databases()).map((d) => d.name)).not.to.include(dbName);

    const direct = kit.service(createDetectorService({ indexedDB: null }));
    const directInit = await direct.init({ modelUrl: MODEL_URL, dbName });
    expect(directInit.storage).to.equal('memory');
    expect(directInit.warning).to.contain('IndexedDB is not available');
  });

  it('rejects bad transactions of a batch with errors naming the field, scores the rest, and stores nothing of the bad ones', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('bad-items') });
    const good = (id: string, minute: number) => txn(id, 'ub', 'Mumbai', `${DAY}T10:${String(minute).padStart(2, '0')}:00Z`);
    const batch: unknown[] = [
      good('b1', 0),
      { ...good('b2', 1), amount: -5 },
      { ...good('b3', 2), timestamp: `${DAY} 10:02:00` },
      good('b4', 3),
      'not a transaction',
      { ...good('b6', 5), user_id: undefined },
    ];
    const results = await client.detectBatch(batch);
    expect(results.map((r) => ('error' in r ? r.error.field : 'ok'))).to.deep.equal(['ok', 'amount', 'timestamp', 'ok', '$', 'user_id']);
    const amountError = results[1] as { transaction_id?: string; error: { code: string; message: string } };
    expect(amountError.transaction_id).to.equal('b2');
    expect(amountError.error.message).to.contain('amount');
    expect((await client.history('ub')).map((e) => e.transaction_id)).to.deep.equal(['b1', 'b4']);
    expect((await client.decisions()).map((d) => d.transaction_id)).to.deep.equal(['b4', 'b1']);
    expect((await client.metrics()).errors).to.equal(4);
    // The rejected ids were not remembered: fixed, they are decided as new transactions.
    const fixed = await client.detectBatch([good('b2', 1), good('b3', 2)]);
    expect(fixed.every((r) => !('error' in r))).to.equal(true);
    expect((await client.history('ub')).map((e) => e.transaction_id)).to.deep.equal(['b1', 'b2', 'b3', 'b4']);
  });

  it('queries the decision log by time, level, recommendation and limit, and keeps analyst labels across a restart', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('decisions') });
    await client.detectBatch([txn('d1', 'ud', 'Mumbai', `${DAY}T09:00:00+05:30`), txn('d2', 'ud', 'Mumbai', `${DAY}T09:20:00+05:30`)]);
    await new Promise((r) => setTimeout(r, 5));
    const since = Date.now();
    const cities = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai'];
    await client.detectBatch(cities.map((c, i) => txn(`d${3 + i}`, 'ud', c, `${DAY}T11:00:0${i}+05:30`)));
    expect((await client.decisions()).map((d) => d.transaction_id)).to.deep.equal(['d6', 'd5', 'd4', 'd3', 'd2', 'd1']);
    expect((await client.decisions({ limit: 2 })).map((d) => d.transaction_id)).to.deep.equal(['d6', 'd5']);
    expect((await client.decisions({ since })).map((d) => d.transaction_id)).to.deep.equal(['d6', 'd5', 'd4', 'd3']);
    const blocked = await client.decisions({ recommendation: 'BLOCK' });
    expect(blocked.map((d) => d.transaction_id)).to.include('d6');
    expect(blocked.every((d) => d.recommendation === 'BLOCK')).to.equal(true);
    const high = await client.decisions({ level: 'HIGH', since });
    expect(high.every((d) => d.risk_level === 'HIGH' && d.decided_at >= since)).to.equal(true);
    expect(await client.decisions({ level: 'LOW', since, recommendation: 'BLOCK' })).to.deep.equal([]);
    await client.label('d6', 'confirmed_fraud');
    await client.label('d1', 'legitimate');
    client.crashForTest();
    const labelled = await client.decisions();
    expect(labelled.filter((d) => d.analyst_label).map((d) => [d.transaction_id, d.analyst_label])).to.deep.equal([
      ['d6', 'confirmed_fraud'],
      ['d1', 'legitimate'],
    ]);
    expect((await rejection(client.label('never-seen', 'legitimate'))).message).to.contain('no decision');
    expect((await rejection(client.label('d2', 'maybe' as never))).message).to.contain('label must be one of');
    expect((await rejection(client.decisions({ level: 'CRITICAL' as never }))).message).to.contain('level must be one of');
  });

  it('keeps scoring while snapshots are written, and loses no id or entry of the batches decided meanwhile', async () => {
    const storage = { compactAfterEntries: 30, compactRatio: 0 };
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('compaction-in-flight'), storage });
    const base = Date.parse(`${DAY}T00:00:00Z`);
    const users = Array.from({ length: 9 }, (_, i) => `fu${i}`);
    const all = Array.from({ length: 400 }, (_, i) => txn(`f${i}`, users[i % users.length], ['Mumbai', 'Pune'][i % 2], new Date(base + i * 60_000).toISOString(), 50 + i));
    // Waves of batches in flight: each write starts a snapshot, committed while the next wave scores.
    for (let w = 0; w < 10; w++) {
      const wave = [0, 1].map((k) => all.slice((2 * w + k) * 20, (2 * w + k + 1) * 20));
      const results = await Promise.all(wave.map((batch) => client.detectBatch(batch)));
      expect(results.flat().every((r) => !('error' in r))).to.equal(true);
    }
    // Snapshots commit in the background: wait for the last one.
    const stateOf = async () => (await client.metrics()).storage_state as { compactions: number; decidedIds: number; lastCompactionError: string | null };
    for (let i = 0; i < 100 && (await stateOf()).compactions < 3; i++) await new Promise((r) => setTimeout(r, 50));
    const state = await stateOf();
    expect(state.lastCompactionError).to.equal(null);
    expect(state.compactions).to.be.greaterThan(2);
    expect(state.decidedIds).to.equal(400);
    const before = await Promise.all(users.map((u) => client.history(u)));
    // Every id is still known before and after a restart: repeats are answered, nothing is scored again.
    await client.detectBatch(all);
    client.crashForTest();
    expect(await Promise.all(users.map((u) => client.history(u)))).to.deep.equal(before);
    expect(((await client.metrics()).storage_state as { decidedIds: number }).decidedIds).to.equal(400);
    await client.detectBatch(all);
    expect((await client.metrics()).transactions).to.equal(0);
  });

  it('rebuilds the same view from snapshots and the log after a restart (compaction with retention)', async () => {
    const storage = { compactAfterEntries: 40, compactRatio: 0, retention: { maxEntriesPerUser: 7 } };
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('compaction'), storage });
    const base = Date.parse(`${DAY}T00:00:00Z`);
    const users = Array.from({ length: 12 }, (_, i) => `cu${i}`);
    const all = Array.from({ length: 300 }, (_, i) => txn(`k${i}`, users[(i * 7) % users.length], ['Mumbai', 'Pune', 'Goa'][i % 3], new Date(base + i * 45_000).toISOString(), 100 + i));
    for (let i = 0; i < all.length; i += 37) await client.detectBatch(all.slice(i, i + 37));
    await client.clearHistory('cu3');
    const before = await Promise.all(users.map((u) => client.history(u)));
    const decisionsBefore = await client.decisions({ limit: 1000 });
    const state = (await client.metrics()).storage_state as { compactions: number };
    expect(state.compactions).to.be.greaterThan(2);
    expect(before[0]).to.have.length(7);
    expect(before[3]).to.deep.equal([]);

    client.crashForTest();
    const after = await Promise.all(users.map((u) => client.history(u)));
    expect(after).to.deep.equal(before);
    expect(await client.decisions({ limit: 1000 })).to.deep.equal(decisionsBefore);
    const restored = (await client.metrics()).storage_state as { snapshotSeq: number; decidedIds: number };
    expect(restored.snapshotSeq).to.be.greaterThan(0);
    expect(restored.decidedIds).to.equal(300);
    // Ids from the snapshot's index are still idempotent; the first one left its user's history long ago.
    const { decided_at: _at, model_sha256: _sha, transaction: _txn, ...k0 } = decisionsBefore.find((d) => d.transaction_id === 'k0')!;
    expect(await client.detect(all[0])).to.deep.equal(k0);
    expect((await client.metrics()).transactions).to.equal(0);
    await client.clearHistory();
    client.crashForTest();
    expect(await Promise.all(users.map((u) => client.history(u)))).to.deep.equal(users.map(() => []));
  });
});
