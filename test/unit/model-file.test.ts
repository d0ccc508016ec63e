import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/core/forest/canonical-json';
import {
  contentHash,
  loadModel,
  MODEL_FORMAT,
  ModelFileError,
  parseModel,
  serializeModel,
  sha256Hex,
  toModelFile,
  type ModelFile,
} from '../../src/core/forest/model-file';
import { nodeSha256 } from '../../src/cli/model-loader';
import { compileForest, scoreSamples } from '../../src/core/forest/score';
import { trainForest, type TrainedForest } from '../../src/core/forest/train';
import { Rng } from '../../src/core/random/prng';

const NF = 3;

function randomRows(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const rows = new Float32Array(n * NF);
  for (let i = 0; i < rows.length; i++) rows[i] = rng.nextFloat() * 10 - 5;
  return rows;
}

const trainingRows = randomRows(400, 1);
const trained: TrainedForest = trainForest(trainingRows, NF, { n_estimators: 12, max_samples: 64, contamination: 0.05, seed: 17 });
const file: ModelFile = toModelFile(trained, {
  featureSchema: { feature_set: 'generic', names: ['amount', 'hour', 'distance_km'], encodings: {}, scaler: null },
  createdAt: '2024-05-01T12:00:00.000Z',
  nTrainingRows: 400,
  extras: { note: 'unit test' },
});
const text = serializeModel(file);

/** A fresh mutable copy of the serialized model. */
function edit(): Record<string, any> {
  return JSON.parse(text);
}

/** Re-hashes an edited file so that only the structural check can fail. */
function rehash(json: Record<string, any>): string {
  json.sha256 = contentHash(json as ModelFile);
  return JSON.stringify(json);
}

/** The ModelFileError parseModel throws on `input`. */
function loadError(input: string): ModelFileError {
  try {
    parseModel(input);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  expect.fail('parseModel accepted the file');
}

/** First tree whose root's left child is a split (so the left subtree holds a split node below the root). */
function treeWithSplitUnderRoot(json: Record<string, any>): { base: number; size: number } {
  const { node_offsets: offsets, left } = json.trees;
  for (let t = 0; t < json.trees.count; t++) {
    const base = offsets[t];
    if (left[base] === 1 && left[base + 1] >= 0) return { base, size: offsets[t + 1] - base };
  }
  throw new Error('test setup: no tree has a split as its root\'s left child');
}

describe('model file round trip', () => {
  it('scores identically to the bit after serialize and parse', () => {
    const loaded = parseModel(text);
    const rows = randomRows(1003, 2);
    const before = scoreSamples(compileForest(trained.nodes, NF, trained.psi), rows);
    const after = scoreSamples(loaded.forest, rows);
    expect(after).toEqual(before);
    expect(Buffer.from(after.buffer).equals(Buffer.from(before.buffer))).toBe(true);
    expect(loaded.nFeatures).toBe(NF);
    expect(loaded.file.offset).toBe(trained.offset);
  });

  it('serializes the reparsed file to the same bytes', () => {
    const reparsed = parseModel(text).file;
    expect(serializeModel(reparsed)).toBe(text);
  });

  it('keeps every float64 threshold exactly', () => {
    expect(parseModel(text).nodes.threshold).toEqual(trained.nodes.threshold);
  });

  it('is one line of canonical JSON with a trailing newline and a hash over everything else', () => {
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(text.slice(0, -1)).toBe(canonicalJson(JSON.parse(text)));
    expect(file.format).toBe(MODEL_FORMAT);
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(file)).toBe(file.sha256);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined members and writes no whitespace', () => {
    const value = { b: 1, a: [true, null, 'x', { d: 2, c: -0.5 }], _: { z: 1e21, y: 'é' }, B: 0.1, u: undefined };
    expect(canonicalJson(value)).toBe('{"B":0.1,"_":{"y":"é","z":1e+21},"a":[true,null,"x",{"c":-0.5,"d":2}],"b":1}');
  });

  it('writes typed arrays as plain arrays', () => {
    expect(canonicalJson({ t: Float64Array.of(0.1, -2), i: Int32Array.of(3, -1) })).toBe('{"i":[3,-1],"t":[0.1,-2]}');
  });

  it('refuses NaN and infinities, which JSON cannot hold', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([Infinity])).toThrow(/Infinity/);
    expect(() => canonicalJson([1, 2, -Infinity, 3])).toThrow(/Infinity/);
    expect(() => canonicalJson(Float32Array.of(0.5, NaN))).toThrow(/NaN/);
  });

  it('writes an array of numbers item by item, whatever the numbers and the kind of array', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 5e-324, 1e21, 1e-7))), (xs) => {
        const itemwise = `[${xs.map((x) => JSON.stringify(x)).join(',')}]`;
        expect(canonicalJson(xs)).toBe(itemwise);
        expect(canonicalJson(Float64Array.from(xs))).toBe(itemwise);
        // Mixed with other values, arrays are still written item by item.
        expect(canonicalJson([...xs, 'x'])).toBe(`[${[...xs.map((x) => JSON.stringify(x)), '"x"'].join(',')}]`);
      }),
    );
  });
});

describe('the SHA-256 a model is checked with', () => {
  it("is the same digest from Node's native hash as from the JavaScript one", () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (t) => {
        expect(nodeSha256(t)).toBe(sha256Hex(t));
      }),
    );
    expect(nodeSha256(text)).toBe(sha256Hex(text));
    expect(parseModel(text, { sha256: nodeSha256 }).file.sha256).toBe(file.sha256);
  });

  it('is the one given to parseModel', () => {
    expect(() => parseModel(text, { sha256: () => '0'.repeat(64) })).toThrow(/sha256.*hash mismatch/);
  });
});

