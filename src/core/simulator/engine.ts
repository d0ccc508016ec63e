/**
 * The simulation engine shared by the batch, stream and live front ends: a population of users,
 * a heap of each user's next normal transaction, and a small time-ordered queue of anomaly
 * scenario transactions. `next()` always returns the earliest pending transaction, so the output
 * is sorted by time and every user's transactions are strictly increasing.
 */
import { intensityPerMs, isWeekend } from './activity';
import { ANOMALY_TYPES, AnomalyType } from './anomaly-type';
import { CITIES, travelTimeMs } from './cities';
import { DAY_MS, HOUR_MS, endOfLocalHour, formatIst, localHour, localMidnight } from './clock';
import { EventHeap } from './event-heap';
import type { LabelledTransaction } from './labelled-transaction';
import { M, MCC_CODES, MERCHANT_TYPES, TRIP_MERCHANTS, TRIP_WEIGHTS, WEEKEND_MULTIPLIER } from './merchants';
import { Rng } from '../random/prng';
import { NORMAL_AMOUNT_CAP, createUsers, unusedCities, unusedMerchants, type SimUser, type Trip } from './users';

/** What the engine is built from. */
export interface EngineConfig {
  seed: number;
  users: number;
  /** Target share of anomalous transactions among the `next()` stream. */
  anomalyRate: number;
  /** Epoch ms of the start, whole seconds. */
  startMs: number;
  /** Transactions `next()` will be asked for; Infinity for an endless stream. */
  n: number;
  /** Mean transactions per user per weekday. */
  meanRatePerDay: number;
  /** Expected length of the period in days. */
  spanDays: number;
}

/** One simulated transaction before it gets an id and its wire form. */
export interface SimEvent {
  user: SimUser;
  /** Epoch ms, whole seconds. */
  ms: number;
  amount: number;
  /** City index. */
  city: number;
  /** Merchant type index. */
  merchant: number;
  anomaly: AnomalyType | null;
}

/** Default share of anomalous transactions. */
export const DEFAULT_ANOMALY_RATE = 0.02;
/** Mean transactions per user per day of an endless stream. */
const ENDLESS_RATE_PER_DAY = 3;
/** A batch aims at about two weeks of activity, within realistic per-user rates. */
const TARGET_SPAN_DAYS = 14;
/** A user becomes a possible victim after this many normal transactions (new customers start clean). */
const ELIGIBLE_AFTER = 5;
/** Shortest gap between two normal transactions of a user: normal traffic never bursts. */
const MIN_GAP_MS = 180_000;
/** Share of each scenario among injected anomalies, in `ANOMALY_TYPES` order. */
const SCENARIO_WEIGHTS: Readonly<Record<AnomalyType, number>> = {
  high_amount: 0.3,
  velocity_burst: 0.15,
  night_time: 0.2,
  account_takeover: 0.2,
  card_testing: 0.15,
};
/** Transactions per scenario: [min, max]. */
const SCENARIO_SIZE: Readonly<Record<AnomalyType, readonly [number, number]>> = {
  high_amount: [1, 1],
  velocity_burst: [4, 6],
  night_time: [1, 1],
  account_takeover: [1, 1],
  card_testing: [3, 8],
};
const WEIGHT_LIST = ANOMALY_TYPES.map((t) => SCENARIO_WEIGHTS[t]);
/** Expected anomalous transactions per scenario. */
const MEAN_SCENARIO_SIZE = ANOMALY_TYPES.reduce((s, t) => s + SCENARIO_WEIGHTS[t] * (SCENARIO_SIZE[t][0] + SCENARIO_SIZE[t][1]) / 2, 0);
/** Look-ahead, in transactions, over which an endless stream spreads its anomaly budget. */
const ENDLESS_HORIZON = 20_000;
/** Merchants a fraudster favours for resellable goods. */
const FRAUD_MERCHANTS: readonly number[] = [M.electronics, M.travel];

/** The simulation engine. Not exported from the package: use `simulate`, `simulateStream` or `createLiveSimulator`. */
export class Engine {
  /** The population, by index. */
  readonly users: SimUser[];
  /** Time of the latest transaction returned by `next()` (the simulated "now"). */
  lastMs: number;

