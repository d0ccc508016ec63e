import { describe, expect, it } from 'vitest';
import type { Transaction } from '../../src/core/contract/types';
import { createDetector } from '../../src/core/detector';
import { contentHash, loadModel, serializeModel, type LoadedModel, type ModelFile } from '../../src/core/forest';
import { binIndex, createDriftMonitor, modelDistributions, populationStabilityIndex, type DriftMonitor } from '../../src/core/monitoring';
import { simulate } from '../../src/core/simulator';
import { trainTransactionModel } from '../../src/core/training';
import { expectAllClose } from '../helpers/all-close';
import { parse } from '../helpers/outcomes';


// Training: 20,000 simulated transactions of 500 users. Serving: 5,000 of 125 users from another
// seed, so users reach the same history lengths as in training (40 transactions each).
const training = simulate({ n: 20_000, seed: 1, anomalyRate: 0.005 }).map(parse);
const serving = simulate({ n: 5000, seed: 2, anomalyRate: 0.005 });
const models = new Map<string, LoadedModel>();
function model(set: 'behavioral' | 'seed'): LoadedModel {
  let m = models.get(set);
  if (!m) {
    m = loadModel(trainTransactionModel(training, { featureSet: set, createdAt: '2026-01-01T00:00:00Z', params: { seed: 4, n_estimators: 40 } }));
    models.set(set, m);
  }
  return m;
}

/** Replays traffic through a fresh detector with a drift monitor; returns the monitor. */
async function monitorTraffic(m: LoadedModel, traffic: Transaction[]): Promise<DriftMonitor> {
  const monitor = createDriftMonitor(m);
  const detector = createDetector({ model: m, config: { explain: 'none' }, observer: monitor });
  await detector.detectBatch(traffic);
  return monitor;
}

const CITY_MIX = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai', 'Kolkata', 'Hyderabad', 'Pune', 'Ahmedabad'];

describe('drift against the training distributions', () => {
  for (const set of ['behavioral', 'seed'] as const) {
    const amountFeature = set === 'behavioral' ? 'log_amount' : 'amount';
    const cityFeature = set === 'behavioral' ? 'new_city' : 'location_code';

    it(`stays quiet on traffic from the training distribution (${set})`, async () => {
      const report = (await monitorTraffic(model(set), serving)).report();
      expect(report.window).toBe(5000);
      expect(report.ready).toBe(true);
      expect(report.warnings).toEqual([]);
      // (The seed set's city codes move most: 125 serving users' home cities against 500.)
      for (const f of report.features) expect(f.psi, f.feature).toBeLessThan(0.15);
      expect(report.score.psi).toBeLessThan(0.1);
    });

    it(`warns on ${amountFeature} when amounts are four times larger (${set})`, async () => {
      const report = (await monitorTraffic(model(set), serving.map((t) => ({ ...t, amount: t.amount * 4 })))).report();
      expect(report.warnings).toContain(amountFeature);
      const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
      expect(byName[amountFeature].psi).toBeGreaterThan(0.2);
      for (const other of [cityFeature, 'hour']) expect(byName[other].warning, other).toBe(false);
    });

    it(`warns on ${cityFeature} when the city mix changes (${set})`, async () => {
      // Behavioural: every transaction in a city picked round-robin, so users keep visiting new
      // cities. Seed: half the traffic from cities the model never saw.
      const shifted = serving.map((t, i) =>
        set === 'behavioral' ? { ...t, location: CITY_MIX[(i * 7) % CITY_MIX.length] } : i % 2 === 0 ? { ...t, location: ['Shimla', 'Goa', 'Jaipur'][i % 3] } : t,
      );
      const report = (await monitorTraffic(model(set), shifted)).report();
      expect(report.warnings).toContain(cityFeature);
      const byName = Object.fromEntries(report.features.map((f) => [f.feature, f]));
      for (const other of [amountFeature, 'hour']) expect(byName[other].warning, other).toBe(false);
    });
  }

  it('forgets old traffic: a shift that leaves the window stops warning', async () => {
    const m = model('behavioral');
    const monitor = createDriftMonitor(m, { windowSize: 2000 });
    const detector = createDetector({ model: m, config: { explain: 'none' }, observer: monitor });
    await detector.detectBatch(serving.slice(0, 2000).map((t) => ({ ...t, amount: t.amount * 4 })));
    expect(monitor.report().warnings).toContain('log_amount');
    await detector.detectBatch(serving.slice(2000, 4000));
    expect(monitor.size).toBe(2000);
    expect(monitor.report().warnings).not.toContain('log_amount');
  });

  it('raises no warning before minSamples transactions, and never for ignored features', async () => {
    const m = model('behavioral');
    const few = createDriftMonitor(m, { minSamples: 500 });
    const detector = createDetector({ model: m, config: { explain: 'none' }, observer: few });
    await detector.detectBatch(serving.slice(0, 300).map((t) => ({ ...t, amount: t.amount * 4 })));
    const early = few.report();
    expect(early.ready).toBe(false);
    expect(early.features.find((f) => f.feature === 'log_amount')!.psi).toBeGreaterThan(0.2);
    expect(early.warnings).toEqual([]);
    // The same traffic seen by two monitors, one ignoring log_amount.
    const watching = createDriftMonitor(m);
    const ignoring = createDriftMonitor(m, { ignoreFeatures: ['log_amount'] });
    const both = createDetector({
      model: m,
      config: { explain: 'none' },
      observer: { observe: (row, r) => (watching.observe(row, r), ignoring.observe(row, r)) },
    });
    await both.detectBatch(serving.map((t) => ({ ...t, amount: t.amount * 4 })));
    expect(watching.report().warnings).toContain('log_amount');
    expect(ignoring.report().warnings).not.toContain('log_amount');
    expect(ignoring.report().features.find((f) => f.feature === 'log_amount')!.psi).toBeGreaterThan(0.2);
  });

  it('uses the configured threshold', async () => {
    const m = model('behavioral');
    const strict = createDriftMonitor(m, { threshold: 1e-9 });
    const detector = createDetector({ model: m, config: { explain: 'none' }, observer: strict });
    await detector.detectBatch(serving.slice(0, 1000));
    expect(strict.report().warnings.length).toBeGreaterThan(0);
    expect(strict.report().threshold).toBe(1e-9);
  });
});

