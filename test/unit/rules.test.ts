import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEntry, ParsedTransaction, ReasonCode } from '../../src/core/contract/types';
import {
  ConfigError,
  createRulesConfig,
  DEFAULT_CITY_COORDINATES,
  DEFAULT_RULES_CONFIG,
  evaluateRules,
  findCity,
  formatMoney,
  haversineKm,
  type RuleHit,
} from '../../src/core/rules/index';

let nextId = 0;

/** A parsed transaction from an ISO timestamp with an explicit offset, computed independently of the parser. */
function txn(
  timestamp: string,
  location = 'Mumbai',
  amount = 500,
  transaction_id = `t${++nextId}`,
): ParsedTransaction {
  const m = /T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(timestamp);
  if (m === null) throw new Error(`bad test timestamp ${timestamp}`);
  const offsetMinutes = m[3] === 'Z' ? 0 : (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 60 + Number(m[6]));
  const epochMs = Date.parse(timestamp);
  return {
    transaction_id,
    user_id: 'u1',
    amount,
    location,
    timestamp,
    merchant_type: 'grocery',
    epochMs,
    offsetMinutes,
    localHour: Number(m[1]),
    localMinute: Number(m[2]),
    localDayOfWeek: new Date(epochMs + offsetMinutes * 60_000).getUTCDay(),
  };
}

function entry(t: ParsedTransaction): HistoryEntry {
  return {
    transaction_id: t.transaction_id,
    epochMs: t.epochMs,
    location: t.location,
    merchant_type: t.merchant_type,
    amount: t.amount,
    localHour: t.localHour,
  };
}

function codes(hits: RuleHit[]): ReasonCode[] {
  return hits.map((h) => h.code);
}

function hit(hits: RuleHit[], code: ReasonCode): RuleHit | undefined {
  return hits.find((h) => h.code === code);
}

/** Evaluates transactions one after another, each against the ones before it, like the detector. */
function runInOrder(txns: ParsedTransaction[]): RuleHit[][] {
  const history: HistoryEntry[] = [];
  return txns.map((t) => {
    const hits = evaluateRules(t, history);
    history.push(entry(t));
    return hits;
  });
}

const DAY = '2026-01-05';

describe('HIGH_AMOUNT', () => {
  it('flags ₹15,000 as above the ₹10,000 threshold', () => {
    const hits = evaluateRules(txn(`${DAY}T10:00:00Z`, 'Mumbai', 15_000), []);
    expect(codes(hits)).toEqual(['HIGH_AMOUNT']);
    expect(hits[0].detail).toBe('Amount ₹15,000.00 exceeds the ₹10,000.00 threshold');
  });

  it('does not flag exactly ₹10,000', () => {
    expect(evaluateRules(txn(`${DAY}T10:00:00Z`, 'Mumbai', 10_000), [])).toEqual([]);
  });
});

describe('UNUSUAL_HOUR', () => {
  it.each(['03:30', '02:00', '04:59'])('flags %s UTC for a Z timestamp', (time) => {
    expect(codes(evaluateRules(txn(`${DAY}T${time}:00Z`), []))).toEqual(['UNUSUAL_HOUR']);
  });

  it.each(['05:00', '14:00', '01:59'])('does not flag %s UTC for a Z timestamp', (time) => {
    expect(evaluateRules(txn(`${DAY}T${time}:00Z`), [])).toEqual([]);
  });

  it('uses the local hour of a +05:30 timestamp, not the UTC hour', () => {
    // 03:30 in India is 22:00 UTC the day before.
    const night = evaluateRules(txn(`${DAY}T03:30:00+05:30`), []);
    expect(codes(night)).toEqual(['UNUSUAL_HOUR']);
    expect(night[0].detail).toBe('Local time 03:30 (UTC+05:30) is within the unusual hours 02:00–05:00');
    // 08:00 in India is 02:30 UTC: not unusual locally.
    expect(evaluateRules(txn(`${DAY}T08:00:00+05:30`), [])).toEqual([]);
  });

  it('wraps midnight when the configured start is after the end', () => {
    const config = createRulesConfig({ unusualHourStart: 23, unusualHourEnd: 4 });
    expect(codes(evaluateRules(txn(`${DAY}T23:10:00Z`), [], config))).toEqual(['UNUSUAL_HOUR']);
    expect(codes(evaluateRules(txn(`${DAY}T00:10:00Z`), [], config))).toEqual(['UNUSUAL_HOUR']);
    expect(evaluateRules(txn(`${DAY}T04:00:00Z`), [], config)).toEqual([]);
  });
});

