import { expect } from '@esm-bundle/chai';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import type { DetectionResult, Transaction } from '../../src/core/contract/types';
import { contentHash, type ModelFile } from '../../src/core/forest/model-file';
import { decide } from '../../src/core/policy/risk-policy';
import { simulate } from '../../src/core/simulator';
import type { DetectorClient } from '../../src/ui/detector-client';
import type { DetectorInit, ShadowSection } from '../../src/worker/service-types';
import { decision, MODEL_URL, TestKit, txn } from './helpers/worker-test-kit';

const CHAMPION = 'iforest-behavioral-t150-s7';

function rejection(p: Promise<unknown>): Promise<Error> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error) => e,
  );
}

let modelText: string | undefined;
async function committedModel(): Promise<ModelFile> {
  modelText ??= await (await fetch(MODEL_URL)).text();
  return JSON.parse(modelText) as ModelFile;
}

/**
 * The committed model with its threshold moved by `delta` (a stricter or looser challenger: the
 * same forest, so the same model scores, and a known decision function: model_score - offset).
 */
async function shiftedModel(delta: number, version: string): Promise<ModelFile> {
  const m = await committedModel();
  m.offset += delta;
  m.model_version = version;
  m.sha256 = contentHash(m);
  return m;
}

/**
 * Traffic like the model's training traffic: the simulator at the training anomaly rate, with 40
 * transactions per user on average as in training (so histories reach the same lengths).
 */
function trainingLike(n: number, seed: number): Transaction[] {
  return simulate({ n, seed, anomalyRate: 0.005, labels: false });
}

async function send(client: DetectorClient, traffic: readonly unknown[], batch = 500): Promise<DetectionResult[]> {
  const out: DetectionResult[] = [];
  for (let i = 0; i < traffic.length; i += batch) out.push(...(await client.detectBatch(traffic.slice(i, i + batch))).map(decision));
  return out;
}

