import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { detectionResultJsonSchema, errorResultJsonSchema, transactionJsonSchema } from '../../src/core/contract/json-schema';
import { createDetector } from '../../src/core/detector';
import { simulate } from '../../src/core/simulator';
import { defaultModel } from '../helpers/model';

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validTransaction = ajv.compile(transactionJsonSchema as object);
const validResult = ajv.compile(detectionResultJsonSchema as object);
const validError = ajv.compile(errorResultJsonSchema as object);

describe('the published JSON Schemas', () => {
  it('accept every simulated transaction and every decision the detector returns for them', async () => {
    const traffic = simulate({ n: 2000, seed: 31 });
    const detector = createDetector({ model: defaultModel() });
    const results = await detector.detectBatch(traffic);
    for (const t of traffic) expect(validTransaction(t), JSON.stringify(validTransaction.errors)).toBe(true);
    for (const r of results) expect(validResult(JSON.parse(JSON.stringify(r))), JSON.stringify(validResult.errors)).toBe(true);
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
