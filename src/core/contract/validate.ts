/**
 * Runtime validation of the wire contract: turns an unknown value (or one JSONL line) into a
 * {@link ParsedTransaction} with its timestamp resolved, or into an {@link ErrorResult} that names
 * the first bad field and the problem in plain English.
 *
 * Two implementations, one behaviour:
 * - {@link createTransactionSchema} is the valibot schema, the source of truth that
 *   `json-schema.ts` mirrors; {@link validateTransactionWithSchema} runs it.
 * - {@link validateTransaction} is the hand-written hot path (no per-field closures, no issue
 *   objects). It must return exactly what the valibot path returns; the unit tests check that on
 *   generated inputs. Both share the message builders, the string checks and the timestamp parser
 *   below, so a rule changes in one place.
 *
 * Decisions (documented once, here):
 * - Fields are checked in {@link TRANSACTION_FIELDS} order and only the first problem is reported.
 *   Within a field: missing, then type, then value.
 * - A required field whose value is `undefined` counts as missing. A required field set to `null`
 *   is a WRONG_TYPE. An optional field set to `null` (what Python's `None` serialises to) counts as
 *   absent.
 * - Strings are kept as given (not trimmed); a string that is empty after trimming is rejected.
 *   Lengths count Unicode code points, as JSON Schema's `maxLength` does.
 * - Timestamps: `YYYY-MM-DD` `T` (or `t` or one space) `HH:MM`, optional `:SS` and optional
 *   `.fraction` (1 to 9 digits, truncated to milliseconds), then a REQUIRED offset: `Z`, `z`,
 *   `+HH:MM` or the basic form `+HHMM` (as Python's `%z` and most logs write it). `+HH` alone,
 *   leap seconds (`:60`), hour 24 and impossible calendar dates are rejected. Years are 0000-9999.
 * - `transaction_id` is echoed in an error result only when it passes its own checks.
 * - Errors about the whole input (not an object, not JSON) use {@link ROOT_FIELD} as the field.
 */

import * as v from 'valibot';
import { ErrorCode } from './types';
import type { ErrorResult, ParsedTransaction } from './types';

/** Limits applied by the validator. Every field has a default in {@link DEFAULT_CONTRACT_CONFIG}. */
export interface ContractConfig {
  /**
   * Maximum length, in Unicode code points, of `transaction_id`, `user_id` and `mcc_code`.
   * Default 128.
   */
  maxIdLength: number;
  /**
   * Maximum length, in Unicode code points, of `location`, `merchant_type`, `user_name` and
   * `country`. Default 256.
   */
  maxTextLength: number;
}

/** The default limits: `maxIdLength` 128, `maxTextLength` 256. */
export const DEFAULT_CONTRACT_CONFIG: Readonly<ContractConfig> = Object.freeze({
  maxIdLength: 128,
  maxTextLength: 256,
});

/** The outcome of validating one transaction. */
export type ValidationResult =
  | { ok: true; value: ParsedTransaction }
  | { ok: false; error: ErrorResult };

/** The `field` of an error about the input as a whole (not an object, not JSON): the JSONPath root. */
export const ROOT_FIELD = '$';

/** Required fields, in the order they are checked (the first bad one is reported). */
export const REQUIRED_TRANSACTION_FIELDS = Object.freeze([
  'transaction_id',
  'user_id',
  'amount',
  'location',
  'timestamp',
  'merchant_type',
] as const);

/** Optional string fields, checked after the required ones, in this order. */
export const OPTIONAL_TRANSACTION_FIELDS = Object.freeze(['user_name', 'country', 'mcc_code'] as const);

/** Every field the validator reads, in check order; any other field is ignored and not copied. */
export const TRANSACTION_FIELDS = Object.freeze([
  ...REQUIRED_TRANSACTION_FIELDS,
  ...OPTIONAL_TRANSACTION_FIELDS,
] as const);

