import { describe, expect, it } from 'vitest';
import { rocAuc } from '../../src/core/metrics/auc';
import { Rng } from '../../src/core/random/prng';
import { serializeModel, toModelFile } from '../../src/core/forest/model-file';
import { compileForest, decisionFunction, scoreSamples } from '../../src/core/forest/score';
import { trainForest } from '../../src/core/forest/train';
import type { ForestNodes, ForestParams } from '../../src/core/forest/types';
import { expectAllClose } from '../helpers/all-close';

/** Gaussian-ish rows (sum of four uniforms, centred on 0, sd ≈ 0.58), seeded. */
function gaussianRows(n: number, nFeatures: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const rows = new Float32Array(n * nFeatures);
  for (let i = 0; i < rows.length; i++) rows[i] = rng.nextFloat() + rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 2;
  return rows;
}

function params(overrides: Partial<ForestParams> = {}): ForestParams {
  return { n_estimators: 25, max_samples: 256, contamination: 'auto', seed: 0, ...overrides };
}

function modelText(rows: Float32Array, nFeatures: number, p: ForestParams): string {
  const trained = trainForest(rows, nFeatures, p);
  const names = Array.from({ length: nFeatures }, (_, i) => `x${i}`);
  return serializeModel(
    toModelFile(trained, {
      featureSchema: { feature_set: 'generic', names, encodings: {}, scaler: null },
      createdAt: '2024-01-01T00:00:00.000Z',
      nTrainingRows: rows.length / nFeatures,
    }),
  );
}

/** Every leaf of every tree with its depth. */
function leaves(nodes: ForestNodes): Array<{ tree: number; node: number; depth: number; n: number }> {
  const out: Array<{ tree: number; node: number; depth: number; n: number }> = [];
  for (let t = 0; t < nodes.count; t++) {
    const base = nodes.nodeOffsets[t];
    const stack: Array<[number, number]> = [[0, 0]];
    while (stack.length > 0) {
      const [k, d] = stack.pop()!;
      if (nodes.left[base + k] < 0) out.push({ tree: t, node: k, depth: d, n: nodes.nSamples[base + k] });
      else stack.push([nodes.left[base + k], d + 1], [nodes.right[base + k], d + 1]);
    }
  }
  return out;
}

/** Indices of the rows that reach leaf `node` of tree `t`, routed as in training (float32 x <= float64 t). */
function rowsAtLeaf(nodes: ForestNodes, t: number, node: number, rows: Float32Array, nFeatures: number): number[] {
  const base = nodes.nodeOffsets[t];
  const hits: number[] = [];
  for (let r = 0; r < rows.length / nFeatures; r++) {
    let k = 0;
    while (nodes.left[base + k] >= 0) {
      k = rows[r * nFeatures + nodes.feature[base + k]] <= nodes.threshold[base + k] ? nodes.left[base + k] : nodes.right[base + k];
    }
    if (k === node) hits.push(r);
  }
  return hits;
}

describe('trainForest determinism', () => {
  const rows = gaussianRows(600, 3, 1);

  it('produces byte-identical model files for the same seed', () => {
    const a = modelText(rows, 3, params({ seed: 42 }));
    const b = modelText(rows, 3, params({ seed: 42 }));
    expect(a).toBe(b);
  });

  it('produces different trees for a different seed', () => {
    const a = modelText(rows, 3, params({ seed: 42 }));
    const b = modelText(rows, 3, params({ seed: 43 }));
    expect(a).not.toBe(b);
    expect(JSON.parse(a).trees.threshold).not.toEqual(JSON.parse(b).trees.threshold);
  });

  it('treats seed null (a scikit-learn export) as seed 0', () => {
    const a = trainForest(rows, 3, params({ seed: null }));
    const b = trainForest(rows, 3, params({ seed: 0 }));
    expect(a.params.seed).toBe(0);
    expect(Array.from(a.nodes.threshold)).toEqual(Array.from(b.nodes.threshold));
  });
});

