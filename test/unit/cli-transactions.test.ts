import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { parseModel } from '../../src/core/forest';
import { DEFAULT_MODEL_PATH } from '../helpers/model';

const BIN = new URL('../../bin/txn-anomaly.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'txn-cli-'));

function collector(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = collector();
  const err = collector();
  const code = await main(argv, out, err);
  return { code, out: out.text(), err: err.text() };
}

describe('txn-anomaly score', () => {
  it('writes one result or error per input line, in order, keeping history across lines', () => {
    const good = (id: string, location: string, s: number) =>
      JSON.stringify({ transaction_id: id, user_id: 'u', amount: 300, location, timestamp: `2026-03-02T10:00:0${s}Z`, merchant_type: 'grocery' });
    const input = [
      good('a', 'Mumbai', 0),
      '{not json',
      good('b', 'Delhi', 1),
      JSON.stringify({ transaction_id: 'bad', user_id: 'u', amount: -5, location: 'Pune', timestamp: '2026-03-02T10:00:02Z', merchant_type: 'fuel' }),
      '',
      good('c', 'Bangalore', 2),
      good('d', 'Chennai', 3),
    ].join('\n');
    const r = spawnSync(process.execPath, [BIN, 'score', '--model', DEFAULT_MODEL_PATH], { input, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines.map((l) => l.transaction_id)).toEqual(['a', undefined, 'b', 'bad', 'c', 'd']);
    expect(lines[1].error.code).toBe('INVALID_JSON');
    expect(lines[3].error).toMatchObject({ code: 'INVALID_VALUE', field: 'amount' });
    expect(lines[5].reason_codes).toContain('VELOCITY_MULTI_CITY');
    expect(lines[5].recommendation).toBe('BLOCK');
  });

  it('exits non-zero with a clear message when the model is unreadable or corrupt', async () => {
    const missing = await run(['score', '--model', join(dir, 'nope.json')]);
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain('nope.json');
    const corrupt = join(dir, 'corrupt.json');
    writeFileSync(corrupt, readFileSync(DEFAULT_MODEL_PATH, 'utf8').replace('"offset":', '"offset":1+'));
    const bad = await run(['score', '--model', corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/invalid model file/);
  });
});

describe('txn-anomaly train', () => {
  it('writes a byte-identical model for the same inputs, and a different one for another seed', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const c = join(dir, 'c.json');
    for (const [out, seed] of [[a, '3'], [b, '3'], [c, '4']]) {
      const r = await run(['train', '--simulate', '3000', '--seed', seed, '--trees', '20', '--out', out]);
      expect(r.code, r.err).toBe(0);
    }
    expect(readFileSync(a, 'utf8')).toBe(readFileSync(b, 'utf8'));
    expect(readFileSync(a, 'utf8')).not.toBe(readFileSync(c, 'utf8'));
    const model = parseModel(readFileSync(a, 'utf8'));
    expect(model.file.feature_schema.feature_set).toBe('behavioral');
    expect(model.file.params.n_estimators).toBe(20);
  });

  it('names the bad flag', async () => {
    const r = await run(['train', '--simulate', 'many', '--seed', '1', '--out', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--simulate');
  });
});

describe('txn-anomaly eval-detector and simulate', () => {
  it('reports recall per anomaly type, false positives, precision and PR-AUC on a labelled JSONL file', async () => {
    const data = join(dir, 'labelled.jsonl');
    const sim = await run(['simulate', '--n', '4000', '--seed', '11', '--labels']);
    expect(sim.code).toBe(0);
    writeFileSync(data, sim.out);
    const r = await run(['eval-detector', '--model', DEFAULT_MODEL_PATH, '--data', data]);
    expect(r.code, r.err).toBe(0);
    const q = JSON.parse(r.out);
    expect(q.transactions).toBe(4000);
    expect(q.anomalies).toBeGreaterThan(0);
    expect(Object.keys(q.recall_by_type).length).toBeGreaterThan(0);
    for (const key of ['false_positive_rate', 'precision', 'pr_auc']) {
      expect(q[key]).toBeGreaterThanOrEqual(0);
      expect(q[key]).toBeLessThanOrEqual(1);
    }
  });

  it('prints --help for every subcommand', async () => {
    const list = await run(['--help']);
    const names = [...list.out.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['eval', 'forest-score', 'simulate', 'train', 'score', 'eval-detector']));
    for (const name of names) {
      const r = await run([name, '--help']);
      expect(r.code, name).toBe(0);
      expect(r.out, name).toContain(`txn-anomaly ${name}`);
    }
  });
});
