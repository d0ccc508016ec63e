/** Number and time formatting shared by the elements (locale-aware, allocation-light). */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const fixed3 = new Intl.NumberFormat(undefined, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });

/** 12,345 */
export const formatInt = (n: number): string => (Number.isFinite(n) ? integer.format(n) : '–');
/** 12.3 */
export const formatDecimal = (n: number): string => (Number.isFinite(n) ? decimal.format(n) : '–');
/** 0.123 */
export const formatScore = (n: number): string => (Number.isFinite(n) ? fixed3.format(n) : '–');
/** 1,234.50 */
export const formatAmount = (n: number): string => (Number.isFinite(n) ? money.format(n) : '–');
/** 1.25% */
export const formatPercent = (n: number): string => (Number.isFinite(n) ? percent.format(n) : '–');
/** Latency in ms with a sensible precision. */
export const formatMs = (n: number): string => (!Number.isFinite(n) ? '–' : n < 10 ? `${n.toFixed(2)} ms` : `${decimal.format(n)} ms`);
/** HH:MM:SS of an epoch ms in local time. */
export const formatClock = (ms: number): string =>
  Number.isFinite(ms) ? new Date(ms).toLocaleTimeString(undefined, { hour12: false }) : '–';
