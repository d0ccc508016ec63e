import { createTransactionValidator, type ContractConfig } from '../contract/validate';
import { Recommendation, type DetectionResult, type ErrorResult, type HistoryEntry, type ParsedTransaction } from '../contract/types';
import { explainerFor } from '../explain/explainer';
import { writeFeatures } from '../features/feature-sets';
import type { LoadedModel } from '../forest/model-file';
import { scoreSamples } from '../forest/score';
import { hasPackedHistory, packedHistoryOf } from '../history/packed-history';
import type { HistoryStore, HistoryTransaction } from '../history/history-store';
import { MemoryHistoryStore } from '../history/memory-store';
import { createPolicyConfig, decide, type PolicyConfig } from '../policy/risk-policy';
import { createRulesConfig, type RulesConfig } from '../rules/config';
import { evaluateRules, type RuleHit } from '../rules/evaluate';

/** Which decisions carry an explanation of the model score. */
export const ExplainMode = {
  /** None: scoring at full speed. */
  none: 'none',
  /** REVIEW and BLOCK decisions only (the default): the others are not slowed down. */
  flagged: 'flagged',
  /** Every decision (about a millisecond each for 150 trees). */
  all: 'all',
} as const;
export type ExplainMode = (typeof ExplainMode)[keyof typeof ExplainMode];

/** Configuration of a detector; every part has documented defaults. */
export interface DetectorConfig {
  rules: Partial<RulesConfig>;
  policy: Partial<PolicyConfig>;
  contract: Partial<ContractConfig>;
  /** Which decisions get `explanation` (default 'flagged': REVIEW and BLOCK). */
  explain: ExplainMode;
}

/**
 * Sees every freshly decided transaction (not idempotent repeats) after its decision is taken:
 * drift monitors, shadow comparisons, metrics. `rawRow` is the transaction's feature row before
 * the model's scaler, a view that is reused after the call returns.
 */
export interface DetectionObserver {
  observe(rawRow: Float64Array, result: DetectionResult): void;
}

/** What `detect` returns for one input: a decision or a named error. */
export type DetectOutcome = DetectionResult | ErrorResult;

/** True when an outcome is an error result. */
export function isErrorResult(outcome: DetectOutcome): outcome is ErrorResult {
  return 'error' in outcome;
}

/** Options of `createDetector`. */
export interface DetectorOptions {
  model: LoadedModel;
  /** Where history and decisions live (default: in memory). */
  history?: HistoryStore;
  config?: Partial<DetectorConfig>;
  /** Called for every freshly decided transaction (e.g. a `DriftMonitor`). */
  observer?: DetectionObserver;
}

/** Scores transactions: validation, history, features, forest, rules, risk policy. */
export interface Detector {
  readonly model: LoadedModel;
  readonly rules: RulesConfig;
  readonly policy: PolicyConfig;
  /** Which decisions carry an explanation. */
  readonly explain: ExplainMode;
  /** Decides one transaction (or returns its error). */
  detect(input: unknown): Promise<DetectOutcome>;
  /**
   * Decides a batch in order, as one unit of storage work: a bad item yields its error result
   * and touches nothing; the others are still scored.
   */
  detectBatch(inputs: readonly unknown[]): Promise<DetectOutcome[]>;
  /**
   * Decides already validated transactions inside an open store transaction (used by stores and
   * the CLI's synchronous fast path).
   */
  decideWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): DetectionResult[];
  /** Validates one input. */
  validate(input: unknown): { ok: true; value: ParsedTransaction } | { ok: false; error: ErrorResult };
}

