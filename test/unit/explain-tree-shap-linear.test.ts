import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTreeShapExplainer, gaussLegendre01, prepareTreeShap, type TreeShapForest } from '../../src/core/explain/tree-shap';
import { trainForest, type ForestNodes } from '../../src/core/forest';
import { expectAllClose } from '../helpers/all-close';
import { bruteForceShapley } from '../helpers/brute-force-shapley';
import { defaultModel } from '../helpers/model';

/**
 * The linear method (the default) against the two reference algorithms ('leaves', 'paths') and
 * against Shapley values by enumeration of all coalitions, on random forests built node by node:
 * few features (so splits repeat on a path, up to the whole path on one feature), constant
 * covers (every child as large as its parent), covers that do not add up (a child larger than
 * its parent), covers of 1, and rows on the thresholds themselves.
 */

/** mulberry32: a tiny seeded generator, so that a forest is a function of its fast-check seed. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Covers = 'split' | 'constant' | 'degenerate';

interface ForestSpec {
  seed: number;
  nFeatures: number;
  trees: number;
  maxDepth: number;
  covers: Covers;
  /** Probability that a node above maxDepth stops as a leaf. */
  leafChance: number;
}

/** A random forest in the model file's layout (children after parents, pre-order). */
function randomForest(spec: ForestSpec): ForestNodes {
  const rand = generator(spec.seed);
  const int = (n: number) => Math.floor(rand() * n);
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const nSamples: number[] = [];
  const offsets = [0];
  for (let t = 0; t < spec.trees; t++) {
    const base = feature.length;
    const grow = (depth: number, n: number): number => {
      const k = feature.length - base;
      feature.push(-1);
      threshold.push(0);
      left.push(-1);
      right.push(-1);
      nSamples.push(n);
      const canSplit = spec.covers === 'split' ? n >= 2 : true;
      if (depth >= spec.maxDepth || !canSplit || (depth > 0 && rand() < spec.leafChance)) return k;
      // Thresholds on a small grid, so that rows hit them exactly.
      feature[base + k] = int(spec.nFeatures);
      threshold[base + k] = int(8) / 2;
      let nl: number;
      let nr: number;
      if (spec.covers === 'split') {
        nl = 1 + int(n - 1);
        nr = n - nl;
      } else if (spec.covers === 'constant') {
        nl = n;
        nr = n;
      } else {
        nl = 1 + int(2 * n);
        nr = 1 + int(2 * n);
      }
      left[base + k] = grow(depth + 1, nl);
      right[base + k] = grow(depth + 1, nr);
      return k;
    };
    grow(0, 1 + int(spec.covers === 'constant' ? 5 : 300));
    offsets.push(feature.length);
  }
  return {
    count: spec.trees,
    nodeOffsets: Int32Array.from(offsets),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    nSamples: Int32Array.from(nSamples),
  };
}


/** Random forest specs; more than 8 different features on a path need more than 4 points. */
const specArb = (maxFeatures: number, maxDepth: number): fc.Arbitrary<ForestSpec> =>
  fc.record({
    seed: fc.integer(),
    nFeatures: fc.integer({ min: 1, max: maxFeatures }),
    trees: fc.integer({ min: 1, max: 3 }),
    maxDepth: fc.integer({ min: 0, max: maxDepth }),
    covers: fc.constantFrom<Covers>('split', 'constant', 'degenerate'),
    leafChance: fc.constantFrom(0, 0.15, 0.4),
  });

/** Rows on the threshold grid (exactly on a threshold, between two, outside all). */
const rowsArb = (M: number) => fc.array(fc.array(fc.integer({ min: -1, max: 9 }).map((v) => v / 2), { minLength: M, maxLength: M }), { minLength: 1, maxLength: 4 });

/** |a - b| <= tol * max(1, |b|, scale). */
function expectNear(a: number, b: number, tol: number, scale = 0): void {
  const bound = tol * Math.max(1, Math.abs(b), scale);
  if (!(Math.abs(a - b) <= bound)) expect.fail(`${a} vs ${b}: difference ${Math.abs(a - b)} > ${bound}`);
}

