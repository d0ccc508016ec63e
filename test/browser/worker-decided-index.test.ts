import { expect } from '@esm-bundle/chai';
import { DecidedIndex, fnv1a } from '../../src/worker/decided-index';
import { indexOfPacked, packStrings, unpackString } from '../../src/worker/packed-strings';

describe('decided-id index', () => {
  it('finds ids restored from packed snapshot chunks and ids decided since, and forgets the oldest first', () => {
    const index = new DecidedIndex(1000);
    for (let i = 0; i < 600; i++) index.set(`id-${i}`, i + 1);
    const restored = new DecidedIndex(1000);
    restored.restore(index.toChunks(128));
    expect(restored.size).to.equal(600);
    expect(restored.get('id-0')).to.equal(1);
    expect(restored.get('id-599')).to.equal(600);
    expect(restored.get('id-600')).to.equal(undefined);
    expect(restored.get('id-')).to.equal(undefined);
    for (let i = 600; i < 1100; i++) restored.set(`id-${i}`, i + 1);
    expect(restored.size).to.equal(1000);
    expect(restored.has('id-99')).to.equal(false);
    expect(restored.get('id-100')).to.equal(101);
    expect(restored.get('id-1099')).to.equal(1100);
    const again = new DecidedIndex(1000);
    again.restore(restored.toChunks(300));
    expect(again.size).to.equal(1000);
    expect(again.has('id-99')).to.equal(false);
    expect(again.get('id-100')).to.equal(101);
    expect(again.get('id-1099')).to.equal(1100);
  });

  it('folds a snapshot taken at some record into the packed index, keeping the ids of later records in their order', () => {
    const index = new DecidedIndex(50);
    for (let i = 0; i < 40; i++) index.set(`id-${i}`, i + 1);
    const atRecord40 = index.toChunks(16);
    // Decided while that snapshot was being written.
    for (let i = 40; i < 60; i++) index.set(`id-${i}`, i + 1);
    index.restore(atRecord40, 40);
    expect(index.size).to.equal(50);
    for (let i = 0; i < 10; i++) expect(index.has(`id-${i}`)).to.equal(false);
    for (let i = 10; i < 60; i++) expect(index.get(`id-${i}`)).to.equal(i + 1);
    expect(index.oldestSeq()).to.equal(11);
    // The oldest go first from here on, the folded ones before the kept ones.
    index.set('id-60', 61);
    expect(index.has('id-10')).to.equal(false);
    expect(index.get('id-40')).to.equal(41);
  });

  it('writes snapshot chunks id by id as a plain listing would, across runs, deletions, evictions and chunk ends', () => {
    // The listing written out here: every remembered id with its record and hash, oldest first.
    const reference = (index: DecidedIndex, all: Array<[string, number]>, chunkSize: number) => {
      const kept = all.filter(([id, seq]) => index.get(id) === seq);
      const chunks = [];
      for (let i = 0; i < kept.length; i += chunkSize) {
        const part = kept.slice(i, i + chunkSize);
        chunks.push({ kind: 'index', ids: packStrings(part.map(([id]) => id)), seq: Float64Array.from(part, ([, q]) => q), hash: Uint32Array.from(part, ([id]) => fnv1a(id)) });
      }
      return chunks;
    };
    let state = 7;
    const next = (n: number) => (state = (state * 1103515245 + 12345) % 2147483648) % n;
    for (let round = 0; round < 30; round++) {
      const max = 20 + next(60);
      const index = new DecidedIndex(max);
      const all: Array<[string, number]> = [];
      let seq = 1;
      for (let phase = 0; phase < 3; phase++) {
        for (let i = 0, n = next(50); i < n; i++) {
          // (One empty id in some rounds: ids are unique, as the log keeps them.)
          const id = all.length === 0 && round % 3 === 0 ? '' : `r${round}-${'x'.repeat(next(4))}${all.length}`;
          index.set(id, seq);
          all.push([id, seq]);
          if (next(3) === 0) seq++;
        }
        // Memory mode drops some records' ids out of order.
        for (let i = 0; i < 3 && all.length > 0; i++) {
          const [id, s] = all[next(all.length)];
          index.delete(id, s);
        }
        const chunkSize = 1 + next(17);
        expect(index.toChunks(chunkSize)).to.deep.equal(reference(index, all, chunkSize));
        // Fold the snapshot in, as a compaction does, and go on.
        index.restore(index.toChunks(1 + next(9)));
      }
    }
  });

  it('behaves as a Map in decision order while thousands of older ids are forgotten, deleted or decided again', () => {
    // The model: a Map keeps insertion order, takes a new value in place, and the oldest go first.
    const model = new Map<string, number>();
    const index = new DecidedIndex(300);
    const set = (id: string, seq: number) => {
      index.set(id, seq);
      model.set(id, seq);
      while (model.size > 300) model.delete(model.keys().next().value as string);
    };
    for (let i = 0; i < 6000; i++) {
      set(`n${i}`, i + 1);
      // Memory mode drops some records out of order; a repeat takes its new record in place.
      if (i % 7 === 3) {
        index.delete(`n${i - 2}`, i - 1);
        if (model.get(`n${i - 2}`) === i - 1) model.delete(`n${i - 2}`);
      }
      if (i % 11 === 5) set(`n${i - 1}`, i + 1);
      // Every id of the window, all the way (the index compacts its rows as it goes).
      if (i % 50 === 0) for (let j = Math.max(0, i - 400); j <= i; j++) expect(index.get(`n${j}`)).to.equal(model.get(`n${j}`));
    }
    expect(index.size).to.equal(model.size);
    for (let i = 0; i < 6000; i++) expect(index.get(`n${i}`)).to.equal(model.get(`n${i}`));
    expect(index.oldestSeq()).to.equal(model.values().next().value);
    const listed = index.toChunks(64).flatMap((c) => Array.from(c.seq, (seq, k) => [unpackString(c.ids, k), seq]));
    expect(listed).to.deep.equal([...model]);
  });

  it('deletes ids of dropped records only when they point at that record', () => {
    const index = new DecidedIndex(100);
    index.set('a', 1);
    index.set('b', 2);
    index.delete('a', 2);
    expect(index.get('a')).to.equal(1);
    index.delete('a', 1);
    expect(index.has('a')).to.equal(false);
    const packed = new DecidedIndex(100);
    packed.restore(index.toChunks(10));
    packed.delete('b', 2);
    expect(packed.has('b')).to.equal(false);
    expect(packed.size).to.equal(0);
  });

  it('packs any strings, including empty ones and non-Latin text', () => {
    const values = ['', 'tx-1', 'टीएक्स-२', '\u0000', 'emoji-🙂'];
    const p = packStrings(values);
    expect(values.map((_, i) => unpackString(p, i))).to.deep.equal(values);
    expect(values.map((v) => indexOfPacked(p, v))).to.deep.equal([0, 1, 2, 3, 4]);
    const ids = packStrings(['tx-11', 'tx-1', 'x-1', 'tx-1']);
    expect(indexOfPacked(ids, 'tx-1')).to.equal(1);
    expect(indexOfPacked(ids, 'x-1')).to.equal(2);
    expect(indexOfPacked(ids, 'tx-')).to.equal(-1);
    expect(indexOfPacked(ids, '1tx')).to.equal(-1);
    expect(fnv1a('abc')).to.equal(fnv1a('xabcx', 1, 4));
  });
});
