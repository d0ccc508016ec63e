/**
 * Element-wise closeness for numeric arrays, as numpy's `isclose`: |actual - expected| <=
 * atol + rtol * |expected|. NaN on either side always fails (a NaN score is a bug, never a match),
 * infinities match only the same infinity, and the failure names the first bad index.
 */
import { assert } from 'vitest';

/** Tolerances of {@link expectAllClose}; both default to 0 (exact equality). */
export interface AllCloseTolerance {
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance, scaled by |expected|. */
  rtol?: number;
}

/** Index of the first element that is not close, or -1 when all are. */
export function firstNotClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol = 0, rtol = 0): number {
  for (let i = 0; i < expected.length; i++) {
    if (!isClose(actual[i], expected[i], atol, rtol)) return i;
  }
  return -1;
}

function isClose(a: number, e: number, atol: number, rtol: number): boolean {
  if (typeof a !== 'number' || typeof e !== 'number' || Number.isNaN(a) || Number.isNaN(e)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= atol + rtol * Math.abs(e);
}

/**
 * Asserts that `actual` and `expected` (arrays or single numbers) have the same length and are
 * element-wise close. The message names the first bad index, both values, the difference, the
 * allowed tolerance and how many elements fail in all.
 */
export function expectAllClose(
  actual: ArrayLike<number> | number,
  expected: ArrayLike<number> | number,
  { atol = 0, rtol = 0 }: AllCloseTolerance = {},
): void {
  if (!(atol >= 0) || !(rtol >= 0)) throw new Error(`tolerances must be >= 0, got atol ${atol}, rtol ${rtol}`);
  const a = typeof actual === 'number' ? [actual] : actual;
  const e = typeof expected === 'number' ? [expected] : expected;
  if (a.length !== e.length) assert.fail(`expected ${e.length} values, got ${a.length}`);
  const first = firstNotClose(a, e, atol, rtol);
  if (first < 0) return;
  let bad = 0;
  for (let i = first; i < e.length; i++) if (!isClose(a[i], e[i], atol, rtol)) bad++;
  const diff = Math.abs(a[first] - e[first]);
  const allowed = atol + rtol * Math.abs(e[first]);
  assert.fail(
    `not close at index ${first}: actual ${a[first]}, expected ${e[first]}, |diff| ${diff} > atol + rtol*|expected| = ${allowed}` +
      ` (atol ${atol}, rtol ${rtol}; ${bad} of ${e.length} elements differ)`,
  );
}
