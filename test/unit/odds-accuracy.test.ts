/**
 * Accuracy against scikit-learn on the real ODDS benchmarks: mean AUC over seeds 0-4 with 100
 * trees within 0.01 of scikit-learn's mean (sklearn_baseline.json), or within one of its standard
 * deviations where that is larger.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baselineDatasets, evaluateDataset } from '../../bench/odds-accuracy';

// Seeds 0-4 of pima land 0.0117 above scikit-learn's seeds 0-4 (tolerance 0.01): pima's AUC varies
// by 0.0125 from seed to seed, so a 5-seed mean wanders by ~0.0056 on each side. It is checked
// instead over 40 seeds against 40 scikit-learn seeds (fixture with provenance).
const FORTY_SEEDS = new Set(['pima']);

describe('AUC on the ODDS benchmarks', () => {
  for (const name of baselineDatasets()) {
    if (FORTY_SEEDS.has(name)) continue;
    it(`matches scikit-learn's mean AUC over seeds 0-4 on ${name}`, async () => {
      const r = await evaluateDataset(name);
      expect(Math.abs(r.auc_mean - r.sklearn_auc_mean), `${name}: ours ${r.auc_mean}, scikit-learn ${r.sklearn_auc_mean} ± ${r.sklearn_auc_std}`).toBeLessThanOrEqual(r.tolerance);
    });
  }

  it("matches scikit-learn's mean AUC over 40 seeds on pima", async () => {
    const ref = JSON.parse(readFileSync(new URL('../fixtures/sklearn-pima-40-seeds.json', import.meta.url), 'utf8'));
    const r = await evaluateDataset('pima', ref.seeds);
    expect(Math.abs(r.auc_mean - ref.auc_mean), `ours ${r.auc_mean}, scikit-learn ${ref.auc_mean}`).toBeLessThanOrEqual(0.01);
  });
});
