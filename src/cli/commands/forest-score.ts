import { readFile } from 'node:fs/promises';
import { parseModel, prepareRows, scoreSamples } from '../../core/forest';
import { parseFlags, required, UsageError } from '../args';
import { readNumericCsv } from '../csv';

export const forestScoreUsage = `Usage: txn-anomaly forest-score --model FILE.json --data FILE.csv[.gz] [--label COLUMN]

Prints scikit-learn's score_samples of every data row, one per line, in input order (full
float64 precision). The label column, when named, is left out of the features.`;

/** `txn-anomaly forest-score`. */
export async function runForestScore(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const flags = parseFlags(argv, { model: { type: 'string' }, data: { type: 'string' }, label: { type: 'string' } });
  if (flags.help) {
    out.write(`${forestScoreUsage}\n`);
    return 0;
  }
  const modelPath = required(flags.model as string | undefined, 'model');
  const data = required(flags.data as string | undefined, 'data');
  const model = parseModel(await readFile(modelPath, 'utf8').catch((e: Error) => {
    throw new UsageError(`cannot read model ${modelPath}: ${e.message}`);
  }));
  const table = await readNumericCsv(data, { label: flags.label as string | undefined });
  if (table.features !== model.nFeatures) {
    throw new UsageError(`${data} has ${table.features} feature columns but the model expects ${model.nFeatures} (${model.file.feature_schema.names.join(', ')})`);
  }
  const scores = scoreSamples(model.forest, prepareRows(table.values, table.features, model.file.feature_schema.scaler));
  const chunk: string[] = [];
  for (let i = 0; i < scores.length; i++) {
    chunk.push(String(scores[i]));
    if (chunk.length === 4096) {
      out.write(`${chunk.join('\n')}\n`);
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) out.write(`${chunk.join('\n')}\n`);
  return 0;
}