  private readonly rng: Rng;
  private readonly heap = new EventHeap();
  private readonly popped = { time: 0, user: 0, version: 0 };
  /** Scenario transactions not yet returned, sorted by time. */
  private readonly queue: SimEvent[] = [];
  private counter = 0;
  private drawn = 0;
  private autoAnomalies = 0;
  /** Running share of heap pops that could host an anomaly. */
  private eligibleShare = 1;
  /** The next scenario type, kept until some user can host it so the type mix stays as weighted. */
  private pendingType: AnomalyType | null = null;

  constructor(private readonly config: EngineConfig) {
    this.rng = new Rng(config.seed);
    this.lastMs = config.startMs;
    this.users = createUsers(this.rng, config);
    for (const user of this.users) {
      user.trip = this.planTrip(user, Math.max(config.startMs, user.joinMs));
      this.schedule(user, user.joinMs);
    }
  }

  /** The earliest pending transaction (normal or scenario). */
  next(): SimEvent {
    const queue = this.queue;
    for (;;) {
      // Near the end of a batch, finish the scenarios already started rather than truncate them.
      if (queue.length > 0 && (queue[0].ms <= this.heap.peekTime() || this.config.n - this.drawn <= queue.length)) {
        return this.take(queue.shift()!);
      }
      if (!this.heap.pop(this.popped)) throw new Error('simulator: no pending transactions');
      const user = this.users[this.popped.user];
      if (this.popped.version !== user.version) continue;
      const t = this.popped.time;
      const city = user.nextCity;
      if (this.tryScenario(user, t, city)) continue;
      const event = this.normalEvent(user, t, city);
      this.schedule(user, t + MIN_GAP_MS);
      return this.take(event);
    }
  }

  /**
   * Builds a scenario of `type` for some user right after the simulated now and returns it
   * without queueing it (the live simulator hands it out at once). Users in `exclude` and users
   * with queued scenario transactions are skipped, so no user's history goes backwards in
   * delivery order; returns [] only when no user is left (a population of a handful).
   */
  inject(type: AnomalyType, exclude: ReadonlySet<number>): SimEvent[] {
    const now = this.lastMs;
    // Users with queued scenario transactions would see this scenario delivered before them.
    const free = this.users.filter((u) => u.queued === 0 && !exclude.has(u.index));
    const joined = free.filter((u) => u.joinMs <= now);
    const pool = joined.length > 0 ? joined : free;
    const idle = pool.filter((u) => u.busyUntil < now);
    const tiers = [idle.filter((u) => u.normalCount >= ELIGIBLE_AFTER), idle.filter((u) => u.normalCount >= 1), idle, pool];
    for (const strict of [true, false]) {
      for (const tier of tiers) {
        for (let attempt = 0; attempt < Math.min(tier.length, 40); attempt++) {
          const user = this.rng.pick(tier);
          const t = Math.max(now, user.lastMs) + this.rng.intBetween(1, 20) * 1000;
          const city = this.cityAt(user, t);
          if (city < 0) continue; // on a plane or a train
          const events = this.buildScenario(user, type, t, city, strict);
          if (events) {
            this.schedule(user, events[events.length - 1].ms + MIN_GAP_MS);
            return events;
          }
        }
      }
    }
    return [];
  }

  /** Gives an event its id and wire form. */
  toTransaction(event: SimEvent, labels: boolean): LabelledTransaction {
    this.counter++;
    const merchant = MERCHANT_TYPES[event.merchant];
    const tx: LabelledTransaction = {
      transaction_id: `txn_${this.config.seed}_${String(this.counter).padStart(6, '0')}`,
      user_id: event.user.id,
      user_name: event.user.name,
      amount: event.amount,
      location: CITIES[event.city].name,
      timestamp: formatIst(event.ms),
      merchant_type: merchant,
      country: 'IN',
      mcc_code: MCC_CODES[merchant],
    };
    if (labels) {
      tx.is_anomaly = event.anomaly !== null;
      tx.anomaly_type = event.anomaly;
    }
    return tx;
  }

  private take(event: SimEvent): SimEvent {
    this.drawn++;
    if (event.anomaly !== null) event.user.queued--;
    if (event.ms > this.lastMs) this.lastMs = event.ms;
    return event;
  }

  // ---- anomaly budget ---------------------------------------------------------------------

