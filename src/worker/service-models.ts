/**
 * The models of a detector service and what watches them: the champion that decides, an optional
 * shadow scored alongside it (the core's `createShadowDetector`: same history snapshot, its own
 * features, the champion's rules and policy), and a drift monitor of the champion (the core's
 * `DriftMonitor`: PSI per feature and of the score over a rolling window of recent traffic).
 *
 * A batch may be scored more than once before it commits (a write that lost the race for the next
 * log sequence number to another tab is scored again; a failed write is retried by the caller),
 * so what one scoring attempt saw is staged ({@link Staged}) and taken into the drift window and
 * the shadow statistics only once the batch committed: every committed decision counts once.
 */
import type { DetectionResult, ParsedTransaction } from '../core/contract/types';
import { type DetectionObserver, type DetectorConfig } from '../core/detector/detector';
import type { LoadedModel } from '../core/forest/model-file';
import type { HistoryTransaction } from '../core/history/history-store';
import { DEFAULT_DRIFT_CONFIG, DriftMonitor, type DriftConfig, type DriftReport } from '../core/monitoring/drift';
import { createShadowDetector, type ShadowComparison, type ShadowDetector } from '../core/monitoring/shadow';
import { modelInfo, type ModelLoad } from './model-source';
import type { ModelInfo, ModelsInfo, MonitoringOptions, ShadowSection } from './service-types';

/** Defaults of {@link MonitoringOptions}. */
export const DEFAULT_MONITORING = Object.freeze({
  /** The core's drift defaults: 5,000 transactions, PSI threshold 0.2, 500 before any warning. */
  drift: DEFAULT_DRIFT_CONFIG,
  maxDisagreements: 100,
});

/** Validated monitoring options. */
export interface MonitoringSettings {
  /** Null: no drift monitor. */
  drift: Partial<DriftConfig> | null;
  maxDisagreements: number;
}

/** Validates monitoring options (errors name the field); the drift fields are checked against a model by {@link ServiceModels}. */
export function resolveMonitoring(options: MonitoringOptions | undefined): MonitoringSettings {
  const o = options ?? {};
  if (typeof o !== 'object') throw new TypeError(`monitoring must be an object, got ${typeof o}`);
  const max = o.maxDisagreements ?? DEFAULT_MONITORING.maxDisagreements;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 0) throw new TypeError(`monitoring.maxDisagreements must be an integer >= 0, got ${JSON.stringify(max)}`);
  const drift = o.drift ?? {};
  if (drift !== false && (typeof drift !== 'object' || drift === null)) throw new TypeError(`monitoring.drift must be an object of drift settings or false, got ${JSON.stringify(drift)}`);
  if (drift !== false) {
    const known = new Set(Object.keys(DEFAULT_DRIFT_CONFIG));
    for (const k of Object.keys(drift)) if (!known.has(k)) throw new TypeError(`monitoring.drift.${k} is not a drift setting (use ${[...known].join(', ')})`);
  }
  return { drift: drift === false ? null : drift, maxDisagreements: max };
}

/** A drift monitor built for `model`, with errors naming the setting. */
function driftMonitorFor(model: LoadedModel, config: Partial<DriftConfig>): DriftMonitor {
  try {
    return new DriftMonitor(model, config);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw e instanceof RangeError ? new RangeError(`monitoring.drift: ${message}`) : new Error(`the drift monitor cannot watch model ${model.file.model_version}: ${message}`);
  }
}

/** Raw feature rows and model scores of one scoring attempt, for the champion's drift monitor. */
class DriftStage {
  private rows = new Float64Array(0);
  private scores: number[] = [];

  constructor(
    readonly monitor: DriftMonitor,
    private readonly nf: number,
  ) {}

  push(row: ArrayLike<number>, score: number): void {
    const k = this.scores.length;
    if (this.rows.length < (k + 1) * this.nf) {
      const grown = new Float64Array(Math.max(64, 2 * (k + 1)) * this.nf);
      grown.set(this.rows);
      this.rows = grown;
    }
    for (let f = 0; f < this.nf; f++) this.rows[k * this.nf + f] = row[f];
    this.scores.push(score);
  }

  flush(): void {
    for (let k = 0; k < this.scores.length; k++) this.monitor.observeScore(this.rows.subarray(k * this.nf, (k + 1) * this.nf), this.scores[k]);
  }
}

/** The champion's observer: stages what it sees into the attempt under way. */
class StagingObserver implements DetectionObserver {
  stage: DriftStage | null = null;
  constructor(readonly monitor: DriftMonitor) {}
  observe(rawRow: Float64Array, result: DetectionResult): void {
    this.stage?.push(rawRow, result.model_score);
  }
}

/** What one scoring attempt of a batch saw; take it in with {@link ServiceModels.commit} once the batch committed. */
export interface Staged {
  comparisons: ShadowComparison[];
  drift: DriftStage | null;
}

