import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { detectionResultJsonSchema, errorResultJsonSchema, explanationJsonSchema, transactionJsonSchema } from '../../src/core/contract/json-schema';
import type { DetectionResult } from '../../src/core/contract/types';
import { createDetector, isErrorResult } from '../../src/core/detector';
import { simulate } from '../../src/core/simulator';
import { defaultModel } from '../helpers/model';

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validTransaction = ajv.compile(transactionJsonSchema as object);
const validResult = ajv.compile(detectionResultJsonSchema as object);
const validError = ajv.compile(errorResultJsonSchema as object);
const validExplanation = ajv.compile(explanationJsonSchema as object);

/** A deep copy of a JSON value, as a client receives it. */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('the published JSON Schemas', () => {
  it('accept every simulated transaction and every decision the detector returns for them', async () => {
    const traffic = simulate({ n: 2000, seed: 31 });
    const detector = createDetector({ model: defaultModel() });
    const results = await detector.detectBatch(traffic);
    for (const t of traffic) expect(validTransaction(t), JSON.stringify(validTransaction.errors)).toBe(true);
    for (const r of results) expect(validResult(JSON.parse(JSON.stringify(r))), JSON.stringify(validResult.errors)).toBe(true);
    // The default detector explains its flagged decisions: some results carry an explanation.
    expect(results.filter((r) => !isErrorResult(r) && r.explanation !== undefined).length).toBeGreaterThan(0);
  });

  it('describe the explanations the detector produces, for every decision, and reject other shapes', async () => {
    const traffic = simulate({ n: 400, seed: 32 });
    const detector = createDetector({ model: defaultModel(), config: { explain: 'all' } });
    const results = (await detector.detectBatch(traffic)).filter((r): r is DetectionResult => !isErrorResult(r));
    expect(results.length).toBe(traffic.length);
    const withHistory = results.filter((r) => r.explanation!.baseline.history_size > 0);
    expect(withHistory.length).toBeGreaterThan(0);
    expect(results.some((r) => r.explanation!.baseline.history_size === 0)).toBe(true);
    for (const r of results) {
      expect(r.explanation).toBeDefined();
      expect(validResult(wire(r)), JSON.stringify(validResult.errors)).toBe(true);
      expect(validExplanation(wire(r.explanation)), JSON.stringify(validExplanation.errors)).toBe(true);
    }

    // Wrong shapes, each a small edit of a real explanation, fail both schemas.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Json = Record<string, any>;
    const real = wire(withHistory[0]);
    const broken: [string, (r: Json) => void][] = [
      ['not an object', (r) => (r.explanation = 'Risk driven by: amount')],
      ['no contributions', (r) => delete r.explanation.contributions],
      ['empty contributions', (r) => (r.explanation.contributions = [])],
      ['contributions not an array', (r) => (r.explanation.contributions = { amount: 0.1 })],
      ['a contribution without its feature', (r) => delete r.explanation.contributions[0].feature],
      ['a contribution as a string', (r) => (r.explanation.contributions[1].contribution = '0.1')],
      ['an unknown direction', (r) => (r.explanation.contributions[0].direction = 'up')],
      ['a path-length share missing', (r) => delete r.explanation.contributions[2].path_length],
      ['no summary', (r) => delete r.explanation.summary],
      ['an empty summary', (r) => (r.explanation.summary = '')],
      ['value above 1', (r) => (r.explanation.value = 1.5)],
      ['base value 0', (r) => (r.explanation.base_value = 0)],
      ['no baseline', (r) => delete r.explanation.baseline],
      ['a fractional history size', (r) => (r.explanation.baseline.history_size = 2.5)],
      ['typical amount as text', (r) => (r.explanation.baseline.typical_amount = '1200')],
      ['an hour 24', (r) => (r.explanation.baseline.usual_hours = [24])],
      ['four usual hours', (r) => (r.explanation.baseline.usual_hours = [1, 2, 3, 4])],
      ['no path length', (r) => delete r.explanation.path_length],
      ['a path length without its value', (r) => delete r.explanation.path_length.value],
      ['a negative path length', (r) => (r.explanation.path_length.base_value = -1)],
    ];
    for (const [what, edit] of broken) {
      const result = wire(real) as unknown as Json;
      edit(result);
      expect(validResult(result), what).toBe(false);
      expect(validExplanation(result.explanation), what).toBe(false);
    }
    // Extra properties are allowed, as everywhere in the result.
    const extended = wire(real) as unknown as Json;
    extended.explanation.method = 'linear';
    extended.explanation.contributions[0].rank = 1;
    expect(validResult(extended), JSON.stringify(validResult.errors)).toBe(true);
  });

  it('accept the error results of rejected transactions and reject what the validator rejects', async () => {
    const detector = createDetector({ model: defaultModel() });
    const bad = [{ transaction_id: 'x' }, { transaction_id: 'y', user_id: 'u', amount: -1, location: 'Pune', timestamp: '2026-01-01T10:00:00Z', merchant_type: 'fuel' }, 42, { transaction_id: 'z', user_id: 'u', amount: 1, location: 'Pune', timestamp: '2026-01-01T10:00:00', merchant_type: 'fuel' }];
    const out = await detector.detectBatch(bad);
    for (const e of out) expect(validError(JSON.parse(JSON.stringify(e))), JSON.stringify(validError.errors)).toBe(true);
    expect(validTransaction(bad[0])).toBe(false);
    expect(validTransaction(bad[3])).toBe(false);
  });
});