describe('loading a damaged model file', () => {
  it('reports truncated JSON text as not valid JSON, possibly truncated', () => {
    const e = loadError(text.slice(0, Math.floor(text.length / 2)));
    expect(e.path).toBe('(file)');
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.message).toMatch(/truncated/);
  });

  it('rejects format_version 2, naming the version it reads', () => {
    const json = edit();
    json.format_version = 2;
    const e = loadError(rehash(json));
    expect(e.path).toBe('format_version');
    expect(e.message).toContain('unsupported version 2');
    expect(e.message).toContain('reads version 1');
  });

  it('rejects a file of another format', () => {
    const json = edit();
    json.format = 'something-else';
    const e = loadError(rehash(json));
    expect(e.path).toBe('format');
    expect(e.message).toContain('something-else');
  });

  it('names a missing offset', () => {
    const json = edit();
    delete json.offset;
    const e = loadError(rehash(json));
    expect(e.path).toBe('offset');
    expect(e.message).toContain('offset: is missing');
  });

  it('names a tree array one entry shorter than the node count', () => {
    const json = edit();
    json.trees.threshold.pop();
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees.threshold');
    const total = json.trees.node_offsets[json.trees.count];
    expect(e.message).toContain(`has ${total - 1} entries but node_offsets says ${total} nodes`);
  });

  it('names a child index beyond its tree', () => {
    const json = edit();
    const size = json.trees.node_offsets[1];
    expect(json.trees.left[0]).toBe(1);
    json.trees.left[0] = size;
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees.left[0]');
    expect(e.message).toContain(`child index ${size} is out of range 0..${size - 1}`);
  });

  it('names a negative child index on a split node', () => {
    const json = edit();
    json.trees.right[0] = -1;
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees.right[0]');
    expect(e.message).toContain('out of range');
  });

  it('detects a cycle: a child pointing back at its parent', () => {
    const json = edit();
    const { base } = treeWithSplitUnderRoot(json);
    // Node 1 is a split whose left child becomes node 1's parent, the root.
    json.trees.left[base + 1] = 0;
    const e = loadError(rehash(json));
    expect(e.path).toBe(`trees.left[${base + 1}]`);
    expect(e.message).toContain('cycle');
  });

  it('detects a node pointing at itself', () => {
    const json = edit();
    json.trees.right[0] = 0;
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees.right[0]');
    expect(e.message).toContain('cycle');
  });

  it('detects a node with two parents', () => {
    const json = edit();
    const { base } = treeWithSplitUnderRoot(json);
    // The root's right child is also made the right child of node 1 (the root's left child).
    const rootRight = json.trees.right[base];
    json.trees.right[base + 1] = rootRight;
    const e = loadError(rehash(json));
    expect(e.path).toBe(`trees.right[${base + 1}]`);
    expect(e.message).toContain(`node ${rootRight} has two parents`);
  });

  it('detects a node no parent reaches', () => {
    const json = edit();
    // Make the root a leaf: every other node of tree 0 becomes unreachable.
    json.trees.left[0] = -1;
    json.trees.right[0] = -1;
    json.trees.feature[0] = -1;
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees');
    expect(e.message).toContain('tree 0 node 1 is not reachable from the root');
  });

  it('names a split feature index out of range', () => {
    const json = edit();
    json.trees.feature[0] = NF;
    const e = loadError(rehash(json));
    expect(e.path).toBe('trees.feature[0]');
    expect(e.message).toContain(`feature ${NF} is out of range 0..${NF - 1}`);
  });

  it('names a leaf that carries a feature', () => {
    const json = edit();
    const leaf = json.trees.left.indexOf(-1);
    json.trees.feature[leaf] = 0;
    const e = loadError(rehash(json));
    expect(e.path).toBe(`trees.feature[${leaf}]`);
    expect(e.message).toContain('is a leaf and must have feature -1');
  });

  it('reports a hash mismatch when one threshold was edited and the hash left alone', () => {
    const json = edit();
    json.trees.threshold[0] += 0.001;
    const e = loadError(JSON.stringify(json));
    expect(e.path).toBe('sha256');
    expect(e.message).toContain('hash mismatch');
    expect(e.message).toContain(file.sha256);
    expect(e.message).toContain('altered or corrupted');
  });

  it('rejects a sha256 that is not 64 lowercase hex digits', () => {
    for (const bad of [file.sha256.toUpperCase(), file.sha256.slice(1), `${file.sha256}0`, 'sha256:abc', 42, null]) {
      const json = edit();
      json.sha256 = bad;
      const e = loadError(JSON.stringify(json));
      expect(e.path, `sha256 = ${String(bad)}`).toBe('sha256');
      expect(e.message).toContain('must be 64 lowercase hex digits');
    }
  });

  it('rejects a missing sha256', () => {
    const json = edit();
    delete json.sha256;
    const e = loadError(JSON.stringify(json));
    expect(e.path).toBe('sha256');
  });

  it('accepts an edited file again once its hash is recomputed (the hash is the only guard on values)', () => {
    const json = edit();
    json.trees.threshold[0] += 0.001;
    expect(() => loadModel(JSON.parse(rehash(json)))).not.toThrow();
  });
});
