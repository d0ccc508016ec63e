/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers as
 * ECMAScript prints them. `tools/export_sklearn.py` writes the same bytes, so both sides agree
 * on a model's SHA-256.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`canonical JSON cannot hold ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    // The trees are long arrays of numbers: JSON.stringify prints such an array exactly as the
    // items below would be joined (and several times faster), once every item is a finite number.
    const list = value as ArrayLike<unknown>;
    if (allFiniteNumbers(list)) return JSON.stringify(Array.isArray(list) ? list : Array.from(list));
    const items = Array.from(list, canonicalJson);
    return `[${items.join(',')}]`;
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new Error(`canonical JSON cannot hold a ${typeof value}`);
}

function allFiniteNumbers(list: ArrayLike<unknown>): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return false;
  }
  return true;
}
