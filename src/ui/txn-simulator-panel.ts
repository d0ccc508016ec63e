import { LitElement, html, css, nothing } from 'lit';
import { AnomalyType } from '../core/simulator/anomaly-type';
import { SimulatorController, DEFAULT_SIMULATOR_SETTINGS, SIMULATOR_LIMITS } from './controllers/simulator-controller';
import { whenDetector, type DetectorSource } from './detector-source';
import { formatInt } from './format';
import { tokens, controls } from './shared-styles';

/** The scenario buttons, in order, with their labels. */
const SCENARIOS: ReadonlyArray<{ type: AnomalyType; label: string }> = [
  { type: AnomalyType.VELOCITY_BURST, label: 'Velocity burst' },
  { type: AnomalyType.HIGH_AMOUNT, label: 'High amount' },
  { type: AnomalyType.NIGHT_TIME, label: 'Night-time' },
  { type: AnomalyType.ACCOUNT_TAKEOVER, label: 'Account takeover' },
  { type: AnomalyType.CARD_TESTING, label: 'Card testing' },
];

/** Detail of the `inject` event. */
export interface InjectDetail {
  type: AnomalyType;
  /** Transactions the scenario produced (0 when no user was free for it). */
  count: number;
}

/**
 * Control panel of the seeded live transaction simulator that drives a detector: start and
 * pause, the rate (1 to 5,000 transactions per second), the number of users, the anomaly rate and
 * the seed; buttons that inject a scenario now (velocity burst, high amount, night-time, account
 * takeover, card testing); live counts of what was generated and decided.
 *
 * @fires running-change - the feed started or paused, detail `{ running: boolean }`.
 * @fires inject - a scenario was injected, detail {@link InjectDetail}.
 * @csspart controls - the start/pause button and the settings
 * @csspart scenarios - the scenario buttons
 * @csspart counts - the live counts
 */
export class TxnSimulatorPanel extends LitElement {
  static override styles = [
    tokens,
    controls,
    css`
      :host {
        display: block;
        container-type: inline-size;
        min-width: 0;
      }
      fieldset {
        border: 1px solid var(--_border);
        border-radius: var(--_radius);
        margin: 0 0 0.75rem;
        padding: 0.5rem 0.75rem 0.75rem;
        min-width: 0;
      }
      legend {
        font-weight: 600;
        padding: 0 0.25rem;
      }
      .settings {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr));
        gap: 0.5rem;
        align-items: end;
      }
      .run {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
        margin-bottom: 0.6rem;
      }
      .run button.primary {
        min-width: 6.5rem;
      }
      .scenarios {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .counts {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(6.5rem, 1fr));
        gap: 0.4rem;
        margin: 0;
      }
      .counts div {
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 0.3rem 0.5rem;
      }
      .counts dt {
        font-size: 0.75rem;
        color: var(--_muted);
      }
      .counts dd {
        margin: 0;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
      }
      .state {
        font-size: 0.85rem;
        color: var(--_muted);
      }
      .error {
        color: var(--_high);
        font-size: 0.85rem;
        margin: 0.4rem 0 0;
      }
    `,
  ];

  static override properties = {
    detector: { attribute: false },
    for: { type: String },
    rate: { type: Number },
    users: { type: Number },
    anomalyRate: { type: Number, attribute: 'anomaly-rate' },
    seed: { type: Number },
    autostart: { type: Boolean },
  };

  /** The detector to drive (set it, or name an `<anomaly-detector>` id in `for`). */
  declare detector: DetectorSource | undefined;
  /** Id of the `<anomaly-detector>` to drive when `detector` is not set. */
  declare for: string;
  /** Transactions per second, 1 to 5,000. Default 20. */
  declare rate: number;
  /** Number of simulated card holders. Default 200. */
  declare users: number;
  /** Share of anomalous transactions in the paced feed, 0 to 0.5. Default 0.02. */
  declare anomalyRate: number;
  /** Seed of the simulator: the same seed gives the same transactions. Default 42. */
  declare seed: number;
  /** Starts the feed as soon as the panel is on the page. */
  declare autostart: boolean;

  private readonly _sim = new SimulatorController(this, () => whenDetector(this, this.detector, this.for));
  private _autostarted = false;

  constructor() {
    super();
    this.detector = undefined;
    this.for = '';
    this.rate = DEFAULT_SIMULATOR_SETTINGS.ratePerSecond;
    this.users = DEFAULT_SIMULATOR_SETTINGS.users;
    this.anomalyRate = DEFAULT_SIMULATOR_SETTINGS.anomalyRate;
    this.seed = DEFAULT_SIMULATOR_SETTINGS.seed;
    this.autostart = false;
  }

  /** True while the feed runs. */
  get running(): boolean {
    return this._sim.running;
  }

  /** Live counts (generated, injected, decided, per recommendation, errors, queued). */
  get counts() {
    return { ...this._sim.counts };
  }

  /** Starts (or resumes) the feed. */
  start(): void {
    this._sim.start();
    this.dispatchEvent(new CustomEvent('running-change', { detail: { running: true } }));
  }

