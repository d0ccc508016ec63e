import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runSimulate } from '../../src/cli/commands/simulate';
import {
  ANOMALY_TYPES,
  AnomalyType,
  CITIES,
  cityByName,
  createLiveSimulator,
  haversineKm,
  MERCHANT_TYPES,
  Rng,
  simulate,
  simulateStream,
  type LabelledTransaction,
} from '../../src/core/simulator';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+05:30$/;
const START_MS = Date.parse('2026-01-05T00:00:00+05:30');

/** Local (+05:30) wall-clock hour, read from the timestamp text itself. */
const hourOf = (t: LabelledTransaction): number => Number(t.timestamp.slice(11, 13));
const msOf = (t: LabelledTransaction): number => Date.parse(t.timestamp);

function byUser(txns: LabelledTransaction[]): Map<string, LabelledTransaction[]> {
  const users = new Map<string, LabelledTransaction[]>();
  for (const t of txns) {
    let list = users.get(t.user_id);
    if (!list) users.set(t.user_id, (list = []));
    list.push(t);
  }
  return users;
}

/** Runs of one user's transactions of one anomaly type, split where the gap exceeds `gapMs`. */
function scenarios(txns: LabelledTransaction[], type: AnomalyType, gapMs = 600_000): LabelledTransaction[][] {
  const out: LabelledTransaction[][] = [];
  for (const list of byUser(txns.filter((t) => t.anomaly_type === type)).values()) {
    let run: LabelledTransaction[] = [];
    for (const t of list) {
      if (run.length > 0 && msOf(t) - msOf(run[run.length - 1]) > gapMs) {
        out.push(run);
        run = [];
      }
      run.push(t);
    }
    out.push(run);
  }
  return out;
}

/** True when some 60 s window of `list` (time-sorted) holds 4+ transactions from 2+ cities. */
function hasMultiCityBurst(list: LabelledTransaction[]): boolean {
  for (let i = 0; i + 3 < list.length; i++) {
    let j = i;
    while (j + 1 < list.length && msOf(list[j + 1]) - msOf(list[i]) <= 60_000) j++;
    const window = list.slice(i, j + 1);
    if (window.length >= 4 && new Set(window.map((t) => t.location)).size >= 2) return true;
  }
  return false;
}

const big = simulate({ n: 20_000, seed: 7 });
const normal = big.filter((t) => !t.is_anomaly);

describe('Rng', () => {
  it('repeats its sequence for a seed and stays in range', () => {
    const a = new Rng(123);
    const b = new Rng(123);
    for (let i = 0; i < 1000; i++) {
      const x = a.nextFloat();
      expect(x).toBe(b.nextFloat());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      const k = a.nextInt(7);
      expect(k).toBe(b.nextInt(7));
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
    expect(new Rng(1).nextUint32()).not.toBe(new Rng(2).nextUint32());
  });

  it('draws standard normals with mean 0 and variance 1', () => {
    const rng = new Rng(9);
    let sum = 0;
    let sq = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.02);
    expect(Math.abs(sq / n - 1)).toBeLessThan(0.03);
  });
});

describe('cities', () => {
  it('lists the eight cities on +05:30 with real distances between them', () => {
    expect(CITIES.map((c) => c.name)).toEqual(['Mumbai', 'Delhi', 'Bangalore', 'Chennai', 'Kolkata', 'Hyderabad', 'Pune', 'Ahmedabad']);
    for (const c of CITIES) expect(c.utcOffset).toBe('+05:30');
    const km = haversineKm(cityByName('Mumbai')!, cityByName('Delhi')!);
    expect(km).toBeGreaterThan(1100);
    expect(km).toBeLessThan(1200);
    expect(haversineKm(cityByName('Mumbai')!, cityByName('Pune')!)).toBeLessThan(150);
  });
});

