import { readFileSync } from 'node:fs';
import { parseModel, type LoadedModel } from '../../src/core/forest';

/** Path of the committed default model. */
export const DEFAULT_MODEL_PATH = new URL('../../models/isolation_forest.json', import.meta.url).pathname;

let cached: LoadedModel | undefined;
/** The committed default model, loaded (and validated) once per test file. */
export function defaultModel(): LoadedModel {
  cached ??= parseModel(readFileSync(DEFAULT_MODEL_PATH, 'utf8'));
  return cached;
}
