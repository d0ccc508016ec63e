/**
 * Storage failures as errors a person can act on. IndexedDB reports them as `DOMException`s with
 * terse names; these say what was (not) stored and what to do. They cross Comlink as plain
 * `Error`s (name and message are kept).
 */

/** Why storage failed. */
export const StorageFailure = {
  /** The origin's quota is used up. */
  QUOTA: 'quota',
  /** An upgrade waits for another tab to close an older version. */
  BLOCKED: 'blocked',
  /** The database was written by a newer build. */
  VERSION: 'version',
  /** The connection is gone (another tab upgraded or deleted the database, or the browser closed it). */
  CLOSED: 'closed',
  /** IndexedDB is unusable here (private mode, a sandboxed frame). */
  UNAVAILABLE: 'unavailable',
  /** Anything else. */
  OTHER: 'other',
} as const;
export type StorageFailure = (typeof StorageFailure)[keyof typeof StorageFailure];

/** A storage operation failed; `failure` says why, the message what was not stored. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly failure: StorageFailure,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

function errorName(e: unknown): string {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '';
}

function errorMessage(e: unknown): string {
  return typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
}

/** True when `e` says the storage quota is exhausted. */
export function isQuotaError(e: unknown): boolean {
  return errorName(e) === 'QuotaExceededError' || /quota/i.test(errorMessage(e));
}

/**
 * Turns an IndexedDB failure during `what` (e.g. "storing the batch of 1,000 transactions") into a
 * {@link StorageError} that says nothing of it was stored (IndexedDB transactions are atomic).
 */
export function describeStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const name = errorName(e);
  const detail = errorMessage(e);
  if (isQuotaError(e)) {
    return new StorageError(
      `storage is full (QuotaExceededError) while ${what}: nothing of it was stored. Free space (clearHistory, or the site's storage settings) and retry.`,
      StorageFailure.QUOTA,
    );
  }
  if (name === 'VersionError') {
    return new StorageError(`the detector database is from a newer version of this app (${detail}); update or reload the app. Nothing was changed while ${what}.`, StorageFailure.VERSION);
  }
  if (name === 'InvalidStateError' && /clos/i.test(detail)) {
    return new StorageError(`the detector database connection is closed (another tab upgraded or deleted it); reload the page. Nothing was stored while ${what}.`, StorageFailure.CLOSED);
  }
  if (name === 'SecurityError' || name === 'InvalidStateError') {
    return new StorageError(`IndexedDB is not usable here (${name}: ${detail}); nothing was stored while ${what}.`, StorageFailure.UNAVAILABLE);
  }
  return new StorageError(`IndexedDB failed while ${what} (${name || 'Error'}: ${detail}); nothing of it was stored.`, StorageFailure.OTHER);
}