  /** Pauses the feed; the simulated clock stands still. */
  pause(): void {
    this._sim.pause();
    this.dispatchEvent(new CustomEvent('running-change', { detail: { running: false } }));
  }

  /** Injects one scenario now; resolves with the number of transactions it produced. */
  async inject(type: AnomalyType): Promise<number> {
    const count = await this._sim.inject(type);
    this.dispatchEvent(new CustomEvent<InjectDetail>('inject', { detail: { type, count } }));
    return count;
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (['rate', 'users', 'anomalyRate', 'seed'].some((k) => changed.has(k))) {
      this._sim.configure({ ratePerSecond: this.rate, users: this.users, anomalyRate: this.anomalyRate, seed: this.seed });
      // Show what was applied (out-of-range input is clamped).
      const s = this._sim.settings;
      this.rate = s.ratePerSecond;
      this.users = s.users;
      this.anomalyRate = s.anomalyRate;
      this.seed = s.seed;
    }
  }

  protected override updated(): void {
    if (this.autostart && !this._autostarted && this.isConnected) {
      this._autostarted = true;
      this.start();
    }
  }

  override render() {
    const c = this._sim.counts;
    const running = this._sim.running;
    const error = this._sim.error;
    return html`
      <fieldset part="controls">
        <legend>Simulator</legend>
        <div class="run">
          <button type="button" class="primary" @click=${this._onToggle}>${running ? 'Pause' : 'Start'}</button>
          <span class="state" role="status">${running ? `Running at ${formatInt(this.rate)} transactions/s` : c.generated ? 'Paused' : 'Stopped'}</span>
        </div>
        <div class="settings">
          <label
            >Rate (transactions/s)
            <input type="number" name="rate" inputmode="numeric" min=${SIMULATOR_LIMITS.rate.min} max=${SIMULATOR_LIMITS.rate.max} step="1" .value=${String(this.rate)} @change=${this._onRate} />
          </label>
          <label
            >Users
            <input type="number" name="users" inputmode="numeric" min=${SIMULATOR_LIMITS.users.min} max=${SIMULATOR_LIMITS.users.max} step="1" .value=${String(this.users)} @change=${this._onUsers} />
          </label>
          <label
            >Anomaly rate (%)
            <input
              type="number"
              name="anomaly-rate"
              inputmode="decimal"
              min="0"
              max=${SIMULATOR_LIMITS.anomalyRate.max * 100}
              step="0.5"
              .value=${String(+(this.anomalyRate * 100).toFixed(3))}
              @change=${this._onAnomalyRate}
            />
          </label>
          <label
            >Seed
            <input type="number" name="seed" inputmode="numeric" step="1" .value=${String(this.seed)} @change=${this._onSeed} />
          </label>
        </div>
      </fieldset>
      <fieldset part="scenarios">
        <legend>Inject a scenario now</legend>
        <div class="scenarios">
          ${SCENARIOS.map((s) => html`<button type="button" data-scenario=${s.type} @click=${this._onInject}>${s.label}</button>`)}
        </div>
      </fieldset>
      <dl class="counts" part="counts" aria-label="Simulator counts">
        <div><dt>Generated</dt><dd data-count="generated">${formatInt(c.generated)}</dd></div>
        <div><dt>Injected</dt><dd data-count="injected">${formatInt(c.injected)}</dd></div>
        <div><dt>Decided</dt><dd data-count="decided">${formatInt(c.decided)}</dd></div>
        <div><dt>Approve</dt><dd data-count="approve">${formatInt(c.approve)}</dd></div>
        <div><dt>Review</dt><dd data-count="review">${formatInt(c.review)}</dd></div>
        <div><dt>Block</dt><dd data-count="block">${formatInt(c.block)}</dd></div>
        <div><dt>Errors</dt><dd data-count="errors">${formatInt(c.errors)}</dd></div>
        <div><dt>Queued</dt><dd data-count="queued">${formatInt(c.queued)}</dd></div>
      </dl>
      ${error ? html`<p class="error" role="alert">${String((error as Error)?.message ?? error)}</p>` : nothing}
    `;
  }

  private _onToggle(): void {
    if (this._sim.running) this.pause();
    else this.start();
  }

  private _onRate(e: Event): void {
    this.rate = (e.target as HTMLInputElement).valueAsNumber;
  }

  private _onUsers(e: Event): void {
    this.users = (e.target as HTMLInputElement).valueAsNumber;
  }

  private _onAnomalyRate(e: Event): void {
    this.anomalyRate = (e.target as HTMLInputElement).valueAsNumber / 100;
  }

  private _onSeed(e: Event): void {
    this.seed = (e.target as HTMLInputElement).valueAsNumber;
  }

  private _onInject(e: Event): void {
    const type = (e.currentTarget as HTMLElement).dataset.scenario as AnomalyType;
    this.inject(type).catch(() => undefined);
  }
}

customElements.define('txn-simulator-panel', TxnSimulatorPanel);

declare global {
  interface HTMLElementTagNameMap {
    'txn-simulator-panel': TxnSimulatorPanel;
  }
}
