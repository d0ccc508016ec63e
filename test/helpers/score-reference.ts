import { Writable } from 'node:stream';
import type { ErrorResult, ParsedTransaction } from '../../src/core/contract/types';
import { parseTransactionLine } from '../../src/core/contract/validate';
import { createDetector, type ExplainMode } from '../../src/core/detector';
import { MemoryHistoryStore } from '../../src/core/history';
import { defaultModel } from './model';

/**
 * What `txn-anomaly score` should write for `lines` (blank lines already left out): the same
 * batches of 1,024 lines through a detector with the default model, each outcome through
 * JSON.stringify.
 */
export function referenceScoreOutput(lines: readonly string[], explain?: ExplainMode): string {
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model: defaultModel(), history: store, config: explain === undefined ? {} : { explain } });
  let expected = '';
  for (let i = 0; i < lines.length; i += 1024) {
    const pending: Array<ParsedTransaction | ErrorResult> = lines.slice(i, i + 1024).map((l) => {
      const v = parseTransactionLine(l);
      return v.ok ? v.value : v.error;
    });
    const decided = store.transactSync((tx) => detector.decideWithin(tx, pending.filter((p): p is ParsedTransaction => !('error' in p))));
    let k = 0;
    for (const p of pending) expected += `${JSON.stringify('error' in p ? p : decided[k++])}\n`;
  }
  return expected;
}

/** A writable stream that keeps what it is given; `text()` is all of it as UTF-8. */
export function collectingStream(): { out: Writable; bytes: () => Buffer; text: () => string } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks), text: () => Buffer.concat(chunks).toString('utf8') };
}
