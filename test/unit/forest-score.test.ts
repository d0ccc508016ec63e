import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/random/prng';
import {
  compileForest,
  decisionFunction,
  float32AtOrBelow,
  MAX_PADDED_DEPTH,
  pathLengthSums,
  predict,
  scoreSamples,
  wasmWalkAvailable,
} from '../../src/core/forest/score';
import { walkModuleBytes, WASM_BLOCK_ROWS } from '../../src/core/forest/wasm-walk';
import { trainForest } from '../../src/core/forest/train';
import type { ForestNodes } from '../../src/core/forest/types';
import { expectAllClose } from '../helpers/all-close';

/** c(n), written out independently of the code under test. */
function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

/** One hand-written node: a leaf `{ n }` or a split `{ f, t, l, r, n }` (children local to the tree). */
type HandNode = { n: number } | { f: number; t: number; l: number; r: number; n: number };

/** Flattens hand-written trees into the ForestNodes struct-of-arrays. */
function forestOf(...trees: HandNode[][]): ForestNodes {
  const all = trees.flat();
  const nodeOffsets = new Int32Array(trees.length + 1);
  trees.forEach((tree, i) => (nodeOffsets[i + 1] = nodeOffsets[i] + tree.length));
  return {
    count: trees.length,
    nodeOffsets,
    feature: Int32Array.from(all, (x) => ('f' in x ? x.f : -1)),
    threshold: Float64Array.from(all, (x) => ('t' in x ? x.t : 0)),
    left: Int32Array.from(all, (x) => ('l' in x ? x.l : -1)),
    right: Int32Array.from(all, (x) => ('r' in x ? x.r : -1)),
    nSamples: Int32Array.from(all, (x) => x.n),
  };
}

/** score_samples from mean path length: -2^(-E[h] / c(psi)). */
function scoreOf(meanPathLength: number, psi: number): number {
  return -(2 ** -(meanPathLength / c(psi)));
}

/**
 * Reference scorer written straight from scikit-learn's definition: walk every tree node by node
 * comparing the float32 feature value with the float64 threshold (`x <= t` goes left), credit
 * depth + 1 + c(n_leaf) - 1 (scikit-learn's decision-path length and order of operations), add the
 * trees in order and normalise by n_trees * c(psi).
 */
function referenceScores(nodes: ForestNodes, nFeatures: number, psi: number, rows: ArrayLike<number>): Float64Array {
  const n = rows.length / nFeatures;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let t = 0; t < nodes.count; t++) {
      const base = nodes.nodeOffsets[t];
      let k = 0;
      let depth = 0;
      while (nodes.left[base + k] >= 0) {
        const x = Math.fround(rows[r * nFeatures + nodes.feature[base + k]]);
        k = x <= nodes.threshold[base + k] ? nodes.left[base + k] : nodes.right[base + k];
        depth++;
      }
      sum += depth + 1 + c(nodes.nSamples[base + k]) - 1.0;
    }
    out[r] = -(2 ** -(sum / (nodes.count * c(psi))));
  }
  return out;
}

/** Root splits feature 0 at 0.5; left leaf n=3; right splits feature 1 at 2.0 into leaves n=1 and n=2. */
const TREE_A: HandNode[] = [
  { f: 0, t: 0.5, l: 1, r: 2, n: 6 },
  { n: 3 },
  { f: 1, t: 2.0, l: 3, r: 4, n: 3 },
  { n: 1 },
  { n: 2 },
];

/** A stump on feature 1 at 0: left leaf n=4 (depth 1), right leaf n=2 (depth 1). */
const TREE_B: HandNode[] = [
  { f: 1, t: 0, l: 1, r: 2, n: 6 },
  { n: 4 },
  { n: 2 },
];

/**
 * A chain of `depth` splits on feature 0 at thresholds t(0) < t(1) < ... (0.5, 1.5, 2.5, ... by
 * default): a row x leaves the chain to the left (a leaf of one sample) at the first threshold
 * t(i) >= x; past the last threshold it lands in the deepest leaf, which holds `lastLeaf` samples.
 * Pre-order: split i at 2i, its left leaf at 2i+1.
 */
