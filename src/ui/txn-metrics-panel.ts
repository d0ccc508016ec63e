import { LitElement, html, css, svg, nothing } from 'lit';
import type { DriftReport } from '../core/monitoring/drift';
import type { StoredDecision, MetricsSnapshot, ShadowSection } from '../worker/service-types';
import { DecisionStreamController } from './controllers/decision-stream-controller';
import { MetricsController, DEFAULT_METRICS_INTERVAL_MS } from './controllers/metrics-controller';
import { whenDetector, type DetectorSource } from './detector-source';
import { ScoreHistogram, DEFAULT_BINS } from './model/score-histogram';
import { formatDecimal, formatInt, formatMs, formatPercent, formatScore } from './format';
import { tokens, chips } from './shared-styles';

/** The sections of a snapshot the panel lays out itself; any other section is shown generically. */
const KNOWN_SECTIONS = new Set(['transactions', 'errors', 'by_level', 'by_recommendation', 'latency_ms', 'throughput_per_s', 'high_risk_rate', 'model', 'storage']);

/** Extra sections shown in full, in this order (the rest goes under "More counters"). */
const FEATURED_SECTIONS = ['drift', 'shadow'];

/** Disagreements of champion and shadow listed in the panel (the newest). */
const SHOWN_DISAGREEMENTS = 10;

/** True for the drift section as the worker reports it (`DriftReport`: PSI per series). */
function isDriftReport(v: unknown): v is DriftReport {
  const d = v as Partial<DriftReport> | null;
  return !!d && typeof d === 'object' && Array.isArray(d.features) && Array.isArray(d.warnings) && !!d.score && typeof d.score.psi === 'number';
}

/** True for the shadow section as the worker reports it (`ShadowSection`). */
function isShadowSection(v: unknown): v is ShadowSection {
  const d = v as Partial<ShadowSection> | null;
  return !!d && typeof d === 'object' && typeof d.compared === 'number' && Array.isArray(d.disagreements) && !!d.champion;
}

const formatCorrelation = (r: number | null): string => (r === null ? '–' : formatScore(r));

