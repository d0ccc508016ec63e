import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectionResult, HistoryEntry, ParsedTransaction, Transaction } from '../../src/core/contract/types';
import { validateTransaction } from '../../src/core/contract/validate';
import { createDetector } from '../../src/core/detector';
import { writeFeatures } from '../../src/core/features';
import {
  appendWithRetention,
  ArenaHistory,
  DEFAULT_RETENTION,
  HistoryArena,
  hasPackedHistory,
  MemoryHistoryStore,
  packHistory,
  type HistoryStore,
  type HistoryTransaction,
  type PackedHistory,
  type RetentionConfig,
} from '../../src/core/history';
import { DecisionLog } from '../../src/core/history/decision-log';
import { StringIndex } from '../../src/core/history/string-index';
import { evaluateRules } from '../../src/core/rules';
import { simulate } from '../../src/core/simulator';
import { defaultModel } from '../helpers/model';

const T0 = Date.UTC(2026, 2, 2, 10);
const entryArb = fc.record({
  transaction_id: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('ta', 'tb')),
  // A few distinct instants, so equal times (and their order) are exercised.
  epochMs: fc.integer({ min: 0, max: 40 }).map((k) => T0 + k * 45_000),
  location: fc.constantFrom('Mumbai', 'Delhi', 'mumbai', 'Pune', 'Atlantis'),
  merchant_type: fc.constantFrom('grocery', 'fuel', 'travel'),
  amount: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(0)),
  localHour: fc.integer({ min: 0, max: 23 }),
});
const retentionArb = fc.record({
  maxEntriesPerUser: fc.integer({ min: 0, max: 12 }),
  maxAgeMs: fc.constantFrom(0, 60_000, 600_000, DEFAULT_RETENTION.maxAgeMs),
});

function entriesOf(p: PackedHistory): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = p.start; i < p.end; i++) {
    out.push({
      transaction_id: p.strings[3 * i],
      epochMs: p.numbers[3 * i],
      location: p.strings[3 * i + 1],
      merchant_type: p.strings[3 * i + 2],
      amount: p.numbers[3 * i + 1],
      localHour: p.numbers[3 * i + 2],
    });
  }
  return out;
}

/** The sorted amounts a packed history gives for its entries (null: none). */
function sortedOf(p: PackedHistory): number[] | null {
  return p.sortedAmounts == null ? null : Array.from({ length: p.end - p.start }, (_, k) => p.sortedAmounts![p.start + k]);
}

