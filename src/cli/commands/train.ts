import { writeFile } from 'node:fs/promises';
import { FeatureSet } from '../../core/features/feature-sets';
import { serializeModel } from '../../core/forest/model-file';
import { trainTransactionModel, DEFAULT_TRANSACTION_PARAMS } from '../../core/training/train-model';
import { contaminationFlag, numberFlag, parseFlags, required, UsageError } from '../args';
import { byTime, readTransactionsFile, simulateParsed } from '../transactions';

export const trainUsage = `Usage: txn-anomaly train (--simulate N | --data FILE.jsonl) --seed S --out FILE.json
         [--feature-set behavioral|seed] [--trees 150] [--max-samples 256] [--contamination 0.01]
         [--anomaly-rate 0.005] [--created-at ISO]

Trains a transaction model on simulated traffic (N transactions from the seeded simulator) or on
a JSONL file of transactions, replayed in time order through the detector's own history and
feature code. Deterministic: the same inputs give a byte-identical file. created_at defaults to
SOURCE_DATE_EPOCH when set, else the time of the newest training transaction. Simulated
training traffic carries 0.5 % anomalies by default (historical traffic is mostly, not wholly, clean).`;

/** Share of anomalies in simulated training traffic. */
export const TRAINING_ANOMALY_RATE = 0.005;

/** `txn-anomaly train`. */
export async function runTrain(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, {
    simulate: { type: 'string' },
    data: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'feature-set': { type: 'string' },
    trees: { type: 'string' },
    'max-samples': { type: 'string' },
    contamination: { type: 'string' },
    'anomaly-rate': { type: 'string' },
    'created-at': { type: 'string' },
  });
  if (flags.help) {
    out.write(`${trainUsage}\n`);
    return 0;
  }
  const seed = numberFlag(required(flags.seed as string | undefined, 'seed'), 'seed', 0, Number.isSafeInteger, 'an integer');
  const outPath = required(flags.out as string | undefined, 'out');
  const set = (flags['feature-set'] as string | undefined) ?? FeatureSet.behavioral;
  if (set !== FeatureSet.behavioral && set !== FeatureSet.seed) throw new UsageError(`--feature-set must be "behavioral" or "seed", got "${set}"`);
  if ((flags.simulate === undefined) === (flags.data === undefined)) throw new UsageError('give exactly one of --simulate N and --data FILE.jsonl');
  const anomalyRate = numberFlag(flags['anomaly-rate'] as string | undefined, 'anomaly-rate', TRAINING_ANOMALY_RATE, (r) => r >= 0 && r < 1, 'a number in [0, 1)');
  const items =
    flags.simulate !== undefined
      ? simulateParsed(numberFlag(flags.simulate as string, 'simulate', 0, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'), seed, anomalyRate)
      : byTime(await readTransactionsFile(flags.data as string));
  const txns = items.map((i) => i.txn);
  const createdAt =
    (flags['created-at'] as string | undefined) ??
    (process.env.SOURCE_DATE_EPOCH ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString() : new Date(Math.max(...txns.map((t) => t.epochMs))).toISOString());
  const file = trainTransactionModel(txns, {
    featureSet: set,
    createdAt,
    params: {
      n_estimators: numberFlag(flags.trees as string | undefined, 'trees', DEFAULT_TRANSACTION_PARAMS.n_estimators, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
      max_samples: numberFlag(flags['max-samples'] as string | undefined, 'max-samples', DEFAULT_TRANSACTION_PARAMS.max_samples, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
      contamination: contaminationFlag(flags.contamination as string | undefined, DEFAULT_TRANSACTION_PARAMS.contamination),
      seed,
    },
  });
  await writeFile(outPath, serializeModel(file));
  out.write(`${JSON.stringify({ out: outPath, transactions: txns.length, feature_set: set, sha256: file.sha256, offset: file.offset })}\n`);
  return 0;
}