  /** Maybe replaces the user's normal transaction at `t` by a scenario; true when it did. */
  private tryScenario(user: SimUser, t: number, city: number): boolean {
    const { anomalyRate, n } = this.config;
    if (anomalyRate <= 0) return false;
    const hour = localHour(t);
    const eligible = user.normalCount >= ELIGIBLE_AFTER && user.busyUntil < t && hour >= 8 && hour < 22;
    this.eligibleShare += ((eligible ? 1 : 0) - this.eligibleShare) / 500;
    if (!eligible) return false;
    const finite = Number.isFinite(n);
    const remaining = finite ? n - this.drawn - this.queue.length : ENDLESS_HORIZON;
    const deficit = (finite ? anomalyRate * n : anomalyRate * (this.drawn + ENDLESS_HORIZON)) - this.autoAnomalies;
    if (remaining <= 0 || deficit <= 0) return false;
    // Spread what is still owed over the eligible transactions still to come.
    const p = deficit / (MEAN_SCENARIO_SIZE * Math.max(1, remaining * this.eligibleShare));
    if (!this.rng.chance(p)) return false;
    const type = (this.pendingType ??= ANOMALY_TYPES[this.rng.weightedIndex(WEIGHT_LIST)]);
    if (SCENARIO_SIZE[type][1] > remaining) return false;
    const events = this.buildScenario(user, type, t, city, true);
    if (!events) return false;
    this.pendingType = null;
    this.autoAnomalies += events.length;
    for (const e of events) this.enqueue(e);
    this.schedule(user, events[events.length - 1].ms + MIN_GAP_MS);
    return true;
  }

  private enqueue(event: SimEvent): void {
    event.user.queued++;
    const queue = this.queue;
    let i = queue.length;
    while (i > 0 && queue[i - 1].ms > event.ms) i--;
    queue.splice(i, 0, event);
  }

  // ---- scenarios --------------------------------------------------------------------------

  /**
   * The transactions of one scenario for `user` starting at `t` in `city`, or null when the user
   * cannot host it (account takeover needs room below 10,000 and a never-used city and merchant;
   * `strict: false` relaxes that for on-demand injection). Updates the user's running state.
   */
  private buildScenario(user: SimUser, type: AnomalyType, t: number, city: number, strict: boolean): SimEvent[] | null {
    const rng = this.rng;
    const typical = user.normalCount > 0 ? user.normalSum / user.normalCount : user.medianAmount;
    const events: SimEvent[] = [];
    const add = (ms: number, c: number, merchant: number, amount: number): void => {
      events.push({ user, ms, city: c, merchant, amount: round2(amount), anomaly: type });
    };
    switch (type) {
      case AnomalyType.HIGH_AMOUNT: {
        const merchant = rng.chance(0.6) ? rng.pick(FRAUD_MERCHANTS) : user.habits[rng.weightedIndex(user.habitWeights)];
        add(t, city, merchant, Math.round(rng.logUniform(12_000, 200_000)));
        break;
      }
      case AnomalyType.NIGHT_TIME: {
        const ms = this.nightSlot(t);
        const c = this.cityAt(user, ms);
        const merchant = user.habits[rng.weightedIndex(user.habitWeights)];
        add(ms, c < 0 ? user.home : c, merchant, this.normalAmount(user, merchant));
        break;
      }
      case AnomalyType.ACCOUNT_TAKEOVER: {
        const cities = unusedCities(user).filter((c) => c !== city);
        const merchants = unusedMerchants(user);
        const roomy = typical * 3 <= NORMAL_AMOUNT_CAP;
        if (strict && (cities.length === 0 || merchants.length === 0 || !roomy)) return null;
        const fraudMerchants = merchants.filter((m) => FRAUD_MERCHANTS.includes(m));
        const merchant =
          fraudMerchants.length > 0 && rng.chance(0.8) ? rng.pick(fraudMerchants) : merchants.length > 0 ? rng.pick(merchants) : rng.pick(FRAUD_MERCHANTS);
        const c = cities.length > 0 ? rng.pick(cities) : (city + 1 + rng.nextInt(CITIES.length - 1)) % CITIES.length;
        // Well above the user's typical ticket, yet under the 10,000 INR rule.
        add(t, c, merchant, Math.min(typical * rng.uniform(3, 7), rng.uniform(9_000, 9_900)));
        break;
      }
      case AnomalyType.VELOCITY_BURST: {
        const count = rng.intBetween(4, 6);
        const others: number[] = [];
        const wanted = rng.intBetween(1, 2);
        while (others.length < wanted) {
          const c = rng.nextInt(CITIES.length);
          if (c !== city && !others.includes(c)) others.push(c);
        }
        const places = [city, ...others];
        let ms = t;
        const maxGap = Math.floor(55 / (count - 1));
        for (let k = 0; k < count; k++) {
          if (k > 0) ms += rng.intBetween(3, maxGap) * 1000;
          // The second transaction always comes from elsewhere: two cities at least.
          const c = k === 0 ? city : k === 1 ? others[0] : rng.pick(places);
          const merchant = rng.pick([M.electronics, M.entertainment, M.restaurant, M.grocery, M.fuel]);
          add(ms, c, merchant, Math.min(typical * rng.uniform(0.5, 2.5), NORMAL_AMOUNT_CAP));
        }
        break;
      }
      case AnomalyType.CARD_TESTING: {
        const count = rng.intBetween(3, 8);
        const strangers: number[] = [];
        for (let m = 0; m < MERCHANT_TYPES.length; m++) if (!user.habits.includes(m)) strangers.push(m);
        const merchant = strangers.length > 0 && rng.chance(0.75) ? rng.pick(strangers) : user.habits[rng.weightedIndex(user.habitWeights)];
        let ms = t;
        for (let k = 0; k < count; k++) {
          if (k > 0) ms += rng.intBetween(8, 40) * 1000;
          add(ms, city, merchant, Math.max(1, rng.uniform(1, 50)));
        }
        break;
      }
    }
    for (const e of events) this.markUsed(user, e);
    user.busyUntil = events[events.length - 1].ms;
    return events;
  }

