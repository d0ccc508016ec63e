/**
 * Accuracy against scikit-learn on the real ODDS benchmarks: mean AUC over seeds 0-4 with 100
 * trees within 0.01 of scikit-learn's mean (sklearn_baseline.json), or within one of its standard
 * deviations where that is larger. Training reproduces scikit-learn's forests seed for seed, so
 * each seed's AUC also equals scikit-learn's for that seed, as the baseline rounds it.
 */
import { describe, expect, it } from 'vitest';
import { baselineDatasets, evaluateDataset } from '../../bench/odds-accuracy';

describe('AUC on the ODDS benchmarks', () => {
  for (const name of baselineDatasets()) {
    it(`matches scikit-learn's AUC over seeds 0-4 on ${name}`, async () => {
      const r = await evaluateDataset(name);
      expect(Math.abs(r.auc_mean - r.sklearn_auc_mean), `${name}: ours ${r.auc_mean}, scikit-learn ${r.sklearn_auc_mean} ± ${r.sklearn_auc_std}`).toBeLessThanOrEqual(r.tolerance);
      r.auc_per_seed.forEach((auc, seed) => {
        expect(Math.abs(auc - r.sklearn_auc_per_seed[seed]), `${name} seed ${seed}: ours ${auc}, scikit-learn ${r.sklearn_auc_per_seed[seed]}`).toBeLessThanOrEqual(0.00005 + 1e-12);
      });
    });
  }
});
