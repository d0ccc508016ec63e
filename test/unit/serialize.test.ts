import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeOutcomeInto } from '../../src/core/contract/serialize';
import { hasResultShape } from '../../src/core/contract/result-shape';
import type { DetectionResult, ErrorResult } from '../../src/core/contract/types';
import { createDetector, isErrorResult } from '../../src/core/detector';
import { MemoryHistoryStore } from '../../src/core/history';
import { simulate } from '../../src/core/simulator';
import { defaultModel } from '../helpers/model';

/** What the CLI wrote before: JSON.stringify, a newline, UTF-8. */
function reference(x: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(x)}\n`, 'utf8');
}

function encoded(x: DetectionResult | ErrorResult, room = 1 << 16): Buffer {
  const out = new Uint8Array(room);
  const end = encodeOutcomeInto(x, out, 0);
  if (end < 0) throw new Error('did not fit');
  return Buffer.from(out.subarray(0, end));
}

/** Any UTF-16 string: lone surrogates, control characters, quotes, backslashes and all. */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 24 }).map((codes) => String.fromCharCode(...codes)),
  fc.constantFrom('', '"', '\\', '\u0000', '\u001f', '\u007f', '\u2028\u2029', '\ud800', '\udfff', '\udfff\ud800', '😀', '₹1,00,000.00', 'Mumbai → Delhi'),
);
const anyNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 1e21, 1e-7, 5e-324, Number.MAX_VALUE, Number.MAX_SAFE_INTEGER, 0.1 + 0.2, -123456789.125),
);
const explanation = fc.oneof(
  fc.constant(undefined),
  fc.record({ base_value: anyNumber, summary: anyString, contributions: fc.array(fc.record({ feature: anyString, value: anyNumber }), { maxLength: 3 }) }),
);

/** Results in the detector's key order, with any values of the declared types. */
const detectorShaped = fc
  .record({
    transaction_id: anyString,
    user_id: anyString,
    risk_score: anyNumber,
    risk_level: fc.oneof(fc.constantFrom('LOW', 'MEDIUM', 'HIGH'), anyString),
    reason_codes: fc.array(anyString, { maxLength: 4 }),
    recommendation: fc.oneof(fc.constantFrom('APPROVE', 'REVIEW', 'BLOCK'), anyString),
    reason_details: fc.array(anyString, { maxLength: 4 }),
    model_score: anyNumber,
    decision_function: anyNumber,
    model_version: anyString,
    explanation,
    withExplanationKey: fc.boolean(),
  })
  .map(({ withExplanationKey, explanation: e, ...r }) => (withExplanationKey ? { ...r, explanation: e } : r) as DetectionResult);

/** A result as the detector builds it (its keys in order), small values. */
function sampleResult(): Record<string, unknown> {
  return {
    transaction_id: 't',
    user_id: 'u',
    risk_score: 0.5,
    risk_level: 'LOW',
    reason_codes: [],
    recommendation: 'APPROVE',
    reason_details: [],
    model_score: -0.4,
    decision_function: 0.1,
    model_version: 'v',
  };
}

describe('encodeOutcomeInto', () => {
  it('writes exactly the bytes of JSON.stringify for every decision and error of simulated traffic', async () => {
    const detector = createDetector({ model: defaultModel(), history: new MemoryHistoryStore(), config: { explain: 'flagged' } });
    const inputs: unknown[] = simulate({ n: 3000, seed: 11, anomalyRate: 0.05 });
    inputs.push({ transaction_id: 'bad "id"', amount: -1 }, 'not an object', { transaction_id: 'x\u2028', user_id: 'u', amount: 1, location: 'Zürich', timestamp: 'nope', merchant_type: 'café' });
    const outcomes = await detector.detectBatch(inputs);
    expect(outcomes.some((o) => !isErrorResult(o) && o.explanation !== undefined)).toBe(true);
    expect(outcomes.some((o) => !isErrorResult(o) && o.reason_details.some((d) => /[^\x00-\x7f]/.test(d)))).toBe(true);
    for (const o of outcomes) expect(encoded(o).equals(reference(o))).toBe(true);
  });

  it('writes exactly the bytes of JSON.stringify for results with any strings and numbers', () => {
    fc.assert(
      fc.property(detectorShaped, (r) => {
        expect(encoded(r).toString('latin1')).toBe(reference(r).toString('latin1'));
      }),
      { numRuns: 3000 },
    );
  });

  it('hands objects of any other shape to JSON.stringify whole', () => {
    const { transaction_id, ...withoutId } = sampleResult();
    const variants: Record<string, unknown>[] = [
      { user_id: 'u', ...sampleResult() },
      { ...withoutId },
      { ...withoutId, transaction_id },
      { ...sampleResult(), extra: 1 },
      { ...sampleResult(), explanation: { a: 1 }, extra: 'x' },
      { ...sampleResult(), risk_score: '0.5' },
      { ...sampleResult(), reason_codes: ['A', 2, null] },
      { ...sampleResult(), reason_details: 'not an array' },
      { ...sampleResult(), model_version: undefined },
      { ...sampleResult(), explanation: () => 1 },
      { ...sampleResult(), explanation: null },
      { ...sampleResult(), explanation: { toJSON: () => undefined } },
      { ...sampleResult(), user_id: { toJSON: () => 'u2' } },
      Object.assign(Object.create(null), sampleResult()),
      Object.assign(Object.create({ inherited: 1 }), sampleResult()),
    ];
    for (const v of variants) expect(encoded(v as unknown as DetectionResult).toString('latin1')).toBe(reference(v).toString('latin1'));
    expect(hasResultShape(sampleResult() as unknown as DetectionResult)).toBe(true);
    // Other key orders, missing or extra keys, other value types and other prototypes are not results.
    expect(variants.slice(0, 10).concat(variants.slice(12)).some((v) => hasResultShape(v as unknown as DetectionResult))).toBe(false);
  });

  it('writes error results as JSON.stringify does', () => {
    fc.assert(
      fc.property(fc.option(anyString, { nil: undefined }), anyString, anyString, (id, field, message) => {
        const e: ErrorResult = id === undefined ? { error: { code: 'INVALID_VALUE', field, message } } : { transaction_id: id, error: { code: 'INVALID_VALUE', field, message } };
        expect(encoded(e).toString('latin1')).toBe(reference(e).toString('latin1'));
      }),
    );
  });

  it('returns -1 when the outcome might not fit, and writes only inside the buffer', () => {
    const r = { ...sampleResult(), transaction_id: 't'.repeat(500), risk_score: 0.1, model_version: 'v1' } as unknown as DetectionResult;
    const out = new Uint8Array(4096).fill(7);
    const at = 3000;
    expect(encodeOutcomeInto(r, out, at)).toBe(-1);
    const end = encodeOutcomeInto(r, out, 10);
    expect(Buffer.from(out.subarray(10, end)).equals(reference(r))).toBe(true);
    expect(out[9]).toBe(7);
    expect(out[end]).toBe(7);
    const err: ErrorResult = { error: { code: 'INVALID_JSON', field: '$', message: 'x'.repeat(2000) } };
    expect(encodeOutcomeInto(err, new Uint8Array(100), 0)).toBe(-1);
  });
});
