import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLineBatches } from '../../src/cli/jsonl';

const dir = mkdtempSync(join(tmpdir(), 'txn-jsonl-'));

/** The lines readLineBatches promises: split at \n, one trailing \r dropped, no empty last line. */
function expectedLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function readAll(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineBatches(path)) out.push(...batch);
  return out;
}

describe('readLineBatches', () => {
  it('reads lines across megabyte chunks: long lines, CRLF split between chunks, multibyte characters, no final newline', async () => {
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 3.5e6; i++) {
      const line = i % 997 === 0 ? '₹'.repeat(400_000 + i) : `{"i":${i},"city":"${i % 3 === 0 ? 'Zürich 😀' : 'Pune'}"}${'x'.repeat(i % 50)}`;
      const end = i % 5 === 0 ? '\r\n' : i % 7 === 0 ? '\n\n' : '\n';
      parts.push(line + end);
      size += line.length + end.length;
    }
    const text = `${parts.join('')}last line without newline\r`;
    const path = join(dir, 'chunks.jsonl');
    writeFileSync(path, text);
    expect(await readAll(path)).toEqual(expectedLines(text));

    // A CR as the last byte of the first 1 MiB chunk, its LF the first of the next.
    const crlf = `${'a'.repeat((1 << 20) - 1)}\r\nb\r\n`;
    writeFileSync(path, crlf);
    expect(await readAll(path)).toEqual(['a'.repeat((1 << 20) - 1), 'b']);
  });

  it('reads an empty file as no lines and a file of one line without newline as that line', async () => {
    const path = join(dir, 'small.jsonl');
    writeFileSync(path, '');
    expect(await readAll(path)).toEqual([]);
    writeFileSync(path, '{"a":1}');
    expect(await readAll(path)).toEqual(['{"a":1}']);
    writeFileSync(path, '\n\n');
    expect(await readAll(path)).toEqual(['', '']);
  });
});
