import { expect } from '@esm-bundle/chai';
import '../../src/ui/txn-metrics-panel';
import type { TxnMetricsPanel } from '../../src/ui/txn-metrics-panel';
import { FakeDetector, makeDecision, makeMetrics, mount, unmountAll, waitFor } from './helpers/ui-fake-detector';

async function newPanel(detector: FakeDetector): Promise<TxnMetricsPanel> {
  const panel = document.createElement('txn-metrics-panel');
  panel.interval = 100;
  panel.detector = detector;
  mount(panel);
  await panel.updateComplete;
  return panel;
}

/** The panel's text without whitespace (terms and values sit in separate elements). */
const text = (panel: TxnMetricsPanel) => panel.shadowRoot!.textContent!.replace(/\s+/g, '');

describe('<txn-metrics-panel>', () => {
  afterEach(() => unmountAll());

  it('shows throughput, latency percentiles, counts, the high-risk rate and the model version and hash', async () => {
    const det = new FakeDetector();
    const panel = await newPanel(det);
    await waitFor(() => panel.snapshot !== undefined, 'the first snapshot');
    await panel.updateComplete;
    const t = text(panel);
    expect(t).to.include('Transactions/s412.5');
    expect(t).to.include('Latencyp500.80ms');
    expect(t).to.include('Latencyp952.50ms');
    expect(t).to.include('Latencyp997.25ms');
    expect(t).to.include('High-riskrate2.75%');
    expect(t).to.include('BLOCK34');
    expect(t).to.include('MEDIUM200');
    expect(t).to.include('iforest-test');
    expect(t).to.include('f'.repeat(64));
  });

  it('follows the detector: new counters on the next poll', async () => {
    const det = new FakeDetector();
    const panel = await newPanel(det);
    await waitFor(() => panel.snapshot !== undefined, 'the first snapshot');
    det.metricsSnapshot = makeMetrics({ transactions: 98765 });
    await waitFor(() => text(panel).includes('98,765'), 'the new count');
    panel.remove();
    const calls = det.metricsCalls;
    await new Promise((r) => setTimeout(r, 350));
    expect(det.metricsCalls).to.equal(calls);
  });

  it('draws a live histogram of the risk scores pushed to it', async () => {
    const det = new FakeDetector();
    const panel = await newPanel(det);
    await waitFor(() => det.listeners.size === 1, 'the subscription');
    det.push([makeDecision(0, { risk_score: 0.02 }), makeDecision(1, { risk_score: 0.03 }), makeDecision(2, { risk_score: 0.97 })]);
    await waitFor(() => text(panel).includes('Riskscores(3sinceopened)'), 'the histogram count');
    const bars = [...panel.shadowRoot!.querySelectorAll<SVGRectElement>('svg[part=histogram] rect')];
    expect(bars).to.have.length(20);
    const heights = bars.map((b) => Number(b.getAttribute('height')));
    expect(heights[0]).to.be.greaterThan(heights[19]);
    expect(heights[19]).to.be.greaterThan(0);
    expect(heights.slice(1, 19).every((h) => h === 0)).to.equal(true);
    expect(panel.shadowRoot!.querySelector('svg[part=histogram]')!.getAttribute('aria-label')).to.include('3 risk scores');
  });

  it('shows the drift and shadow sections when the detector reports them', async () => {
    const det = new FakeDetector();
    det.metricsSnapshot = makeMetrics({
      drift: {
        window: 5000,
        threshold: 0.2,
        ready: true,
        features: [
          { feature: 'log_amount', psi: 0.31, warning: true },
          { feature: 'hour', psi: 0.01, warning: false },
        ],
        score: { feature: 'score', psi: 0.05, warning: false },
        warnings: ['log_amount'],
      },
      shadow: { model_version: 'iforest-next', agreement: 0.987 },
      internal_counter: 5,
    });
    const panel = await newPanel(det);
    await waitFor(() => panel.shadowRoot!.querySelector('[data-section=drift]') !== null, 'the drift section');
    const t = text(panel);
    expect(t).to.include('Driftabove0.200:log_amount');
    expect(t).to.include('log_amount0.310drift');
    expect(panel.shadowRoot!.querySelector('[data-section=shadow]')!.textContent).to.include('iforest-next');
    // Anything else is tucked away, not dropped.
    expect(panel.shadowRoot!.querySelector('details')!.textContent).to.include('Internal counter');
  });
});