describe('training distributions in the model file', () => {
  it('stores one distribution per feature and one of the score, deterministically', () => {
    const a = trainTransactionModel(training.slice(0, 3000), { createdAt: '2026-01-01T00:00:00Z', params: { seed: 9, n_estimators: 10 } });
    const b = trainTransactionModel(training.slice(0, 3000), { createdAt: '2026-01-01T00:00:00Z', params: { seed: 9, n_estimators: 10 } });
    expect(serializeModel(a)).toBe(serializeModel(b));
    const d = modelDistributions(a);
    expect(d.scoreSource).toBe('extras.score_distribution');
    expect(d.features!.map((f) => f.feature)).toEqual(a.feature_schema.names);
    for (const f of [...d.features!, d.score]) {
      expect(f.proportions.length).toBe(f.edges.length + 1);
      expectAllClose(f.proportions.reduce((s, p) => s + p, 0), 1, { atol: 1e-12 });
    }
    const newCity = d.features!.find((f) => f.feature === 'new_city')!;
    expect(newCity.kind).toBe('discrete');
    expect(newCity.edges).toEqual([-0.5, 0.5, 1.5]);
    expect(d.features!.find((f) => f.feature === 'log_amount')!.kind).toBe('deciles');
    // The hash covers the extras: loading validates them.
    expect(() => loadModel(a)).not.toThrow();
  });

  it('monitors only the score of a model file without feature distributions, and says why', async () => {
    // A file as trained before distributions were stored (or exported from scikit-learn).
    const { extras: _dropped, ...bare } = trainTransactionModel(training.slice(0, 3000), { createdAt: '2026-01-01T00:00:00Z', params: { seed: 9, n_estimators: 10 } });
    const m = loadModel({ ...bare, sha256: contentHash(bare as ModelFile) });
    const report = (await monitorTraffic(m, serving.slice(0, 1000))).report();
    expect(report.features).toEqual([]);
    expect(report.note).toMatch(/feature_distributions/);
    expect(report.score.feature).toBe('score');
    expect(report.score.psi).toBeGreaterThanOrEqual(0);
    expect(modelDistributions(m.file).scoreSource).toBe('training_scores.quantiles');
  });
});

describe('population stability index', () => {
  it('is 0 for identical shares and matches the formula otherwise', () => {
    expect(populationStabilityIndex([0.25, 0.25, 0.5], [25, 25, 50], 100)).toBe(0);
    const expected = (0.4 - 0.25) * Math.log(0.4 / 0.25) + (0.1 - 0.25) * Math.log(0.1 / 0.25) + (0.5 - 0.5) * Math.log(1);
    expectAllClose(populationStabilityIndex([0.25, 0.25, 0.5], [40, 10, 50], 100), expected, { atol: 1e-15 });
    // An empty training bin counts with the epsilon floor: large but finite.
    expect(populationStabilityIndex([0, 1], [30, 70], 100)).toBeGreaterThan(2);
    expect(Number.isFinite(populationStabilityIndex([0, 1], [30, 70], 100))).toBe(true);
  });

  it('bins x <= edge to the left', () => {
    expect([-1, 0, 0.5, 1, 1.5, 2, 3].map((x) => binIndex([0, 1, 2], x))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });
});
