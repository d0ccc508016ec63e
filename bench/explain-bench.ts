/**
 * Detector throughput with explanations off, for flagged decisions only (the default), and for
 * every decision: the same simulated traffic through `decideWithin` (validated transactions,
 * in-memory history, no JSON), side by side, plus the cost of one explanation and of TreeSHAP
 * alone for each TreeSHAP method (same values), measured in interleaved rounds in the same run.
 * `runExplainBench` is the hook for `npm run bench`; run this file directly
 * (`npx tsx bench/explain-bench.ts`) to print and save bench/results/explain.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { validateTransaction } from '../src/core/contract/validate';
import type { HistoryEntry, ParsedTransaction } from '../src/core/contract/types';
import { createDetector, historyEntry, type ExplainMode } from '../src/core/detector/detector';
import { createExplainer, DEFAULT_EXPLAIN_OPTIONS, explainerFor, type ModelExplainer } from '../src/core/explain/explainer';
import { createTreeShapExplainer, prepareTreeShap, type TreeShapExplainer, type TreeShapMethod } from '../src/core/explain/tree-shap';
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
  /** Runs per mode; the median is reported (default 5; 'all' runs once). */
  runs?: number;
  /** Model file (default the committed model). */
  modelPath?: string;
  /** Rows of the per-method timings: transactions spread over the traffic, with the history each had (default 500). */
  rows?: number;
  /** Interleaved rounds of the per-method timings; the median is reported (default 7). */
  rounds?: number;
}

/** The TreeSHAP methods, fastest first. */
export const TREE_SHAP_METHODS: readonly TreeShapMethod[] = ['linear', 'leaves', 'paths'];

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
  /** The TreeSHAP method of the detector's explanations (the default). */
  detector_method: TreeShapMethod;
  /** (flagged - none) / explained: what one explanation adds inside the detector, ms. */
  ms_per_explanation_in_detector: number;
  /** Rows of the per-method timings (transactions of the same traffic, with their history). */
  method_rows: number;
  /** TreeSHAP alone per row, ms, for each method (same values). */
  tree_shap_ms: Record<TreeShapMethod, number>;
  /** One whole explanation (`explain`: TreeSHAP, baseline, words) per row, ms, for each method. */
  explanation_ms: Record<TreeShapMethod, number>;
  /** How many times faster 'linear' is than each method, TreeSHAP alone. */
  linear_speedup: Record<TreeShapMethod, number>;
  /** Largest |φ - φ_linear| of each method over the rows (path-length units): the same values. */
  max_abs_difference_from_linear: Record<TreeShapMethod, number>;
  /** 1-minute load average of the machine before and after the run, and its core count. */
  load: { before: number; after: number; cores: number };
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
  const loadBefore = loadavg()[0];
  const n = options.n ?? 20_000;
  const runs = options.runs ?? 5;
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

  // Per method, on rows of this traffic with the history each transaction had: TreeSHAP alone
  // (on the row as the scorer sees it: scaled, float32) and a whole explanation.
  const nRows = options.rows ?? 500;
  const schema = model.file.feature_schema;
  const nf = model.nFeatures;
  const raws: Float64Array[] = [];
  const scaled: Float32Array[] = [];
  const contexts: { txn: ParsedTransaction; history: HistoryEntry[] }[] = [];
  // Rows spread evenly over the whole traffic (early transactions have little history).
  const every = Math.max(1, Math.floor(txns.length / nRows));
  const store = new MemoryHistoryStore();
  store.transactSync((tx) => {
    txns.forEach((t, i) => {
      if (i % every === 0 && raws.length < nRows) {
        const history = [...tx.history(t.user_id)];
        const raw = new Float64Array(nf);
        writeFeatures(schema, t, history, raw, 0);
        raws.push(raw);
        scaled.push(Float32Array.from(raw, (v, f) => (schema.scaler === null ? v : (v - schema.scaler.mean[f]) / schema.scaler.scale[f])));
        contexts.push({ txn: t, history });
      }
      tx.append(t.user_id, historyEntry(t));
    });
  });
  const forest = prepareTreeShap(model.nodes, nf, model.file.params.psi);
  const shaps = new Map<TreeShapMethod, TreeShapExplainer>();
  const explainers = new Map<TreeShapMethod, ModelExplainer>();
  for (const method of TREE_SHAP_METHODS) {
    shaps.set(method, createTreeShapExplainer(forest, { method }));
    explainers.set(method, createExplainer(model, { method }));
  }
  const out = new Float64Array(nf);
  const reference = new Float64Array(nf);
  const maxDifference = Object.fromEntries(TREE_SHAP_METHODS.map((m) => [m, 0])) as Record<TreeShapMethod, number>;
  for (const row of scaled) {
    shaps.get('linear')!.shap(row, reference);
    for (const method of TREE_SHAP_METHODS) {
      shaps.get(method)!.shap(row, out);
      for (let f = 0; f < nf; f++) maxDifference[method] = Math.max(maxDifference[method], Math.abs(out[f] - reference[f]));
    }
  }
  const timeShap = (method: TreeShapMethod): number => {
    const ex = shaps.get(method)!;
    const t0 = performance.now();
    for (const row of scaled) ex.shap(row, out);
    return (performance.now() - t0) / scaled.length;
  };
  const timeExplain = (method: TreeShapMethod): number => {
    const ex = explainers.get(method)!;
    const t0 = performance.now();
    for (let i = 0; i < raws.length; i++) ex.explain(raws[i], contexts[i]);
    return (performance.now() - t0) / raws.length;
  };
  // Warm-up, then rounds interleaving the methods so that a busy moment hits them alike.
  for (const method of TREE_SHAP_METHODS) {
    timeShap(method);
    timeExplain(method);
  }
  const rounds = options.rounds ?? 7;
  const shapSamples = new Map<TreeShapMethod, number[]>(TREE_SHAP_METHODS.map((m) => [m, []]));
  const explainSamples = new Map<TreeShapMethod, number[]>(TREE_SHAP_METHODS.map((m) => [m, []]));
  for (let r = 0; r < rounds; r++) {
    for (const method of TREE_SHAP_METHODS) {
      shapSamples.get(method)!.push(timeShap(method));
      explainSamples.get(method)!.push(timeExplain(method));
    }
  }
  const perMethod = (samples: Map<TreeShapMethod, number[]>) => Object.fromEntries(TREE_SHAP_METHODS.map((m) => [m, median(samples.get(m)!)])) as Record<TreeShapMethod, number>;
  const treeShapMs = perMethod(shapSamples);
  const none = modes[0];
  const flagged = modes[1];
  return {
    transactions: n,
    trees: model.nodes.count,
    features: nf,
    flagged_share: explainedFlagged / n,
    modes,
    detector_method: DEFAULT_EXPLAIN_OPTIONS.method,
    ms_per_explanation_in_detector: explainedFlagged > 0 ? ((flagged.seconds - none.seconds) * 1000) / explainedFlagged : 0,
    method_rows: scaled.length,
    tree_shap_ms: treeShapMs,
    explanation_ms: perMethod(explainSamples),
    linear_speedup: Object.fromEntries(TREE_SHAP_METHODS.map((m) => [m, treeShapMs[m] / treeShapMs.linear])) as Record<TreeShapMethod, number>,
    max_abs_difference_from_linear: maxDifference,
    load: { before: loadBefore, after: loadavg()[0], cores: cpus().length },
  };
}

