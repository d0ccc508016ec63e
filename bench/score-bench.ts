/**
 * `npm run bench` (part 2): the `score` command end to end — read JSONL, parse, validate,
 * history, features, forest (150 trees), rules, policy, serialize — on simulated traffic.
 * Measured in-process (no Node start-up) and as a whole `txn-anomaly score` process.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { runScore } from '../src/cli/commands/score';
import { simulateStream } from '../src/core/simulator';

const N = Number(process.env.SCORE_BENCH_N ?? 300_000);
const MODEL = new URL('../models/isolation_forest.json', import.meta.url).pathname;
const BIN = new URL('../bin/txn-anomaly.js', import.meta.url).pathname;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'txn-score-bench-'));
  const input = join(dir, 'traffic.jsonl');
  const file = createWriteStream(input);
  let chunk = '';
  let i = 0;
  for (const t of simulateStream({ n: N, seed: 4242, users: 10_000 })) {
    chunk += `${JSON.stringify(t)}\n`;
    if (++i % 5000 === 0) {
      if (!file.write(chunk)) await once(file, 'drain');
      chunk = '';
    }
  }
  file.end(chunk);
  await once(file, 'finish');

  let bytes = 0;
  const sink = new Writable({
    write(c, _e, cb) {
      bytes += c.length;
      cb();
    },
  });
  const timed = async (explain: string): Promise<number> => {
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await runScore(['--model', MODEL, '--in', input, '--explain', explain], sink);
      runs.push((performance.now() - t0) / 1000);
    }
    return runs.sort((a, b) => a - b)[1];
  };
  const inProcess = await timed('none');
  const withExplanations = await timed('flagged');

  const t0 = performance.now();
  const proc = spawnSync(process.execPath, [BIN, 'score', '--model', MODEL, '--in', input, '--explain', 'none'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const whole = (performance.now() - t0) / 1000;
  if (proc.status !== 0) throw new Error(`score exited with ${proc.status}`);

  const report = {
    command: 'npm run bench',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    load_avg_at_end: loadavg(),
    transactions: N,
    users: 10_000,
    trees: JSON.parse(readFileSync(MODEL, 'utf8')).params.n_estimators,
    in_process_s: inProcess,
    in_process_txn_per_s: Math.round(N / inProcess),
    in_process_explain_flagged_s: withExplanations,
    in_process_explain_flagged_txn_per_s: Math.round(N / withExplanations),
    whole_process_s: whole,
    whole_process_txn_per_s: Math.round(N / whole),
    output_bytes_per_run: bytes / 6,
  };
  const out = new URL('./results/', import.meta.url).pathname;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'score.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`score end to end, ${N.toLocaleString('en-US')} transactions, 10,000 users, ${report.trees} trees, one core:`);
  console.log(`  in-process, no explanations ${report.in_process_txn_per_s.toLocaleString('en-US')} txn/s (${inProcess.toFixed(2)} s, median of 3)`);
  console.log(`  in-process, explanations of flagged decisions ${report.in_process_explain_flagged_txn_per_s.toLocaleString('en-US')} txn/s`);
  console.log(`  whole process ${report.whole_process_txn_per_s.toLocaleString('en-US')} txn/s (${whole.toFixed(2)} s incl. Node start-up)`);
  console.log('report: bench/results/score.json');
}

await main();
