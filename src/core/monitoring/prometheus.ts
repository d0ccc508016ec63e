/**
 * Detector metrics in the Prometheus text exposition format (version 0.0.4): decisions by risk
 * level and recommendation, rejected inputs, a histogram of scoring latency, drift gauges,
 * shadow-model agreement and the model's identity. Pure: the caller measures time (core never
 * reads a clock) and writes the text wherever it goes (a file, a push gateway, a scrape handler).
 */
import { Recommendation, RiskLevel, type DetectionResult, type ErrorResult } from '../contract/types';
import type { LoadedModel } from '../forest/model-file';
import type { DriftReport } from './drift';
import type { ModelRef, ShadowStats } from './shadow';

/** Default latency buckets in seconds: 10 µs to 1 s (one in-process decision takes tens of µs). */
export const DEFAULT_LATENCY_BUCKETS: readonly number[] = Object.freeze([
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
]);

/** The content type of the exposition, for an HTTP response or a push. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** One sample of a metric family. */
export interface Sample {
  /** Full sample name (a histogram's `_bucket`, `_sum`, `_count` included). */
  name: string;
  labels?: Record<string, string>;
  value: number;
}

/** A metric family: HELP, TYPE and its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'untyped';
  samples: Sample[];
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Prometheus writes it: "+Inf", "-Inf", "NaN" or a float. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders metric families as the text exposition format (families in order, one trailing newline). */
export function renderExposition(families: readonly MetricFamily[]): string {
  let out = '';
  for (const f of families) {
    if (!NAME.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) {
      if (!NAME.test(s.name)) throw new Error(`invalid sample name "${s.name}"`);
      const labels = Object.entries(s.labels ?? {});
      for (const [k] of labels) if (!LABEL.test(k) || k.startsWith('__')) throw new Error(`invalid label name "${k}" on ${s.name}`);
      const text = labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
      out += `${s.name}${text} ${formatValue(s.value)}\n`;
    }
  }
  return out;
}

/** What the exposition may add besides the counters. */
export interface ExpositionExtras {
  /** The champion model (txn_anomaly_model_info). */
  model?: LoadedModel | ModelRef;
  /** A drift report (txn_anomaly_drift_*). */
  drift?: DriftReport;
  /** Shadow statistics (txn_anomaly_shadow_*). */
  shadow?: ShadowStats;
}

const LEVELS: readonly RiskLevel[] = [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH];
const RECOMMENDATIONS: readonly Recommendation[] = [Recommendation.APPROVE, Recommendation.REVIEW, Recommendation.BLOCK];

/**
 * Counters and the latency histogram of a detector, rendered on demand with {@link toPrometheus}.
 * Record every outcome with `record`, and each scoring call's wall time with `observeLatency`.
 */
export class DetectorMetrics {
  readonly buckets: readonly number[];
  private readonly decided = new Map<string, number>();
  private errors = 0;
  private readonly bucketCounts: Float64Array;
  private latencyCount = 0;
  private latencySum = 0;

  constructor(options: { buckets?: readonly number[] } = {}) {
    const b = options.buckets ?? DEFAULT_LATENCY_BUCKETS;
    for (let i = 0; i < b.length; i++) {
      if (!Number.isFinite(b[i]) || (i > 0 && !(b[i] > b[i - 1]))) throw new RangeError('latency buckets must be finite and strictly increasing');
    }
    this.buckets = Object.freeze([...b]);
    this.bucketCounts = new Float64Array(b.length);
    for (const level of LEVELS) for (const rec of RECOMMENDATIONS) this.decided.set(`${level}|${rec}`, 0);
  }

  /** Counts a decision, or a rejected input. */
  record(outcome: DetectionResult | ErrorResult): void {
    if ('error' in outcome) {
      this.errors++;
      return;
    }
    const key = `${outcome.risk_level}|${outcome.recommendation}`;
    this.decided.set(key, (this.decided.get(key) ?? 0) + 1);
  }

  /** Counts every outcome of a batch. */
  recordAll(outcomes: Iterable<DetectionResult | ErrorResult>): void {
    for (const o of outcomes) this.record(o);
  }

  /**
   * Observes a scoring latency in seconds, `count` times (a batch of n decided in t seconds is
   * observed as n decisions of t / n each).
   */
  observeLatency(seconds: number, count = 1): void {
    if (!(seconds >= 0) || !(count >= 0)) throw new RangeError(`latency and count must be >= 0, got ${seconds} and ${count}`);
    for (let i = 0; i < this.buckets.length; i++) if (seconds <= this.buckets[i]) this.bucketCounts[i] += count;
    this.latencyCount += count;
    this.latencySum += seconds * count;
  }

  /** Decisions counted so far, by "LEVEL|RECOMMENDATION". */
  get decisions(): ReadonlyMap<string, number> {
    return this.decided;
  }

