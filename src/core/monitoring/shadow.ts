/**
 * Champion / challenger: every transaction is also scored by a shadow model, from the same
 * history snapshot the champion saw and with the shadow's own feature schema; decisions come
 * from the champion only. The shadow's recommendation is what the same rules and risk policy
 * would have decided with the shadow's model score. Promotion swaps the two in one step (the old
 * champion stays on as the shadow), and a rollback swaps them back.
 */
import type { DetectionResult, ParsedTransaction, Recommendation, RiskLevel } from '../contract/types';
import { createDetector, detectBatchWith, type DetectionObserver, type DetectOutcome, type Detector, type DetectorConfig } from '../detector/detector';
import { writeFeatures } from '../features/feature-sets';
import type { LoadedModel } from '../forest/model-file';
import { scoreSamples } from '../forest/score';
import type { HistoryStore, HistoryTransaction } from '../history/history-store';
import { MemoryHistoryStore } from '../history/memory-store';
import { hasPackedHistory, packedHistoryOf, type PackedHistoryTransaction } from '../history/packed-history';
import { decide } from '../policy/risk-policy';

/** A model's identity in reports. */
export interface ModelRef {
  model_version: string;
  sha256: string;
}

/** One side of a comparison. */
export interface ScoredSide {
  recommendation: Recommendation;
  risk_level: RiskLevel;
  risk_score: number;
  model_score: number;
}

/** One transaction as both models scored it. */
export interface ShadowComparison {
  transaction_id: string;
  user_id: string;
  champion: ScoredSide;
  shadow: ScoredSide;
}

/** A transaction on which the two models recommend differently. */
export type Disagreement = ShadowComparison;

/** Agreement of champion and shadow since the shadow was set (or the last reset). */
export interface ShadowStats {
  champion: ModelRef;
  /** Null when no shadow is loaded. */
  shadow: ModelRef | null;
  /** Transactions scored by both. */
  compared: number;
  /** Of those, the ones with the same recommendation. */
  agreed: number;
  /** agreed / compared; null before the first comparison. */
  agreement_rate: number | null;
  /** Pearson correlation of the two risk scores; null with fewer than 2 comparisons or a constant side. */
  risk_score_correlation: number | null;
  /** Pearson correlation of the two model scores (score_samples). */
  model_score_correlation: number | null;
  /** Counts per "CHAMPION->SHADOW" recommendation pair, e.g. "APPROVE->REVIEW". */
  confusion: Record<string, number>;
  /** Disagreements in all (the list below is bounded). */
  disagreements_total: number;
  /** The most recent disagreements, oldest first, at most `maxDisagreements`. */
  disagreements: Disagreement[];
}

/** Options of {@link createShadowDetector}. */
export interface ShadowDetectorOptions {
  champion: LoadedModel;
  /** The challenger; may be set later with `setShadow`. */
  shadow?: LoadedModel | null;
  history?: HistoryStore;
  config?: Partial<DetectorConfig>;
  /**
   * Observer of the champion's decisions, made per champion model (a drift monitor is tied to
   * its model's training distributions): e.g. `(m) => createDriftMonitor(m)`.
   */
  observerFor?: (champion: LoadedModel) => DetectionObserver | undefined;
  /** Disagreements kept in `shadowStats()` (default 100). */
  maxDisagreements?: number;
}

/** A detector that also runs a shadow model. */
export interface ShadowDetector extends Detector {
  /** The model that decides. */
  readonly champion: LoadedModel;
  /** The model that only scores; null when none. */
  readonly shadow: LoadedModel | null;
  /** The champion's observer (from `observerFor`), if any. */
  readonly observer: DetectionObserver | undefined;
  /** True after a promotion that has not been rolled back. */
  readonly canRollback: boolean;
  shadowStats(): ShadowStats;
  /**
   * As `decideWithin`, but the comparisons with the shadow are returned instead of counted (empty
   * without a shadow). For a storage that may score a batch more than once (a write that failed
   * or lost a race and is scored again): count them with `recordComparisons` once the batch's
   * decisions committed, so that every decision is compared exactly once.
   */
  compareWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): { results: DetectionResult[]; comparisons: ShadowComparison[] };
  /** Counts comparisons returned by `compareWithin` into the statistics. */
  recordComparisons(comparisons: readonly ShadowComparison[]): void;
  /** Loads (or, with null, removes) the shadow; statistics restart. */
  setShadow(model: LoadedModel | null): void;
  /** The shadow becomes the champion and the champion the shadow, in one step; statistics restart. */
  promote(): void;
  /** Undoes the last promotion; statistics restart. */
  rollback(): void;
  /** Restarts the statistics. */
  resetStats(): void;
}

