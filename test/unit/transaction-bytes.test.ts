import { collectingStream, referenceScoreOutput } from '../helpers/score-reference';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineBufferBatches, readLineBatches, readLineBufferBatches } from '../../src/cli/jsonl';
import { main } from '../../src/cli/main';
import {
  createTransactionBytesParser,
  isBlankLine,
  parseTransactionBytes,
  scanTransaction,
} from '../../src/cli/transaction-bytes';
import { DEFAULT_CONTRACT_CONFIG, parseTransactionLine } from '../../src/core/contract/validate';
import type { ContractConfig, ValidationResult } from '../../src/core/contract/validate';
import { simulateStream } from '../../src/core/simulator';
import { DEFAULT_MODEL_PATH } from '../helpers/model';

const dir = mkdtempSync(join(tmpdir(), 'txn-bytes-'));

/** Every key, in order, of every nested object: JSON.stringify and toEqual do not see key order. */
function keyOrder(x: unknown): string[] {
  if (x === null || typeof x !== 'object') return [];
  return Object.entries(x).flatMap(([k, v]) => [k, ...keyOrder(v).map((s) => `${k}.${s}`)]);
}

function expectSame(actual: ValidationResult, expected: ValidationResult): void {
  expect(actual).toEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
  expect(keyOrder(actual)).toEqual(keyOrder(expected));
  if (actual.ok && expected.ok) expect(Object.is(actual.value.amount, expected.value.amount)).toBe(true);
}

/**
 * Checks parseTransactionBytes against parseTransactionLine on the decoded line, with the line
 * inside a larger buffer (bytes that would continue a string or a number on both sides, so
 * reading past either end shows). Returns whether the fast path alone took the line.
 */
function check(line: string | Buffer, config?: Partial<ContractConfig>): boolean {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const expected = parseTransactionLine(bytes.toString('utf8'), config);
  const limits = { ...DEFAULT_CONTRACT_CONFIG, ...config };
  let tookFast = false;
  for (const [prefix, suffix] of [['{"a":"1', '1"x}\n9'], ['', '":1}'], ['x', '0,"amount":1}']]) {
    const buf = Buffer.concat([Buffer.from(prefix), bytes, Buffer.from(suffix)]);
    const start = prefix.length;
    const end = start + bytes.length;
    expectSame(parseTransactionBytes(buf, start, end, config), expected);
    expectSame(createTransactionBytesParser(config)(buf, start, end), expected);
    const fast = scanTransaction(buf, start, end, limits.maxIdLength, limits.maxTextLength);
    // The fast path only ever produces successes, and only the slow path's.
    if (fast !== null) expectSame({ ok: true, value: fast }, expected);
    tookFast = fast !== null;
  }
  return tookFast;
}

const simulated = [...simulateStream({ n: 3000, seed: 11, users: 120, anomalyRate: 0.05 })].map((t) => JSON.stringify(t));

const base = {
  transaction_id: 'txn_1',
  user_id: 'user_1',
  user_name: 'Asha Rao',
  amount: 1731.21,
  location: 'Mumbai',
  timestamp: '2026-01-05T10:00:00+05:30',
  merchant_type: 'grocery',
  country: 'IN',
  mcc_code: '5411',
};
const good = JSON.stringify(base);
/** `good` with the text of one field's value replaced (the raw JSON text, not a JS value). */
const withRaw = (field: keyof typeof base, raw: string): string =>
  good.replace(`"${field}":${JSON.stringify(base[field])}`, `"${field}":${raw}`);

