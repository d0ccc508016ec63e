import type { DetectionResult } from './types';

/** Keys of a {@link DetectionResult} in the order the detector creates them; `explanation` may follow. */
export const RESULT_KEYS = [
  'transaction_id',
  'user_id',
  'risk_score',
  'risk_level',
  'reason_codes',
  'recommendation',
  'reason_details',
  'model_score',
  'decision_function',
  'model_version',
] as const;

function isStringArray(a: unknown): a is string[] {
  if (!Array.isArray(a)) return false;
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') return false;
  return true;
}

/**
 * Whether `r` is a detection result exactly as the detector builds it: a plain object whose
 * enumerable keys are those of {@link DetectionResult} in the detector's order (then
 * `explanation`, if present), with values of the declared types. Such a result can be
 * serialised or stored field by field and come out the same as the object itself.
 */
export function hasResultShape(r: DetectionResult): boolean {
  if (Object.getPrototypeOf(r) !== Object.prototype) return false;
  let k = 0;
  // for-in walks the keys in JSON.stringify's order without allocating (inherited enumerable
  // keys would show up here too, and send the object to JSON.stringify).
  for (const key in r) {
    if (k < RESULT_KEYS.length ? key !== RESULT_KEYS[k] : k > RESULT_KEYS.length || key !== 'explanation') return false;
    k++;
  }
  return (
    k >= RESULT_KEYS.length &&
    (r.explanation === undefined || typeof r.explanation === 'object') &&
    typeof r.transaction_id === 'string' &&
    typeof r.user_id === 'string' &&
    typeof r.risk_score === 'number' &&
    typeof r.risk_level === 'string' &&
    typeof r.recommendation === 'string' &&
    typeof r.model_score === 'number' &&
    typeof r.decision_function === 'number' &&
    typeof r.model_version === 'string' &&
    isStringArray(r.reason_codes) &&
    isStringArray(r.reason_details)
  );
}