describe('VELOCITY_MULTI_CITY', () => {
  const fourCities = () => [
    txn(`${DAY}T10:00:00Z`, 'Mumbai'),
    txn(`${DAY}T10:00:01Z`, 'Delhi'),
    txn(`${DAY}T10:00:02Z`, 'Bangalore'),
    txn(`${DAY}T10:00:03Z`, 'Chennai'),
  ];

  it('blocks the fourth transaction from four cities within 60 s, not the third', () => {
    const results = runInOrder(fourCities());
    expect(results.slice(0, 3).map((h) => hit(h, 'VELOCITY_MULTI_CITY'))).toEqual([undefined, undefined, undefined]);
    const velocity = hit(results[3], 'VELOCITY_MULTI_CITY');
    expect(velocity?.detail).toBe('4 transactions in 60 s from 4 cities: Mumbai → Delhi → Bangalore → Chennai');
    expect(velocity?.data).toMatchObject({ count: 4, windowMs: 60_000 });
  });

  it('finds the same hit when the history arrives shuffled', () => {
    const [a, b, c, d] = fourCities();
    const hits = evaluateRules(d, [entry(c), entry(a), entry(b)]);
    expect(hit(hits, 'VELOCITY_MULTI_CITY')?.detail).toBe(
      '4 transactions in 60 s from 4 cities: Mumbai → Delhi → Bangalore → Chennai',
    );
  });

  it('never fires for five transactions in one city', () => {
    const results = runInOrder([0, 1, 2, 3, 4].map((s) => txn(`${DAY}T10:00:0${s}Z`, 'Mumbai')));
    for (const hits of results) expect(hit(hits, 'VELOCITY_MULTI_CITY')).toBeUndefined();
  });

  it('lists each city once, in order of first appearance', () => {
    const results = runInOrder([
      txn(`${DAY}T10:00:00Z`, 'Mumbai'),
      txn(`${DAY}T10:00:01Z`, 'Delhi'),
      txn(`${DAY}T10:00:02Z`, 'Mumbai'),
      txn(`${DAY}T10:00:03Z`, 'Delhi'),
    ]);
    const velocity = hit(results[3], 'VELOCITY_MULTI_CITY');
    expect(velocity?.detail).toBe('4 transactions in 60 s from 2 cities: Mumbai → Delhi');
    expect(velocity?.data.cities).toEqual(['Mumbai', 'Delhi']);
  });

  it('drops an entry exactly 60 s older but counts one 59.999 s older', () => {
    const now = txn(`${DAY}T10:01:00.000Z`, 'Mumbai');
    const recent = [txn(`${DAY}T10:00:20Z`, 'Mumbai'), txn(`${DAY}T10:00:40Z`, 'Mumbai')].map(entry);
    const exactly60 = entry(txn(`${DAY}T10:00:00.000Z`, 'Delhi'));
    const just59 = entry(txn(`${DAY}T10:00:00.001Z`, 'Delhi'));
    expect(hit(evaluateRules(now, [exactly60, ...recent]), 'VELOCITY_MULTI_CITY')).toBeUndefined();
    expect(hit(evaluateRules(now, [just59, ...recent]), 'VELOCITY_MULTI_CITY')?.data).toMatchObject({ count: 4 });
  });

  it('does not count a history entry later in time than the transaction (out-of-order arrival)', () => {
    const [a, b, c, d] = fourCities();
    // c (10:00:02) arrives after d (10:00:03) was already stored.
    const hits = evaluateRules(c, [entry(a), entry(b), entry(d)]);
    expect(hit(hits, 'VELOCITY_MULTI_CITY')).toBeUndefined();
  });

  it('does not double-count a duplicated history entry or the transaction itself', () => {
    const [a, b, c] = fourCities();
    expect(hit(evaluateRules(c, [entry(a), entry(b), entry(b)]), 'VELOCITY_MULTI_CITY')).toBeUndefined();
    expect(hit(evaluateRules(c, [entry(a), entry(b), entry(c)]), 'VELOCITY_MULTI_CITY')).toBeUndefined();
  });

  it('counts entries at the same instant as the transaction', () => {
    const t = txn(`${DAY}T10:00:00Z`, 'Mumbai');
    const same = ['Delhi', 'Pune', 'Chennai'].map((city) => entry(txn(`${DAY}T10:00:00Z`, city)));
    expect(hit(evaluateRules(t, same), 'VELOCITY_MULTI_CITY')?.data).toMatchObject({ count: 4 });
  });
});