function chainTree(depth: number, lastLeaf: number, t: (i: number) => number = (i) => i + 0.5): HandNode[] {
  const nodes: HandNode[] = [];
  for (let i = 0; i < depth; i++) {
    nodes.push({ f: 0, t: t(i), l: 2 * i + 1, r: 2 * i + 2, n: depth - i + lastLeaf });
    nodes.push({ n: 1 });
  }
  nodes[2 * depth] = { n: lastLeaf };
  return nodes;
}

/** Path length of row x (a float32 value) through chainTree(depth, lastLeaf, t), by hand. */
function chainPathLength(x: number, depth: number, lastLeaf: number, t: (i: number) => number = (i) => i + 0.5): number {
  for (let i = 0; i < depth; i++) if (x <= t(i)) return i + 1 + c(1);
  return depth + c(lastLeaf);
}

describe('scoring hand-built trees', () => {
  const psi = 6;

  it('credits each row its leaf depth plus c(n_leaf) and scores -2^(-h/c(psi))', () => {
    const forest = compileForest(forestOf(TREE_A), 2, psi);
    expect(forest.layout).toBe('padded');
    expect(forest.depth).toBe(2);
    const rows = Float32Array.of(
      0.2, 0, // left leaf, depth 1, n=3
      0.7, 1.5, // right then left: depth 2, n=1
      0.7, 3, // right then right: depth 2, n=2
      -100, 100, // far left on feature 0: feature 1 never looked at
    );
    const h = [1 + c(3), 2 + 0, 2 + 1, 1 + c(3)];
    const sums = pathLengthSums(forest, rows, new Float64Array(4));
    expectAllClose(sums, h, { atol: 1e-15, rtol: 1e-15 });
    expectAllClose(scoreSamples(forest, rows), h.map((x) => scoreOf(x, psi)), { atol: 1e-15, rtol: 0 });
  });

  it('sends a row exactly on the threshold to the left (x <= t), at every level', () => {
    const forest = compileForest(forestOf(TREE_A), 2, psi);
    const rows = Float32Array.of(
      0.5, 0, // on the root threshold: left leaf n=3
      0.7, 2.0, // on the second threshold: left leaf n=1
      0.5000001, 2.0000002, // the next float32 above both: right, right
    );
    const h = [1 + c(3), 2, 2 + c(2)];
    expectAllClose(scoreSamples(forest, rows), h.map((x) => scoreOf(x, psi)), { atol: 1e-15, rtol: 0 });
  });

  it('compares the float32 row value with the float64 threshold, as scikit-learn does', () => {
    // Thresholds 0.1 and -0.1 are doubles with no float32 equal. fround(0.1) = 0.100000001490116...
    // lies above 0.1, so scikit-learn (float32 x promoted to double, x <= 0.1) sends it right, while
    // a float32-only comparison fround(x) <= fround(t) would send it left.
    const stump = (t: number): HandNode[] => [{ f: 0, t, l: 1, r: 2, n: 6 }, { n: 1 }, { n: 5 }];
    const left = 1 + c(1);
    const right = 1 + c(5);
    const positive = compileForest(forestOf(stump(0.1)), 1, psi);
    const below = new Float32Array([0.1]);
    below[0] = float32AtOrBelow(0.1); // largest float32 <= 0.1
    expect(Math.fround(0.1)).toBeGreaterThan(0.1);
    expect(below[0]).toBeLessThan(0.1);
    expectAllClose(scoreSamples(positive, Float32Array.of(0.1)), [scoreOf(right, psi)], { atol: 1e-15, rtol: 0 });
    expectAllClose(scoreSamples(positive, below), [scoreOf(left, psi)], { atol: 1e-15, rtol: 0 });
    // fround(-0.1) = -0.100000001490116... lies below -0.1: left, as x <= -0.1 says.
    const negative = compileForest(forestOf(stump(-0.1)), 1, psi);
    expect(Math.fround(-0.1)).toBeLessThan(-0.1);
    expectAllClose(scoreSamples(negative, Float32Array.of(-0.1)), [scoreOf(left, psi)], { atol: 1e-15, rtol: 0 });
    expectAllClose(scoreSamples(negative, Float32Array.of(-0.09999999)), [scoreOf(right, psi)], { atol: 1e-15, rtol: 0 });
  });

  it('handles thresholds beyond the float32 range and tiny thresholds around zero as the double comparison does', () => {
    const stump = (t: number): HandNode[] => [{ f: 0, t, l: 1, r: 2, n: 6 }, { n: 1 }, { n: 5 }];
    // Leaf credit in scikit-learn's order of operations, depth + 1 + c(n) - 1, so scores compare exactly.
    const left = scoreOf(1 + 1 + c(1) - 1, psi);
    const right = scoreOf(1 + 1 + c(5) - 1, psi);
    const cases: Array<[threshold: number, x: number, goesLeft: boolean]> = [
      [1e39, 3.4028234663852886e38, true], // largest float32 <= 1e39
      [1e39, Infinity, false],
      [-1e39, -Infinity, true],
      [-1e39, -3.4028234663852886e38, false],
      [1e-50, 0, true],
      [1e-50, 1.401298464324817e-45, false], // smallest positive float32
      [-1e-50, 0, false], // 0 > -1e-50
      [-1e-50, -1.401298464324817e-45, true],
    ];
    for (const [t, x, goesLeft] of cases) {
      expect(x <= t, `test case sanity: ${x} <= ${t}`).toBe(goesLeft);
      const got = scoreSamples(compileForest(forestOf(stump(t)), 1, psi), Float32Array.of(x))[0];
      expect(got, `x = ${x}, threshold = ${t}`).toBe(goesLeft ? left : right);
    }
  });

  it('averages the path lengths of several trees before normalising', () => {
    const forest = compileForest(forestOf(TREE_A, TREE_B), 2, psi);
    expect(forest.nTrees).toBe(2);
    const rows = Float32Array.of(
      0.2, 0, // A: depth 1 n=3; B: x1 = 0 <= 0, left n=4
      0.7, 1.5, // A: depth 2 n=1; B: right n=2
      0.7, 3, // A: depth 2 n=2; B: right n=2
    );
    const hA = [1 + c(3), 2, 2 + c(2)];
    const hB = [1 + c(4), 1 + c(2), 1 + c(2)];
    const expected = hA.map((a, i) => -(2 ** -((a + hB[i]) / 2 / c(psi))));
    expectAllClose(scoreSamples(forest, rows), expected, { atol: 1e-15, rtol: 0 });
  });

  it('scores a forest of single-leaf trees -2^(-c(n_leaf)/c(psi)), whatever the row', () => {
    const forest = compileForest(forestOf([{ n: 6 }], [{ n: 6 }]), 2, psi);
    expect(forest.depth).toBe(0);
    const scores = scoreSamples(forest, Float32Array.of(1, 2, -5, 7, 0, 0));
    expectAllClose(scores, [-0.5, -0.5, -0.5], { atol: 1e-15, rtol: 0 });
  });

  it('writes into the output buffer it is given', () => {
    const forest = compileForest(forestOf(TREE_A), 2, psi);
    const out = new Float64Array(2).fill(123);
    const result = scoreSamples(forest, Float32Array.of(0.2, 0, 0.7, 3), out);
    expect(result).toBe(out);
    expectAllClose(out, [scoreOf(1 + c(3), psi), scoreOf(3, psi)], { atol: 1e-15, rtol: 0 });
  });

  it('rejects a row buffer whose length is not a multiple of the feature count', () => {
    const forest = compileForest(forestOf(TREE_A), 2, psi);
    expect(() => pathLengthSums(forest, Float32Array.of(1, 2, 3), new Float64Array(2))).toThrow(/not a multiple of 2 features/);
  });
});

