/**
 * Quality on simulated traffic with a seed the default model was not trained on (it was trained
 * on seed 7): every anomaly scenario caught, few false positives, and what the behavioural
 * features buy over the old service's seed features.
 */
import { describe, expect, it } from 'vitest';
import { validateTransaction } from '../../src/core/contract/validate';
import { createDetector } from '../../src/core/detector';
import type { LoadedModel } from '../../src/core/forest';
import { loadModel } from '../../src/core/forest';
import { MemoryHistoryStore } from '../../src/core/history';
import { evaluateDecisions, type DetectorQuality } from '../../src/core/metrics/detector-eval';
import { simulate } from '../../src/core/simulator';
import { trainTransactionModel } from '../../src/core/training';
import { defaultModel } from '../helpers/model';

const EVAL_SEED = 2027;

function quality(model: LoadedModel): DetectorQuality {
  const traffic = simulate({ n: 30_000, seed: EVAL_SEED });
  const parsed = traffic.map((t) => {
    const v = validateTransaction(t);
    if (!v.ok) throw new Error(v.error.error.message);
    return v.value;
  });
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store });
  const results = store.transactSync((tx) => detector.decideWithin(tx, parsed));
  return evaluateDecisions(results.map((result, i) => ({ result, isAnomaly: traffic[i].is_anomaly === true, anomalyType: traffic[i].anomaly_type ?? null, epochMs: parsed[i].epochMs })));
}

describe('detection quality on unseen simulated traffic', () => {
  const behavioral = quality(defaultModel());

  it('catches every rule-covered scenario (high amount, velocity burst, night-time) at >= 95 % of incidents', () => {
    for (const type of ['high_amount', 'velocity_burst', 'night_time']) {
      expect(behavioral.incident_recall_by_type[type].recall, type).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('catches account takeover and card testing, which no rule sees, at >= 70 % each', () => {
    expect(behavioral.incident_recall_by_type.account_takeover.recall).toBeGreaterThanOrEqual(0.7);
    expect(behavioral.incident_recall_by_type.card_testing.recall).toBeGreaterThanOrEqual(0.7);
    expect(behavioral.recall_by_type.account_takeover.recall).toBeGreaterThanOrEqual(0.7);
    expect(behavioral.recall_by_type.card_testing.recall).toBeGreaterThanOrEqual(0.7);
  });

  it('flags at most 2 % of normal transactions, and does not flag new customers wholesale', () => {
    expect(behavioral.false_positive_rate).toBeLessThanOrEqual(0.02);
    expect(behavioral.false_positive_rate_new_customers).toBeLessThanOrEqual(0.05);
  });

  it('beats the seed feature set on the scenarios no rule sees', () => {
    const traffic = simulate({ n: 50_000, seed: 7, anomalyRate: 0.005 }).map((t) => {
      const v = validateTransaction(t);
      if (!v.ok) throw new Error(v.error.error.message);
      return v.value;
    });
    const seedModel = loadModel(trainTransactionModel(traffic, { featureSet: 'seed', createdAt: '2026-01-01T00:00:00Z', params: { seed: 7 } }));
    const seedQuality = quality(seedModel);
    expect(behavioral.incident_recall_by_type.account_takeover.recall).toBeGreaterThan(seedQuality.incident_recall_by_type.account_takeover.recall);
    expect(behavioral.incident_recall_by_type.card_testing.recall).toBeGreaterThan(seedQuality.incident_recall_by_type.card_testing.recall);
    expect(behavioral.pr_auc).toBeGreaterThan(seedQuality.pr_auc);
  });
});