/** Prints a report as a small table. */
export function printExplainBench(report: ExplainBenchReport, log: (line: string) => void = console.log): void {
  const fmt = (x: number) => x.toLocaleString('en-US');
  log(`detector throughput, ${fmt(report.transactions)} simulated transactions, ${report.trees} trees, ${report.features} features, one core, TreeSHAP '${report.detector_method}':`);
  log(`  explain      txn/s      explained`);
  for (const m of report.modes) log(`  ${m.mode.padEnd(10)} ${fmt(m.txn_per_s).padStart(8)}   ${fmt(m.explained).padStart(9)}`);
  log(`  flagged share ${(report.flagged_share * 100).toFixed(1)} %; one explanation adds ${report.ms_per_explanation_in_detector.toFixed(3)} ms in the detector`);
  log(`per explanation, ${report.method_rows} transactions spread over the same traffic, median of interleaved rounds (same values from every method):`);
  log(`  method    TreeSHAP ms   whole explanation ms   linear is faster by`);
  for (const m of TREE_SHAP_METHODS) {
    log(`  ${m.padEnd(8)} ${report.tree_shap_ms[m].toFixed(4).padStart(11)}   ${report.explanation_ms[m].toFixed(4).padStart(20)}   ${report.linear_speedup[m].toFixed(2).padStart(8)}x   (max |Δφ| ${report.max_abs_difference_from_linear[m].toExponential(1)})`);
  }
  log(`  load average ${report.load.before.toFixed(2)} before, ${report.load.after.toFixed(2)} after, ${report.load.cores} cores`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runExplainBench({ n: Number(process.env.EXPLAIN_BENCH_N ?? 20_000) });
  printExplainBench(report);
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'explain.json'), `${JSON.stringify({ command: 'npx tsx bench/explain-bench.ts', date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, ...report }, null, 2)}\n`);
  console.log('report: bench/results/explain.json');
}