  /** A time in the first 02:00-05:00 local window that has not yet passed at `t`. */
  private nightSlot(t: number): number {
    let start = localMidnight(t) + 2 * HOUR_MS;
    if (t + 60_000 >= start + 3 * HOUR_MS) start += DAY_MS;
    const from = Math.max(start, t + 1000);
    const end = start + 3 * HOUR_MS - 1000;
    return from + Math.floor((this.rng.nextFloat() * (end - from)) / 1000) * 1000;
  }

  // ---- normal behaviour -------------------------------------------------------------------

  private normalEvent(user: SimUser, t: number, city: number): SimEvent {
    const rng = this.rng;
    let merchant: number;
    if (city !== user.home && rng.chance(0.5)) {
      merchant = TRIP_MERCHANTS[rng.weightedIndex(TRIP_WEIGHTS)];
    } else if (isWeekend(t)) {
      merchant = user.habits[rng.weightedIndex(user.habits.map((m, i) => user.habitWeights[i] * WEEKEND_MULTIPLIER[m]))];
    } else {
      merchant = user.habits[rng.weightedIndex(user.habitWeights)];
    }
    const event: SimEvent = { user, ms: t, city, merchant, amount: this.normalAmount(user, merchant), anomaly: null };
    user.normalCount++;
    user.normalSum += event.amount;
    this.markUsed(user, event);
    return event;
  }

  /** Log-normal around the user's median for that merchant, kept under the normal cap. */
  private normalAmount(user: SimUser, merchant: number): number {
    const median = user.merchantMedian[merchant];
    let amount = median * Math.exp(user.sigma * this.rng.normal());
    for (let tries = 0; amount > NORMAL_AMOUNT_CAP && tries < 8; tries++) amount = median * Math.exp(user.sigma * this.rng.normal());
    return round2(Math.max(20, Math.min(amount, NORMAL_AMOUNT_CAP)));
  }

  private markUsed(user: SimUser, event: SimEvent): void {
    user.cityMask |= 1 << event.city;
    user.merchantMask |= 1 << event.merchant;
    if (event.ms > user.lastMs) user.lastMs = event.ms;
  }

