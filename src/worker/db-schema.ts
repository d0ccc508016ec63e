/**
 * The IndexedDB schema of the detector: one typed `DBSchema`, its record types and the versioned
 * `upgrade()`. Everything else in the worker goes through the typed handle this file opens.
 *
 * Stores (version 3):
 * - `log`: the append-only decision log, the audit trail and the source of truth. One record per
 *   committed `detectBatch` call (key: a sequence number, +1 per record, never reused), holding
 *   that batch's transactions, history entries and decisions as column arrays; or a `clear`
 *   record of `clearHistory`. Never rewritten; the oldest records leave it by retention (only
 *   records a snapshot covers, whose ids idempotency no longer remembers; never the newest).
 * - `catalog`: one small {@link CatalogEntry} per log record (when, how many decisions, the
 *   running total), written in the same transaction as the record: what retention reads instead
 *   of the records themselves.
 * - `snapshot`: the materialised per-user histories and the decided-id index as of one log
 *   sequence number, in chunks (key: chunk number). Rewritten whole by compaction, so a cold start
 *   reads the snapshot plus the log records after it instead of the whole log.
 * - `meta`: `snapshot` → {@link SnapshotMeta}.
 * - `labels`: analyst verdicts, one per transaction id, indexed by the sequence number of the
 *   decision's record (`seq`), so that retention removes them with their decisions.
 *
 * Versions:
 * - 1: `log`, `snapshot`, `meta`; analyst labels were kept in `meta` under `label:<transaction_id>`.
 * - 2: labels move to their own `labels` store (so the decision log reads them in one request);
 *   the upgrade moves every `label:` entry and keeps everything else as it is.
 * - 3: the `catalog` store (filled from the existing log by the upgrade, which reads every record
 *   once) and the `seq` of each label, with an index on it.
 *
 * Record formats carry a `format` number of their own, so a new column is a new format that the
 * readers accept next to the old one, without a schema version.
 */
