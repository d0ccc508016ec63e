import { describe, expect, it } from 'vitest';
import type { DetectionResult, Transaction } from '../../src/core/contract/types';
import { createDetector } from '../../src/core/detector';
import { createExplainer, formatClock, formatDuration, formatMoney, userBaseline } from '../../src/core/explain';
import { writeFeatures } from '../../src/core/features';
import { loadModel, type LoadedModel } from '../../src/core/forest';
import { MemoryHistoryStore } from '../../src/core/history';
import { simulate } from '../../src/core/simulator';
import { trainTransactionModel } from '../../src/core/training';
import { defaultModel } from '../helpers/model';
import { parse, decided } from '../helpers/outcomes';


/** 30 days of a regular user: ₹400-500 groceries in Mumbai around 11:00 IST. */
function regularHistory(user: string): Transaction[] {
  return Array.from({ length: 30 }, (_, d) => ({
    transaction_id: `${user}_h${d}`,
    user_id: user,
    amount: 400 + (d % 5) * 25,
    location: 'Mumbai',
    timestamp: `2026-03-${String(d + 1).padStart(2, '0')}T11:${String(10 + d).padStart(2, '0')}:00+05:30`,
    merchant_type: 'grocery',
  }));
}

let seedModel: LoadedModel | undefined;
function trainedSeedModel(): LoadedModel {
  seedModel ??= loadModel(
    trainTransactionModel(simulate({ n: 8000, seed: 5, anomalyRate: 0.005 }).map(parse), { featureSet: 'seed', createdAt: '2026-01-01T00:00:00Z', params: { seed: 2, n_estimators: 60 } }),
  );
  return seedModel;
}

describe('known causes come first', () => {
  // The behavioural set judges amounts against the user's own median, the seed set against all
  // training traffic: twenty times the user's amount, or far beyond any training amount.
  for (const [name, model, amountFeatures, spike, minChecked] of [
    ['behavioural default model', () => defaultModel(), ['log_amount', 'amount_vs_median'], (a: number) => a * 20, 100],
    ['seed-set model', () => trainedSeedModel(), ['amount'], () => 300_000, 40],
  ] as const) {
    it(`names an amount feature first when only the amount makes a normal transaction anomalous (${name})`, () => {
      const m = model();
      const explainer = createExplainer(m);
      const traffic = simulate({ n: 5000, seed: 11, anomalyRate: 0 }).map(parse);
      const store = new MemoryHistoryStore();
      const detector = createDetector({ model: m, history: store, config: { explain: 'none' } });
      store.transactSync((tx) => detector.decideWithin(tx, traffic.slice(0, 4000)));
      const row = new Float64Array(m.nFeatures);
      let checked = 0;
      store.transactSync((tx) => {
        for (const txn of traffic.slice(4000, 4400)) {
          const history = tx.history(txn.user_id);
          // Only transactions the model finds ordinary (below its expected anomaly score)...
          writeFeatures(m.file.feature_schema, txn, history, row, 0);
          const before = explainer.attribute(row);
          if (before.value > before.baseValue) continue;
          // ...made anomalous by the amount alone, nothing else changed.
          const spiked = { ...txn, amount: spike(txn.amount) };
          writeFeatures(m.file.feature_schema, spiked, history, row, 0);
          const e = explainer.explain(row, { txn: spiked, history });
          expect(e.value).toBeGreaterThan(before.value);
          expect(amountFeatures).toContain(e.contributions[0].feature);
          expect(e.contributions[0].direction).toBe('raises_risk');
          expect(e.summary).toMatch(/^Risk driven by: amount /);
          checked++;
        }
      });
      expect(checked).toBeGreaterThan(minChecked);
    });
  }

  it('explains a first visit to a new city at 12x the median in the user\'s own terms', async () => {
    const detector = createDetector({ model: defaultModel(), config: { explain: 'all' } });
    await detector.detectBatch(regularHistory('ravi'));
    const r = decided(await detector.detect({ transaction_id: 'x1', user_id: 'ravi', amount: 5500, location: 'Delhi', timestamp: '2026-03-31T11:20:00+05:30', merchant_type: 'grocery' }));
    const e = r.explanation!;
    const byName = Object.fromEntries(e.contributions.map((c) => [c.feature, c]));
    expect(byName.new_city.display_value).toBe('first time in Delhi');
    expect(byName.new_city.direction).toBe('raises_risk');
    expect(byName.amount_vs_median.display_value).toBe("12x this user's median (₹450)");
    expect(byName.amount_vs_median.direction).toBe('raises_risk');
    expect(byName.log_amount.display_value).toBe('₹5,500');
    expect(byName.hour.display_value).toBe('11:20');
    expect(byName.new_merchant.display_value).toBe('grocery, bought before');
    // The two largest causes, in the summary, in the user's terms.
    expect(e.summary).toContain('first transaction in Delhi');
    expect(e.summary).toContain("amount 12x this user's median");
    expect(e.summary.startsWith('Risk driven by: ')).toBe(true);
    expect(e.baseline).toMatchObject({ history_size: 30, typical_amount: 450, home_city: 'Mumbai' });
    expect(e.baseline.usual_hours[0]).toBe(11);
    expect(e.baseline.display).toBe('usually ₹450 in Mumbai around 11:00 (30 past transactions)');
  });
});

