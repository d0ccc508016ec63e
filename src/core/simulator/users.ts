/**
 * Simulated card holders: a fixed profile drawn once from the seed (home city, habits, amounts,
 * rhythm, travel appetite) plus the mutable state the engine keeps while it runs.
 */
import type { ActivityProfile } from './activity';
import { CHRONOTYPE_SHIFTS } from './activity';
import { CITIES } from './cities';
import { DAY_MS } from './clock';
import { AMOUNT_MULTIPLIER, HABIT_POPULARITY, MERCHANT_TYPES } from './merchants';
import type { Rng } from '../random/prng';

/** Normal amounts stay below this, so that only anomalies cross the 10,000 INR rule. */
export const NORMAL_AMOUNT_CAP = 9_500;

/** A leg away from home: out, a few days' stay, back. All times are epoch ms. */
export interface Trip {
  /** Destination city index. */
  city: number;
  depart: number;
  arrive: number;
  returnDepart: number;
  returnArrive: number;
}

/** One simulated user: profile and running state. */
export interface SimUser extends ActivityProfile {
  index: number;
  /** `user_0042`. */
  id: string;
  name: string;
  /** Home city index into `CITIES`. */
  home: number;
  /** The user's median ticket in INR before merchant multipliers. */
  medianAmount: number;
  /** Log-normal spread of the user's amounts. */
  sigma: number;
  /** Habitual merchant type indices (2-4) and their weights. */
  habits: number[];
  habitWeights: number[];
  /** Median amount per merchant type index (all eight, habitual or not). */
  merchantMedian: Float64Array;
  /** Epoch ms from which the user exists (later than the start for new customers). */
  joinMs: number;
  /** Mean days between trips. */
  tripGapDays: number;

  // Running state.
  /** Bump on every reschedule; heap entries with an older version are stale. */
  version: number;
  /** Time and city of the user's next normal transaction. */
  nextMs: number;
  nextCity: number;
  /** Current or next trip. */
  trip: Trip | null;
  /** Time of the user's latest transaction so far (any kind), or -Infinity. */
  lastMs: number;
  /** An anomaly scenario of this user is pending or running until this time. */
  busyUntil: number;
  /** Scenario transactions of this user waiting in the engine's queue. */
  queued: number;
  normalCount: number;
  normalSum: number;
  /** Bit i set when the user has transacted in city i / at merchant type i (any kind). */
  cityMask: number;
  merchantMask: number;
}

const FIRST_NAMES = [
  'Aarav', 'Aditi', 'Aditya', 'Ananya', 'Arjun', 'Bhavna', 'Chetan', 'Deepa', 'Divya', 'Farhan',
  'Gaurav', 'Isha', 'Ishaan', 'Kavya', 'Kiran', 'Krishna', 'Lakshmi', 'Manish', 'Meera', 'Mohan',
  'Neha', 'Nikhil', 'Pooja', 'Priya', 'Rahul', 'Rajesh', 'Riya', 'Rohan', 'Sahil', 'Sanjay',
  'Shreya', 'Siddharth', 'Sneha', 'Suresh', 'Tanvi', 'Uday', 'Varun', 'Vikram', 'Zoya', 'Ayesha',
];
const LAST_NAMES = [
  'Sharma', 'Verma', 'Iyer', 'Reddy', 'Nair', 'Patel', 'Shah', 'Mehta', 'Gupta', 'Singh',
  'Kumar', 'Das', 'Banerjee', 'Chatterjee', 'Mukherjee', 'Rao', 'Joshi', 'Kulkarni', 'Desai', 'Pillai',
  'Menon', 'Agarwal', 'Bose', 'Khan', 'Ghosh', 'Chopra', 'Malhotra', 'Kapoor', 'Naidu', 'Saxena',
];
/** Rough relative population of the cities, for home assignment. */
const HOME_WEIGHTS = [1.4, 1.5, 1.2, 0.9, 1.0, 0.9, 0.7, 0.7];

/** How the engine wants its population drawn. */
export interface PopulationOptions {
  users: number;
  startMs: number;
  /** Mean transactions per user per weekday. */
  meanRatePerDay: number;
  /** Expected length of the simulated period, used to spread new customers' sign-ups. */
  spanDays: number;
}

/** Share of users who sign up partway through the period. */
const NEW_CUSTOMER_SHARE = 0.15;

/** Draws the population; consumes `rng` in a fixed order. */
export function createUsers(rng: Rng, options: PopulationOptions): SimUser[] {
  const width = Math.max(4, String(options.users - 1).length);
  const users: SimUser[] = [];
  for (let index = 0; index < options.users; index++) {
    const medianAmount = rng.logUniform(200, 5_000);
    const sigma = rng.uniform(0.3, 0.6);
    const habitCount = rng.intBetween(2, 4);
    const habits: number[] = [];
    const popularity = [...HABIT_POPULARITY];
    for (let k = 0; k < habitCount; k++) {
      const m = rng.weightedIndex(popularity);
      habits.push(m);
      popularity[m] = 0;
    }
    const habitWeights = habits.map(() => rng.uniform(0.2, 1));
    // Cap each merchant's median so that about 99% of its draws fall under the normal cap.
    const medianCap = NORMAL_AMOUNT_CAP / Math.exp(2.33 * sigma);
    const merchantMedian = new Float64Array(MERCHANT_TYPES.length);
    for (let m = 0; m < MERCHANT_TYPES.length; m++) {
      merchantMedian[m] = Math.min(medianAmount * AMOUNT_MULTIPLIER[m] * rng.uniform(0.8, 1.25), medianCap);
    }
    // Log-normal activity with mean 1, so the population mean stays at meanRatePerDay.
    const ratePerDay = options.meanRatePerDay * Math.exp(rng.normal(0, 0.5) - 0.125);
    const isNew = rng.chance(NEW_CUSTOMER_SHARE);
    const joinMs = isNew ? options.startMs + Math.round(rng.uniform(0.1, 0.7) * options.spanDays * DAY_MS / 1000) * 1000 : options.startMs;
    users.push({
      index,
      id: `user_${String(index).padStart(width, '0')}`,
      name: `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`,
      home: rng.weightedIndex(HOME_WEIGHTS),
      medianAmount,
      sigma,
      habits,
      habitWeights,
      merchantMedian,
      joinMs,
      tripGapDays: rng.chance(0.6) ? 30 : 150,
      ratePerDay,
      weekendFactor: rng.uniform(0.7, 1.4),
      chronotype: rng.weightedIndex([0.25, 0.5, 0.25].slice(0, CHRONOTYPE_SHIFTS.length)),
      version: 0,
      nextMs: Infinity,
      nextCity: -1,
      trip: null,
      lastMs: -Infinity,
      busyUntil: -Infinity,
      queued: 0,
      normalCount: 0,
      normalSum: 0,
      cityMask: 0,
      merchantMask: 0,
    });
  }
  return users;
}

/** True when the user has never transacted in that city. */
export function isNewCity(user: SimUser, city: number): boolean {
  return (user.cityMask & (1 << city)) === 0;
}

/** The cities the user has never transacted in. */
export function unusedCities(user: SimUser): number[] {
  const out: number[] = [];
  for (let c = 0; c < CITIES.length; c++) if (isNewCity(user, c)) out.push(c);
  return out;
}

/** The merchant types the user has never transacted at. */
export function unusedMerchants(user: SimUser): number[] {
  const out: number[] = [];
  for (let m = 0; m < MERCHANT_TYPES.length; m++) if ((user.merchantMask & (1 << m)) === 0) out.push(m);
  return out;
}
