/**
 * Many strings as one string plus end offsets ({@link PackedStrings}): structured clone copies
 * one string and one typed array instead of thousands of strings, and reading a row allocates only
 * the substring asked for.
 */
import type { PackedStrings } from './db-schema';

/** Packs strings into one string plus end offsets. */
export function packStrings(values: readonly string[]): PackedStrings {
  const ends = new Uint32Array(values.length);
  let end = 0;
  for (let i = 0; i < values.length; i++) {
    end += values[i].length;
    ends[i] = end;
  }
  return { text: values.join(''), ends };
}

/** The `i`-th string. */
export function unpackString(p: PackedStrings, i: number): string {
  return p.text.substring(i === 0 ? 0 : p.ends[i - 1], p.ends[i]);
}

/** The index of `value` among the packed strings, or -1. */
export function indexOfPacked(p: PackedStrings, value: string): number {
  const { text, ends } = p;
  for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
    // A match counts only when it is a whole string: it starts at a boundary and ends at the next.
    // Empty strings share their start with the next string: look past them.
    for (let i = boundaryAt(ends, at); i >= 0 && i < ends.length; i++) {
      if (ends[i] === at + value.length) return i;
      if (ends[i] !== at) break;
    }
  }
  return -1;
}

/** The index of the string that starts at `offset`, or -1 when no string starts there. */
function boundaryAt(ends: Uint32Array, offset: number): number {
  // String i starts at ends[i - 1] (0 for the first); empty strings share a start, take the first.
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const start = mid === 0 ? 0 : ends[mid - 1];
    if (start < offset) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= ends.length) return -1;
  return (lo === 0 ? 0 : ends[lo - 1]) === offset ? lo : -1;
}
