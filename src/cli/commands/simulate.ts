import { once } from 'node:events';
import { simulateStream } from '../../core/simulator';
import { numberFlag, parseFlags, required, UsageError } from '../args';

export const simulateUsage = `Usage: txn-anomaly simulate --n N [--seed 42] [--anomaly-rate 0.02] [--users U] [--start ISO] [--labels]

Writes N simulated transactions as JSON lines, sorted by time: Indian card holders with habits,
daily and weekly rhythms and trips, with anomalies (high_amount, velocity_burst, night_time,
account_takeover, card_testing) injected at --anomaly-rate. The same flags always give the same
output.

  --n N               transactions to write (required)
  --seed S            integer seed (default 42)
  --anomaly-rate R    share of anomalous transactions, 0 <= R < 1 (default 0.02)
  --users U           number of users (default max(50, N / 40))
  --start ISO         start of the period (default 2026-01-05T00:00:00+05:30)
  --labels            add "is_anomaly" and "anomaly_type" to each line`;

/** Lines written per `write` call: fewer syscalls, still a bounded buffer. */
const LINES_PER_CHUNK = 512;

/**
 * `txn-anomaly simulate`: streams JSONL to `out`, respecting back-pressure. Returns 0, or 2 on a
 * bad flag after printing the problem and the usage to `err`.
 */
export async function runSimulate(argv: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let options;
  try {
    const flags = parseFlags(argv, {
      n: { type: 'string' },
      seed: { type: 'string' },
      'anomaly-rate': { type: 'string' },
      users: { type: 'string' },
      start: { type: 'string' },
      labels: { type: 'boolean' },
    });
    if (flags.help) {
      out.write(`${simulateUsage}\n`);
      return 0;
    }
    const start = flags.start as string | undefined;
    if (start !== undefined && !Number.isFinite(Date.parse(start))) throw new UsageError(`--start must be an ISO 8601 timestamp, got "${start}"`);
    options = {
      n: numberFlag(required(flags.n as string | undefined, 'n'), 'n', 0, (n) => Number.isSafeInteger(n) && n >= 0, 'a non-negative integer'),
      seed: numberFlag(flags.seed as string | undefined, 'seed', 42, Number.isSafeInteger, 'an integer'),
      anomalyRate: numberFlag(flags['anomaly-rate'] as string | undefined, 'anomaly-rate', 0.02, (r) => r >= 0 && r < 1, 'a number in [0, 1)'),
      users: flags.users === undefined ? undefined : numberFlag(flags.users as string, 'users', 0, (u) => Number.isSafeInteger(u) && u >= 1, 'a positive integer'),
      start,
      labels: flags.labels === true,
    };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err.write(`txn-anomaly simulate: ${e.message}\n\n${simulateUsage}\n`);
    return 2;
  }

  // A reader that goes away (`| head`) ends the output quietly; other stream errors propagate.
  let failure: NodeJS.ErrnoException | null = null;
  const onError = (e: NodeJS.ErrnoException): void => {
    failure ??= e;
  };
  out.on('error', onError);
  try {
    let chunk = '';
    let lines = 0;
    for (const tx of simulateStream(options)) {
      chunk += `${JSON.stringify(tx)}\n`;
      if (++lines === LINES_PER_CHUNK) {
        await write(out, chunk);
        chunk = '';
        lines = 0;
        if (failure) break;
      }
    }
    if (chunk !== '' && !failure) await write(out, chunk);
  } catch (e) {
    failure ??= e as NodeJS.ErrnoException;
  } finally {
    out.off('error', onError);
  }
  if (failure && (failure as NodeJS.ErrnoException).code !== 'EPIPE') throw failure;
  return 0;
}

/** Writes and, when the stream's buffer is full, waits for it to drain. */
async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