describe('trainForest tree shape', () => {
  it('uses psi = max_samples when there are more rows than that', () => {
    const trained = trainForest(gaussianRows(1000, 2, 2), 2, params({ max_samples: 100 }));
    expect(trained.psi).toBe(100);
    expect(trained.maxDepth).toBe(7);
  });

  it('uses psi = n when there are fewer rows than max_samples', () => {
    const trained = trainForest(gaussianRows(50, 2, 2), 2, params({ max_samples: 256 }));
    expect(trained.psi).toBe(50);
    expect(trained.maxDepth).toBe(6);
  });

  for (const [n, maxSamples] of [
    [1000, 256],
    [1000, 100],
    [37, 256],
  ] as const) {
    it(`grows every tree from psi = min(${maxSamples}, ${n}) root samples to depth at most ceil(log2 psi)`, () => {
      const trained = trainForest(gaussianRows(n, 3, 3), 3, params({ max_samples: maxSamples, n_estimators: 30 }));
      const psi = Math.min(maxSamples, n);
      const limit = Math.ceil(Math.log2(psi));
      const { nodes } = trained;
      expect(nodes.count).toBe(30);
      for (let t = 0; t < nodes.count; t++) expect(nodes.nSamples[nodes.nodeOffsets[t]], `root of tree ${t}`).toBe(psi);
      const all = leaves(nodes);
      expect(Math.max(...all.map((l) => l.depth))).toBeLessThanOrEqual(limit);
      // Leaves of a tree partition its root's samples.
      for (let t = 0; t < nodes.count; t++) {
        expect(all.filter((l) => l.tree === t).reduce((s, l) => s + l.n, 0), `tree ${t}`).toBe(psi);
      }
      // Split nodes hold the sum of their children's samples.
      for (let k = 0; k < nodes.left.length; k++) {
        if (nodes.left[k] < 0) continue;
        const t = nodes.nodeOffsets.findIndex((o, i) => o <= k && k < nodes.nodeOffsets[i + 1]);
        const base = nodes.nodeOffsets[t];
        expect(nodes.nSamples[k]).toBe(nodes.nSamples[base + nodes.left[k]] + nodes.nSamples[base + nodes.right[k]]);
        expect(nodes.nSamples[base + nodes.left[k]]).toBeGreaterThan(0);
        expect(nodes.nSamples[base + nodes.right[k]]).toBeGreaterThan(0);
      }
    });
  }

  it('stops only at one sample, at the height limit or on data constant in every feature', () => {
    // max_samples >= n makes every tree's sample the whole table, so each leaf's rows are known.
    // A coarse grid of values leaves many duplicates: constant leaves above the height limit.
    const n = 300;
    const nf = 2;
    const rng = new Rng(8);
    const rows = new Float32Array(n * nf);
    for (let i = 0; i < rows.length; i++) rows[i] = rng.nextInt(4) * 0.25;
    const trained = trainForest(rows, nf, params({ max_samples: 1000, n_estimators: 20 }));
    expect(trained.psi).toBe(n);
    let constantLeaves = 0;
    for (const leaf of leaves(trained.nodes)) {
      const at = rowsAtLeaf(trained.nodes, leaf.tree, leaf.node, rows, nf);
      expect(at.length, `rows routed to tree ${leaf.tree} leaf ${leaf.node}`).toBe(leaf.n);
      if (leaf.n === 1 || leaf.depth === trained.maxDepth) continue;
      for (let f = 0; f < nf; f++) {
        const values = new Set(at.map((r) => rows[r * nf + f]));
        expect(values.size, `tree ${leaf.tree} leaf ${leaf.node} (n=${leaf.n}, depth ${leaf.depth}) feature ${f}`).toBe(1);
      }
      constantLeaves++;
    }
    expect(constantLeaves).toBeGreaterThan(0);
  });

  it('grows single-leaf trees on constant data and gives every row the same score', () => {
    const rows = new Float32Array(500 * 2);
    for (let i = 0; i < 500; i++) rows.set([3, -1], 2 * i);
    const trained = trainForest(rows, 2, params());
    for (let t = 0; t < trained.nodes.count; t++) {
      expect(trained.nodes.nodeOffsets[t + 1] - trained.nodes.nodeOffsets[t], `tree ${t}`).toBe(1);
    }
    expect(Array.from(trained.nodes.nSamples)).toEqual(new Array(25).fill(256));
    const forest = compileForest(trained.nodes, 2, trained.psi);
    const probe = Float32Array.of(3, -1, 0, 0, 1e6, -1e6, -7, 3);
    const scores = scoreSamples(forest, probe);
    // Every tree credits c(psi) to every row: -2^(-1) = -0.5.
    expectAllClose(scores, [-0.5, -0.5, -0.5, -0.5], { atol: 1e-15, rtol: 0 });
    expect(new Set(scores).size).toBe(1);
    expectAllClose(trained.trainingScores.std, 0, { atol: 1e-15, rtol: 0 });
  });

  it('treats a feature whose range is within 1e-7 as constant and splits on the others', () => {
    const rng = new Rng(4);
    const rows = new Float32Array(400 * 2);
    for (let i = 0; i < 400; i++) rows.set([(i % 2) * 5e-8, rng.nextFloat()], 2 * i);
    const { nodes } = trainForest(rows, 2, params());
    const splitFeatures = new Set(Array.from(nodes.feature).filter((f) => f >= 0));
    expect(splitFeatures).toEqual(new Set([1]));
  });
});

