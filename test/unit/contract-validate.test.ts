import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  createTransactionValidator,
  DEFAULT_CONTRACT_CONFIG,
  ErrorCode,
  errorResultJsonSchema,
  detectionResultJsonSchema,
  OPTIONAL_TRANSACTION_FIELDS,
  parseTimestamp,
  parseTransactionLine,
  REQUIRED_TRANSACTION_FIELDS,
  ROOT_FIELD,
  STRING_FIELD_LIMITS,
  TIMESTAMP_PATTERN,
  TRANSACTION_FIELDS,
  transactionJsonSchema,
  transactionSchema,
  buildTransactionJsonSchema,
  validateTransaction,
  validateTransactionWithSchema,
} from '../../src/core/contract';
import type { ErrorResult, ParsedTransaction, ValidationResult } from '../../src/core/contract';

const good = {
  transaction_id: 'txn_001',
  user_id: 'user_42',
  amount: 1250.5,
  location: 'Mumbai',
  timestamp: '2026-01-05T10:00:00Z',
  merchant_type: 'grocery',
};

function accepted(result: ValidationResult): ParsedTransaction {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function rejected(result: ValidationResult): ErrorResult {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe('validateTransaction accepts a good transaction', () => {
  it('returns the fields as given with the timestamp resolved in UTC for a Z timestamp', () => {
    const value = accepted(validateTransaction(good));
    expect(value).toEqual({
      ...good,
      epochMs: Date.UTC(2026, 0, 5, 10, 0, 0),
      offsetMinutes: 0,
      localHour: 10,
      localMinute: 0,
      localDayOfWeek: 1, // Monday
    });
  });

  it('reads the local hour and day in the timestamp own +05:30 offset, not in UTC', () => {
    // 03:10 on Tuesday in India is 21:40 on Monday in UTC.
    const value = accepted(validateTransaction({ ...good, timestamp: '2026-01-06T03:10:00+05:30' }));
    expect(value.localHour).toBe(3);
    expect(value.localMinute).toBe(10);
    expect(value.localDayOfWeek).toBe(2);
    expect(value.offsetMinutes).toBe(330);
    expect(value.epochMs).toBe(Date.UTC(2026, 0, 5, 21, 40, 0));
  });

  it('reads the local hour and day in a negative -08:00 offset', () => {
    // 23:30 on Sunday in California is 07:30 on Monday in UTC.
    const value = accepted(validateTransaction({ ...good, timestamp: '2026-01-04T23:30:00-08:00' }));
    expect(value.localHour).toBe(23);
    expect(value.localMinute).toBe(30);
    expect(value.localDayOfWeek).toBe(0);
    expect(value.offsetMinutes).toBe(-480);
    expect(value.epochMs).toBe(Date.UTC(2026, 0, 5, 7, 30, 0));
  });

  it('accepts the basic +HHMM offset form, omitted seconds and a fraction truncated to milliseconds', () => {
    const basic = accepted(validateTransaction({ ...good, timestamp: '2026-01-05T15:30:00+0530' }));
    expect(basic.offsetMinutes).toBe(330);
    expect(basic.epochMs).toBe(Date.UTC(2026, 0, 5, 10, 0, 0));
    const short = accepted(validateTransaction({ ...good, timestamp: '2026-01-05 10:00z' }));
    expect(short.epochMs).toBe(Date.UTC(2026, 0, 5, 10, 0, 0));
    const fraction = accepted(validateTransaction({ ...good, timestamp: '2026-01-05T10:00:00.123987Z' }));
    expect(fraction.epochMs).toBe(Date.UTC(2026, 0, 5, 10, 0, 0, 123));
  });

  it('accepts February 29 in a leap year and an amount of zero', () => {
    const value = accepted(validateTransaction({ ...good, amount: 0, timestamp: '2024-02-29T12:00:00Z' }));
    expect(value.localDayOfWeek).toBe(4); // Thursday
  });

  it('ignores unknown fields and does not copy them into the value', () => {
    const value = accepted(validateTransaction({ ...good, is_fraud: true, extra: { nested: 1 } }));
    expect(value).not.toHaveProperty('is_fraud');
    expect(value).not.toHaveProperty('extra');
  });

  it('keeps the optional fields when given and drops them when null', () => {
    const withAll = accepted(
      validateTransaction({ ...good, user_name: 'Asha', country: 'IN', mcc_code: '5411' }),
    );
    expect(withAll).toMatchObject({ user_name: 'Asha', country: 'IN', mcc_code: '5411' });
    const withNulls = accepted(validateTransaction({ ...good, user_name: null, country: null, mcc_code: null }));
    expect(withNulls).not.toHaveProperty('user_name');
    expect(withNulls).not.toHaveProperty('country');
    expect(withNulls).not.toHaveProperty('mcc_code');
  });
});

describe('validateTransaction rejects a bad transaction with the first bad field', () => {
  it('rejects {"transaction_id":"txn_001"} as MISSING_FIELD user_id and echoes the id', () => {
    const error = rejected(validateTransaction({ transaction_id: 'txn_001' }));
    expect(error).toEqual({
      transaction_id: 'txn_001',
      error: { code: ErrorCode.MISSING_FIELD, field: 'user_id', message: 'user_id is required but missing' },
    });
  });

  it('reports the first missing field in the documented order', () => {
    expect(rejected(validateTransaction({})).error.field).toBe('transaction_id');
    expect(rejected(validateTransaction({ transaction_id: 't', user_id: 'u' })).error.field).toBe('amount');
    const { merchant_type: _drop, ...noMerchant } = good;
    expect(rejected(validateTransaction(noMerchant)).error).toMatchObject({
      code: ErrorCode.MISSING_FIELD,
      field: 'merchant_type',
    });
  });

  it('reports the earliest field in the documented order when several fields are bad', () => {
    const error = rejected(
      validateTransaction({ ...good, merchant_type: '', timestamp: 'soon', amount: -1, location: 7 }),
    );
    expect(error.error.field).toBe('amount');
  });

  it('treats a required field set to undefined as missing and one set to null as the wrong type', () => {
    expect(rejected(validateTransaction({ ...good, location: undefined })).error.code).toBe(ErrorCode.MISSING_FIELD);
    expect(rejected(validateTransaction({ ...good, location: null })).error).toEqual({
      code: ErrorCode.WRONG_TYPE,
      field: 'location',
      message: 'location must be a string, got null',
    });
  });

  it('rejects a negative amount with a message that names the field and the value', () => {
    expect(rejected(validateTransaction({ ...good, amount: -100 }))).toEqual({
      transaction_id: 'txn_001',
      error: { code: ErrorCode.INVALID_VALUE, field: 'amount', message: 'amount must be >= 0, got -100' },
    });
  });

  it('rejects NaN and infinite amounts as INVALID_VALUE', () => {
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(rejected(validateTransaction({ ...good, amount })).error).toEqual({
        code: ErrorCode.INVALID_VALUE,
        field: 'amount',
        message: `amount must be a finite number, got ${String(amount)}`,
      });
    }
  });

  it('rejects an amount given as the string "100" as WRONG_TYPE', () => {
    expect(rejected(validateTransaction({ ...good, amount: '100' })).error).toEqual({
      code: ErrorCode.WRONG_TYPE,
      field: 'amount',
      message: 'amount must be a number, got string "100"',
    });
  });

  it('rejects a timestamp without a UTC offset', () => {
    const error = rejected(validateTransaction({ ...good, timestamp: '2026-01-05T10:00:00' })).error;
    expect(error.code).toBe(ErrorCode.INVALID_VALUE);
    expect(error.field).toBe('timestamp');
    expect(error.message).toMatch(/^timestamp has no UTC offset/);
  });

  it('rejects unparseable timestamps, including an hour-only offset and epoch numbers', () => {
    for (const timestamp of ['yesterday', '2026-01-05', '05/01/2026 10:00Z', '2026-01-05T10:00:00+05', '2026-01-05T10:00:00Z ']) {
      const error = rejected(validateTransaction({ ...good, timestamp })).error;
      expect(error).toMatchObject({ code: ErrorCode.INVALID_VALUE, field: 'timestamp' });
      expect(error.message).toMatch(/^timestamp must be an ISO 8601 date-time with a UTC offset/);
    }
    expect(rejected(validateTransaction({ ...good, timestamp: 1767607200000 })).error.code).toBe(ErrorCode.WRONG_TYPE);
  });

  it('rejects impossible calendar dates, hour 24 and leap seconds', () => {
    const cases: Array<[string, RegExp]> = [
      ['2026-02-30T10:00:00Z', /^timestamp day must be 01-28 for 2026-02, got 30/],
      ['2026-02-29T10:00:00Z', /^timestamp day must be 01-28/],
      ['2026-04-31T10:00:00Z', /^timestamp day must be 01-30/],
      ['2026-13-01T10:00:00Z', /^timestamp month must be 01-12, got 13/],
      ['2026-01-05T24:00:00Z', /^timestamp hour must be 00-23, got 24/],
      ['2026-01-05T10:60:00Z', /^timestamp minute must be 00-59/],
      ['2026-12-31T23:59:60Z', /^timestamp second must be 00-59/],
      ['2026-01-05T10:00:00+24:00', /^timestamp offset hours must be 00-23/],
    ];
    for (const [timestamp, message] of cases) {
      const error = rejected(validateTransaction({ ...good, timestamp })).error;
      expect(error.field).toBe('timestamp');
      expect(error.message).toMatch(message);
    }
  });

  it('rejects empty and whitespace-only strings naming the field', () => {
    for (const field of ['transaction_id', 'user_id', 'location', 'timestamp', 'merchant_type', 'country']) {
      for (const blank of ['', '   ', '\t\n']) {
        expect(rejected(validateTransaction({ ...good, [field]: blank })).error).toEqual({
          code: ErrorCode.INVALID_VALUE,
          field,
          message: `${field} must not be empty or only whitespace`,
        });
      }
    }
  });

  it('rejects over-long strings naming the field and the configured cap', () => {
    const longId = 'x'.repeat(DEFAULT_CONTRACT_CONFIG.maxIdLength + 1);
    expect(rejected(validateTransaction({ ...good, user_id: longId })).error).toEqual({
      code: ErrorCode.INVALID_VALUE,
      field: 'user_id',
      message: 'user_id must be at most 128 characters (maxIdLength), got 129',
    });
    const longCity = 'y'.repeat(257);
    expect(rejected(validateTransaction({ ...good, location: longCity })).error.message).toBe(
      'location must be at most 256 characters (maxTextLength), got 257',
    );
    expect(rejected(validateTransaction({ ...good, location: 'Pune' }, { maxTextLength: 3 })).error.message).toBe(
      'location must be at most 3 characters (maxTextLength), got 4',
    );
  });

  it('counts string length in code points, so 128 emoji fit in a 128-character id', () => {
    const emoji = '\u{1F4B3}'.repeat(128);
    expect(validateTransaction({ ...good, transaction_id: emoji }).ok).toBe(true);
    expect(validateTransaction({ ...good, transaction_id: emoji + 'x' }).ok).toBe(false);
  });

  it('rejects an optional field of the wrong type', () => {
    expect(rejected(validateTransaction({ ...good, mcc_code: 5411 })).error).toEqual({
      code: ErrorCode.WRONG_TYPE,
      field: 'mcc_code',
      message: 'mcc_code must be a string, got number 5411',
    });
  });

  it('does not echo a transaction_id that is itself invalid', () => {
    const error = rejected(validateTransaction({ ...good, transaction_id: '  ' }));
    expect(error).not.toHaveProperty('transaction_id');
    const otherwise = rejected(validateTransaction({ ...good, transaction_id: 42, amount: -1 }));
    expect(otherwise).not.toHaveProperty('transaction_id');
  });

  it('rejects null, arrays, numbers, strings and undefined as NOT_AN_OBJECT on the root field', () => {
    const inputs: Array<[unknown, string]> = [
      [null, 'null'],
      [[good], 'an array'],
      [42, 'number 42'],
      ['txn_001', 'string "txn_001"'],
      [undefined, 'undefined'],
    ];
    for (const [input, described] of inputs) {
      expect(rejected(validateTransaction(input))).toEqual({
        error: {
          code: ErrorCode.NOT_AN_OBJECT,
          field: ROOT_FIELD,
          message: `transaction must be a JSON object, got ${described}`,
        },
      });
    }
  });

  it('cuts long values short in messages', () => {
    const message = rejected(validateTransaction({ ...good, amount: 'z'.repeat(10_000) })).error.message;
    expect(message.length).toBeLessThan(120);
    expect(message).toContain('(10000 characters)');
  });

  it('throws a RangeError for a config limit that is not an integer >= 1', () => {
    expect(() => validateTransaction(good, { maxIdLength: 0 })).toThrow(RangeError);
    expect(() => createTransactionValidator({ maxTextLength: Number.NaN })).toThrow(/maxTextLength/);
  });
});

describe('parseTransactionLine', () => {
  it('parses and validates a JSONL line, tolerating a byte order mark and a trailing carriage return', () => {
    const line = `\uFEFF${JSON.stringify({ ...good, unknown: 1 })}\r`;
    expect(accepted(parseTransactionLine(line)).transaction_id).toBe('txn_001');
  });

  it('gives INVALID_JSON for a line that is not JSON', () => {
    const error = rejected(parseTransactionLine('{"transaction_id": "txn_001",'));
    expect(error.error.code).toBe(ErrorCode.INVALID_JSON);
    expect(error.error.field).toBe(ROOT_FIELD);
    expect(error.error.message).toMatch(/^line is not valid JSON: /);
    expect(rejected(parseTransactionLine('hello')).error.code).toBe(ErrorCode.INVALID_JSON);
  });

  it('gives INVALID_JSON for an empty line', () => {
    expect(rejected(parseTransactionLine('   ')).error).toEqual({
      code: ErrorCode.INVALID_JSON,
      field: ROOT_FIELD,
      message: 'line is empty, expected a JSON object',
    });
  });

  it('gives NOT_AN_OBJECT for JSON that is not an object and field errors for a bad object', () => {
    expect(rejected(parseTransactionLine('[1,2]')).error.code).toBe(ErrorCode.NOT_AN_OBJECT);
    expect(rejected(parseTransactionLine('{"transaction_id":"txn_001"}'))).toEqual({
      transaction_id: 'txn_001',
      error: { code: ErrorCode.MISSING_FIELD, field: 'user_id', message: 'user_id is required but missing' },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------------

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one (years >= 100, so no 19xx mapping).
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A valid timestamp with the numbers it was built from. */
const timestampArb = fc
  .record({
    year: fc.integer({ min: 1000, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.option(fc.integer({ min: 0, max: 59 }), { nil: undefined }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    sep: fc.constantFrom('T', 't', ' '),
    offset: fc.oneof(
      fc.constantFrom({ text: 'Z', minutes: 0 }, { text: 'z', minutes: 0 }),
      fc
        .record({
          sign: fc.constantFrom(1, -1),
          h: fc.integer({ min: 0, max: 23 }),
          m: fc.integer({ min: 0, max: 59 }),
          colon: fc.boolean(),
        })
        .map(({ sign, h, m, colon }) => ({
          text: `${sign < 0 ? '-' : '+'}${pad(h)}${colon ? ':' : ''}${pad(m)}`,
          minutes: sign * (h * 60 + m),
        })),
    ),
  })
  .map((t) => {
    const day = Math.min(t.day, daysInMonth(t.year, t.month));
    const secondsPart =
      t.second === undefined ? '' : `:${pad(t.second)}${t.fraction === undefined ? '' : `.${t.fraction}`}`;
    const text = `${pad(t.year, 4)}-${pad(t.month)}-${pad(day)}${t.sep}${pad(t.hour)}:${pad(t.minute)}${secondsPart}${t.offset.text}`;
    const millis = t.second === undefined || t.fraction === undefined ? 0 : Number(t.fraction.padEnd(3, '0').slice(0, 3));
    const localUtc = Date.UTC(t.year, t.month - 1, day, t.hour, t.minute, t.second ?? 0, millis);
    return {
      text,
      hour: t.hour,
      minute: t.minute,
      epochMs: localUtc - t.offset.minutes * 60_000,
      offsetMinutes: t.offset.minutes,
      dayOfWeek: new Date(localUtc).getUTCDay(),
    };
  });

const textArb = (max: number) =>
  fc.string({ minLength: 1, maxLength: max }).filter((s) => s.trim().length > 0 && [...s].length <= max);

/** A valid transaction (as generator fields) under the given limits, plus unknown noise fields. */
const validTransactionFor = (maxId: number, maxText: number) =>
  fc.record(
    {
      transaction_id: textArb(maxId),
      user_id: textArb(Math.min(maxId, 40)),
      amount: fc.double({ min: 0, max: 1e12, noNaN: true }),
      location: textArb(Math.min(maxText, 60)),
      ts: timestampArb,
      merchant_type: textArb(Math.min(maxText, 60)),
      user_name: fc.option(textArb(Math.min(maxText, 60)), { nil: undefined }),
      country: fc.option(textArb(Math.min(maxText, 60)), { nil: undefined }),
      mcc_code: fc.option(fc.stringMatching(/^[0-9]{4}$/), { nil: undefined }),
      noise: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    },
    { requiredKeys: ['transaction_id', 'user_id', 'amount', 'location', 'ts', 'merchant_type', 'noise'] },
  );

const validTransactionArb = validTransactionFor(DEFAULT_CONTRACT_CONFIG.maxIdLength, DEFAULT_CONTRACT_CONFIG.maxTextLength);

describe('validateTransaction properties', () => {
  it('accepts every valid generated transaction and reads the hour, minute and day from the string', () => {
    fc.assert(
      fc.property(validTransactionArb, ({ ts, noise, ...fields }) => {
        const input = { ...noise, ...fields, timestamp: ts.text };
        const value = accepted(validateTransaction(input));
        expect(value.localHour).toBe(Number(ts.text.slice(11, 13)));
        expect(value.localHour).toBe(ts.hour);
        expect(value.localMinute).toBe(ts.minute);
        expect(value.localDayOfWeek).toBe(ts.dayOfWeek);
        expect(value.offsetMinutes).toBe(ts.offsetMinutes);
        expect(value.epochMs).toBe(ts.epochMs);
        for (const key of Object.keys(value)) {
          expect([...TRANSACTION_FIELDS, 'epochMs', 'offsetMinutes', 'localHour', 'localMinute', 'localDayOfWeek']).toContain(key);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('gives exactly the same result as the valibot schema on arbitrary, mostly broken inputs', () => {
    const config = { maxIdLength: 6, maxTextLength: 10 };
    const fast = createTransactionValidator(config);
    const timestampMutation = fc
      .tuple(timestampArb, fc.nat(), fc.constantFrom('', '0', '9', '-', ':', 'T', 'Z', '+', '.', ' ', '3'), fc.boolean())
      .map(([t, at, ch, replace]) => {
        const i = at % (t.text.length + 1);
        return t.text.slice(0, i) + ch + t.text.slice(i + (replace ? 1 : 0));
      });
    const badValue = fc.oneof(
      fc.constantFrom('', ' ', '\u00a0', 'x'.repeat(7), 'é'.repeat(11), '\u{1F4B3}'.repeat(6), '100'),
      fc.constantFrom(null, undefined, 0, -0, -1, Number.NaN, Number.POSITIVE_INFINITY, true, [], {}),
      timestampMutation,
      textArb(12),
      fc.double(),
      fc.anything(),
    );
    // Mostly valid transactions with up to three fields replaced or deleted, so every field and
    // every check is reached; plus anything at all.
    const edited = fc
      .tuple(
        validTransactionFor(config.maxIdLength, config.maxTextLength),
        fc.array(fc.tuple(fc.constantFrom(...TRANSACTION_FIELDS, 'other'), fc.option(badValue, { nil: 'DELETE' as const })), {
          maxLength: 3,
        }),
      )
      .map(([{ ts, noise, ...fields }, edits]) => {
        const input: Record<string, unknown> = { ...noise, ...fields, timestamp: ts.text };
        for (const [field, value] of edits) {
          if (value === 'DELETE') delete input[field];
          else input[field] = value;
        }
        return input;
      });
    fc.assert(
      fc.property(fc.oneof({ weight: 8, arbitrary: edited }, fc.anything()), (input) => {
        expect(fast(input)).toEqual(validateTransactionWithSchema(input, config));
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts a timestamp only if it matches the JSON Schema pattern, which misses only calendar checks', () => {
    const pattern = new RegExp(TIMESTAMP_PATTERN);
    const mutated = fc
      .tuple(timestampArb, fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '0', '1', '2', '3', '5', '6', '9', '-', ':', 'T', 't', 'Z', '+', '.', ' ', 'x')), { maxLength: 3 }), fc.boolean())
      .map(([t, edits, replace]) =>
        edits.reduce((s, [at, ch]) => {
          const i = at % (s.length + 1);
          return s.slice(0, i) + ch + s.slice(i + (replace ? 1 : 0));
        }, t.text),
      );
    fc.assert(
      fc.property(mutated, (s) => {
        const parsed = parseTimestamp(s);
        const ok = !('error' in parsed);
        if (ok) expect(pattern.test(s)).toBe(true);
        else if (pattern.test(s)) expect(parsed.error).toMatch(/^timestamp day must be/);
      }),
      { numRuns: 5000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// JSON Schema consistency
// ---------------------------------------------------------------------------------------------

/** The `v.object` inside the transaction pipe: its entries are the validator's fields. */
function schemaEntries(): Record<string, { type: string }> {
  const objectSchema = transactionSchema.pipe.find((item) => item.type === 'object') as unknown as {
    entries: Record<string, { type: string }>;
  };
  return objectSchema.entries;
}

describe('transactionJsonSchema', () => {
  it('requires exactly the fields the validator requires, in the documented order', () => {
    const entries = schemaEntries();
    const requiredByValibot = Object.keys(entries).filter((key) => entries[key].type !== 'nullish');
    expect(transactionJsonSchema.required).toEqual([...REQUIRED_TRANSACTION_FIELDS]);
    expect(requiredByValibot).toEqual([...REQUIRED_TRANSACTION_FIELDS]);
    // And the validator really rejects each one when missing.
    for (const field of REQUIRED_TRANSACTION_FIELDS) {
      const { [field]: _drop, ...rest } = good;
      expect(rejected(validateTransaction(rest)).error).toMatchObject({ code: ErrorCode.MISSING_FIELD, field });
    }
  });

  it('describes the same properties as the valibot schema, with the configured maxLength', () => {
    const properties = transactionJsonSchema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(properties)).toEqual(Object.keys(schemaEntries()));
    expect(Object.keys(properties)).toEqual([...TRANSACTION_FIELDS]);
    for (const [field, limit] of Object.entries(STRING_FIELD_LIMITS)) {
      expect(properties[field].maxLength).toBe(DEFAULT_CONTRACT_CONFIG[limit]);
      expect(properties[field].pattern).toBe('\\S');
    }
    for (const field of OPTIONAL_TRANSACTION_FIELDS) expect(properties[field].type).toEqual(['string', 'null']);
    expect(properties.amount).toMatchObject({ type: 'number', minimum: 0 });
    expect(properties.timestamp.pattern).toBe(TIMESTAMP_PATTERN);
    const custom = buildTransactionJsonSchema({ maxIdLength: 16 }).properties as Record<string, Record<string, unknown>>;
    expect(custom.user_id.maxLength).toBe(16);
    expect(custom.location.maxLength).toBe(DEFAULT_CONTRACT_CONFIG.maxTextLength);
  });

  it('is draft 2020-12, frozen and JSON-serialisable, as are the result schemas', () => {
    for (const schema of [transactionJsonSchema, detectionResultJsonSchema, errorResultJsonSchema]) {
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(Object.isFrozen(schema)).toBe(true);
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    }
    expect(errorResultJsonSchema.required).toEqual(['error']);
    expect((detectionResultJsonSchema.required as string[]).length).toBe(10);
  });
});
