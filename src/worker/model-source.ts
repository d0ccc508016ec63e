/**
 * Loading the model file: fetch, validate and verify its hash (`parseModel`), and keep the text
 * of the last good copy of each URL in Cache Storage, so the detector starts offline. A failed
 * load throws an `Error` saying why (network, HTTP status, or the field the validator rejected);
 * callers keep their previous model.
 */
import { loadModel, parseModel, type LoadedModel } from '../core/forest/model-file';
import { wasmWalkAvailable } from '../core/forest/score';
import type { ModelInfo } from './service-types';

/** Cache Storage bucket of model files. */
export const MODEL_CACHE_NAME = 'txn-anomaly-models-v1';

/** What loading needs from the realm (injectable for tests). */
export interface ModelSourceDeps {
  fetch: typeof fetch;
  /** Cache Storage, or null where it is unavailable (no offline copy then). */
  caches: CacheStorage | null;
  /** Base for relative model URLs (the worker's location). */
  baseUrl: string | undefined;
}

/** A validated model and where it came from. */
export interface ModelLoad {
  model: LoadedModel;
  source: NonNullable<ModelInfo['source']>;
  /** Set when something degraded (loaded from the offline copy, or could not cache it). */
  warning?: string;
}

/** Model info as the API reports it. */
export function modelInfo(load: ModelLoad): ModelInfo {
  const f = load.model.file;
  const forestEngine = wasmWalkAvailable(load.model.forest) ? 'wasm' : 'js';
  return { modelVersion: f.model_version, sha256: f.sha256, featureSet: f.feature_schema.feature_set, forestEngine, source: load.source };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Validates a model given as JSON (an object, or its text). */
export function loadModelJson(json: unknown): ModelLoad {
  try {
    return { model: typeof json === 'string' ? parseModel(json) : loadModel(json), source: 'json' };
  } catch (e) {
    throw new Error(`the model JSON was rejected: ${message(e)}`);
  }
}

/**
 * Fetches, validates and caches the model at `url`. Only a network failure falls back to the
 * cached copy (offline start); a bad HTTP status or an invalid file is an error, cached copy or not.
 */
export async function loadModelUrl(url: string, deps: ModelSourceDeps): Promise<ModelLoad> {
  let absolute: string;
  try {
    absolute = new URL(url, deps.baseUrl).href;
  } catch {
    throw new Error(`cannot load the model: ${JSON.stringify(url)} is not a valid URL`);
  }
  const cacheable = /^https?:$/.test(new URL(absolute).protocol) && deps.caches !== null;
  let text: string;
  try {
    const response = await deps.fetch(absolute, { cache: 'no-cache' });
    if (!response.ok) throw new HttpError(`cannot load the model from ${url}: HTTP ${response.status} ${response.statusText}`.trim());
    text = await response.text();
  } catch (e) {
    if (e instanceof HttpError) throw new Error(e.message);
    return loadCached(url, absolute, cacheable ? deps.caches : null, message(e));
  }
  let model: LoadedModel;
  try {
    model = parseModel(text);
  } catch (e) {
    throw new Error(`the model from ${url} was rejected: ${message(e)}`);
  }
  const load: ModelLoad = { model, source: 'url' };
  if (cacheable) {
    try {
      const cache = await (deps.caches as CacheStorage).open(MODEL_CACHE_NAME);
      await cache.put(absolute, new Response(text, { headers: { 'content-type': 'application/json' } }));
    } catch (e) {
      load.warning = `the model could not be cached for offline use (${message(e)})`;
    }
  }
  return load;
}

class HttpError extends Error {}

async function loadCached(url: string, absolute: string, caches: CacheStorage | null, networkError: string): Promise<ModelLoad> {
  let text: string | undefined;
  try {
    const cache = caches ? await caches.open(MODEL_CACHE_NAME) : undefined;
    text = await (await cache?.match(absolute))?.text();
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new Error(`cannot load the model from ${url}: network error (${networkError}) and no copy is cached for offline use`);
  try {
    return { model: parseModel(text), source: 'cache', warning: `the model was loaded from the offline cache: fetching ${url} failed (${networkError})` };
  } catch (e) {
    throw new Error(`cannot load the model from ${url}: network error (${networkError}) and the cached copy is unusable: ${message(e)}`);
  }
}
