import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { once } from 'node:events';

/** Lines of a file (or stdin when `path` is undefined or "-"), streamed. */
export function readLines(path: string | undefined): AsyncIterable<string> {
  const input = path === undefined || path === '-' ? process.stdin : createReadStream(path);
  return createInterface({ input, crlfDelay: Infinity });
}

/** Writes text, waiting for the stream to drain when its buffer is full (constant memory). */
export async function writeChunk(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
