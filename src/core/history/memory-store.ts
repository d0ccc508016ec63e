import type { HistoryEntry } from '../contract/types';
import { DecisionLog } from './decision-log';
import { appendWithRetention, DEFAULT_RETENTION, type HistoryStore, type RetentionConfig } from './history-store';
import { ArenaHistory, HistoryArena } from './history-arena';
import type { PackedHistory, PackedHistoryTransaction } from './packed-history';

/** Options of the in-memory store. */
export interface MemoryStoreOptions extends Partial<RetentionConfig> {
  /** Decisions remembered for idempotency, oldest forgotten first (default 1,000,000). */
  maxDecisions?: number;
}

/**
 * One user's history: packed, and as entry objects once somebody asked for them. (One object, not
 * a record holding the buffer: scoring a transaction mostly waits for memory, one hop less.)
 */
class UserHistory extends ArenaHistory {
  /** The entries as objects, kept up to date once `history()` was called (null before). */
  entries: HistoryEntry[] | null = null;
}

/**
 * History and decisions in memory: for Node (CLI, training, batch scoring) and as the fallback
 * where IndexedDB is unavailable. Bounded per user and in remembered decisions.
 *
 * Histories are kept packed ({@link PackedHistory}, in a {@link HistoryArena}), which the feature
 * function and the rules read directly through the `packedHistory` fast path of its transactions. `history()` builds a
 * user's entry objects the first time it is asked for them and keeps them in step from then on.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly users = new Map<string, UserHistory>();
  private readonly arena = new HistoryArena();
  private readonly decisions: DecisionLog;
  private readonly retention: RetentionConfig;

  constructor(options: MemoryStoreOptions = {}) {
    this.retention = { ...DEFAULT_RETENTION, ...stripUndefined(options) };
    this.decisions = new DecisionLog(options.maxDecisions ?? 1_000_000);
  }

  /** Runs `fn` synchronously against the in-memory state; resolves with its result. */
  transact<T>(_userIds: readonly string[], _transactionIds: readonly string[], fn: (tx: PackedHistoryTransaction) => T): Promise<T> {
    return Promise.resolve(this.transactSync(fn));
  }

  /** The synchronous form of `transact`, for hot loops in Node. */
  transactSync<T>(fn: (tx: PackedHistoryTransaction) => T): T {
    return fn(this.tx);
  }

  /** Number of users with history. */
  get userCount(): number {
    return this.users.size;
  }

  // The user looked up last: a transaction's history is read and then appended to.
  private lastUserId: string | undefined;
  private lastUser: UserHistory | undefined;

  private user(userId: string): UserHistory | undefined {
    if (userId === this.lastUserId) return this.lastUser;
    const u = this.users.get(userId);
    if (u !== undefined) {
      this.lastUserId = userId;
      this.lastUser = u;
    }
    return u;
  }

  private readonly tx: PackedHistoryTransaction = {
    history: (userId) => {
      const u = this.user(userId);
      if (u === undefined) return EMPTY;
      if (u.entries === null) u.entries = u.toEntries();
      return u.entries;
    },
    packedHistory: (userId) => this.user(userId) ?? EMPTY_PACKED,
    priorDecision: (id) => this.decisions.get(id),
    append: (userId, entry) => {
      let u = this.user(userId);
      if (u === undefined) {
        u = new UserHistory(this.arena);
        this.users.set(userId, u);
        this.lastUserId = userId;
        this.lastUser = u;
      }
      u.insert(entry, this.retention);
      if (u.entries !== null) {
        // A copy: the entry may be a whole transaction (see PackedHistoryTransaction).
        const copy: HistoryEntry = {
          transaction_id: entry.transaction_id,
          epochMs: entry.epochMs,
          location: entry.location,
          merchant_type: entry.merchant_type,
          amount: entry.amount,
          localHour: entry.localHour,
        };
        appendWithRetention(u.entries, copy, this.retention);
      }
    },
    recordDecision: (result) => this.decisions.record(result),
  };
}

// Not frozen: a frozen array has another elements kind, which would make the feature loops
// polymorphic. It is typed readonly and never handed out for writing.
const EMPTY: readonly HistoryEntry[] = [];
// (Of the same class as the users' histories: the feature loop then sees one shape.)
const EMPTY_PACKED: PackedHistory = new UserHistory(new HistoryArena());

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