/** Which limit of {@link ContractConfig} caps each string field (the timestamp has its own grammar). */
export const STRING_FIELD_LIMITS = Object.freeze({
  transaction_id: 'maxIdLength',
  user_id: 'maxIdLength',
  location: 'maxTextLength',
  merchant_type: 'maxTextLength',
  user_name: 'maxTextLength',
  country: 'maxTextLength',
  mcc_code: 'maxIdLength',
} as const satisfies Record<string, keyof ContractConfig>);

type LimitName = keyof ContractConfig;

// ---------------------------------------------------------------------------------------------
// Messages (shared by both implementations so their output is identical)
// ---------------------------------------------------------------------------------------------

const QUOTE_LIMIT = 40;

function quote(s: string): string {
  if (s.length <= QUOTE_LIMIT) return JSON.stringify(s);
  // Long values are cut so an error never carries a megabyte of someone's payload.
  return `${JSON.stringify(s.slice(0, QUOTE_LIMIT))}... (${codePointLength(s)} characters)`;
}

/** Names a value's type and, for scalars, shows it: `string "100"`, `number 42`, `null`, `an array`. */
function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  switch (typeof x) {
    case 'string':
      return `string ${quote(x)}`;
    case 'number':
      return `number ${String(x)}`;
    case 'boolean':
      return `boolean ${String(x)}`;
    case 'bigint':
      return `bigint ${String(x)}n`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'an object';
  }
}

const msgNotObject = (x: unknown): string => `transaction must be a JSON object, got ${describe(x)}`;
const msgMissing = (field: string): string => `${field} is required but missing`;
const msgWrongType = (field: string, expected: string, x: unknown): string =>
  `${field} must be ${expected}, got ${describe(x)}`;
const msgBlank = (field: string): string => `${field} must not be empty or only whitespace`;
const msgTooLong = (field: string, limit: LimitName, max: number, s: string): string =>
  `${field} must be at most ${max} characters (${limit}), got ${codePointLength(s)}`;
const msgNotFinite = (x: number): string => `amount must be a finite number, got ${String(x)}`;
const msgNegative = (x: number): string => `amount must be >= 0, got ${String(x)}`;

// ---------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------

/** Length in Unicode code points (a surrogate pair counts once, a lone surrogate once). */
function codePointLength(s: string): number {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function isNotBlank(s: string): boolean {
  // Fast accept when the first character is printable ASCII; trim() only for the rare rest.
  const c = s.charCodeAt(0);
  if (c > 0x20 && c < 0x7f) return true;
  return s.trim().length > 0;
}

function fitsLength(s: string, max: number): boolean {
  // Code points never outnumber UTF-16 units, so the count is only needed for long strings.
  return s.length <= max || codePointLength(s) <= max;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function checkLimit(name: LimitName, n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`ContractConfig.${name} must be an integer >= 1, got ${describe(n)}`);
  }
  return n;
}

/**
 * Fills in the defaults of a partial {@link ContractConfig} and checks the limits.
 * @throws RangeError when a limit is not an integer >= 1.
 */
