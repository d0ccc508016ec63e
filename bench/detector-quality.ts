/**
 * `npm run eval:detector`: detection quality of the committed model (behavioural features,
 * trained on simulator seed 7) and of the same training run with the old service's seed
 * features, side by side, on 30,000 simulated transactions of an unseen seed (2027).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateTransaction } from '../src/core/contract/validate';
import { createDetector } from '../src/core/detector';
import { loadModel, parseModel, type LoadedModel } from '../src/core/forest';
import { MemoryHistoryStore } from '../src/core/history';
import { evaluateDecisions } from '../src/core/metrics/detector-eval';
import { simulate } from '../src/core/simulator';
import { trainTransactionModel } from '../src/core/training';

const EVAL_SEED = 2027;
const TRAIN_SEED = 7;

function parsed(n: number, seed: number, anomalyRate?: number) {
  const traffic = simulate({ n, seed, anomalyRate });
  return traffic.map((t) => {
    const v = validateTransaction(t);
    if (!v.ok) throw new Error(v.error.error.message);
    return { t, p: v.value };
  });
}

function evaluate(model: LoadedModel) {
  const items = parsed(30_000, EVAL_SEED);
  const store = new MemoryHistoryStore();
  const detector = createDetector({ model, history: store });
  const results = store.transactSync((tx) => detector.decideWithin(tx, items.map((i) => i.p)));
  return evaluateDecisions(results.map((result, k) => ({ result, isAnomaly: items[k].t.is_anomaly === true, anomalyType: items[k].t.anomaly_type ?? null, epochMs: items[k].p.epochMs })));
}

const behavioral = parseModel(readFileSync(new URL('../models/isolation_forest.json', import.meta.url), 'utf8'));
const seedModel = loadModel(
  trainTransactionModel(parsed(50_000, TRAIN_SEED, 0.005).map((i) => i.p), { featureSet: 'seed', createdAt: behavioral.file.created_at, params: { seed: TRAIN_SEED } }),
);
const rows = { behavioral: evaluate(behavioral), seed: evaluate(seedModel) };
const types = Object.keys(rows.behavioral.incident_recall_by_type).sort();
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
console.log(`quality on 30,000 simulated transactions, seed ${EVAL_SEED} (models trained on seed ${TRAIN_SEED})`);
console.log(`${'metric'.padEnd(40)} ${'behavioral'.padStart(11)} ${'seed'.padStart(11)}`);
for (const t of types) {
  console.log(`${`recall, ${t} (incidents)`.padEnd(40)} ${pct(rows.behavioral.incident_recall_by_type[t].recall).padStart(11)} ${pct(rows.seed.incident_recall_by_type[t]?.recall ?? 0).padStart(11)}`);
  console.log(`${`recall, ${t} (transactions)`.padEnd(40)} ${pct(rows.behavioral.recall_by_type[t].recall).padStart(11)} ${pct(rows.seed.recall_by_type[t]?.recall ?? 0).padStart(11)}`);
}
for (const [label, key] of [['false positives, normal', 'false_positive_rate'], ['false positives, new customers', 'false_positive_rate_new_customers'], ['precision', 'precision']] as const) {
  console.log(`${label.padEnd(40)} ${pct(rows.behavioral[key]).padStart(11)} ${pct(rows.seed[key]).padStart(11)}`);
}
console.log(`${'PR-AUC of risk_score'.padEnd(40)} ${rows.behavioral.pr_auc.toFixed(3).padStart(11)} ${rows.seed.pr_auc.toFixed(3).padStart(11)}`);
const dir = new URL('./results/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'detector-quality.json'), `${JSON.stringify({ command: 'npm run eval:detector', eval_seed: EVAL_SEED, train_seed: TRAIN_SEED, transactions: 30_000, ...rows }, null, 2)}\n`);
