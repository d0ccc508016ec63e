/**
 * The risk policy: turns the model's decision function and the rule hits into a score, a level
 * and a recommendation.
 */

import {
  ReasonCode,
  Recommendation,
  RiskLevel,
  type DetectionResult,
} from '../contract/types';
import { checkNumber, ConfigError, stripUndefined } from '../rules/config';
import type { RuleHit } from '../rules/evaluate';

/** Configuration of {@link decide}. Treat instances as immutable. */
export interface PolicyConfig {
  /** Scores at or above this are MEDIUM (below: LOW). Default 0.3. */
  readonly mediumAt: number;
  /** Scores at or above this are HIGH. Must exceed `mediumAt`. Default 0.7. */
  readonly highAt: number;
  /** Scores at or above this are at least REVIEW. Default 0.5 (decision function <= 0, an outlier). */
  readonly reviewAt: number;
  /** Scores at or above this are BLOCK. Must be >= `reviewAt` and > `mediumAt`. Default 0.85. */
  readonly blockAt: number;
  /** Reason codes that BLOCK whatever the score. Default VELOCITY_MULTI_CITY, IMPOSSIBLE_TRAVEL. */
  readonly blockCodes: readonly ReasonCode[];
  /**
   * Steepness k of the model part `1 / (1 + exp(k * decision_function))`: 0.5 at the model's
   * own threshold (decision_function 0), towards 1 for outliers. Default 20. The Python
   * service used 5, which left ordinary traffic (decision_function about +0.15) at 0.3-0.45,
   * i.e. MEDIUM; with 20 it scores LOW and MEDIUM means "close to the model's threshold".
   */
  readonly modelSteepness: number;
  /**
   * Minimum score when a code fires, so rules raise the score whatever the model says.
   * Merged per code by {@link createPolicyConfig}; a code without a floor adds nothing.
   * Defaults: HIGH_AMOUNT 0.5, UNUSUAL_HOUR 0.35, AMOUNT_SPIKE 0.5, VELOCITY_MULTI_CITY 0.9,
   * IMPOSSIBLE_TRAVEL 0.9.
   */
  readonly codeFloors: Readonly<Partial<Record<ReasonCode, number>>>;
  /** Added per distinct reason code beyond the first (the score is capped at 1). Default 0.05. */
  readonly extraCodeBump: number;
}

/** The defaults. Frozen. */
export const DEFAULT_POLICY_CONFIG: PolicyConfig = Object.freeze({
  mediumAt: 0.3,
  highAt: 0.7,
  reviewAt: 0.5,
  blockAt: 0.85,
  blockCodes: Object.freeze([ReasonCode.VELOCITY_MULTI_CITY, ReasonCode.IMPOSSIBLE_TRAVEL]),
  modelSteepness: 20,
  codeFloors: Object.freeze({
    HIGH_AMOUNT: 0.5,
    UNUSUAL_HOUR: 0.35,
    AMOUNT_SPIKE: 0.5,
    VELOCITY_MULTI_CITY: 0.9,
    IMPOSSIBLE_TRAVEL: 0.9,
  }),
  extraCodeBump: 0.05,
});

/** The policy's part of a {@link DetectionResult}. */
export type Decision = Pick<
  DetectionResult,
  'risk_score' | 'risk_level' | 'recommendation' | 'reason_codes' | 'reason_details'
>;

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(ReasonCode));

/** The model's part of the score: `1 / (1 + exp(steepness * decisionFunction))`, in [0, 1]. */
export function modelRisk(decisionFunction: number, steepness = DEFAULT_POLICY_CONFIG.modelSteepness): number {
  // exp overflows to Infinity for large arguments, which gives exactly 0: no special case needed.
  return 1 / (1 + Math.exp(steepness * decisionFunction));
}

/** The level of a score: LOW below `mediumAt`, HIGH from `highAt`, MEDIUM between. */
export function riskLevelFor(score: number, config: PolicyConfig = DEFAULT_POLICY_CONFIG): RiskLevel {
  if (score >= config.highAt) return RiskLevel.HIGH;
  if (score >= config.mediumAt) return RiskLevel.MEDIUM;
  return RiskLevel.LOW;
}

/**
 * Decides on one transaction.
 *
 * score = max(model part, highest floor of the hit codes) + `extraCodeBump` per extra code,
 * clamped to [0, 1]. Then BLOCK if a block code fired or score >= `blockAt`; else REVIEW if any
 * code fired or score >= `reviewAt`; else APPROVE. A BLOCK has its score raised to at least
 * `highAt` and a REVIEW to at least `mediumAt`, so a BLOCK is always HIGH and a REVIEW never LOW;
 * the level is always {@link riskLevelFor} of the final score. The score never decreases when
 * the decision function decreases.
 *
 * Codes and details keep the order of `hits`; a repeated code keeps its first detail.
 *
 * @throws {RangeError} if `decisionFunction` is NaN; {@link ConfigError} if `config` is invalid.
 */
