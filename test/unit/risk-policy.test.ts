import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReasonCode, type RiskLevel } from '../../src/core/contract/types';
import {
  createPolicyConfig,
  decide,
  DEFAULT_POLICY_CONFIG,
  modelRisk,
  riskLevelFor,
  validatePolicyConfig,
  type PolicyConfig,
} from '../../src/core/policy/index';
import { ConfigError } from '../../src/core/rules/index';

const ALL_CODES = Object.values(ReasonCode);

const hitFor = (code: ReasonCode) => ({ code, detail: `detail of ${code}` });

/** Decision-function values, including the extremes and exactly 0. */
const decisionFunction = fc.oneof(
  fc.double({ min: -2, max: 2, noNaN: true }),
  fc.constantFrom(0, -0, Infinity, -Infinity, 1e300, -1e300),
);

/** Any subset of the reason codes, in any order, possibly repeated. */
const hits = fc.array(fc.constantFrom(...ALL_CODES), { maxLength: 7 }).map((cs) => cs.map(hitFor));

const unit = fc.double({ min: 0, max: 1, noNaN: true });

/** Random valid policies, so the invariants are not an accident of the defaults. */
const policy: fc.Arbitrary<PolicyConfig> = fc
  .record({
    cuts: fc.uniqueArray(unit, { minLength: 2, maxLength: 2 }).map((xs) => [...xs].sort((a, b) => a - b)),
    review: unit,
    block: unit,
    blockCodes: fc.subarray(ALL_CODES),
    floors: fc.dictionary(fc.constantFrom(...ALL_CODES), unit),
    steepness: fc.double({ min: 0.01, max: 50, noNaN: true }),
    bump: fc.double({ min: 0, max: 0.3, noNaN: true }),
  })
  .map(({ cuts, review, block, ...rest }) => ({
    ...rest,
    mediumAt: cuts[0],
    highAt: cuts[1],
    reviewAt: Math.min(review, block),
    blockAt: Math.max(review, block),
  }))
  .filter(({ mediumAt, blockAt }) => mediumAt < blockAt)
  .map(({ mediumAt, highAt, reviewAt, blockAt, blockCodes, floors, steepness, bump }) =>
    createPolicyConfig({
      mediumAt,
      highAt,
      reviewAt,
      blockAt,
      blockCodes,
      codeFloors: floors,
      modelSteepness: steepness,
      extraCodeBump: bump,
    }),
  );

const configs = fc.oneof(fc.constant(DEFAULT_POLICY_CONFIG), policy);

function expectedLevel(score: number, config: PolicyConfig): RiskLevel {
  return score < config.mediumAt ? 'LOW' : score < config.highAt ? 'MEDIUM' : 'HIGH';
}

describe('decide', () => {
  it('always reports the level that the score cut-offs give', () => {
    fc.assert(
      fc.property(decisionFunction, hits, configs, (df, hs, config) => {
        const d = decide(df, hs, config);
        expect(d.risk_score).toBeGreaterThanOrEqual(0);
        expect(d.risk_score).toBeLessThanOrEqual(1);
        expect(d.risk_level).toBe(expectedLevel(d.risk_score, config));
      }),
    );
  });

  it('never gives a BLOCK a LOW level, and a BLOCK is always HIGH', () => {
    fc.assert(
      fc.property(decisionFunction, hits, configs, (df, hs, config) => {
        const d = decide(df, hs, config);
        if (d.recommendation === 'BLOCK') expect(d.risk_level).toBe('HIGH');
        if (d.recommendation === 'REVIEW') expect(d.risk_level).not.toBe('LOW');
      }),
    );
  });

  it('never approves a transaction with a reason code', () => {
    fc.assert(
      fc.property(decisionFunction, hits, configs, (df, hs, config) => {
        fc.pre(hs.length > 0);
        expect(decide(df, hs, config).recommendation).not.toBe('APPROVE');
      }),
    );
  });

  it('follows the score thresholds: BLOCK at or above blockAt, never APPROVE at or above reviewAt', () => {
    fc.assert(
      fc.property(decisionFunction, hits, configs, (df, hs, config) => {
        const d = decide(df, hs, config);
        if (d.risk_score >= config.blockAt) expect(d.recommendation).toBe('BLOCK');
        if (d.risk_score >= config.reviewAt) expect(d.recommendation).not.toBe('APPROVE');
        if (hs.some((h) => config.blockCodes.includes(h.code))) expect(d.recommendation).toBe('BLOCK');
      }),
    );
  });

  it('gives a higher or equal risk to a lower decision function', () => {
    fc.assert(
      fc.property(decisionFunction, decisionFunction, hits, configs, (a, b, hs, config) => {
        const [lower, higher] = a <= b ? [a, b] : [b, a];
        expect(decide(lower, hs, config).risk_score).toBeGreaterThanOrEqual(decide(higher, hs, config).risk_score);
      }),
    );
  });

  it('keeps one detail per distinct reason code, in the order of the hits', () => {
    const d = decide(1, [hitFor('UNUSUAL_HOUR'), hitFor('HIGH_AMOUNT'), { code: 'UNUSUAL_HOUR', detail: 'again' }]);
    expect(d.reason_codes).toEqual(['UNUSUAL_HOUR', 'HIGH_AMOUNT']);
    expect(d.reason_details).toEqual(['detail of UNUSUAL_HOUR', 'detail of HIGH_AMOUNT']);
  });

  it('approves a normal transaction with a low score', () => {
    const d = decide(0.3, []);
    expect(d.risk_score).toBeCloseTo(modelRisk(0.3), 12);
    expect(d).toMatchObject({ risk_level: 'LOW', recommendation: 'APPROVE', reason_codes: [], reason_details: [] });
  });

  it('reviews a model outlier at the threshold (decision function 0 gives 0.5)', () => {
    expect(decide(0, [])).toMatchObject({ risk_score: 0.5, risk_level: 'MEDIUM', recommendation: 'REVIEW' });
  });

  it('raises the score to the code floor plus a bump per extra code', () => {
    expect(decide(1, [hitFor('HIGH_AMOUNT')])).toMatchObject({ risk_score: 0.5, recommendation: 'REVIEW' });
    expect(decide(1, [hitFor('UNUSUAL_HOUR')])).toMatchObject({ risk_score: 0.35, risk_level: 'MEDIUM', recommendation: 'REVIEW' });
    const two = decide(1, [hitFor('HIGH_AMOUNT'), hitFor('UNUSUAL_HOUR')]);
    expect(two.risk_score).toBeCloseTo(0.55, 12);
    const velocity = decide(1, [hitFor('VELOCITY_MULTI_CITY')]);
    expect(velocity).toMatchObject({ risk_score: 0.9, risk_level: 'HIGH', recommendation: 'BLOCK' });
  });

  it('lifts a BLOCK to highAt when the blocking code has a low floor', () => {
    const config = createPolicyConfig({ codeFloors: { IMPOSSIBLE_TRAVEL: 0 } });
    expect(decide(5, [hitFor('IMPOSSIBLE_TRAVEL')], config)).toMatchObject({
      risk_score: 0.7,
      risk_level: 'HIGH',
      recommendation: 'BLOCK',
    });
  });

  it('rejects a NaN decision function', () => {
    expect(() => decide(Number.NaN, [])).toThrow(/decisionFunction/);
  });
});