export function resolveContractConfig(config?: Partial<ContractConfig>): ContractConfig {
  return {
    maxIdLength: checkLimit('maxIdLength', config?.maxIdLength ?? DEFAULT_CONTRACT_CONFIG.maxIdLength),
    maxTextLength: checkLimit(
      'maxTextLength',
      config?.maxTextLength ?? DEFAULT_CONTRACT_CONFIG.maxTextLength,
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Timestamp parsing (no Date: the local fields come from the string itself)
// ---------------------------------------------------------------------------------------------

/** The resolved parts of a timestamp, as they appear on {@link ParsedTransaction}. */
export interface TimestampParts {
  epochMs: number;
  offsetMinutes: number;
  localHour: number;
  localMinute: number;
  localDayOfWeek: number;
}

const TIMESTAMP_EXAMPLES = 'such as 2026-01-05T10:00:00Z or 2026-01-05T15:30:00+05:30';

/** Two ASCII digits at i as a number, or -1. */
function digits2(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  // NaN (past the end) fails both comparisons, so it lands in the -1 branch too.
  if (!(a >= 0 && a <= 9 && b >= 0 && b <= 9)) return -1;
  return a * 10 + b;
}

function isLeapYear(y: number): boolean {
  return y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to the given proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// (A function of its own, not a closure: a closure would be allocated on every call.)
function badTimestamp(s: string): string {
  return `timestamp must be an ISO 8601 date-time with a UTC offset ${TIMESTAMP_EXAMPLES}, got ${quote(s)}`;
}

/**
 * Parses an ISO 8601 timestamp with an explicit UTC offset into `out`.
 * Returns `undefined` on success, otherwise the error message (and leaves `out` unspecified).
 * The grammar is described at the top of this file and mirrored by the JSON Schema pattern.
 */
export function parseTimestampInto(s: string, out: TimestampParts): string | undefined {
  const len = s.length;
  if (len < 16) return badTimestamp(s);
  const y1 = digits2(s, 0);
  const y2 = digits2(s, 2);
  const month = digits2(s, 5);
  const day = digits2(s, 8);
  const hour = digits2(s, 11);
  const minute = digits2(s, 14);
  const sep = s.charCodeAt(10);
  if (
    y1 < 0 || y2 < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 ||
    s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45 ||
    (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32) ||
    s.charCodeAt(13) !== 58 /* : */
  ) {
    return badTimestamp(s);
  }
  let i = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(i) === 58 /* : */) {
    second = digits2(s, i + 1);
    if (second < 0) return badTimestamp(s);
    i += 3;
    if (s.charCodeAt(i) === 46 /* . */) {
      i++;
      const start = i;
      let frac = 0;
      while (i < len) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        // Only the first three digits matter: sub-millisecond digits are truncated.
        if (i - start < 3) frac = frac * 10 + d;
        i++;
      }
      const n = i - start;
      if (n < 1 || n > 9) return badTimestamp(s);
      millis = n === 1 ? frac * 100 : n === 2 ? frac * 10 : frac;
    }
  }
  let offsetMinutes: number;
  if (i === len) {
    return `timestamp has no UTC offset, got ${quote(s)}; add Z or an offset such as +05:30`;
  }
  const o = s.charCodeAt(i);
  if (o === 90 /* Z */ || o === 122 /* z */) {
    if (i + 1 !== len) return badTimestamp(s);
    offsetMinutes = 0;
  } else if (o === 43 /* + */ || o === 45 /* - */) {
    const oh = digits2(s, i + 1);
    let j = i + 3;
    if (s.charCodeAt(j) === 58 /* : */) j++;
    const om = digits2(s, j);
    if (oh < 0 || om < 0 || j + 2 !== len) return badTimestamp(s);
    if (oh > 23) return `timestamp offset hours must be 00-23, got ${pad2(oh)} in ${quote(s)}`;
    if (om > 59) return `timestamp offset minutes must be 00-59, got ${pad2(om)} in ${quote(s)}`;
    offsetMinutes = (o === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return badTimestamp(s);
  }
  const year = y1 * 100 + y2;
  if (month < 1 || month > 12) return `timestamp month must be 01-12, got ${pad2(month)} in ${quote(s)}`;
  const maxDay = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > maxDay) {
    return `timestamp day must be 01-${maxDay} for ${y1 < 10 ? '0' : ''}${y1}${pad2(y2)}-${pad2(month)}, got ${pad2(day)} in ${quote(s)}`;
  }
  if (hour > 23) return `timestamp hour must be 00-23, got ${pad2(hour)} in ${quote(s)}`;
  if (minute > 59) return `timestamp minute must be 00-59, got ${pad2(minute)} in ${quote(s)}`;
  if (second > 59) return `timestamp second must be 00-59, got ${pad2(second)} in ${quote(s)}`;

  const days = daysFromCivil(year, month, day);
  out.epochMs =
    days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis -
    offsetMinutes * 60_000;
  out.offsetMinutes = offsetMinutes;
  out.localHour = hour;
  out.localMinute = minute;
  // 1970-01-01 was a Thursday (4); `% 7` keeps the sign, hence the +7 before the final `% 7`.
  out.localDayOfWeek = (((days + 4) % 7) + 7) % 7;
  return undefined;
}

/**
 * Parses an ISO 8601 timestamp with an explicit UTC offset.
 * @returns the resolved parts, or `{ error }` with a plain-English message.
 */
export function parseTimestamp(s: string): TimestampParts | { error: string } {
  const out: TimestampParts = { epochMs: 0, offsetMinutes: 0, localHour: 0, localMinute: 0, localDayOfWeek: 0 };
  const error = parseTimestampInto(s, out);
  return error === undefined ? out : { error };
}

// ---------------------------------------------------------------------------------------------
// Result builders (shared)
// ---------------------------------------------------------------------------------------------

function readableTransactionId(o: Record<string, unknown>, maxIdLength: number): string | undefined {
  const id = o.transaction_id;
  return typeof id === 'string' && isNotBlank(id) && fitsLength(id, maxIdLength) ? id : undefined;
}

function failure(
  input: unknown,
  maxIdLength: number,
  code: ErrorCode,
  field: string,
  message: string,
): { ok: false; error: ErrorResult } {
  const id = isRecord(input) ? readableTransactionId(input, maxIdLength) : undefined;
  const error: ErrorResult =
    id === undefined ? { error: { code, field, message } } : { transaction_id: id, error: { code, field, message } };
  return { ok: false, error };
}

/** Most distinct values `intern` keeps (cities and merchant types are few; ids never go here). */
const INTERN_LIMIT = 4096;
const interned = new Map<string, string>();

/**
 * One string object per distinct city or merchant type: history comparisons then succeed on
 * identity instead of comparing characters (strings fresh from JSON.parse are not shared).
 */
export function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < INTERN_LIMIT) interned.set(s, s);
  return s;
}

