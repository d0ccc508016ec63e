/**
 * The rules engine: explainable checks on one transaction against the user's past transactions.
 */
import { medianOf } from '../stats/median';

import { ReasonCode, type HistoryEntry, type ParsedTransaction } from '../contract/types';
import { isPackedHistory, packHistory, type PackedHistory } from '../history/packed-history';
import { findCity, haversineKm, normalizeCityName, type CityTable, type KnownCity } from './cities';
import { assertValidRulesConfig, DEFAULT_RULES_CONFIG, type RulesConfig } from './config';

/** One rule that fired: its code, a sentence for people and the numbers behind it. */
export interface RuleHit {
  readonly code: ReasonCode;
  /** One sentence, e.g. "Amount ₹15,000.00 exceeds the ₹10,000.00 threshold". */
  readonly detail: string;
  /** The values the rule compared, for explanations and logs. Plain data only. */
  readonly data: Record<string, unknown>;
}

const MS_PER_HOUR = 3_600_000;

/**
 * Runs every rule on `txn` and returns the hits, in the order of {@link ReasonCode}
 * (HIGH_AMOUNT, VELOCITY_MULTI_CITY, UNUSUAL_HOUR, IMPOSSIBLE_TRAVEL, AMOUNT_SPIKE).
 *
 * `history` holds the user's past transactions in any order, as entries or packed (a store's
 * fast path, see {@link PackedHistory}; entries are packed first). The history-based rules judge
 * `txn` as of its own timestamp: entries later in time than `txn` (events that arrived out of
 * order) are ignored, so the outcome does not depend on arrival order beyond what had arrived.
 * Entries with `txn`'s own `transaction_id`, and repeats of an id already seen, are skipped so
 * nothing is counted twice.
 *
 * One pass over `history`; only the few entries inside the velocity window are sorted, and the
 * median for AMOUNT_SPIKE is found by selection, not by sorting.
 *
 * @throws {ConfigError} if `config` is invalid.
 */
