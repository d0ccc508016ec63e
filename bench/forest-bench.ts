/**
 * `npm run bench`: Isolation Forest training and scoring throughput on the ODDS datasets with
 * 150 trees, side by side with scikit-learn in the same run (same data, and for scoring the same
 * exported model). Writes bench/results/forest.json and prints a table.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { compileForest, parseModel, prepareRows, scoreSamples, trainForest } from '../src/core/forest';
import { readNumericCsv } from '../src/cli/csv';
import { runTool, sklearnVersion } from './sklearn';

const ODDS = process.env.ODDS_DIR ?? new URL('../test/fixtures/odds/', import.meta.url).pathname;
const DATASETS = (process.env.BENCH_DATASETS ?? 'shuttle.csv,http.csv.gz').split(',');
const TREES = 150;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function best(xs: number[]): number {
  return Math.min(...xs);
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const r = fn();
  return [r, (performance.now() - t0) / 1000];
}

async function main(): Promise<void> {
  const sk = sklearnVersion();
  const work = mkdtempSync(join(tmpdir(), 'txn-bench-'));
  const results = [];
  for (const file of DATASETS) {
    const path = join(ODDS, file);
    const table = await readNumericCsv(path, { label: 'label' });
    const rows = Float32Array.from(table.values);
    // Both sides repeat scoring the same number of times; the ratio uses each side's best run,
    // the least disturbed by other jobs on a shared machine (medians are reported too).
    const repeats = table.rows > 200_000 ? 5 : 9;
    const fits: number[] = [];
    let trained = trainForest(rows, table.features, { n_estimators: TREES, max_samples: 256, contamination: 'auto', seed: 0 });
    for (let i = 0; i < repeats; i++) {
      const [t, s] = time(() => trainForest(rows, table.features, { n_estimators: TREES, max_samples: 256, contamination: 'auto', seed: i }));
      trained = t;
      fits.push(s);
    }
    const own = compileForest(trained.nodes, table.features, trained.psi);
    const out = new Float64Array(table.rows);
    scoreSamples(own, rows, out); // warm-up
    scoreSamples(own, rows, out, 'js');
    // The WebAssembly walk (the default) and the JavaScript one, interleaved run by run.
    const wasmTimes: number[] = [];
    const jsTimes: number[] = [];
    for (let i = 0; i < repeats; i++) {
      wasmTimes.push(time(() => scoreSamples(own, rows, out))[1]);
      jsTimes.push(time(() => scoreSamples(own, rows, out, 'js'))[1]);
    }
    const ownScore = best(wasmTimes);
    const entry: Record<string, unknown> = {
      dataset: file.replace(/\.csv(\.gz)?$/, ''),
      rows: table.rows,
      features: table.features,
      trees: TREES,
      ts_fit_s: median(fits),
      ts_score_s: ownScore,
      ts_score_rows_per_s: Math.round(table.rows / ownScore),
      ts_score_js_engine_rows_per_s: Math.round(table.rows / best(jsTimes)),
      wasm_over_js_engine: best(jsTimes) / ownScore,
    };
    if (sk) {
      const model = join(work, `${entry.dataset}.joblib`);
      const scoresPath = join(work, `${entry.dataset}.scores`);
      const ref = JSON.parse(runTool('sklearn_fit.py', ['--data', path, '--label', 'label', '--trees', String(TREES), '--out-model', model, '--out-scores', scoresPath, '--repeat', String(repeats)]));
      runTool('export_sklearn.py', [model, `${model}.json`]);
      const loaded = parseModel(readFileSync(`${model}.json`, 'utf8'));
      const x = prepareRows(table.values, table.features, null);
      scoreSamples(loaded.forest, x, out);
      const skTimes = Array.from({ length: repeats }, () => time(() => scoreSamples(loaded.forest, x, out))[1]);
      const skScoreTs = best(skTimes);
      const expected = readFileSync(scoresPath, 'utf8').trim().split('\n').map(Number);
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - out[i]));
      Object.assign(entry, {
        sklearn_fit_s: ref.fit_s,
        sklearn_score_s: ref.score_min_s,
        sklearn_score_median_s: ref.score_s,
        sklearn_score_rows_per_s: Math.round(table.rows / ref.score_min_s),
        ts_score_sklearn_model_s: skScoreTs,
        ts_score_sklearn_model_median_s: median(skTimes),
        ts_score_sklearn_model_rows_per_s: Math.round(table.rows / skScoreTs),
        score_speedup_same_model: ref.score_min_s / skScoreTs,
        score_speedup_same_model_medians: ref.score_s / median(skTimes),
        fit_speedup: ref.fit_s / (entry.ts_fit_s as number),
        max_abs_diff_vs_sklearn: maxDiff,
      });
    }
    results.push(entry);
    process.stderr.write(`${entry.dataset} done\n`);
  }
  const report = {
    command: 'npm run bench',
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cpu_count: cpus().length,
    load_avg_at_end: loadavg(),
    sklearn: sk ?? 'not available (/usr/bin/python3 has no scikit-learn): ratios not measured',
    note: 'single thread on both sides; ts rows/s uses the default WebAssembly walk, the JavaScript walk is timed interleaved with it; scoring: best of the same number of repeats on each side (medians alongside), fit: median over seeds; scikit-learn runs in a subprocess right after the TypeScript side on the same data',
    results,
  };
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'forest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const fmt = (v: unknown, d = 2) => (typeof v === 'number' ? (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(d)) : '-');
  console.log('dataset      rows     ts fit s  sk fit s  fit x   ts rows/s (own)  js engine  wasm/js  ts rows/s (sk model)  sk rows/s  score x  max|diff|');
  for (const r of results) {
    console.log(
      `${String(r.dataset).padEnd(12)} ${fmt(r.rows).padStart(8)} ${fmt(r.ts_fit_s, 3).padStart(9)} ${fmt(r.sklearn_fit_s, 3).padStart(9)} ${fmt(r.fit_speedup, 1).padStart(6)} ${fmt(r.ts_score_rows_per_s).padStart(16)} ${fmt(r.ts_score_js_engine_rows_per_s).padStart(10)} ${fmt(r.wasm_over_js_engine, 2).padStart(8)} ${fmt(r.ts_score_sklearn_model_rows_per_s).padStart(21)} ${fmt(r.sklearn_score_rows_per_s).padStart(10)} ${fmt(r.score_speedup_same_model, 1).padStart(8)} ${typeof r.max_abs_diff_vs_sklearn === 'number' ? r.max_abs_diff_vs_sklearn.toExponential(1) : '-'}`,
    );
  }
  console.log(`report: bench/results/forest.json`);
}

await main();
