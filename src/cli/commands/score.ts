import { writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseTransactionLine } from '../../core/contract/validate';
import type { ErrorResult, ParsedTransaction } from '../../core/contract/types';
import { createDetector, ExplainMode } from '../../core/detector/detector';
import { MemoryHistoryStore } from '../../core/history/memory-store';
import { createDriftMonitor } from '../../core/monitoring/drift';
import { DetectorMetrics } from '../../core/monitoring/prometheus';
import { parseFlags, required, UsageError } from '../args';
import { readLineBatches, writeChunk } from '../jsonl';
import { loadModelFile } from '../model-loader';

export const scoreUsage = `Usage: txn-anomaly score --model FILE.json [--in FILE.jsonl] [--explain none|flagged|all]
         [--metrics FILE.prom]

Reads transactions as JSONL (stdin by default) and writes one JSON line per input line, in order:
a DetectionResult, or {"transaction_id", "error": {"code", "field", "message"}} for a line that
is not a valid transaction (or not JSON). History is kept across lines (in memory, bounded per
user), so velocity and behavioural features see earlier lines. Blank lines are skipped. Exits
non-zero only when the model cannot be used.

--explain   which results carry an explanation of the model score: none, flagged (REVIEW and
            BLOCK, the default) or all.
--metrics   after the batch, write the Prometheus text exposition to FILE: transactions by
            risk level and recommendation, rejected lines, scoring latency (per transaction,
            batches of 1,024), drift PSI per feature and of the score over the last 5,000
            transactions, and the model's version and SHA-256.`;

const BATCH = 1024;

/** `txn-anomaly score`. */
export async function runScore(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, in: { type: 'string' }, explain: { type: 'string' }, metrics: { type: 'string' } });
  if (flags.help) {
    out.write(`${scoreUsage}\n`);
    return 0;
  }
  const model = await loadModelFile(required(flags.model as string | undefined, 'model'));
  const explain = (flags.explain as string | undefined) ?? ExplainMode.flagged;
  if (!(Object.values(ExplainMode) as string[]).includes(explain)) throw new UsageError(`--explain must be none, flagged or all, got "${explain}"`);
  const metricsPath = flags.metrics as string | undefined;
  const metrics = metricsPath === undefined ? null : new DetectorMetrics();
  const drift = metricsPath === undefined ? undefined : createDriftMonitor(model);
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store, config: { explain: explain as ExplainMode }, observer: drift });
  const pending: Array<ParsedTransaction | ErrorResult> = [];
  const flush = async () => {
    const valid = pending.filter((p): p is ParsedTransaction => !('error' in p));
    const t0 = metrics === null ? 0 : performance.now();
    const decided = store.transactSync((tx) => detector.decideWithin(tx, valid));
    if (metrics !== null) {
      if (valid.length > 0) metrics.observeLatency((performance.now() - t0) / 1000 / valid.length, valid.length);
      for (const p of pending) if ('error' in p) metrics.record(p);
      metrics.recordAll(decided);
    }
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
  if (metrics !== null) await writeFile(metricsPath!, metrics.toPrometheus({ model, drift: drift!.report() }));
  return 0;
}