describe('IMPOSSIBLE_TRAVEL', () => {
  it('flags Mumbai then Delhi 10 minutes apart', () => {
    const mumbai = txn(`${DAY}T10:00:00Z`, 'Mumbai');
    const delhi = txn(`${DAY}T10:10:00Z`, 'Delhi');
    const travel = hit(evaluateRules(delhi, [entry(mumbai)]), 'IMPOSSIBLE_TRAVEL');
    expect(travel?.detail).toMatch(/^Mumbai → Delhi: 1,1\d\d km in 10 min implies 6,\d{3} km\/h \(limit 900 km\/h\)$/);
    expect(travel?.data).toMatchObject({ fromCity: 'Mumbai', toCity: 'Delhi', elapsedMs: 600_000 });
  });

  it('does not flag Mumbai then Delhi 3 hours apart', () => {
    const mumbai = txn(`${DAY}T10:00:00Z`, 'Mumbai');
    const delhi = txn(`${DAY}T13:00:00Z`, 'Delhi');
    expect(evaluateRules(delhi, [entry(mumbai)])).toEqual([]);
  });

  it('treats two cities at the same instant as infinitely fast', () => {
    const mumbai = txn(`${DAY}T10:00:00Z`, 'Mumbai');
    const delhi = txn(`${DAY}T10:00:00Z`, 'Delhi');
    const travel = hit(evaluateRules(delhi, [entry(mumbai)]), 'IMPOSSIBLE_TRAVEL');
    expect(travel?.data.speedKmh).toBe(Infinity);
    expect(travel?.detail).toContain('at the same instant');
  });

  it('compares with the nearest earlier entry in a different city, skipping later and same-city ones', () => {
    const delhi = txn(`${DAY}T12:00:00Z`, 'Delhi');
    const history = [
      entry(txn(`${DAY}T08:00:00Z`, 'Mumbai')), // 4 h before: plausible
      entry(txn(`${DAY}T11:55:00Z`, 'Delhi')), // same city
      entry(txn(`${DAY}T12:05:00Z`, 'Chennai')), // later in time
    ];
    expect(hit(evaluateRules(delhi, history), 'IMPOSSIBLE_TRAVEL')).toBeUndefined();
    history.push(entry(txn(`${DAY}T11:30:00Z`, 'Pune')));
    expect(hit(evaluateRules(delhi, history), 'IMPOSSIBLE_TRAVEL')?.data).toMatchObject({ fromCity: 'Pune' });
  });

  it('does not apply to unknown cities', () => {
    const a = txn(`${DAY}T10:00:00Z`, 'Atlantis');
    const b = txn(`${DAY}T10:01:00Z`, 'Delhi');
    expect(evaluateRules(b, [entry(a)])).toEqual([]);
    expect(evaluateRules(a, [entry(txn(`${DAY}T09:59:00Z`, 'Delhi'))])).toEqual([]);
  });

  it('matches city names regardless of case and surrounding spaces', () => {
    expect(findCity(DEFAULT_CITY_COORDINATES, '  mumbai ')?.name).toBe('Mumbai');
    const travel = evaluateRules(txn(`${DAY}T10:05:00Z`, 'DELHI'), [entry(txn(`${DAY}T10:00:00Z`, 'mumbai'))]);
    expect(hit(travel, 'IMPOSSIBLE_TRAVEL')?.data).toMatchObject({ fromCity: 'Mumbai', toCity: 'Delhi' });
  });

  it('measures Mumbai to Delhi as about 1,150 km', () => {
    const km = haversineKm(DEFAULT_CITY_COORDINATES.Mumbai, DEFAULT_CITY_COORDINATES.Delhi);
    expect(Math.abs(km - 1150)).toBeLessThan(15);
  });
});

