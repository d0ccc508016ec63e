import { expect } from '@esm-bundle/chai';
import { contentHash, type ModelFile } from '../../src/core/forest/model-file';
import { createDetectorService } from '../../src/worker/detector-service';
import { MODEL_CACHE_NAME } from '../../src/worker/model-source';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const DAY = '2026-01-05';

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

async function modelText(): Promise<string> {
  return (await fetch(MODEL_URL)).text();
}

describe('detector worker: model loading', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());

  it('rejects a model whose hash does not match, naming sha256, and keeps scoring with the previous model', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('bad-hash') });
    const init = await client.ready();
    const tampered = JSON.parse(await modelText()) as ModelFile;
    tampered.offset += 0.01;
    const err = await rejection(client.loadModel({ json: tampered }));
    expect(err.message).to.contain('sha256');
    expect(err.message).to.contain('hash mismatch');
    const r = decision(await client.detect(txn('h1', 'u', 'Mumbai', `${DAY}T10:00:00Z`)));
    expect(r.model_version).to.equal(init.modelVersion);
    expect((await client.metrics()).model.sha256).to.equal(init.sha256);
  });

  it('rejects a truncated model file and a missing one with the reason, and keeps scoring with the previous model', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('truncated') });
    const init = await client.ready();
    const text = await modelText();
    const truncated = URL.createObjectURL(new Blob([text.slice(0, Math.floor(text.length / 2))], { type: 'application/json' }));
    kit.defer(() => URL.revokeObjectURL(truncated));
    const err = await rejection(client.loadModel({ url: truncated }));
    expect(err.message).to.contain('was rejected');
    expect(err.message).to.contain('not valid JSON');
    expect(err.message).to.contain('truncated');
    const missing = await rejection(client.loadModel({ url: '/models/no-such-model.json' }));
    expect(missing.message).to.contain('HTTP 404');
    expect(decision(await client.detect(txn('t1', 'u', 'Mumbai', `${DAY}T10:00:00Z`))).model_version).to.equal(init.modelVersion);
  });

  it('swaps in a valid new model, and a restarted worker starts with it', async () => {
    const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('swap') });
    await client.ready();
    const next = JSON.parse(await modelText()) as ModelFile;
    next.model_version = 'iforest-behavioral-retrained';
    next.sha256 = contentHash(next);
    const info = await client.loadModel({ json: next });
    expect(info).to.include({ modelVersion: 'iforest-behavioral-retrained', sha256: next.sha256, source: 'json', forestEngine: 'wasm' });
    expect(decision(await client.detect(txn('n1', 'u', 'Mumbai', `${DAY}T10:00:00Z`))).model_version).to.equal('iforest-behavioral-retrained');
    client.crashForTest();
    expect(decision(await client.detect(txn('n2', 'u', 'Mumbai', `${DAY}T10:10:00Z`))).model_version).to.equal('iforest-behavioral-retrained');
    expect((await client.decisions())[0].model_sha256).to.equal(next.sha256);
  });

  it('starts offline from the cached copy of the model when the network fails, and says so', async () => {
    const url = `${MODEL_URL}?offline-test=${Math.random().toString(36).slice(2)}`;
    kit.defer(async () => (await caches.open(MODEL_CACHE_NAME)).delete(new URL(url, location.href).href));
    const online = kit.service(createDetectorService());
    expect((await online.init({ modelUrl: url, dbName: kit.db('online') })).source).to.equal('url');

    const offlineFetch = () => Promise.reject(new TypeError('Failed to fetch'));
    const offline = kit.service(createDetectorService({ fetch: offlineFetch }));
    const init = await offline.init({ modelUrl: url, dbName: kit.db('offline') });
    expect(init.source).to.equal('cache');
    expect(init.warning).to.contain('offline cache');
    expect(init.warning).to.contain('Failed to fetch');
    decision(await offline.detect(txn('o1', 'u', 'Mumbai', `${DAY}T10:00:00Z`)));

    const neverCached = kit.service(createDetectorService({ fetch: offlineFetch }));
    const err = await rejection(neverCached.init({ modelUrl: `${MODEL_URL}?never-cached`, dbName: kit.db('never') }));
    expect(err.message).to.contain('network error');
    expect(err.message).to.contain('no copy is cached');
  });

  it('rejects init with a corrupt model instead of starting without one', async () => {
    const service = kit.service(createDetectorService());
    const model = JSON.parse(await modelText()) as ModelFile;
    model.trees.left = model.trees.left.slice(0, 10);
    const err = await rejection(service.init({ modelJson: model, dbName: kit.db('corrupt-init') }));
    expect(err.message).to.contain('trees.left');
    expect((await rejection(service.detect(txn('x', 'u', 'Mumbai', `${DAY}T10:00:00Z`)))).message).to.contain('not initialised');
  });
});