describe('decisionFunction and predict', () => {
  const psi = 6;
  const forest = compileForest(forestOf(TREE_A), 2, psi);
  const rows = Float32Array.of(0.2, 0, 0.7, 1.5, 0.7, 3);
  const scores = [scoreOf(1 + c(3), psi), scoreOf(2, psi), scoreOf(3, psi)];

  it('subtracts the offset from score_samples', () => {
    const offset = -0.6;
    expectAllClose(decisionFunction(forest, offset, rows), scores.map((s) => s - offset), { atol: 1e-15, rtol: 0 });
  });

  it('labels -1 exactly the rows whose decision is negative, and a decision of exactly 0 an inlier', () => {
    // The n=1 leaf at depth 2 is the most anomalous row (shortest path); use its score as offset.
    const sorted = [...scores].sort((a, b) => a - b);
    expect(Array.from(predict(forest, sorted[0], rows))).toEqual(scores.map(() => 1));
    const between = (sorted[0] + sorted[1]) / 2;
    expect(Array.from(predict(forest, between, rows))).toEqual(scores.map((s) => (s - between < 0 ? -1 : 1)));
    expect(Array.from(predict(forest, between, rows)).filter((l) => l === -1)).toHaveLength(1);
    expect(Array.from(predict(forest, 0, rows))).toEqual([-1, -1, -1]);
    expect(Array.from(predict(forest, -1, rows))).toEqual([1, 1, 1]);
  });
});

