/**
 * Shared pieces of the worker tests: the committed model, fresh database names that are deleted
 * after each test, transactions, and the clients and services a test started (closed after it).
 */
import type { DetectionResult, ErrorResult, Transaction } from '../../../src/core/contract/types';
import { DetectorClient, type DetectorClientOptions } from '../../../src/ui/detector-client';
import type { DetectorInit, DetectorService } from '../../../src/worker/service-types';

/** The committed model, as the dev server serves it. */
export const MODEL_URL = '/models/isolation_forest.json';

/** A database name no other test uses. */
export function freshDbName(label: string): string {
  return `txn-test-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Deletes a database, waiting for open connections to close. */
export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
}

/** Names of the existing databases. */
export async function databaseNames(): Promise<string[]> {
  return (await indexedDB.databases()).map((d) => d.name ?? '');
}

/** A transaction of `user` in `city` at `time` (ISO 8601 with offset). */
export function txn(id: string, user: string, city: string, time: string, amount = 500): Transaction {
  return { transaction_id: id, user_id: user, amount, location: city, timestamp: time, merchant_type: 'grocery' };
}

/** Narrows a result to a decision (fails the test on an error result). */
export function decision(r: DetectionResult | ErrorResult): DetectionResult {
  if ('error' in r) throw new Error(`expected a decision, got error ${JSON.stringify(r.error)}`);
  return r;
}

/** What one test started; `cleanup()` in `afterEach` stops it all and deletes its databases. */
export class TestKit {
  private readonly clients: DetectorClient[] = [];
  private readonly services: DetectorService[] = [];
  private readonly dbs: string[] = [];
  private readonly cleanups: Array<() => unknown> = [];

  /** A fresh database name, deleted after the test. */
  db(label: string): string {
    const name = freshDbName(label);
    this.dbs.push(name);
    return name;
  }

  /** A client of the real module worker; no heartbeat unless asked (tests are short). */
  client(init: DetectorInit, options: DetectorClientOptions = {}): DetectorClient {
    const c = new DetectorClient(init, { heartbeatMs: 0, ...options });
    this.clients.push(c);
    return c;
  }

  /** Registers a service created in the page, closed after the test. */
  service<T extends DetectorService>(s: T): T {
    this.services.push(s);
    return s;
  }

  /** Runs `fn` after the test. */
  defer(fn: () => unknown): void {
    this.cleanups.push(fn);
  }

  async cleanup(): Promise<void> {
    for (const c of this.clients.splice(0)) c.terminate();
    for (const s of this.services.splice(0)) await s.close().catch(() => undefined);
    for (const fn of this.cleanups.splice(0)) await fn();
    for (const name of this.dbs.splice(0)) await deleteDatabase(name);
  }
}
