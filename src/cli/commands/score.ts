import { parseTransactionLine } from '../../core/contract/validate';
import type { ErrorResult, ParsedTransaction } from '../../core/contract/types';
import { createDetector } from '../../core/detector/detector';
import { MemoryHistoryStore } from '../../core/history/memory-store';
import { parseFlags, required } from '../args';
import { readLineBatches, writeChunk } from '../jsonl';
import { loadModelFile } from '../model-loader';

export const scoreUsage = `Usage: txn-anomaly score --model FILE.json [--in FILE.jsonl]

Reads transactions as JSONL (stdin by default) and writes one JSON line per input line, in order:
a DetectionResult, or {"transaction_id", "error": {"code", "field", "message"}} for a line that
is not a valid transaction (or not JSON). History is kept across lines (in memory, bounded per
user), so velocity and behavioural features see earlier lines. Blank lines are skipped. Exits
non-zero only when the model cannot be used.`;

const BATCH = 1024;

/** `txn-anomaly score`. */
export async function runScore(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, in: { type: 'string' } });
  if (flags.help) {
    out.write(`${scoreUsage}\n`);
    return 0;
  }
  const model = await loadModelFile(required(flags.model as string | undefined, 'model'));
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store });
  const pending: Array<ParsedTransaction | ErrorResult> = [];
  const flush = async () => {
    const valid = pending.filter((p): p is ParsedTransaction => !('error' in p));
    const decided = store.transactSync((tx) => detector.decideWithin(tx, valid));
    let k = 0;
    let text = '';
    for (const p of pending) text += `${JSON.stringify('error' in p ? p : decided[k++])}\n`;
    pending.length = 0;
    await writeChunk(out, text);
  };
  for await (const lines of readLineBatches(flags.in as string | undefined)) {
    for (const line of lines) {
      if (line.trim() === '') continue;
      const v = parseTransactionLine(line);
      pending.push(v.ok ? v.value : v.error);
      if (pending.length >= BATCH) await flush();
    }
  }
  if (pending.length > 0) await flush();
  return 0;
}
