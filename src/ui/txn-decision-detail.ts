import { LitElement, html, css, nothing } from 'lit';
import type { StoredDecision } from '../worker/service-types';
import { AnalystLabel } from '../worker/service-types';
import type { DetectorSource } from './detector-source';
import { UserHistoryController, HistoryStatus } from './controllers/user-history-controller';
import { readContributions } from './txn-contribution-chart';
import './txn-contribution-chart';
import { tokens, controls, chips } from './shared-styles';
import { formatAmount, formatScore } from './format';

/** Detail of the `analyst-label` event. */
export interface AnalystLabelDetail {
  transaction_id: string;
  label: AnalystLabel;
  /** The decision with the label applied. */
  decision: StoredDecision;
}

/** How many history entries the detail lists. */
const HISTORY_ROWS = 20;

/**
 * The full decision for one transaction: the transaction, the score and how it was reached
 * (reason details, model score, the explanation when there is one), the user's recent history,
 * and the analyst's verdict ("confirmed fraud" / "legitimate", stored with the decision through
 * the detector's `label`). Every field renders as text.
 *
 * @fires analyst-label - after a verdict was stored; detail {@link AnalystLabelDetail}. Bubbles, composed.
 * @fires error - when storing a verdict failed; detail `{ error }`. Bubbles, composed.
 * @csspart actions - the verdict buttons
 * @csspart history - the history table
 */
export class TxnDecisionDetail extends LitElement {
  static override styles = [
    tokens,
    controls,
    chips,
    css`
      :host {
        display: block;
      }
      h3 {
        font-size: 1rem;
        margin: 1rem 0 0.4rem;
      }
      dl {
        display: grid;
        grid-template-columns: max-content 1fr;
        gap: 0.2rem 0.75rem;
        margin: 0;
        font-size: 0.9rem;
      }
      dt {
        color: var(--_muted);
      }
      dd {
        margin: 0;
        overflow-wrap: anywhere;
      }
      .mono {
        font-family: var(--_mono);
      }
      ul.reasons {
        margin: 0;
        padding-left: 1.2rem;
      }
      ul.reasons code {
        font-weight: 600;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-top: 0.5rem;
      }
      button[aria-pressed='true'] {
        background: var(--_accent);
        color: var(--_accent-fg);
        border-color: var(--_accent);
      }
      .status {
        color: var(--_muted);
        font-size: 0.85rem;
      }
      .table-wrap {
        overflow-x: auto;
      }
      table {
        border-collapse: collapse;
        font-size: 0.85rem;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.2rem 0.5rem 0.2rem 0;
        border-bottom: 1px solid var(--_border);
        white-space: nowrap;
      }
      td.num,
      th.num {
        text-align: right;
      }
      tr.current td {
        font-weight: 700;
      }
      p.summary {
        margin: 0 0 0.3rem;
        font-weight: 600;
      }
      pre {
        white-space: pre-wrap;
        overflow-wrap: anywhere;
        font-size: 0.8rem;
        background: var(--_surface);
        padding: 0.5rem;
        border-radius: var(--_radius);
        margin: 0;
      }
    `,
  ];

  static override properties = {
    decision: { attribute: false },
    detector: { attribute: false },
    _saving: { state: true },
    _message: { state: true },
  };

  /** The decision shown. */
  declare decision: StoredDecision | undefined;
  /** Where history is read and verdicts stored. */
  declare detector: DetectorSource | undefined;
  declare private _saving: boolean;
  declare private _message: string;

  private readonly _history = new UserHistoryController(this);

