import { LitElement, html, css, svg, nothing } from 'lit';
import { tokens } from './shared-styles';
import { formatScore } from './format';

/** One feature's share of a model score, as an explanation carries it. */
export interface Contribution {
  display_name: string;
  display_value: string;
  /** Signed share of the score; the sign follows `direction`. */
  contribution: number;
  /** Which way it pushes, e.g. towards or away from "anomalous". */
  direction: string;
}

/**
 * The contributions of an explanation (`explanation.contributions`), validated: undefined when
 * absent or malformed. Items with a non-finite contribution are dropped; fields become text.
 */
export function readContributions(explanation: unknown): Contribution[] | undefined {
  const list = (explanation as { contributions?: unknown } | null | undefined)?.contributions;
  if (!Array.isArray(list)) return undefined;
  const out: Contribution[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const c = item as Record<string, unknown>;
    const contribution = Number(c.contribution);
    if (!Number.isFinite(contribution)) continue;
    out.push({
      display_name: String(c.display_name ?? c.name ?? ''),
      display_value: c.display_value === undefined || c.display_value === null ? '' : String(c.display_value),
      contribution,
      direction: c.direction === undefined || c.direction === null ? '' : String(c.direction),
    });
  }
  return out;
}

/** True when the contribution raises the risk: `direction` says so (`raises_risk`), else its sign. */
function raisesRisk(c: Contribution): boolean {
  if (c.direction === 'raises_risk') return true;
  if (c.direction === 'lowers_risk') return false;
  return c.contribution > 0;
}

/**
 * A small horizontal bar chart of an explanation's feature contributions, largest first. Bars are
 * SVG geometry (no inline style), names and values are text.
 *
 * @csspart chart - the list of bars
 * @csspart bar - one bar (an SVG rect)
 */
export class TxnContributionChart extends LitElement {
  static override styles = [
    tokens,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        grid-template-columns: minmax(6rem, max-content) minmax(4rem, 1fr) minmax(6rem, 12rem) max-content;
        gap: 0.25rem 0.5rem;
        align-items: center;
        font-size: 0.85rem;
      }
      li {
        display: contents;
      }
      .name {
        font-weight: 600;
        overflow-wrap: anywhere;
      }
      .value,
      .num {
        font-family: var(--_mono);
        color: var(--_muted);
        overflow-wrap: anywhere;
      }
      svg {
        width: 100%;
        height: 0.9rem;
        display: block;
      }
      rect.up {
        fill: var(--_high);
      }
      rect.down {
        fill: var(--_low);
      }
      line {
        stroke: var(--_border);
        stroke-width: 1;
      }
      .empty {
        color: var(--_muted);
      }
      /* Phones: one block per feature, the value on its own line under the bar. */
      @container (max-width: 520px) {
        ol {
          display: block;
        }
        li {
          display: grid;
          grid-template-columns: 1fr 5rem max-content;
          gap: 0 0.5rem;
          align-items: center;
          margin-bottom: 0.4rem;
        }
        .value {
          grid-column: 1 / -1;
          order: 4;
        }
      }
    `,
  ];

  static override properties = {
    contributions: { attribute: false },
    max: { type: Number },
  };

  /** The contributions to draw. */
  declare contributions: Contribution[];
  /** Draw at most this many bars (largest magnitude first). Default 8. */
  declare max: number;

  constructor() {
    super();
    this.contributions = [];
    this.max = 8;
  }

  override render() {
    const items = [...this.contributions].sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution)).slice(0, Math.max(1, this.max));
    if (items.length === 0) return html`<p class="empty">No feature contributions.</p>`;
    const scale = Math.max(...items.map((c) => Math.abs(c.contribution))) || 1;
    return html`<ol part="chart" aria-label="Feature contributions to the model score">
      ${items.map((c) => {
        const up = raisesRisk(c);
        const w = (Math.abs(c.contribution) / scale) * 50;
        const label = `${c.display_name}${c.display_value ? ` = ${c.display_value}` : ''}: ${up ? 'raises' : 'lowers'} the anomaly score by ${formatScore(Math.abs(c.contribution))}`;
        return html`<li aria-label=${label}>
          <span class="name">${c.display_name}</span>
          <span class="value">${c.display_value}</span>
          <svg viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
            ${svg`<line x1="50" y1="0" x2="50" y2="10"></line>`}
            ${svg`<rect part="bar" class=${up ? 'up' : 'down'} x=${up ? 50 : 50 - w} y="1" width=${Math.max(w, 0.5)} height="8"></rect>`}
          </svg>
          <span class="num">${up ? '+' : '−'}${formatScore(Math.abs(c.contribution))}${c.direction ? html` <span class="visually-hidden">(${c.direction})</span>` : nothing}</span>
        </li>`;
      })}
    </ol>`;
  }
}

customElements.define('txn-contribution-chart', TxnContributionChart);

declare global {
  interface HTMLElementTagNameMap {
    'txn-contribution-chart': TxnContributionChart;
  }
}
