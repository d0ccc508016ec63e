/**
 * Accuracy against scikit-learn's published baseline: mean AUC over seeds 0-4 with 100 trees on
 * every ODDS dataset, compared with sklearn_baseline.json (pass: within 0.01 of scikit-learn's
 * mean, or within one of its standard deviations where that is larger).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileForest, scoreSamples, trainForest } from '../src/core/forest';
import { rocAuc } from '../src/core/metrics/auc';
import { readNumericCsv } from '../src/cli/csv';

/** Where the ODDS datasets and their scikit-learn baseline live. */
export const ODDS_DIR = process.env.ODDS_DIR ?? new URL('../test/fixtures/odds/', import.meta.url).pathname;

interface Baseline {
  datasets: Record<string, { file: string; t100: { auc_mean: number; auc_std: number; auc_per_seed: number[] }; paper_auc: number | null }>;
}

/** One dataset's result. */
export interface AccuracyRow {
  dataset: string;
  rows: number;
  auc_mean: number;
  auc_per_seed: number[];
  sklearn_auc_mean: number;
  sklearn_auc_std: number;
  /** scikit-learn's AUC per seed, as the baseline rounds it (4 decimals). */
  sklearn_auc_per_seed: number[];
  tolerance: number;
  paper_auc: number | null;
  pass: boolean;
}

/** Evaluates one dataset over the given seeds with 100 trees and psi 256. */
export async function evaluateDataset(name: string, seeds = [0, 1, 2, 3, 4]): Promise<AccuracyRow> {
  const baseline = JSON.parse(readFileSync(join(ODDS_DIR, 'sklearn_baseline.json'), 'utf8')) as Baseline;
  const ref = baseline.datasets[name];
  const table = await readNumericCsv(join(ODDS_DIR, ref.file), { label: 'label' });
  const rows = Float32Array.from(table.values);
  const scores = new Float64Array(table.rows);
  const aucs = seeds.map((seed) => {
    const trained = trainForest(rows, table.features, { n_estimators: 100, max_samples: 256, contamination: 'auto', seed });
    scoreSamples(compileForest(trained.nodes, table.features, trained.psi), rows, scores);
    for (let i = 0; i < scores.length; i++) scores[i] = -scores[i];
    return rocAuc(scores, table.labels!);
  });
  const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
  const tolerance = Math.max(0.01, ref.t100.auc_std);
  return {
    dataset: name,
    rows: table.rows,
    auc_mean: mean,
    auc_per_seed: aucs,
    sklearn_auc_mean: ref.t100.auc_mean,
    sklearn_auc_std: ref.t100.auc_std,
    sklearn_auc_per_seed: ref.t100.auc_per_seed,
    tolerance,
    paper_auc: ref.paper_auc,
    pass: Math.abs(mean - ref.t100.auc_mean) <= tolerance,
  };
}

/** Names of every dataset in the baseline. */
export function baselineDatasets(): string[] {
  return Object.keys((JSON.parse(readFileSync(join(ODDS_DIR, 'sklearn_baseline.json'), 'utf8')) as Baseline).datasets);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows: AccuracyRow[] = [];
  console.log('dataset        rows   ours (5 seeds)  scikit-learn     tol    paper  pass');
  for (const name of baselineDatasets()) {
    const r = await evaluateDataset(name);
    rows.push(r);
    console.log(`${name.padEnd(12)} ${String(r.rows).padStart(7)}  ${r.auc_mean.toFixed(4).padStart(13)}  ${r.sklearn_auc_mean.toFixed(4)} ± ${r.sklearn_auc_std.toFixed(4)}  ${r.tolerance.toFixed(4)}  ${r.paper_auc === null ? '  -  ' : r.paper_auc.toFixed(2)}  ${r.pass ? 'yes' : 'NO'}`);
  }
  const { writeFileSync, mkdirSync } = await import('node:fs');
  const dir = new URL('./results/', import.meta.url).pathname;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'odds-accuracy.json'), `${JSON.stringify({ command: 'npm run eval:odds', trees: 100, max_samples: 256, seeds: [0, 1, 2, 3, 4], results: rows }, null, 2)}\n`);
  if (rows.some((r) => !r.pass)) process.exitCode = 1;
}