export function evaluateRules(
  txn: ParsedTransaction,
  history: readonly HistoryEntry[] | PackedHistory,
  config: RulesConfig = DEFAULT_RULES_CONFIG,
): RuleHit[] {
  assertValidRulesConfig(config);
  const h = isPackedHistory(history) ? history : packHistory(history);
  const hits: RuleHit[] = [];
  const t = txn.epochMs;
  const windowStart = t - config.velocityWindowMs;
  const here = findCity(config.cityCoordinates, txn.location);

  const ownId = txn.transaction_id;
  const { numbers, strings, start, end } = h;
  if (amounts.length < end - start) amounts = new Float64Array((end - start) * 2);
  const cities = cityIndex(config.cityCoordinates);
  let pastCount = 0;
  // Past amounts small enough that the transaction would be a spike against them: while these
  // are at most half, the median cannot be one of them and selecting it can be skipped.
  const spikeFactor = config.amountSpikeFactor;
  const amount = txn.amount;
  let spikeBelow = 0;
  // Indices of the entries inside the velocity window, in history order.
  let inWindow: number[] | undefined;
  // Nearest earlier entry in a different known city (ties in time: the farther city).
  let previous = -1;
  let previousCity: KnownCity | undefined;
  let previousKm = 0;
  // The last location resolved, and its city and distance: histories repeat a few places.
  let lastLocation: string | undefined;
  let lastCity: KnownCity | undefined;
  let lastKm = 0;

  for (let i = start; i < end; i++) {
    const e = numbers[3 * i];
    // `!(a <= b)` also drops a NaN time: such an entry cannot be placed before txn.
    if (!(e <= t) || (e === t && strings[3 * i] === ownId)) continue;
    // Stores keep ids unique; a duplicated entry could only distort the velocity count, so the
    // (small) window is de-duplicated there rather than every entry here.
    const a = numbers[3 * i + 1];
    amounts[pastCount++] = a;
    if (spikeFactor * a < amount) spikeBelow++;
    if (e > windowStart) (inWindow ??= []).push(i);
    // Resolving a city costs a map lookup, so only for entries that could beat the current best.
    if (here !== undefined && (previous < 0 || e >= numbers[3 * previous])) {
      const location = strings[3 * i + 1];
      if (location !== lastLocation) {
        lastLocation = location;
        lastCity = cities.get(location) ?? findCity(config.cityCoordinates, location);
        lastKm = lastCity !== undefined && lastCity !== here ? haversineKm(lastCity.point, here.point) : 0;
      }
      const city = lastCity;
      if (city !== undefined && city !== here) {
        const km = lastKm;
        // Two names for one place (distance 0) are not travel.
        if (km > 0 && (previous < 0 || e > numbers[3 * previous] || km > previousKm)) {
          previous = i;
          previousCity = city;
          previousKm = km;
        }
      }
    }
  }

  if (txn.amount > config.highAmount) {
    hits.push({
      code: ReasonCode.HIGH_AMOUNT,
      detail: `Amount ${formatMoney(txn.amount, config.currency)} exceeds the ${formatMoney(config.highAmount, config.currency)} threshold`,
      data: { amount: txn.amount, threshold: config.highAmount, currency: config.currency },
    });
  }

  const velocity = velocityHit(txn, h, inWindow ?? NO_ENTRIES, config);
  if (velocity !== undefined) hits.push(velocity);

  if (hourInWindow(txn.localHour, config.unusualHourStart, config.unusualHourEnd)) {
    const local = `${pad2(txn.localHour)}:${pad2(txn.localMinute)}`;
    const window = `${pad2(config.unusualHourStart)}:00–${pad2(config.unusualHourEnd)}:00`;
    hits.push({
      code: ReasonCode.UNUSUAL_HOUR,
      detail: `Local time ${local} (${formatOffset(txn.offsetMinutes)}) is within the unusual hours ${window}`,
      data: {
        localHour: txn.localHour,
        localMinute: txn.localMinute,
        offsetMinutes: txn.offsetMinutes,
        startHour: config.unusualHourStart,
        endHour: config.unusualHourEnd,
      },
    });
  }

  if (here !== undefined && previous >= 0 && previousCity !== undefined) {
    const elapsedMs = t - h.numbers[3 * previous];
    const speedKmh = elapsedMs > 0 ? previousKm / (elapsedMs / MS_PER_HOUR) : Infinity;
    if (speedKmh > config.impossibleTravelKmh) {
      const km = `${groupDigits(Math.round(previousKm).toString(), false)} km`;
      const how =
        elapsedMs > 0
          ? `in ${formatDuration(elapsedMs)} implies ${groupDigits(Math.round(speedKmh).toString(), false)} km/h`
          : 'at the same instant implies an infinite speed';
      hits.push({
        code: ReasonCode.IMPOSSIBLE_TRAVEL,
        detail: `${previousCity.name} → ${here.name}: ${km} ${how} (limit ${config.impossibleTravelKmh} km/h)`,
        data: {
          fromCity: previousCity.name,
          toCity: here.name,
          distanceKm: previousKm,
          elapsedMs,
          // Infinity when both happened at the same instant (JSON.stringify turns it into null).
          speedKmh,
          limitKmh: config.impossibleTravelKmh,
          previousTransactionId: h.strings[3 * previous],
        },
      });
    }
  }

  // The median is at least the lower middle amount (index (n - 1) >> 1 in sorted order), so
  // `amount > factor * median` needs more than that many amounts with `factor * a < amount`
  // (float multiplication by a positive factor keeps the order). Most transactions stop here.
  if (pastCount >= config.amountSpikeMinHistory && spikeBelow > (pastCount - 1) >> 1) {
    const median = medianOf(amounts, pastCount);
    if (txn.amount > config.amountSpikeFactor * median) {
      const ratio = median > 0 ? txn.amount / median : Infinity;
      const amount = formatMoney(txn.amount, config.currency);
      const med = formatMoney(median, config.currency);
      hits.push({
        code: ReasonCode.AMOUNT_SPIKE,
        detail:
          median > 0
            ? `Amount ${amount} is ${ratio.toFixed(1)}x this user's median of ${med}`
            : `Amount ${amount} is far above this user's median of ${med}`,
        data: { amount: txn.amount, median, ratio, factor: config.amountSpikeFactor, historyCount: pastCount },
      });
    }
  }

  return hits;
}

// The velocity window of most transactions; velocityHit only reads it.
const NO_ENTRIES: number[] = [];

// Scratch for the amounts of the median; grows to the longest history seen.
let amounts = new Float64Array(256);