describe('AMOUNT_SPIKE', () => {
  const past = (n: number, amount = 100) =>
    Array.from({ length: n }, (_, i) => entry(txn(`2026-01-0${1 + (i % 4)}T1${i % 10}:00:00Z`, 'Mumbai', amount)));

  it('needs at least five past transactions', () => {
    const big = txn(`${DAY}T12:00:00Z`, 'Mumbai', 5_000);
    expect(evaluateRules(big, past(4))).toEqual([]);
    const spike = hit(evaluateRules(big, past(5)), 'AMOUNT_SPIKE');
    expect(spike?.detail).toBe("Amount ₹5,000.00 is 50.0x this user's median of ₹100.00");
  });

  it('fires only above eight times the median', () => {
    expect(evaluateRules(txn(`${DAY}T12:00:00Z`, 'Mumbai', 800), past(6))).toEqual([]);
    expect(codes(evaluateRules(txn(`${DAY}T12:00:00Z`, 'Mumbai', 800.01), past(6)))).toEqual(['AMOUNT_SPIKE']);
  });

  it('does not count past transactions later in time than the transaction', () => {
    const history = [...past(4), entry(txn('2026-02-01T12:00:00Z', 'Mumbai', 100))];
    expect(evaluateRules(txn(`${DAY}T12:00:00Z`, 'Mumbai', 5_000), history)).toEqual([]);
  });

  it('uses the exact median of the history, odd or even', () => {
    const config = createRulesConfig({ amountSpikeFactor: 1e-9, amountSpikeMinHistory: 1, highAmount: 1e15 });
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 60 }), (amounts) => {
        const history = amounts.map((amount, i) => ({
          transaction_id: `h${i}`,
          epochMs: i * 1_000_000,
          location: 'Mumbai',
          merchant_type: 'grocery',
          amount,
          localHour: 12,
        }));
        const t = txn('2030-01-01T12:00:00Z', 'Mumbai', 1e12);
        const sorted = [...amounts].sort((a, b) => a - b);
        const mid = sorted.length >> 1;
        const expected = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        expect(hit(evaluateRules(t, history, config), 'AMOUNT_SPIKE')?.data.median).toBe(expected);
      }),
    );
  });

  it('fires exactly when the amount exceeds factor x the exact median, ties and boundaries included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 1, 2, 2.5, 3, 10, 99.99, 100, 1e6), { minLength: 0, maxLength: 30 }),
        fc.constantFrom(0.5, 1, 3, 8, 8.000000000000002),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(0, 1, -1),
        (amounts, factor, pick, nudge) => {
          const sorted = [...amounts].sort((a, b) => a - b);
          const mid = sorted.length >> 1;
          const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
          // Amounts on, just below and just above factor x (median or another history amount).
          const base = factor * (pick < amounts.length ? amounts[pick] : median);
          const amount = Math.max(0, nudge === 0 ? base : base + nudge * Math.max(1e-9, base * 1e-15));
          const config = createRulesConfig({ amountSpikeFactor: factor, amountSpikeMinHistory: 3, highAmount: 1e15 });
          const history = amounts.map((a, i) => ({ transaction_id: `h${i}`, epochMs: i * 1_000_000, location: 'Mumbai', merchant_type: 'grocery', amount: a, localHour: 12 }));
          const fired = hit(evaluateRules(txn('2030-01-01T12:00:00Z', 'Mumbai', amount), history, config), 'AMOUNT_SPIKE') !== undefined;
          expect(fired).toBe(amounts.length >= 3 && amount > factor * median);
        },
      ),
      { seed: 42, numRuns: 3000 },
    );
  });
});

