import { describe, expect, it } from 'vitest';
import type { DetectionResult, ErrorResult, Transaction } from '../../src/core/contract/types';
import { createDetector, isErrorResult, type DetectOutcome } from '../../src/core/detector';
import { MemoryHistoryStore } from '../../src/core/history';
import { defaultModel } from '../helpers/model';

let counter = 0;
function txn(over: Partial<Transaction> & Record<string, unknown> = {}): Transaction {
  counter++;
  return {
    transaction_id: `t_${counter}`,
    user_id: 'user_a',
    amount: 500,
    location: 'Mumbai',
    timestamp: '2026-03-02T14:00:00Z',
    merchant_type: 'grocery',
    ...over,
  } as Transaction;
}
function decided(o: DetectOutcome): DetectionResult {
  if (isErrorResult(o)) throw new Error(`expected a decision, got ${JSON.stringify(o)}`);
  return o;
}
function rejected(o: DetectOutcome): ErrorResult {
  if (!isErrorResult(o)) throw new Error(`expected an error, got ${JSON.stringify(o)}`);
  return o;
}
const fresh = () => {
  const history = new MemoryHistoryStore();
  return { history, detector: createDetector({ model: defaultModel(), history }) };
};

describe('the old service behaviour, kept', () => {
  it('flags 15,000 as HIGH_AMOUNT and not 10,000', async () => {
    const { detector } = fresh();
    expect(decided(await detector.detect(txn({ user_id: 'u1', amount: 15_000 }))).reason_codes).toContain('HIGH_AMOUNT');
    expect(decided(await detector.detect(txn({ user_id: 'u2', amount: 10_000 }))).reason_codes).not.toContain('HIGH_AMOUNT');
  });

  it('flags 03:30Z and 02:00Z as UNUSUAL_HOUR but not 05:00Z or 14:00Z', async () => {
    const { detector } = fresh();
    const code = async (ts: string, user: string) => decided(await detector.detect(txn({ user_id: user, timestamp: ts }))).reason_codes.includes('UNUSUAL_HOUR');
    expect(await code('2026-03-02T03:30:00Z', 'h1')).toBe(true);
    expect(await code('2026-03-02T02:00:00Z', 'h2')).toBe(true);
    expect(await code('2026-03-02T05:00:00Z', 'h3')).toBe(false);
    expect(await code('2026-03-02T14:00:00Z', 'h4')).toBe(false);
  });

  it('uses the wall clock of the timestamp offset: 08:30+05:30 is 03:00Z but not an unusual hour', async () => {
    const { detector } = fresh();
    expect(decided(await detector.detect(txn({ user_id: 'o1', timestamp: '2026-03-02T08:30:00+05:30' }))).reason_codes).not.toContain('UNUSUAL_HOUR');
    expect(decided(await detector.detect(txn({ user_id: 'o2', timestamp: '2026-03-02T03:30:00+05:30' }))).reason_codes).toContain('UNUSUAL_HOUR');
  });

  it('blocks the fourth transaction from four cities within 60 s with VELOCITY_MULTI_CITY', async () => {
    const { detector } = fresh();
    const cities = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai'];
    const results = await detector.detectBatch(cities.map((location, i) => txn({ user_id: 'v', location, timestamp: `2026-03-02T10:00:0${i}Z` })));
    expect(results.slice(0, 3).map((r) => decided(r).reason_codes.includes('VELOCITY_MULTI_CITY'))).toEqual([false, false, false]);
    const fourth = decided(results[3]);
    expect(fourth.reason_codes).toContain('VELOCITY_MULTI_CITY');
    expect(fourth.recommendation).toBe('BLOCK');
    expect(fourth.risk_level).not.toBe('LOW');
    const detail = fourth.reason_details[fourth.reason_codes.indexOf('VELOCITY_MULTI_CITY')];
    for (const c of cities) expect(detail).toContain(c);
  });

  it('never raises VELOCITY_MULTI_CITY for five transactions in Mumbai', async () => {
    const { detector } = fresh();
    const results = await detector.detectBatch([0, 1, 2, 3, 4].map((i) => txn({ user_id: 'm', timestamp: `2026-03-02T10:00:0${i}Z` })));
    for (const r of results) expect(decided(r).reason_codes).not.toContain('VELOCITY_MULTI_CITY');
  });

  it("never counts another user's transactions in the velocity window", async () => {
    const { detector } = fresh();
    const cities = ['Mumbai', 'Delhi', 'Bangalore', 'Chennai'];
    const results = await detector.detectBatch(cities.map((location, i) => txn({ user_id: `other_${i}`, location, timestamp: `2026-03-02T10:00:0${i}Z` })));
    for (const r of results) expect(decided(r).reason_codes).not.toContain('VELOCITY_MULTI_CITY');
  });

  it('approves 500 at a Mumbai grocery at 14:00Z', async () => {
    const { detector } = fresh();
    const r = decided(await detector.detect(txn({ user_id: 'plain', amount: 500, location: 'Mumbai', timestamp: '2026-03-02T14:00:00Z', merchant_type: 'grocery' })));
    expect(r.recommendation).toBe('APPROVE');
    expect(r.reason_codes).toEqual([]);
  });

  it('does not approve 25,000 of electronics at 03:00Z and gives both reasons', async () => {
    const { detector } = fresh();
    const r = decided(await detector.detect(txn({ user_id: 'night', amount: 25_000, timestamp: '2026-03-02T03:00:00Z', merchant_type: 'electronics' })));
    expect(r.reason_codes).toEqual(expect.arrayContaining(['HIGH_AMOUNT', 'UNUSUAL_HOUR']));
    expect(r.recommendation).not.toBe('APPROVE');
    expect(r.risk_level).not.toBe('LOW');
  });

  it('rejects a transaction with only an id, naming the first missing field', async () => {
    const { detector } = fresh();
    const e = rejected(await detector.detect({ transaction_id: 'txn_001' }));
    expect(e.transaction_id).toBe('txn_001');
    expect(e.error.code).toBe('MISSING_FIELD');
    expect(e.error.field).toBe('user_id');
  });

  it('rejects amount -100 naming the amount field', async () => {
    const { detector } = fresh();
    const e = rejected(await detector.detect(txn({ amount: -100 })));
    expect(e.error.field).toBe('amount');
    expect(e.error.message).toContain('-100');
  });
});

