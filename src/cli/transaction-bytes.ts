/**
 * Parses one JSONL transaction straight from bytes, without decoding the line to a string, a
 * JSON.parse and a validation pass. Same results as `parseTransactionLine` on the decoded line.
 *
 * Why it is exact: the fast path only ever produces successes, and only for lines in a small
 * subset of JSON it checks completely: one object of printable-ASCII strings without escapes,
 * numbers, true, false and null, known fields at most once, JSON whitespace around. On such a line
 * the bytes are the characters (latin1 == UTF-8 for ASCII) and JSON.parse would give exactly the
 * values read here; the contract's checks are then applied to them. Anything else (a BOM,
 * non-ASCII, escapes, nesting, a duplicate field, a bad value, invalid JSON) goes to
 * `parseTransactionLine`, which produces every error result, so errors need no second
 * implementation.
 */

import type { ParsedTransaction } from '../core/contract/types';
import {
  DEFAULT_CONTRACT_CONFIG,
  intern,
  parsedTransaction,
  parseTimestampInto,
  parseTransactionLine,
  resolveContractConfig,
} from '../core/contract/validate';
import type { ContractConfig, TimestampParts, ValidationResult } from '../core/contract/validate';

/** Parses the bytes `buf[start..end)` of one line (without its newline). */
export type TransactionBytesParser = (buf: Buffer, start: number, end: number) => ValidationResult;

/**
 * Parses and validates one JSONL line given as bytes: the same result as
 * `parseTransactionLine(buf.toString('utf8', start, end), config)`, faster.
 * @throws RangeError only when `parseTransactionLine` would (a bad `config`).
 */
export function parseTransactionBytes(
  buf: Buffer,
  start: number,
  end: number,
  config?: Partial<ContractConfig>,
): ValidationResult {
  if (config === undefined) {
    return parseWith(buf, start, end, DEFAULT_CONTRACT_CONFIG.maxIdLength, DEFAULT_CONTRACT_CONFIG.maxTextLength, undefined);
  }
  let limits: ContractConfig;
  try {
    limits = resolveContractConfig(config);
  } catch {
    // Throws, or not (a line that is not JSON is rejected before the limits are looked at).
    return parseTransactionLine(buf.toString('utf8', start, end), config);
  }
  return parseWith(buf, start, end, limits.maxIdLength, limits.maxTextLength, config);
}

/**
 * {@link parseTransactionBytes} bound to one configuration, checked once here.
 * @throws RangeError when a limit is not an integer >= 1.
 */
export function createTransactionBytesParser(config?: Partial<ContractConfig>): TransactionBytesParser {
  const { maxIdLength, maxTextLength } = resolveContractConfig(config);
  const resolved = { maxIdLength, maxTextLength };
  return (buf, start, end) => parseWith(buf, start, end, maxIdLength, maxTextLength, resolved);
}

function parseWith(
  buf: Buffer,
  start: number,
  end: number,
  maxId: number,
  maxText: number,
  config: Partial<ContractConfig> | undefined,
): ValidationResult {
  const value = scanTransaction(buf, start, end, maxId, maxText);
  if (value !== null) return { ok: true, value };
  return parseTransactionLine(buf.toString('utf8', start, end), config);
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * A fresh string of the ASCII bytes `buf[start..end)`. Node's `latin1Slice` (what
 * `toString('latin1', ...)` ends in, without its argument handling) copies the bytes, so the
 * string does not keep the chunk alive.
 */
const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Partial<Latin1Buffer>).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Latin1Buffer).latin1Slice(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/**
 * Reads the body of a JSON string starting at `i` (after its opening quote) up to `end`.
 * Returns the index of the closing quote, or -1 for anything but printable ASCII without
 * backslashes (escapes, control characters, which JSON forbids, non-ASCII, no closing quote).
 * DEL (0x7f) is allowed: JSON allows it and it is no whitespace.
 */
function scanString(buf: Uint8Array, i: number, end: number): number {
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 34) return i;
    if (c < 0x20 || c > 0x7f || c === 92) return -1;
  }
  return -1;
}

