import type { DetectionResult, HistoryEntry } from '../contract/types';

/** How much history is kept per user. */
export interface RetentionConfig {
  /** Most recent entries kept per user (default 100). */
  maxEntriesPerUser: number;
  /** Entries older than this, relative to the user's newest, are dropped (default 90 days). */
  maxAgeMs: number;
}

/** Defaults: enough for the 60 s velocity window, the 1 h count and the behavioural profile. */
export const DEFAULT_RETENTION: RetentionConfig = {
  maxEntriesPerUser: 100,
  maxAgeMs: 90 * 24 * 3600 * 1000,
};

/**
 * The view of stored state inside one atomic unit of work. Everything is synchronous: the store
 * loads what `transact` asked for first, then runs the callback, then persists its changes.
 */
export interface HistoryTransaction {
  /** The user's retained history, sorted by time (oldest first). Do not mutate; use `append`. */
  history(userId: string): readonly HistoryEntry[];
  /** The decision already taken for a transaction id, if any (idempotency). */
  priorDecision(transactionId: string): DetectionResult | undefined;
  /** Adds an entry to the user's history, in time order, applying retention. */
  append(userId: string, entry: HistoryEntry): void;
  /** Records a decision in the decision log. */
  recordDecision(result: DetectionResult): void;
}

/**
 * Where per-user history and decisions live. `transact` loads the histories of `userIds` and the
 * decisions of `transactionIds`, runs `fn`, and resolves only once its appends and decisions are
 * stored (for IndexedDB: committed, in one readwrite transaction).
 */
export interface HistoryStore {
  transact<T>(userIds: readonly string[], transactionIds: readonly string[], fn: (tx: HistoryTransaction) => T): Promise<T>;
}

/**
 * Inserts `entry` into a time-sorted history and applies retention; returns the new array.
 * Out-of-order arrivals land in their place in time.
 */
export function appendWithRetention(history: HistoryEntry[], entry: HistoryEntry, retention: RetentionConfig): HistoryEntry[] {
  let i = history.length;
  while (i > 0 && history[i - 1].epochMs > entry.epochMs) i--;
  if (i === history.length) history.push(entry);
  else history.splice(i, 0, entry);
  const newest = history[history.length - 1].epochMs;
  let drop = Math.max(0, history.length - retention.maxEntriesPerUser);
  while (drop < history.length && newest - history[drop].epochMs > retention.maxAgeMs) drop++;
  if (drop === 1) history.shift();
  else if (drop > 0) history.splice(0, drop);
  return history;
}