describe('batches, repeats and history', () => {
  it('scores the good items of a batch and stores nothing of a bad one', async () => {
    const { detector, history } = fresh();
    const good1 = txn({ user_id: 'b', timestamp: '2026-03-02T10:00:00Z' });
    const bad = txn({ user_id: 'b', amount: Number.NaN, timestamp: '2026-03-02T10:00:01Z' });
    const good2 = txn({ user_id: 'b', timestamp: '2026-03-02T10:00:02Z' });
    const out = await detector.detectBatch([good1, bad, 'not an object', good2]);
    expect(decided(out[0]).transaction_id).toBe(good1.transaction_id);
    expect(rejected(out[1]).error.field).toBe('amount');
    expect(rejected(out[2]).error.code).toBe('NOT_AN_OBJECT');
    expect(decided(out[3]).transaction_id).toBe(good2.transaction_id);
    const ids = history.transactSync((tx) => tx.history('b').map((e) => e.transaction_id));
    expect(ids).toEqual([good1.transaction_id, good2.transaction_id]);
  });

  it('returns the first decision for a repeated transaction_id and does not count it twice', async () => {
    const { detector, history } = fresh();
    const t = txn({ user_id: 'r', location: 'Mumbai', timestamp: '2026-03-02T10:00:00Z' });
    const first = decided(await detector.detect(t));
    const again = decided(await detector.detect({ ...t, amount: 99_999 }));
    expect(again).toEqual(first);
    // Three more distinct ones in other cities: only four distinct transactions in the window, so
    // VELOCITY fires only because of the fourth distinct one, not because of the repeat.
    const more = await detector.detectBatch([
      txn({ user_id: 'r', location: 'Delhi', timestamp: '2026-03-02T10:00:01Z' }),
      { ...t },
      txn({ user_id: 'r', location: 'Pune', timestamp: '2026-03-02T10:00:02Z' }),
    ]);
    expect(more.map((r) => decided(r).reason_codes.includes('VELOCITY_MULTI_CITY'))).toEqual([false, false, false]);
    expect(history.transactSync((tx) => tx.history('r').length)).toBe(3);
  });

  it('handles out-of-order arrivals: a later transaction does not count in an earlier one\'s window', async () => {
    const { detector } = fresh();
    await detector.detectBatch([
      txn({ user_id: 'ooo', location: 'Delhi', timestamp: '2026-03-02T10:05:00Z' }),
      txn({ user_id: 'ooo', location: 'Pune', timestamp: '2026-03-02T10:05:01Z' }),
      txn({ user_id: 'ooo', location: 'Chennai', timestamp: '2026-03-02T10:05:02Z' }),
    ]);
    const early = decided(await detector.detect(txn({ user_id: 'ooo', location: 'Mumbai', timestamp: '2026-03-02T10:00:00Z' })));
    expect(early.reason_codes).not.toContain('VELOCITY_MULTI_CITY');
  });

  it('reports the model version and scikit-learn score semantics with every decision', async () => {
    const { detector } = fresh();
    const r = decided(await detector.detect(txn({ user_id: 'sem' })));
    expect(r.model_version).toBe(defaultModel().file.model_version);
    expect(r.model_score).toBeLessThan(0);
    expect(r.model_score).toBeGreaterThanOrEqual(-1);
    expect(r.decision_function).toBe(r.model_score - defaultModel().file.offset);
    expect(r.risk_score).toBeGreaterThanOrEqual(0);
    expect(r.risk_score).toBeLessThanOrEqual(1);
  });
});
