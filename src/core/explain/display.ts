/**
 * Values in the user's terms: money in the account currency, wall-clock times, durations,
 * ratios. Plain ES2022 (Intl), the same in a worker, a page and Node.
 */

/** How explanations format values. */
export interface DisplayOptions {
  /** ISO 4217 currency of the amounts (default 'INR'). */
  currency: string;
  /** BCP 47 locale of numbers and money (default 'en-IN': ₹1,25,000). */
  locale: string;
}

/** The defaults: Indian rupees, Indian digit grouping. */
export const DEFAULT_DISPLAY_OPTIONS: DisplayOptions = Object.freeze({ currency: 'INR', locale: 'en-IN' });

const formatters = new Map<string, Intl.NumberFormat>();

// Intl formatters are costly to build and cheap to use: one per locale, currency and precision.
function formatter(locale: string, currency: string | null, fraction: number): Intl.NumberFormat {
  const key = `${locale}|${currency ?? ''}|${fraction}`;
  let f = formatters.get(key);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, {
      ...(currency === null ? {} : { style: 'currency', currency }),
      minimumFractionDigits: 0,
      maximumFractionDigits: fraction,
    });
    formatters.set(key, f);
  }
  return f;
}

/** An amount of money: "₹12,500", "₹1,25,000", "₹99.50". */
export function formatMoney(amount: number, options: DisplayOptions = DEFAULT_DISPLAY_OPTIONS): string {
  const whole = Number.isInteger(amount) || Math.abs(amount) >= 1000;
  const text = formatter(options.locale, options.currency, whole ? 0 : 2).format(amount);
  // A fraction like .5 shows as .50: money has two decimals or none.
  return whole || !/[.,]\d$/.test(text) ? text : `${text}0`;
}

/** A plain number with grouping and at most `fraction` decimals. */
export function formatNumber(value: number, fraction = 0, options: DisplayOptions = DEFAULT_DISPLAY_OPTIONS): string {
  return formatter(options.locale, null, fraction).format(value);
}

/** A wall-clock time "HH:MM" (24 h). */
export function formatClock(hour: number, minute = 0): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** A fractional hour (14.5) as "14:30". */
export function formatFractionalHour(hours: number): string {
  let h = Math.floor(hours);
  let m = Math.round((hours - h) * 60);
  if (m === 60) {
    h += 1;
    m = 0;
  }
  return formatClock(((h % 24) + 24) % 24, m);
}

/** A duration in seconds as "45 s", "12 min", "3.5 h", "6 days". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${roundTo(seconds / 3600, 1)} h`;
  const days = roundTo(seconds / 86400, 1);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/** A ratio as "12x", "2.5x", "0.4x". */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return `${ratio >= 10 ? Math.round(ratio) : roundTo(ratio, 1)}x`;
}

/** A share in [0, 1] as "35%". */
export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** Day names, 0 = Sunday as in `ParsedTransaction.localDayOfWeek`. */
export const DAY_NAMES: readonly string[] = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function roundTo(x: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

/** "a", "a and b", "a, b and c". */
export function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}