  /**
   * Draws the user's next normal transaction at or after `fromMs` from an inhomogeneous Poisson
   * process (hourly activity, weekends, no spending in transit) and pushes it on the heap.
   */
  private schedule(user: SimUser, fromMs: number): void {
    let t = Math.max(fromMs, user.joinMs);
    let budget = this.rng.exponential(1);
    let city = user.home;
    for (;;) {
      const trip = this.tripAt(user, t);
      let end = endOfLocalHour(t);
      let lambda = intensityPerMs(user, t);
      city = user.home;
      if (t < trip.depart) {
        end = Math.min(end, trip.depart);
      } else if (t < trip.arrive) {
        end = Math.min(end, trip.arrive);
        lambda = 0;
      } else if (t < trip.returnDepart) {
        end = Math.min(end, trip.returnDepart);
        lambda *= 1.2; // travellers eat out and spend more often
        city = trip.city;
      } else {
        end = Math.min(end, trip.returnArrive);
        lambda = 0;
      }
      if (lambda > 0 && budget < lambda * (end - t)) {
        t += budget / lambda;
        break;
      }
      budget -= lambda * (end - t);
      t = end;
    }
    // Whole seconds; trip boundaries are whole minutes so this never crosses into transit.
    user.nextMs = Math.ceil(t / 1000) * 1000;
    user.nextCity = city;
    user.version++;
    this.heap.push(user.nextMs, user.index, user.version);
  }

  /** The user's current or next trip at time `t` (planning new trips as time passes). */
  private tripAt(user: SimUser, t: number): Trip {
    let trip = user.trip!;
    while (t >= trip.returnArrive) trip = this.planTrip(user, trip.returnArrive);
    user.trip = trip;
    return trip;
  }

  /** City index where the user is at `t`, or -1 in transit. */
  private cityAt(user: SimUser, t: number): number {
    const trip = this.tripAt(user, t);
    if (t < trip.depart) return user.home;
    if (t < trip.arrive) return -1;
    if (t < trip.returnDepart) return trip.city;
    return -1;
  }

  /** A trip leaving some days after `fromMs`, by day, for 2-6 days; travel takes realistic time. */
  private planTrip(user: SimUser, fromMs: number): Trip {
    const rng = this.rng;
    const city = (user.home + 1 + rng.nextInt(CITIES.length - 1)) % CITIES.length;
    const leg = travelTimeMs(user.home, city);
    const depart = this.daytime(fromMs + rng.exponential(user.tripGapDays) * DAY_MS);
    const arrive = depart + leg;
    const returnDepart = this.daytime(arrive + rng.uniform(2, 6) * DAY_MS);
    return { city, depart, arrive, returnDepart, returnArrive: returnDepart + leg };
  }

  /** `ms` if it falls in 07:00-19:00 local, else a random minute in the next such window. */
  private daytime(ms: number): number {
    const hour = localHour(ms);
    let out = ms;
    if (hour < 7 || hour >= 19) {
      const midnight = localMidnight(ms) + (hour >= 19 ? DAY_MS : 0);
      out = midnight + 7 * HOUR_MS + this.rng.uniform(0, 12) * HOUR_MS;
    }
    return Math.ceil(out / 60_000) * 60_000;
  }
}

/** Validates the shared options and derives per-user rates: about two weeks of activity per batch. */
export function engineConfig(options: { seed: number; users: number; anomalyRate: number | undefined; startMs: number; n: number; ratePerDay?: number }): EngineConfig {
  const { seed, users, n } = options;
  const anomalyRate = options.anomalyRate ?? DEFAULT_ANOMALY_RATE;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  if (!(Number.isSafeInteger(users) && users >= 1)) throw new RangeError(`users must be a positive integer, got ${users}`);
  if (!(anomalyRate >= 0 && anomalyRate < 1)) throw new RangeError(`anomalyRate must be in [0, 1), got ${anomalyRate}`);
  let meanRatePerDay = options.ratePerDay ?? ENDLESS_RATE_PER_DAY;
  if (!(meanRatePerDay > 0 && Number.isFinite(meanRatePerDay))) throw new RangeError(`userRatePerDay must be a positive number, got ${meanRatePerDay}`);
  let spanDays = TARGET_SPAN_DAYS;
  if (Number.isFinite(n)) {
    const perUser = n / users;
    meanRatePerDay = Math.min(10, Math.max(0.3, perUser / TARGET_SPAN_DAYS));
    spanDays = Math.max(1, perUser / meanRatePerDay);
  }
  return { seed, users, anomalyRate, startMs: options.startMs, n, meanRatePerDay, spanDays };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
