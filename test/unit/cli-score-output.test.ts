import { collectingStream, referenceScoreOutput } from '../helpers/score-reference';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { simulate } from '../../src/core/simulator';
import { DEFAULT_MODEL_PATH } from '../helpers/model';

describe('txn-anomaly score output', () => {
  it('is byte for byte JSON.stringify of each outcome, over many output buffers', async () => {
    const lines = simulate({ n: 12_000, seed: 5, users: 200, anomalyRate: 0.05 }).map((t, i) => {
      if (i % 500 === 1) return JSON.stringify({ ...t, location: 'Zürich "Hbf"\n😀' });
      if (i % 500 === 2) return JSON.stringify({ ...t, transaction_id: `id\u2028\ud800${i}` });
      if (i % 500 === 3) return `{"transaction_id":"broken ${i}"`;
      if (i % 500 === 4) return JSON.stringify({ ...simulate({ n: 1, seed: i })[0], transaction_id: 'repeat' });
      return JSON.stringify(t);
    });
    const path = join(mkdtempSync(join(tmpdir(), 'txn-score-out-')), 'in.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n`);

    const { out, bytes } = collectingStream();
    expect(await main(['score', '--model', DEFAULT_MODEL_PATH, '--in', path], out)).toBe(0);

    // The reference: the same batches of 1,024 lines through a detector, then JSON.stringify.
    const expected = Buffer.from(referenceScoreOutput(lines), 'utf8');
    const actual = bytes();
    expect(actual.length).toBeGreaterThan(3 << 20);
    expect(actual.equals(expected)).toBe(true);

    // A stream that reads what it was handed only later, as a slow file or socket does: output
    // buffers are filled again only once their writes are flushed, so nothing is overwritten.
    const later: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 64 << 20, // (never asks to wait: writes pile up)
      write(chunk: Buffer, _enc, cb) {
        setTimeout(() => {
          later.push(Buffer.from(chunk));
          cb();
        }, 1);
      },
    });
    expect(await main(['score', '--model', DEFAULT_MODEL_PATH, '--in', path], slow)).toBe(0);
    await new Promise<void>((resolve) => slow.end(resolve));
    expect(Buffer.concat(later).equals(expected)).toBe(true);
  });
});
