/**
 * The simulator's geography: eight Indian cities, all on India Standard Time (+05:30).
 */

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

/** The eight cities with approximate city-centre coordinates. Index order is stable. */
export const CITIES: readonly City[] = [
  { name: CityName.MUMBAI, lat: 19.076, lon: 72.8777, ...ist },
  { name: CityName.DELHI, lat: 28.6139, lon: 77.209, ...ist },
  { name: CityName.BANGALORE, lat: 12.9716, lon: 77.5946, ...ist },
  { name: CityName.CHENNAI, lat: 13.0827, lon: 80.2707, ...ist },
  { name: CityName.KOLKATA, lat: 22.5726, lon: 88.3639, ...ist },
  { name: CityName.HYDERABAD, lat: 17.385, lon: 78.4867, ...ist },
  { name: CityName.PUNE, lat: 18.5204, lon: 73.8567, ...ist },
  { name: CityName.AHMEDABAD, lat: 23.0225, lon: 72.5714, ...ist },
];

/** Mean Earth radius (IUGG), km. */
const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km between two points (haversine formula). */
export function haversineKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

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