const family = (families: ParsedFamily[], name: string): ParsedFamily => {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name} in ${families.map((x) => x.name).join(', ')}`);
  return f;
};

describe('detector worker: drift, shadow model and Prometheus metrics', () => {
  const kit = new TestKit();
  afterEach(() => kit.cleanup());
  const init = (label: string, extra: Partial<DetectorInit> = {}): DetectorInit => ({ modelUrl: MODEL_URL, dbName: kit.db(label), ...extra });

  it('stays quiet on traffic from the training distribution', async () => {
    const client = kit.client(init('drift-quiet'));
    await send(client, trainingLike(4000, 21));
    const { drift } = await client.metrics();
    expect(drift, 'metrics().drift').to.not.equal(undefined);
    expect(drift!.window).to.equal(4000);
    expect(drift!.ready).to.equal(true);
    expect(drift!.threshold).to.equal(0.2);
    expect(drift!.features.map((f) => f.feature)).to.include.members(['log_amount', 'hour', 'new_city']);
    expect(drift!.warnings, JSON.stringify(drift!.features)).to.deep.equal([]);
    for (const f of drift!.features) expect(f.psi, f.feature).to.be.below(0.15);
    expect(drift!.score.psi).to.be.below(0.1);
  });

  it('raises a drift warning on log_amount when amounts are four times larger, with the configured window and threshold', async () => {
    const client = kit.client(init('drift-shift', { monitoring: { drift: { windowSize: 3000, minSamples: 1000, threshold: 0.25 } } }));
    const shifted = trainingLike(4000, 22).map((t) => ({ ...t, amount: t.amount * 4 }));
    await send(client, shifted.slice(0, 800));
    const early = (await client.metrics()).drift!;
    expect(early.ready).to.equal(false);
    expect(early.warnings).to.deep.equal([]);
    await send(client, shifted.slice(800));
    const { drift } = await client.metrics();
    expect(drift!.window).to.equal(3000);
    expect(drift!.threshold).to.equal(0.25);
    expect(drift!.warnings[0]).to.equal('log_amount');
    const byName = Object.fromEntries(drift!.features.map((f) => [f.feature, f]));
    expect(byName.log_amount.psi).to.be.above(0.25);
    expect(byName.log_amount.warning).to.equal(true);
    for (const other of ['hour', 'new_city', 'txns_last_hour']) expect(byName[other].warning, other).to.equal(false);
    // The same gauges in the Prometheus exposition.
    const families = parsePrometheusTextFormat(await client.metricsText());
    const psi = family(families, 'txn_anomaly_drift_psi');
    expect(psi.type).to.equal('GAUGE');
    expect(Number(psi.metrics.find((m) => m.labels!.feature === 'log_amount')!.value)).to.be.closeTo(byName.log_amount.psi, 1e-12);
    expect(family(families, 'txn_anomaly_drift_warning').metrics[0].value).to.equal('1');
    expect(family(families, 'txn_anomaly_drift_window_transactions').metrics[0].value).to.equal('3000');
  });

  it('rejects drift settings it cannot use, naming them', async () => {
    const bad = kit.client(init('drift-bad', { monitoring: { drift: { threshold: -1 } } }));
    expect((await rejection(bad.ready())).message).to.contain('monitoring.drift: threshold must be > 0');
    const typo = kit.client(init('drift-typo', { monitoring: { drift: { treshold: 0.3 } as never } }));
    expect((await rejection(typo.ready())).message).to.contain('monitoring.drift.treshold is not a drift setting');
  });

  it('renders the Prometheus text exposition: transactions by level and recommendation, the latency histogram, the model', async () => {
    const client = kit.client(init('prometheus'));
    const results = await send(client, trainingLike(1200, 23).map((t, i) => (i % 100 === 7 ? { ...t, amount: 60_000 } : t)));
    await client.detectBatch([{ transaction_id: 'bad' }, 'not a transaction']);
    const m = await client.metrics();
    const text = await client.metricsText();
    expect(text.endsWith('\n')).to.equal(true);
    const families = parsePrometheusTextFormat(text);
    const txns = family(families, 'txn_anomaly_transactions_total');
    expect(txns.type).to.equal('COUNTER');
    expect(txns.metrics).to.have.length(9);
    const count = (level: string, rec: string) => Number(txns.metrics.find((x) => x.labels!.risk_level === level && x.labels!.recommendation === rec)!.value);
    let sum = 0;
    for (const level of ['LOW', 'MEDIUM', 'HIGH']) {
      const byLevel = ['APPROVE', 'REVIEW', 'BLOCK'].reduce((s, rec) => s + count(level, rec), 0);
      expect(byLevel, level).to.equal(m.by_level[level as 'LOW']);
      expect(byLevel, level).to.equal(results.filter((r) => r.risk_level === level).length);
      sum += byLevel;
    }
    expect(sum).to.equal(1200);
    expect(count('MEDIUM', 'REVIEW') + count('HIGH', 'REVIEW') + count('HIGH', 'BLOCK')).to.be.greaterThan(0);
    expect(Number(family(families, 'txn_anomaly_errors_total').metrics[0].value)).to.equal(2);
    const latency = family(families, 'txn_anomaly_scoring_latency_seconds');
    expect(latency.type).to.equal('HISTOGRAM');
    expect(Number(latency.metrics[0].count)).to.equal(1200);
    expect(Number(latency.metrics[0].buckets!['+Inf'])).to.equal(1200);
    expect(Number(latency.metrics[0].sum)).to.be.above(0);
    const les = Object.keys(latency.metrics[0].buckets!)
      .filter((k) => k !== '+Inf')
      .sort((x, y) => Number(x) - Number(y));
    expect(les.length).to.be.greaterThan(5);
    for (let i = 1; i < les.length; i++) expect(Number(latency.metrics[0].buckets![les[i]])).to.be.at.least(Number(latency.metrics[0].buckets![les[i - 1]]));
    expect(family(families, 'txn_anomaly_model_info').metrics[0].labels).to.deep.equal({ version: CHAMPION, sha256: m.model.sha256 });
    // No shadow loaded: no shadow families.
    expect(families.map((f) => f.name).some((n) => n.startsWith('txn_anomaly_shadow'))).to.equal(false);
  });

  it('scores every transaction with the shadow too, decides with the champion only, and counts agreement and disagreements', async () => {
    const client = kit.client(init('shadow'));
    const champion = await client.ready();
    // A stricter challenger: its decision function is 0.03 lower for every transaction.
    const stricter = await shiftedModel(0.03, 'iforest-stricter');
    const loaded = await client.loadShadowModel({ json: stricter });
    expect(loaded.champion.modelVersion).to.equal(CHAMPION);
    expect(loaded.shadow).to.include({ modelVersion: 'iforest-stricter', sha256: stricter.sha256, source: 'json' });
    expect(loaded.canRollback).to.equal(false);

    const traffic = trainingLike(1500, 24);
    const results = await send(client, traffic, 300);
    expect(results.every((r) => r.model_version === CHAMPION)).to.equal(true);
    expect((await client.decisions({ limit: 1 }))[0].model_sha256).to.equal(champion.sha256);
    // Repeats are answered from the log, neither decided nor compared again.
    await client.detectBatch(traffic.slice(0, 200));

    // What the shadow recommends: the champion's rule hits with the shadow's decision function.
    const expected = results.map((r) => decide(r.model_score - stricter.offset, r.reason_codes.map((code, j) => ({ code, detail: r.reason_details[j] }))));
    const disagreeing = results.filter((r, i) => r.recommendation !== expected[i].recommendation);
    expect(disagreeing.length, 'some recommendations must differ').to.be.greaterThan(0);

    const { shadow } = await client.metrics();
    const s = shadow as ShadowSection;
    expect(s.champion).to.deep.equal({ model_version: CHAMPION, sha256: champion.sha256 });
    expect(s.shadow).to.deep.equal({ model_version: 'iforest-stricter', sha256: stricter.sha256 });
    expect(s.compared).to.equal(1500);
    expect(s.disagreements_total).to.equal(disagreeing.length);
    expect(s.agreed).to.equal(1500 - disagreeing.length);
    expect(s.agreement_rate).to.be.closeTo((1500 - disagreeing.length) / 1500, 1e-12);
    expect(s.risk_score_correlation).to.be.within(0.9, 1);
    expect(s.model_score_correlation).to.be.closeTo(1, 1e-12);
    expect(s.disagreements.map((d) => d.transaction_id)).to.deep.equal(disagreeing.slice(-100).map((r) => r.transaction_id));
    const first = s.disagreements[0];
    const r = results.find((x) => x.transaction_id === first.transaction_id)!;
    expect(first.champion).to.deep.equal({ recommendation: r.recommendation, risk_level: r.risk_level, risk_score: r.risk_score, model_score: r.model_score });
    const e = expected[results.indexOf(r)];
    expect(first.shadow).to.deep.include({ recommendation: e.recommendation, risk_score: e.risk_score, model_score: r.model_score });
    expect(s.can_rollback).to.equal(false);

    const families = parsePrometheusTextFormat(await client.metricsText());
    expect(Number(family(families, 'txn_anomaly_shadow_compared_total').metrics[0].value)).to.equal(1500);
    expect(Number(family(families, 'txn_anomaly_shadow_disagreements_total').metrics[0].value)).to.equal(disagreeing.length);
    expect(Number(family(families, 'txn_anomaly_shadow_agreement_ratio').metrics[0].value)).to.be.closeTo(s.agreement_rate!, 1e-12);
    expect(family(families, 'txn_anomaly_shadow_model_info').metrics[0].labels).to.deep.equal({ version: 'iforest-stricter', sha256: stricter.sha256 });
  });

  it('keeps the previous shadow when a new one is rejected, and says why', async () => {
    const client = kit.client(init('shadow-bad'));
    await client.loadShadowModel({ json: await shiftedModel(0.01, 'iforest-a') });
    const tampered = await shiftedModel(0.02, 'iforest-b');
    tampered.offset += 0.001; // after hashing: the hash no longer matches
    const err = await rejection(client.loadShadowModel({ json: tampered }));
    expect(err.message).to.contain('loadShadowModel');
    expect(err.message).to.contain('sha256: hash mismatch');
    expect(err.message).to.contain('the shadow model was not changed');
    const missing = await rejection(client.loadShadowModel({ url: '/models/no-such-shadow.json' }));
    expect(missing.message).to.contain('HTTP 404');
    expect((await rejection(client.loadShadowModel({} as never))).message).to.contain('give exactly one of { url } and { json }');
    decision(await client.detect(txn('sb1', 'u', 'Mumbai', '2026-01-05T10:00:00Z')));
    const { shadow } = await client.metrics();
    expect(shadow!.shadow!.model_version).to.equal('iforest-a');
    expect(shadow!.compared).to.equal(1);
    await client.unloadShadowModel();
    expect((await client.metrics()).shadow).to.equal(undefined);
  });

  it('promotes the shadow in one step, rolls back, and keeps the promoted champion across a worker restart', async () => {
    const client = kit.client(init('promote', { monitoring: { drift: { minSamples: 50 } } }));
    const champion = await client.ready();
    expect((await rejection(client.promoteShadow())).message).to.contain('no shadow model is loaded');
    expect((await rejection(client.rollbackPromotion())).message).to.contain('nothing to roll back');
    const challenger = await shiftedModel(-0.02, 'iforest-challenger');
    await client.loadShadowModel({ json: challenger });
    const traffic = trainingLike(900, 25);
    await send(client, traffic.slice(0, 300));
    expect((await client.metrics()).drift!.window).to.equal(300);

    const promoted = await client.promoteShadow();
    expect(promoted.champion.modelVersion).to.equal('iforest-challenger');
    expect(promoted.shadow!.modelVersion).to.equal(CHAMPION);
    expect(promoted.canRollback).to.equal(true);
    let m = await client.metrics();
    expect(m.model.sha256).to.equal(challenger.sha256);
    // The new champion's statistics start afresh: its own drift window, a new comparison.
    expect(m.drift!.window).to.equal(0);
    expect(m.shadow!.compared).to.equal(0);
    expect(m.shadow!.can_rollback).to.equal(true);
    const after = await send(client, traffic.slice(300, 600));
    expect(after.every((r) => r.model_version === 'iforest-challenger')).to.equal(true);
    expect((await client.decisions({ limit: 1 }))[0].model_sha256).to.equal(challenger.sha256);
    m = await client.metrics();
    expect(m.shadow!.compared).to.equal(300);
    expect(m.shadow!.shadow!.model_version).to.equal(CHAMPION);

    const rolledBack = await client.rollbackPromotion();
    expect(rolledBack).to.deep.include({ canRollback: false });
    expect(rolledBack.champion.modelVersion).to.equal(CHAMPION);
    expect(rolledBack.shadow!.modelVersion).to.equal('iforest-challenger');
    expect(decision(await client.detect(traffic[600])).model_version).to.equal(CHAMPION);
    expect((await rejection(client.rollbackPromotion())).message).to.contain('nothing to roll back');

    // Promote again, then the worker dies: the new worker starts with the promoted champion and the old one as shadow.
    await client.promoteShadow();
    client.crashForTest();
    expect(decision(await client.detect(traffic[601])).model_version).to.equal('iforest-challenger');
    m = await client.metrics();
    expect(m.model.modelVersion).to.equal('iforest-challenger');
    expect(m.shadow!.shadow).to.deep.equal({ model_version: CHAMPION, sha256: champion.sha256 });
    expect(m.shadow!.compared).to.equal(1);
  });

  it('changes models only between batches: every decision is stamped with the model that took it', async () => {
    const client = kit.client(init('promote-in-flight'));
    await client.ready();
    const challenger = await shiftedModel(-0.02, 'iforest-challenger');
    await client.loadShadowModel({ json: challenger });
    const traffic = trainingLike(2000, 26);
    const batches = Array.from({ length: 8 }, (_, b) => traffic.slice(b * 250, (b + 1) * 250));
    const calls = batches.map((b, i) => (i === 3 ? client.promoteShadow().then(() => client.detectBatch(b)) : client.detectBatch(b)));
    const results = (await Promise.all(calls)).flat().map(decision);
    const versions = new Set(results.map((r) => r.model_version));
    expect([...versions].sort()).to.deep.equal(['iforest-behavioral-t150-s7', 'iforest-challenger']);
    const sha = { [CHAMPION]: (await client.metrics()).shadow!.shadow!.sha256, 'iforest-challenger': challenger.sha256 };
    const log = await client.decisions({ limit: 10_000 });
    expect(log).to.have.length(2000);
    for (const d of log) expect(d.model_sha256, d.transaction_id).to.equal(sha[d.model_version as keyof typeof sha]);
    // Each committed decision was monitored once, by the model that took it.
    const m = await client.metrics();
    expect(m.drift!.window + results.filter((r) => r.model_version === CHAMPION).length).to.equal(2000);
    expect(m.shadow!.compared).to.equal(m.drift!.window);
  });

  it('counts each committed decision once in drift and shadow statistics, also when a write lost a race to another tab and was scored again', async () => {
    const dbName = kit.db('monitor-two-tabs');
    const tabA = kit.client({ modelUrl: MODEL_URL, dbName });
    const tabB = kit.client({ modelUrl: MODEL_URL, dbName });
    await Promise.all([tabA.ready(), tabB.ready()]);
    const shadow = await shiftedModel(0.03, 'iforest-stricter');
    await Promise.all([tabA.loadShadowModel({ json: shadow }), tabB.loadShadowModel({ json: shadow })]);
    const traffic = trainingLike(2400, 27);
    const mine = (tab: number) => traffic.filter((_, i) => Math.floor(i / 100) % 2 === tab);
    const run = async (client: DetectorClient, txns: Transaction[]) => {
      for (let i = 0; i < txns.length; i += 100) await client.detectBatch(txns.slice(i, i + 100));
    };
    await Promise.all([run(tabA, mine(0)), run(tabB, mine(1))]);
    const [a, b] = await Promise.all([tabA.metrics(), tabB.metrics()]);
    const conflicts = (a.storage_state as { conflicts: number }).conflicts + (b.storage_state as { conflicts: number }).conflicts;
    expect(conflicts, 'the tabs must have raced').to.be.greaterThan(0);
    for (const m of [a, b]) {
      expect(m.transactions).to.equal(1200);
      expect(m.drift!.window).to.equal(1200);
      expect(m.shadow!.compared).to.equal(1200);
    }
    expect(await tabA.decisions({ limit: 10_000 })).to.have.length(2400);
  });
});