/**
 * The champion, the shadow and their monitors. Not safe to change while a batch is being scored:
 * the service changes models only between batches.
 */
export class ServiceModels {
  readonly detector: ShadowDetector;
  private readonly loads = new Map<LoadedModel, ModelLoad>();
  /** The champion a rollback returns to (set by a promotion). */
  private rollbackTarget: LoadedModel | null = null;

  constructor(
    champion: ModelLoad,
    shadow: ModelLoad | null,
    config: Partial<DetectorConfig> | undefined,
    private readonly monitoring: MonitoringSettings,
  ) {
    const drift = monitoring.drift;
    // Checked once here, so that a promotion (which builds the new champion's monitor) cannot fail halfway.
    if (drift !== null) {
      driftMonitorFor(champion.model, drift);
      if (shadow) driftMonitorFor(shadow.model, drift);
    }
    this.remember(champion);
    if (shadow) this.remember(shadow);
    this.detector = createShadowDetector({
      champion: champion.model,
      shadow: shadow?.model ?? null,
      config,
      maxDisagreements: monitoring.maxDisagreements,
      observerFor: drift === null ? undefined : (m) => new StagingObserver(driftMonitorFor(m, drift)),
    });
  }

  /** The model that decides. */
  get champion(): ModelLoad {
    return this.loadOf(this.detector.champion);
  }

  /** The model scored alongside; null when none. */
  get shadow(): ModelLoad | null {
    const s = this.detector.shadow;
    return s === null ? null : this.loadOf(s);
  }

  /** Champion, shadow and whether a promotion can be rolled back. */
  info(): ModelsInfo {
    const shadow = this.shadow;
    return { champion: modelInfo(this.champion), shadow: shadow === null ? null : modelInfo(shadow), canRollback: this.detector.canRollback };
  }

  /** The champion's info. */
  championInfo(): ModelInfo {
    return modelInfo(this.champion);
  }

  /** Scores a batch (one attempt): the champion's results, and what to take in if the batch commits. */
  decide(tx: HistoryTransaction, items: readonly ParsedTransaction[]): { results: DetectionResult[]; staged: Staged } {
    const observer = this.observer();
    const stage = observer ? new DriftStage(observer.monitor, this.detector.champion.nFeatures) : null;
    if (observer) observer.stage = stage;
    try {
      const { results, comparisons } = this.detector.compareWithin(tx, items);
      return { results, staged: { comparisons, drift: stage } };
    } finally {
      if (observer) observer.stage = null;
    }
  }

  /** Takes a committed batch's staged observations into the drift window and the shadow statistics. */
  commit(staged: Staged): void {
    staged.drift?.flush();
    if (staged.comparisons.length > 0) this.detector.recordComparisons(staged.comparisons);
  }

  /** Loads (or, with null, removes) the shadow; its statistics start afresh. */
  setShadow(load: ModelLoad | null): void {
    if (load && this.monitoring.drift !== null) driftMonitorFor(load.model, this.monitoring.drift);
    if (load) this.remember(load);
    this.detector.setShadow(load?.model ?? null);
    this.forget();
  }

  /** The shadow becomes the champion (its drift window starts empty) and the champion the shadow. */
  promote(): void {
    if (this.detector.shadow === null) throw new Error('promoteShadow: no shadow model is loaded (call loadShadowModel first)');
    const previous = this.detector.champion;
    this.detector.promote();
    this.rollbackTarget = previous;
  }

  /** Undoes the last promotion. */
  rollback(): void {
    if (!this.detector.canRollback) throw new Error('rollbackPromotion: nothing to roll back: no promotion since the last rollback or model load');
    this.detector.rollback();
    this.rollbackTarget = null;
    this.forget();
  }

  /** The champion's drift report; undefined when drift monitoring is off. */
  driftReport(): DriftReport | undefined {
    return this.observer()?.monitor.report();
  }

  /** Agreement with the shadow; undefined when no shadow is loaded. */
  shadowSection(): ShadowSection | undefined {
    if (this.detector.shadow === null) return undefined;
    return { ...this.detector.shadowStats(), can_rollback: this.detector.canRollback };
  }

  private observer(): StagingObserver | undefined {
    const o = this.detector.observer;
    return o instanceof StagingObserver ? o : undefined;
  }

  private remember(load: ModelLoad): void {
    this.loads.set(load.model, load);
  }

  /** Drops models that are neither champion, shadow nor the champion a rollback returns to. */
  private forget(): void {
    const keep = new Set([this.detector.champion, this.detector.shadow, this.rollbackTarget]);
    for (const m of [...this.loads.keys()]) if (!keep.has(m)) this.loads.delete(m);
  }

  private loadOf(model: LoadedModel): ModelLoad {
    const load = this.loads.get(model);
    if (!load) throw new Error(`internal error: no source recorded for model ${model.file.model_version}`);
    return load;
  }
}
