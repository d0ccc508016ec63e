/** The rules engine: thresholds, city table and the explainable checks. */
export {
  assertValidRulesConfig,
  ConfigError,
  createRulesConfig,
  DEFAULT_RULES_CONFIG,
  validateRulesConfig,
  type RulesConfig,
} from './config';
export {
  DEFAULT_CITY_COORDINATES,
  EARTH_RADIUS_KM,
  findCity,
  haversineKm,
  normalizeCityName,
  type CityTable,
  type GeoPoint,
  type KnownCity,
} from './cities';
export { evaluateRules, formatMoney, type RuleHit } from './evaluate';
