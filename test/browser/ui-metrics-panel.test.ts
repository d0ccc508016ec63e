import { expect } from '@esm-bundle/chai';
import { contentHash, type ModelFile } from '../../src/core/forest/model-file';
import { simulate } from '../../src/core/simulator';
import type { DetectorSource } from '../../src/ui/detector-source';
import '../../src/ui/txn-metrics-panel';
import type { TxnMetricsPanel } from '../../src/ui/txn-metrics-panel';
import type { ShadowSection } from '../../src/worker/service-types';
import { FakeDetector, makeDecision, makeMetrics, mount, unmountAll, waitFor } from './helpers/ui-fake-detector';
import { MODEL_URL, TestKit } from './helpers/worker-test-kit';

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
    const side = (recommendation: 'APPROVE' | 'REVIEW', risk_score: number) => ({ recommendation, risk_level: 'LOW' as const, risk_score, model_score: -0.45 });
    const shadow: ShadowSection = {
      champion: { model_version: 'iforest-test', sha256: 'f'.repeat(64) },
      shadow: { model_version: 'iforest-next', sha256: 'e'.repeat(64) },
      compared: 1000,
      agreed: 987,
      agreement_rate: 0.987,
      risk_score_correlation: 0.934,
      model_score_correlation: 0.998,
      confusion: { 'APPROVE->APPROVE': 987, 'APPROVE->REVIEW': 13 },
      disagreements_total: 13,
      disagreements: [
        { transaction_id: 'T-older', user_id: 'U1', champion: side('APPROVE', 0.21), shadow: side('REVIEW', 0.52) },
        { transaction_id: 'T-newer', user_id: 'U2', champion: side('APPROVE', 0.25), shadow: side('REVIEW', 0.55) },
      ],
      can_rollback: false,
    };
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
      shadow,
      internal_counter: 5,
    });
    const panel = await newPanel(det);
    await waitFor(() => panel.shadowRoot!.querySelector('[data-section=drift]') !== null, 'the drift section');
    const t = text(panel);
    expect(t).to.include('Driftabove0.200:log_amount(PSI0.310)');
    expect(t).to.include('log_amount0.310drift');
    const section = panel.shadowRoot!.querySelector('[data-section=shadow]')!;
    const st = section.textContent!.replace(/\s+/g, '');
    expect(st).to.include('Shadowiforest-next');
    expect(st).to.include('Agreement98.7%');
    expect(st).to.include('Riskscorecorrelation0.934');
    expect(st).to.include('Disagreements13');
    const rows = [...section.querySelectorAll('table[data-table=disagreements] tbody tr')].map((r) => r.textContent!.replace(/\s+/g, ''));
    expect(rows).to.deep.equal(['T-newerU2APPROVE0.250REVIEW0.550', 'T-olderU1APPROVE0.210REVIEW0.520']);
    // Anything else is tucked away, not dropped.
    expect(panel.shadowRoot!.querySelector('details')!.textContent).to.include('Internal counter');
  });

  describe('with the real detector worker', () => {
    const kit = new TestKit();
    afterEach(() => kit.cleanup());

    it('shows the drift warning on the shifted feature and the shadow model\'s agreement and disagreements', async () => {
      const client = kit.client({ modelUrl: MODEL_URL, dbName: kit.db('ui-metrics') });
      const source: DetectorSource = {
        detect: (t) => client.detect(t),
        detectBatch: (t) => client.detectBatch(t),
        history: (u) => client.history(u),
        decisions: (q) => client.decisions(q),
        label: (id, l) => client.label(id, l),
        metrics: () => client.metrics(),
        subscribe: async (listener) => client.subscribe(listener),
      };
      const model = JSON.parse(await (await fetch(MODEL_URL)).text()) as ModelFile;
      model.offset += 0.03;
      model.model_version = 'iforest-stricter';
      model.sha256 = contentHash(model);
      await client.loadShadowModel({ json: model });
      // Amounts four times larger than in training.
      const traffic = simulate({ n: 2000, seed: 41, anomalyRate: 0.005, labels: false }).map((t) => ({ ...t, amount: t.amount * 4 }));
      for (let i = 0; i < traffic.length; i += 500) await client.detectBatch(traffic.slice(i, i + 500));
      const m = await client.metrics();
      expect(m.drift!.warnings).to.include('log_amount');
      const psi = m.drift!.features.find((f) => f.feature === 'log_amount')!.psi;

      const panel = await newPanel(new FakeDetector());
      panel.detector = source;
      await waitFor(() => panel.shadowRoot!.querySelector('[data-section=shadow] dl') !== null, 'the shadow section');
      const status = panel.shadowRoot!.querySelector('[part=drift-status]')!;
      expect(status.classList.contains('warning')).to.equal(true);
      expect(status.textContent!.replace(/\s+/g, ' ')).to.contain(`log_amount (PSI ${psi.toFixed(3)})`);
      const driftRow = [...panel.shadowRoot!.querySelectorAll('[data-section=drift] tbody tr')].find((r) => r.querySelector('th')!.textContent === 'log_amount')!;
      expect(driftRow.textContent).to.contain('drift');
      const shadow = m.shadow!;
      const section = panel.shadowRoot!.querySelector('[data-section=shadow]')!;
      const st = section.textContent!.replace(/\s+/g, '');
      expect(st).to.include(`Championiforest-behavioral-t150-s7`);
      expect(st).to.include('Shadowiforest-stricter');
      expect(st).to.include('Compared2,000');
      expect(st).to.include(`Disagreements${shadow.disagreements_total.toLocaleString()}`);
      expect(shadow.disagreements_total).to.be.greaterThan(0);
      const firstRow = section.querySelector('table[data-table=disagreements] tbody tr th')!;
      expect(firstRow.textContent).to.equal(shadow.disagreements[shadow.disagreements.length - 1].transaction_id);
    });
  });
});
