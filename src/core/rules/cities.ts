/**
 * City coordinates and great-circle distance for the travel rule.
 */

/** A point on the Earth in decimal degrees (WGS 84). */
export interface GeoPoint {
  /** Latitude, -90..90. */
  readonly lat: number;
  /** Longitude, -180..180. */
  readonly lon: number;
}

/** A table of city names to their coordinates. */
export type CityTable = Readonly<Record<string, GeoPoint>>;

/** A city found in a {@link CityTable}: its name as spelled in the table and its coordinates. */
export interface KnownCity {
  readonly name: string;
  readonly point: GeoPoint;
}

/**
 * City-centre coordinates of the cities the simulator uses (rounded to 4 decimals, about 10 m).
 * Frozen, so lookups can be indexed once.
 */
export const DEFAULT_CITY_COORDINATES: CityTable = Object.freeze({
  Mumbai: Object.freeze({ lat: 19.076, lon: 72.8777 }),
  Delhi: Object.freeze({ lat: 28.6139, lon: 77.209 }),
  Bangalore: Object.freeze({ lat: 12.9716, lon: 77.5946 }),
  Chennai: Object.freeze({ lat: 13.0827, lon: 80.2707 }),
  Kolkata: Object.freeze({ lat: 22.5726, lon: 88.3639 }),
  Hyderabad: Object.freeze({ lat: 17.385, lon: 78.4867 }),
  Pune: Object.freeze({ lat: 18.5204, lon: 73.8567 }),
  Ahmedabad: Object.freeze({ lat: 23.0225, lon: 72.5714 }),
});

/** Mean Earth radius in km (IUGG), the usual choice for the haversine formula. */
export const EARTH_RADIUS_KM = 6371.0088;

const RAD = Math.PI / 180;

/** Great-circle distance in km between two points (haversine formula, spherical Earth). */
export function haversineKm(a: GeoPoint, b: GeoPoint): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const sinLat = Math.sin(dLat / 2);
  const sinLon = Math.sin(dLon / 2);
  const h = sinLat * sinLat + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * sinLon * sinLon;
  // Rounding can push h a hair above 1 for antipodal points; asin would return NaN.
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(Math.min(1, h)));
}

/** The form city names are compared in: trimmed and lower-cased ("  mumbai " equals "Mumbai"). */
export function normalizeCityName(name: string): string {
  return name.trim().toLowerCase();
}

type CityIndex = ReadonlyMap<string, KnownCity>;

// Only frozen tables are cached: a mutable table could change under a stale index.
const frozenIndexes = new WeakMap<CityTable, CityIndex>();

function buildIndex(table: CityTable): CityIndex {
  const index = new Map<string, KnownCity>();
  for (const name of Object.keys(table)) {
    const city: KnownCity = { name, point: table[name] };
    // Exact spelling first so the common lookup needs no string allocation; the normalised
    // spelling catches case and whitespace variants. On a clash the first entry wins.
    if (!index.has(name)) index.set(name, city);
    const key = normalizeCityName(name);
    if (!index.has(key)) index.set(key, city);
  }
  return index;
}

// The table looked up last (a detector uses one): found without the WeakMap.
let lastTable: CityTable | undefined;
let lastIndex: CityIndex | undefined;

function indexFor(table: CityTable): CityIndex {
  if (table === lastTable) return lastIndex!;
  if (!Object.isFrozen(table)) return buildIndex(table);
  let index = frozenIndexes.get(table);
  if (index === undefined) {
    index = buildIndex(table);
    frozenIndexes.set(table, index);
  }
  lastTable = table;
  lastIndex = index;
  return index;
}

/**
 * Looks a location up in a city table, by exact name or else case- and whitespace-insensitively.
 * Returns the same object for every spelling of one city, so results compare with `===`.
 */
export function findCity(table: CityTable, location: string): KnownCity | undefined {
  const index = indexFor(table);
  return index.get(location) ?? index.get(normalizeCityName(location));
}
