/**
 * A real QuotaExceededError, no fault injection: the `storage-quota` server command (see
 * web-test-runner.config.mjs) has Chromium enforce a tiny quota on this page's origin through the
 * DevTools protocol (`Storage.overrideQuotaForOrigin`), and the real detector service in a module
 * worker (same origin) fills its database until IndexedDB refuses a commit.
 *
 * The database lives in a storage bucket of its own (helpers/storage-bucket.worker.ts), not in
 * the origin's default bucket. Chromium's IndexedDB backend caches the free space the quota
 * manager reported, per bucket, for up to 30 s (`BucketContext::kBucketSpaceCacheTimeLimit`), and
 * does not ask again while that cached allowance covers a write: after another test file wrote to
 * the default bucket, gigabytes stay "allowed" there for half a minute whatever the override
 * says. A fresh bucket asks the quota manager on its first write, which sees the override.
 */
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import type { DetectionResult, Transaction } from '../../src/core/contract/types';
import type { StoredDecision } from '../../src/worker/service-types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

interface StorageBucketManager {
  keys(): Promise<string[]>;
  delete(name: string): Promise<void>;
}
const storageBuckets = (navigator as Navigator & { storageBuckets: StorageBucketManager }).storageBuckets;

/** Overrides this origin's storage quota (bytes); `null` removes the override. */
function setQuota(quotaSize: number | null): Promise<{ origin: string; quotaSize: number | null }> {
  return executeServerCommand('storage-quota', { quotaSize });
}

const BATCH = 2000;
const USERS = 400; // 5 transactions per user and batch: histories stay under the core's retention (100 entries)
const CITIES = ['Mumbai', 'Pune', 'Delhi', 'Bangalore', 'Chennai', 'Goa'];
const START = Date.parse('2026-01-05T00:00:00Z');
/** Room under the quota: a few batches (a record of 2,000 transactions takes ~300 KB). */
const HEADROOM = 1_500_000;
/** Batches tried before concluding the quota was not enforced. */
const MAX_BATCHES = 40;

/** Batch `b`: BATCH transactions over USERS users, a minute apart, later than batch b-1. */
function makeBatch(b: number): Transaction[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const k = b * BATCH + i;
    return txn(`rq-${b}-${i}`, `rq-u${i % USERS}`, CITIES[(k * 7) % CITIES.length], new Date(START + k * 60_000).toISOString(), 10 + ((k * 7919) % 100_000) / 100);
  });
}

/** A stored decision as `detectBatch` returned it (without what the log adds). */
function asResult(d: StoredDecision): DetectionResult {
  const { decided_at: _at, model_sha256: _sha, transaction: _txn, analyst_label: _label, ...result } = d;
  return result;
}

describe('detector worker: a real storage quota', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('rejects the batch that does not fit with a clear quota error, keeps exactly what committed, and scores again once there is room', async function () {
    this.timeout(30_000);
    // After the test, pass or fail (the worker is stopped first): no later test inherits the quota, and the bucket goes with its database.
    kit.defer(() => setQuota(null));
    const bucket = `txn-quota-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    kit.defer(async () => {
      await storageBuckets.delete(bucket);
      expect(await storageBuckets.keys()).not.to.include(bucket);
    });
    const workerUrl = new URL(`./helpers/storage-bucket.worker.ts?bucket=${bucket}`, import.meta.url);
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('real-quota') }, { workerUrl });
    expect((await client.ready()).storage).to.equal('indexeddb');

    /** What committed, in order: transaction id -> the decision detectBatch returned. */
    const committed = new Map<string, DetectionResult>();
    const commit = async (batch: Transaction[]) => {
      const results = await client.detectBatch(batch);
      results.forEach((r) => {
        const d = decision(r);
        committed.set(d.transaction_id, d);
      });
    };
    const { usage = 0 } = await navigator.storage.estimate();
    const quota = Math.ceil(usage + HEADROOM);
    expect((await setQuota(quota)).origin).to.equal(location.origin);

    let failedBatch: Transaction[] | undefined;
    let error: Error | undefined;
    for (let b = 0; b < MAX_BATCHES && !error; b++) {
      const batch = makeBatch(b);
      try {
        await commit(batch);
      } catch (e) {
        failedBatch = batch;
        error = e as Error;
      }
    }
    const after = await navigator.storage.estimate();
    if (!error || !failedBatch) {
      throw new Error(`no QuotaExceededError after ${MAX_BATCHES} batches: the quota override (${quota} bytes) was not enforced (usage now ${after.usage} bytes)`);
    }
    // The quota was what stopped it: batches fitted under it until one did not.
    expect(committed.size, 'transactions committed under the quota').to.be.at.least(BATCH);
    expect(after.usage).to.be.at.most(quota);

    // A clear error, naming quota exceeded and what (was not) stored.
    expect(error.name).to.equal('StorageError');
    expect(error.message).to.contain('storage is full (QuotaExceededError)');
    expect(error.message).to.contain(`while storing the batch of ${BATCH} transactions`);
    expect(error.message).to.contain('nothing of it was stored');

    /** The histories and the decision log hold exactly the committed decisions (so none of `absent`). */
    const expectExactlyCommitted = async (when: string, absent: Transaction[] = []) => {
      const users = Array.from({ length: USERS }, (_, u) => `rq-u${u}`);
      const histories = await Promise.all(users.map((u) => client.history(u)));
      const expected = new Map<string, string[]>(users.map((u) => [u, []]));
      for (const d of committed.values()) expected.get(d.user_id)!.push(d.transaction_id);
      histories.forEach((h, u) => expect(h.map((e) => e.transaction_id), `history of ${users[u]} ${when}`).to.deep.equal(expected.get(users[u])));
      const log = await client.decisions({ limit: committed.size + 10 * BATCH });
      expect(log.length, `decisions ${when}`).to.equal(committed.size);
      const stored = new Map(log.map((d) => [d.transaction_id, asResult(d)]));
      expect(stored.size, `distinct decisions ${when}`).to.equal(committed.size);
      for (const [id, result] of committed) {
        if (!stored.has(id)) throw new Error(`decision ${id} is missing from the log ${when}`);
        expect(stored.get(id), `decision ${id} ${when}`).to.deep.equal(result);
      }
      expect(absent.filter((t) => stored.has(t.transaction_id)).length, `decisions of the failed batch ${when}`).to.equal(0);
    };
    await expectExactlyCommitted('in the view, still over quota', failedBatch);
    const m = await client.metrics();
    expect(m.transactions).to.equal(committed.size);
    expect(m.repeats).to.equal(0);

    // Room again: what is on disk is exactly what committed (a restarted worker reads it back) ...
    await setQuota(null);
    client.crashForTest();
    expect((await client.ready()).storage).to.equal('indexeddb');
    await expectExactlyCommitted('after a restart from IndexedDB', failedBatch);

    // ... and the service scores normally: the failed batch, retried, is decided afresh (not a repeat), and new ones too.
    await commit(failedBatch);
    await commit(makeBatch(MAX_BATCHES));
    const restarted = await client.metrics();
    expect(restarted.transactions).to.equal(2 * BATCH); // this worker's count since its restart
    expect(restarted.repeats).to.equal(0);
    await expectExactlyCommitted('after the retry');
  });
});