describe('riskLevelFor', () => {
  it('puts LOW below 0.3, MEDIUM from 0.3 and HIGH from 0.7 by default', () => {
    expect([0, 0.2999, 0.3, 0.6999, 0.7, 1].map((s) => riskLevelFor(s))).toEqual([
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
    ]);
  });
});

describe('policy config', () => {
  it('keeps the documented defaults', () => {
    expect(validatePolicyConfig(DEFAULT_POLICY_CONFIG)).toMatchObject({
      mediumAt: 0.3,
      highAt: 0.7,
      reviewAt: 0.5,
      blockAt: 0.85,
      blockCodes: ['VELOCITY_MULTI_CITY', 'IMPOSSIBLE_TRAVEL'],
      modelSteepness: 20,
      extraCodeBump: 0.05,
    });
  });

  it('merges code floors per code', () => {
    const config = createPolicyConfig({ codeFloors: { HIGH_AMOUNT: 0.6 } });
    expect(config.codeFloors).toMatchObject({ HIGH_AMOUNT: 0.6, UNUSUAL_HOUR: 0.35, VELOCITY_MULTI_CITY: 0.9 });
  });

  const invalid: [string, Record<string, unknown>][] = [
    ['mediumAt', { mediumAt: 0.8 }],
    ['mediumAt', { mediumAt: -0.1 }],
    ['highAt', { highAt: 1.5 }],
    ['reviewAt', { reviewAt: 0.9 }],
    ['blockAt', { blockAt: Number.NaN }],
    ['blockAt', { mediumAt: 0.3, reviewAt: 0.2, blockAt: 0.25 }],
    ['modelSteepness', { modelSteepness: 0 }],
    ['extraCodeBump', { extraCodeBump: 2 }],
    ['blockCodes[1]', { blockCodes: ['HIGH_AMOUNT', 'NOPE'] }],
    ['codeFloors.HIGH_AMOUNT', { codeFloors: { HIGH_AMOUNT: 1.2 } }],
    ['codeFloors.NOPE', { codeFloors: { NOPE: 0.5 } }],
  ];

  it.each(invalid)('names %s in the error of an invalid config', (field, overrides) => {
    let error: unknown;
    try {
      createPolicyConfig(overrides as Partial<PolicyConfig>);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).toContain(`PolicyConfig.${field}`);
  });

  it('names the field for any out-of-range threshold', () => {
    const fields = ['mediumAt', 'highAt', 'reviewAt', 'blockAt', 'extraCodeBump'] as const;
    const outOfRange = fc.oneof(
      fc.double({ min: 1.000001, max: 1e9, noNaN: true }),
      fc.double({ min: -1e9, max: -0.000001, noNaN: true }),
      fc.constantFrom(Number.NaN, Infinity, -Infinity),
    );
    fc.assert(
      fc.property(fc.constantFrom(...fields), outOfRange, (field, value) => {
        expect(() => decide(0, [], { ...DEFAULT_POLICY_CONFIG, [field]: value })).toThrow(
          new RegExp(`PolicyConfig\\.${field}\\b`),
        );
      }),
    );
  });
});
