import type { DetectionResult, HistoryEntry } from '../contract/types';
import { appendWithRetention, DEFAULT_RETENTION, type HistoryStore, type HistoryTransaction, type RetentionConfig } from './history-store';

/** Options of the in-memory store. */
export interface MemoryStoreOptions extends Partial<RetentionConfig> {
  /** Decisions remembered for idempotency, oldest forgotten first (default 1,000,000). */
  maxDecisions?: number;
}

/**
 * History and decisions in memory: for Node (CLI, training, batch scoring) and as the fallback
 * where IndexedDB is unavailable. Bounded per user and in remembered decisions.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly users = new Map<string, HistoryEntry[]>();
  private readonly decisions = new Map<string, DetectionResult>();
  private readonly retention: RetentionConfig;
  private readonly maxDecisions: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.retention = { ...DEFAULT_RETENTION, ...stripUndefined(options) };
    this.maxDecisions = options.maxDecisions ?? 1_000_000;
  }

  /** Runs `fn` synchronously against the in-memory state; resolves with its result. */
  transact<T>(_userIds: readonly string[], _transactionIds: readonly string[], fn: (tx: HistoryTransaction) => T): Promise<T> {
    return Promise.resolve(this.transactSync(fn));
  }

  /** The synchronous form of `transact`, for hot loops in Node. */
  transactSync<T>(fn: (tx: HistoryTransaction) => T): T {
    return fn(this.tx);
  }

  /** Number of users with history. */
  get userCount(): number {
    return this.users.size;
  }

  private readonly tx: HistoryTransaction = {
    history: (userId) => this.users.get(userId) ?? EMPTY,
    priorDecision: (id) => this.decisions.get(id),
    append: (userId, entry) => {
      const h = this.users.get(userId);
      if (h) appendWithRetention(h, entry, this.retention);
      else this.users.set(userId, [entry]);
    },
    recordDecision: (result) => {
      this.decisions.set(result.transaction_id, result);
      if (this.decisions.size > this.maxDecisions) this.decisions.delete(this.decisions.keys().next().value as string);
    },
  };
}

// Not frozen: a frozen array has another elements kind, which would make the feature loops
// polymorphic. It is typed readonly and never handed out for writing.
const EMPTY: readonly HistoryEntry[] = [];

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