function buildParsed(
  o: Record<string, unknown>,
  ts: TimestampParts,
): ParsedTransaction {
  return parsedTransaction(
    o.transaction_id as string,
    o.user_id as string,
    o.amount as number,
    intern(o.location as string),
    o.timestamp as string,
    intern(o.merchant_type as string),
    ts,
    (o.user_name as string | null | undefined) ?? null,
    (o.country as string | null | undefined) ?? null,
    (o.mcc_code as string | null | undefined) ?? null,
  );
}

/**
 * A {@link ParsedTransaction} of validated fields (absent optional fields as null), keys in the
 * contract's order. Shared by every parser, so they all give objects of one shape.
 */
export function parsedTransaction(
  transactionId: string,
  userId: string,
  amount: number,
  location: string,
  timestamp: string,
  merchantType: string,
  ts: TimestampParts,
  userName: string | null,
  country: string | null,
  mcc: string | null,
): ParsedTransaction {
  // The usual case (every optional field given) as one literal: adding the three properties
  // afterwards would allocate an out-of-object property store for every transaction. The key
  // order is the same either way.
  if (userName !== null && country !== null && mcc !== null) {
    return {
      transaction_id: transactionId,
      user_id: userId,
      amount,
      location,
      timestamp,
      merchant_type: merchantType,
      epochMs: ts.epochMs,
      offsetMinutes: ts.offsetMinutes,
      localHour: ts.localHour,
      localMinute: ts.localMinute,
      localDayOfWeek: ts.localDayOfWeek,
      user_name: userName,
      country,
      mcc_code: mcc,
    };
  }
  const value: ParsedTransaction = {
    transaction_id: transactionId,
    user_id: userId,
    amount,
    location,
    timestamp,
    merchant_type: merchantType,
    epochMs: ts.epochMs,
    offsetMinutes: ts.offsetMinutes,
    localHour: ts.localHour,
    localMinute: ts.localMinute,
    localDayOfWeek: ts.localDayOfWeek,
  };
  if (userName !== null) value.user_name = userName;
  if (country !== null) value.country = country;
  if (mcc !== null) value.mcc_code = mcc;
  return value;
}

// ---------------------------------------------------------------------------------------------
// The valibot schema: source of truth
// ---------------------------------------------------------------------------------------------