describe('forests deeper than the padded layout', () => {
  it('scores a chain tree of depth 16 node by node, as computed by hand', () => {
    expect(MAX_PADDED_DEPTH).toBeLessThan(16);
    const psi = 19;
    const forest = compileForest(forestOf(chainTree(16, 3)), 1, psi);
    expect(forest.layout).toBe('nodes');
    expect(forest.depth).toBe(16);
    const xs = [-1, 0.5, 0.6, 3, 7.5, 14.9, 15.5, 15.6, 100];
    // By hand: x = 3 passes 0.5, 1.5, 2.5 and stops left of 3.5, at depth 4; x > 15.5 ends at depth 16 in the n=3 leaf.
    const h = [1, 1, 2, 4, 8, 16, 16, 16 + c(3), 16 + c(3)];
    expect(xs.map((x) => chainPathLength(x, 16, 3))).toEqual(h);
    const sums = pathLengthSums(forest, Float32Array.from(xs), new Float64Array(xs.length));
    expectAllClose(sums, h, { atol: 1e-15, rtol: 1e-15 });
    expectAllClose(scoreSamples(forest, Float32Array.from(xs)), h.map((x) => scoreOf(x, psi)), { atol: 1e-15, rtol: 0 });
  });

  it('mixes the deep chain with shallow trees in one node-walked forest, averaging in tree order', () => {
    const psi = 19;
    const nodes = forestOf(chainTree(16, 3), [{ f: 0, t: 7, l: 1, r: 2, n: 19 }, { n: 15 }, { n: 4 }], [{ n: 19 }]);
    const forest = compileForest(nodes, 1, psi);
    expect(forest.layout).toBe('nodes');
    const xs = [-1, 3, 7, 7.25, 100];
    const expected = xs.map((x) => {
      const h = chainPathLength(x, 16, 3) + (x <= 7 ? 1 + c(15) : 1 + c(4)) + c(19);
      return -(2 ** -(h / 3 / c(psi)));
    });
    expectAllClose(scoreSamples(forest, Float32Array.from(xs)), expected, { atol: 1e-15, rtol: 0 });
    expect(Array.from(scoreSamples(forest, Float32Array.from(xs)))).toEqual(Array.from(referenceScores(nodes, 1, psi, xs)));
  });

  it('compares the float32 row value with the float64 threshold in the node walk too', () => {
    // Thresholds i + 0.1 have no float32 equal; fround(i + 0.1) lies above some and below others.
    const t = (i: number): number => i + 0.1;
    const psi = 18;
    const forest = compileForest(forestOf(chainTree(16, 2, t)), 1, psi);
    expect(forest.layout).toBe('nodes');
    const xs = Array.from(Float32Array.from({ length: 17 }, (_, i) => i + 0.1));
    const h = xs.map((x) => chainPathLength(x, 16, 2, t));
    // Both directions occur: some rows stop exactly at their own threshold, others pass it.
    expect(h.some((v, i) => v === i + 1)).toBe(true);
    expect(h.some((v, i) => v > i + 1)).toBe(true);
    expectAllClose(scoreSamples(forest, Float32Array.from(xs)), h.map((x) => scoreOf(x, psi)), { atol: 1e-15, rtol: 0 });
  });

  it('keeps a chain of exactly MAX_PADDED_DEPTH in the padded layout with the same scores', () => {
    const d = MAX_PADDED_DEPTH;
    const psi = d + 2;
    const nodes = forestOf(chainTree(d, 2));
    const forest = compileForest(nodes, 1, psi);
    expect(forest.layout).toBe('padded');
    expect(forest.depth).toBe(d);
    const xs = Array.from({ length: 2 * d + 3 }, (_, i) => i / 2 - 0.5);
    const h = xs.map((x) => chainPathLength(x, d, 2));
    expectAllClose(scoreSamples(forest, Float32Array.from(xs)), h.map((x) => scoreOf(x, psi)), { atol: 1e-15, rtol: 0 });
  });
});

