import { readFile } from 'node:fs/promises';
import { parseModel, type LoadedModel } from '../core/forest';
import { UsageError } from './args';

/** Reads and validates a model file; unreadable files are usage errors naming the path. */
export async function loadModelFile(path: string): Promise<LoadedModel> {
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new UsageError(`cannot read model ${path}: ${e.message}`);
  });
  return parseModel(text);
}