describe('rule output', () => {
  it('lists hits in reason-code order with one detail each', () => {
    const results = runInOrder([
      txn(`${DAY}T03:00:00Z`, 'Mumbai', 100),
      txn(`${DAY}T03:00:01Z`, 'Delhi', 100),
      txn(`${DAY}T03:00:02Z`, 'Mumbai', 100),
      txn(`${DAY}T03:00:03Z`, 'Delhi', 100),
      txn(`${DAY}T03:00:04Z`, 'Mumbai', 100),
      txn(`${DAY}T03:00:05Z`, 'Delhi', 20_000),
    ]);
    expect(codes(results[5])).toEqual([
      'HIGH_AMOUNT',
      'VELOCITY_MULTI_CITY',
      'UNUSUAL_HOUR',
      'IMPOSSIBLE_TRAVEL',
      'AMOUNT_SPIKE',
    ]);
    for (const h of results[5]) expect(h.detail.length).toBeGreaterThan(0);
  });

  it('formats rupees with Indian digit grouping', () => {
    expect(formatMoney(15_000)).toBe('₹15,000.00');
    expect(formatMoney(100_000)).toBe('₹1,00,000.00');
    expect(formatMoney(123_456_789.5)).toBe('₹12,34,56,789.50');
    expect(formatMoney(999.999)).toBe('₹1,000.00');
    expect(formatMoney(1_234_567, 'USD')).toBe('$1,234,567.00');
    expect(formatMoney(12.5, 'CHF')).toBe('CHF 12.50');
  });

  it('keeps the documented defaults', () => {
    expect(DEFAULT_RULES_CONFIG).toMatchObject({
      highAmount: 10_000,
      unusualHourStart: 2,
      unusualHourEnd: 5,
      velocityWindowMs: 60_000,
      velocityMinCount: 3,
      velocityMinCities: 2,
      impossibleTravelKmh: 900,
      amountSpikeMinHistory: 5,
      amountSpikeFactor: 8,
      currency: 'INR',
    });
    expect(Object.keys(DEFAULT_RULES_CONFIG.cityCoordinates)).toHaveLength(8);
  });

  it('rejects an invalid config with an error naming the field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ velocityWindowMs: 0 }, 'velocityWindowMs'],
      [{ unusualHourStart: 2.5 }, 'unusualHourStart'],
      [{ highAmount: Number.NaN }, 'highAmount'],
      [{ currency: 'rupees' }, 'currency'],
      [{ cityCoordinates: { Nowhere: { lat: 100, lon: 0 } } }, 'cityCoordinates.Nowhere.lat'],
    ];
    for (const [overrides, field] of cases) {
      const error = captureError(() => createRulesConfig(overrides));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as Error).message).toContain(`RulesConfig.${field}`);
    }
    const bad = { ...DEFAULT_RULES_CONFIG, amountSpikeFactor: -1 };
    expect(() => evaluateRules(txn(`${DAY}T10:00:00Z`), [], bad)).toThrow(/amountSpikeFactor/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
