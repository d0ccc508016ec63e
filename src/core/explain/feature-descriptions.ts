/**
 * How each feature of the transaction feature sets reads to a person: its name, its value in
 * the user's terms, and the phrase the summary uses when it drives the risk.
 */
import type { ParsedTransaction, UserBaseline } from '../contract/types';
import {
  DAY_NAMES,
  formatClock,
  formatDuration,
  formatFractionalHour,
  formatMoney,
  formatNumber,
  formatPercent,
  formatRatio,
  joinWords,
  type DisplayOptions,
} from './display';

/** What a description sees: the transaction, the user's baseline, display options. */
export interface DescribeContext {
  txn: ParsedTransaction;
  baseline: UserBaseline;
  /** The user transacted in this city before. */
  seenCity: boolean;
  display: DisplayOptions;
}

/** A feature as a person reads it. */
export interface FeatureDescription {
  display_name: string;
  /**
   * Features about the same thing share a topic ('amount', 'city', 'time'...): the summary names
   * a topic once, with the phrase of its largest contributor.
   */
  topic: string;
  /** The value in the user's terms. */
  display(value: number, ctx: DescribeContext): string;
  /** Words for the summary ("amount 12x this user's median"). */
  phrase(value: number, ctx: DescribeContext): string;
}

const plural = (n: number, one: string, many: string) => `${formatNumber(n)} ${n === 1 ? one : many}`;

/** Amount relative to the user's median, from the baseline; null without history. */
function medianRatio(ctx: DescribeContext): number | null {
  const m = ctx.baseline.typical_amount;
  return m === null ? null : (ctx.txn.amount + 1) / (m + 1);
}

/** The amount phrase shared by every amount feature: against the user's median when it says something. */
function amountPhrase(ratio: number | null, ctx: DescribeContext): string {
  if (ratio !== null && (ratio >= 1.5 || ratio <= 1 / 1.5)) return `amount ${formatRatio(ratio)} this user's median`;
  return `amount ${formatMoney(ctx.txn.amount, ctx.display)}`;
}

/** "time 03:30 (usually around 10:00 and 14:00)"; the usual hours only when this one is not near them. */
function timePhrase(ctx: DescribeContext): string {
  const at = formatClock(ctx.txn.localHour, ctx.txn.localMinute);
  const usual = ctx.baseline.usual_hours;
  const near = usual.some((h) => {
    const d = Math.abs(h - ctx.txn.localHour);
    return Math.min(d, 24 - d) <= 2;
  });
  return usual.length > 0 && !near ? `time ${at} (usually around ${joinWords(usual.map((h) => formatClock(h)))})` : `time ${at}`;
}

function cityPhrase(firstTime: boolean, ctx: DescribeContext): string {
  return firstTime ? `first transaction in ${ctx.txn.location}` : `transaction in ${ctx.txn.location}`;
}

/** Whether the user has history but never transacted in this city. */
function newCityForUser(ctx: DescribeContext): boolean {
  return ctx.baseline.history_size > 0 && !ctx.seenCity;
}

