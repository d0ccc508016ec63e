import { performance } from 'node:perf_hooks';
import { basename } from 'node:path';
import { compileForest, scoreSamples, trainForest } from '../../core/forest';
import { rocAuc } from '../../core/metrics/auc';
import { contaminationFlag, numberFlag, parseFlags, required, UsageError } from '../args';
import { readNumericCsv } from '../csv';

export const evalUsage = `Usage: txn-anomaly eval --data FILE.csv[.gz] --label COLUMN [--trees 100] [--max-samples 256] [--seed 0] [--contamination auto]

Trains an Isolation Forest on every row (the label column excluded), scores every row and prints
one JSON line: {"dataset","rows","features","auc","fit_ms","score_ms"}. AUC is of -score_samples
against the 0/1 label (1 = anomaly).`;

/** `txn-anomaly eval`. */
export async function runEval(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, {
    data: { type: 'string' },
    label: { type: 'string' },
    trees: { type: 'string' },
    'max-samples': { type: 'string' },
    seed: { type: 'string' },
    contamination: { type: 'string' },
  });
  if (flags.help) {
    out.write(`${evalUsage}\n`);
    return 0;
  }
  const data = required(flags.data as string | undefined, 'data');
  const label = required(flags.label as string | undefined, 'label');
  const params = {
    n_estimators: numberFlag(flags.trees as string | undefined, 'trees', 100, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    max_samples: numberFlag(flags['max-samples'] as string | undefined, 'max-samples', 256, (n) => Number.isInteger(n) && n >= 1, 'a positive integer'),
    seed: numberFlag(flags.seed as string | undefined, 'seed', 0, Number.isInteger, 'an integer'),
    contamination: contaminationFlag(flags.contamination as string | undefined, 'auto'),
  };
  const table = await readNumericCsv(data, { label });
  if (!table.labels!.includes(1) || !table.labels!.includes(0)) throw new UsageError(`${data}: the label column needs both 0 and 1 rows to compute an AUC`);
  const rows = Float32Array.from(table.values);
  const t0 = performance.now();
  const trained = trainForest(rows, table.features, params);
  const t1 = performance.now();
  const compiled = compileForest(trained.nodes, table.features, trained.psi);
  const scores = scoreSamples(compiled, rows);
  const t2 = performance.now();
  for (let i = 0; i < scores.length; i++) scores[i] = -scores[i];
  const result = {
    dataset: basename(data).replace(/\.csv(\.gz)?$/, ''),
    rows: table.rows,
    features: table.features,
    auc: rocAuc(scores, table.labels!),
    fit_ms: t1 - t0,
    score_ms: t2 - t1,
  };
  out.write(`${JSON.stringify(result)}\n`);
  return 0;
}
