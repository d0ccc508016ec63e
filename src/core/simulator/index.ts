/**
 * Seeded, deterministic transaction simulator: Indian card holders with habits, daily and weekly
 * rhythms and trips, plus labelled anomaly scenarios. Pure ES2022: runs in Node, a worker or a page.
 */
export { AnomalyType, ANOMALY_TYPES } from './anomaly-type';
export { CITIES, CityName, cityByName, haversineKm, travelTimeMs, type City, type LatLon } from './cities';
export { DEFAULT_START, formatIst } from './clock';
export type { LabelledTransaction } from './labelled-transaction';
export { createLiveSimulator, type LiveSimulator, type LiveSimulatorOptions } from './live';
export { MCC_CODES, MERCHANT_TYPES, MerchantType } from './merchants';
export { Rng } from '../random/prng';
export { DEFAULT_ANOMALY_RATE } from './engine';
export { simulate, simulateStream, type SimulatorOptions, type SimulatorStreamOptions } from './simulate';