/** Streaming Pearson correlation (Welford co-moments: stable for long runs). */
class Correlation {
  private n = 0;
  private mx = 0;
  private my = 0;
  private sxx = 0;
  private syy = 0;
  private sxy = 0;
  add(x: number, y: number): void {
    this.n++;
    const dx = x - this.mx;
    this.mx += dx / this.n;
    const dy = y - this.my;
    this.my += dy / this.n;
    this.sxx += dx * (x - this.mx);
    this.syy += dy * (y - this.my);
    this.sxy += dx * (y - this.my);
  }
  value(): number | null {
    if (this.n < 2 || this.sxx <= 0 || this.syy <= 0) return null;
    return Math.max(-1, Math.min(1, this.sxy / Math.sqrt(this.sxx * this.syy)));
  }
}

const ref = (m: LoadedModel): ModelRef => ({ model_version: m.file.model_version, sha256: m.file.sha256 });

/** Builds a detector whose decisions come from `champion` while `shadow` is scored alongside. */
export function createShadowDetector(options: ShadowDetectorOptions): ShadowDetector {
  const store = options.history ?? new MemoryHistoryStore();
  const maxDisagreements = options.maxDisagreements ?? 100;
  if (!(Number.isInteger(maxDisagreements) && maxDisagreements >= 0)) throw new RangeError(`maxDisagreements must be a non-negative integer, got ${maxDisagreements}`);
  let champion = options.champion;
  let shadow: LoadedModel | null = options.shadow ?? null;
  let previousChampion: LoadedModel | null = null;
  let observer: DetectionObserver | undefined;
  let inner: Detector;
  const build = () => {
    observer = options.observerFor?.(champion);
    inner = createDetector({ model: champion, history: store, config: options.config, observer });
  };
  build();

  let compared = 0;
  let agreed = 0;
  let disagreementsTotal = 0;
  let risk = new Correlation();
  let modelScores = new Correlation();
  let confusion: Record<string, number> = {};
  let recent: Disagreement[] = [];
  const resetStats = () => {
    compared = 0;
    agreed = 0;
    disagreementsTotal = 0;
    risk = new Correlation();
    modelScores = new Correlation();
    confusion = {};
    recent = [];
  };

  let raw = new Float64Array(0);
  let rows = new Float32Array(0);
  let scores = new Float64Array(0);

  function compareWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): { results: DetectionResult[]; comparisons: ShadowComparison[] } {
    if (shadow === null) return { results: inner.decideWithin(tx, items), comparisons: [] };
    const model = shadow;
    const schema = model.file.feature_schema;
    const nf = model.nFeatures;
    if (raw.length < items.length * nf) {
      raw = new Float64Array(items.length * nf);
      rows = new Float32Array(items.length * nf);
      scores = new Float64Array(items.length);
    }
    // The champion appends each fresh transaction to history right after reading it: computing
    // the shadow's features at that moment sees exactly the champion's snapshot.
    const first = new Map<string, number>();
    for (let i = 0; i < items.length; i++) if (!first.has(items[i].transaction_id)) first.set(items[i].transaction_id, i);
    const seen: number[] = [];
    const spy: HistoryTransaction & Partial<PackedHistoryTransaction> = {
      history: (userId) => tx.history(userId),
      priorDecision: (id) => tx.priorDecision(id),
      append: (userId, entry) => {
        const i = first.get(entry.transaction_id);
        if (i !== undefined) {
          writeFeatures(schema, items[i], packedHistoryOf(tx, userId), raw, seen.length * nf);
          seen.push(i);
        }
        tx.append(userId, entry);
      },
      recordDecision: (result) => tx.recordDecision(result),
      // The store's packed fast path, when it has one, for the champion's features and rules.
      ...(hasPackedHistory(tx) ? { packedHistory: (userId: string) => tx.packedHistory(userId) } : {}),
    };
    const results = inner.decideWithin(spy, items);
    const n = seen.length;
    const scaler = schema.scaler;
    for (let r = 0; r < n * nf; r++) rows[r] = scaler === null ? raw[r] : (raw[r] - scaler.mean[r % nf]) / scaler.scale[r % nf];
    scoreSamples(model.forest, rows.subarray(0, n * nf), scores);
    const policy = inner.policy;
    const comparisons: ShadowComparison[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const c = results[seen[k]];
      const hits = c.reason_codes.map((code, j) => ({ code, detail: c.reason_details[j] }));
      const d = decide(scores[k] - model.file.offset, hits, policy);
      comparisons[k] = {
        transaction_id: c.transaction_id,
        user_id: c.user_id,
        champion: { recommendation: c.recommendation, risk_level: c.risk_level, risk_score: c.risk_score, model_score: c.model_score },
        shadow: { recommendation: d.recommendation, risk_level: d.risk_level, risk_score: d.risk_score, model_score: scores[k] },
      };
    }
    return { results, comparisons };
  }

  function recordComparisons(comparisons: readonly ShadowComparison[]): void {
    for (const c of comparisons) {
      compared++;
      risk.add(c.champion.risk_score, c.shadow.risk_score);
      modelScores.add(c.champion.model_score, c.shadow.model_score);
      const pair = `${c.champion.recommendation}->${c.shadow.recommendation}`;
      confusion[pair] = (confusion[pair] ?? 0) + 1;
      if (c.champion.recommendation === c.shadow.recommendation) agreed++;
      else {
        disagreementsTotal++;
        if (maxDisagreements > 0) {
          if (recent.length === maxDisagreements) recent.shift();
          recent.push(c);
        }
      }
    }
  }

  function decideWithin(tx: HistoryTransaction, items: readonly ParsedTransaction[]): DetectionResult[] {
    const { results, comparisons } = compareWithin(tx, items);
    recordComparisons(comparisons);
    return results;
  }

  const detectBatch = (inputs: readonly unknown[]): Promise<DetectOutcome[]> => detectBatchWith(inputs, inner.validate, store, decideWithin);

  return {
    get model() {
      return champion;
    },
    get champion() {
      return champion;
    },
    get shadow() {
      return shadow;
    },
    get observer() {
      return observer;
    },
    get canRollback() {
      return previousChampion !== null;
    },
    get rules() {
      return inner.rules;
    },
    get policy() {
      return inner.policy;
    },
    get explain() {
      return inner.explain;
    },
    decideWithin,
    compareWithin,
    recordComparisons,
    detectBatch,
    validate: (input) => inner.validate(input),
    async detect(input) {
      return (await detectBatch([input]))[0];
    },
    shadowStats() {
      return {
        champion: ref(champion),
        shadow: shadow === null ? null : ref(shadow),
        compared,
        agreed,
        agreement_rate: compared === 0 ? null : agreed / compared,
        risk_score_correlation: risk.value(),
        model_score_correlation: modelScores.value(),
        confusion: { ...confusion },
        disagreements_total: disagreementsTotal,
        disagreements: recent.slice(),
      };
    },
    setShadow(model) {
      shadow = model;
      resetStats();
    },
    promote() {
      if (shadow === null) throw new Error('no shadow model to promote');
      previousChampion = champion;
      [champion, shadow] = [shadow, champion];
      build();
      resetStats();
    },
    rollback() {
      if (previousChampion === null) throw new Error('nothing to roll back: no promotion since the last rollback');
      const promoted = champion;
      champion = previousChampion;
      shadow = promoted;
      previousChampion = null;
      build();
      resetStats();
    },
    resetStats,
  };
}
