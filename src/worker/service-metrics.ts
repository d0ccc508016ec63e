/**
 * Live counters of one detector service: decisions by level and recommendation, errors, call
 * latency percentiles over the last calls, and throughput over the last seconds.
 */
import { Recommendation, RiskLevel } from '../core/contract/types';
import type { BatchRecord } from './db-schema';
import { RECOMMENDATIONS, RISK_LEVELS } from './log-record';

/** Calls whose latency is kept for the percentiles. */
const LATENCY_WINDOW = 1024;
/** Throughput is measured over this many milliseconds. */
const THROUGHPUT_WINDOW_MS = 5000;

/** The counters part of `MetricsSnapshot`. */
export interface CounterSnapshot {
  transactions: number;
  /** Items answered with a decision taken earlier (idempotent repeats; not counted in `transactions`). */
  repeats: number;
  errors: number;
  by_level: Record<RiskLevel, number>;
  by_recommendation: Record<Recommendation, number>;
  latency_ms: { p50: number; p95: number; p99: number };
  throughput_per_s: number;
  high_risk_rate: number;
}

/** Counters of a service. */
export class ServiceMetrics {
  private transactions = 0;
  private repeats = 0;
  private errors = 0;
  private readonly levels = new Float64Array(RISK_LEVELS.length);
  private readonly recommendations = new Float64Array(RECOMMENDATIONS.length);
  private readonly latencies = new Float64Array(LATENCY_WINDOW);
  private latencyCount = 0;
  /** (time, decisions) of recent calls, oldest first. */
  private recent: Array<[number, number]> = [];
  private firstAt: number | null = null;

  /** Records one call: its committed record (fresh decisions), repeats, invalid items and duration. */
  record(rec: BatchRecord | null, repeats: number, errors: number, ms: number, now: number): void {
    const fresh = rec ? rec.n : 0;
    this.transactions += fresh;
    this.repeats += repeats;
    this.errors += errors;
    if (rec) {
      for (let k = 0; k < rec.n; k++) {
        this.levels[rec.risk_level[k]]++;
        this.recommendations[rec.recommendation[k]]++;
      }
    }
    this.latencies[this.latencyCount++ % LATENCY_WINDOW] = ms;
    this.firstAt ??= now - ms;
    this.recent.push([now, fresh]);
    this.trim(now);
  }

  /** Counts an item rejected before scoring. */
  recordErrors(errors: number): void {
    this.errors += errors;
  }

  snapshot(now: number): CounterSnapshot {
    this.trim(now);
    const n = Math.min(this.latencyCount, LATENCY_WINDOW);
    const sorted = Array.from(this.latencies.subarray(0, n)).sort((a, b) => a - b);
    const pct = (p: number) => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.floor(p * n))]);
    const span = this.firstAt === null ? 0 : Math.min(THROUGHPUT_WINDOW_MS, now - this.firstAt);
    const recentCount = this.recent.reduce((s, [, c]) => s + c, 0);
    const byLevel = Object.fromEntries(RISK_LEVELS.map((l, i) => [l, this.levels[i]])) as Record<RiskLevel, number>;
    return {
      transactions: this.transactions,
      repeats: this.repeats,
      errors: this.errors,
      by_level: byLevel,
      by_recommendation: Object.fromEntries(RECOMMENDATIONS.map((r, i) => [r, this.recommendations[i]])) as Record<Recommendation, number>,
      latency_ms: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
      throughput_per_s: span > 0 ? (recentCount * 1000) / span : 0,
      high_risk_rate: this.transactions > 0 ? byLevel.HIGH / this.transactions : 0,
    };
  }

  private trim(now: number): void {
    let drop = 0;
    while (drop < this.recent.length && this.recent[drop][0] <= now - THROUGHPUT_WINDOW_MS) drop++;
    if (drop > 0) this.recent = this.recent.slice(drop);
  }
}