/** Exact-name lookups of a city table, memoised per (frozen) table. */
const exactIndexes = new WeakMap<CityTable, Map<string, KnownCity>>();
let lastTable: CityTable | undefined;
let lastIndex: Map<string, KnownCity> | undefined;
function cityIndex(table: CityTable): Map<string, KnownCity> {
  if (table === lastTable) return lastIndex!;
  let index = exactIndexes.get(table);
  if (index === undefined) {
    index = new Map();
    for (const name of Object.keys(table)) {
      const city = findCity(table, name);
      if (city !== undefined) index.set(name, city);
    }
    if (Object.isFrozen(table)) exactIndexes.set(table, index);
  }
  if (Object.isFrozen(table)) {
    // The table of the last call, found without the WeakMap.
    lastTable = table;
    lastIndex = index;
  }
  return index;
}

function velocityHit(
  txn: ParsedTransaction,
  h: PackedHistory,
  window: number[],
  config: RulesConfig,
): RuleHit | undefined {
  if (window.length + 1 <= config.velocityMinCount) return undefined;
  const ids = new Set<string>();
  const inWindow = window.filter((i) => !ids.has(h.strings[3 * i]) && ids.add(h.strings[3 * i]) !== undefined);
  const count = inWindow.length + 1;
  if (count <= config.velocityMinCount) return undefined;
  // The window holds a handful of entries; sorting them is cheap. Array sort is stable, and the
  // current transaction goes last, after any entry with the very same instant.
  inWindow.sort((a, b) => h.numbers[3 * a] - h.numbers[3 * b]);
  const cities: string[] = [];
  const keys = new Set<string>();
  const addCity = (location: string): void => {
    const key = normalizeCityName(location);
    if (keys.has(key)) return;
    keys.add(key);
    cities.push(location.trim());
  };
  for (const i of inWindow) addCity(h.strings[3 * i + 1]);
  addCity(txn.location);
  if (cities.length < config.velocityMinCities) return undefined;
  return {
    code: ReasonCode.VELOCITY_MULTI_CITY,
    detail: `${count} transactions in ${formatSeconds(config.velocityWindowMs)} from ${cities.length} cities: ${cities.join(' → ')}`,
    data: {
      count,
      windowMs: config.velocityWindowMs,
      cities,
      transactionIds: [...inWindow.map((i) => h.strings[3 * i]), txn.transaction_id],
    },
  };
}

/** Whether `start <= hour < end`, wrapping midnight when `start > end`. */
function hourInWindow(hour: number, start: number, end: number): boolean {
  return start <= end ? hour >= start && hour < end : hour >= start || hour < end;
}

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = Object.freeze({
  INR: '₹',
  USD: '$',
  EUR: '€',
  GBP: '£',
});

/**
 * Formats an amount with two decimals, e.g. `₹15,000.00`. INR uses Indian digit grouping
 * (`₹1,00,000.00`), others groups of three; currencies without a known symbol get their code
 * (`CHF 1,234.50`). Written out rather than `Intl` so details read the same in every runtime,
 * including ICU-less edge builds.
 */
export function formatMoney(amount: number, currency = 'INR'): string {
  const symbol = CURRENCY_SYMBOLS[currency];
  const prefix = symbol ?? `${currency} `;
  const abs = Math.abs(amount);
  // toFixed switches to exponent notation from 1e21 on; such amounts are shown as they are.
  if (!Number.isFinite(amount) || abs >= 1e21) return `${prefix}${amount}`;
  const fixed = abs.toFixed(2);
  const dot = fixed.indexOf('.');
  const body = `${prefix}${groupDigits(fixed.slice(0, dot), currency === 'INR')}${fixed.slice(dot)}`;
  return amount < 0 && fixed !== '0.00' ? `-${body}` : body;
}

/** Inserts commas into a string of digits: `1234567` → `1,234,567`, or Indian `12,34,567`. */
function groupDigits(digits: string, indian: boolean): string {
  if (digits.length <= 3) return digits;
  let rest = digits.slice(0, -3);
  let out = digits.slice(-3);
  const size = indian ? 2 : 3;
  while (rest.length > size) {
    out = `${rest.slice(-size)},${out}`;
    rest = rest.slice(0, -size);
  }
  return `${rest},${out}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `UTC` for a zero offset, else `UTC+05:30` / `UTC-04:00`. */
function formatOffset(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const abs = Math.abs(offsetMinutes);
  return `UTC${offsetMinutes < 0 ? '-' : '+'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** `60 s`, `1.5 s`: a window length in seconds, up to millisecond precision. */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** A positive duration for people: `45 s`, `10 min`, `2 h 5 min`. */
function formatDuration(ms: number): string {
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(ms < 1000 ? 3 : 0))} s`;
  const totalMinutes = Math.round(ms / 60_000);
  if (totalMinutes < 60) return `${totalMinutes} min`;
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