describe('trainForest offset', () => {
  it('keeps scikit-learn\'s offset -0.5 when contamination is "auto"', () => {
    expect(trainForest(gaussianRows(300, 2, 5), 2, params()).offset).toBe(-0.5);
  });

  it('sets the offset so that about 10 % of the training rows fall below it for contamination 0.1', () => {
    const rows = gaussianRows(2000, 3, 6);
    const trained = trainForest(rows, 3, params({ contamination: 0.1, n_estimators: 100 }));
    const forest = compileForest(trained.nodes, 3, trained.psi);
    const decision = decisionFunction(forest, trained.offset, rows);
    const outliers = decision.filter((d) => d < 0).length / decision.length;
    expect(Math.abs(outliers - 0.1)).toBeLessThanOrEqual(0.01);
    // The offset is the 10th percentile of the training scores, so it lies within their range.
    const scores = scoreSamples(forest, rows);
    expect(trained.offset).toBeGreaterThan(Math.min(...scores));
    expect(trained.offset).toBeLessThan(Math.max(...scores));
    expect(trained.trainingScores.count).toBe(2000);
  });
});

describe('trainForest parameter validation', () => {
  const rows = gaussianRows(20, 2, 7);

  it('rejects n_estimators 0, naming the parameter', () => {
    expect(() => trainForest(rows, 2, params({ n_estimators: 0 }))).toThrow(/n_estimators/);
  });

  it('rejects contamination 0.7, naming the parameter and its range', () => {
    expect(() => trainForest(rows, 2, params({ contamination: 0.7 }))).toThrow(/contamination.*0\.5/);
  });

  it('rejects max_samples 0, a fractional seed, a zero feature count and a ragged row buffer', () => {
    expect(() => trainForest(rows, 2, params({ max_samples: 0 }))).toThrow(/max_samples/);
    expect(() => trainForest(rows, 2, params({ seed: 1.5 }))).toThrow(/seed/);
    expect(() => trainForest(rows, 0, params())).toThrow(/nFeatures/);
    expect(() => trainForest(rows.subarray(1), 2, params())).toThrow(/not a multiple/);
    expect(() => trainForest(new Float32Array(0), 2, params())).toThrow(/zero rows/);
  });
});

describe('trainForest on planted outliers', () => {
  it('scores 10 outliers at (10, 10) below the median inlier, with AUC above 0.95', () => {
    const inliers = gaussianRows(1000, 2, 9);
    const rows = new Float32Array(1010 * 2);
    rows.set(inliers);
    rows.fill(10, 2000);
    const labels = new Uint8Array(1010).fill(1, 1000);
    const trained = trainForest(rows, 2, params({ n_estimators: 100, seed: 3 }));
    const scores = scoreSamples(compileForest(trained.nodes, 2, trained.psi), rows);
    const inlierScores = Float64Array.from(scores.subarray(0, 1000)).sort();
    const median = (inlierScores[499] + inlierScores[500]) / 2;
    for (let i = 1000; i < 1010; i++) expect(scores[i], `outlier ${i}`).toBeLessThan(median);
    const auc = rocAuc(scores.map((s) => -s), labels);
    expect(auc).toBeGreaterThan(0.95);
  });
});

describe('training seeds', () => {
  it('grows different forests for different seeds and takes the seeds scikit-learn takes', async () => {
    const { trainForest: train } = await import('../../src/core/forest');
    const rows = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const params = { n_estimators: 5, max_samples: 64, contamination: 'auto' as const };
    const a = train(rows, 2, { ...params, seed: 0 });
    const b = train(rows, 2, { ...params, seed: 1 });
    const c = train(rows, 2, { ...params, seed: 0xffffffff });
    expect(Array.from(a.nodes.threshold)).not.toEqual(Array.from(b.nodes.threshold));
    expect(Array.from(c.nodes.threshold)).not.toEqual(Array.from(a.nodes.threshold));
    // RandomState accepts [0, 2^32 - 1]; anything else is refused by name, not wrapped around.
    for (const seed of [-1, 2 ** 32, 1.5]) {
      expect(() => train(rows, 2, { ...params, seed })).toThrow(/seed must be an integer in \[0, 4294967295\]/);
    }
  });

  it('summarises training scores from a uniform sample of rows, not the first rows of the file', async () => {
    const { trainForest: train, compileForest: compile, scoreSamples: score, summarizeScores: summarize } = await import('../../src/core/forest');
    // 40,000 rows: the first 8,192 in a tight cluster, the rest spread out.
    const rows = Float32Array.from({ length: 40_000 }, (_, i) => (i < 8192 ? (i % 7) * 1e-3 : ((i * 7919) % 40_000) / 40));
    const trained = train(rows, 1, { n_estimators: 100, max_samples: 256, contamination: 'auto', seed: 0 });
    const all = summarize(score(compile(trained.nodes, 1, trained.psi), rows));
    expect(Math.abs(trained.trainingScores.mean - all.mean)).toBeLessThan(0.01);
  });
});
