import { expect } from '@esm-bundle/chai';
import '../../src/ui/txn-simulator-panel';
import type { TxnSimulatorPanel } from '../../src/ui/txn-simulator-panel';
import type { Transaction } from '../../src/core/contract/types';
import { FakeDetector, mount, sleep, unmountAll, waitFor } from './helpers/ui-fake-detector';

async function newPanel(detector: FakeDetector, attrs: Record<string, string> = {}): Promise<TxnSimulatorPanel> {
  const panel = document.createElement('txn-simulator-panel');
  for (const [k, v] of Object.entries(attrs)) panel.setAttribute(k, v);
  panel.detector = detector;
  mount(panel);
  await panel.updateComplete;
  return panel;
}

function input(panel: TxnSimulatorPanel, name: string): HTMLInputElement {
  return panel.shadowRoot!.querySelector<HTMLInputElement>(`input[name="${name}"]`)!;
}

function button(panel: TxnSimulatorPanel, text: string): HTMLButtonElement {
  return [...panel.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === text)!;
}

describe('<txn-simulator-panel>', () => {
  afterEach(() => unmountAll());

  it('renders every control with a label', async () => {
    const panel = await newPanel(new FakeDetector());
    for (const el of panel.shadowRoot!.querySelectorAll('input, select')) {
      expect(el.closest('label'), `${el.outerHTML} has a label`).to.not.equal(null);
    }
    expect(['Start', 'Velocity burst', 'High amount', 'Night-time', 'Account takeover', 'Card testing'].every((t) => button(panel, t))).to.equal(true);
  });

  it('drives its detector at the set rate once started, and stops sending when paused', async () => {
    const det = new FakeDetector();
    const panel = await newPanel(det, { rate: '200', seed: '7', users: '50' });
    button(panel, 'Start').click();
    expect(panel.running).to.equal(true);
    await waitFor(() => panel.counts.decided >= 40, 'decisions at 200/s');
    button(panel, 'Pause').click();
    await sleep(150);
    const sent = det.batches.flat().length;
    await sleep(300);
    expect(det.batches.flat().length).to.equal(sent);
    const c = panel.counts;
    expect(c.generated).to.equal(sent);
    expect(c.decided).to.equal(sent);
    expect(c.approve + c.review + c.block).to.equal(c.decided);
    const first = det.batches[0][0] as Transaction;
    expect(first).to.include.keys('transaction_id', 'user_id', 'amount', 'location', 'timestamp', 'merchant_type');
    await panel.updateComplete;
    expect(panel.shadowRoot!.querySelector('[data-count=decided]')!.textContent).to.equal(c.decided.toLocaleString());
  });

  it('keeps one batch in flight: a slow detector slows the feed instead of flooding it', async () => {
    const det = new FakeDetector();
    let release!: () => void;
    det.hold = new Promise((r) => (release = r));
    const panel = await newPanel(det, { rate: '1000' });
    panel.start();
    await sleep(400);
    expect(det.batches.length).to.equal(1);
    det.hold = null;
    release();
    await waitFor(() => det.batches.length >= 2, 'the next batch after the first returned');
    panel.pause();
  });

  it('injects a velocity burst: one user, four to six transactions, two or more cities', async () => {
    const det = new FakeDetector();
    const panel = await newPanel(det, { seed: '3' });
    let injected = -1;
    panel.addEventListener('inject', (e) => (injected = (e as CustomEvent).detail.count));
    button(panel, 'Velocity burst').click();
    await waitFor(() => injected >= 0, 'the inject event');
    const burst = det.batches.flat() as Transaction[];
    expect(burst.length).to.be.within(4, 6);
    expect(new Set(burst.map((t) => t.user_id)).size).to.equal(1);
    expect(new Set(burst.map((t) => t.location)).size).to.be.at.least(2);
    expect(panel.counts.injected).to.equal(burst.length);
  });

  it('applies settings from its inputs and clamps them to their limits', async () => {
    const panel = await newPanel(new FakeDetector());
    const rate = input(panel, 'rate');
    rate.value = '99999';
    rate.dispatchEvent(new Event('change'));
    await panel.updateComplete;
    expect(panel.rate).to.equal(5000);
    rate.value = '0';
    rate.dispatchEvent(new Event('change'));
    await panel.updateComplete;
    expect(panel.rate).to.equal(1);
    const anomaly = input(panel, 'anomaly-rate');
    anomaly.value = '5';
    anomaly.dispatchEvent(new Event('change'));
    await panel.updateComplete;
    expect(panel.anomalyRate).to.be.closeTo(0.05, 1e-12);
    expect(input(panel, 'anomaly-rate').value).to.equal('5');
  });

  it('says so when it has no detector to drive', async () => {
    const panel = document.createElement('txn-simulator-panel');
    mount(panel);
    await panel.inject('high_amount');
    await panel.updateComplete;
    expect(panel.shadowRoot!.querySelector('[role=alert]')!.textContent).to.include('No detector');
  });
});
