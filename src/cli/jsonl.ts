import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

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

/**
 * A chunk of input and where its complete lines are: line `i` is `buf[starts[i]..ends[i])`,
 * without its \n and without one trailing \r. `buf`, `starts` and `ends` are reused by the next
 * batch: use a batch before asking for the next one.
 */
export interface LineBufferBatch {
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
}

/**
 * Lines of a file (or stdin when `path` is undefined or "-") as byte ranges of the raw chunks,
 * for callers that parse bytes themselves: no UTF-8 decoding, no string per line. Same lines as
 * {@link readLineBatches} (decode a range with `buf.toString('utf8', start, end)`).
 */
export function readLineBufferBatches(path: string | undefined, chunkBytes = 1 << 20): AsyncGenerator<LineBufferBatch> {
  if (path === undefined || path === '-') return lineBufferBatches(process.stdin as AsyncIterable<Uint8Array>);
  return fileLineBufferBatches(path, chunkBytes);
}

/**
 * {@link lineBufferBatches} of a file, read into one buffer again and again: the unfinished last
 * line moves to its front and the next read goes after it. A stream would hand over a fresh
 * megabyte per chunk, and the memory of each one is faulted in anew (~16,000 page faults per
 * 80 MB read, measured). The buffer grows only for a line longer than itself.
 */
async function* fileLineBufferBatches(path: string, chunkBytes: number): AsyncGenerator<LineBufferBatch> {
  const file = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(chunkBytes);
    const lines = new LineRanges();
    // buf[0..held) is the unfinished line (no newline in it).
    let held = 0;
    for (;;) {
      if (held === buf.length) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, held);
        buf = bigger;
      }
      const { bytesRead } = await file.read(buf, held, buf.length - held, null);
      if (bytesRead === 0) break;
      const filled = held + bytesRead;
      const pos = lines.scan(buf, held, filled);
      if (lines.count > 0) yield lines.batch(buf);
      buf.copy(buf, 0, pos, filled);
      held = filled - pos;
    }
    if (held > 0 && lines.last(buf, held)) yield lines.batch(buf);
  } finally {
    await file.close();
  }
}

/** {@link readLineBufferBatches} over any source of byte chunks (chunks are not modified). */
export async function* lineBufferBatches(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<LineBufferBatch> {
  const lines = new LineRanges();
  // The unfinished last line: pieces of earlier chunks, joined (once) when its newline arrives,
  // so a line spanning many chunks is copied once rather than once per chunk.
  let carry: Buffer[] = [];
  let carryLength = 0;
  for await (const chunk of chunks) {
    let buf: Buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (buf.length === 0) continue;
    if (carryLength > 0) {
      if (buf.indexOf(10) < 0) {
        carry.push(buf);
        carryLength += buf.length;
        continue;
      }
      carry.push(buf);
      buf = Buffer.concat(carry, carryLength + buf.length);
      carry = [];
      carryLength = 0;
    }
    const pos = lines.scan(buf, 0, buf.length);
    if (pos < buf.length) {
      carry.push(buf.subarray(pos));
      carryLength = buf.length - pos;
    }
    if (lines.count > 0) yield lines.batch(buf);
  }
  if (carryLength > 0) {
    const buf = carry.length === 1 ? carry[0] : Buffer.concat(carry, carryLength);
    if (lines.last(buf, buf.length)) yield lines.batch(buf);
  }
}

/** Where the complete lines of a buffer are (the arrays are reused from one buffer to the next). */
class LineRanges {
  starts: Int32Array = new Int32Array(4096);
  ends: Int32Array = new Int32Array(4096);
  count = 0;

  /** Finds the lines of `buf[0..filled)`, which has no newline before `from`; returns where the unfinished rest starts. */
  scan(buf: Buffer, from: number, filled: number): number {
    let count = 0;
    let pos = 0;
    for (let nl = buf.indexOf(10, from); nl >= 0 && nl < filled; nl = buf.indexOf(10, pos)) {
      if (count === this.starts.length) {
        this.starts = grow(this.starts);
        this.ends = grow(this.ends);
      }
      this.starts[count] = pos;
      this.ends[count] = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
      count++;
      pos = nl + 1;
    }
    this.count = count;
    return pos;
  }

  /** Takes `buf[0..length)`, the input's last line without a newline, as the one line; false when it is empty (or only \r). */
  last(buf: Buffer, length: number): boolean {
    const end = buf[length - 1] === 13 ? length - 1 : length;
    this.starts[0] = 0;
    this.ends[0] = end;
    this.count = 1;
    return end > 0;
  }

  batch(buf: Buffer): LineBufferBatch {
    return { buf, starts: this.starts, ends: this.ends, count: this.count };
  }
}

function grow(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/** Lines of a file (or stdin), one at a time. */
export async function* readLines(path: string | undefined): AsyncGenerator<string> {
  for await (const batch of readLineBatches(path)) yield* batch;
}
