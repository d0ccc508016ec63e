/**
 * JSON lines of detection results straight into UTF-8 bytes, byte for byte what
 * `JSON.stringify` and a UTF-8 encoder give, for the batch scorer: the result's shape is known,
 * so there is no property walk; its strings (ids, enumerations, reason details) mostly need no
 * escaping, which the copy itself checks; and there is no intermediate string to concatenate,
 * flatten and encode again.
 */
import { hasResultShape } from './result-shape';
import type { DetectionResult, ErrorResult } from './types';

/** Writes the UTF-8 bytes of a well-formed string (surrogates only in pairs); returns the end. */
function writeUtf8(s: string, out: Uint8Array, o: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) out[o++] = c;
    else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const p = ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00) + 0x10000;
      out[o++] = 0xf0 | (p >> 18);
      out[o++] = 0x80 | ((p >> 12) & 0x3f);
      out[o++] = 0x80 | ((p >> 6) & 0x3f);
      out[o++] = 0x80 | (p & 0x3f);
    } else {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

/** Writes ASCII text (keys, punctuation, number digits); returns the end. */
function writeAscii(s: string, out: Uint8Array, o: number): number {
  for (let i = 0; i < s.length; i++) out[o++] = s.charCodeAt(i);
  return o;
}

/** Writes the UTF-8 bytes of `JSON.stringify(s)`; returns the end. */
function writeJsonString(s: string, out: Uint8Array, start: number): number {
  let o = start;
  out[o++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c < 0x20 || c === 0x22 || c === 0x5c) return writeUtf8(JSON.stringify(s), out, start);
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // JSON.stringify escapes lone surrogates; pairs and escapes are rare enough to hand over.
      return writeUtf8(JSON.stringify(s), out, start);
    } else {
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  out[o++] = 0x22;
  return o;
}

function writeJsonNumber(n: number, out: Uint8Array, o: number): number {
  // JSON.stringify's text of the number (the same digits as String(n); "null" when not finite).
  // String(n) goes through V8's number-to-string cache, whose strings outlived young collections
  // (a heap profile showed 80 bytes a result promoted); `score` was 5-7% slower with it, side by side.
  return writeAscii(JSON.stringify(n), out, o);
}

function writeJsonStrings(a: readonly string[], out: Uint8Array, o: number): number {
  out[o++] = 0x5b;
  for (let i = 0; i < a.length; i++) {
    if (i > 0) out[o++] = 0x2c;
    o = writeJsonString(a[i], out, o);
  }
  out[o++] = 0x5d;
  return o;
}

function writeBytes(bytes: Uint8Array, out: Uint8Array, o: number): number {
  // (TypedArray#set copies in one move: three times faster than a loop for a 40-byte segment.)
  out.set(bytes, o);
  return o + bytes.length;
}

/**
 * A few values repeat in every result (the risk level, the recommendation, the model version):
 * each one's bytes together with the keys around it, encoded once. Bounded: values beyond the
 * first few dozen are encoded each time.
 */
type Segments = Map<string, Uint8Array>;
const levelSegments: Segments = new Map();
const recommendationSegments: Segments = new Map();
const versionSegments: Segments = new Map();
/** The model version with the end of the line, for results without an explanation. */
const closingSegments: Segments = new Map();
const MAX_SEGMENTS = 32;

function segment(cache: Segments, before: string, value: string, after: string): Uint8Array {
  const known = cache.get(value);
  if (known !== undefined) return known;
  const room = new Uint8Array(before.length + 2 + value.length * MAX_BYTES_PER_UNIT + after.length);
  let o = writeAscii(before, room, 0);
  o = writeJsonString(value, room, o);
  o = writeAscii(after, room, o);
  const bytes = room.subarray(0, o);
  if (cache.size < MAX_SEGMENTS) cache.set(value, bytes);
  return bytes;
}

/**
 * The bytes from the risk level to the model score's key of a result without reason codes and
 * details (most results): one segment per risk level and recommendation. The last pair asked
 * for is kept at hand: results come in long runs of the same pair.
 */
const quietSegments = new Map<string, Segments>();
let lastLevel = '';
let lastRecommendation = '';
let lastQuiet: Uint8Array | undefined;

function quietSegment(level: string, recommendation: string): Uint8Array {
  if (lastQuiet !== undefined && level === lastLevel && recommendation === lastRecommendation) return lastQuiet;
  let byRecommendation = quietSegments.get(level);
  if (byRecommendation === undefined) {
    byRecommendation = new Map();
    if (quietSegments.size < MAX_SEGMENTS) quietSegments.set(level, byRecommendation);
  }
  let bytes = byRecommendation.get(recommendation);
  if (bytes === undefined) {
    const room = new Uint8Array(96 + (level.length + recommendation.length) * MAX_BYTES_PER_UNIT);
    let o = writeAscii(',"risk_level":', room, 0);
    o = writeJsonString(level, room, o);
    o = writeAscii(',"reason_codes":[],"recommendation":', room, o);
    o = writeJsonString(recommendation, room, o);
    o = writeAscii(',"reason_details":[],"model_score":', room, o);
    bytes = room.subarray(0, o);
    if (byRecommendation.size < MAX_SEGMENTS) byRecommendation.set(recommendation, bytes);
  }
  lastLevel = level;
  lastRecommendation = recommendation;
  lastQuiet = bytes;
  return bytes;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OPEN = ascii('{"transaction_id":');
const USER_ID = ascii(',"user_id":');
const RISK_SCORE = ascii(',"risk_score":');
const DECISION_FUNCTION = ascii(',"decision_function":');

// Bytes a string can take in JSON: a UTF-16 unit escaped as \\uXXXX is six.
const MAX_BYTES_PER_UNIT = 6;
// Keys, punctuation and the three numbers (at most 24 characters each) of a result.
const RESULT_FIXED_BYTES = 512;

function stringsBound(a: readonly string[]): number {
  let n = 2 + a.length * 3;
  for (let i = 0; i < a.length; i++) n += a[i].length * MAX_BYTES_PER_UNIT;
  return n;
}

/**
 * Writes the UTF-8 bytes of `JSON.stringify(outcome)` followed by a newline into `out` at
 * `offset` and returns the offset after them, or -1 (having written nothing that matters) when
 * they might not fit; give it more room then.
 */
export function encodeOutcomeInto(outcome: DetectionResult | ErrorResult, out: Uint8Array, offset: number): number {
  const room = out.length - offset;
  if ('error' in outcome || !hasResultShape(outcome)) {
    // (String(): what a template literal made of JSON.stringify's undefined, for a toJSON that returns it.)
    const text = String(JSON.stringify(outcome));
    // Well-formed JSON text: at most three bytes per UTF-16 unit.
    if (text.length * 3 + 1 > room) return -1;
    const o = writeUtf8(text, out, offset);
    out[o] = 0x0a;
    return o + 1;
  }
  const r = outcome;
  const explanation = r.explanation === undefined ? undefined : JSON.stringify(r.explanation);
  const bound =
    RESULT_FIXED_BYTES +
    (r.transaction_id.length + r.user_id.length + r.risk_level.length + r.recommendation.length + r.model_version.length) * MAX_BYTES_PER_UNIT +
    stringsBound(r.reason_codes) +
    stringsBound(r.reason_details) +
    // (JSON.stringify leaves out a key whose value serialises to undefined.)
    (explanation === undefined ? 0 : 16 + explanation.length * 3);
  if (bound > room) return -1;
  let o = writeBytes(OPEN, out, offset);
  o = writeJsonString(r.transaction_id, out, o);
  o = writeBytes(USER_ID, out, o);
  o = writeJsonString(r.user_id, out, o);
  o = writeBytes(RISK_SCORE, out, o);
  o = writeJsonNumber(r.risk_score, out, o);
  if (r.reason_codes.length === 0 && r.reason_details.length === 0) o = writeBytes(quietSegment(r.risk_level, r.recommendation), out, o);
  else {
    o = writeBytes(segment(levelSegments, ',"risk_level":', r.risk_level, ',"reason_codes":'), out, o);
    o = writeJsonStrings(r.reason_codes, out, o);
    o = writeBytes(segment(recommendationSegments, ',"recommendation":', r.recommendation, ',"reason_details":'), out, o);
    o = writeJsonStrings(r.reason_details, out, o);
    o = writeAscii(',"model_score":', out, o);
  }
  o = writeJsonNumber(r.model_score, out, o);
  o = writeBytes(DECISION_FUNCTION, out, o);
  o = writeJsonNumber(r.decision_function, out, o);
  if (explanation === undefined) return writeBytes(segment(closingSegments, ',"model_version":', r.model_version, '}\n'), out, o);
  o = writeBytes(segment(versionSegments, ',"model_version":', r.model_version, ''), out, o);
  o = writeAscii(',"explanation":', out, o);
  o = writeUtf8(explanation, out, o);
  out[o++] = 0x7d;
  out[o++] = 0x0a;
  return o;
}
