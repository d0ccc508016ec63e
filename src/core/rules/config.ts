/**
 * Thresholds and windows of the rules engine, with documented defaults.
 */

import { DEFAULT_CITY_COORDINATES, type CityTable, type GeoPoint } from './cities';

/** Configuration of {@link evaluateRules}. Treat instances as immutable. */
export interface RulesConfig {
  /** HIGH_AMOUNT fires when the amount is strictly greater than this. Default 10 000. */
  readonly highAmount: number;
  /**
   * UNUSUAL_HOUR fires when `unusualHourStart <= localHour < unusualHourEnd`, in the wall clock
   * of the timestamp's own offset. Integers 0..24. A start after the end wraps midnight
   * (22 and 4 mean 22:00–04:00); equal values disable the rule. Default 2 (02:00).
   */
  readonly unusualHourStart: number;
  /** End of the unusual-hour window, exclusive. Default 5 (05:00). */
  readonly unusualHourEnd: number;
  /**
   * Length of the VELOCITY_MULTI_CITY window in ms. A past entry counts when
   * `txn.epochMs - velocityWindowMs < entry.epochMs <= txn.epochMs`. Default 60 000.
   */
  readonly velocityWindowMs: number;
  /**
   * VELOCITY_MULTI_CITY needs MORE than this many transactions in the window, counting the
   * current one. Default 3 (so the 4th transaction fires).
   */
  readonly velocityMinCount: number;
  /** ...and at least this many distinct cities among them, counting the current one. Default 2. */
  readonly velocityMinCities: number;
  /** IMPOSSIBLE_TRAVEL fires when the implied speed is strictly above this, in km/h. Default 900 (a jet). */
  readonly impossibleTravelKmh: number;
  /** AMOUNT_SPIKE needs at least this many past transactions of the user. Default 5. */
  readonly amountSpikeMinHistory: number;
  /** AMOUNT_SPIKE fires when the amount is strictly greater than this times the user's median. Default 8. */
  readonly amountSpikeFactor: number;
  /** ISO 4217 code the amounts are in, used to format reason details. Default 'INR'. */
  readonly currency: string;
  /** Known cities for IMPOSSIBLE_TRAVEL; a location not in it never triggers the rule. */
  readonly cityCoordinates: CityTable;
}

/** The defaults of the Python service's rules, plus the two rules it lacked. Frozen. */
export const DEFAULT_RULES_CONFIG: RulesConfig = Object.freeze({
  highAmount: 10_000,
  unusualHourStart: 2,
  unusualHourEnd: 5,
  velocityWindowMs: 60_000,
  velocityMinCount: 3,
  velocityMinCities: 2,
  impossibleTravelKmh: 900,
  amountSpikeMinHistory: 5,
  amountSpikeFactor: 8,
  currency: 'INR',
  cityCoordinates: DEFAULT_CITY_COORDINATES,
});

/** A configuration value is out of range. `field` names it, e.g. `mediumAt` or `codeFloors.HIGH_AMOUNT`. */
export class ConfigError extends RangeError {
  /** The configuration type, e.g. `RulesConfig`. */
  readonly config: string;
  /** The offending field, dotted for nested ones. */
  readonly field: string;

  constructor(config: string, field: string, problem: string, value: unknown) {
    super(`Invalid ${config}.${field}: ${problem}, got ${describe(value)}`);
    this.name = 'ConfigError';
    this.config = config;
    this.field = field;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  return typeof value;
}

/** Throws a {@link ConfigError} for `config.field` unless `value` is a finite number in [min, max]. */
export function checkNumber(
  config: string,
  field: string,
  value: unknown,
  min: number,
  max: number,
  options: { integer?: boolean; minExclusive?: boolean } = {},
): void {
  const kind = options.integer ? 'an integer' : 'a finite number';
  const range = `${options.minExclusive ? `> ${min}` : `>= ${min}`}${max === Infinity ? '' : ` and <= ${max}`}`;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!options.integer || Number.isInteger(value)) &&
    (options.minExclusive ? value > min : value >= min) &&
    value <= max;
  if (!ok) throw new ConfigError(config, field, `must be ${kind} ${range}`, value);
}