/** FNV-1a of the bytes of the last string {@link scanHashedString} read. */
let scannedHash = 0;

/** {@link scanString} that also sets {@link scannedHash}. */
function scanHashedString(buf: Uint8Array, i: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 34) {
      scannedHash = h;
      return i;
    }
    if (c < 0x20 || c > 0x7f || c === 92) return -1;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return -1;
}

/**
 * The contract's string checks (isNotBlank, fitsLength) on a string scanned by
 * {@link scanString}: its characters are its bytes, 0x20-0x7f, of which only the space is
 * whitespace for `trim()`, and its length in code points is its length in bytes.
 */
function validString(buf: Uint8Array, start: number, end: number, max: number): boolean {
  if (end - start > max) return false;
  for (let i = start; i < end; i++) if (buf[i] !== 32) return true;
  return false; // empty or only spaces
}

/** Open addressing, linear probing; a full table or a long probe just gives a fresh string. */
const TABLE_MIN_SLOTS = 1 << 8;
/** Tables double while more than half full up to this size, so probes stay short. */
const TABLE_MAX_SLOTS = 1 << 14;
/** Bounds the memory (to 1 MB of records and 8,192 short strings per table). */
const TABLE_MAX_ENTRIES = TABLE_MAX_SLOTS / 2;
const TABLE_MAX_PROBES = 16;
/**
 * Bytes per slot: the hash (4), the length (1), 3 unused, then the string's bytes, so a probe
 * reads one cache line.
 */
const RECORD_BYTES = 64;
const RECORD_DATA = 8;
/** Longer strings are never kept. */
const TABLE_MAX_LENGTH = RECORD_BYTES - RECORD_DATA;

/**
 * Interns short ASCII strings by their bytes: a repeated city or country code allocates nothing.
 * Bounded in entries, string length and probes per lookup, so hostile input can neither grow it
 * without bound nor make lookups slow. It starts small and grows, so a table of a few hot entries
 * stays in the CPU's cache. Only for fields with few distinct values: a lookup among thousands
 * of user ids misses the cache and costs more than making the string (measured).
 */
class ByteStringTable {
  private records = new Uint8Array(TABLE_MIN_SLOTS * RECORD_BYTES);
  /** The records' hashes: `hashes[slot * RECORD_BYTES / 4]`. */
  private hashes = new Int32Array(this.records.buffer);
  /** A slot's length 0 marks it empty (blank strings never get here). */
  private strings: string[] = new Array<string>(TABLE_MIN_SLOTS).fill('');
  private mask = TABLE_MIN_SLOTS - 1;
  private size = 0;

  /** @param canonical maps a new string to the object to keep (validate.ts's `intern`, or none) */
  constructor(private readonly canonical: ((s: string) => string) | null) {}

  /** The string of `buf[start..end)`, whose FNV-1a hash is `hash`. */
  get(buf: Buffer, start: number, end: number, hash: number): string {
    const length = end - start;
    if (length > TABLE_MAX_LENGTH) return this.fresh(buf, start, end);
    const records = this.records;
    const mask = this.mask;
    let slot = hash & mask;
    for (let probe = 0; probe < TABLE_MAX_PROBES; probe++) {
      const at = slot * RECORD_BYTES;
      const n = records[at + 4];
      if (n === 0) return this.insert(buf, start, end, hash, slot);
      if (n === length && this.hashes[at >> 2] === hash && sameBytes(records, at + RECORD_DATA, buf, start, length)) {
        return this.strings[slot];
      }
      slot = (slot + 1) & mask;
    }
    return this.fresh(buf, start, end);
  }

  private insert(buf: Buffer, start: number, end: number, hash: number, slot: number): string {
    const created = this.fresh(buf, start, end);
    if (this.size >= TABLE_MAX_ENTRIES) return created;
    const at = slot * RECORD_BYTES;
    this.hashes[at >> 2] = hash;
    this.records[at + 4] = end - start;
    this.records.set(buf.subarray(start, end), at + RECORD_DATA);
    this.strings[slot] = created;
    if (++this.size * 2 > this.mask + 1) this.grow();
    return created;
  }

