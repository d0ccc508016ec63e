import { LitElement, html, css, nothing } from 'lit';
import { ReasonCode, Recommendation, RiskLevel } from '../core/contract/types';
import type { StoredDecision } from '../worker/service-types';
import { DecisionStreamController } from './controllers/decision-stream-controller';
import { SizeController } from './controllers/size-controller';
import { whenDetector, type DetectorSource } from './detector-source';
import { styleProps } from './directives/style-props';
import { ALERTS, DecisionBuffer, DEFAULT_CAPACITY, type DecisionFilter } from './model/decision-buffer';
import { downloadText, toCsv, toJsonl } from './model/export';
import { formatAmount, formatInt, formatScore } from './format';
import { tokens, controls, chips } from './shared-styles';
import type { AnalystLabelDetail } from './txn-decision-detail';
import './txn-decision-detail';

/** Export formats of the decision log. */
export const ExportFormat = { CSV: 'csv', JSONL: 'jsonl' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];

/** Rows rendered beyond the visible ones, above and below, so fast scrolling shows no gaps. */
const OVERSCAN = 8;

/** The transaction's own wall-clock time, `MM-DD HH:MM:SS`, straight from its timestamp text. */
function shortTime(ts: string | undefined): string {
  return ts && ts.length >= 19 ? `${ts.slice(5, 10)} ${ts.slice(11, 19)}` : (ts ?? '');
}

/**
 * The live alert feed: every decision, newest first, in a virtualized grid that stays smooth
 * with 100,000 rows (only the visible rows exist in the DOM). Filter by level, recommendation and
 * reason code; search by user or transaction id; a row opens the full decision, where an analyst
 * stores "confirmed fraud" or "legitimate"; the decisions shown export as CSV or JSONL.
 *
 * Decisions arrive through the detector's subscription (only new decisions cross the worker
 * boundary); on connect the newest `backfill` decisions of the log are loaded first. Rows can
 * also be added directly with `addDecisions`.
 *
 * Keyboard: the grid is one tab stop; arrow keys, Page Up/Down, Home and End move the active row;
 * Enter or Space opens it; Escape closes the detail.
 *
 * @fires decision-select - a row was opened, detail `StoredDecision`.
 * @fires analyst-label - (from the detail view) a verdict was stored, detail `AnalystLabelDetail`. Bubbles, composed.
 * @fires export - the decision log was exported, detail `{ format, count }`.
 * @csspart toolbar - the filters, search and export buttons
 * @csspart grid - the scrolling grid
 * @csspart row - one decision row
 * @csspart detail - the detail dialog
 * @cssprop --txn-feed-height - height of the grid (default 28rem)
 */
