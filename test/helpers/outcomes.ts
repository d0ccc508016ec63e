/** Test shorthands: a transaction that must validate, an outcome that must be a decision. */
import { validateTransaction } from '../../src/core/contract';
import { isErrorResult, type DetectOutcome } from '../../src/core/detector';
import type { DetectionResult, ParsedTransaction, Transaction } from '../../src/core/contract/types';

/** The validated transaction; throws with the error result when it does not validate. */
export function parse(t: Transaction): ParsedTransaction {
  const v = validateTransaction(t);
  if (!v.ok) throw new Error(JSON.stringify(v.error));
  return v.value;
}

/** The decision; throws with the error result when the outcome is one. */
export function decided(o: DetectOutcome): DetectionResult {
  if (isErrorResult(o)) throw new Error(JSON.stringify(o));
  return o;
}