/** Builds a detector around a loaded model. */
export function createDetector(options: DetectorOptions): Detector {
  const { model } = options;
  const store = options.history ?? new MemoryHistoryStore();
  const rules = createRulesConfig(options.config?.rules);
  const policy = createPolicyConfig(options.config?.policy);
  const validate = createTransactionValidator(options.config?.contract);
  const explainMode = options.config?.explain ?? ExplainMode.flagged;
  if (!Object.values(ExplainMode).includes(explainMode)) throw new Error(`config.explain must be 'none', 'flagged' or 'all', got ${JSON.stringify(explainMode)}`);
  const observer = options.observer;
  // Raw feature rows are kept for the batch only when something reads them after scoring.
  const keepRaw = explainMode !== ExplainMode.none || observer !== undefined;
  const schema = model.file.feature_schema;
  const nf = model.nFeatures;
  const offset = model.file.offset;
  const scaler = schema.scaler;
  const version = model.file.model_version;
  const scratch = new Float64Array(nf);
  let rows = new Float32Array(nf * 256);
  let raw = new Float64Array(keepRaw ? nf * 256 : 0);
  let scores = new Float64Array(256);

  function decideWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): DetectionResult[] {
    const n = items.length;
    if (rows.length < n * nf) {
      rows = new Float32Array(n * nf);
      scores = new Float64Array(n);
      if (keepRaw) raw = new Float64Array(n * nf);
    }
    const results: DetectionResult[] = new Array(n);
    const hits: RuleHit[][] = new Array(n);
    const fresh: number[] = [];
    const packs = hasPackedHistory(tx);
    const firstInBatch = new Map<string, number>();
    const repeats: Array<[number, number]> = [];
    for (let i = 0; i < n; i++) {
      const txn = items[i];
      const prior = tx.priorDecision(txn.transaction_id);
      if (prior) {
        results[i] = prior;
        continue;
      }
      const first = firstInBatch.get(txn.transaction_id);
      if (first !== undefined) {
        repeats.push([i, first]);
        continue;
      }
      firstInBatch.set(txn.transaction_id, i);
      // Packed by the store when it offers that, else packed here once for features and rules.
      const history = packedHistoryOf(tx, txn.user_id);
      const o = fresh.length * nf;
      const src = keepRaw ? raw : scratch;
      const so = keepRaw ? o : 0;
      writeFeatures(schema, txn, history, src, so);
      if (scaler === null) for (let f = 0; f < nf; f++) rows[o + f] = src[so + f];
      else for (let f = 0; f < nf; f++) rows[o + f] = (src[so + f] - scaler.mean[f]) / scaler.scale[f];
      hits[i] = evaluateRules(txn, history, rules);
      // A packing store copies the fields it keeps, so it can take the transaction itself.
      tx.append(txn.user_id, packs ? txn : historyEntry(txn));
      fresh.push(i);
    }
    scoreSamples(model.forest, rows.subarray(0, fresh.length * nf), scores);
    for (let k = 0; k < fresh.length; k++) {
      const i = fresh[k];
      const txn = items[i];
      const df = scores[k] - offset;
      const d = decide(df, hits[i], policy);
      const result: DetectionResult = {
        transaction_id: txn.transaction_id,
        user_id: txn.user_id,
        risk_score: d.risk_score,
        risk_level: d.risk_level,
        reason_codes: d.reason_codes,
        recommendation: d.recommendation,
        reason_details: d.reason_details,
        model_score: scores[k],
        decision_function: df,
        model_version: version,
      };
      if (explainMode === ExplainMode.all || (explainMode === ExplainMode.flagged && d.recommendation !== Recommendation.APPROVE)) {
        // The history now also holds this batch's appends; the baseline skips the transaction
        // itself and anything later, as the feature function did.
        result.explanation = explainerFor(model).explain(raw.subarray(k * nf, (k + 1) * nf), { txn, history: tx.history(txn.user_id) });
      }
      tx.recordDecision(result);
      results[i] = result;
      if (observer !== undefined) observer.observe(raw.subarray(k * nf, (k + 1) * nf), result);
    }
    for (const [i, first] of repeats) results[i] = results[first];
    return results;
  }

  const detectBatch = (inputs: readonly unknown[]): Promise<DetectOutcome[]> => detectBatchWith(inputs, validate, store, decideWithin);

  return {
    model,
    rules,
    policy,
    explain: explainMode,
    decideWithin,
    validate,
    detectBatch,
    async detect(input) {
      return (await detectBatch([input]))[0];
    },
  };
}

/**
 * Validates a batch, then decides its valid items in one unit of storage work: bad items get
 * their error result and touch nothing. Shared by the detector and the shadow detector.
 */
export async function detectBatchWith(
  inputs: readonly unknown[],
  validate: Detector['validate'],
  store: HistoryStore,
  decideWithin: (tx: HistoryTransaction, items: readonly ParsedTransaction[]) => DetectionResult[],
): Promise<DetectOutcome[]> {
  const out: DetectOutcome[] = new Array(inputs.length);
  const valid: ParsedTransaction[] = [];
  const at: number[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const v = validate(inputs[i]);
    if (v.ok) {
      valid.push(v.value);
      at.push(i);
    } else out[i] = v.error;
  }
  if (valid.length > 0) {
    const users = [...new Set(valid.map((t) => t.user_id))];
    const ids = valid.map((t) => t.transaction_id);
    const decided = await store.transact(users, ids, (tx) => decideWithin(tx, valid));
    for (let k = 0; k < decided.length; k++) out[at[k]] = decided[k];
  }
  return out;
}

/** The part of a transaction kept in history. */
export function historyEntry(txn: ParsedTransaction): HistoryEntry {
  return {
    transaction_id: txn.transaction_id,
    epochMs: txn.epochMs,
    location: txn.location,
    merchant_type: txn.merchant_type,
    amount: txn.amount,
    localHour: txn.localHour,
  };
}