const behavioral: Record<string, FeatureDescription> = {
  log_amount: {
    display_name: 'Amount',
    topic: 'amount',
    display: (_v, ctx) => formatMoney(ctx.txn.amount, ctx.display),
    phrase: (_v, ctx) => amountPhrase(medianRatio(ctx), ctx),
  },
  amount_vs_median: {
    display_name: "Amount vs. this user's median",
    topic: 'amount',
    display: (v, ctx) => {
      if (ctx.baseline.history_size === 0) return 'first transaction: no median yet';
      // The ratio the feature saw: log((amount + 1) / (median + 1)).
      const ratio = Math.exp(v);
      const median = (ctx.txn.amount + 1) / ratio - 1;
      return `${formatRatio(ratio)} this user's median (${formatMoney(Math.round(median * 100) / 100, ctx.display)})`;
    },
    phrase: (v, ctx) => amountPhrase(ctx.baseline.history_size === 0 ? null : Math.exp(v), ctx),
  },
  new_city: {
    display_name: 'New city',
    topic: 'city',
    display: (v, ctx) =>
      ctx.baseline.history_size === 0 ? `${ctx.txn.location} (no history yet)` : v === 1 ? `first time in ${ctx.txn.location}` : `${ctx.txn.location}, visited before`,
    phrase: (v, ctx) => cityPhrase(v === 1, ctx),
  },
  new_merchant: {
    display_name: 'New merchant type',
    topic: 'merchant',
    display: (v, ctx) =>
      ctx.baseline.history_size === 0
        ? `${ctx.txn.merchant_type} (no history yet)`
        : v === 1
          ? `first ${ctx.txn.merchant_type} purchase`
          : `${ctx.txn.merchant_type}, bought before`,
    phrase: (v, ctx) => (v === 1 ? `first ${ctx.txn.merchant_type} purchase` : `merchant type ${ctx.txn.merchant_type}`),
  },
  txns_last_hour: {
    display_name: 'Transactions in the last hour',
    topic: 'velocity',
    display: (v) => `${plural(v, 'transaction', 'transactions')} in the hour before`,
    phrase: (v) => `${plural(v, 'transaction', 'transactions')} in the last hour`,
  },
  txns_last_10min: {
    display_name: 'Transactions in the last 10 minutes',
    topic: 'velocity',
    display: (v) => `${plural(v, 'transaction', 'transactions')} in the 10 minutes before`,
    phrase: (v) => `${plural(v, 'transaction', 'transactions')} in the last 10 minutes`,
  },
  log_seconds_since_prev: {
    display_name: 'Time since the previous transaction',
    topic: 'velocity',
    display: (v, ctx) => (ctx.baseline.history_size === 0 ? "first transaction of this user" : `${formatDuration(Math.expm1(v))} since the previous one`),
    phrase: (v, ctx) =>
      ctx.baseline.history_size === 0 ? 'first transaction of this user' : `${Math.expm1(v) < 600 ? 'only ' : ''}${formatDuration(Math.expm1(v))} since the previous transaction`,
  },
  hour: {
    display_name: 'Time of day',
    topic: 'time',
    display: (v) => formatFractionalHour(v),
    phrase: (_v, ctx) => timePhrase(ctx),
  },
  hour_rarity: {
    display_name: 'Past transactions near this hour',
    topic: 'time',
    display: (v, ctx) =>
      ctx.baseline.history_size === 0
        ? 'no history yet'
        : `${formatPercent(v)} of past transactions within 2 h of ${formatClock(ctx.txn.localHour, ctx.txn.localMinute)}`,
    phrase: (_v, ctx) => timePhrase(ctx),
  },
  log_history_size: {
    display_name: 'Length of history',
    topic: 'history',
    display: (v) => `${plural(Math.round(Math.expm1(v)), 'past transaction', 'past transactions')}`,
    phrase: (v) => {
      const n = Math.round(Math.expm1(v));
      return n < 5 ? `new customer (${plural(n, 'past transaction', 'past transactions')})` : `${plural(n, 'past transaction', 'past transactions')}`;
    },
  },
};

const seed: Record<string, FeatureDescription> = {
  amount: {
    display_name: 'Amount',
    topic: 'amount',
    display: (_v, ctx) => formatMoney(ctx.txn.amount, ctx.display),
    phrase: (_v, ctx) => amountPhrase(medianRatio(ctx), ctx),
  },
  hour: {
    display_name: 'Hour of day',
    topic: 'time',
    display: (_v, ctx) => formatClock(ctx.txn.localHour, ctx.txn.localMinute),
    phrase: (_v, ctx) => timePhrase(ctx),
  },
  day_of_week: {
    display_name: 'Day of week',
    topic: 'day',
    display: (v) => DAY_NAMES[v] ?? String(v),
    phrase: (v) => `on a ${DAY_NAMES[v] ?? String(v)}`,
  },
  location_code: {
    display_name: 'City',
    topic: 'city',
    display: (v, ctx) => {
      const first = newCityForUser(ctx) ? `first time in ${ctx.txn.location}` : ctx.txn.location;
      return v === -1 ? `${first} (a city not seen in training)` : first;
    },
    phrase: (v, ctx) => (v === -1 && !newCityForUser(ctx) ? `city ${ctx.txn.location} not seen in training` : cityPhrase(newCityForUser(ctx), ctx)),
  },
  merchant_code: {
    display_name: 'Merchant type',
    topic: 'merchant',
    display: (v, ctx) => (v === -1 ? `${ctx.txn.merchant_type} (not seen in training)` : ctx.txn.merchant_type),
    phrase: (_v, ctx) => `merchant type ${ctx.txn.merchant_type}`,
  },
};

/** Descriptions by feature set and feature name. */
export const FEATURE_DESCRIPTIONS: Readonly<Record<string, Readonly<Record<string, FeatureDescription>>>> = { behavioral, seed };

/** The description of a feature, or a plain one for features of other sets. */
export function describeFeature(featureSet: string, name: string): FeatureDescription {
  return (
    FEATURE_DESCRIPTIONS[featureSet]?.[name] ?? {
      display_name: name,
      topic: name,
      display: (v) => formatNumber(v, 4),
      phrase: (v) => `${name} ${formatNumber(v, 4)}`,
    }
  );
}