/** A value of an extra section as short text (numbers formatted, objects as compact JSON). */
function describe(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? formatInt(value) : formatScore(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (value === null || value === undefined) return '–';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

/**
 * Live metrics of a detector: transactions per second, scoring latency (p50/p95/p99), counts
 * per risk level and recommendation, the high-risk rate, a live histogram of risk scores, the
 * model version and hash, and any further sections the detector reports (drift, shadow model).
 * The counters are polled (one small snapshot a second); the histogram is fed by the decision
 * subscription (only new decisions cross the worker boundary).
 *
 * @csspart tiles - the headline numbers
 * @csspart histogram - the risk score histogram (an SVG)
 * @csspart model - the model version and hash
 * @csspart drift-status - the drift verdict (which features drifted, with their PSI)
 * @csspart shadow - the shadow model's agreement with the champion
 */
export class TxnMetricsPanel extends LitElement {
  static override styles = [
    tokens,
    chips,
    css`
      :host {
        display: block;
        container-type: inline-size;
        min-width: 0;
      }
      h3 {
        font-size: 0.95rem;
        margin: 0.9rem 0 0.4rem;
      }
      .tiles {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr));
        gap: 0.5rem;
        margin: 0;
      }
      .tile {
        background: var(--_surface);
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        padding: 0.45rem 0.6rem;
        margin: 0;
      }
      .tile dt {
        font-size: 0.78rem;
        color: var(--_muted);
      }
      .tile dd {
        margin: 0.1rem 0 0;
        font-size: 1.2rem;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
      }
      table {
        border-collapse: collapse;
        width: 100%;
        font-size: 0.85rem;
      }
      th,
      td {
        text-align: left;
        padding: 0.2rem 0.4rem;
        border-bottom: 1px solid var(--_border);
      }
      td.num {
        text-align: right;
        font-variant-numeric: tabular-nums;
      }
      .split {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 0.75rem;
      }
      @container (max-width: 420px) {
        .split {
          grid-template-columns: 1fr;
        }
      }
      svg.hist {
        width: 100%;
        height: 8rem;
        display: block;
      }
      .hist rect.bar {
        fill: var(--_accent);
      }
      .hist rect.bar.medium {
        fill: var(--_medium);
      }
      .hist rect.bar.high {
        fill: var(--_high);
      }
      .hist line {
        stroke: var(--_border);
      }
      .axis {
        display: flex;
        justify-content: space-between;
        font-size: 0.75rem;
        color: var(--_muted);
      }
      .model {
        font-size: 0.85rem;
        margin: 0;
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.15rem 0.6rem;
      }
      .model dt {
        color: var(--_muted);
      }
      .model dd {
        margin: 0;
        font-family: var(--_mono);
        overflow-wrap: anywhere;
      }
      .status {
        color: var(--_muted);
        font-size: 0.85rem;
      }
      .status.warning {
        color: var(--_high);
        font-weight: 600;
      }
      caption {
        text-align: left;
        padding: 0.2rem 0;
      }
      details {
        margin-top: 0.9rem;
        font-size: 0.85rem;
      }
      summary {
        cursor: pointer;
        color: var(--_muted);
      }
    `,
  ];

  static override properties = {
    detector: { attribute: false },
    for: { type: String },
    interval: { type: Number },
    bins: { type: Number },
  };

  /** The detector to watch (set it, or name an `<anomaly-detector>` id in `for`). */
  declare detector: DetectorSource | undefined;
  /** Id of the `<anomaly-detector>` to watch when `detector` is not set. */
  declare for: string;
  /** Polling interval of the counters, ms. Default 1,000. */
  declare interval: number;
  /** Bins of the risk-score histogram. Default 20. */
  declare bins: number;

  private _histogram = new ScoreHistogram(DEFAULT_BINS);
  private _linked: { detector: DetectorSource | undefined; for: string } = { detector: undefined, for: '' };
  private readonly _metrics = new MetricsController(this, () => whenDetector(this, this.detector, this.for));
  private readonly _stream = new DecisionStreamController(this, {
    detector: () => whenDetector(this, this.detector, this.for),
    onDecisions: (decisions) => this.addDecisions(decisions),
  });

  constructor() {
    super();
    this.detector = undefined;
    this.for = '';
    this.interval = DEFAULT_METRICS_INTERVAL_MS;
    this.bins = DEFAULT_BINS;
  }

  /** The latest metrics snapshot. */
  get snapshot(): MetricsSnapshot | undefined {
    return this._metrics.snapshot;
  }

  /** Counts decisions into the histogram (the subscription does this by itself). */
  addDecisions(decisions: readonly Pick<StoredDecision, 'risk_score'>[]): void {
    this._histogram.add(decisions.map((d) => d.risk_score));
    this.requestUpdate();
  }

  /** Empties the histogram. */
  resetHistogram(): void {
    this._histogram.reset();
    this.requestUpdate();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('bins') && this.bins !== this._histogram.bins) this._histogram = new ScoreHistogram(Math.max(2, Math.floor(this.bins) || DEFAULT_BINS));
    if (changed.has('interval')) this._metrics.intervalMs = Math.max(100, this.interval || DEFAULT_METRICS_INTERVAL_MS);
  }

  protected override updated(): void {
    if (this.detector !== this._linked.detector || this.for !== this._linked.for) {
      this._linked = { detector: this.detector, for: this.for };
      this._stream.retarget();
      this._metrics.refresh();
    }
  }

  override render() {
    const m = this._metrics.snapshot;
    if (!m) {
      return html`<p class="status" role="status">
        ${this._metrics.error ? `Metrics unavailable: ${String((this._metrics.error as Error)?.message ?? this._metrics.error)}` : 'Waiting for the detector…'}
      </p>`;
    }
    const present = (k: string) => !KNOWN_SECTIONS.has(k) && m[k] !== undefined && m[k] !== null;
    const featured = FEATURED_SECTIONS.filter(present);
    const more = Object.keys(m).filter((k) => present(k) && !FEATURED_SECTIONS.includes(k));
    return html`
      <dl class="tiles" part="tiles">
        <div class="tile"><dt>Transactions/s</dt><dd>${formatDecimal(m.throughput_per_s)}</dd></div>
        <div class="tile"><dt>Latency p50</dt><dd>${formatMs(m.latency_ms.p50)}</dd></div>
        <div class="tile"><dt>Latency p95</dt><dd>${formatMs(m.latency_ms.p95)}</dd></div>
        <div class="tile"><dt>Latency p99</dt><dd>${formatMs(m.latency_ms.p99)}</dd></div>
        <div class="tile"><dt>High-risk rate</dt><dd>${formatPercent(m.high_risk_rate)}</dd></div>
        <div class="tile"><dt>Transactions</dt><dd>${formatInt(m.transactions)}</dd></div>
        <div class="tile"><dt>Errors</dt><dd>${formatInt(m.errors)}</dd></div>
      </dl>
      <div class="split">
        <section aria-labelledby="by-level">
          <h3 id="by-level">By risk level</h3>
          ${this._renderCounts(m.by_level as Record<string, number>, 'Risk level')}
        </section>
        <section aria-labelledby="by-rec">
          <h3 id="by-rec">By recommendation</h3>
          ${this._renderCounts(m.by_recommendation as Record<string, number>, 'Recommendation')}
        </section>
      </div>
      <section aria-labelledby="hist">
        <h3 id="hist">Risk scores (${formatInt(this._histogram.total)} since opened)</h3>
        ${this._renderHistogram()}
      </section>
      <section aria-labelledby="model">
        <h3 id="model">Model</h3>
        <dl class="model" part="model">
          <dt>Version</dt>
          <dd>${m.model?.modelVersion ?? '–'}</dd>
          <dt>SHA-256</dt>
          <dd>${m.model?.sha256 ?? '–'}</dd>
          <dt>Features</dt>
          <dd>${m.model?.featureSet ?? '–'}</dd>
          ${m.model?.source ? html`<dt>Loaded from</dt><dd>${m.model.source}</dd>` : nothing}
          <dt>Storage</dt>
          <dd>${m.storage}</dd>
        </dl>
      </section>
      ${featured.map((key) => {
        const value = m[key];
        if (key === 'drift' && isDriftReport(value)) return this._renderDrift(value);
        if (key === 'shadow' && isShadowSection(value)) return this._renderShadow(value);
        return this._renderSection(key, value);
      })}
      ${more.length
        ? html`<details>
            <summary>More counters</summary>
            ${more.map((key) => this._renderSection(key, m[key]))}
          </details>`
        : nothing}
    `;
  }

  private _renderCounts(counts: Record<string, number> | undefined, label: string) {
    const entries = Object.entries(counts ?? {});
    const total = entries.reduce((s, [, n]) => s + (Number(n) || 0), 0);
    return html`<table>
      <thead>
        <tr><th scope="col">${label}</th><th scope="col" class="num">Count</th><th scope="col" class="num">Share</th></tr>
      </thead>
      <tbody>
        ${entries.map(
          ([k, n]) => html`<tr><th scope="row"><span class="chip ${k}">${k}</span></th><td class="num">${formatInt(n)}</td><td class="num">${formatPercent(total ? n / total : 0)}</td></tr>`,
        )}
      </tbody>
    </table>`;
  }

  private _renderHistogram() {
    const h = this._histogram;
    const W = 200;
    const H = 80;
    const max = h.max || 1;
    const bw = W / h.bins;
    let peak = 0;
    for (let i = 1; i < h.bins; i++) if (h.counts[i] > h.counts[peak]) peak = i;
    const label =
      h.total === 0
        ? 'Histogram of risk scores: no decisions yet.'
        : `Histogram of ${h.total} risk scores in ${h.bins} bins from 0 to 1; the most (${h.counts[peak]}) between ${formatScore(peak / h.bins)} and ${formatScore((peak + 1) / h.bins)}.`;
    // Square root scale: the few high scores stay visible next to the mass of low ones.
    const height = (c: number) => (c === 0 ? 0 : Math.max(1, (Math.sqrt(c) / Math.sqrt(max)) * (H - 2)));
    return html`<svg class="hist" part="histogram" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label=${label}>
      ${Array.from(h.counts, (c, i) => {
        const bh = height(c);
        const lo = i / h.bins;
        const cls = lo >= 0.7 ? 'bar high' : lo >= 0.3 ? 'bar medium' : 'bar';
        return svg`<rect class=${cls} x=${i * bw + 0.5} y=${H - bh} width=${Math.max(0.5, bw - 1)} height=${bh}><title>${formatScore(lo)}–${formatScore(lo + 1 / h.bins)}: ${c}</title></rect>`;
      })}
      ${svg`<line x1="0" y1=${H - 0.5} x2=${W} y2=${H - 0.5}></line>`}
    </svg>
    <div class="axis" aria-hidden="true"><span>0</span><span>0.5</span><span>1</span></div>`;
  }

  private _renderDrift(d: DriftReport) {
    const series = [d.score, ...d.features];
    const psi = new Map(series.map((e) => [e.feature, e.psi]));
    return html`<section aria-labelledby="drift" data-section="drift">
      <h3 id="drift">Drift (PSI over the last ${formatInt(d.window)} transactions)</h3>
      <p class="status ${d.warnings.length ? 'warning' : ''}" role="status" part="drift-status">
        ${!d.ready
          ? 'Collecting a window before judging drift.'
          : d.warnings.length
            ? `Drift above ${formatScore(d.threshold)}: ${d.warnings.map((f) => `${f} (PSI ${formatScore(psi.get(f) ?? NaN)})`).join(', ')}.`
            : `No drift above ${formatScore(d.threshold)}.`}
        ${d.note ?? ''}
      </p>
      <table>
        <thead>
          <tr><th scope="col">Series</th><th scope="col" class="num">PSI</th><th scope="col">State</th></tr>
        </thead>
        <tbody>
          ${series.map(
            (e) => html`<tr>
              <th scope="row">${e.feature}</th>
              <td class="num">${formatScore(e.psi)}</td>
              <td>${e.warning ? html`<span class="chip HIGH">drift</span>` : html`<span class="chip LOW">stable</span>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }

  private _renderShadow(sh: ShadowSection) {
    const recent = sh.disagreements.slice(-SHOWN_DISAGREEMENTS).reverse();
    const side = (x: ShadowSection['disagreements'][number]['champion']) =>
      html`<span class="chip ${x.recommendation}">${x.recommendation}</span> <span class="num">${formatScore(x.risk_score)}</span>`;
    return html`<section aria-labelledby="shadow" data-section="shadow">
      <h3 id="shadow">Shadow model</h3>
      <dl class="model" part="shadow">
        <dt>Champion</dt>
        <dd>${sh.champion.model_version}</dd>
        <dt>Shadow</dt>
        <dd>${sh.shadow?.model_version ?? '–'}</dd>
        <dt>Compared</dt>
        <dd>${formatInt(sh.compared)}</dd>
        <dt>Agreement</dt>
        <dd>${sh.agreement_rate === null ? '–' : formatPercent(sh.agreement_rate)}</dd>
        <dt>Risk score correlation</dt>
        <dd>${formatCorrelation(sh.risk_score_correlation)}</dd>
        <dt>Model score correlation</dt>
        <dd>${formatCorrelation(sh.model_score_correlation)}</dd>
        <dt>Disagreements</dt>
        <dd>${formatInt(sh.disagreements_total)}</dd>
        ${sh.can_rollback ? html`<dt>Rollback</dt><dd>available (the shadow is the previous champion)</dd>` : nothing}
      </dl>
      ${recent.length
        ? html`<table data-table="disagreements">
            <caption class="status">Recent disagreements on the recommendation (newest first)</caption>
            <thead>
              <tr><th scope="col">Transaction</th><th scope="col">User</th><th scope="col">Champion</th><th scope="col">Shadow</th></tr>
            </thead>
            <tbody>
              ${recent.map(
                (x) => html`<tr>
                  <th scope="row">${x.transaction_id}</th>
                  <td>${x.user_id}</td>
                  <td>${side(x.champion)}</td>
                  <td>${side(x.shadow)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="status">No disagreements on the recommendation.</p>`}
    </section>`;
  }

  private _renderSection(key: string, value: unknown) {
    const title = key.charAt(0).toUpperCase() + key.slice(1).replace(/_/g, ' ');
    const isRecord = !!value && typeof value === 'object' && !Array.isArray(value);
    return html`<section aria-label=${title} data-section=${key}>
      <h3>${title}</h3>
      ${isRecord
        ? html`<dl class="model">${Object.entries(value as Record<string, unknown>).map(([k, v]) => html`<dt>${k.replace(/_/g, ' ')}</dt><dd>${describe(v)}</dd>`)}</dl>`
        : html`<p class="status">${describe(value)}</p>`}
    </section>`;
  }
}

customElements.define('txn-metrics-panel', TxnMetricsPanel);

declare global {
  interface HTMLElementTagNameMap {
    'txn-metrics-panel': TxnMetricsPanel;
  }
}
