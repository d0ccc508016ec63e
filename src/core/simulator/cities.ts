/**
 * The simulator's geography: eight Indian cities, all on India Standard Time (+05:30). The
 * coordinates and the distance are the rules engine's, so simulated travel and the travel rule
 * agree on every distance.
 */
import { DEFAULT_CITY_COORDINATES, haversineKm } from '../rules/cities';

export { haversineKm };

/** A point on the Earth in decimal degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** One city the simulator knows. */
export interface City extends LatLon {
  name: CityName;
  /** UTC offset as written in timestamps. */
  utcOffset: '+05:30';
  /** UTC offset in minutes. */
  offsetMinutes: 330;
}

/** The cities' names. */
export const CityName = {
  MUMBAI: 'Mumbai',
  DELHI: 'Delhi',
  BANGALORE: 'Bangalore',
  CHENNAI: 'Chennai',
  KOLKATA: 'Kolkata',
  HYDERABAD: 'Hyderabad',
  PUNE: 'Pune',
  AHMEDABAD: 'Ahmedabad',
} as const;
export type CityName = (typeof CityName)[keyof typeof CityName];

const ist = { utcOffset: '+05:30', offsetMinutes: 330 } as const;

const at = (name: CityName): City => ({ name, ...DEFAULT_CITY_COORDINATES[name], ...ist });

/** The eight cities with approximate city-centre coordinates. Index order is stable. */
export const CITIES: readonly City[] = [
  at(CityName.MUMBAI),
  at(CityName.DELHI),
  at(CityName.BANGALORE),
  at(CityName.CHENNAI),
  at(CityName.KOLKATA),
  at(CityName.HYDERABAD),
  at(CityName.PUNE),
  at(CityName.AHMEDABAD),
];

/** The city with that name, or undefined. */
export function cityByName(name: string): City | undefined {
  return CITIES.find((c) => c.name === name);
}

/**
 * Door-to-door travel time in ms between two cities by index: road or rail under 350 km,
 * otherwise a flight with three hours of getting to, through and out of airports. Keeps the
 * implied average speed far below any impossible-travel threshold (at most ~400 km/h).
 */
export function travelTimeMs(from: number, to: number): number {
  const km = haversineKm(CITIES[from], CITIES[to]);
  const hours = km < 350 ? 0.75 + km / 55 : 3 + km / 700;
  return Math.round(hours * 60) * 60_000;
}