function checkPoint(field: string, point: GeoPoint | undefined): void {
  if (typeof point !== 'object' || point === null) {
    throw new ConfigError('RulesConfig', field, 'must be an object { lat, lon }', point);
  }
  checkNumber('RulesConfig', `${field}.lat`, point.lat, -90, 90);
  checkNumber('RulesConfig', `${field}.lon`, point.lon, -180, 180);
}

/** Throws a {@link ConfigError} naming the first invalid field; returns the config unchanged. */
export function validateRulesConfig(config: RulesConfig): RulesConfig {
  const C = 'RulesConfig';
  checkNumber(C, 'highAmount', config.highAmount, 0, Infinity);
  checkNumber(C, 'unusualHourStart', config.unusualHourStart, 0, 24, { integer: true });
  checkNumber(C, 'unusualHourEnd', config.unusualHourEnd, 0, 24, { integer: true });
  checkNumber(C, 'velocityWindowMs', config.velocityWindowMs, 0, Infinity, { minExclusive: true });
  checkNumber(C, 'velocityMinCount', config.velocityMinCount, 0, Infinity, { integer: true });
  checkNumber(C, 'velocityMinCities', config.velocityMinCities, 1, Infinity, { integer: true });
  checkNumber(C, 'impossibleTravelKmh', config.impossibleTravelKmh, 0, Infinity, { minExclusive: true });
  checkNumber(C, 'amountSpikeMinHistory', config.amountSpikeMinHistory, 1, Infinity, { integer: true });
  checkNumber(C, 'amountSpikeFactor', config.amountSpikeFactor, 0, Infinity, { minExclusive: true });
  if (typeof config.currency !== 'string' || !/^[A-Z]{3}$/.test(config.currency)) {
    throw new ConfigError(C, 'currency', 'must be a 3-letter ISO 4217 code such as "INR"', config.currency);
  }
  const cities = config.cityCoordinates;
  if (typeof cities !== 'object' || cities === null) {
    throw new ConfigError(C, 'cityCoordinates', 'must be an object of city name to { lat, lon }', cities);
  }
  for (const name of Object.keys(cities)) checkPoint(`cityCoordinates.${name}`, cities[name]);
  return config;
}

// Frozen configs (the defaults and everything createRulesConfig returns) are validated once.
const validatedFrozen = new WeakSet<RulesConfig>();

// The frozen config checked last (a detector uses one): recognised without the WeakSet.
let lastValidated: RulesConfig | undefined;

/** Validates a config, remembering frozen ones so the hot path pays for it once. */
export function assertValidRulesConfig(config: RulesConfig): void {
  if (config === lastValidated) return;
  if (validatedFrozen.has(config)) {
    lastValidated = config;
    return;
  }
  validateRulesConfig(config);
  if (Object.isFrozen(config) && Object.isFrozen(config.cityCoordinates)) {
    validatedFrozen.add(config);
    lastValidated = config;
  }
}

/**
 * The defaults with `overrides` applied, validated and deeply frozen. `cityCoordinates` is merged
 * per city (an override adds or moves cities; it cannot remove a default one).
 */
export function createRulesConfig(overrides: Partial<RulesConfig> = {}): RulesConfig {
  const cityCoordinates: Record<string, GeoPoint> = { ...DEFAULT_RULES_CONFIG.cityCoordinates };
  if (overrides.cityCoordinates !== undefined) {
    if (typeof overrides.cityCoordinates !== 'object' || overrides.cityCoordinates === null) {
      throw new ConfigError('RulesConfig', 'cityCoordinates', 'must be an object of city name to { lat, lon }', overrides.cityCoordinates);
    }
    for (const name of Object.keys(overrides.cityCoordinates)) {
      const point = overrides.cityCoordinates[name];
      checkPoint(`cityCoordinates.${name}`, point);
      cityCoordinates[name] = Object.freeze({ lat: point.lat, lon: point.lon });
    }
  }
  const config: RulesConfig = { ...DEFAULT_RULES_CONFIG, ...stripUndefined(overrides), cityCoordinates: Object.freeze(cityCoordinates) };
  validateRulesConfig(config);
  return Object.freeze(config);
}

/** Drops keys whose value is `undefined`, so `{ highAmount: undefined }` keeps the default. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}
