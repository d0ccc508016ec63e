/**
 * The worker's history view keeps each user's history packed and hands it to the detector through
 * the `packedHistory` fast path. Pinned here against the core (the detector on its in-memory store,
 * and `appendWithRetention` on entry arrays): out-of-order arrivals, retention by count and by age,
 * overlays that are discarded (a failed write) or chained (a group commit), a view rebuilt from the
 * log records, and a restart from a snapshot with log records after it.
 */
import { expect } from '@esm-bundle/chai';
import type { HistoryEntry, ParsedTransaction, Transaction } from '../../src/core/contract/types';
import { createDetector, type Detector } from '../../src/core/detector/detector';
import { loadModel } from '../../src/core/forest/model-file';
import { appendWithRetention, type RetentionConfig } from '../../src/core/history/history-store';
import { MemoryHistoryStore } from '../../src/core/history/memory-store';
import { hasPackedHistory, type PackedHistory } from '../../src/core/history/packed-history';
import type { BatchRecord } from '../../src/worker/db-schema';
import { scoreBatch, type BatchOutcome } from '../../src/worker/detector-storage';
import { HistoryView, type HistorySource } from '../../src/worker/history-view';
import { MODEL_URL } from './helpers/worker-test-kit';

const RETENTION: RetentionConfig = { maxEntriesPerUser: 6, maxAgeMs: 3 * 3600_000 };
const STAMP = { writer: 'test', model_version: 'test', model_sha256: 'test' };
const USERS = ['hv0', 'hv1', 'hv2', 'hv3', 'hv4', 'hv5', 'hv6'];
const CITIES = ['Mumbai', 'Delhi', 'Pune', 'Chennai', 'Kolkata'];
const MERCHANTS = ['grocery', 'electronics', 'travel', 'restaurant'];
const BASE = Date.parse('2026-03-02T00:00:00Z');

/** A small seeded generator (the test is the same every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Batches of traffic: mostly in time order, a third arriving up to four hours late (out of order,
 * and beyond the retention age), same-instant pairs, and a repeated id inside some batches.
 */
function traffic(seed: number, batches: number, size: number, prefix: string): Transaction[][] {
  const rnd = lcg(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  let n = 0;
  let clock = BASE;
  const out: Transaction[][] = [];
  for (let b = 0; b < batches; b++) {
    const batch: Transaction[] = [];
    for (let i = 0; i < size; i++) {
      const r = rnd();
      if (r < 0.04 && batch.length > 0) {
        batch.push({ ...batch[Math.floor(rnd() * batch.length)] });
        continue;
      }
      clock += Math.floor(rnd() * 20 * 60_000);
      const late = r < 0.35 ? Math.floor(rnd() * 4 * 3600_000) : 0;
      const t = r > 0.95 && batch.length > 0 ? Date.parse(batch[batch.length - 1].timestamp) : clock - late;
      batch.push({
        transaction_id: `${prefix}${n++}`,
        user_id: pick(USERS),
        amount: Math.round(rnd() * 200_000) / 100,
        location: pick(CITIES),
        timestamp: new Date(t).toISOString(),
        merchant_type: pick(MERCHANTS),
      });
    }
    out.push(batch);
  }
  return out;
}

function unpack(p: PackedHistory): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (let i = p.start; i < p.end; i++) {
    out.push({ transaction_id: p.strings[3 * i], epochMs: p.numbers[3 * i], location: p.strings[3 * i + 1], merchant_type: p.strings[3 * i + 2], amount: p.numbers[3 * i + 1], localHour: p.numbers[3 * i + 2] });
  }
  return out;
}

/** Scores `items` on `view` (or on `source`) as the storages do; the record gets the next free number. */
function score(detector: Detector, view: HistoryView, items: ParsedTransaction[], seq: number, source: HistorySource = view): BatchOutcome {
  return scoreBatch(view, items, new Map(), (tx) => detector.decideWithin(tx, items), seq, BASE, STAMP, source);
}

