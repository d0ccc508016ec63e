import { expect } from '@esm-bundle/chai';
import '../../src/ui/anomaly-detector';
import { parseThresholds, type AnomalyDetector, type DetectorErrorDetail } from '../../src/ui/anomaly-detector';
import type { DetectionResult, ErrorResult } from '../../src/core/contract/types';
import { deleteDatabase, freshDbName } from './helpers/worker-test-kit';
import { unmountAll, mount, waitFor } from './helpers/ui-fake-detector';

const MODEL_SRC = '/models/isolation_forest.json';

function txn(id: string, user: string, location: string, timestamp: string, amount = 800) {
  return { transaction_id: id, user_id: user, amount, location, timestamp, merchant_type: 'grocery' };
}

describe('<anomaly-detector>', () => {
  const dbs: string[] = [];
  const elements: AnomalyDetector[] = [];

  function detector(attrs: Record<string, string> = {}): AnomalyDetector {
    const el = document.createElement('anomaly-detector');
    const db = freshDbName('ui-element');
    dbs.push(db);
    el.setAttribute('db-name', db);
    el.setAttribute('model-src', MODEL_SRC);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    elements.push(el);
    return el;
  }

  afterEach(async () => {
    for (const el of elements.splice(0)) el.stop();
    unmountAll();
    for (const db of dbs.splice(0)) await deleteDatabase(db);
  });

  it('parses thresholds as JSON or key=value pairs, and names a bad key', () => {
    expect(parseThresholds('{"reviewAt":0.4,"blockAt":0.8}')).to.deep.equal({ reviewAt: 0.4, blockAt: 0.8 });
    expect(parseThresholds('review=0.4, block=0.8; highAt=0.75')).to.deep.equal({ reviewAt: 0.4, blockAt: 0.8, highAt: 0.75 });
    expect(parseThresholds('')).to.deep.equal({});
    expect(() => parseThresholds('panic=1')).to.throw(/unknown key "panic"/);
    expect(() => parseThresholds('review=high')).to.throw(/review must be a number/);
  });

  it('loads the committed model in its worker, scores a transaction and fires detection', async () => {
    const el = mount(detector());
    const info = await el.ready;
    expect(info.modelVersion).to.equal('iforest-behavioral-t150-s7');
    expect(info.storage).to.equal('indexeddb');
    expect(el.status).to.equal('ready');
    const seen: DetectionResult[] = [];
    el.addEventListener('detection', (e) => seen.push((e as CustomEvent<DetectionResult>).detail));
    const r = (await el.detect(txn('e1', 'u1', 'Mumbai', '2026-01-05T10:00:00+05:30'))) as DetectionResult;
    expect(r.transaction_id).to.equal('e1');
    expect(r.risk_score).to.be.within(0, 1);
    expect(seen.map((d) => d.transaction_id)).to.deep.equal(['e1']);
    expect((await el.history('u1')).map((h) => h.transaction_id)).to.deep.equal(['e1']);
  });

  it('runs a shadow model, promotes and rolls it back, and renders its metrics for Prometheus', async () => {
    const el = mount(detector());
    const info = await el.ready;
    const modelJson = await (await fetch(MODEL_SRC)).json();
    const loaded = await el.loadShadowModel({ json: modelJson });
    expect(loaded.champion.sha256).to.equal(info.sha256);
    expect(loaded.shadow?.sha256).to.equal(info.sha256);
    await el.detectBatch([txn('s1', 'u1', 'Mumbai', '2026-01-05T10:00:00+05:30'), txn('s2', 'u2', 'Delhi', '2026-01-05T11:00:00+05:30', 25_000)]);
    const shadow = (await el.metrics()).shadow;
    // The same model on both sides agrees on every transaction.
    expect(shadow?.compared).to.equal(2);
    expect(shadow?.agreement_rate).to.equal(1);
    expect(shadow?.disagreements_total).to.equal(0);
    expect((await el.promoteShadow()).canRollback).to.equal(true);
    expect((await el.rollbackPromotion()).canRollback).to.equal(false);
    expect((await el.unloadShadowModel()).shadow).to.equal(null);
    const text = await el.metricsText();
    expect(text).to.match(/^txn_anomaly_transactions_total\{[^}]*\} 1$/m);
    expect(text).to.match(/^# TYPE txn_anomaly_scoring_latency_seconds histogram$/m);
  });

  it('fires alert for a BLOCK: four transactions from two cities within a minute', async () => {
    const el = mount(detector());
    const alerts: DetectionResult[] = [];
    el.addEventListener('alert', (e) => alerts.push((e as CustomEvent<DetectionResult>).detail));
    const out = (await el.detectBatch([
      txn('v1', 'burst', 'Mumbai', '2026-01-05T10:00:00+05:30'),
      txn('v2', 'burst', 'Delhi', '2026-01-05T10:00:15+05:30'),
      txn('v3', 'burst', 'Mumbai', '2026-01-05T10:00:30+05:30'),
      txn('v4', 'burst', 'Delhi', '2026-01-05T10:00:45+05:30'),
    ])) as DetectionResult[];
    const last = out[3];
    expect(last.recommendation).to.equal('BLOCK');
    expect(last.reason_codes).to.include('VELOCITY_MULTI_CITY');
    expect(alerts.map((a) => a.transaction_id)).to.include('v4');
    expect(alerts.every((a) => a.recommendation !== 'APPROVE')).to.equal(true);
  });

  it('resolves an invalid transaction with its error result and fires error naming the field', async () => {
    const el = mount(detector());
    const errors: DetectorErrorDetail[] = [];
    el.addEventListener('error', (e) => errors.push((e as unknown as CustomEvent<DetectorErrorDetail>).detail));
    const r = (await el.detect({ transaction_id: 'bad', user_id: 'u', amount: -5, location: 'X', timestamp: '2026-01-05T10:00:00Z', merchant_type: 'm' })) as ErrorResult;
    expect(r.error.field).to.equal('amount');
    expect(errors).to.have.length(1);
    expect(errors[0].context).to.equal('transaction');
    expect(errors[0].message).to.include('amount');
  });

  it('applies thresholds: a lower block threshold blocks what the default only reviews', async () => {
    const el = mount(detector({ thresholds: 'medium=0.01 high=0.02 review=0.01 block=0.02' }));
    const r = (await el.detect(txn('th1', 'u-th', 'Mumbai', '2026-01-05T10:00:00+05:30'))) as DetectionResult;
    expect(r.recommendation).to.equal('BLOCK');
  });

  it('shows a status badge only when asked, and says when the model cannot be loaded', async () => {
    const quiet = mount(detector());
    await quiet.ready;
    expect(getComputedStyle(quiet).display).to.equal('none');

    const broken = mount(detector({ badge: '', 'model-src': '/models/does-not-exist.json' }));
    const errors: DetectorErrorDetail[] = [];
    broken.addEventListener('error', (e) => errors.push((e as unknown as CustomEvent<DetectorErrorDetail>).detail));
    const failure = await broken.ready.then(
      () => null,
      (e: Error) => e,
    );
    expect(failure).to.be.instanceOf(Error);
    await waitFor(() => broken.status === 'error', 'the error status');
    await broken.updateComplete;
    const badge = broken.shadowRoot!.querySelector('[part=badge]')!;
    expect(badge.getAttribute('role')).to.equal('status');
    expect(badge.textContent).to.include('Detector error');
    expect(errors.some((e) => e.context === 'init')).to.equal(true);
    expect(getComputedStyle(broken).display).to.not.equal('none');
  });

  it('keeps its subscribers when a new database or thresholds rebuild its worker', async () => {
    const el = mount(detector());
    const pushed: string[] = [];
    await el.subscribe((ds) => pushed.push(...ds.map((d) => d.transaction_id)));
    await el.detect(txn('r1', 'u-r', 'Pune', '2026-01-05T10:00:00+05:30'));
    await waitFor(() => pushed.length === 1, 'the first push');
    const db = freshDbName('ui-element-rebuilt');
    dbs.push(db);
    el.dbName = db;
    await el.updateComplete;
    await waitFor(() => el.status === 'ready', 'the rebuilt worker');
    await el.detect(txn('r2', 'u-r', 'Pune', '2026-01-05T11:00:00+05:30'));
    await waitFor(() => pushed.length === 2, 'the push from the new worker');
    expect(pushed).to.deep.equal(['r1', 'r2']);
    // A fresh database: the user's history starts again.
    expect((await el.history('u-r')).map((h) => h.transaction_id)).to.deep.equal(['r2']);
  });

  it('pushes each committed batch to subscribers (changes only)', async () => {
    const el = mount(detector());
    const pushed: string[][] = [];
    const off = await el.subscribe((ds) => pushed.push(ds.map((d) => d.transaction_id)));
    await el.detectBatch([txn('s1', 'u-s', 'Pune', '2026-01-05T10:00:00+05:30'), txn('s2', 'u-s', 'Pune', '2026-01-05T11:00:00+05:30')]);
    await waitFor(() => pushed.length === 1, 'the push');
    expect(pushed[0]).to.deep.equal(['s1', 's2']);
    await el.detect(txn('s1', 'u-s', 'Pune', '2026-01-05T10:00:00+05:30'));
    off();
    await el.detect(txn('s3', 'u-s', 'Pune', '2026-01-05T12:00:00+05:30'));
    await new Promise((r) => setTimeout(r, 100));
    expect(pushed).to.deep.equal([['s1', 's2']]);
  });
});
