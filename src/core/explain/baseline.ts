import type { HistoryEntry, ParsedTransaction, UserBaseline } from '../contract/types';
import { medianOf } from '../stats/median';
import { DEFAULT_DISPLAY_OPTIONS, formatClock, formatMoney, joinWords, type DisplayOptions } from './display';

/** Most frequent hours reported in a baseline. */
export const USUAL_HOURS_COUNT = 3;

let amounts = new Float64Array(128);

/** A baseline and what else the explanation needs from the same pass over the history. */
export interface HistoryScan {
  baseline: UserBaseline;
  /** The user transacted in the transaction's city before. */
  seenCity: boolean;
}

/**
 * The user's normal behaviour before `txn`: median amount, most frequent city, most frequent
 * hours. Only the past counts, as in the feature function: entries later than the transaction
 * and the transaction itself (a replay) are skipped.
 */
export function userBaseline(txn: ParsedTransaction, history: readonly HistoryEntry[], display: DisplayOptions = DEFAULT_DISPLAY_OPTIONS): UserBaseline {
  return scanHistory(txn, history, display).baseline;
}

/** {@link userBaseline} plus whether the city was seen before. */
export function scanHistory(txn: ParsedTransaction, history: readonly HistoryEntry[], display: DisplayOptions = DEFAULT_DISPLAY_OPTIONS): HistoryScan {
  if (amounts.length < history.length) amounts = new Float64Array(history.length * 2);
  const cityCount = new Map<string, number>();
  const cityLast = new Map<string, number>();
  const hourCount = new Array<number>(24).fill(0);
  let n = 0;
  for (let i = 0; i < history.length; i++) {
    const e = history[i];
    if (e.epochMs > txn.epochMs || (e.epochMs === txn.epochMs && e.transaction_id === txn.transaction_id)) continue;
    amounts[n++] = e.amount;
    cityCount.set(e.location, (cityCount.get(e.location) ?? 0) + 1);
    cityLast.set(e.location, Math.max(cityLast.get(e.location) ?? -Infinity, e.epochMs));
    hourCount[e.localHour]++;
  }
  if (n === 0) return { baseline: { history_size: 0, typical_amount: null, home_city: null, usual_hours: [], display: 'no history for this user yet' }, seenCity: false };
  const typical = medianOf(amounts, n);
  let home: string | null = null;
  for (const [city, count] of cityCount) {
    const best = home === null ? -1 : cityCount.get(home)!;
    if (count > best || (count === best && cityLast.get(city)! > cityLast.get(home!)!)) home = city;
  }
  const hours = hourCount
    .map((count, hour) => ({ count, hour }))
    .filter((h) => h.count > 0)
    .sort((a, b) => b.count - a.count || a.hour - b.hour)
    .slice(0, USUAL_HOURS_COUNT)
    .map((h) => h.hour);
  const text = `usually ${formatMoney(typical, display)} in ${home} around ${joinWords(hours.map((h) => formatClock(h)))} (${n} past ${n === 1 ? 'transaction' : 'transactions'})`;
  return { baseline: { history_size: n, typical_amount: typical, home_city: home, usual_hours: hours, display: text }, seenCity: cityCount.has(txn.location) };
}