describe('exact TreeSHAP, linear method (Gauss–Legendre quadrature)', () => {
  it('Gauss–Legendre on (0, 1) integrates the Shapley weights s!(u-1-s)!/u! exactly for u <= 2K', () => {
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    for (let K = 1; K <= 16; K++) {
      const { q, w } = gaussLegendre01(K);
      for (let k = 0; k < K; k++) {
        expect(q[k]).toBeGreaterThan(0);
        expect(q[k]).toBeLessThan(1);
        if (k > 0) expect(q[k]).toBeGreaterThan(q[k - 1]);
      }
      for (let u = 1; u <= 2 * K; u++) {
        for (let s = 0; s < u; s++) {
          let integral = 0;
          for (let k = 0; k < K; k++) integral += w[k] * q[k] ** s * (1 - q[k]) ** (u - 1 - s);
          expectAllClose(integral, (fact(s) * fact(u - 1 - s)) / fact(u), { rtol: 1e-13 });
        }
      }
    }
    expect(() => gaussLegendre01(0)).toThrow();
  });

  it('equals both reference algorithms within their rounding and adds up to f(x) - E[f] on random forests', () => {
    const points = new Set<number>();
    fc.assert(
      fc.property(
        specArb(12, 12).chain((spec) => fc.tuple(fc.constant(spec), rowsArb(spec.nFeatures))),
        ([spec, rows]) => {
          const nodes = randomForest(spec);
          const forest = prepareTreeShap(nodes, spec.nFeatures, 256);
          const linear = createTreeShapExplainer(forest);
          expect(linear.method).toBe('linear');
          points.add(linear.points!);
          const leaves = createTreeShapExplainer(forest, { method: 'leaves' });
          const paths = createTreeShapExplainer(forest, { method: 'paths' });
          const M = spec.nFeatures;
          const a = new Float64Array(M);
          const b = new Float64Array(M);
          const c = new Float64Array(M);
          for (const values of rows) {
            const row = Float32Array.from(values);
            const fx = linear.shap(row, a);
            expect(leaves.shap(row, b)).toBe(fx);
            expect(paths.shap(row, c)).toBe(fx);
            let scale = 0;
            for (let i = 0; i < M; i++) scale = Math.max(scale, Math.abs(b[i]));
            // 1e-11 of the largest value: on degenerate covers 12 levels deep the two reference
            // algorithms (both exact) already differ from each other by ~2e-12 of it in rounding.
            for (let i = 0; i < M; i++) {
              expectNear(a[i], b[i], 1e-11, scale);
              expectNear(a[i], c[i], 1e-11, scale);
            }
            let sum = 0;
            for (let i = 0; i < M; i++) sum += a[i];
            expectNear(sum, fx - forest.expectedPathLength, 1e-9, Math.abs(fx));
          }
        },
      ),
      { numRuns: 300, seed: 20261124 },
    );
    // Both forms ran: 4 points unrolled (padded below 4) and the general one.
    expect(Math.min(...points)).toBeLessThanOrEqual(4);
    expect(Math.max(...points)).toBeGreaterThan(4);
  });

  it('equals Shapley values by enumeration of all coalitions on random forests', () => {
    fc.assert(
      fc.property(
        specArb(6, 9).chain((spec) => fc.tuple(fc.constant(spec), rowsArb(spec.nFeatures))),
        ([spec, rows]) => {
          const forest = prepareTreeShap(randomForest(spec), spec.nFeatures, 256);
          const linear = createTreeShapExplainer(forest);
          const out = new Float64Array(spec.nFeatures);
          for (const values of rows) {
            const row = Float32Array.from(values);
            linear.shap(row, out);
            const { phi } = bruteForceShapley(forest, row);
            for (let i = 0; i < spec.nFeatures; i++) expectNear(out[i], phi[i], 1e-10);
          }
        },
      ),
      { numRuns: 150, seed: 20261124 },
    );
  });

  it('uses the general number of points on deep forests (depth 14, 16 features) with the same values', () => {
    // max_samples 16384: trees up to 14 deep, up to 14 different features on a path, so up to
    // 7 quadrature points (the unrolled 4-point form does not apply).
    const M = 16;
    const n = 20_000;
    const rand = generator(77);
    const rows = new Float32Array(n * M);
    for (let i = 0; i < rows.length; i++) rows[i] = i % M < 4 ? Math.floor(rand() * 3) : rand() * 100;
    const trained = trainForest(rows, M, { n_estimators: 2, max_samples: 16_384, contamination: 'auto', seed: 3 });
    const forest = prepareTreeShap(trained.nodes, M, trained.psi);
    expect(forest.maxDepth).toBeGreaterThanOrEqual(14);
    const linear = createTreeShapExplainer(forest);
    const leaves = createTreeShapExplainer(forest, { method: 'leaves' });
    expect(linear.method).toBe('linear');
    expect(linear.points).toBeGreaterThan(4);
    const a = new Float64Array(M);
    const b = new Float64Array(M);
    for (let r = 0; r < 12; r++) {
      const row = r < 6 ? rows.slice(r * 997 * M, (r * 997 + 1) * M) : Float32Array.from({ length: M }, (_, f) => (f < 4 ? Math.floor(rand() * 4) - 0.5 : rand() * 120 - 10));
      const fx = linear.shap(row, a);
      expect(leaves.shap(row, b)).toBe(fx);
      expectAllClose(Array.from(a), Array.from(b), { atol: 1e-12 });
      expectAllClose(
        a.reduce((s, x) => s + x, 0),
        fx - forest.expectedPathLength,
        { atol: 1e-9 * Math.max(1, Math.abs(fx)) },
      );
    }
  });

  it('agrees with both references on the default model to 1e-12', () => {
    const model = defaultModel();
    const forest = prepareTreeShap(model.nodes, model.nFeatures, model.file.params.psi);
    const linear = createTreeShapExplainer(forest);
    const leaves = createTreeShapExplainer(forest, { method: 'leaves' });
    const paths = createTreeShapExplainer(forest, { method: 'paths' });
    const rand = generator(11);
    const M = model.nFeatures;
    const [a, b, c] = [new Float64Array(M), new Float64Array(M), new Float64Array(M)];
    for (let r = 0; r < 60; r++) {
      const row = Float32Array.from({ length: M }, (_, f) => (f === 2 || f === 3 ? Math.floor(rand() * 2) : rand() * 20 - 4));
      const fx = linear.shap(row, a);
      expect(leaves.shap(row, b)).toBe(fx);
      paths.shap(row, c);
      expectAllClose(Array.from(a), Array.from(b), { atol: 1e-12 });
      expectAllClose(Array.from(a), Array.from(c), { atol: 1e-12 });
    }
  });

  it('falls back to the leaf method when a node has no samples (a hand-made forest)', () => {
    // f0 <= 1 ? (f1 <= 1 ? leaf(n 0) : leaf(n 4)) : leaf(n 6)
    const nodes: ForestNodes = {
      count: 1,
      nodeOffsets: Int32Array.from([0, 5]),
      feature: Int32Array.from([0, 1, -1, -1, -1]),
      threshold: Float64Array.from([1, 1, 0, 0, 0]),
      left: Int32Array.from([1, 2, -1, -1, -1]),
      right: Int32Array.from([4, 3, -1, -1, -1]),
      nSamples: Int32Array.from([10, 4, 0, 4, 6]),
    };
    const forest = prepareTreeShap(nodes, 2, 10);
    const explainer = createTreeShapExplainer(forest);
    expect(explainer.method).toBe('leaves');
    const out = new Float64Array(2);
    for (const x of [
      [0, 0],
      [0, 2],
      [2, 0],
    ]) {
      const row = Float32Array.from(x);
      explainer.shap(row, out);
      expectAllClose(Array.from(out), bruteForceShapley(forest, row).phi, { atol: 1e-12 });
    }
  });

  it('allocates nothing per call and reuses its output buffer contract', () => {
    const model = defaultModel();
    const explainer = createTreeShapExplainer(prepareTreeShap(model.nodes, model.nFeatures, model.file.params.psi));
    const out = new Float64Array(model.nFeatures + 2).fill(5);
    explainer.shap(new Float32Array(model.nFeatures), out);
    // Only the first nFeatures entries are written.
    expect(out[model.nFeatures]).toBe(5);
    expect(() => explainer.shap(new Float32Array(model.nFeatures - 1), out)).toThrow(/row length/);
    expect(() => explainer.shap(new Float32Array(model.nFeatures), new Float64Array(1))).toThrow(/output length/);
  });
});