  constructor() {
    super();
    this.decision = undefined;
    this.detector = undefined;
    this._saving = false;
    this._message = '';
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('decision')) {
      const before = changed.get('decision') as StoredDecision | undefined;
      if (before?.transaction_id !== this.decision?.transaction_id) this._message = '';
    }
    this._history.show(this.detector, this.decision?.user_id);
  }

  override render() {
    const d = this.decision;
    if (!d) return html`<p class="status">No decision selected.</p>`;
    const t = d.transaction;
    const contributions = readContributions(d.explanation);
    return html`
      <dl>
        <dt>Recommendation</dt>
        <dd><span class="chip ${d.recommendation}">${d.recommendation}</span></dd>
        <dt>Risk</dt>
        <dd><span class="chip ${d.risk_level}">${d.risk_level}</span> <span class="mono">${formatScore(d.risk_score)}</span></dd>
        <dt>Transaction</dt>
        <dd class="mono">${d.transaction_id}</dd>
        <dt>User</dt>
        <dd><span class="mono">${d.user_id}</span>${t?.user_name ? ` (${t.user_name})` : ''}</dd>
        <dt>Amount</dt>
        <dd class="mono">${t ? formatAmount(t.amount) : '–'}</dd>
        <dt>Location</dt>
        <dd>${t?.location ?? '–'}${t?.country ? `, ${t.country}` : ''}</dd>
        <dt>Merchant</dt>
        <dd>${t?.merchant_type ?? '–'}${t?.mcc_code ? ` (MCC ${t.mcc_code})` : ''}</dd>
        <dt>Time</dt>
        <dd class="mono">${t?.timestamp ?? '–'}</dd>
        <dt>Model score</dt>
        <dd class="mono">${formatScore(d.model_score)} (decision function ${formatScore(d.decision_function)})</dd>
        <dt>Model</dt>
        <dd class="mono">${d.model_version}${d.model_sha256 ? ` · ${d.model_sha256.slice(0, 12)}` : ''}</dd>
      </dl>

      <h3>Reasons</h3>
      ${d.reason_codes.length === 0
        ? html`<p class="status">No rule fired; the score is the model's.</p>`
        : html`<ul class="reasons">
            ${d.reason_codes.map((code, i) => html`<li><code>${code}</code>: ${d.reason_details[i] ?? ''}</li>`)}
          </ul>`}

      ${d.explanation === undefined || d.explanation === null ? nothing : this._renderExplanation(d.explanation, contributions)}

      <h3>Analyst verdict</h3>
      <div class="actions" part="actions" role="group" aria-label="Analyst verdict">
        <button type="button" aria-pressed=${d.analyst_label === AnalystLabel.CONFIRMED_FRAUD ? 'true' : 'false'} ?disabled=${this._saving || !this.detector} @click=${this._onConfirmFraud}>
          Confirmed fraud
        </button>
        <button type="button" aria-pressed=${d.analyst_label === AnalystLabel.LEGITIMATE ? 'true' : 'false'} ?disabled=${this._saving || !this.detector} @click=${this._onLegitimate}>
          Legitimate
        </button>
        <span class="status" role="status">${this._message}</span>
      </div>

      <h3>Recent history of ${d.user_id}</h3>
      ${this._renderHistory(d)}
    `;
  }

  private _renderExplanation(explanation: unknown, contributions: ReturnType<typeof readContributions>) {
    const e = explanation as { summary?: unknown; baseline?: { display?: unknown }; value?: unknown; base_value?: unknown };
    const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const value = num(e.value);
    const base = num(e.base_value);
    return html`<h3>Explanation</h3>
      ${text(e.summary) ? html`<p class="summary">${text(e.summary)}</p>` : nothing}
      ${text(e.baseline?.display) ? html`<p class="status">Baseline: ${text(e.baseline?.display)}</p>` : nothing}
      ${value !== undefined && base !== undefined
        ? html`<p class="status">Anomaly score ${formatScore(value)} against ${formatScore(base)} for a typical transaction.</p>`
        : nothing}
      ${contributions
        ? html`<txn-contribution-chart .contributions=${contributions}></txn-contribution-chart>`
        : html`<pre>${JSON.stringify(explanation, null, 2)}</pre>`}`;
  }

  private _renderHistory(d: StoredDecision) {
    const h = this._history;
    if (h.status === HistoryStatus.LOADING && h.entries.length === 0) return html`<p class="status">Loading history…</p>`;
    if (h.status === HistoryStatus.ERROR) return html`<p class="status">History unavailable: ${String((h.error as Error)?.message ?? h.error)}</p>`;
    if (h.entries.length === 0) return html`<p class="status">No history for this user.</p>`;
    const rows = h.entries.slice(0, HISTORY_ROWS);
    return html`<div class="table-wrap" part="history">
      <table>
        <caption class="visually-hidden">Latest ${rows.length} of ${h.entries.length} transactions of ${d.user_id}</caption>
        <thead>
          <tr><th scope="col">When (UTC)</th><th scope="col">Transaction</th><th scope="col">Location</th><th scope="col">Merchant</th><th scope="col" class="num">Amount</th><th scope="col" class="num">Hour</th></tr>
        </thead>
        <tbody>
          ${rows.map(
            (e) => html`<tr class=${e.transaction_id === d.transaction_id ? 'current' : ''}>
              <td class="mono">${new Date(e.epochMs).toISOString().replace('T', ' ').slice(0, 19)}</td>
              <td class="mono">${e.transaction_id}</td>
              <td>${e.location}</td>
              <td>${e.merchant_type}</td>
              <td class="num mono">${formatAmount(e.amount)}</td>
              <td class="num mono">${e.localHour}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p class="status">Newest ${rows.length} of ${h.entries.length} held in the user's history.</p>`;
  }

  private _onConfirmFraud(): void {
    void this._store(AnalystLabel.CONFIRMED_FRAUD);
  }

  private _onLegitimate(): void {
    void this._store(AnalystLabel.LEGITIMATE);
  }

  private async _store(label: AnalystLabel): Promise<void> {
    const d = this.decision;
    const detector = this.detector;
    if (!d || !detector) return;
    this._saving = true;
    this._message = 'Saving…';
    try {
      await detector.label(d.transaction_id, label);
      if (this.decision?.transaction_id !== d.transaction_id) return;
      const decision: StoredDecision = { ...d, analyst_label: label };
      this.decision = decision;
      this._message = label === AnalystLabel.CONFIRMED_FRAUD ? 'Stored: confirmed fraud.' : 'Stored: legitimate.';
      this.dispatchEvent(
        new CustomEvent<AnalystLabelDetail>('analyst-label', { detail: { transaction_id: d.transaction_id, label, decision }, bubbles: true, composed: true }),
      );
    } catch (error) {
      this._message = `Could not store the verdict: ${String((error as Error)?.message ?? error)}`;
      this.dispatchEvent(new CustomEvent('error', { detail: { error }, bubbles: true, composed: true }));
    } finally {
      this._saving = false;
    }
  }
}

customElements.define('txn-decision-detail', TxnDecisionDetail);

declare global {
  interface HTMLElementTagNameMap {
    'txn-decision-detail': TxnDecisionDetail;
  }
}
