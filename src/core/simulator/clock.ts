/**
 * India Standard Time arithmetic on epoch milliseconds. All simulated cities share +05:30 and
 * India has no daylight saving, so local wall-clock time is a fixed shift of UTC.
 */

/** One hour in ms. */
export const HOUR_MS = 3_600_000;
/** One day in ms. */
export const DAY_MS = 86_400_000;
/** The +05:30 offset in ms. */
export const IST_OFFSET_MS = 330 * 60_000;
/** The default start of a simulation: Monday 2026-01-05, local midnight. */
export const DEFAULT_START = '2026-01-05T00:00:00+05:30';

/** ISO 8601 with the +05:30 offset and whole seconds, e.g. `2026-01-05T14:03:27+05:30`. */
export function formatIst(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MS).toISOString().slice(0, 19) + '+05:30';
}

/** Local (IST) ms since the epoch's local midnight: handy for day and hour arithmetic. */
function localMs(epochMs: number): number {
  return epochMs + IST_OFFSET_MS;
}

/** Local hour 0..23. */
export function localHour(epochMs: number): number {
  return Math.floor(mod(localMs(epochMs), DAY_MS) / HOUR_MS);
}

/** Local day of week, 0 (Sunday) .. 6 (Saturday). */
export function localDayOfWeek(epochMs: number): number {
  // 1970-01-01 was a Thursday (4).
  return mod(Math.floor(localMs(epochMs) / DAY_MS) + 4, 7);
}

/** Epoch ms of local midnight starting the day that contains `epochMs`. */
export function localMidnight(epochMs: number): number {
  return Math.floor(localMs(epochMs) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
}

/** Epoch ms at which the local hour containing `epochMs` ends. */
export function endOfLocalHour(epochMs: number): number {
  return (Math.floor(localMs(epochMs) / HOUR_MS) + 1) * HOUR_MS - IST_OFFSET_MS;
}

/** Reads a start instant: epoch ms, or an ISO 8601 string (with an offset, ideally). */
export function parseStart(start: string | number | undefined): number {
  const ms = start === undefined ? Date.parse(DEFAULT_START) : typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(ms)) throw new RangeError(`start must be an ISO 8601 timestamp or epoch ms, got ${JSON.stringify(start)}`);
  // Whole seconds keep every simulated timestamp exactly representable in the output format.
  return Math.ceil(ms / 1000) * 1000;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
