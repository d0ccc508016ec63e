/**
 * Explanations of the model score: exact TreeSHAP values of the mean path length, scaled to the
 * anomaly score, with each feature's value in the user's terms and a one-line summary.
 *
 * Units. The forest's score is s(x) = 2^(-f(x)/c(psi)) (scikit-learn's score_samples is -s),
 * with f the mean path length. s is not additive over features, f is: TreeSHAP gives exact φ_i
 * with Σφ_i = f(x) - E[f]. Each φ_i is scaled by the slope of the secant of s between E[f] and
 * f(x), k = (s(f(x)) - s(E[f])) / (f(x) - E[f]) (k < 0: a shorter path is more anomalous), so
 *
 *   contribution_i = k φ_i,   Σ contribution_i = s(x) - s(E[f]) = value - base_value
 *
 * holds exactly (up to float rounding), the ranking and the relative sizes are those of the
 * exact path-length Shapley values, and the signs read naturally: positive raises the risk.
 * `base_value` is the score of the expected path length, s(E[f]), not E[s]. When f(x) = E[f] to
 * within 1e-12 the tangent slope s'(f(x)) is used instead (the secant is 0/0 there).
 */
import {
  ContributionDirection,
  type Explanation,
  type FeatureContribution,
  type HistoryEntry,
  type ParsedTransaction,
} from '../contract/types';
import type { LoadedModel } from '../forest/model-file';
import { scanHistory } from './baseline';
import { DEFAULT_DISPLAY_OPTIONS, type DisplayOptions } from './display';
import { describeFeature, type DescribeContext, type FeatureDescription } from './feature-descriptions';
import { createTreeShapExplainer, prepareTreeShap, type TreeShapExplainer, type TreeShapMethod } from './tree-shap';

/** What an explanation needs besides the feature row: the transaction and the user's history. */
export interface ExplainContext {
  txn: ParsedTransaction;
  /** The user's history as the feature function saw it (later entries and the transaction itself are skipped). */
  history: readonly HistoryEntry[];
}

/** Options of {@link createExplainer}. */
export interface ExplainOptions extends DisplayOptions {
  /** Phrases in the summary at most (default 3). */
  summaryItems: number;
  /**
   * A raising feature is named in the summary only when its contribution is at least this
   * share of the largest one (default 0.1).
   */
  summaryMinShare: number;
  /**
   * TreeSHAP implementation (default 'linear', the fastest; 'leaves' and 'paths', the paper's
   * algorithm, give the same values and are kept as references).
   */
  method: TreeShapMethod;
}

/** The defaults of {@link ExplainOptions}. */
export const DEFAULT_EXPLAIN_OPTIONS: ExplainOptions = Object.freeze({ ...DEFAULT_DISPLAY_OPTIONS, summaryItems: 3, summaryMinShare: 0.1, method: 'linear' as const });

/** The numbers of an explanation, without the words. */
export interface Attribution {
  /** Mean path length f(x) and its expectation E[f]. */
  pathLength: number;
  basePathLength: number;
  /** Anomaly score s(x) = -score_samples and s(E[f]). */
  value: number;
  baseValue: number;
  /** Exact Shapley values of f, per feature (Σ = pathLength - basePathLength). */
  phi: Float64Array;
  /** The same in anomaly-score units (Σ = value - baseValue). */
  contributions: Float64Array;
}

/** Explains rows of one model. */
export interface ModelExplainer {
  readonly model: LoadedModel;
  readonly shap: TreeShapExplainer;
  /** Exact attributions of a raw feature row (before the model's scaler). */
  attribute(rawRow: ArrayLike<number>): Attribution;
  /** The explanation of a transaction from its raw feature row. */
  explain(rawRow: ArrayLike<number>, context: ExplainContext): Explanation;
}

/** The anomaly score s = 2^(-h / c(psi)) of a mean path length h (0.5 when c(psi) = 0, as the scorer). */
export function anomalyScore(meanPathLength: number, norm: number): number {
  return 2 ** -(norm !== 0 ? meanPathLength / norm : 1);
}