describe('parseTransactionBytes', () => {
  it('takes simulated lines on the fast path, with the results of parseTransactionLine', () => {
    for (const line of simulated) expect(check(line)).toBe(true);
    // Without labels, without optional fields, optional fields null, other key orders.
    for (const t of simulateStream({ n: 200, seed: 3, labels: false })) {
      expect(check(JSON.stringify(t))).toBe(true);
      const { user_name: _n, country: _c, mcc_code: _m, ...required } = t;
      expect(check(JSON.stringify(required))).toBe(true);
      expect(check(JSON.stringify({ ...t, user_name: null, mcc_code: null }))).toBe(true);
      expect(check(JSON.stringify({ ...t, country: null }))).toBe(true);
      expect(check(JSON.stringify(Object.fromEntries(Object.entries(t).reverse())))).toBe(true);
    }
  });

  it('agrees on whitespace, unknown fields and numbers', () => {
    const fastLines = [
      ` \t{ "transaction_id" : "t" ,"user_id":"u", "amount" : 0 , "location":"L","timestamp":"2026-01-05T10:00:00Z","merchant_type":"m" } \r`,
      withRaw('amount', '1.0'),
      withRaw('amount', '0.1'),
      withRaw('amount', '0'),
      withRaw('amount', '0.000'),
      withRaw('amount', '1e2'),
      withRaw('amount', '1E-7'),
      withRaw('amount', '2.5e+3'),
      withRaw('amount', '1e-400'),
      withRaw('amount', '123456789012345678'),
      withRaw('amount', '9007199254740993'),
      withRaw('amount', '0.1000000000000000055511151231257827'),
      withRaw('amount', '0.0000000000000000000000001'),
      withRaw('amount', '899999999999999.9'),
      withRaw('amount', '1797.6931348623157e305'),
      good.replace('{', '{"n":-0.5e-3,"t":true,"f":false,"z":null,"s":"x","e":"","n":0,'),
      good.replace('}', ',"extra":"a","extra":"b"}'),
      ...['-0', '-1.5e-3', '0.0e0', '1E+9', '10', '-123.456E-07'].map((n) => good.replace('}', `,"n":${n}}`)),
      good.replace('}', ',"__proto__":1}'),
      good.replace('"Mumbai"', '"  Mumbai \x7f"'),
      good.replace('"txn_1"', `"${'x'.repeat(128)}"`),
      good.replace('+05:30', '+0530'),
    ];
    for (const line of fastLines) expect(check(line), line).toBe(true);
    const slowLines = [
      withRaw('amount', '-0'),
      withRaw('amount', '-1'),
      withRaw('amount', '01'),
      withRaw('amount', '1.'),
      withRaw('amount', '.5'),
      withRaw('amount', '1e'),
      withRaw('amount', '1e+'),
      withRaw('amount', '+1'),
      withRaw('amount', '1e400'),
      withRaw('amount', '-1e400'),
      withRaw('amount', 'NaN'),
      withRaw('amount', 'Infinity'),
      withRaw('amount', '0x10'),
      withRaw('amount', '"100"'),
      withRaw('amount', 'null'),
      withRaw('amount', 'true'),
      withRaw('amount', '[1]'),
      withRaw('amount', '{"v":1}'),
      good.replace('}', ',"nested":{"a":[1,2]}}'),
      good.replace('}', ',"list":[]}'),
      ...['-', '--1', '+1', '01', '-01', '00', '1.', '.5', '1.e5', '1e', '1E+', '1e-', '0x1', 'Infinity', '-Infinity', 'NaN', '1_0', "'a'"].map((n) => good.replace('}', `,"n":${n}}`)),
      good.replace('}', ',"n":tru}'),
      good.replace('}', ',"n":nul}'),
      good.replace('}', ',"n":nullx}'),
      good.replace('}', ',}'),
      good.replace('}', '}}'),
      good.replace('}', '} x'),
      good.replace('}', '}\v'),
      good.replace('}', '}\u00a0'),
      `\ufeff${good}`,
      `\u00a0${good}`,
      good.replace('{', '['),
      `[${good}]`,
      '{}',
      '{',
      '',
      '   ',
      '"txn"',
      '42',
      'null',
      good.slice(0, -1),
      good.slice(0, 40),
      good.replace(',"user_id"', '"user_id"'),
      good.replace('"user_id":', '"user_id"'),
      good.replace('"amount":', '"amount"::'),
      good.replace('"user_id"', '"user_id'),
      good.replace('"Mumbai"', '"Mum\\"bai"'),
      good.replace('"Mumbai"', '"Mum\\u0062ai"'),
      good.replace('"Mumbai"', '"Z\u00fcrich"'),
      good.replace('"Mumbai"', '"Zu\\u00e9rich"'),
      good.replace('"Asha Rao"', '"Asha 😀"'),
      good.replace('"Mumbai"', '"Mum\tbai"'),
      good.replace('"Mumbai"', '"Mum\x01bai"'),
      good.replace('"Mumbai"', '""'),
      good.replace('"Mumbai"', '"   "'),
      good.replace('"Mumbai"', `"${'x'.repeat(257)}"`),
      good.replace('"txn_1"', `"${'x'.repeat(129)}"`),
      good.replace('"5411"', `"${'9'.repeat(129)}"`),
      good.replace('"txn_1"', '"  "'),
      good.replace('"txn_1"', '7'),
      good.replace('"txn_1"', 'null'),
      good.replace('"IN"', '7'),
      good.replace('"IN"', '""'),
      good.replace('"IN"', '"\\n"'),
      good.replace('"transaction_id"', '"transaction\\u005fid"'),
      good.replace('"transaction_id"', '"transaction_id\u00e9"'),
      good.replace('"transaction_id":"txn_1",', ''),
      good.replace('"amount":1731.21,', ''),
      good.replace('"timestamp":"2026-01-05T10:00:00+05:30",', ''),
      good.replace('+05:30', ''),
      good.replace('+05:30', '+05'),
      good.replace('+05:30', '+24:00'),
      good.replace('2026-01-05', '2026-02-30'),
      good.replace('T10:00:00', 't10:00:00.1234567891'),
      good.replace('"2026-01-05T10:00:00+05:30"', '"   "'),
      good.replace('"2026-01-05T10:00:00+05:30"', '"2026"'),
      good.replace('}', ',"amount":2}'),
      good.replace('}', ',"location":"Delhi"}'),
      good.replace('}', ',"mcc_code":null}'),
      good.replace('}', ',"user_name":"X"}'),
      good.replace('"amount":1731.21', '"amount":-5,"amount":5'),
      good.replace('"location":"Mumbai"', '"location":7,"location":"Pune"'),
      '{"transaction_id":"t","user_id":"u"}',
      '{"transaction_id":"t","amount":1',
    ];
    for (const line of slowLines) expect(check(line), line).toBe(false);
    // The JSON line terminators inside a value and CR LF at the end.
    expect(check(`${good}\r`)).toBe(true);
    expect(check(`${good}\r\n`)).toBe(true);
    expect(check(good.replace('"Mumbai"', '"Mum\u2028bai"'))).toBe(false);
  });

  it('agrees under other limits, and throws for bad ones as parseTransactionLine does', () => {
    for (const config of [{ maxIdLength: 5 }, { maxTextLength: 6 }, { maxIdLength: 1, maxTextLength: 1 }, {}]) {
      for (const line of [good, simulated[0], simulated[1], withRaw('amount', '-1')]) check(line, config);
    }
    expect(check(good.replace('"txn_1"', '"txn_1x"'), { maxIdLength: 6 })).toBe(true);
    expect(check(good.replace('"txn_1"', '"txn_1xy"'), { maxIdLength: 6 })).toBe(false);
    expect(check(good, { maxTextLength: 8 })).toBe(true);
    const buf = Buffer.from(good);
    for (const bad of [{ maxIdLength: 0 }, { maxTextLength: 1.5 }]) {
      expect(() => parseTransactionLine(good, bad)).toThrow(RangeError);
      expect(() => parseTransactionBytes(buf, 0, buf.length, bad)).toThrow(RangeError);
      expect(() => createTransactionBytesParser(bad)).toThrow(RangeError);
      // A line that is not JSON is rejected before the limits are looked at, by both.
      const notJson = Buffer.from('{oops');
      expect(parseTransactionBytes(notJson, 0, notJson.length, bad)).toEqual(parseTransactionLine('{oops', bad));
    }
  });

  it('agrees on simulated lines with random bytes deleted, inserted or replaced', () => {
    // Bytes that matter to the grammar, the contract and UTF-8, and some plain ones.
    const alphabet = [...'{}[]",:\\ \t\r\n0123456789.eE+-tfnulrsaxZT'].map((c) => c.charCodeAt(0));
    const byte = fc.oneof(fc.constantFrom(...alphabet, 0x00, 0x1f, 0x7f, 0x80, 0xc3, 0xa9, 0xef, 0xbb, 0xbf, 0xff), fc.integer({ min: 0, max: 255 }));
    const edit = fc.record({ kind: fc.constantFrom('delete', 'insert', 'replace'), at: fc.nat(), byte });
    fc.assert(
      fc.property(fc.nat(simulated.length - 1), fc.array(edit, { minLength: 1, maxLength: 4 }), (k, edits) => {
        const bytes = [...Buffer.from(simulated[k])];
        for (const e of edits) {
          const at = e.at % (bytes.length + 1);
          if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
          else if (at < bytes.length) bytes.splice(at, 1, ...(e.kind === 'replace' ? [e.byte] : []));
        }
        check(Buffer.from(bytes));
      }),
      { seed: 42, numRuns: 10_000 },
    );
  });

  it('agrees on amounts, timestamps and strings drawn at random', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    const numberText = fc.oneof(
      fc.double({ noNaN: true }).map((x) => String(x)),
      fc.string({ unit: fc.constantFrom(...'0123456789.eE+-'), maxLength: 8 }),
      fc.tuple(fc.constantFrom('', '-'), digits(1, 20), fc.option(digits(0, 25)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(0, 4)))).map(
        ([sign, int, frac, exp]) => `${sign}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`,
      ),
    );
    fc.assert(
      fc.property(numberText, (text) => {
        check(withRaw('amount', text));
        check(good.replace('}', `,"n":${text}}`));
      }),
      { seed: 42, numRuns: 5000 },
    );
    const timestamp = fc.tuple(
      fc.date({ min: new Date(-62_000_000_000_000), max: new Date(250_000_000_000_000), noInvalidDate: true }),
      fc.constantFrom('T', 't', ' ', 'X'),
      fc.constantFrom('', ':07', ':60', ':07.1', ':07.123456789', ':07.1234567890', ':07.'),
      fc.constantFrom('Z', 'z', '+05:30', '-0800', '+05', '+2400', '-00:60', '', 'Z ', '+05:30x'),
    ).map(([d, sep, sec, off]) => `${d.toISOString().slice(0, 10)}${sep}${d.toISOString().slice(11, 16)}${sec}${off}`);
    fc.assert(
      fc.property(timestamp, (ts) => {
        check(withRaw('timestamp', JSON.stringify(ts)));
      }),
      { seed: 42, numRuns: 3000 },
    );
    const text = fc.oneof(
      fc.string({ maxLength: 140 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.string({ unit: fc.constantFrom(' ', '\t', 'a', '\u00a0', '\x7f', '\ufeff'), maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.constantFrom<keyof typeof base>('transaction_id', 'user_id', 'location', 'merchant_type', 'user_name', 'country', 'mcc_code'), text, (field, s) => {
        check(withRaw(field, JSON.stringify(s)));
      }),
      { seed: 42, numRuns: 5000 },
    );
  });

  it('hands out the same strings for repeated values, and new ones past the table limits', () => {
    // Many distinct cities: the tables fill up and stop growing; results stay the same.
    let fast = 0;
    let differ = 0;
    for (let i = 0; i < 10_000; i++) {
      const line = good.replace('"Mumbai"', `"City ${i}"`).replace('"IN"', `"C${i % 9000}"`);
      const buf = Buffer.from(line);
      if (scanTransaction(buf, 0, buf.length, 128, 256) !== null) fast++;
      if (JSON.stringify(parseTransactionBytes(buf, 0, buf.length)) !== JSON.stringify(parseTransactionLine(line))) differ++;
    }
    expect([fast, differ]).toEqual([10_000, 0]);
    expect(check(good.replace('"Mumbai"', `"${'long city '.repeat(7)}"`))).toBe(true);
    expect(check(good)).toBe(true);
  });
});

describe('isBlankLine', () => {
  it("is line.trim() === '' on the decoded bytes", () => {
    const chars = [' ', '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1f', '\x85', '\u00a0', '\u1680', '\u2000', '\u2028', '\u202f', '\u3000', '\ufeff', 'x', '{', '\u00e9'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 6 }), (cs) => {
        const line = cs.join('');
        const buf = Buffer.concat([Buffer.from('x'), Buffer.from(line), Buffer.from('x')]);
        expect(isBlankLine(buf, 1, buf.length - 1)).toBe(line.trim() === '');
      }),
      { seed: 42, numRuns: 3000 },
    );
  });
});