  private grow(): void {
    const slots = (this.mask + 1) * 2;
    if (slots > TABLE_MAX_SLOTS) return;
    const oldRecords = this.records;
    const oldHashes = this.hashes;
    const oldStrings = this.strings;
    this.records = new Uint8Array(slots * RECORD_BYTES);
    this.hashes = new Int32Array(this.records.buffer);
    this.strings = new Array<string>(slots).fill('');
    this.mask = slots - 1;
    for (let k = 0; k < oldStrings.length; k++) {
      const from = k * RECORD_BYTES;
      if (oldRecords[from + 4] === 0) continue;
      // A free slot is always near: the new table is at most a quarter full.
      let slot = oldHashes[from >> 2] & this.mask;
      while (this.records[slot * RECORD_BYTES + 4] !== 0) slot = (slot + 1) & this.mask;
      this.records.set(oldRecords.subarray(from, from + RECORD_BYTES), slot * RECORD_BYTES);
      this.strings[slot] = oldStrings[k];
    }
  }

  private fresh(buf: Buffer, start: number, end: number): string {
    const s = latin1(buf, start, end);
    return this.canonical === null ? s : this.canonical(s);
  }
}

function sameBytes(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (a[aStart + k] !== b[bStart + k]) return false;
  return true;
}

/** Country and MCC codes. */
let codes: ByteStringTable | null = null;
/** Cities and merchant types: the same string objects `intern` gives the slow path. */
let places: ByteStringTable | null = null;

// ---------------------------------------------------------------------------------------------
// Numbers and other values
// ---------------------------------------------------------------------------------------------

/** 10^0 .. 10^22: every one an exact double. */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
  1e19, 1e20, 1e21, 1e22,
];

/** The value of the last number {@link scanAmount} read. */
let scannedNumber = 0;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Reads a non-negative JSON number at `i` (a minus sign gives -1: a negative amount is an error,
 * and -0 is left to the slow path). Returns the index after it, or -1 when it is not a JSON
 * number. Sets {@link scannedNumber} to the value JSON.parse gives: with no exponent and digits
 * m < 2^53 with k <= 22 of them after the point, the value is m / 10^k, one correctly rounded
 * division of two exact doubles, as JSON.parse's correctly rounded conversion; otherwise
 * `Number` of the (valid JSON, hence valid numeric literal) text, which is correctly rounded too.
 */
function scanAmount(buf: Buffer, i: number, end: number): number {
  const start = i;
  let m = 0;
  let exact = true;
  let k = 0;
  let c = buf[i];
  if (c === 48) {
    i++;
  } else if (c >= 49 && c <= 57) {
    m = c - 48;
    i++;
    while (i < end && isDigit((c = buf[i]))) {
      // m < 9e14 keeps m * 10 + 9 below 2^53, so m stays exact.
      if (m >= 9e14) exact = false;
      m = m * 10 + (c - 48);
      i++;
    }
  } else {
    return -1;
  }
  if (i < end && buf[i] === 46 /* . */) {
    i++;
    const first = i;
    while (i < end && isDigit((c = buf[i]))) {
      if (m >= 9e14) exact = false;
      m = m * 10 + (c - 48);
      k++;
      i++;
    }
    if (i === first) return -1;
  }
  if (i < end && (buf[i] | 0x20) === 101 /* e or E */) {
    i = scanExponent(buf, i + 1, end);
    if (i < 0) return -1;
    exact = false;
  }
  scannedNumber = exact && k <= 22 ? (k === 0 ? m : m / POW10[k]) : Number(latin1(buf, start, i));
  return i;
}