function stringField(field: string, limit: LimitName, max: number) {
  return v.pipe(
    v.string((issue) =>
      issue.input === undefined ? msgMissing(field) : msgWrongType(field, 'a string', issue.input),
    ),
    v.check(isNotBlank, () => msgBlank(field)),
    v.check(
      (s: string) => fitsLength(s, max),
      (issue) => msgTooLong(field, limit, max, issue.input),
    ),
  );
}

function timestampField() {
  const scratch: TimestampParts = { epochMs: 0, offsetMinutes: 0, localHour: 0, localMinute: 0, localDayOfWeek: 0 };
  return v.pipe(
    v.string((issue) =>
      issue.input === undefined ? msgMissing('timestamp') : msgWrongType('timestamp', 'a string', issue.input),
    ),
    v.check(isNotBlank, () => msgBlank('timestamp')),
    v.check(
      (s: string) => parseTimestampInto(s, scratch) === undefined,
      (issue) => parseTimestampInto(issue.input, scratch) ?? '',
    ),
  );
}

function amountField() {
  return v.pipe(
    // v.custom, not v.number: v.number calls NaN a wrong type, the contract calls it a bad value.
    v.custom<number>(
      (x) => typeof x === 'number',
      (issue) => (issue.input === undefined ? msgMissing('amount') : msgWrongType('amount', 'a number', issue.input)),
    ),
    v.check((x: number) => Number.isFinite(x), (issue) => msgNotFinite(issue.input)),
    v.minValue(0, (issue) => msgNegative(issue.input)),
  );
}

/**
 * Builds the valibot schema of a transaction for the given limits: the source of truth for the
 * validator's behaviour and for `json-schema.ts`. Its output is a {@link ParsedTransaction}.
 * Run it with `{ abortEarly: true }` (as {@link validateTransactionWithSchema} does) so the first
 * issue is the first bad field in {@link TRANSACTION_FIELDS} order.
 * @throws RangeError when a limit is not an integer >= 1.
 */
export function createTransactionSchema(config?: Partial<ContractConfig>) {
  const { maxIdLength, maxTextLength } = resolveContractConfig(config);
  const entries = {
    transaction_id: stringField('transaction_id', 'maxIdLength', maxIdLength),
    user_id: stringField('user_id', 'maxIdLength', maxIdLength),
    amount: amountField(),
    location: stringField('location', 'maxTextLength', maxTextLength),
    timestamp: timestampField(),
    merchant_type: stringField('merchant_type', 'maxTextLength', maxTextLength),
    user_name: v.nullish(stringField('user_name', 'maxTextLength', maxTextLength)),
    country: v.nullish(stringField('country', 'maxTextLength', maxTextLength)),
    mcc_code: v.nullish(stringField('mcc_code', 'maxIdLength', maxIdLength)),
  };
  return v.pipe(
    // v.object alone would accept arrays; the contract wants a JSON object.
    v.custom<Record<string, unknown>>(isRecord, (issue) => msgNotObject(issue.input)),
    v.object(entries, (issue) => msgMissing(String(issue.path?.[0]?.key))),
    v.transform((o) => {
      const ts = parseTimestamp(o.timestamp) as TimestampParts;
      return buildParsed(o, ts);
    }),
  );
}

/** The valibot transaction schema with the default limits. */
export const transactionSchema = /* @__PURE__ */ createTransactionSchema();

/** The schema type, for callers that introspect or compose it. */
export type TransactionSchema = ReturnType<typeof createTransactionSchema>;

// One cached schema per limits: the reference path is for tests and tools, usually one config.
let cachedSchema: TransactionSchema = transactionSchema;
let cachedIdLength = DEFAULT_CONTRACT_CONFIG.maxIdLength;
let cachedTextLength = DEFAULT_CONTRACT_CONFIG.maxTextLength;

/**
 * Validates with the valibot schema: the reference implementation. Same signature and same
 * results as {@link validateTransaction}, several times slower (it builds issue objects and, for a
 * new config, a new schema). Use it to check the fast path or to debug the schema.
 * @throws RangeError only for a bad `config`.
 */
