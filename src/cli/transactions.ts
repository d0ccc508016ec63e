import { parseTransactionLine } from '../core/contract/validate';
import type { ParsedTransaction } from '../core/contract/types';
import { simulate } from '../core/simulator';
import { validateTransaction } from '../core/contract/validate';
import { UsageError } from './args';
import { readLines } from './jsonl';

/** A validated transaction with its labels, when the source has them. */
export interface LabelledParsed {
  txn: ParsedTransaction;
  isAnomaly: boolean;
  anomalyType: string | null;
}

/** Reads labelled or unlabelled JSONL; a bad line is fatal here (training/evaluation input). */
export async function readTransactionsFile(path: string): Promise<LabelledParsed[]> {
  const out: LabelledParsed[] = [];
  let lineNo = 0;
  for await (const line of readLines(path)) {
    lineNo++;
    if (line.trim() === '') continue;
    const v = parseTransactionLine(line);
    if (!v.ok) throw new UsageError(`${path}: line ${lineNo}: ${v.error.error.field}: ${v.error.error.message}`);
    const raw = JSON.parse(line) as { is_anomaly?: unknown; anomaly_type?: unknown };
    out.push({ txn: v.value, isAnomaly: raw.is_anomaly === true, anomalyType: typeof raw.anomaly_type === 'string' ? raw.anomaly_type : null });
  }
  if (out.length === 0) throw new UsageError(`${path}: no transactions`);
  return out;
}

/** Simulates labelled transactions, validated through the wire contract like any input. */
export function simulateParsed(n: number, seed: number, anomalyRate?: number): LabelledParsed[] {
  return simulate({ n, seed, anomalyRate, labels: true }).map((t, i) => {
    const v = validateTransaction(t);
    if (!v.ok) throw new Error(`simulated transaction ${i} is invalid: ${v.error.error.message}`);
    return { txn: v.value, isAnomaly: t.is_anomaly === true, anomalyType: t.anomaly_type ?? null };
  });
}

/** Sorts by time, stably (history must be replayed in time order). */
export function byTime(items: LabelledParsed[]): LabelledParsed[] {
  return items.map((x, i) => [x, i] as const).sort((a, b) => a[0].txn.epochMs - b[0].txn.epochMs || a[1] - b[1]).map(([x]) => x);
}