/**
 * Random float32 rows that exercise split thresholds: two rows in three (so every lane of the
 * eight-row interleave gets some) walk a random tree and put
 * the feature of a node on its path on that node's threshold (as float32) or one float32 step
 * either side, so the row actually reaches the comparison it was built for (later edits to the
 * same feature may reroute it, which only adds variety).
 */
function stressRows(nodes: ForestNodes, nFeatures: number, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const rows = new Float32Array(n * nFeatures);
  const bits = new Float32Array(1);
  const word = new Int32Array(bits.buffer);
  for (let r = 0; r < n; r++) {
    const o = r * nFeatures;
    for (let f = 0; f < nFeatures; f++) rows[o + f] = rng.nextFloat() * 8 - 4;
    if (r % 3 === 2) continue;
    const t = rng.nextInt(nodes.count);
    const base = nodes.nodeOffsets[t];
    let k = 0;
    while (nodes.left[base + k] >= 0) {
      const g = base + k;
      if (rng.nextFloat() < 0.3) {
        bits[0] = Math.fround(nodes.threshold[g]);
        const onThreshold = bits[0];
        word[0] += rng.nextInt(3) - 1;
        rows[o + nodes.feature[g]] = Number.isNaN(bits[0]) ? onThreshold : bits[0];
      }
      k = rows[o + nodes.feature[g]] <= nodes.threshold[g] ? nodes.left[g] : nodes.right[g];
    }
  }
  return rows;
}

/** Gaussian-ish training rows (sum of four uniforms), seeded. */
function trainingRows(n: number, nFeatures: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const rows = new Float32Array(n * nFeatures);
  for (let i = 0; i < rows.length; i++) rows[i] = rng.nextFloat() + rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 2;
  return rows;
}

// Both engines at several depths: the WebAssembly module is generated per depth, the JavaScript
// walk is one loop for every depth.
for (const engine of ['wasm', 'js'] as const)
for (const [psi, depth] of [[256, 8], [128, 7], [512, 9], [2, 1], [16, 4]] as const) describe(`compiled forests of depth ${depth} against a node-by-node reference walk (${engine} engine)`, () => {
  const nFeatures = 4;
  const train = trainingRows(3000, nFeatures, 11);
  const trained = trainForest(train, nFeatures, { n_estimators: 37, max_samples: psi, contamination: 'auto', seed: 5 });
  const padded = compileForest(trained.nodes, nFeatures, trained.psi);

  it(`uses the padded layout of depth ${depth} for a forest grown on ${psi} samples`, () => {
    expect(padded.layout).toBe('padded');
    expect(padded.depth).toBe(depth);
  });

  for (const n of [1, 7, 8, 9, 255, 256, 257, 1001]) {
    it(`scores ${n} random rows (some on split thresholds) to the bit of the reference`, () => {
      const rows = stressRows(trained.nodes, nFeatures, n, 1000 + n);
      const expected = referenceScores(trained.nodes, nFeatures, trained.psi, rows);
      const actual = scoreSamples(padded, rows, undefined, engine);
      expectAllClose(actual, expected, { atol: 0, rtol: 0 });
    });
  }

  it('scores the training rows themselves to the bit of the reference', () => {
    expectAllClose(scoreSamples(padded, train, undefined, engine), referenceScores(trained.nodes, nFeatures, trained.psi, train), { atol: 0, rtol: 0 });
  });

  it('agrees with the reference for any finite float32 rows (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }), { minLength: nFeatures, maxLength: nFeatures }), {
          minLength: 1,
          maxLength: 40,
        }),
        (rowList) => {
          const rows = Float32Array.from(rowList.flat());
          const actual = scoreSamples(padded, rows, undefined, engine);
          const expected = referenceScores(trained.nodes, nFeatures, trained.psi, rows);
          expectAllClose(actual, expected, { atol: 0, rtol: 0 });
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('scores a forest grown deeper than MAX_PADDED_DEPTH through the node walk to the bit of the reference', () => {
    // psi = 20,000 gives a height limit of 15: some leaves sit below the padded layout's limit.
    const big = trainingRows(20000, 2, 3);
    const deep = trainForest(big, 2, { n_estimators: 3, max_samples: 20000, contamination: 'auto', seed: 9 });
    const forest = compileForest(deep.nodes, 2, deep.psi);
    expect(forest.depth).toBeGreaterThan(MAX_PADDED_DEPTH);
    expect(forest.layout).toBe('nodes');
    for (const n of [13, 1000]) {
      const rows = stressRows(deep.nodes, 2, n, 77 + n);
      expectAllClose(scoreSamples(forest, rows), referenceScores(deep.nodes, 2, deep.psi, rows), { atol: 0, rtol: 0 });
    }
  });
});

