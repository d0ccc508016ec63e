import { createReadStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Lines of a file (or stdin when `path` is undefined or "-"), streamed in batches: one await per
 * chunk of input rather than one per line (readline's per-line promises dominate at 100K lines/s).
 * Handles \n and \r\n; the last line need not end with a newline.
 */
export async function* readLineBatches(path: string | undefined): AsyncGenerator<string[]> {
  const input = path === undefined || path === '-' ? process.stdin : createReadStream(path, { highWaterMark: 1 << 20 });
  input.setEncoding('utf8');
  let rest = '';
  for await (const chunk of input as AsyncIterable<string>) {
    // Split the chunk itself and join only its first piece to the rest of the previous one:
    // `(rest + chunk).split` would copy the whole megabyte once more to flatten it.
    const lines = chunk.split('\n');
    if (lines.length === 1) {
      rest += chunk;
      continue;
    }
    lines[0] = rest + lines[0];
    rest = lines.pop()!;
    for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
    yield lines;
  }
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest !== '') yield [rest];
}

/** Lines of a file (or stdin), one at a time. */
export async function* readLines(path: string | undefined): AsyncGenerator<string> {
  for await (const batch of readLineBatches(path)) yield* batch;
}

/**
 * Writes text or bytes, waiting for the stream to drain when its buffer is full (constant
 * memory). Bytes are handed over, not copied: do not change them afterwards.
 */
export async function writeChunk(out: NodeJS.WritableStream, chunk: string | Uint8Array): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
