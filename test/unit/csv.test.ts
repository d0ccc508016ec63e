import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvError, readNumericCsv } from '../../src/cli/csv';
import { main } from '../../src/cli/main';
import { serializeModel, toModelFile } from '../../src/core/forest/model-file';
import { compileForest, scoreSamples } from '../../src/core/forest/score';
import { trainForest } from '../../src/core/forest/train';
import { Rng } from '../../src/core/random/prng';

const work = mkdtempSync(join(tmpdir(), 'txn-csv-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let fileNo = 0;
/** Writes `text` (gzipped when the name ends in .gz) to a fresh file in the temp directory. */
function csvFile(text: string, name = `t${++fileNo}.csv`): string {
  const path = join(work, name);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
  return path;
}

/** The CsvError readNumericCsv rejects with. */
async function csvError(path: string, label?: string): Promise<CsvError> {
  const error = await readNumericCsv(path, label === undefined ? {} : { label }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CsvError);
  return error as CsvError;
}

/** A writable stream that keeps what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Runs the CLI in-process and collects its output. */
async function run(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out = collector();
  const err = collector();
  const status = await main(argv, out.stream, err.stream);
  return { status, out: out.text(), err: err.text() };
}

describe('readNumericCsv', () => {
  it('reads feature values row-major and the label column apart', async () => {
    const path = csvFile('a,label,b\n1,0,2.5\n-3e2,1,.5\n+4,0,-0.25\n');
    const table = await readNumericCsv(path, { label: 'label' });
    expect(table.file).toBe(path.split('/').pop());
    expect(table.names).toEqual(['a', 'b']);
    expect(table.rows).toBe(3);
    expect(table.features).toBe(2);
    expect(Array.from(table.values)).toEqual([1, 2.5, -300, 0.5, 4, -0.25]);
    expect(Array.from(table.labels!)).toEqual([0, 1, 0]);
  });

  it('reads every column as a feature when no label is named', async () => {
    const table = await readNumericCsv(csvFile('x, y\n1,2\n3,4'));
    expect(table.names).toEqual(['x', 'y']);
    expect(table.labels).toBeNull();
    expect(Array.from(table.values)).toEqual([1, 2, 3, 4]);
  });

  it('accepts CRLF line endings', async () => {
    const table = await readNumericCsv(csvFile('x,y\r\n1,2\r\n3,4\r\n'));
    expect(Array.from(table.values)).toEqual([1, 2, 3, 4]);
  });

  it('reads gzip-compressed files by their .gz suffix', async () => {
    const path = csvFile('x,y,label\n0.1,0.2,1\n0.3,0.4,0\n', 'small.csv.gz');
    const table = await readNumericCsv(path, { label: 'label' });
    expect(table.file).toBe('small.csv.gz');
    expect(Array.from(table.values)).toEqual([0.1, 0.2, 0.3, 0.4]);
    expect(Array.from(table.labels!)).toEqual([1, 0]);
  });

  it('grows past its initial buffer without losing values', async () => {
    const n = 40000; // 80,000 values: more than the 65,536 of the first buffer
    const lines = ['a,b'];
    for (let i = 0; i < n; i++) lines.push(`${i},${-i}`);
    const table = await readNumericCsv(csvFile(lines.join('\n')));
    expect(table.rows).toBe(n);
    expect(table.values[2 * (n - 1)]).toBe(n - 1);
    expect(table.values[2 * (n - 1) + 1]).toBe(-(n - 1));
    expect(table.values[65536]).toBe(32768);
  });

  it('rejects a ragged row, naming the file, line 3 and the raggedness', async () => {
    const path = csvFile('a,b\n1,2\n3\n4,5\n', 'ragged.csv');
    const e = await csvError(path);
    expect(e.file).toBe(path);
    expect(e.line).toBe(3);
    expect(e.message).toContain(`${path}: line 3`);
    expect(e.message).toContain('ragged');
    expect(e.message).toContain('1 cells but the header has 2 columns');
  });

  it('rejects a non-numeric cell, naming the line, the column and the cell', async () => {
    const e = await csvError(csvFile('a,b,c\n1,2,3\n4,5,6\n7,abc,9\n'));
    expect(e.line).toBe(4);
    expect(e.column).toBe(2);
    expect(e.message).toContain('line 4, column 2');
    expect(e.message).toContain('(b) "abc" is not a finite number');
  });

  for (const cell of ['NaN', 'nan', 'inf', '-inf', 'Infinity', '1e400', '0x10', '']) {
    it(`rejects the cell ${JSON.stringify(cell)} as not a finite number`, async () => {
      const e = await csvError(csvFile(`a,b\n1,2\n3,${cell}\n`));
      expect(e.line).toBe(3);
      expect(e.column).toBe(2);
      expect(e.message).toMatch(/not a finite number|overflows to infinity|is empty/);
    });
  }

  it('rejects an empty file as empty', async () => {
    const e = await csvError(csvFile(''));
    expect(e.message).toContain('empty');
  });

  it('rejects a file with a header and no data rows', async () => {
    const e = await csvError(csvFile('a,b,label\n'), 'label');
    expect(e.message).toContain('no data rows');
  });

  it('names a label column missing from the header', async () => {
    const e = await csvError(csvFile('a,b\n1,2\n'), 'is_fraud');
    expect(e.line).toBe(1);
    expect(e.message).toContain('no label column "is_fraud"');
    expect(e.message).toContain('columns: a, b');
  });

  it('rejects a label that is neither 0 nor 1', async () => {
    const e = await csvError(csvFile('a,label\n1,0\n2,1\n3,2\n'), 'label');
    expect(e.line).toBe(4);
    expect(e.column).toBe(2);
    expect(e.message).toContain('label must be 0 or 1, got 2');
  });

  it('rejects a table whose only column is the label', async () => {
    const e = await csvError(csvFile('label\n1\n'), 'label');
    expect(e.message).toContain('no feature columns');
  });

  it('reports a file that does not exist', async () => {
    await expect(readNumericCsv(join(work, 'missing.csv'))).rejects.toThrow(/missing\.csv: cannot read/);
  });
});

/** A labelled CSV: `n` gaussian-ish rows (label 0) and `k` far rows (label 1), 2 features. */
function labelledCsv(n: number, k: number, seed: number): string {
  const rng = new Rng(seed);
  const lines = ['f1,f2,label'];
  const g = (): number => rng.nextFloat() + rng.nextFloat() + rng.nextFloat() - 1.5;
  for (let i = 0; i < n; i++) lines.push(`${g()},${g()},0`);
  for (let i = 0; i < k; i++) lines.push(`${8 + g()},${8 + g()},1`);
  return `${lines.join('\n')}\n`;
}

describe('txn-anomaly CLI', () => {
  it('eval prints one JSON line with dataset, rows, features, auc, fit_ms and score_ms', async () => {
    const path = csvFile(labelledCsv(300, 6, 1), 'planted.csv');
    const { status, out, err } = await run('eval', '--data', path, '--label', 'label', '--trees', '20', '--seed', '3');
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const result = JSON.parse(out);
    expect(Object.keys(result).sort()).toEqual(['auc', 'dataset', 'features', 'fit_ms', 'rows', 'score_ms']);
    expect(result.dataset).toBe('planted');
    expect(result.rows).toBe(306);
    expect(result.features).toBe(2);
    expect(result.auc).toBeGreaterThan(0.95);
    expect(result.auc).toBeLessThanOrEqual(1);
    expect(result.fit_ms).toBeGreaterThanOrEqual(0);
    expect(result.score_ms).toBeGreaterThanOrEqual(0);
  });

  it('eval names the dataset after a gzipped file without its .csv.gz suffix', async () => {
    const path = csvFile(labelledCsv(100, 3, 2), 'zipped.csv.gz');
    const { status, out } = await run('eval', '--data', path, '--label', 'label', '--trees', '10');
    expect(status).toBe(0);
    expect(JSON.parse(out).dataset).toBe('zipped');
  });

  it('eval --help prints its usage and exits 0', async () => {
    const { status, out, err } = await run('eval', '--help');
    expect(status).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('Usage: txn-anomaly eval');
    expect(out).toContain('--data');
  });

  it('forest-score --help prints its usage and exits 0', async () => {
    const { status, out, err } = await run('forest-score', '--help');
    expect(status).toBe(0);
    expect(err).toBe('');
    expect(out).toContain('Usage: txn-anomaly forest-score');
    expect(out).toContain('--model');
  });

  it('exits 2 on an unknown flag, naming it on stderr with the usage', async () => {
    const { status, out, err } = await run('eval', '--data', 'x.csv', '--label', 'label', '--bogus-flag');
    expect(status).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('--bogus-flag');
    expect(err).toContain('Usage: txn-anomaly eval');
  });

  it('exits 2 on an unknown command and on a missing required flag', async () => {
    const unknown = await run('frobnicate');
    expect(unknown.status).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
    const missing = await run('eval', '--label', 'label');
    expect(missing.status).toBe(2);
    expect(missing.err).toContain('--data is required');
  });

  it('exits 1 on a ragged CSV, naming the file and the line on stderr', async () => {
    const path = csvFile('f1,f2,label\n1,2,0\n3,4,1\n5,6\n', 'broken.csv');
    const { status, out, err } = await run('eval', '--data', path, '--label', 'label');
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(path);
    expect(err).toContain('line 4');
    expect(err).toContain('ragged');
  });

  describe('forest-score', () => {
    const rng = new Rng(5);
    const values: number[] = [];
    for (let i = 0; i < 150; i++) values.push(Number((rng.nextFloat() * 4 - 2).toFixed(6)), Number((rng.nextFloat() * 100).toFixed(3)));
    const dataCsv = `amount,hour\n${Array.from({ length: 150 }, (_, i) => `${values[2 * i]},${values[2 * i + 1]}`).join('\n')}\n`;
    const rows = Float32Array.from(values);
    const trained = trainForest(rows, 2, { n_estimators: 15, max_samples: 64, contamination: 'auto', seed: 1 });
    const model = toModelFile(trained, {
      featureSchema: { feature_set: 'generic', names: ['amount', 'hour'], encodings: {}, scaler: null },
      createdAt: '2024-01-01T00:00:00.000Z',
      nTrainingRows: 150,
    });

    it('prints score_samples of every row, one per line, at full precision', async () => {
      const modelPath = join(work, 'good-model.json');
      writeFileSync(modelPath, serializeModel(model));
      const { status, out, err } = await run('forest-score', '--model', modelPath, '--data', csvFile(dataCsv));
      expect(err).toBe('');
      expect(status).toBe(0);
      const printed = out.trim().split('\n').map(Number);
      const expected = Array.from(scoreSamples(compileForest(trained.nodes, 2, trained.psi), rows));
      expect(printed).toEqual(expected);
    });

    it('exits 1 on a corrupt model, naming the field on stderr', async () => {
      const json = JSON.parse(serializeModel(model));
      delete json.offset;
      const modelPath = join(work, 'no-offset.json');
      writeFileSync(modelPath, JSON.stringify(json));
      const { status, out, err } = await run('forest-score', '--model', modelPath, '--data', csvFile(dataCsv));
      expect(status).toBe(1);
      expect(out).toBe('');
      expect(err).toContain('invalid model file: offset: is missing');
    });

    it('exits 1 on a model whose threshold was altered, reporting the hash mismatch', async () => {
      const json = JSON.parse(serializeModel(model));
      json.trees.threshold[0] += 1;
      const modelPath = join(work, 'altered.json');
      writeFileSync(modelPath, JSON.stringify(json));
      const { status, err } = await run('forest-score', '--model', modelPath, '--data', csvFile(dataCsv));
      expect(status).toBe(1);
      expect(err).toContain('sha256');
      expect(err).toContain('hash mismatch');
    });

    it('exits 2 when the data has a different number of features than the model', async () => {
      const modelPath = join(work, 'good-model-2.json');
      writeFileSync(modelPath, serializeModel(model));
      const { status, err } = await run('forest-score', '--model', modelPath, '--data', csvFile('a,b,c\n1,2,3\n'));
      expect(status).toBe(2);
      expect(err).toContain('3 feature columns but the model expects 2');
    });
  });
});