/** Every user's history as the view hands it out, both ways, checked equal to each other. */
function histories(view: HistoryView): Record<string, HistoryEntry[]> {
  const out: Record<string, HistoryEntry[]> = {};
  const overlay = view.overlay(new Map());
  for (const u of USERS) {
    const packed = overlay.packedHistory(u);
    expect(unpack(packed), `packed history of ${u}`).to.deep.equal(view.history(u));
    out[u] = view.history(u);
  }
  return out;
}

describe('worker history view (packed)', function () {
  this.timeout(30_000);
  let detector: Detector;

  before(async () => {
    const model = loadModel(await (await fetch(MODEL_URL)).json());
    detector = createDetector({ model, config: { explain: 'none' } });
  });

  it('decides and keeps histories exactly as the core, through discarded and chained overlays, replay and a restart', async () => {
    const batches = traffic(42, 40, 30, 'hv-');
    const phantoms = traffic(7, 40, 12, 'ph-');
    const validate = (ts: Transaction[]) =>
      ts.map((t) => {
        const v = detector.validate(t);
        if (!v.ok) throw new Error(JSON.stringify(v.error));
        return v.value;
      });

    // The core: the same detector on its in-memory store, with the same retention.
    const store = new MemoryHistoryStore(RETENTION);
    const core = createDetector({ model: detector.model, history: store, config: { explain: 'none' } });
    // The reference histories: appendWithRetention on entry arrays, in commit order.
    const reference = new Map<string, HistoryEntry[]>(USERS.map((u) => [u, []]));

    const live = new HistoryView(RETENTION, Infinity);
    const records: BatchRecord[] = [];
    let restarted: HistoryView | null = null;
    let restartedFrom = 0;
    const snapshotAt = 20;

    for (let b = 0; b < batches.length; b += 2) {
      const pair = [validate(batches[b]), validate(batches[b + 1])];
      // A write that fails: scored on the view, then thrown away (the view must not change).
      const phantom = score(detector, live, validate(phantoms[b]), live.lastSeq + 1);
      expect(hasPackedHistory(phantom.overlay)).to.equal(true);
      // A group commit: the second batch is scored on the overlay of the first.
      const first = score(detector, live, pair[0], live.lastSeq + 1);
      const second = score(detector, live, pair[1], live.lastSeq + 2, first.overlay);
      const expected = [...(await core.detectBatch(batches[b])), ...(await core.detectBatch(batches[b + 1]))];
      expect([...first.results, ...second.results]).to.deep.equal(expected);
      for (const outcome of [first, second]) {
        const rec = outcome.record as BatchRecord;
        live.commitOverlay(outcome.overlay, rec);
        records.push(rec);
        for (const d of outcome.overlay.decisions) {
          const t = (pair[0].find((x) => x.transaction_id === d.transaction_id) ?? pair[1].find((x) => x.transaction_id === d.transaction_id)) as ParsedTransaction;
          const e: HistoryEntry = { transaction_id: t.transaction_id, epochMs: t.epochMs, location: t.location, merchant_type: t.merchant_type, amount: t.amount, localHour: t.localHour };
          appendWithRetention(reference.get(t.user_id) as HistoryEntry[], e, RETENTION);
        }
      }
      if (restarted) {
        // The restarted view scores on (lazy users are unpacked when first read).
        const again = [score(detector, restarted, pair[0], restarted.lastSeq + 1)];
        restarted.commitOverlay(again[0].overlay, again[0].record as BatchRecord);
        again.push(score(detector, restarted, pair[1], restarted.lastSeq + 1));
        restarted.commitOverlay(again[1].overlay, again[1].record as BatchRecord);
        expect([...again[0].results, ...again[1].results]).to.deep.equal(expected);
      }
      if (b + 2 === snapshotAt) {
        const parts = live.toSnapshot(50, 100);
        restarted = new HistoryView(RETENTION, Infinity);
        restarted.restore(live.lastSeq, parts.chunks);
        restartedFrom = live.lastSeq;
        expect(parts.entries).to.equal(live.stats().entries);
      }
    }

    const want = Object.fromEntries(USERS.map((u) => [u, reference.get(u) as HistoryEntry[]]));
    expect(want.hv0.length).to.be.greaterThan(0);
    expect(histories(live)).to.deep.equal(want);
    for (const u of USERS) expect(store.transactSync((tx) => tx.history(u))).to.deep.equal(want[u]);
    expect(live.stats().entries).to.equal(USERS.reduce((n, u) => n + want[u].length, 0));

    // Rebuilt from the log records (a cold start without a snapshot, or another tab catching up).
    const replayed = new HistoryView(RETENTION, Infinity);
    for (const r of records) replayed.apply(r);
    expect(histories(replayed)).to.deep.equal(want);
    expect(replayed.stats().entries).to.equal(live.stats().entries);

    // Restarted from the snapshot: scored on, and (another view) caught up with the records after it, users still packed.
    expect(histories(restarted as HistoryView)).to.deep.equal(want);
    const caughtUp = new HistoryView(RETENTION, Infinity);
    const parts = replayed.toSnapshot(50, 100);
    caughtUp.restore(records.length, parts.chunks);
    // Still-packed users are copied as they are into a snapshot of other chunk sizes (their rows and ids move).
    const copied = new HistoryView(RETENTION, Infinity);
    copied.restore(records.length, caughtUp.toSnapshot(7, 100).chunks);
    expect(histories(copied)).to.deep.equal(want);
    expect(histories(caughtUp)).to.deep.equal(want);
    const lazy = new HistoryView(RETENTION, Infinity);
    const early = new HistoryView(RETENTION, Infinity);
    for (const r of records.slice(0, restartedFrom)) early.apply(r);
    lazy.restore(restartedFrom, early.toSnapshot(50, 100).chunks);
    for (const r of records.slice(restartedFrom)) lazy.apply(r);
    expect(lazy.stats().entries).to.be.at.least(live.stats().entries); // queued entries are counted until unpacked
    expect(histories(lazy)).to.deep.equal(want);
    expect(lazy.stats().entries).to.equal(live.stats().entries);
  });

  it('leaves the view unchanged when an overlay with out-of-order and expiring entries is discarded', () => {
    const view = new HistoryView({ maxEntriesPerUser: 3, maxAgeMs: 3600_000 }, Infinity);
    const t = (id: string, min: number): ParsedTransaction => {
      const v = detector.validate({ transaction_id: id, user_id: 'dx', amount: 10, location: 'Pune', timestamp: new Date(BASE + min * 60_000).toISOString(), merchant_type: 'grocery' });
      if (!v.ok) throw new Error(JSON.stringify(v.error));
      return v.value;
    };
    const items = [t('d1', 0), t('d2', 10), t('d3', 20)];
    const committed = score(detector, view, items, 1);
    view.commitOverlay(committed.overlay, committed.record as BatchRecord);
    const before = view.history('dx');
    expect(before.map((e) => e.transaction_id)).to.deep.equal(['d1', 'd2', 'd3']);
    // In order (written past the view's end), out of order (a copy), and far ahead (everything older expires).
    for (const batch of [[t('d4', 30)], [t('d5', 5)], [t('d6', 500)], [t('d7', 30), t('d8', 15), t('d9', 600)]]) {
      const discarded = score(detector, view, batch, 2);
      expect(discarded.overlay.history('dx')).to.not.deep.equal(before);
      expect(view.history('dx')).to.deep.equal(before);
    }
    const last = score(detector, view, [t('d10', 25)], 2);
    view.commitOverlay(last.overlay, last.record as BatchRecord);
    expect(view.history('dx').map((e) => e.transaction_id)).to.deep.equal(['d2', 'd3', 'd10']);
    expect(view.stats().entries).to.equal(3);
  });
});
