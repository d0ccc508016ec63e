/**
 * When simulated people pay: a share of the day's transactions per local hour, for weekdays and
 * weekends, shifted one hour for early birds and night owls. 02:00-05:00 stays nearly silent for
 * everyone so that night-time anomalies stand out.
 */
import { HOUR_MS, localDayOfWeek, localHour } from './clock';

/** Relative activity per local hour on weekdays: office-day rhythm with an evening peak. */
const WEEKDAY = [
  0.07, 0.03, 0, 0, 0, 0.03, 0.12, 0.35, 0.7, 0.9, 1.0, 1.0, 1.1, 1.1, 0.95, 0.9, 0.95, 1.05, 1.2, 1.3, 1.2, 0.9, 0.45, 0.18,
];
/** Relative activity per local hour on weekends: later mornings, busier evenings. */
const WEEKEND = [
  0.14, 0.06, 0, 0, 0, 0.02, 0.06, 0.15, 0.35, 0.6, 0.85, 1.0, 1.15, 1.2, 1.1, 1.0, 1.0, 1.1, 1.25, 1.4, 1.4, 1.15, 0.7, 0.35,
];
/** Weight of each hour in 02:00-05:00: legitimate but rare, about one transaction in three thousand. */
const DEAD_OF_NIGHT = 0.002;

/** Chronotype shifts in hours, indexed by `SimUser.chronotype`. */
export const CHRONOTYPE_SHIFTS = [-1, 0, 1] as const;

/** Fraction of a day's transactions per hour: [chronotype][weekend ? 1 : 0][hour], each row sums to 1. */
const HOUR_SHARE: readonly (readonly Float64Array[])[] = CHRONOTYPE_SHIFTS.map((shift) =>
  [WEEKDAY, WEEKEND].map((base) => {
    const row = new Float64Array(24);
    for (let h = 0; h < 24; h++) row[h] = h >= 2 && h < 5 ? DEAD_OF_NIGHT : base[(h - shift + 24) % 24];
    let sum = 0;
    for (const w of row) sum += w;
    for (let h = 0; h < 24; h++) row[h] /= sum;
    return row;
  }),
);

/** What `intensityPerMs` needs to know about a user. */
export interface ActivityProfile {
  /** Mean transactions per weekday. */
  ratePerDay: number;
  /** Weekend activity relative to weekdays. */
  weekendFactor: number;
  /** Index into `CHRONOTYPE_SHIFTS`. */
  chronotype: number;
}

/** True on Saturday and Sunday (local time). */
export function isWeekend(epochMs: number): boolean {
  const dow = localDayOfWeek(epochMs);
  return dow === 0 || dow === 6;
}

/** Expected transactions per ms at `epochMs`, constant within each local hour. */
export function intensityPerMs(user: ActivityProfile, epochMs: number): number {
  const weekend = isWeekend(epochMs);
  const share = HOUR_SHARE[user.chronotype][weekend ? 1 : 0][localHour(epochMs)];
  return (user.ratePerDay * (weekend ? user.weekendFactor : 1) * share) / HOUR_MS;
}
