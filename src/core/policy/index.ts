/** The risk policy: model score and rule hits to score, level and recommendation. */
export {
  createPolicyConfig,
  decide,
  DEFAULT_POLICY_CONFIG,
  modelRisk,
  riskLevelFor,
  validatePolicyConfig,
  type Decision,
  type PolicyConfig,
} from './risk-policy';