import { wrap, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type { ReasonCode } from '../core/contract/types';
import { indexOfPacked } from './packed-strings';
import type { AnalystLabel } from './service-types';
import { StorageError, describeStorageError } from './storage-errors';

/** The schema version this build opens (and upgrades older databases to). */
export const DB_VERSION = 3;

/** Format of the log and snapshot records this build writes. */
export const RECORD_FORMAT = 1;

/** Many strings as one string plus end offsets: one value to clone instead of thousands. */
export interface PackedStrings {
  text: string;
  ends: Uint32Array;
}

/** A dictionary-encoded optional string column: `codes[k]` is 0 when row k has no value, else 1 + an index into `values`. */
export interface OptionalColumn {
  values: string[];
  codes: Uint32Array;
}

/**
 * One committed batch: `n` rows, each a transaction as received, its history entry and its
 * decision, as columns. Repeating strings (users, cities, merchants) are dictionary-encoded,
 * unique ones packed, numbers are typed arrays, and what most rows lack (reason codes, optional
 * fields, explanations) is sparse. Structured clone then copies a few buffers instead of
 * thousands of objects, which is what makes 100K+ durable decisions per second possible.
 */
export interface BatchRecord {
  seq: number;
  kind: 'batch';
  format: number;
  /** When the batch was decided (epoch ms, worker clock): `decided_at` of every row. */
  at: number;
  /** Random id of the service instance that wrote it (diagnostics). */
  writer: string;
  model_version: string;
  model_sha256: string;
  n: number;
  transaction_id: PackedStrings;
  users: string[];
  /** Row → index into `users`. */
  user: Uint32Array;
  amount: Float64Array;
  locations: string[];
  location: Uint32Array;
  merchants: string[];
  merchant: Uint32Array;
  /** The timestamps as received. */
  timestamp: PackedStrings;
  epoch_ms: Float64Array;
  local_hour: Uint8Array;
  /** Optional transaction fields (null: no row has the field). */
  user_name: OptionalColumn | null;
  country: OptionalColumn | null;
  mcc_code: OptionalColumn | null;
  risk_score: Float64Array;
  /** Row → index into `RISK_LEVELS`. */
  risk_level: Uint8Array;
  /** Row → index into `RECOMMENDATIONS`. */
  recommendation: Uint8Array;
  model_score: Float64Array;
  decision_function: Float64Array;
  /** Rows with reason codes (ascending), and their codes and details. */
  reason_rows: Uint32Array;
  reason_codes: ReasonCode[][];
  reason_details: string[][];
  /** Rows with other result fields (an explanation, fields added later), ascending, and those fields. */
  extra_rows: Uint32Array;
  extra: Array<Record<string, unknown>>;
}

/** `clearHistory(userId?)`: drops one user's history, or everyone's (`user_id` null). */
export interface ClearRecord {
  seq: number;
  kind: 'clear';
  format: number;
  at: number;
  writer: string;
  user_id: string | null;
}

/** A record of the decision log. */
export type LogRecord = BatchRecord | ClearRecord;

/** Part of the materialised histories: `users[i]` owns the next `counts[i]` rows, oldest first. */
export interface HistoryChunk {
  kind: 'history';
  users: string[];
  counts: Uint32Array;
  ids: PackedStrings;
  epoch_ms: Float64Array;
  amount: Float64Array;
  local_hour: Uint8Array;
  locations: string[];
  location: Uint32Array;
  merchants: string[];
  merchant: Uint32Array;
}

/** Part of the decided-id index, oldest first: id → log sequence number of its decision. */
export interface IndexChunk {
  kind: 'index';
  ids: PackedStrings;
  seq: Float64Array;
  /** FNV-1a of each id, so a cold start builds its hash table without reading the strings. */
  hash: Uint32Array;
}

/** A record of the `snapshot` store. */
export type SnapshotChunk = HistoryChunk | IndexChunk;

/** `meta` → `snapshot`: which log sequence number the snapshot reflects. */
export interface SnapshotMeta {
  format: number;
  /** The snapshot holds the state after applying log records 1..seq. */
  seq: number;
  chunks: number;
  users: number;
  entries: number;
  ids: number;
  at: number;
  writer: string;
}

/** Version 1 only: an analyst label kept in `meta` under `label:<transaction_id>`. */
export interface LegacyLabelV1 {
  label: AnalystLabel;
  labelled_at: number;
}

/** An analyst verdict on a decided transaction. */
export interface LabelRecord {
  transaction_id: string;
  label: AnalystLabel;
  labelled_at: number;
  /** Sequence number of the log record holding the decision (absent only when the upgrade found none). */
  seq?: number;
}

/** What retention needs to know of one log record, without reading the record. */
export interface CatalogEntry {
  seq: number;
  /** The record's `at` (epoch ms). */
  at: number;
  /** Decisions in the record (0 for a clear record). */
  n: number;
  /** Decisions in records 1..seq, removed ones included (a running total: decisions after record s = total(newest) - total(s)). */
  total: number;
}

/** The typed schema (version {@link DB_VERSION}). */
export interface DetectorDB extends DBSchema {
  log: { key: number; value: LogRecord };
  snapshot: { key: number; value: SnapshotChunk };
  meta: { key: string; value: SnapshotMeta | LegacyLabelV1 };
  labels: { key: string; value: LabelRecord; indexes: { seq: number } };
  catalog: { key: number; value: CatalogEntry };
}

/** An open detector database. */
export type DetectorDatabase = IDBPDatabase<DetectorDB>;

/** Prefix of version-1 label keys in `meta`. */
const LEGACY_LABEL_PREFIX = 'label:';

/**
 * Brings a database from `oldVersion` to {@link DB_VERSION} inside the versionchange transaction.
 * Each step runs once, in order; data is moved, never dropped.
 */
export function upgradeSchema(db: DetectorDatabase, oldVersion: number, tx: IDBPTransaction<DetectorDB, StoreNames<DetectorDB>[], 'versionchange'>): void {
  if (oldVersion < 1) {
    db.createObjectStore('log', { keyPath: 'seq' });
    db.createObjectStore('snapshot');
    db.createObjectStore('meta');
  }
  // Data steps run in order, each after the one before finished (they share the versionchange transaction).
  let steps: Promise<void> = Promise.resolve();
  if (oldVersion < 2) {
    db.createObjectStore('labels', { keyPath: 'transaction_id' });
    if (oldVersion >= 1) steps = steps.then(() => moveLegacyLabels(tx));
  }
  if (oldVersion < 3) {
    db.createObjectStore('catalog', { keyPath: 'seq' });
    tx.objectStore('labels').createIndex('seq', 'seq');
    if (oldVersion >= 1) steps = steps.then(() => buildCatalog(tx));
  }
  // A failed data step must not leave a half-upgraded database: abort, and the open reports it.
  steps.catch(() => {
    try {
      tx.abort();
    } catch {
      // Already finished.
    }
  });
}

/** Version 3: a catalog entry per existing log record, and the record of each label's decision. */
async function buildCatalog(tx: IDBPTransaction<DetectorDB, StoreNames<DetectorDB>[], 'versionchange'>): Promise<void> {
  const catalog = tx.objectStore('catalog');
  const labelStore = tx.objectStore('labels');
  const unplaced = new Map((await labelStore.getAll()).map((l) => [l.transaction_id, l] as const));
  let total = 0;
  let cursor = await tx.objectStore('log').openCursor();
  while (cursor) {
    const rec = cursor.value;
    const n = rec.kind === 'batch' ? rec.n : 0;
    total += n;
    void catalog.put({ seq: rec.seq, at: rec.at, n, total });
    if (rec.kind === 'batch' && unplaced.size > 0) {
      for (const [id, label] of unplaced) {
        if (indexOfPacked(rec.transaction_id, id) < 0) continue;
        void labelStore.put({ ...label, seq: rec.seq });
        unplaced.delete(id);
      }
    }
    cursor = await cursor.continue();
  }
}

async function moveLegacyLabels(tx: IDBPTransaction<DetectorDB, StoreNames<DetectorDB>[], 'versionchange'>): Promise<void> {
  const labels = tx.objectStore('labels');
  const range = IDBKeyRange.bound(LEGACY_LABEL_PREFIX, `${LEGACY_LABEL_PREFIX}\uffff`);
  let cursor = await tx.objectStore('meta').openCursor(range);
  while (cursor) {
    const old = cursor.value as LegacyLabelV1;
    void labels.put({ transaction_id: cursor.key.slice(LEGACY_LABEL_PREFIX.length), label: old.label, labelled_at: old.labelled_at });
    void cursor.delete();
    cursor = await cursor.continue();
  }
}

/** What the open connection reports after it opened. */
export interface DatabaseEvents {
  /** The connection was closed under us: another tab upgrades or deletes the database, or the browser closed it. */
  onClosed(reason: string): void;
}

/**
 * Opens (creating or upgrading) the detector database with `factory`. A blocked upgrade (another
 * tab keeps an older version open) rejects at once with a {@link StorageError} saying so, instead
 * of hanging; this connection closes itself when another one wants to upgrade or delete it.
 */
export function openDetectorDatabase(factory: IDBFactory, name: string, events: DatabaseEvents): Promise<DetectorDatabase> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, DB_VERSION);
    } catch (e) {
      reject(describeStorageError(e, `opening the database "${name}"`));
      return;
    }
    request.onupgradeneeded = (event) => {
      const db = wrap(request.result) as unknown as DetectorDatabase;
      const tx = wrap(request.transaction as IDBTransaction) as unknown as IDBPTransaction<DetectorDB, StoreNames<DetectorDB>[], 'versionchange'>;
      upgradeSchema(db, event.oldVersion, tx);
    };
    request.onblocked = (event) => {
      if (settled) return;
      settled = true;
      reject(
        new StorageError(
          `IndexedDB upgrade of database "${name}" from version ${event.oldVersion} to ${DB_VERSION} is blocked: another tab or worker keeps the older version open. Close the other tabs of this app (or reload them) and retry.`,
          'blocked',
        ),
      );
    };
    request.onerror = (event) => {
      event.preventDefault();
      if (settled) return;
      settled = true;
      reject(describeStorageError(request.error, `opening the database "${name}"`));
    };
    request.onsuccess = () => {
      const raw = request.result;
      if (settled) {
        // We already reported the blocked upgrade; the open completed later. Do not hold it.
        raw.close();
        return;
      }
      settled = true;
      raw.onversionchange = (event) => {
        raw.close();
        events.onClosed(event.newVersion === null ? 'the database was deleted by another tab or the app' : `another tab opened version ${event.newVersion} of the database`);
      };
      raw.onclose = () => events.onClosed('the browser closed the database connection');
      resolve(wrap(raw) as unknown as DetectorDatabase);
    };
  });
}
