/**
 * Detector throughput with explanations off, for flagged decisions only (the default), and for
 * every decision: the same simulated traffic through `decideWithin` (validated transactions,
 * in-memory history, no JSON), side by side, plus the cost of one explanation and of TreeSHAP
 * alone (both algorithms). `runExplainBench` is the hook for `npm run bench`; run this file
 * directly (`npx tsx bench/explain-bench.ts`) to print and save bench/results/explain.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { validateTransaction } from '../src/core/contract/validate';
import type { ParsedTransaction } from '../src/core/contract/types';
import { createDetector, type ExplainMode } from '../src/core/detector/detector';
import { explainerFor } from '../src/core/explain/explainer';
import { createTreeShapExplainer, prepareTreeShap } from '../src/core/explain/tree-shap';
import { parseModel, type LoadedModel } from '../src/core/forest';
import { writeFeatures } from '../src/core/features/feature-sets';
import { MemoryHistoryStore } from '../src/core/history/memory-store';
import { simulate } from '../src/core/simulator';

/** Options of {@link runExplainBench}. */
export interface ExplainBenchOptions {
  /** Transactions per run (default 20,000). */
  n?: number;
  /** Simulator seed (default 4242). */
  seed?: number;
  /** Runs per mode; the median is reported (default 3; 'all' runs once). */
  runs?: number;
  /** Model file (default the committed model). */
  modelPath?: string;
}

/** One mode's throughput. */
export interface ModeResult {
  mode: ExplainMode;
  seconds: number;
  txn_per_s: number;
  explained: number;
}

/** What {@link runExplainBench} measures. */
export interface ExplainBenchReport {
  transactions: number;
  trees: number;
  features: number;
  flagged_share: number;
  modes: ModeResult[];
  /** (flagged - none) / explained: what one explanation adds inside the detector, ms. */
  ms_per_explanation_in_detector: number;
  /** TreeSHAP alone per row, ms, for each algorithm (same values). */
  tree_shap_ms: { leaves: number; paths: number };
}

const DEFAULT_MODEL = new URL('../models/isolation_forest.json', import.meta.url).pathname;

function parsed(n: number, seed: number): ParsedTransaction[] {
  return simulate({ n, seed }).map((t, i) => {
    const v = validateTransaction(t);
    if (!v.ok) throw new Error(`simulated transaction ${i} is invalid`);
    return v.value;
  });
}

function timeMode(model: LoadedModel, txns: readonly ParsedTransaction[], mode: ExplainMode): { seconds: number; explained: number } {
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store, config: { explain: mode } });
  // Warm the explainer (tree preparation, tens of ms) outside the timing: it happens once per model.
  if (mode !== 'none') explainerFor(model);
  let explained = 0;
  const t0 = performance.now();
  for (let i = 0; i < txns.length; i += 1024) {
    const results = store.transactSync((tx) => detector.decideWithin(tx, txns.slice(i, i + 1024)));
    for (const r of results) if (r.explanation) explained++;
  }
  return { seconds: (performance.now() - t0) / 1000, explained };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Measures detector throughput with explain 'none', 'flagged' and 'all' on the same traffic. */
export async function runExplainBench(options: ExplainBenchOptions = {}): Promise<ExplainBenchReport> {
  const n = options.n ?? 20_000;
  const runs = options.runs ?? 3;
  const model = parseModel(readFileSync(options.modelPath ?? DEFAULT_MODEL, 'utf8'));
  const txns = parsed(n, options.seed ?? 4242);
  const times: Record<ExplainMode, number[]> = { none: [], flagged: [], all: [] };
  let explainedFlagged = 0;
  let explainedAll = 0;
  // Interleaved, so that a busy moment of the machine hits both modes alike.
  for (let r = 0; r < runs; r++) {
    times.none.push(timeMode(model, txns, 'none').seconds);
    const f = timeMode(model, txns, 'flagged');
    times.flagged.push(f.seconds);
    explainedFlagged = f.explained;
  }
  const a = timeMode(model, txns, 'all');
  times.all.push(a.seconds);
  explainedAll = a.explained;
  const modes: ModeResult[] = (['none', 'flagged', 'all'] as const).map((mode) => {
    const seconds = median(times[mode]);
    return { mode, seconds, txn_per_s: Math.round(n / seconds), explained: mode === 'none' ? 0 : mode === 'flagged' ? explainedFlagged : explainedAll };
  });

  // TreeSHAP alone on rows of this traffic.
  const forest = prepareTreeShap(model.nodes, model.nFeatures, model.file.params.psi);
  const rows: Float32Array[] = [];
  const store = new MemoryHistoryStore();
  const raw = new Float64Array(model.nFeatures);
  store.transactSync((tx) => {
    for (const t of txns.slice(0, 500)) {
      writeFeatures(model.file.feature_schema, t, tx.history(t.user_id), raw, 0);
      rows.push(Float32Array.from(raw));
    }
  });
  const shapMs = (method: 'leaves' | 'paths') => {
    const ex = createTreeShapExplainer(forest, { method });
    const out = new Float64Array(model.nFeatures);
    for (const row of rows.slice(0, 50)) ex.shap(row, out);
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      for (const row of rows) ex.shap(row, out);
      samples.push((performance.now() - t0) / rows.length);
    }
    return median(samples);
  };
  const none = modes[0];
  const flagged = modes[1];
  return {
    transactions: n,
    trees: model.nodes.count,
    features: model.nFeatures,
    flagged_share: explainedFlagged / n,
    modes,
    ms_per_explanation_in_detector: explainedFlagged > 0 ? ((flagged.seconds - none.seconds) * 1000) / explainedFlagged : 0,
    tree_shap_ms: { leaves: shapMs('leaves'), paths: shapMs('paths') },
  };
}

/** Prints a report as a small table. */
export function printExplainBench(report: ExplainBenchReport, log: (line: string) => void = console.log): void {
  const fmt = (x: number) => x.toLocaleString('en-US');
  log(`detector throughput, ${fmt(report.transactions)} simulated transactions, ${report.trees} trees, ${report.features} features, one core:`);
  log(`  explain      txn/s      explained`);
  for (const m of report.modes) log(`  ${m.mode.padEnd(10)} ${fmt(m.txn_per_s).padStart(8)}   ${fmt(m.explained).padStart(9)}`);
  log(`  flagged share ${(report.flagged_share * 100).toFixed(1)} %; one explanation adds ${report.ms_per_explanation_in_detector.toFixed(2)} ms in the detector`);
  log(`  TreeSHAP alone per row: ${report.tree_shap_ms.leaves.toFixed(3)} ms (leaves), ${report.tree_shap_ms.paths.toFixed(3)} ms (paths, the paper's algorithm)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runExplainBench({ n: Number(process.env.EXPLAIN_BENCH_N ?? 20_000) });
  printExplainBench(report);
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'explain.json'), `${JSON.stringify({ command: 'npx tsx bench/explain-bench.ts', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, ...report }, null, 2)}\n`);
  console.log('report: bench/results/explain.json');
}