  /** Rejected inputs so far. */
  get errorCount(): number {
    return this.errors;
  }

  /** The metric families: counters, histogram, and the extras given. */
  families(extras: ExpositionExtras = {}): MetricFamily[] {
    const families: MetricFamily[] = [
      {
        name: 'txn_anomaly_transactions_total',
        help: 'Transactions decided, by risk level and recommendation.',
        type: 'counter',
        samples: [...this.decided].map(([key, value]) => {
          const [risk_level, recommendation] = key.split('|');
          return { name: 'txn_anomaly_transactions_total', labels: { risk_level, recommendation }, value };
        }),
      },
      { name: 'txn_anomaly_errors_total', help: 'Inputs rejected by validation (nothing of them was stored).', type: 'counter', samples: [{ name: 'txn_anomaly_errors_total', value: this.errors }] },
      {
        name: 'txn_anomaly_scoring_latency_seconds',
        help: 'Scoring latency per transaction in seconds (batches: wall time divided by batch size).',
        type: 'histogram',
        samples: [
          ...this.buckets.map((b, i) => ({ name: 'txn_anomaly_scoring_latency_seconds_bucket', labels: { le: formatValue(b) }, value: this.bucketCounts[i] })),
          { name: 'txn_anomaly_scoring_latency_seconds_bucket', labels: { le: '+Inf' }, value: this.latencyCount },
          { name: 'txn_anomaly_scoring_latency_seconds_sum', value: this.latencySum },
          { name: 'txn_anomaly_scoring_latency_seconds_count', value: this.latencyCount },
        ],
      },
    ];
    const { model, drift, shadow } = extras;
    if (model) {
      const r = 'file' in model ? { model_version: model.file.model_version, sha256: model.file.sha256 } : model;
      families.push({
        name: 'txn_anomaly_model_info',
        help: 'The model deciding transactions (always 1; its identity is in the labels).',
        type: 'gauge',
        samples: [{ name: 'txn_anomaly_model_info', labels: { version: r.model_version, sha256: r.sha256 }, value: 1 }],
      });
    }
    if (drift) {
      families.push(
        {
          name: 'txn_anomaly_drift_psi',
          help: 'Population stability index of each feature and of the score over the recent window, against training.',
          type: 'gauge',
          samples: [...drift.features, drift.score].map((e) => ({ name: 'txn_anomaly_drift_psi', labels: { feature: e.feature }, value: e.psi })),
        },
        {
          name: 'txn_anomaly_drift_warning',
          help: `1 when the PSI of some feature or of the score exceeds ${drift.threshold} (with enough transactions in the window), else 0.`,
          type: 'gauge',
          samples: [{ name: 'txn_anomaly_drift_warning', value: drift.warnings.length > 0 ? 1 : 0 }],
        },
        {
          name: 'txn_anomaly_drift_window_transactions',
          help: 'Transactions in the drift window.',
          type: 'gauge',
          samples: [{ name: 'txn_anomaly_drift_window_transactions', value: drift.window }],
        },
      );
    }
    if (shadow && shadow.shadow) {
      families.push(
        {
          name: 'txn_anomaly_shadow_model_info',
          help: 'The shadow model scored alongside the champion (always 1).',
          type: 'gauge',
          samples: [{ name: 'txn_anomaly_shadow_model_info', labels: { version: shadow.shadow.model_version, sha256: shadow.shadow.sha256 }, value: 1 }],
        },
        {
          name: 'txn_anomaly_shadow_compared_total',
          help: 'Transactions scored by both champion and shadow.',
          type: 'counter',
          samples: [{ name: 'txn_anomaly_shadow_compared_total', value: shadow.compared }],
        },
        {
          name: 'txn_anomaly_shadow_disagreements_total',
          help: 'Transactions on which champion and shadow recommend differently.',
          type: 'counter',
          samples: [{ name: 'txn_anomaly_shadow_disagreements_total', value: shadow.disagreements_total }],
        },
        {
          name: 'txn_anomaly_shadow_agreement_ratio',
          help: 'Share of compared transactions with the same recommendation.',
          type: 'gauge',
          samples: shadow.agreement_rate === null ? [] : [{ name: 'txn_anomaly_shadow_agreement_ratio', value: shadow.agreement_rate }],
        },
        {
          name: 'txn_anomaly_shadow_risk_score_correlation',
          help: 'Pearson correlation of champion and shadow risk scores.',
          type: 'gauge',
          samples: shadow.risk_score_correlation === null ? [] : [{ name: 'txn_anomaly_shadow_risk_score_correlation', value: shadow.risk_score_correlation }],
        },
      );
    }
    return families;
  }

  /** The text exposition of {@link families}. */
  toPrometheus(extras: ExpositionExtras = {}): string {
    return renderExposition(this.families(extras));
  }
}
