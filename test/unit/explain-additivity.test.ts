import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectionResult, Transaction } from '../../src/core/contract/types';
import { createDetector, isErrorResult } from '../../src/core/detector';
import { loadModel, type LoadedModel } from '../../src/core/forest';
import { trainTransactionModel } from '../../src/core/training';
import { simulate } from '../../src/core/simulator';
import { validateTransaction } from '../../src/core/contract';
import { expectAllClose } from '../helpers/all-close';
import { defaultModel } from '../helpers/model';

const CITIES = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai', 'Pune', 'Shimla'];
const MERCHANTS = ['grocery', 'restaurant', 'electronics', 'travel', 'fuel', 'jewellery'];

/** A random stream of transactions of a few users, in time order, with random amounts, places and hours. */
const streamArb = fc
  .array(
    fc.record({
      user: fc.integer({ min: 0, max: 3 }),
      amount: fc.oneof(fc.double({ min: 0, max: 200_000, noNaN: true }), fc.integer({ min: 0, max: 5000 })),
      city: fc.constantFrom(...CITIES),
      merchant: fc.constantFrom(...MERCHANTS),
      gapSeconds: fc.integer({ min: 0, max: 3 * 86_400 }),
      offset: fc.constantFrom('Z', '+05:30'),
    }),
    { minLength: 1, maxLength: 25 },
  )
  .map((items) => {
    let t = Date.UTC(2026, 2, 1);
    return items.map((x, i): Transaction => {
      t += x.gapSeconds * 1000;
      const iso = new Date(t).toISOString().replace('.000Z', x.offset === 'Z' ? 'Z' : '+00:00');
      return { transaction_id: `p${i}`, user_id: `u${x.user}`, amount: x.amount, location: x.city, timestamp: iso, merchant_type: x.merchant };
    });
  });

function checkAdditive(r: DetectionResult): void {
  const e = r.explanation!;
  expect(e).toBeDefined();
  const sum = e.contributions.reduce((s, c) => s + c.contribution, 0);
  // Efficiency in anomaly-score units: Σ contributions = value - base_value.
  expectAllClose(sum, e.value - e.base_value, { atol: 1e-12 });
  // ...in path-length units (the exactly explained quantity).
  expectAllClose(
    e.contributions.reduce((s, c) => s + c.path_length, 0),
    e.path_length.value - e.path_length.base_value,
    { atol: 1e-10 },
  );
  // value is the transaction's own anomaly score: -score_samples.
  expectAllClose(e.value, -r.model_score, { atol: 1e-12 });
  for (let i = 1; i < e.contributions.length; i++) expect(Math.abs(e.contributions[i - 1].contribution)).toBeGreaterThanOrEqual(Math.abs(e.contributions[i].contribution));
  for (const c of e.contributions) expect(c.direction).toBe(c.contribution > 0 ? 'raises_risk' : 'lowers_risk');
  // A contribution lowers the path length exactly when it raises the risk (the slope is negative).
  for (const c of e.contributions) if (c.contribution !== 0) expect(Math.sign(c.path_length)).toBe(-Math.sign(c.contribution));
}

let seedModel: LoadedModel | undefined;
/** A small seed-set model (with a scaler), trained once per file. */
function smallSeedModel(): LoadedModel {
  if (!seedModel) {
    const txns = simulate({ n: 4000, seed: 21 }).map((t) => {
      const v = validateTransaction(t);
      if (!v.ok) throw new Error('invalid simulated transaction');
      return v.value;
    });
    seedModel = loadModel(trainTransactionModel(txns, { featureSet: 'seed', createdAt: '2026-01-01T00:00:00Z', params: { seed: 3, n_estimators: 40 } }));
  }
  return seedModel;
}

describe('explanations are additive', () => {
  for (const [name, model] of [
    ['behavioural default model', () => defaultModel()],
    ['seed-set model with a scaler', () => smallSeedModel()],
  ] as const) {
    it(`sums contributions to value - base_value on random transactions (${name})`, async () => {
      await fc.assert(
        fc.asyncProperty(streamArb, async (stream) => {
          const detector = createDetector({ model: model(), config: { explain: 'all' } });
          const results = await detector.detectBatch(stream);
          for (const r of results) {
            if (isErrorResult(r)) throw new Error(JSON.stringify(r));
            checkAdditive(r);
          }
        }),
        { numRuns: 40, seed: 424242 },
      );
    });
  }
});
