import { describe, expect, it } from 'vitest';
import { createTreeShapExplainer, prepareTreeShap, type TreeShapForest } from '../../src/core/explain/tree-shap';
import { compileForest, pathLengthSums, trainForest, type ForestNodes } from '../../src/core/forest';
import { Rng } from '../../src/core/random/prng';
import { expectAllClose } from '../helpers/all-close';
import { bruteForceShapley } from '../helpers/brute-force-shapley';
import { defaultModel } from '../helpers/model';


/** Random rows with a mix of continuous, integer and binary columns (repeated splits on a path). */
function randomRows(rng: Rng, n: number, M: number): Float32Array {
  const rows = new Float32Array(n * M);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < M; f++) {
      const kind = f % 3;
      rows[r * M + f] = kind === 0 ? rng.nextFloat() * 10 : kind === 1 ? rng.nextInt(5) : rng.nextInt(2);
    }
  }
  return rows;
}

/** A hand-made tree that splits on feature 0 three times on one path (unwinding twice). */
function repeatedSplitForest(): ForestNodes {
  //            0: f0 <= 5
  //       1: f1 <= 2         6: f0 <= 8
  //   2: f0 <= 3   5:leaf   7:leaf   8: f2 <= 1
  //  3:leaf 4:leaf                 9: f0 <= 9  12: leaf
  //                               10:leaf 11:leaf
  const left = [1, 2, 3, -1, -1, -1, 7, -1, 9, 10, -1, -1, -1];
  const right = [6, 5, 4, -1, -1, -1, 8, -1, 12, 11, -1, -1, -1];
  const feature = [0, 1, 0, -1, -1, -1, 0, -1, 2, 0, -1, -1, -1];
  const threshold = [5, 2, 3, 0, 0, 0, 8, 0, 1, 9, 0, 0, 0];
  const nSamples = [40, 22, 15, 9, 6, 7, 18, 5, 13, 8, 3, 5, 5];
  return {
    count: 1,
    nodeOffsets: Int32Array.from([0, 13]),
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    nSamples: Int32Array.from(nSamples),
  };
}