/** The lines readLineBatches promises: split at \n, one trailing \r dropped, no empty last line. */
function expectedLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function* chunksOf(bytes: Buffer, cuts: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(at, cut);
    at = cut;
  }
  yield bytes.subarray(at);
}

async function linesOf(batches: AsyncIterable<{ buf: Buffer; starts: Int32Array; ends: Int32Array; count: number }>): Promise<string[]> {
  const out: string[] = [];
  for await (const { buf, starts, ends, count } of batches) {
    for (let j = 0; j < count; j++) out.push(buf.toString('utf8', starts[j], ends[j]));
  }
  return out;
}

describe('lineBufferBatches', () => {
  it('gives the lines of readLineBatches wherever the chunks end', async () => {
    const texts = ['', '\n', '\n\n', '\r', '\r\n', 'a', 'a\r', 'a\r\r', 'a\n', 'a\r\nb', 'a\r\nb\r\n', 'é\n\u00e9😀\r\n\r\nxyz', '\r\r\n\n\r', 'ab\ncd\nef'];
    for (const text of texts) {
      const bytes = Buffer.from(text);
      // Every single cut and every pair of cuts (empty chunks included).
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) expect(await linesOf(lineBufferBatches(chunksOf(bytes, [i, j])))).toEqual(expectedLines(text));
      }
    }
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('a', 'bc', '\n', '\r', '\r\n', 'é', '{"x":1}'), { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 8 }), async (parts, cuts) => {
        const bytes = Buffer.from(parts.join(''));
        const lines = await linesOf(lineBufferBatches(chunksOf(bytes, cuts.map((c) => c % (bytes.length + 1)))));
        expect(lines).toEqual(expectedLines(parts.join('')));
      }),
      { seed: 42, numRuns: 2000 },
    );
  });

  it('joins a line that spans many chunks once, and reads files as readLineBatches does', async () => {
    const long = 'y'.repeat(10_000);
    const bytes = Buffer.from(`a\n${long}\r\nb`);
    const cuts = Array.from({ length: 100 }, (_, i) => 1 + i * 101);
    expect(await linesOf(lineBufferBatches(chunksOf(bytes, cuts)))).toEqual(['a', long, 'b']);

    const parts: string[] = [];
    for (let i = 0; i < 40_000; i++) parts.push(`{"i":${i},"city":"${i % 3 === 0 ? 'Zürich 😀' : 'Pune'}"}${'x'.repeat(i % 50)}${i % 5 === 0 ? '\r\n' : '\n'}`);
    parts.push('₹'.repeat(700_000), '\nlast line without newline\r');
    const path = join(dir, 'chunks.jsonl');
    writeFileSync(path, parts.join(''));
    const reference: string[] = [];
    for await (const batch of readLineBatches(path)) reference.push(...batch);
    expect(await linesOf(readLineBufferBatches(path))).toEqual(reference);
    // Read into a buffer smaller than the lines and the file, the same lines (it grows, and the
    // unfinished line moves to its front before every read).
    for (const chunkBytes of [1, 7, 4096]) expect(await linesOf(readLineBufferBatches(path, chunkBytes))).toEqual(reference);
    for (const text of ['a\r\n\r\nb\r', '\n\n', 'x', '\r', 'ab\r\ncd\n']) {
      writeFileSync(path, text);
      for (const chunkBytes of [1, 2, 3, 64]) expect(await linesOf(readLineBufferBatches(path, chunkBytes))).toEqual(expectedLines(text));
    }
    writeFileSync(path, '');
    expect(await linesOf(readLineBufferBatches(path))).toEqual([]);
  });
});

