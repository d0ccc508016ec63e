import { detectionResultJsonSchema, errorResultJsonSchema, transactionJsonSchema } from '../../core/contract/json-schema';
import { parseFlags, UsageError } from '../args';

export const schemaUsage = `Usage: txn-anomaly schema (transaction | result | error)

Prints the JSON Schema (draft 2020-12) of the wire contract: a Transaction in, a DetectionResult
or an ErrorResult out. The machine-readable contract for clients of the detector.`;

const SCHEMAS: Record<string, unknown> = {
  transaction: transactionJsonSchema,
  result: detectionResultJsonSchema,
  error: errorResultJsonSchema,
};

/** `txn-anomaly schema`. */
export async function runSchema(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const positional = argv.filter((a) => !a.startsWith('-'));
  const flags = parseFlags(argv.filter((a) => a.startsWith('-')), {});
  if (flags.help) {
    out.write(`${schemaUsage}\n`);
    return 0;
  }
  const name = positional[0];
  if (positional.length !== 1 || !(name in SCHEMAS)) throw new UsageError(`expected one of ${Object.keys(SCHEMAS).join(', ')}, got "${positional.join(' ')}"`);
  out.write(`${JSON.stringify(SCHEMAS[name], null, 2)}\n`);
  return 0;
}