describe('simulate', () => {
  it('gives identical output for the same seed and different output for another seed', () => {
    const a = simulate({ n: 3000, seed: 11 });
    expect(simulate({ n: 3000, seed: 11 })).toEqual(a);
    const c = simulate({ n: 3000, seed: 12 });
    expect(c).not.toEqual(a);
    expect(c.map((t) => t.amount)).not.toEqual(a.map((t) => t.amount));
  });

  it('returns exactly n well-formed transactions', () => {
    expect(big).toHaveLength(20_000);
    const cities = new Set<string>(CITIES.map((c) => c.name));
    const merchants = new Set<string>(MERCHANT_TYPES);
    const malformed = big.find(
      (t) =>
        !TIMESTAMP.test(t.timestamp) ||
        !/^txn_7_\d+$/.test(t.transaction_id) ||
        !/^user_\d{4}$/.test(t.user_id) ||
        !t.user_name ||
        !cities.has(t.location) ||
        !merchants.has(t.merchant_type) ||
        !(Number.isFinite(t.amount) && t.amount > 0) ||
        typeof t.is_anomaly !== 'boolean' ||
        (t.anomaly_type === null) === t.is_anomaly,
    );
    expect(malformed).toBeUndefined();
    expect(new Set(big.map((t) => t.transaction_id)).size).toBe(big.length);
  });

  it('sorts the stream by time and each user by strictly increasing time', () => {
    expect(big.findIndex((t, i) => i > 0 && msOf(t) < msOf(big[i - 1]))).toBe(-1);
    for (const list of byUser(big).values()) {
      expect(list.findIndex((t, i) => i > 0 && msOf(t) <= msOf(list[i - 1]))).toBe(-1);
    }
  });

  it('starts at the configured start and spans more than a week', () => {
    expect(msOf(big[0])).toBeGreaterThanOrEqual(START_MS);
    expect(msOf(big[big.length - 1]) - msOf(big[0])).toBeGreaterThan(7 * 86_400_000);
    const later = simulate({ n: 10, seed: 1, start: '2026-03-01T09:00:00+05:30' });
    expect(msOf(later[0])).toBeGreaterThanOrEqual(Date.parse('2026-03-01T09:00:00+05:30'));
  });

  it('spreads normal traffic over the waking hours and every day of the week', () => {
    const hours = new Set(normal.map(hourOf));
    for (let h = 7; h <= 22; h++) expect(hours.has(h)).toBe(true);
    const days = new Set(normal.map((t) => new Date(msOf(t) + 330 * 60_000).getUTCDay()));
    expect(days.size).toBe(7);
    const dayHours = normal.filter((t) => hourOf(t) >= 8 && hourOf(t) < 22).length;
    expect(dayHours / normal.length).toBeGreaterThan(0.85);
  });

  it('keeps normal traffic out of 02:00-05:00 but for a rare few', () => {
    const night = normal.filter((t) => hourOf(t) >= 2 && hourOf(t) < 5).length;
    expect(night / normal.length).toBeLessThan(0.003);
  });

  it('injects anomalies at about the configured rate, every type present', () => {
    const rate = (big.length - normal.length) / big.length;
    expect(rate).toBeGreaterThan(0.015);
    expect(rate).toBeLessThan(0.025);
    const types = new Set(big.map((t) => t.anomaly_type).filter((t) => t !== null));
    expect([...types].sort()).toEqual([...ANOMALY_TYPES].sort());

    const dense = simulate({ n: 20_000, seed: 8, anomalyRate: 0.1 });
    const denseRate = dense.filter((t) => t.is_anomaly).length / dense.length;
    expect(denseRate).toBeGreaterThan(0.08);
    expect(denseRate).toBeLessThan(0.12);
    expect(simulate({ n: 5000, seed: 8, anomalyRate: 0 }).some((t) => t.is_anomaly)).toBe(false);
  });

  it('puts high_amount anomalies above 10,000 and normal amounts at or below it', () => {
    const high = big.filter((t) => t.anomaly_type === AnomalyType.HIGH_AMOUNT);
    expect(high.length).toBeGreaterThan(0);
    expect(high.filter((t) => t.amount <= 10_000)).toEqual([]);
    expect(normal.filter((t) => t.amount > 10_000)).toEqual([]);
  });

  it('makes account takeovers from a new city and merchant, well above typical and below 10,000, at a normal hour', () => {
    const takeovers = big.filter((t) => t.anomaly_type === AnomalyType.ACCOUNT_TAKEOVER);
    expect(takeovers.length).toBeGreaterThan(0);
    const users = byUser(big);
    for (const t of takeovers) {
      expect(t.amount).toBeLessThan(10_000);
      expect(hourOf(t)).toBeGreaterThanOrEqual(7);
      expect(hourOf(t)).toBeLessThan(23);
      const before = users.get(t.user_id)!.filter((u) => msOf(u) < msOf(t));
      expect(before.some((u) => u.location === t.location)).toBe(false);
      expect(before.some((u) => u.merchant_type === t.merchant_type)).toBe(false);
      const typical = before.filter((u) => !u.is_anomaly);
      const mean = typical.reduce((s, u) => s + u.amount, 0) / typical.length;
      expect(t.amount).toBeGreaterThan(2 * mean);
    }
  });

  it('makes velocity bursts of 4-6 transactions within 60 s from at least two cities', () => {
    const bursts = scenarios(big, AnomalyType.VELOCITY_BURST);
    expect(bursts.length).toBeGreaterThan(0);
    for (const b of bursts) {
      expect(b.length).toBeGreaterThan(3);
      expect(b.length).toBeLessThanOrEqual(6);
      expect(msOf(b[b.length - 1]) - msOf(b[0])).toBeLessThanOrEqual(60_000);
      expect(new Set(b.map((t) => t.location)).size).toBeGreaterThanOrEqual(2);
    }
  });

  it('makes card testing bursts of 3-8 tiny amounts within a few minutes', () => {
    const bursts = scenarios(big, AnomalyType.CARD_TESTING);
    expect(bursts.length).toBeGreaterThan(0);
    for (const b of bursts) {
      expect(b.length).toBeGreaterThanOrEqual(3);
      expect(b.length).toBeLessThanOrEqual(8);
      expect(msOf(b[b.length - 1]) - msOf(b[0])).toBeLessThanOrEqual(5 * 60_000);
      for (const t of b) {
        expect(t.amount).toBeGreaterThanOrEqual(1);
        expect(t.amount).toBeLessThanOrEqual(50);
      }
    }
  });

  it('places night_time anomalies between 02:00 and 05:00 with ordinary amounts', () => {
    const night = big.filter((t) => t.anomaly_type === AnomalyType.NIGHT_TIME);
    expect(night.length).toBeGreaterThan(0);
    for (const t of night) {
      expect(hourOf(t)).toBeGreaterThanOrEqual(2);
      expect(hourOf(t)).toBeLessThan(5);
      expect(t.amount).toBeLessThanOrEqual(10_000);
    }
  });

  it('never lets normal traffic burst from several cities within 60 s', () => {
    for (const list of byUser(normal).values()) {
      expect(hasMultiCityBurst(list)).toBe(false);
      expect(list.findIndex((t, i) => i > 0 && msOf(t) - msOf(list[i - 1]) <= 60_000)).toBe(-1);
    }
  });

  it('lets users travel, but never faster than 900 km/h between consecutive normal transactions', () => {
    let travellers = 0;
    for (const list of byUser(normal).values()) {
      if (new Set(list.map((t) => t.location)).size > 1) travellers++;
      for (let i = 1; i < list.length; i++) {
        const [a, b] = [list[i - 1], list[i]];
        if (a.location === b.location) continue;
        const hours = (msOf(b) - msOf(a)) / 3_600_000;
        expect(haversineKm(cityByName(a.location)!, cityByName(b.location)!) / hours).toBeLessThanOrEqual(900);
      }
    }
    expect(travellers).toBeGreaterThan(10);
  });

  it('brings in new customers partway through, whose first transactions are normal', () => {
    const late = [...byUser(big).values()].filter((list) => msOf(list[0]) - START_MS > 2 * 86_400_000);
    expect(late.length).toBeGreaterThan(5);
    // Nobody, new or not, is a victim before five normal transactions of history.
    for (const list of byUser(big).values()) expect(list.slice(0, 5).filter((t) => t.is_anomaly)).toEqual([]);
  });

  it('omits the label fields when labels are not requested', () => {
    for (const t of simulate({ n: 200, seed: 3, labels: false })) {
      expect('is_anomaly' in t).toBe(false);
      expect('anomaly_type' in t).toBe(false);
    }
  });

  it('rejects bad options with a message naming the option', () => {
    expect(() => simulate({ n: -1, seed: 1 })).toThrow(/\bn\b/);
    expect(() => simulate({ n: 10, seed: 1.5 })).toThrow(/seed/);
    expect(() => simulate({ n: 10, seed: 1, users: 0 })).toThrow(/users/);
    expect(() => simulate({ n: 10, seed: 1, anomalyRate: 1.5 })).toThrow(/anomalyRate/);
    expect(() => simulate({ n: 10, seed: 1, start: 'yesterday' })).toThrow(/start/);
  });
});