export class TxnAlertFeed extends LitElement {
  static override styles = [
    tokens,
    controls,
    chips,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: 0.5rem;
        container-type: inline-size;
        min-width: 0;
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: flex-end;
      }
      .toolbar label {
        flex: 1 1 8rem;
      }
      .toolbar label.search {
        flex: 2 1 12rem;
      }
      .toolbar .exports {
        display: flex;
        gap: 0.5rem;
      }
      .summary {
        font-size: 0.85rem;
        color: var(--_muted);
        margin: 0;
      }
      .grid {
        position: relative;
        height: var(--txn-feed-height, 28rem);
        overflow: auto;
        overflow-anchor: none;
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_bg);
        contain: strict;
      }
      .row {
        display: grid;
        grid-template-columns: 7.5rem minmax(8.5rem, 1fr) minmax(5.5rem, 0.8fr) 6.5rem minmax(5rem, 0.8fr) 3.5rem 5rem 5.5rem minmax(7rem, 1.4fr);
        align-items: center;
        gap: 0 0.5rem;
        padding: 0 0.5rem;
        height: var(--_row-h, 40px);
        border-bottom: 1px solid var(--_border);
        font-size: 0.85rem;
        white-space: nowrap;
        min-width: 100%;
      }
      .row > * {
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .head-group {
        position: sticky;
        top: 0;
        z-index: 1;
      }
      .head {
        background: var(--_surface);
        font-weight: 600;
        color: var(--_muted);
      }
      .body {
        position: relative;
      }
      .body .row {
        position: absolute;
        left: 0;
        right: 0;
        cursor: pointer;
      }
      .body .row:hover {
        background: var(--_surface);
      }
      .body .row.active {
        outline: 2px solid var(--_focus);
        outline-offset: -2px;
      }
      .grid:not(:focus-visible) .row.active {
        outline-color: var(--_border);
      }
      .num {
        text-align: right;
        font-family: var(--_mono);
      }
      .mono {
        font-family: var(--_mono);
      }
      .reasons {
        color: var(--_muted);
      }
      .labelled {
        margin-left: 0.3rem;
      }
      .empty {
        padding: 2rem 1rem;
        color: var(--_muted);
        text-align: center;
      }
      dialog {
        width: min(52rem, 100vw - 1rem);
        max-height: calc(100vh - 2rem);
        padding: 0;
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        background: var(--_bg);
        color: var(--_fg);
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.45);
      }
      dialog header {
        position: sticky;
        top: 0;
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 0.5rem;
        padding: 0.6rem 1rem;
        background: var(--_surface);
        border-bottom: 1px solid var(--_border);
      }
      dialog h2 {
        margin: 0;
        font-size: 1.05rem;
        overflow-wrap: anywhere;
      }
      dialog .content {
        padding: 0.5rem 1rem 1rem;
      }
      @container (max-width: 1000px) {
        .row {
          grid-template-columns: minmax(8rem, 1fr) minmax(5rem, 0.8fr) 6.5rem minmax(5rem, 0.8fr) 3.5rem 5.5rem minmax(7rem, 1.4fr);
        }
        .c-time,
        .c-level {
          display: none;
        }
      }
      @container (max-width: 760px) {
        .row {
          grid-template-columns: minmax(5rem, 1fr) 6rem 3.6rem 5.2rem minmax(5rem, 1fr);
        }
        .c-time,
        .c-txn,
        .c-loc,
        .c-level {
          display: none;
        }
      }
      @container (max-width: 440px) {
        .row {
          grid-template-columns: minmax(4rem, 1fr) 5.5rem 3.4rem 5rem;
          font-size: 0.8rem;
        }
        .c-reasons {
          display: none;
        }
      }
    `,
  ];

  static override properties = {
    detector: { attribute: false },
    for: { type: String },
    capacity: { type: Number },
    backfill: { type: Number },
    rowHeight: { type: Number, attribute: 'row-height' },
    level: { type: String },
    recommendation: { type: String },
    reason: { type: String },
    search: { type: String },
    _active: { state: true },
    _selected: { state: true },
    _error: { state: true },
  };

  /** The detector to follow (set it, or name an `<anomaly-detector>` id in `for`). */
  declare detector: DetectorSource | undefined;
  /** Id of the `<anomaly-detector>` to follow when `detector` is not set. */
  declare for: string;
  /** Most decisions held; the oldest are dropped beyond it. Default 100,000. */
  declare capacity: number;
  /** Decisions of the log loaded on connect (newest first). Default 1,000; 0 for none. */
  declare backfill: number;
  /** Row height in px (fixed: the list is virtualized). Default 40. */
  declare rowHeight: number;
  /** Show only this risk level (`LOW`, `MEDIUM`, `HIGH`); empty for all. */
  declare level: RiskLevel | '';
  /** Show only this recommendation (`APPROVE`, `REVIEW`, `BLOCK`, or `ALERTS` for REVIEW and BLOCK); empty for all. */
  declare recommendation: Recommendation | typeof ALERTS | '';
  /** Show only decisions with this reason code; empty for all. */
  declare reason: string;
  /** Show only decisions whose user id, user name or transaction id contains this text. */
  declare search: string;
  /** Display index of the keyboard-active row. */
  declare private _active: number;
  /** The decision open in the detail view. */
  declare private _selected: StoredDecision | undefined;
  declare private _error: string;

  private _buffer = new DecisionBuffer(DEFAULT_CAPACITY);
  private _linked: { detector: DetectorSource | undefined; for: string } = { detector: undefined, for: '' };
  private _scrollTop = 0;
  private readonly _size = new SizeController(this);
  private readonly _stream = new DecisionStreamController(this, {
    detector: () => whenDetector(this, this.detector, this.for),
    onDecisions: (decisions) => this.addDecisions(decisions),
    onError: (error) => (this._error = `Live updates unavailable: ${String((error as Error)?.message ?? error)}`),
    backfill: () => this.backfill,
  });

  constructor() {
    super();
    this.detector = undefined;
    this.for = '';
    this.capacity = DEFAULT_CAPACITY;
    this.backfill = 1_000;
    this.rowHeight = 40;
    this.level = '';
    this.recommendation = '';
    this.reason = '';
    this.search = '';
    this._active = 0;
    this._selected = undefined;
    this._error = '';
  }

  /** Decisions held. */
  get size(): number {
    return this._buffer.size;
  }

  /** Decisions passing the filters. */
  get matchCount(): number {
    return this._buffer.matchCount;
  }

  /** The `index`-th decision shown, newest first. */
  decisionAt(index: number): StoredDecision | undefined {
    return this._buffer.at(index);
  }

  /**
   * Adds decisions (in arrival order: the last is the newest). A transaction already held is
   * updated in place. While the grid is scrolled down, the rows in view stay in view.
   */
  addDecisions(decisions: readonly StoredDecision[]): void {
    if (decisions.length === 0) return;
    const before = this._buffer.matchCount;
    this._buffer.append(decisions);
    const added = Math.max(0, this._buffer.matchCount - before);
    // Newest first: new rows push everything down. Keep a reader's rows (and the active row) put.
    if (added > 0) {
      if (this._scrollTop > 0) {
        this._scrollTop += added * this.rowHeight;
        const grid = this._grid;
        if (grid) grid.scrollTop = this._scrollTop;
      }
      if (this._active > 0 || this._scrollTop > 0) this._active += added;
    }
    this._active = Math.min(this._active, Math.max(0, this._buffer.matchCount - 1));
    this.requestUpdate();
  }

  /** Forgets the decisions held (the detector's log is untouched). */
  clear(): void {
    this._buffer.clear();
    this._active = 0;
    this._scrollTop = 0;
    if (this._grid) this._grid.scrollTop = 0;
    this.requestUpdate();
  }

  /** Opens the detail view of a held decision; false when it is not held. */
  select(transactionId: string): boolean {
    const d = this._buffer.get(transactionId);
    if (!d) return false;
    this._open(d);
    return true;
  }

  /** The decisions shown (filters applied), newest first, as CSV or JSONL text. */
  exportText(format: ExportFormat): string {
    return format === ExportFormat.CSV ? toCsv(this._buffer.matching()) : toJsonl(this._buffer.matching());
  }

  private get _grid(): HTMLElement | null {
    return this.renderRoot?.querySelector?.('.grid') ?? null;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('capacity') && this.capacity !== this._buffer.capacity) {
      const old = [...this._buffer.matching()].reverse();
      this._buffer = new DecisionBuffer(Math.max(1, Math.floor(this.capacity) || DEFAULT_CAPACITY));
      this._buffer.append(old);
    }
    if (['level', 'recommendation', 'reason', 'search', 'capacity'].some((k) => changed.has(k))) {
      const filter: DecisionFilter = { level: this.level, recommendation: this.recommendation, reason: this.reason, search: this.search };
      this._buffer.setFilter(filter);
      this._active = 0;
    }
  }

  protected override updated(): void {
    // Follow a new detector (property or `for`); the subscription moves with it.
    if (this.detector !== this._linked.detector || this.for !== this._linked.for) {
      this._linked = { detector: this.detector, for: this.for };
      this._stream.retarget();
    }
  }

  protected override firstUpdated(): void {
    this._size.observe(this._grid);
  }

  override render() {
    const count = this._buffer.matchCount;
    const rowH = this.rowHeight;
    const height = this._size.height || 448;
    const headH = rowH;
    const top = Math.max(0, this._scrollTop - headH);
    const first = Math.max(0, Math.floor(top / rowH) - OVERSCAN);
    const last = Math.min(count, Math.ceil((top + height) / rowH) + OVERSCAN);
    const rows = [];
    for (let i = first; i < last; i++) {
      const d = this._buffer.at(i);
      if (d) rows.push(this._renderRow(d, i));
    }
    // Point at the active row only while it exists (it is virtualized away when far from view).
    const activeId = count > 0 && this._active >= first && this._active < last ? `row-${this._active}` : '';
    return html`
      <div class="toolbar" part="toolbar" role="search" aria-label="Filter decisions">
        <label
          >Level
          <select .value=${this.level} @change=${this._onLevel}>
            <option value="">All levels</option>
            ${Object.values(RiskLevel).map((v) => html`<option value=${v} ?selected=${v === this.level}>${v}</option>`)}
          </select>
        </label>
        <label
          >Recommendation
          <select .value=${this.recommendation} @change=${this._onRecommendation}>
            <option value="">All recommendations</option>
            <option value=${ALERTS} ?selected=${this.recommendation === ALERTS}>Alerts (REVIEW or BLOCK)</option>
            ${Object.values(Recommendation).map((v) => html`<option value=${v} ?selected=${v === this.recommendation}>${v}</option>`)}
          </select>
        </label>
        <label
          >Reason
          <select .value=${this.reason} @change=${this._onReason}>
            <option value="">All reasons</option>
            ${Object.values(ReasonCode).map((v) => html`<option value=${v} ?selected=${v === this.reason}>${v}</option>`)}
          </select>
        </label>
        <label class="search"
          >Search user or transaction
          <input type="search" .value=${this.search} placeholder="e.g. U0042 or T-…" autocomplete="off" spellcheck="false" @input=${this._onSearch} />
        </label>
        <div class="exports">
          <button type="button" @click=${this._onExportCsv} ?disabled=${count === 0}>Export CSV</button>
          <button type="button" @click=${this._onExportJsonl} ?disabled=${count === 0}>Export JSONL</button>
        </div>
      </div>
      <p class="summary">
        Showing ${formatInt(count)} of ${formatInt(this._buffer.size)} decisions, newest first.${this._error ? html` <span role="alert">${this._error}</span>` : nothing}
      </p>
      <div
        class="grid"
        part="grid"
        role="grid"
        tabindex="0"
        aria-label="Decisions, newest first"
        aria-rowcount=${count + 1}
        aria-colcount="9"
        aria-activedescendant=${activeId || nothing}
        ${styleProps({ '--_row-h': `${rowH}px` })}
        @scroll=${this._onScroll}
        @keydown=${this._onKeyDown}
      >
        <div class="head-group" role="rowgroup">
          <div class="row head" role="row" aria-rowindex="1">
            <span role="columnheader" class="c-time">Time</span>
            <span role="columnheader" class="c-txn">Transaction</span>
            <span role="columnheader" class="c-user">User</span>
            <span role="columnheader" class="c-amount num">Amount</span>
            <span role="columnheader" class="c-loc">Location</span>
            <span role="columnheader" class="c-score num">Score</span>
            <span role="columnheader" class="c-level">Level</span>
            <span role="columnheader" class="c-rec">Action</span>
            <span role="columnheader" class="c-reasons">Reasons</span>
          </div>
        </div>
        <div class="body" role="rowgroup" ${styleProps({ height: `${count * rowH}px` })}>${rows}</div>
        ${count === 0 ? html`<div class="empty">No decisions${this._buffer.size > 0 ? ' match the filters' : ' yet'}.</div>` : nothing}
      </div>
      <dialog part="detail" aria-labelledby="detail-title" @close=${this._onDialogClose}>
        <header>
          <h2 id="detail-title">Decision ${this._selected?.transaction_id ?? ''}</h2>
          <button type="button" @click=${this._onCloseDetail}>Close</button>
        </header>
        <div class="content">
          ${this._selected
            ? html`<txn-decision-detail .decision=${this._selected} .detector=${this.detector ?? this._stream.detector} @analyst-label=${this._onAnalystLabel}></txn-decision-detail>`
            : nothing}
        </div>
      </dialog>
    `;
  }

  private _renderRow(d: StoredDecision, i: number) {
    const t = d.transaction;
    return html`<div
      class="row ${i === this._active ? 'active' : ''}"
      part="row"
      role="row"
      id="row-${i}"
      aria-rowindex=${i + 2}
      aria-selected=${i === this._active ? 'true' : 'false'}
      data-index=${i}
      data-transaction-id=${d.transaction_id}
      ${styleProps({ top: `${i * this.rowHeight}px` })}
      @click=${this._onRowClick}
    >
      <span role="gridcell" class="c-time mono">${shortTime(t?.timestamp)}</span>
      <span role="gridcell" class="c-txn mono">${d.transaction_id}</span>
      <span role="gridcell" class="c-user">${d.user_id}</span>
      <span role="gridcell" class="c-amount num">${t ? formatAmount(t.amount) : ''}</span>
      <span role="gridcell" class="c-loc">${t?.location ?? ''}</span>
      <span role="gridcell" class="c-score num">${formatScore(d.risk_score)}</span>
      <span role="gridcell" class="c-level"><span class="chip ${d.risk_level}">${d.risk_level}</span></span>
      <span role="gridcell" class="c-rec"
        ><span class="chip ${d.recommendation}">${d.recommendation}</span>${d.analyst_label
          ? html`<span class="labelled" title=${d.analyst_label === 'confirmed_fraud' ? 'Confirmed fraud' : 'Legitimate'}
              >${d.analyst_label === 'confirmed_fraud' ? '⚑' : '✓'}<span class="visually-hidden">${d.analyst_label === 'confirmed_fraud' ? 'confirmed fraud' : 'legitimate'}</span></span
            >`
          : nothing}</span
      >
      <span role="gridcell" class="c-reasons">${d.reason_codes.join(', ')}</span>
    </div>`;
  }

  private _onScroll(e: Event): void {
    this._scrollTop = (e.currentTarget as HTMLElement).scrollTop;
    this.requestUpdate();
  }

  private _onKeyDown(e: KeyboardEvent): void {
    const count = this._buffer.matchCount;
    if (count === 0) return;
    const page = Math.max(1, Math.floor((this._size.height - this.rowHeight) / this.rowHeight));
    let next = this._active;
    switch (e.key) {
      case 'ArrowDown':
        next++;
        break;
      case 'ArrowUp':
        next--;
        break;
      case 'PageDown':
        next += page;
        break;
      case 'PageUp':
        next -= page;
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = count - 1;
        break;
      case 'Enter':
      case ' ': {
        e.preventDefault();
        const d = this._buffer.at(this._active);
        if (d) this._open(d);
        return;
      }
      default:
        return;
    }
    e.preventDefault();
    this._active = Math.min(count - 1, Math.max(0, next));
    this._scrollIntoView(this._active);
  }

  /** Scrolls so the row at display index `i` is fully visible below the sticky header. */
  private _scrollIntoView(i: number): void {
    const grid = this._grid;
    if (!grid) return;
    const rowTop = (i + 1) * this.rowHeight; // + the header row
    const viewTop = grid.scrollTop + this.rowHeight;
    const viewBottom = grid.scrollTop + grid.clientHeight;
    if (rowTop < viewTop) grid.scrollTop = rowTop - this.rowHeight;
    else if (rowTop + this.rowHeight > viewBottom) grid.scrollTop = rowTop + this.rowHeight - grid.clientHeight;
    this._scrollTop = grid.scrollTop;
    this.requestUpdate();
  }

  private _onRowClick(e: Event): void {
    const index = Number((e.currentTarget as HTMLElement).dataset.index);
    const d = this._buffer.at(index);
    if (!d) return;
    this._active = index;
    this._open(d);
  }

  private _open(d: StoredDecision): void {
    this._selected = d;
    this.dispatchEvent(new CustomEvent<StoredDecision>('decision-select', { detail: d }));
    void this.updateComplete.then(() => {
      const dialog = this.renderRoot.querySelector('dialog');
      if (dialog && !dialog.open) dialog.showModal();
    });
  }

  private _onCloseDetail(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  private _onDialogClose(): void {
    this._selected = undefined;
    this._grid?.focus();
  }

  private _onAnalystLabel(e: CustomEvent<AnalystLabelDetail>): void {
    this._buffer.update(e.detail.decision);
    this._selected = e.detail.decision;
    this.requestUpdate();
  }

  private _onLevel(e: Event): void {
    this.level = (e.target as HTMLSelectElement).value as RiskLevel | '';
  }

  private _onRecommendation(e: Event): void {
    this.recommendation = (e.target as HTMLSelectElement).value as Recommendation | typeof ALERTS | '';
  }

  private _onReason(e: Event): void {
    this.reason = (e.target as HTMLSelectElement).value;
  }

  private _onSearch(e: Event): void {
    this.search = (e.target as HTMLInputElement).value;
  }

  private _onExportCsv(): void {
    this._export(ExportFormat.CSV);
  }

  private _onExportJsonl(): void {
    this._export(ExportFormat.JSONL);
  }

  private _export(format: ExportFormat): void {
    const text = this.exportText(format);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    downloadText(text, `decisions-${stamp}.${format}`, format === ExportFormat.CSV ? 'text/csv' : 'application/x-ndjson');
    this.dispatchEvent(new CustomEvent('export', { detail: { format, count: this._buffer.matchCount } }));
  }
}

customElements.define('txn-alert-feed', TxnAlertFeed);

declare global {
  interface HTMLElementTagNameMap {
    'txn-alert-feed': TxnAlertFeed;
  }
}