/** After the `e`: an optional sign and at least one digit. Returns the index after, or -1. */
function scanExponent(buf: Uint8Array, i: number, end: number): number {
  if (i < end && (buf[i] === 43 || buf[i] === 45)) i++;
  const first = i;
  while (i < end && isDigit(buf[i])) i++;
  return i === first ? -1 : i;
}

/** Checks the JSON number grammar at `i`; returns the index after the number, or -1. */
function skipNumber(buf: Uint8Array, i: number, end: number): number {
  if (buf[i] === 45 /* - */) i++;
  if (i >= end) return -1;
  const c = buf[i];
  if (c === 48) i++;
  else if (c >= 49 && c <= 57) while (i < end && isDigit(buf[i])) i++;
  else return -1;
  if (i < end && buf[i] === 46) {
    i++;
    const first = i;
    while (i < end && isDigit(buf[i])) i++;
    if (i === first) return -1;
  }
  if (i < end && (buf[i] | 0x20) === 101) return scanExponent(buf, i + 1, end);
  return i;
}

const TRUE = bytes('true');
const FALSE = bytes('false');
const NULL = bytes('null');

function bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/** Whether `buf[i..end)` starts with `word`. */
function startsWith(buf: Uint8Array, i: number, end: number, word: Uint8Array): boolean {
  if (end - i < word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word[k]) return false;
  return true;
}

/**
 * Checks the value of a field the contract ignores: a string, number, true, false or null.
 * Returns the index after it, or -1 (objects and arrays included: rare, left to JSON.parse).
 */
function skipValue(buf: Uint8Array, i: number, end: number): number {
  const c = buf[i];
  if (c === 34) {
    const close = scanString(buf, i + 1, end);
    return close < 0 ? -1 : close + 1;
  }
  if (c === 45 || isDigit(c)) return skipNumber(buf, i, end);
  if (c === 116) return startsWith(buf, i, end, TRUE) ? i + 4 : -1;
  if (c === 102) return startsWith(buf, i, end, FALSE) ? i + 5 : -1;
  if (c === 110) return startsWith(buf, i, end, NULL) ? i + 4 : -1;
  return -1;
}