describe('packed history', () => {
  it('keeps the same entries as appendWithRetention, for arrivals in any order and any retention', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 60, size: 'max' }), retentionArb, (entries, retention: RetentionConfig) => {
        const packed = new ArenaHistory(new HistoryArena());
        const reference: HistoryEntry[] = [];
        for (const e of entries) {
          packed.insert(e, retention);
          appendWithRetention(reference, e, retention);
          expect(entriesOf(packed)).toEqual(reference);
          // The sorted amounts the feature function takes the median from.
          expect(sortedOf(packed)).toEqual(reference.map((r) => r.amount).sort((a, b) => a - b));
        }
        expect(packed.toEntries()).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps every user of a shared arena apart while their slabs grow, compact, move across pages and are reused', () => {
    // Tiny pages: slabs (4, 8, 16, ... entries) soon fill a page, and freed ones are taken again.
    const opArb = fc.record({ user: fc.integer({ min: 0, max: 3 }), e: entryArb });
    fc.assert(
      // (size 'max': lengths up to 150, not fast-check's default of a few, so slabs fill up.)
      fc.property(fc.array(opArb, { maxLength: 150, size: 'max' }), retentionArb, fc.constantFrom(4, 8, 16), (ops, retention: RetentionConfig, first) => {
        const arena = new HistoryArena({ first, full: 32 });
        const users = Array.from({ length: 4 }, () => new ArenaHistory(arena));
        const references: HistoryEntry[][] = users.map(() => []);
        for (const { user, e } of ops) {
          users[user].insert(e, retention);
          appendWithRetention(references[user], e, retention);
          // Every user, not only the one appended to: a slab written over shows up elsewhere.
          for (let u = 0; u < users.length; u++) {
            expect(entriesOf(users[u])).toEqual(references[u]);
            expect(sortedOf(users[u])).toEqual(references[u].map((r) => r.amount).sort((a, b) => a - b));
          }
        }
        // Retention bounds what a user holds: a slab grows only while more than half of it is live.
        const bound = users.reduce((n, u) => n + Math.max(4, 2 ** Math.ceil(Math.log2(2 * Math.max(1, retention.maxEntriesPerUser) + 1))), 0);
        expect(arena.inUse).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 150 },
    );
  });

  it('gives up its sorted amounts once an amount is not a number, and the features then select the median themselves', () => {
    const schema = defaultModel().file.feature_schema;
    const packed = new ArenaHistory(new HistoryArena());
    const base = { transaction_id: 'a', epochMs: T0, location: 'Mumbai', merchant_type: 'fuel', localHour: 10 };
    for (const [k, amount] of [100, Number.NaN, 300, 200].entries()) packed.insert({ ...base, transaction_id: `t${k}`, epochMs: T0 + k, amount }, DEFAULT_RETENTION);
    expect(packed.sortedAmounts).toBeNull();
    const txn = validated({ transaction_id: 'now', user_id: 'u', amount: 50, location: 'Mumbai', timestamp: new Date(T0 + 60_000).toISOString(), merchant_type: 'fuel' });
    const fromPacked = new Float64Array(10);
    const fromEntries = new Float64Array(10);
    writeFeatures(schema, txn, packed, fromPacked, 0);
    writeFeatures(schema, txn, packed.toEntries(), fromEntries, 0);
    expect(fromPacked).toEqual(fromEntries);
  });

  it('packs entries in their order, and reuses its scratch without leftovers', () => {
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 30 }), fc.array(entryArb, { maxLength: 30 }), (a, b) => {
        expect(entriesOf(packHistory(a))).toEqual(a);
        expect(entriesOf(packHistory(b))).toEqual(b);
      }),
    );
  });

  it('gives the same features and rule hits from entries as from the packed store', () => {
    const schema = defaultModel().file.feature_schema;
    fc.assert(
      fc.property(fc.array(entryArb, { maxLength: 25 }), entryArb, fc.constantFrom('ta', 'tb', 'tz'), fc.double({ min: 0, max: 1e6, noNaN: true }), (history, at, id, amount) => {
        // Ids shared with the history: a replay of the transaction itself is not its history.
        const txn = validated({ transaction_id: id, user_id: 'u', amount, location: at.location, timestamp: new Date(at.epochMs).toISOString(), merchant_type: at.merchant_type });
        const packed = new ArenaHistory(new HistoryArena());
        for (const e of history) packed.insert(e, DEFAULT_RETENTION);
        const kept = packed.toEntries();
        const fromEntries = new Float64Array(10);
        const fromPacked = new Float64Array(10);
        writeFeatures(schema, txn, kept, fromEntries, 0);
        writeFeatures(schema, txn, packed, fromPacked, 0);
        expect(fromPacked).toEqual(fromEntries);
        expect(evaluateRules(txn, packed)).toEqual(evaluateRules(txn, kept));
        // Entries in any order: the features of a reversed history are the same.
        const fromReversed = new Float64Array(10);
        writeFeatures(schema, txn, [...kept].reverse(), fromReversed, 0);
        expect(fromReversed).toEqual(fromEntries);
      }),
      { numRuns: 300 },
    );
  });
});