export function decide(
  decisionFunction: number,
  hits: readonly Pick<RuleHit, 'code' | 'detail'>[],
  config: PolicyConfig = DEFAULT_POLICY_CONFIG,
): Decision {
  assertValidPolicyConfig(config);
  if (Number.isNaN(decisionFunction)) throw new RangeError('decisionFunction must be a number, got NaN');

  const reasonCodes: ReasonCode[] = [];
  const reasonDetails: string[] = [];
  let floor = 0;
  let blockByCode = false;
  for (const hit of hits) {
    if (reasonCodes.includes(hit.code)) continue;
    reasonCodes.push(hit.code);
    reasonDetails.push(hit.detail);
    floor = Math.max(floor, config.codeFloors[hit.code] ?? 0);
    if (config.blockCodes.includes(hit.code)) blockByCode = true;
  }

  let score = Math.max(modelRisk(decisionFunction, config.modelSteepness), floor);
  if (reasonCodes.length > 1) score += config.extraCodeBump * (reasonCodes.length - 1);
  score = Math.min(1, Math.max(0, score));

  let recommendation: Recommendation;
  if (blockByCode || score >= config.blockAt) {
    recommendation = Recommendation.BLOCK;
    score = Math.max(score, config.highAt);
  } else if (reasonCodes.length > 0 || score >= config.reviewAt) {
    recommendation = Recommendation.REVIEW;
    // mediumAt < blockAt (validated), so this cannot push a REVIEW into BLOCK territory.
    score = Math.max(score, config.mediumAt);
  } else {
    recommendation = Recommendation.APPROVE;
  }

  return {
    risk_score: score,
    risk_level: riskLevelFor(score, config),
    recommendation,
    reason_codes: reasonCodes,
    reason_details: reasonDetails,
  };
}

/** Throws a {@link ConfigError} naming the first invalid field; returns the config unchanged. */
export function validatePolicyConfig(config: PolicyConfig): PolicyConfig {
  const C = 'PolicyConfig';
  for (const field of ['mediumAt', 'highAt', 'reviewAt', 'blockAt'] as const) {
    checkNumber(C, field, config[field], 0, 1);
  }
  if (!(config.mediumAt < config.highAt)) {
    throw new ConfigError(C, 'mediumAt', `must be below highAt (${config.highAt})`, config.mediumAt);
  }
  if (!(config.reviewAt <= config.blockAt)) {
    throw new ConfigError(C, 'reviewAt', `must not exceed blockAt (${config.blockAt})`, config.reviewAt);
  }
  if (!(config.mediumAt < config.blockAt)) {
    // A REVIEW is raised to mediumAt; at or above blockAt it would have to be a BLOCK.
    throw new ConfigError(C, 'blockAt', `must be above mediumAt (${config.mediumAt})`, config.blockAt);
  }
  checkNumber(C, 'modelSteepness', config.modelSteepness, 0, Infinity, { minExclusive: true });
  checkNumber(C, 'extraCodeBump', config.extraCodeBump, 0, 1);
  if (!Array.isArray(config.blockCodes)) {
    throw new ConfigError(C, 'blockCodes', 'must be an array of reason codes', config.blockCodes);
  }
  config.blockCodes.forEach((code, i) => {
    if (!KNOWN_CODES.has(code)) throw new ConfigError(C, `blockCodes[${i}]`, 'must be a known reason code', code);
  });
  const floors = config.codeFloors;
  if (typeof floors !== 'object' || floors === null) {
    throw new ConfigError(C, 'codeFloors', 'must be an object of reason code to score', floors);
  }
  for (const code of Object.keys(floors)) {
    const field = `codeFloors.${code}`;
    const value = floors[code as ReasonCode];
    if (!KNOWN_CODES.has(code)) throw new ConfigError(C, field, 'must be keyed by a known reason code', value);
    // An explicitly undefined floor is the same as none.
    if (value !== undefined) checkNumber(C, field, value, 0, 1);
  }
  return config;
}

// Frozen configs (the defaults and everything createPolicyConfig returns) are validated once.
const validatedFrozen = new WeakSet<PolicyConfig>();

// The frozen config checked last (a detector uses one): recognised without the WeakSet.
let lastValidated: PolicyConfig | undefined;

function assertValidPolicyConfig(config: PolicyConfig): void {
  if (config === lastValidated) return;
  if (validatedFrozen.has(config)) {
    lastValidated = config;
    return;
  }
  validatePolicyConfig(config);
  if (Object.isFrozen(config) && Object.isFrozen(config.codeFloors) && Object.isFrozen(config.blockCodes)) {
    validatedFrozen.add(config);
    lastValidated = config;
  }
}

/**
 * The defaults with `overrides` applied, validated and deeply frozen. `codeFloors` is merged per
 * code (set a floor to 0 to drop it); `blockCodes` replaces the default list.
 */
export function createPolicyConfig(overrides: Partial<PolicyConfig> = {}): PolicyConfig {
  const given = stripUndefined(overrides);
  const floors = given.codeFloors;
  const blockCodes = given.blockCodes;
  const config: PolicyConfig = {
    ...DEFAULT_POLICY_CONFIG,
    ...given,
    codeFloors: Object.freeze(
      typeof floors === 'object' && floors !== null ? { ...DEFAULT_POLICY_CONFIG.codeFloors, ...floors } : DEFAULT_POLICY_CONFIG.codeFloors,
    ),
    blockCodes: Array.isArray(blockCodes) ? Object.freeze([...blockCodes]) : (blockCodes ?? DEFAULT_POLICY_CONFIG.blockCodes),
  };
  if (floors !== undefined && (typeof floors !== 'object' || floors === null)) {
    throw new ConfigError('PolicyConfig', 'codeFloors', 'must be an object of reason code to score', floors);
  }
  validatePolicyConfig(config);
  return Object.freeze(config);
}