describe('txn-anomaly score over raw bytes', () => {
  it('writes what parseTransactionLine and the detector give for good, bad, blank and non-ASCII lines', async () => {
    const lines: string[] = [];
    let k = 0;
    for (const t of simulateStream({ n: 4000, seed: 9, users: 80, anomalyRate: 0.05 })) {
      const line = JSON.stringify(t);
      switch (k++ % 40) {
        case 1: lines.push(JSON.stringify({ ...t, location: 'Zürich' })); break;
        case 2: lines.push(JSON.stringify({ ...t, user_name: 'Ananya 😀' })); break;
        case 3: lines.push(`${line}\r`); break;
        case 4: lines.push(`\ufeff${line}`); break;
        case 5: lines.push('   \t'); break;
        case 6: lines.push('\u00a0\u2028'); break;
        case 7: lines.push(''); break;
        case 8: lines.push(line.slice(0, 50)); break;
        case 9: lines.push(JSON.stringify({ ...t, amount: -t.amount })); break;
        case 10: lines.push(`  ${line.replace(/,/g, ' , ')}  `); break;
        case 11: lines.push(JSON.stringify({ ...t, timestamp: t.timestamp.slice(0, 19) })); break;
        case 12: lines.push(line.replace('"amount":', '"amount":1,"amount":')); break;
        case 13: lines.push('\u00e9'); break;
        default: lines.push(line);
      }
    }
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);

    const { out, bytes } = collectingStream();
    expect(await main(['score', '--model', DEFAULT_MODEL_PATH, '--in', path, '--explain', 'all'], out)).toBe(0);

    const expected = referenceScoreOutput(lines.filter((l) => l.trim() !== ''), 'all');
    expect(bytes().toString('utf8')).toBe(expected);
  });
});