describe("the user's baseline", () => {
  it('takes the median amount, the most frequent city and the most frequent hours of the past only', () => {
    const history = regularHistory('asha').map(parse);
    history.push(parse({ transaction_id: 'd1', user_id: 'asha', amount: 9000, location: 'Delhi', timestamp: '2026-03-10T22:00:00+05:30', merchant_type: 'travel' }));
    history.push(parse({ transaction_id: 'late', user_id: 'asha', amount: 1, location: 'Pune', timestamp: '2026-04-30T03:00:00+05:30', merchant_type: 'fuel' }));
    history.sort((a, b) => a.epochMs - b.epochMs);
    const txn = parse({ transaction_id: 'now', user_id: 'asha', amount: 1000, location: 'Pune', timestamp: '2026-04-01T09:00:00+05:30', merchant_type: 'grocery' });
    const b = userBaseline(txn, history);
    // 31 past entries (the later one is skipped): amounts 400..500 thirty times and 9000 once.
    expect(b.history_size).toBe(31);
    expect(b.typical_amount).toBe(450);
    expect(b.home_city).toBe('Mumbai');
    expect(b.usual_hours).toEqual([11, 22]);
  });

  it('says so when there is no history', () => {
    const txn = parse({ transaction_id: 'n', user_id: 'new', amount: 10, location: 'Pune', timestamp: '2026-04-01T09:00:00Z', merchant_type: 'grocery' });
    expect(userBaseline(txn, [])).toEqual({ history_size: 0, typical_amount: null, home_city: null, usual_hours: [], display: 'no history for this user yet' });
  });
});

describe('values in the user\'s terms', () => {
  it('formats money with Indian grouping, clock times as HH:MM and durations', () => {
    expect(formatMoney(12500)).toBe('₹12,500');
    expect(formatMoney(125000)).toBe('₹1,25,000');
    expect(formatMoney(99.5)).toBe('₹99.50');
    expect(formatMoney(1200, { currency: 'EUR', locale: 'de-DE' })).toMatch(/^1\.200\s€$/);
    expect(formatClock(3, 5)).toBe('03:05');
    expect(formatDuration(40)).toBe('40 s');
    expect(formatDuration(600)).toBe('10 min');
    expect(formatDuration(86400 * 3)).toBe('3 days');
  });
});

describe('detector integration', () => {
  it("explains REVIEW and BLOCK only by default, every decision with 'all', none with 'none'", async () => {
    const traffic = simulate({ n: 600, seed: 77, anomalyRate: 0.1 });
    const run = async (explain?: 'none' | 'flagged' | 'all') => {
      const detector = createDetector({ model: defaultModel(), config: explain ? { explain } : {} });
      return (await detector.detectBatch(traffic)).map(decided);
    };
    const [byDefault, all, none] = [await run(), await run('all'), await run('none')];
    const flagged = byDefault.filter((r) => r.recommendation !== 'APPROVE');
    expect(flagged.length).toBeGreaterThan(10);
    for (const r of byDefault) expect(r.explanation !== undefined).toBe(r.recommendation !== 'APPROVE');
    for (const r of all) expect(r.explanation).toBeDefined();
    for (const r of none) expect(r.explanation).toBeUndefined();
    // Explaining changes no decision, and the same transaction gets the same explanation.
    const strip = (r: DetectionResult) => ({ ...r, explanation: undefined });
    expect(all.map(strip)).toEqual(none.map(strip));
    expect(byDefault.map(strip)).toEqual(none.map(strip));
    for (let i = 0; i < all.length; i++) if (byDefault[i].explanation) expect(byDefault[i].explanation).toEqual(all[i].explanation);
  });

  it('rejects an unknown explain mode', () => {
    expect(() => createDetector({ model: defaultModel(), config: { explain: 'some' as never } })).toThrow(/config.explain/);
  });
});
