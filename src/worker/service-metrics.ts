/**
 * Live counters of one detector service: decisions by level and recommendation, errors, call
 * latency percentiles over the last calls, and throughput over the last seconds. The counters and
 * the latency histogram are the core's `DetectorMetrics`, which also renders them in the
 * Prometheus text exposition format.
 */
import type { DetectionResult, ErrorResult, Recommendation, RiskLevel } from '../core/contract/types';
import { DetectorMetrics, type ExpositionExtras } from '../core/monitoring/prometheus';
import { RECOMMENDATIONS, RISK_LEVELS } from './record-columns';
import type { CounterSnapshot } from './service-types';

/** Calls whose latency is kept for the percentiles. */
const LATENCY_WINDOW = 1024;
/** Throughput is measured over this many milliseconds. */
const THROUGHPUT_WINDOW_MS = 5000;


/** Counters of a service. */
export class ServiceMetrics {
  /** Decisions by level and recommendation, errors and the latency histogram (Prometheus). */
  private readonly counters = new DetectorMetrics();
  private repeats = 0;
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;
  /** (time, decisions) of recent calls, oldest first. */
  private recent: Array<[number, number]> = [];
  private firstAt: number | null = null;

  /**
   * Records one call: its fresh (committed) decisions, repeats, rejected items, and its duration
   * over `items` scored items (the histogram observes each item at `ms / items`).
   */
  record(fresh: readonly DetectionResult[], repeats: number, errors: readonly ErrorResult[], items: number, ms: number, now: number): void {
    this.counters.recordAll(fresh);
    this.counters.recordAll(errors);
    this.repeats += repeats;
    if (items > 0) this.counters.observeLatency(ms / 1000 / items, items);
    this.latencies[this.latencyCount++ % LATENCY_WINDOW] = ms;
    this.firstAt ??= now - ms;
    this.recent.push([now, fresh.length]);
    this.trim(now);
  }

  /** Counts items rejected before scoring. */
  recordErrors(errors: readonly ErrorResult[]): void {
    this.counters.recordAll(errors);
  }

  snapshot(now: number): CounterSnapshot {
    this.trim(now);
    const n = Math.min(this.latencyCount, LATENCY_WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, n)).sort((a, b) => a - b);
    const pct = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(p * n))]);
    const span = this.firstAt === null ? 0 : Math.min(THROUGHPUT_WINDOW_MS, now - this.firstAt);
    const recentCount = this.recent.reduce((s, [, c]) => s + c, 0);
    const byLevel = Object.fromEntries(RISK_LEVELS.map((l) => [l, 0])) as Record<RiskLevel, number>;
    const byRecommendation = Object.fromEntries(RECOMMENDATIONS.map((r) => [r, 0])) as Record<Recommendation, number>;
    let transactions = 0;
    for (const [key, count] of this.counters.decisions) {
      const [level, recommendation] = key.split('|') as [RiskLevel, Recommendation];
      byLevel[level] += count;
      byRecommendation[recommendation] += count;
      transactions += count;
    }
    return {
      transactions,
      repeats: this.repeats,
      errors: this.counters.errorCount,
      by_level: byLevel,
      by_recommendation: byRecommendation,
      latency_ms: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      throughput_per_s: span > 0 ? (recentCount * 1000) / span : 0,
      high_risk_rate: transactions > 0 ? byLevel.HIGH / transactions : 0,
    };
  }

  /** The Prometheus text exposition of the counters, the histogram and `extras` (model, drift, shadow). */
  toPrometheus(extras: ExpositionExtras): string {
    return this.counters.toPrometheus(extras);
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop][0] <= now - THROUGHPUT_WINDOW_MS) drop++;
    if (drop > 0) this.recent = this.recent.slice(drop);
  }
}
