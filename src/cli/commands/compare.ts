import { parseTransactionLine } from '../../core/contract/validate';
import type { ParsedTransaction } from '../../core/contract/types';
import { MemoryHistoryStore } from '../../core/history/memory-store';
import { createShadowDetector } from '../../core/monitoring/shadow';
import { numberFlag, parseFlags, required } from '../args';
import { readLineBatches } from '../jsonl';
import { loadModelFile } from '../model-loader';

export const compareUsage = `Usage: txn-anomaly compare --model A.json --shadow B.json [--in FILE.jsonl] [--sample 10]

Champion / challenger offline: replays JSONL transactions (stdin by default) through a detector
deciding with model A while model B is scored on the same history (each with its own feature
schema; B's recommendation is what the same rules and policy give with B's score). Prints one
JSON line: transactions compared, invalid lines, agreement rate on the recommendation, Pearson
correlation of the risk scores (and of the model scores), disagreements in all, the count per
"A->B" recommendation pair, and the last --sample disagreements (default 10).`;

const BATCH = 1024;

/** `txn-anomaly compare`. */
export async function runCompare(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, shadow: { type: 'string' }, in: { type: 'string' }, sample: { type: 'string' } });
  if (flags.help) {
    out.write(`${compareUsage}\n`);
    return 0;
  }
  const sample = numberFlag(flags.sample as string | undefined, 'sample', 10, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer');
  const champion = await loadModelFile(required(flags.model as string | undefined, 'model'));
  const shadow = await loadModelFile(required(flags.shadow as string | undefined, 'shadow'));
  const store = new MemoryHistoryStore();
  // The detector keeps the latest disagreements: exactly the sample asked for.
  const detector = createShadowDetector({ champion, shadow, history: store, config: { explain: 'none' }, maxDisagreements: sample });
  let invalid = 0;
  let pending: ParsedTransaction[] = [];
  const flush = () => {
    store.transactSync((tx) => detector.decideWithin(tx, pending));
    pending = [];
  };
  for await (const lines of readLineBatches(flags.in as string | undefined)) {
    for (const line of lines) {
      if (line.trim() === '') continue;
      const v = parseTransactionLine(line);
      if (!v.ok) {
        invalid++;
        continue;
      }
      pending.push(v.value);
      if (pending.length >= BATCH) flush();
    }
  }
  if (pending.length > 0) flush();
  const s = detector.shadowStats();
  out.write(
    `${JSON.stringify({
      champion: s.champion,
      shadow: s.shadow,
      transactions: s.compared,
      invalid_lines: invalid,
      agreement: s.agreement_rate,
      correlation: s.risk_score_correlation,
      model_score_correlation: s.model_score_correlation,
      disagreements: s.disagreements_total,
      confusion: s.confusion,
      sample: s.disagreements,
    })}\n`,
  );
  return 0;
}
