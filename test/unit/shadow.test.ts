import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { serializeModel } from '../../src/core/forest';
import { createDetector } from '../../src/core/detector';
import { loadModel, type LoadedModel } from '../../src/core/forest';
import { MemoryHistoryStore } from '../../src/core/history';
import { createDriftMonitor, createShadowDetector, DriftMonitor } from '../../src/core/monitoring';
import { simulate } from '../../src/core/simulator';
import { trainTransactionModel } from '../../src/core/training';
import { expectAllClose } from '../helpers/all-close';
import { DEFAULT_MODEL_PATH, defaultModel } from '../helpers/model';
import { parse, decided } from '../helpers/outcomes';


let challenger: LoadedModel | undefined;
/** A seed-feature-set challenger: another schema, another scaler, another forest. */
function seedChallenger(): LoadedModel {
  challenger ??= loadModel(
    trainTransactionModel(simulate({ n: 10_000, seed: 8, anomalyRate: 0.005 }).map(parse), { featureSet: 'seed', createdAt: '2026-01-01T00:00:00Z', params: { seed: 6, n_estimators: 60 } }),
  );
  return challenger;
}

const traffic = simulate({ n: 3000, seed: 31, anomalyRate: 0.03 });

/** Pearson correlation, the textbook two-pass way. */
function pearson(x: number[], y: number[]): number {
  const mx = x.reduce((s, v) => s + v, 0) / x.length;
  const my = y.reduce((s, v) => s + v, 0) / y.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

describe('shadow model', () => {
  it('decides with the champion only, and counts agreement as two separate detectors would', async () => {
    const shadowDetector = createShadowDetector({ champion: defaultModel(), shadow: seedChallenger(), config: { explain: 'none' }, maxDisagreements: 20 });
    const results = (await shadowDetector.detectBatch(traffic)).map(decided);
    // The same traffic through each model alone, from the same empty history.
    const alone = (await createDetector({ model: defaultModel(), config: { explain: 'none' } }).detectBatch(traffic)).map(decided);
    const other = (await createDetector({ model: seedChallenger(), config: { explain: 'none' } }).detectBatch(traffic)).map(decided);
    expect(results).toEqual(alone);

    const stats = shadowDetector.shadowStats();
    const agree = alone.filter((r, i) => r.recommendation === other[i].recommendation).length;
    expect(stats.compared).toBe(traffic.length);
    expect(stats.agreed).toBe(agree);
    expect(stats.disagreements_total).toBe(traffic.length - agree);
    expect(stats.disagreements_total).toBeGreaterThan(20);
    expect(stats.agreement_rate).toBe(agree / traffic.length);
    expectAllClose(stats.risk_score_correlation!, pearson(alone.map((r) => r.risk_score), other.map((r) => r.risk_score)), { atol: 1e-9 });
    expectAllClose(stats.model_score_correlation!, pearson(alone.map((r) => r.model_score), other.map((r) => r.model_score)), { atol: 1e-9 });
    expect(Object.values(stats.confusion).reduce((s, n) => s + n, 0)).toBe(traffic.length);
    expect(stats.shadow!.sha256).toBe(seedChallenger().file.sha256);

    // The list is bounded and holds the latest disagreements, each as the shadow alone scored it.
    expect(stats.disagreements).toHaveLength(20);
    const disagreeing = alone.map((r, i) => [r, other[i]] as const).filter(([a, b]) => a.recommendation !== b.recommendation);
    const latest = disagreeing.slice(-20);
    expect(stats.disagreements.map((d) => d.transaction_id)).toEqual(latest.map(([a]) => a.transaction_id));
    for (let k = 0; k < 20; k++) {
      expect(stats.disagreements[k].shadow).toEqual({
        recommendation: latest[k][1].recommendation,
        risk_level: latest[k][1].risk_level,
        risk_score: latest[k][1].risk_score,
        model_score: latest[k][1].model_score,
      });
    }
  });

  it('agrees with itself completely', async () => {
    const d = createShadowDetector({ champion: defaultModel(), shadow: defaultModel(), config: { explain: 'none' } });
    await d.detectBatch(traffic.slice(0, 500));
    const s = d.shadowStats();
    expect(s).toMatchObject({ compared: 500, agreed: 500, agreement_rate: 1, disagreements_total: 0, disagreements: [] });
    expectAllClose(s.risk_score_correlation!, 1, { atol: 1e-12 });
  });

  it('compares each transaction once: idempotent repeats and in-batch duplicates are not scored again', async () => {
    const d = createShadowDetector({ champion: defaultModel(), shadow: seedChallenger(), config: { explain: 'none' } });
    const batch = traffic.slice(0, 100);
    await d.detectBatch([...batch, batch[0], batch[1]]);
    await d.detectBatch(batch.slice(0, 50));
    expect(d.shadowStats().compared).toBe(100);
  });

  it('promotes the shadow in one step and rolls back', async () => {
    const history = new MemoryHistoryStore();
    const d = createShadowDetector({ champion: defaultModel(), shadow: seedChallenger(), history, config: { explain: 'none' }, observerFor: (m) => createDriftMonitor(m) });
    expect(d.canRollback).toBe(false);
    expect(() => d.rollback()).toThrow(/nothing to roll back/);
    await d.detectBatch(traffic.slice(0, 200));
    const firstObserver = d.observer as DriftMonitor;
    expect(firstObserver.model).toBe(defaultModel());
    expect(firstObserver.size).toBe(200);

    d.promote();
    expect(d.champion).toBe(seedChallenger());
    expect(d.model).toBe(seedChallenger());
    expect(d.shadow).toBe(defaultModel());
    expect(d.canRollback).toBe(true);
    expect(d.shadowStats().compared).toBe(0);
    // The drift monitor follows the champion (it compares with that model's training data).
    expect((d.observer as DriftMonitor).model).toBe(seedChallenger());
    const after = decided(await d.detect(traffic[200]));
    expect(after.model_version).toBe(seedChallenger().file.model_version);
    expect(d.shadowStats().compared).toBe(1);

    d.rollback();
    expect(d.champion).toBe(defaultModel());
    expect(d.shadow).toBe(seedChallenger());
    expect(d.canRollback).toBe(false);
    expect(decided(await d.detect(traffic[201])).model_version).toBe(defaultModel().file.model_version);
    // History is shared: the transactions decided under either champion are all there.
    expect(history.userCount).toBeGreaterThan(0);
  });

  it('runs as a plain detector without a shadow, and refuses to promote nothing', async () => {
    const d = createShadowDetector({ champion: defaultModel(), config: { explain: 'none' } });
    await d.detectBatch(traffic.slice(0, 50));
    expect(d.shadowStats()).toMatchObject({ shadow: null, compared: 0, agreement_rate: null, risk_score_correlation: null });
    expect(() => d.promote()).toThrow(/no shadow/);
    d.setShadow(seedChallenger());
    await d.detectBatch(traffic.slice(50, 80));
    expect(d.shadowStats().compared).toBe(30);
  });
});

describe('txn-anomaly compare', () => {
  it('prints agreement, correlation and a sample of disagreements as one JSON line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'txn-compare-'));
    const shadowPath = join(dir, 'seed.json');
    writeFileSync(shadowPath, serializeModel(seedChallenger().file));
    const input = join(dir, 'in.jsonl');
    const sample = traffic.slice(0, 1500);
    writeFileSync(input, `${sample.map((t) => JSON.stringify(t)).join('\n')}\nnot json\n`);
    let out = '';
    const sink = new Writable({
      write(chunk, _e, cb) {
        out += chunk;
        cb();
      },
    });
    expect(await main(['compare', '--model', DEFAULT_MODEL_PATH, '--shadow', shadowPath, '--in', input, '--sample', '3'], sink)).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]);
    // The same numbers as the library's shadow detector on the same traffic.
    const d = createShadowDetector({ champion: defaultModel(), shadow: seedChallenger(), config: { explain: 'none' } });
    await d.detectBatch(sample);
    const s = d.shadowStats();
    expect(report).toMatchObject({
      transactions: 1500,
      invalid_lines: 1,
      agreement: s.agreement_rate,
      disagreements: s.disagreements_total,
      confusion: s.confusion,
      champion: { sha256: defaultModel().file.sha256 },
      shadow: { sha256: seedChallenger().file.sha256 },
    });
    expectAllClose(report.correlation, s.risk_score_correlation!, { atol: 1e-12 });
    expect(report.sample).toHaveLength(3);
    expect(report.sample).toEqual(s.disagreements.slice(-3));
  });
});