export function validateTransactionWithSchema(
  input: unknown,
  config?: Partial<ContractConfig>,
): ValidationResult {
  const { maxIdLength, maxTextLength } = resolveContractConfig(config);
  if (maxIdLength !== cachedIdLength || maxTextLength !== cachedTextLength) {
    cachedSchema = createTransactionSchema({ maxIdLength, maxTextLength });
    cachedIdLength = maxIdLength;
    cachedTextLength = maxTextLength;
  }
  const result = v.safeParse(cachedSchema, input, { abortEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const key = issue.path?.[0]?.key;
  if (key === undefined) return failure(input, maxIdLength, ErrorCode.NOT_AN_OBJECT, ROOT_FIELD, issue.message);
  // Schema issues are about presence or type; validation issues (checks, minValue) about the value.
  const code =
    issue.kind !== 'schema'
      ? ErrorCode.INVALID_VALUE
      : issue.input === undefined
        ? ErrorCode.MISSING_FIELD
        : ErrorCode.WRONG_TYPE;
  return failure(input, maxIdLength, code, String(key), issue.message);
}

// ---------------------------------------------------------------------------------------------
// The fast path
// ---------------------------------------------------------------------------------------------

// Reused across calls: the parts are copied into the result object before anything else runs.
const scratchParts: TimestampParts = { epochMs: 0, offsetMinutes: 0, localHour: 0, localMinute: 0, localDayOfWeek: 0 };

// The failing check's code and message: set by stringFieldFails just before it returns true, so
// the success path allocates nothing. Safe because validation is synchronous.
let lastCode: ErrorCode = ErrorCode.INVALID_VALUE;
let lastMessage = '';

/** Checks one string field; on failure returns true and sets `lastCode` and `lastMessage`. */
function stringFieldFails(field: string, x: unknown, required: boolean, limit: LimitName, max: number): boolean {
  if (typeof x === 'string') {
    if (!isNotBlank(x)) {
      lastCode = ErrorCode.INVALID_VALUE;
      lastMessage = msgBlank(field);
      return true;
    }
    if (!fitsLength(x, max)) {
      lastCode = ErrorCode.INVALID_VALUE;
      lastMessage = msgTooLong(field, limit, max, x);
      return true;
    }
    return false;
  }
  if (x === undefined) {
    if (!required) return false;
    lastCode = ErrorCode.MISSING_FIELD;
    lastMessage = msgMissing(field);
    return true;
  }
  if (x === null && !required) return false;
  lastCode = ErrorCode.WRONG_TYPE;
  lastMessage = msgWrongType(field, 'a string', x);
  return true;
}

function validateWith(input: unknown, maxId: number, maxText: number): ValidationResult {
  if (!isRecord(input)) {
    return failure(input, maxId, ErrorCode.NOT_AN_OBJECT, ROOT_FIELD, msgNotObject(input));
  }
  const o = input;
  if (stringFieldFails('transaction_id', o.transaction_id, true, 'maxIdLength', maxId)) {
    return failure(o, maxId, lastCode, 'transaction_id', lastMessage);
  }
  if (stringFieldFails('user_id', o.user_id, true, 'maxIdLength', maxId)) {
    return failure(o, maxId, lastCode, 'user_id', lastMessage);
  }
  const amount = o.amount;
  if (typeof amount !== 'number') {
    return amount === undefined
      ? failure(o, maxId, ErrorCode.MISSING_FIELD, 'amount', msgMissing('amount'))
      : failure(o, maxId, ErrorCode.WRONG_TYPE, 'amount', msgWrongType('amount', 'a number', amount));
  }
  if (!Number.isFinite(amount)) return failure(o, maxId, ErrorCode.INVALID_VALUE, 'amount', msgNotFinite(amount));
  if (amount < 0) return failure(o, maxId, ErrorCode.INVALID_VALUE, 'amount', msgNegative(amount));
  if (stringFieldFails('location', o.location, true, 'maxTextLength', maxText)) {
    return failure(o, maxId, lastCode, 'location', lastMessage);
  }
  const ts = o.timestamp;
  if (typeof ts !== 'string') {
    return ts === undefined
      ? failure(o, maxId, ErrorCode.MISSING_FIELD, 'timestamp', msgMissing('timestamp'))
      : failure(o, maxId, ErrorCode.WRONG_TYPE, 'timestamp', msgWrongType('timestamp', 'a string', ts));
  }
  if (!isNotBlank(ts)) return failure(o, maxId, ErrorCode.INVALID_VALUE, 'timestamp', msgBlank('timestamp'));
  const tsError = parseTimestampInto(ts, scratchParts);
  if (tsError !== undefined) return failure(o, maxId, ErrorCode.INVALID_VALUE, 'timestamp', tsError);
  if (stringFieldFails('merchant_type', o.merchant_type, true, 'maxTextLength', maxText)) {
    return failure(o, maxId, lastCode, 'merchant_type', lastMessage);
  }
  if (stringFieldFails('user_name', o.user_name, false, 'maxTextLength', maxText)) {
    return failure(o, maxId, lastCode, 'user_name', lastMessage);
  }
  if (stringFieldFails('country', o.country, false, 'maxTextLength', maxText)) {
    return failure(o, maxId, lastCode, 'country', lastMessage);
  }
  if (stringFieldFails('mcc_code', o.mcc_code, false, 'maxIdLength', maxId)) {
    return failure(o, maxId, lastCode, 'mcc_code', lastMessage);
  }
  return { ok: true, value: buildParsed(o, scratchParts) };
}

/**
 * Validates one transaction (any value: parsed JSON, a JS object) against the wire contract.
 *
 * On success `value` holds the known fields as given (unknown fields dropped, `null` optional
 * fields dropped) plus the resolved timestamp. On failure `error` names the first bad field in
 * {@link TRANSACTION_FIELDS} order, with a code from {@link ErrorCode} and a plain-English message
 * such as `amount must be >= 0, got -100`.
 *
 * Pure and allocation-light; same results as {@link validateTransactionWithSchema}.
 * @throws RangeError only for a bad `config` (a limit that is not an integer >= 1).
 */
export function validateTransaction(input: unknown, config?: Partial<ContractConfig>): ValidationResult {
  if (config === undefined) {
    return validateWith(input, DEFAULT_CONTRACT_CONFIG.maxIdLength, DEFAULT_CONTRACT_CONFIG.maxTextLength);
  }
  return validateWith(
    input,
    checkLimit('maxIdLength', config.maxIdLength ?? DEFAULT_CONTRACT_CONFIG.maxIdLength),
    checkLimit('maxTextLength', config.maxTextLength ?? DEFAULT_CONTRACT_CONFIG.maxTextLength),
  );
}

/**
 * Returns a validator bound to one configuration (checked once, here), for hot loops with
 * non-default limits.
 * @throws RangeError when a limit is not an integer >= 1.
 */
export function createTransactionValidator(
  config?: Partial<ContractConfig>,
): (input: unknown) => ValidationResult {
  const { maxIdLength, maxTextLength } = resolveContractConfig(config);
  return (input) => validateWith(input, maxIdLength, maxTextLength);
}

/**
 * Parses and validates one line of JSONL. A leading byte order mark and surrounding whitespace
 * (including a trailing `\r`) are tolerated. A line that is empty or not JSON gives INVALID_JSON
 * with field {@link ROOT_FIELD}; callers reading files usually skip blank lines before calling.
 * Valid JSON then goes through {@link validateTransaction}.
 * @throws RangeError only for a bad `config`.
 */
export function parseTransactionLine(line: string, config?: Partial<ContractConfig>): ValidationResult {
  const text = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  if (text.trim().length === 0) {
    return { ok: false, error: { error: { code: ErrorCode.INVALID_JSON, field: ROOT_FIELD, message: 'line is empty, expected a JSON object' } } };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { ok: false, error: { error: { code: ErrorCode.INVALID_JSON, field: ROOT_FIELD, message: `line is not valid JSON: ${reason}` } } };
  }
  return validateTransaction(parsed, config);
}