// (The tests compile without the DOM library, which declares WebAssembly.)
const { WebAssembly } = globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } };

describe('the WebAssembly walk', () => {
  const nFeatures = 3;
  const train = trainingRows(2000, nFeatures, 21);
  const trained = trainForest(train, nFeatures, { n_estimators: 25, max_samples: 256, contamination: 'auto', seed: 3 });
  const forest = compileForest(trained.nodes, nFeatures, trained.psi);

  it('runs in Node (so the default engine is the WebAssembly one here)', () => {
    expect(wasmWalkAvailable(forest)).toBe(true);
  });

  it('gives the JavaScript walk\'s sums to the bit, infinities and NaN included, across block boundaries', () => {
    const n = 3 * WASM_BLOCK_ROWS + 5;
    const rows = stressRows(trained.nodes, nFeatures, n, 99);
    const specials = [Infinity, -Infinity, NaN, 0, -0, 3.4028234663852886e38, -3.4028234663852886e38];
    for (let i = 0; i < 60; i++) rows[(i * 37) % rows.length] = specials[i % specials.length];
    const wasm = pathLengthSums(forest, rows, new Float64Array(n), 'wasm');
    const js = pathLengthSums(forest, rows, new Float64Array(n), 'js');
    expect(Array.from(wasm)).toEqual(Array.from(js));
    // Sums of 25 trees of depth <= 8: a broken walk would give zeros or out-of-range values.
    for (const s of wasm) expect(s).toBeGreaterThan(25 * 0.99);
  });

  it('adds to nothing but the rows it is given: a shorter row buffer leaves the rest of `out` alone', () => {
    const rows = stressRows(trained.nodes, nFeatures, 10, 5);
    const out = new Float64Array(12).fill(-7);
    pathLengthSums(forest, rows, out);
    expect(Array.from(out.subarray(10))).toEqual([-7, -7]);
    expect(Array.from(out.subarray(0, 10))).toEqual(Array.from(pathLengthSums(forest, rows, new Float64Array(10), 'js')));
  });

  it('is a valid module for every padded depth, and each scores a chain tree of that depth as the JavaScript walk does', () => {
    for (let d = 1; d <= MAX_PADDED_DEPTH; d++) {
      expect(WebAssembly.validate(walkModuleBytes(d))).toBe(true);
      const chain = compileForest(forestOf(chainTree(d, 2)), 1, d + 2);
      const xs = Float32Array.from({ length: 2 * d + 3 }, (_, i) => i / 2 - 0.5);
      const wasm = scoreSamples(chain, xs, undefined, 'wasm');
      expect(Array.from(wasm)).toEqual(Array.from(scoreSamples(chain, xs, undefined, 'js')));
      expect(Array.from(wasm)).toEqual(Array.from(xs, (x) => scoreOf(chainPathLength(x, d, 2), d + 2)));
    }
  });
});