describe('behavioural features against a definition written out here', () => {
  it('counts windows, usual hours (around midnight too), first city and merchant as defined, whatever the stored hours', () => {
    const schema = defaultModel().file.feature_schema;
    const enc = schema.encodings as { hourWindowMs: number; shortWindowMs: number; hourNeighbourhood: number };
    // Hours outside 0..23 or fractional cannot come from a validated transaction, but a history
    // handed in directly may hold them; they are measured around the clock as they are.
    const hourArb = fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(23.5, 0.25, 24, 30, -1));
    fc.assert(
      fc.property(fc.array(fc.record({ e: entryArb, h: hourArb }), { maxLength: 30 }), entryArb, fc.integer({ min: 0, max: 23 }), (raw, at, hour) => {
        const history = raw.map(({ e, h }) => ({ ...e, localHour: h }));
        const ts = new Date(at.epochMs + hour * 3_600_000);
        const txn = validated({ transaction_id: 'now', user_id: 'u', amount: 10, location: at.location, timestamp: ts.toISOString(), merchant_type: at.merchant_type });
        const out = new Float64Array(10);
        writeFeatures(schema, txn, history, out, 0);
        const past = history.filter((e) => e.epochMs <= txn.epochMs);
        const near = past.filter((e) => {
          const d = Math.abs(e.localHour - txn.localHour);
          return Math.min(d, 24 - d) <= enc.hourNeighbourhood;
        }).length;
        expect(out[2]).toBe(past.length > 0 && !past.some((e) => e.location === txn.location) ? 1 : 0);
        expect(out[3]).toBe(past.length > 0 && !past.some((e) => e.merchant_type === txn.merchant_type) ? 1 : 0);
        expect(out[4]).toBe(past.filter((e) => txn.epochMs - e.epochMs < enc.hourWindowMs).length);
        expect(out[5]).toBe(past.filter((e) => txn.epochMs - e.epochMs < enc.shortWindowMs).length);
        expect(out[8]).toBe(past.length > 0 ? near / past.length : 1);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

function validated(t: Transaction): ParsedTransaction {
  const v = validateTransaction(t);
  if (!v.ok) throw new Error(JSON.stringify(v.error));
  return v.value;
}

/** The store as it was before packing: an array of entries per user and a Map of decisions. */
class ReferenceStore implements HistoryStore {
  readonly users = new Map<string, HistoryEntry[]>();
  readonly decisions = new Map<string, DetectionResult>();
  constructor(private readonly retention: RetentionConfig, private readonly maxDecisions: number) {}
  transact<T>(_u: readonly string[], _t: readonly string[], fn: (tx: HistoryTransaction) => T): Promise<T> {
    return Promise.resolve(fn(this.tx));
  }
  readonly tx: HistoryTransaction = {
    history: (userId) => this.users.get(userId) ?? [],
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

describe('the in-memory store', () => {
  it('decides simulated traffic with repeats and late arrivals exactly as the array-and-Map store did', async () => {
    const retention = { maxEntriesPerUser: 6, maxAgeMs: 3_600_000 };
    const inputs: unknown[] = simulate({ n: 4000, seed: 21, users: 40, anomalyRate: 0.05 });
    // Repeats of earlier ids (some recent, some long forgotten) and late arrivals under new ids.
    for (let i = 0; i < 600; i++) {
      const t = inputs[(i * 7919) % 4000] as Transaction;
      inputs.splice(100 + i * 6, 0, i % 3 === 0 ? { ...t, transaction_id: `late_${i}` } : { ...t });
    }
    const packed = new MemoryHistoryStore({ ...retention, maxDecisions: 500 });
    const reference = new ReferenceStore(retention, 500);
    const a = createDetector({ model: defaultModel(), history: packed, config: { explain: 'none' } });
    const b = createDetector({ model: defaultModel(), history: reference, config: { explain: 'none' } });
    for (let i = 0; i < inputs.length; i += 97) {
      const batch = inputs.slice(i, i + 97);
      const [x, y] = [await a.detectBatch(batch), await b.detectBatch(batch)];
      expect(JSON.stringify(x)).toBe(JSON.stringify(y));
    }
    const users = [...reference.users.keys()];
    expect(packed.userCount).toBe(users.length);
    packed.transactSync((tx) => {
      expect(hasPackedHistory(tx)).toBe(true);
      for (const u of users) expect(tx.history(u)).toEqual(reference.users.get(u));
    });
  });

  it('keeps history() in step with later appends once it has been asked for', () => {
    const store = new MemoryHistoryStore({ maxEntriesPerUser: 3 });
    const e = (id: string, s: number): HistoryEntry => ({ transaction_id: id, epochMs: T0 + s * 1000, location: 'Pune', merchant_type: 'fuel', amount: s, localHour: 10 });
    store.transactSync((tx) => {
      tx.append('u', e('a', 1));
      const live = tx.history('u');
      tx.append('u', e('c', 3));
      tx.append('u', e('b', 2));
      tx.append('u', e('d', 4));
      expect(live.map((x) => x.transaction_id)).toEqual(['b', 'c', 'd']);
      expect(tx.history('u')).toBe(live);
      expect(tx.history('nobody')).toEqual([]);
    });
  });

  it('keeps only the fields of an entry when given a whole transaction', () => {
    const store = new MemoryHistoryStore();
    const txn = validated({ transaction_id: 't', user_id: 'u', amount: 5, location: 'Pune', timestamp: '2026-03-02T10:00:00Z', merchant_type: 'fuel' });
    store.transactSync((tx) => {
      tx.history('u');
      tx.append('u', txn);
      tx.append('v', txn);
      const expected = [{ transaction_id: 't', epochMs: txn.epochMs, location: 'Pune', merchant_type: 'fuel', amount: 5, localHour: 10 }];
      expect(tx.history('u')).toStrictEqual(expected);
      expect(tx.history('v')).toStrictEqual(expected);
    });
  });
});

describe('the decision log', () => {
  const result = (id: string, extra: Partial<DetectionResult> = {}): DetectionResult => ({
    transaction_id: id,
    user_id: `u_${id}`,
    risk_score: id.length / 10,
    risk_level: 'LOW',
    reason_codes: [],
    recommendation: 'APPROVE',
    reason_details: [],
    model_score: -0.4,
    decision_function: -0,
    model_version: 'v1',
    ...extra,
  });

  it('remembers and forgets like a Map in insertion order capped at max, across chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9000 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12_000 }), fc.boolean()), { minLength: 1, maxLength: 200 }),
        // Chunks far smaller than the default, so runs cross many of their boundaries.
        fc.constantFrom(1, 64, 4096),
        (max, ops, chunkSize) => {
          const log = new DecisionLog(max, chunkSize);
          const map = new Map<string, DetectionResult>();
          // Long runs of fresh ids, so chunks fill up and are dropped.
          let fresh = 0;
          for (const [k, burst] of ops) {
            const ids = burst ? Array.from({ length: 100 }, () => `f${fresh++}`) : [`k${k}`];
            for (const id of ids) {
              const r = result(id, { risk_score: k });
              log.record(r);
              map.set(id, r);
              if (map.size > max) map.delete(map.keys().next().value as string);
            }
            expect(log.size).toBe(map.size);
            expect(log.get(`k${k}`)).toEqual(map.get(`k${k}`));
          }
          for (const [id, r] of map) expect(log.get(id)).toEqual(r);
          expect(log.get(`f${fresh}`)).toBeUndefined();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('takes only a power of two as its chunk size', () => {
    for (const bad of [0, 3, 1.5, -4, Number.NaN]) expect(() => new DecisionLog(10, bad)).toThrow(/chunkSize must be a power of two/);
  });

  it('gives back results that serialise as the recorded ones, and odd objects as they are', () => {
    const log = new DecisionLog(100);
    const plain = result('a', { risk_level: 'HIGH', recommendation: 'BLOCK', reason_codes: ['HIGH_AMOUNT'], reason_details: ['Amount ₹15,000.00'] });
    const explained = { ...result('b'), explanation: { summary: 's' } } as unknown as DetectionResult;
    const undefinedExplanation = { ...result('c'), explanation: undefined };
    const odd = { ...result('d'), note: 'extra key' } as DetectionResult;
    const unknownLevel = result('e', { risk_level: 'EXTREME' as never });
    for (const r of [plain, explained, undefinedExplanation, odd, unknownLevel]) log.record(r);
    for (const r of [plain, explained, undefinedExplanation]) {
      expect(JSON.stringify(log.get(r.transaction_id))).toBe(JSON.stringify(r));
      expect(Object.keys(log.get(r.transaction_id)!)).toEqual(Object.keys(r));
      expect(Object.is(log.get(r.transaction_id)!.decision_function, -0)).toBe(true);
    }
    expect(log.get('a')!.reason_codes).toBe(plain.reason_codes);
    expect(log.get('d')).toBe(odd);
    expect(log.get('e')).toBe(unknownLevel);
    // Recording an id again replaces its decision in place.
    log.record(result('a'));
    expect(log.get('a')).toEqual(result('a'));
  });
});

describe('StringIndex', () => {
  const ops = fc.array(fc.tuple(fc.constantFrom('set', 'get', 'delete'), fc.string({ maxLength: 3 }), fc.nat()), { maxLength: 400 });

  it('behaves like a Map under any sequence of sets, gets and deletes', () => {
    fc.assert(
      fc.property(ops, (ops) => {
        const index = new StringIndex(1);
        const map = new Map<string, number>();
        for (const [op, key, value] of ops) {
          if (op === 'set') {
            index.set(key, value);
            map.set(key, value);
          } else if (op === 'delete') expect(index.delete(key)).toBe(map.delete(key));
          expect(index.get(key)).toBe(map.get(key) ?? -1);
          expect(index.size).toBe(map.size);
        }
        for (const [k, v] of map) expect(index.get(k)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });

  it('behaves the same when the caller keeps the keys', () => {
    fc.assert(
      fc.property(ops, (ops) => {
        // Values are distinct numbers the caller maps back to their keys.
        const keyOfValue = new Map<number, string>();
        const index = new StringIndex(1, (v) => keyOfValue.get(v)!);
        const map = new Map<string, number>();
        let next = 0;
        for (const [op, key] of ops) {
          if (op === 'set') {
            const v = next++;
            keyOfValue.set(v, key);
            index.set(key, v);
            map.set(key, v);
          } else if (op === 'delete') expect(index.delete(key)).toBe(map.delete(key));
          expect(index.get(key)).toBe(map.get(key) ?? -1);
        }
        for (const [k, v] of map) expect(index.get(k)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });
});
