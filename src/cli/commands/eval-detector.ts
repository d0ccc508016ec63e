import { createDetector } from '../../core/detector/detector';
import { MemoryHistoryStore } from '../../core/history/memory-store';
import { evaluateDecisions } from '../../core/metrics/detector-eval';
import { numberFlag, parseFlags, required, UsageError } from '../args';
import { loadModelFile } from '../model-loader';
import { byTime, readTransactionsFile, simulateParsed } from '../transactions';

export const evalDetectorUsage = `Usage: txn-anomaly eval-detector --model FILE.json (--data labelled.jsonl | --simulate N --seed S [--anomaly-rate R])

Scores labelled transactions (is_anomaly, anomaly_type) in time order through the full detector
and prints one JSON line: recall per anomaly type (flagged = REVIEW or BLOCK), false-positive rate
on normal transactions, precision and PR-AUC of risk_score.`;

/** `txn-anomaly eval-detector`. */
export async function runEvalDetector(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, data: { type: 'string' }, simulate: { type: 'string' }, seed: { type: 'string' }, 'anomaly-rate': { type: 'string' } });
  if (flags.help) {
    out.write(`${evalDetectorUsage}\n`);
    return 0;
  }
  const model = await loadModelFile(required(flags.model as string | undefined, 'model'));
  if ((flags.simulate === undefined) === (flags.data === undefined)) throw new UsageError('give exactly one of --data FILE.jsonl and --simulate N');
  const items =
    flags.data !== undefined
      ? byTime(await readTransactionsFile(flags.data as string))
      : simulateParsed(
          numberFlag(flags.simulate as string, 'simulate', 0, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
          numberFlag(required(flags.seed as string | undefined, 'seed'), 'seed', 0, Number.isSafeInteger, 'an integer'),
          numberFlag(flags['anomaly-rate'] as string | undefined, 'anomaly-rate', 0.02, (r) => r >= 0 && r < 1, 'a number in [0, 1)'),
        );
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store });
  const results = store.transactSync((tx) => detector.decideWithin(tx, items.map((i) => i.txn)));
  const quality = evaluateDecisions(items.map((item, k) => ({ result: results[k], isAnomaly: item.isAnomaly, anomalyType: item.anomalyType, epochMs: item.txn.epochMs })));
  out.write(`${JSON.stringify({ model_version: model.file.model_version, feature_set: model.file.feature_schema.feature_set, ...quality })}\n`);
  return 0;
}