/** Builds the explainer of a model (prepares its trees once: tens of milliseconds for 150 trees). */
export function createExplainer(model: LoadedModel, options: Partial<ExplainOptions> = {}): ModelExplainer {
  const opts: ExplainOptions = { ...DEFAULT_EXPLAIN_OPTIONS, ...stripUndefined(options) };
  const schema = model.file.feature_schema;
  const nf = model.nFeatures;
  const prepared = prepareTreeShap(model.nodes, nf, model.file.params.psi);
  const shap = createTreeShapExplainer(prepared, { method: opts.method });
  const norm = prepared.norm;
  const baseValue = anomalyScore(prepared.expectedPathLength, norm);
  const descriptions: FeatureDescription[] = schema.names.map((name) => describeFeature(schema.feature_set, name));
  const row = new Float32Array(nf);

  function attribute(rawRow: ArrayLike<number>): Attribution {
    if (rawRow.length < nf) throw new Error(`feature row has ${rawRow.length} values, the model has ${nf} features`);
    // The row exactly as the detector scores it: scaled, then cast to float32.
    const scaler = schema.scaler;
    if (scaler === null) for (let f = 0; f < nf; f++) row[f] = rawRow[f];
    else for (let f = 0; f < nf; f++) row[f] = (rawRow[f] - scaler.mean[f]) / scaler.scale[f];
    const phi = new Float64Array(nf);
    const h = shap.shap(row, phi);
    const value = anomalyScore(h, norm);
    const dh = h - prepared.expectedPathLength;
    const slope = norm === 0 ? 0 : Math.abs(dh) > 1e-12 ? (value - baseValue) / dh : -(Math.LN2 / norm) * value;
    const contributions = new Float64Array(nf);
    for (let f = 0; f < nf; f++) contributions[f] = slope * phi[f];
    return { pathLength: h, basePathLength: prepared.expectedPathLength, value, baseValue, phi, contributions };
  }

  function explain(rawRow: ArrayLike<number>, context: ExplainContext): Explanation {
    const a = attribute(rawRow);
    const scan = scanHistory(context.txn, context.history, opts);
    const ctx: DescribeContext = { txn: context.txn, baseline: scan.baseline, seenCity: scan.seenCity, display: opts };
    const items: FeatureContribution[] = [];
    for (let f = 0; f < nf; f++) {
      const d = descriptions[f];
      const c = a.contributions[f];
      items.push({
        feature: schema.names[f],
        display_name: d.display_name,
        value: rawRow[f],
        display_value: d.display(rawRow[f], ctx),
        contribution: c,
        path_length: a.phi[f],
        direction: c > 0 ? ContributionDirection.RAISES_RISK : ContributionDirection.LOWERS_RISK,
      });
    }
    const order = items.map((_, i) => i).sort((i, j) => Math.abs(items[j].contribution) - Math.abs(items[i].contribution) || i - j);
    const phrases: string[] = [];
    const topics = new Set<string>();
    let top = 0;
    for (const item of items) if (item.contribution > top) top = item.contribution;
    for (const i of order) {
      const c = items[i].contribution;
      if (c <= 0) continue;
      if (c < opts.summaryMinShare * top || phrases.length >= opts.summaryItems) break;
      if (topics.has(descriptions[i].topic)) continue;
      topics.add(descriptions[i].topic);
      phrases.push(descriptions[i].phrase(rawRow[i], ctx));
    }
    return {
      base_value: a.baseValue,
      value: a.value,
      contributions: order.map((i) => items[i]),
      summary: phrases.length > 0 ? `Risk driven by: ${phrases.join(', ')}` : 'No feature raises the risk above a typical transaction',
      baseline: scan.baseline,
      path_length: { base_value: a.basePathLength, value: a.pathLength },
    };
  }

  return { model, shap, attribute, explain };
}

const cache = new WeakMap<LoadedModel, ModelExplainer>();

/**
 * Explains one transaction under `model` from its raw feature row (as `writeFeatures` writes
 * it). The model's explainer is built on first use and kept while the model is alive.
 */
export function explain(model: LoadedModel, rowFeatures: ArrayLike<number>, context: ExplainContext): Explanation {
  return explainerFor(model).explain(rowFeatures, context);
}

/** The shared explainer of a model with default options (built on first use). */
export function explainerFor(model: LoadedModel): ModelExplainer {
  let explainer = cache.get(model);
  if (explainer === undefined) {
    explainer = createExplainer(model);
    cache.set(model, explainer);
  }
  return explainer;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