describe('exact TreeSHAP of the Isolation Forest path length', () => {
  for (const method of ['linear', 'leaves', 'paths'] as const) {
    it(`equals brute-force Shapley values within 1e-9 on small trained forests (${method})`, () => {
      const rng = new Rng(20260601);
      let checked = 0;
      for (const [M, trees, psi] of [
        [2, 3, 16],
        [3, 4, 32],
        [4, 5, 64],
        [5, 3, 64],
        [6, 4, 128],
      ] as const) {
        const rows = randomRows(rng, 300, M);
        const trained = trainForest(rows, M, { n_estimators: trees, max_samples: psi, contamination: 'auto', seed: M * 11 });
        const forest = prepareTreeShap(trained.nodes, M, trained.psi);
        const explainer = createTreeShapExplainer(forest, { method });
        const out = new Float64Array(M);
        // Training rows and fresh ones, including values outside the training range.
        const probes = [rows.subarray(0, 10 * M), randomRows(rng, 10, M).map((x, i) => (i % 7 === 0 ? x * 3 - 5 : x))];
        for (const probe of probes) {
          for (let r = 0; r < probe.length / M; r++) {
            const row = probe.slice(r * M, (r + 1) * M);
            const fx = explainer.shap(row, out);
            const { phi, v } = bruteForceShapley(forest, row);
            expectAllClose(Array.from(out), phi, { atol: 1e-9 });
            expectAllClose(fx, v[(1 << M) - 1], { atol: 1e-12 });
            expectAllClose(forest.expectedPathLength, v[0], { atol: 1e-12 });
            checked++;
          }
        }
      }
      expect(checked).toBe(100);
    });

    it(`unwinds a feature split three times on one path exactly (${method})`, () => {
      const nodes = repeatedSplitForest();
      const forest = prepareTreeShap(nodes, 3, 40);
      const explainer = createTreeShapExplainer(forest, { method });
      const out = new Float64Array(3);
      for (const x of [
        [2, 1, 0],
        [4, 3, 0],
        [6, 0, 0],
        [8.5, 0, 0],
        [8.5, 0, 2],
        [9.5, 0, 0],
        [7, 5, 5],
      ]) {
        const row = Float32Array.from(x);
        const fx = explainer.shap(row, out);
        const { phi, v } = bruteForceShapley(forest, row);
        expectAllClose(Array.from(out), phi, { atol: 1e-12 });
        expectAllClose(fx, v[7], { atol: 1e-12 });
      }
    });
  }

  it('gives the same values with every algorithm on the default model (150 trees, 10 features)', () => {
    const model = defaultModel();
    const forest = prepareTreeShap(model.nodes, model.nFeatures, model.file.params.psi);
    const linear = createTreeShapExplainer(forest);
    const leaves = createTreeShapExplainer(forest, { method: 'leaves' });
    const paths = createTreeShapExplainer(forest, { method: 'paths' });
    const rng = new Rng(5);
    const a = new Float64Array(model.nFeatures);
    const b = new Float64Array(model.nFeatures);
    const c = new Float64Array(model.nFeatures);
    expect(linear.method).toBe('linear');
    for (let r = 0; r < 40; r++) {
      const row = Float32Array.from([rng.nextFloat() * 12, rng.nextFloat() * 6 - 3, rng.nextInt(2), rng.nextInt(2), rng.nextInt(6), rng.nextInt(3), rng.nextFloat() * 15, rng.nextFloat() * 24, rng.nextFloat(), rng.nextFloat() * 5]);
      expectAllClose(leaves.shap(row, a), paths.shap(row, b), { atol: 1e-12 });
      expectAllClose(Array.from(a), Array.from(b), { atol: 1e-12 });
      expectAllClose(linear.shap(row, c), paths.shap(row, b), { atol: 1e-12 });
      expectAllClose(Array.from(c), Array.from(b), { atol: 1e-12 });
    }
  });

  it("returns the scorer's own mean path length and adds up to f(x) - E[f]", () => {
    const model = defaultModel();
    const forest = prepareTreeShap(model.nodes, model.nFeatures, model.file.params.psi);
    const explainer = createTreeShapExplainer(forest);
    const compiled = compileForest(model.nodes, model.nFeatures, model.file.params.psi);
    const rng = new Rng(9);
    const out = new Float64Array(model.nFeatures);
    const sums = new Float64Array(1);
    for (let r = 0; r < 50; r++) {
      const row = Float32Array.from({ length: model.nFeatures }, () => rng.nextFloat() * 10 - 2);
      const fx = explainer.shap(row, out);
      pathLengthSums(compiled, row, sums);
      expectAllClose(fx, sums[0] / model.nodes.count, { atol: 1e-12 });
      expectAllClose(out.reduce((s, x) => s + x, 0), fx - forest.expectedPathLength, { atol: 1e-10 });
    }
  });

  it('gives a feature no tree splits on exactly zero', () => {
    const rng = new Rng(3);
    const rows = randomRows(rng, 200, 3);
    // Column 1 constant: never split on.
    for (let r = 0; r < 200; r++) rows[r * 3 + 1] = 4;
    const trained = trainForest(rows, 3, { n_estimators: 5, max_samples: 64, contamination: 'auto', seed: 1 });
    const explainer = createTreeShapExplainer(prepareTreeShap(trained.nodes, 3, trained.psi));
    const out = new Float64Array(3);
    explainer.shap(Float32Array.from([3, 100, 1]), out);
    expect(out[1]).toBe(0);
  });

  it('explains a forest of single-leaf trees (constant training data) as all zeros, with every algorithm', () => {
    const rows = new Float32Array(40 * 2).fill(3);
    const trained = trainForest(rows, 2, { n_estimators: 4, max_samples: 16, contamination: 'auto', seed: 1 });
    const forest = prepareTreeShap(trained.nodes, 2, trained.psi);
    for (const method of ['linear', 'leaves', 'paths'] as const) {
      const out = new Float64Array(2).fill(7);
      const fx = createTreeShapExplainer(forest, { method }).shap(Float32Array.from([1, 2]), out);
      expect(Array.from(out)).toEqual([0, 0]);
      expectAllClose(fx, forest.expectedPathLength, { atol: 0 });
    }
  });
});