describe('simulateStream', () => {
  it('yields the same transactions as simulate, in time order', () => {
    const batch = simulate({ n: 2000, seed: 5 });
    expect([...simulateStream({ n: 2000, seed: 5 })]).toEqual(batch);
  });

  it('runs endlessly when n is omitted', () => {
    const stream = simulateStream({ seed: 5 });
    let last = -Infinity;
    for (let i = 0; i < 5000; i++) {
      const { value, done } = stream.next();
      expect(done).toBe(false);
      expect(msOf(value as LabelledTransaction)).toBeGreaterThanOrEqual(last);
      last = msOf(value as LabelledTransaction);
    }
  });
});

describe('createLiveSimulator', () => {
  it('emits about ratePerSecond transactions per second of the caller clock', () => {
    const clock = 1_767_600_000_000;
    const live = createLiveSimulator({ seed: 4, users: 60, ratePerSecond: 5, clockStartMs: clock });
    const out: LabelledTransaction[] = [];
    for (let ms = 0; ms <= 60_000; ms += 250) out.push(...live.next(clock + ms));
    expect(out.length).toBeGreaterThanOrEqual(295);
    expect(out.length).toBeLessThanOrEqual(305);
    expect(live.emitted).toBe(out.length);
    for (let i = 1; i < out.length; i++) expect(msOf(out[i])).toBeGreaterThanOrEqual(msOf(out[i - 1]));
    expect(live.next(clock + 60_000)).toEqual([]);
  });

  it('returns a scenario of the requested type from inject, keeping every user in time order', () => {
    const clock = 1_767_600_000_000;
    const live = createLiveSimulator({ seed: 4, users: 50, ratePerSecond: 10, clockStartMs: clock });
    const delivered: LabelledTransaction[] = [];
    let ms = 0;
    for (; ms < 120_000; ms += 500) delivered.push(...live.next(clock + ms));
    for (const type of ANOMALY_TYPES) {
      const scenario = live.inject(type, clock + ms + 100);
      expect(scenario.length).toBeGreaterThan(0);
      for (const t of scenario) {
        expect(t.anomaly_type).toBe(type);
        expect(t.is_anomaly).toBe(true);
        expect(t.timestamp).toMatch(TIMESTAMP);
      }
      expect(new Set(scenario.map((t) => t.user_id)).size).toBe(1);
      if (type === AnomalyType.VELOCITY_BURST) {
        expect(scenario.length).toBeGreaterThanOrEqual(4);
        expect(hasMultiCityBurst(scenario)).toBe(true);
      }
      if (type === AnomalyType.HIGH_AMOUNT) expect(scenario[0].amount).toBeGreaterThan(10_000);
      if (type === AnomalyType.NIGHT_TIME) expect(hourOf(scenario[0])).toBeGreaterThanOrEqual(2);
      if (type === AnomalyType.NIGHT_TIME) expect(hourOf(scenario[0])).toBeLessThan(5);
      if (type === AnomalyType.ACCOUNT_TAKEOVER) expect(scenario[0].amount).toBeLessThan(10_000);
      if (type === AnomalyType.CARD_TESTING) for (const t of scenario) expect(t.amount).toBeLessThanOrEqual(50);
      delivered.push(...scenario);
      for (let k = 0; k < 20; k++, ms += 500) delivered.push(...live.next(clock + ms));
    }
    for (const list of byUser(delivered).values()) {
      for (let i = 1; i < list.length; i++) expect(msOf(list[i])).toBeGreaterThan(msOf(list[i - 1]));
    }
  });

  it('keeps answering rapid injections on a tiny population without sending any user back in time', () => {
    const live = createLiveSimulator({ seed: 2, users: 3, ratePerSecond: 4, clockStartMs: 0 });
    const delivered: LabelledTransaction[] = [];
    for (let i = 0; i < 60; i++) {
      const scenario = live.inject(ANOMALY_TYPES[i % ANOMALY_TYPES.length], i * 300);
      expect(scenario.length).toBeGreaterThan(0);
      delivered.push(...scenario, ...live.next(i * 300 + 150));
    }
    for (const list of byUser(delivered).values()) {
      expect(list.findIndex((t, i) => i > 0 && msOf(t) <= msOf(list[i - 1]))).toBe(-1);
    }
  });

  it('skips the backlog beyond maxBatch after a long pause', () => {
    const live = createLiveSimulator({ seed: 1, ratePerSecond: 100, clockStartMs: 0, maxBatch: 50, start: '2026-01-05T00:00:00+05:30' });
    expect(live.next(3_600_000)).toHaveLength(50);
    expect(live.next(3_600_100)).toHaveLength(10);
  });
});

