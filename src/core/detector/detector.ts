import { createTransactionValidator, type ContractConfig } from '../contract/validate';
import type { DetectionResult, ErrorResult, HistoryEntry, ParsedTransaction } from '../contract/types';
import { writeFeatures } from '../features/feature-sets';
import type { LoadedModel } from '../forest/model-file';
import { scoreSamples } from '../forest/score';
import type { HistoryStore, HistoryTransaction } from '../history/history-store';
import { MemoryHistoryStore } from '../history/memory-store';
import { createPolicyConfig, decide, type PolicyConfig } from '../policy/risk-policy';
import { createRulesConfig, type RulesConfig } from '../rules/config';
import { evaluateRules, type RuleHit } from '../rules/evaluate';

/** Configuration of a detector; every part has documented defaults. */
export interface DetectorConfig {
  rules: Partial<RulesConfig>;
  policy: Partial<PolicyConfig>;
  contract: Partial<ContractConfig>;
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
}

/** Scores transactions: validation, history, features, forest, rules, risk policy. */
export interface Detector {
  readonly model: LoadedModel;
  readonly rules: RulesConfig;
  readonly policy: PolicyConfig;
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
  const schema = model.file.feature_schema;
  const nf = model.nFeatures;
  const offset = model.file.offset;
  const scaler = schema.scaler;
  const version = model.file.model_version;
  const scratch = new Float64Array(nf);
  let rows = new Float32Array(nf * 256);
  let scores = new Float64Array(256);

  function decideWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): DetectionResult[] {
    const n = items.length;
    if (rows.length < n * nf) {
      rows = new Float32Array(n * nf);
      scores = new Float64Array(n);
    }
    const results: DetectionResult[] = new Array(n);
    const hits: RuleHit[][] = new Array(n);
    const fresh: number[] = [];
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
      const history = tx.history(txn.user_id);
      writeFeatures(schema, txn, history, scratch, 0);
      const o = fresh.length * nf;
      if (scaler === null) for (let f = 0; f < nf; f++) rows[o + f] = scratch[f];
      else for (let f = 0; f < nf; f++) rows[o + f] = (scratch[f] - scaler.mean[f]) / scaler.scale[f];
      hits[i] = evaluateRules(txn, history, rules);
      tx.append(txn.user_id, historyEntry(txn));
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
      tx.recordDecision(result);
      results[i] = result;
    }
    for (const [i, first] of repeats) results[i] = results[first];
    return results;
  }

  async function detectBatch(inputs: readonly unknown[]): Promise<DetectOutcome[]> {
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

  return {
    model,
    rules,
    policy,
    decideWithin,
    validate,
    detectBatch,
    async detect(input) {
      return (await detectBatch([input]))[0];
    },
  };
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