/** JSON whitespace (what JSON.parse skips; not `trim()`'s wider set). */
function skipWhitespace(buf: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

// ---------------------------------------------------------------------------------------------
// Fields
// ---------------------------------------------------------------------------------------------

const F_TRANSACTION_ID = 1;
const F_USER_ID = 2;
const F_AMOUNT = 4;
const F_LOCATION = 8;
const F_TIMESTAMP = 16;
const F_MERCHANT_TYPE = 32;
const F_USER_NAME = 64;
const F_COUNTRY = 128;
const F_MCC_CODE = 256;
const REQUIRED = F_TRANSACTION_ID | F_USER_ID | F_AMOUNT | F_LOCATION | F_TIMESTAMP | F_MERCHANT_TYPE;
/** Fields capped by maxIdLength (the other strings by maxTextLength), as STRING_FIELD_LIMITS says. */
const ID_FIELDS = F_TRANSACTION_ID | F_USER_ID | F_MCC_CODE;
/** Fields with few distinct values, looked up in a {@link ByteStringTable}. */
const INTERNED = F_LOCATION | F_MERCHANT_TYPE | F_COUNTRY | F_MCC_CODE;

const K_TRANSACTION_ID = bytes('transaction_id');
const K_USER_ID = bytes('user_id');
const K_AMOUNT = bytes('amount');
const K_LOCATION = bytes('location');
const K_TIMESTAMP = bytes('timestamp');
const K_MERCHANT_TYPE = bytes('merchant_type');
const K_USER_NAME = bytes('user_name');
const K_COUNTRY = bytes('country');
const K_MCC_CODE = bytes('mcc_code');

/** The field of the last key {@link scanKey} read (0: not one the contract reads). */
let scannedField = 0;

/**
 * Reads a key whose body starts at `i` (after its opening quote). Returns the index of its
 * closing quote, or -1 (as {@link scanString}), and sets {@link scannedField}. The known names
 * are compared first, so a known key is read once; a key that does not match one is no known
 * field whatever its other bytes are.
 */
function scanKey(buf: Uint8Array, i: number, end: number): number {
  if (i < end) {
    switch (buf[i]) {
      case 116: // t
        if (isName(buf, i, end, K_TRANSACTION_ID)) return known(F_TRANSACTION_ID, i + K_TRANSACTION_ID.length);
        if (isName(buf, i, end, K_TIMESTAMP)) return known(F_TIMESTAMP, i + K_TIMESTAMP.length);
        break;
      case 117: // u
        if (isName(buf, i, end, K_USER_ID)) return known(F_USER_ID, i + K_USER_ID.length);
        if (isName(buf, i, end, K_USER_NAME)) return known(F_USER_NAME, i + K_USER_NAME.length);
        break;
      case 97: // a
        if (isName(buf, i, end, K_AMOUNT)) return known(F_AMOUNT, i + K_AMOUNT.length);
        break;
      case 108: // l
        if (isName(buf, i, end, K_LOCATION)) return known(F_LOCATION, i + K_LOCATION.length);
        break;
      case 109: // m
        if (isName(buf, i, end, K_MERCHANT_TYPE)) return known(F_MERCHANT_TYPE, i + K_MERCHANT_TYPE.length);
        if (isName(buf, i, end, K_MCC_CODE)) return known(F_MCC_CODE, i + K_MCC_CODE.length);
        break;
      case 99: // c
        if (isName(buf, i, end, K_COUNTRY)) return known(F_COUNTRY, i + K_COUNTRY.length);
        break;
    }
  }
  scannedField = 0;
  return scanString(buf, i, end);
}

function known(field: number, close: number): number {
  scannedField = field;
  return close;
}

/** Whether `buf` at `i` holds `name` and then the closing quote (the first byte is known to match). */
function isName(buf: Uint8Array, i: number, end: number, name: Uint8Array): boolean {
  const n = name.length;
  if (end - i <= n || buf[i + n] !== 34) return false;
  for (let k = 1; k < n; k++) if (buf[i + k] !== name[k]) return false;
  return true;
}


// Reused: the parts are copied into the result before the next call.
const parts: TimestampParts = { epochMs: 0, offsetMinutes: 0, localHour: 0, localMinute: 0, localDayOfWeek: 0 };

/**
 * The fast path alone: the transaction on `buf[start..end)` when the line is in the subset
 * described at the top and passes the contract's checks, otherwise null (the caller then takes
 * the slow path). Exported for tests.
 */
export function scanTransaction(buf: Buffer, start: number, end: number, maxId: number, maxText: number): ParsedTransaction | null {
  let i = skipWhitespace(buf, start, end);
  if (i >= end || buf[i] !== 123 /* { */) return null;
  i = skipWhitespace(buf, i + 1, end);
  let seen = 0;
  let amount = 0;
  // Where each string field's characters are, and their hash; an optional field that is absent
  // or null keeps start -1. Strings are made only once the whole line has passed.
  let idStart = 0, idEnd = 0;
  let tsStart = 0, tsEnd = 0;
  let userStart = 0, userEnd = 0;
  let locationStart = 0, locationEnd = 0, locationHash = 0;
  let merchantStart = 0, merchantEnd = 0, merchantHash = 0;
  let nameStart = -1, nameEnd = 0;
  let countryStart = -1, countryEnd = 0, countryHash = 0;
  let mccStart = -1, mccEnd = 0, mccHash = 0;
  for (;;) {
    // A key. `{}` and a trailing comma fail here: both are errors anyway.
    if (i >= end || buf[i] !== 34) return null;
    const keyEnd = scanKey(buf, i + 1, end);
    if (keyEnd < 0) return null;
    const field = scannedField;
    i = skipWhitespace(buf, keyEnd + 1, end);
    if (i >= end || buf[i] !== 58 /* : */) return null;
    i = skipWhitespace(buf, i + 1, end);
    if (i >= end) return null;
    if (field === 0) {
      i = skipValue(buf, i, end);
      if (i < 0) return null;
    } else {
      // JSON.parse keeps the last of duplicate keys; rare, left to it.
      if ((seen & field) !== 0) return null;
      seen |= field;
      if (field === F_AMOUNT) {
        i = scanAmount(buf, i, end);
        if (i < 0) return null;
        // Finite and >= 0 are the contract's checks (a minus sign never gets here).
        amount = scannedNumber;
        if (!Number.isFinite(amount)) return null;
      } else if (buf[i] === 34) {
        const from = i + 1;
        const to = (field & INTERNED) !== 0 ? scanHashedString(buf, from, end) : scanString(buf, from, end);
        if (to < 0) return null;
        const hash = scannedHash;
        i = to + 1;
        // The timestamp's grammar is checked on the string below (a valid one starts with a
        // digit, so it is not blank).
        if (field !== F_TIMESTAMP && !validString(buf, from, to, (field & ID_FIELDS) !== 0 ? maxId : maxText)) return null;
        switch (field) {
          case F_TRANSACTION_ID:
            idStart = from;
            idEnd = to;
            break;
          case F_TIMESTAMP:
            tsStart = from;
            tsEnd = to;
            break;
          case F_USER_ID:
            userStart = from;
            userEnd = to;
            break;
          case F_LOCATION:
            locationStart = from;
            locationEnd = to;
            locationHash = hash;
            break;
          case F_MERCHANT_TYPE:
            merchantStart = from;
            merchantEnd = to;
            merchantHash = hash;
            break;
          case F_USER_NAME:
            nameStart = from;
            nameEnd = to;
            break;
          case F_COUNTRY:
            countryStart = from;
            countryEnd = to;
            countryHash = hash;
            break;
          default:
            mccStart = from;
            mccEnd = to;
            mccHash = hash;
        }
      } else if (field === F_USER_NAME || field === F_COUNTRY || field === F_MCC_CODE) {
        // An optional field set to null counts as absent; any other non-string is an error.
        if (!startsWith(buf, i, end, NULL)) return null;
        i += 4;
      } else {
        return null;
      }
    }
    i = skipWhitespace(buf, i, end);
    if (i >= end) return null;
    const c = buf[i];
    if (c === 44 /* , */) {
      i = skipWhitespace(buf, i + 1, end);
    } else if (c === 125 /* } */) {
      break;
    } else {
      return null;
    }
  }
  if (skipWhitespace(buf, i + 1, end) !== end || (seen & REQUIRED) !== REQUIRED) return null;
  const timestamp = latin1(buf, tsStart, tsEnd);
  if (parseTimestampInto(timestamp, parts) !== undefined) return null;
  const codeTable = (codes ??= new ByteStringTable(null));
  const placeTable = (places ??= new ByteStringTable(intern));
  const transactionId = latin1(buf, idStart, idEnd);
  const userId = latin1(buf, userStart, userEnd);
  const location = placeTable.get(buf, locationStart, locationEnd, locationHash);
  const merchantType = placeTable.get(buf, merchantStart, merchantEnd, merchantHash);
  const userName = nameStart < 0 ? null : latin1(buf, nameStart, nameEnd);
  const country = countryStart < 0 ? null : codeTable.get(buf, countryStart, countryEnd, countryHash);
  const mcc = mccStart < 0 ? null : codeTable.get(buf, mccStart, mccEnd, mccHash);
  return parsedTransaction(transactionId, userId, amount, location, timestamp, merchantType, parts, userName, country, mcc);
}

/**
 * Whether the line `buf[start..end)` is blank as `line.trim() === ''` sees it after UTF-8
 * decoding: ASCII whitespace only, decided on the bytes unless a non-ASCII byte comes first.
 */
export function isBlankLine(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    if (c < 0x80) return false; // one non-whitespace character makes the line non-blank
    return buf.toString('utf8', start, end).trim() === '';
  }
  return true;
}