describe('runSimulate', () => {
  function sink(): { stream: Writable; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  }

  it('writes n JSON lines that parse back, with labels on request', async () => {
    const out = sink();
    expect(await runSimulate(['--n', '1500', '--seed', '9', '--labels'], out.stream)).toBe(0);
    const lines = out.text().trimEnd().split('\n');
    expect(lines).toHaveLength(1500);
    const parsed = lines.map((l) => JSON.parse(l) as LabelledTransaction);
    expect(parsed).toEqual(simulate({ n: 1500, seed: 9 }));

    const plain = sink();
    expect(await runSimulate(['--n', '20', '--seed', '9', '--anomaly-rate', '0.1', '--users', '5'], plain.stream)).toBe(0);
    const rows = plain.text().trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(20);
    for (const r of rows) expect('is_anomaly' in r).toBe(false);
    expect(new Set(rows.map((r) => r.user_id)).size).toBeLessThanOrEqual(5);
  });

  it('prints usage for --help', async () => {
    const out = sink();
    expect(await runSimulate(['--help'], out.stream)).toBe(0);
    expect(out.text()).toMatch(/Usage: txn-anomaly simulate/);
  });

  it('exits with 2 and names the flag on bad input', async () => {
    const cases: [string[], RegExp][] = [
      [['--n', 'ten'], /--n/],
      [['--seed', '1'], /--n is required/],
      [['--n', '10', '--anomaly-rate', '2'], /--anomaly-rate/],
      [['--n', '10', '--users', '0'], /--users/],
      [['--n', '10', '--bogus'], /bogus/],
      [['--n', '10', '--start', 'noon'], /--start/],
    ];
    for (const [argv, message] of cases) {
      const out = sink();
      const err = sink();
      expect(await runSimulate(argv, out.stream, err.stream)).toBe(2);
      expect(err.text()).toMatch(message);
      expect(out.text()).toBe('');
    }
  });
});
