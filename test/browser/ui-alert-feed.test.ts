import { expect } from '@esm-bundle/chai';
import '../../src/ui/txn-alert-feed';
import type { TxnAlertFeed } from '../../src/ui/txn-alert-feed';
import type { TxnDecisionDetail } from '../../src/ui/txn-decision-detail';
import { FakeDetector, FakeDetectorElement, frames, makeDecision, makeDecisions, mount, unmountAll, waitFor } from './helpers/ui-fake-detector';

/** The rendered decision rows, top to bottom. */
function rows(feed: TxnAlertFeed): HTMLElement[] {
  return [...feed.shadowRoot!.querySelectorAll<HTMLElement>('.body [role=row]')].sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index));
}

function grid(feed: TxnAlertFeed): HTMLElement {
  return feed.shadowRoot!.querySelector<HTMLElement>('[role=grid]')!;
}

async function newFeed(detector?: FakeDetector, attrs: Record<string, string> = {}): Promise<TxnAlertFeed> {
  const feed = document.createElement('txn-alert-feed');
  for (const [k, v] of Object.entries(attrs)) feed.setAttribute(k, v);
  if (detector) feed.detector = detector;
  mount(feed);
  await feed.updateComplete;
  return feed;
}

describe('<txn-alert-feed>', () => {
  afterEach(() => unmountAll());

  it('shows the decisions its detector pushes, newest first', async () => {
    const det = new FakeDetector();
    const feed = await newFeed(det);
    await waitFor(() => det.listeners.size === 1, 'the subscription');
    det.push(makeDecisions(3));
    await frames();
    await feed.updateComplete;
    expect(rows(feed).map((r) => r.dataset.transactionId)).to.deep.equal(['T000002', 'T000001', 'T000000']);
    expect(feed.shadowRoot!.textContent).to.include('Showing 3 of 3 decisions');
  });

  it('loads the newest decisions of the log first, then follows the live ones', async () => {
    const det = new FakeDetector();
    det.log = makeDecisions(5);
    const feed = await newFeed(det);
    await waitFor(() => feed.size === 5, 'the backfill');
    det.push([makeDecision(5)]);
    await waitFor(() => feed.size === 6, 'the pushed decision');
    await feed.updateComplete;
    expect(feed.decisionAt(0)!.transaction_id).to.equal('T000005');
    expect(feed.decisionAt(5)!.transaction_id).to.equal('T000000');
  });

  it('finds its detector by the for attribute, even one defined later, and stops listening when removed', async () => {
    const det = document.createElement('fake-detector-late') as FakeDetectorElement;
    det.id = 'fake-det';
    mount(det);
    const feed = await newFeed(undefined, { for: 'fake-det' });
    // The element behind `for` is upgraded after the feed connected.
    customElements.define('fake-detector-late', class extends FakeDetectorElement {});
    const fake = (document.getElementById('fake-det') as FakeDetectorElement).fake;
    await waitFor(() => fake.listeners.size === 1, 'the subscription through for=');
    fake.push([makeDecision(1)]);
    await waitFor(() => feed.size === 1, 'the pushed decision');
    feed.remove();
    expect(fake.listeners.size).to.equal(0);
  });

  it('keeps 100,000 decisions smooth: a few dozen rows in the DOM, fast appends, scrolling and filtering', async () => {
    const feed = await newFeed();
    const all = makeDecisions(100_000);
    let t = performance.now();
    for (let i = 0; i < all.length; i += 5_000) feed.addDecisions(all.slice(i, i + 5_000));
    await feed.updateComplete;
    const appendMs = performance.now() - t;
    expect(feed.size).to.equal(100_000);
    expect(rows(feed).length).to.be.within(5, 80);
    expect(appendMs).to.be.below(1_500);

    // Scrolling to the middle renders the rows there, and only those.
    const g = grid(feed);
    t = performance.now();
    g.scrollTop = 50_000 * 40;
    g.dispatchEvent(new Event('scroll'));
    await feed.updateComplete;
    const scrollMs = performance.now() - t;
    const visible = rows(feed);
    expect(visible.length).to.be.within(5, 80);
    const indexes = visible.map((r) => Number(r.dataset.index));
    expect(Math.min(...indexes)).to.be.within(49_950, 50_000);
    expect(feed.decisionAt(Math.min(...indexes))!.transaction_id).to.equal(`T${String(99_999 - Math.min(...indexes)).padStart(6, '0')}`);
    expect(scrollMs).to.be.below(100);

    // Filtering 100K rows is one pass.
    t = performance.now();
    feed.recommendation = 'BLOCK';
    await feed.updateComplete;
    expect(performance.now() - t).to.be.below(300);
    expect(feed.matchCount).to.equal(33_333);
    expect(rows(feed).every((r) => r.textContent!.includes('BLOCK'))).to.equal(true);

    // Past capacity the oldest go first.
    feed.recommendation = '';
    feed.addDecisions(makeDecisions(10, 100_000));
    await feed.updateComplete;
    expect(feed.size).to.equal(100_000);
    expect(feed.decisionAt(0)!.transaction_id).to.equal('T100009');
    expect(feed.decisionAt(99_999)!.transaction_id).to.equal('T000010');
  });

  it('filters by level, recommendation and reason code, and searches user and transaction ids', async () => {
    const feed = await newFeed();
    feed.addDecisions(makeDecisions(300));
    const select = (label: string) => [...feed.shadowRoot!.querySelectorAll('label')].find((l) => l.textContent!.includes(label))!.querySelector('select, input') as HTMLSelectElement | HTMLInputElement;

    select('Level').value = 'HIGH';
    select('Level').dispatchEvent(new Event('change'));
    await feed.updateComplete;
    expect(feed.matchCount).to.equal(100);
    expect(feed.decisionAt(0)!.risk_level).to.equal('HIGH');

    select('Level').value = '';
    select('Level').dispatchEvent(new Event('change'));
    select('Recommendation').value = 'ALERTS';
    select('Recommendation').dispatchEvent(new Event('change'));
    await feed.updateComplete;
    expect(feed.matchCount).to.equal(200);

    select('Reason').value = 'HIGH_AMOUNT';
    select('Reason').dispatchEvent(new Event('change'));
    await feed.updateComplete;
    expect(feed.matchCount).to.equal(100);
    expect(feed.decisionAt(0)!.reason_codes).to.deep.equal(['HIGH_AMOUNT']);

    feed.reason = '';
    feed.recommendation = '';
    const search = select('Search user or transaction') as HTMLInputElement;
    search.value = 't000042';
    search.dispatchEvent(new Event('input'));
    await feed.updateComplete;
    expect(feed.matchCount).to.equal(1);
    search.value = 'U0005';
    search.dispatchEvent(new Event('input'));
    await feed.updateComplete;
    expect(feed.matchCount).to.equal(4); // 5, 102, 199, 296
  });

  it('is keyboard operable: arrows move the active row, Enter opens the detail, Escape closes it', async () => {
    const det = new FakeDetector();
    const feed = await newFeed(det);
    feed.addDecisions(makeDecisions(50));
    await feed.updateComplete;
    const g = grid(feed);
    g.focus();
    expect(feed.shadowRoot!.activeElement).to.equal(g);
    g.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    g.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await feed.updateComplete;
    expect(g.getAttribute('aria-activedescendant')).to.equal('row-2');
    g.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await feed.updateComplete;
    expect(g.getAttribute('aria-activedescendant')).to.equal('row-49');
    g.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
    g.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await feed.updateComplete;
    await feed.updateComplete;
    const dialog = feed.shadowRoot!.querySelector('dialog')!;
    await waitFor(() => dialog.open, 'the detail dialog');
    expect(dialog.textContent).to.include('T000049');
    dialog.close();
    await feed.updateComplete;
    expect(feed.shadowRoot!.activeElement).to.equal(g);
  });

  it('opens a full decision: reasons, model score, the user history, the explanation chart, and stores a verdict', async () => {
    const det = new FakeDetector();
    det.histories.set('U0007', [
      { transaction_id: 'H1', epochMs: Date.parse('2026-01-04T10:00:00Z'), location: 'Pune', merchant_type: 'grocery', amount: 200, localHour: 15 },
      { transaction_id: 'T000007', epochMs: Date.parse('2026-01-05T04:30:00Z'), location: 'Mumbai', merchant_type: 'grocery', amount: 107, localHour: 10 },
    ]);
    const feed = await newFeed(det);
    const explained = makeDecision(7, {
      explanation: {
        base_value: 0.42,
        value: 0.61,
        summary: 'Risk driven by: amount 12x this user’s median',
        baseline: { history_size: 1, typical_amount: 200, home_city: 'Pune', usual_hours: [15], display: 'usually ₹200 in Pune' },
        path_length: { base_value: 9, value: 6 },
        contributions: [
          { feature: 'amount_vs_median', display_name: 'Amount vs median', value: 12, display_value: '12x', contribution: 0.15, path_length: -2, direction: 'raises_risk' },
          { feature: 'hour', display_name: 'Hour', value: 10, display_value: '10:00', contribution: -0.02, path_length: 0.3, direction: 'lowers_risk' },
        ],
      },
    });
    feed.addDecisions([explained]);
    let selected = '';
    feed.addEventListener('decision-select', (e) => (selected = (e as CustomEvent).detail.transaction_id));
    await feed.updateComplete;
    rows(feed)[0].click();
    await feed.updateComplete;
    expect(selected).to.equal('T000007');
    const detail = feed.shadowRoot!.querySelector<TxnDecisionDetail>('txn-decision-detail')!;
    await waitFor(() => (detail.shadowRoot?.querySelectorAll('[part=history] tbody tr').length ?? 0) === 2, 'the user history');
    const text = detail.shadowRoot!.textContent!;
    expect(text).to.include('HIGH_AMOUNT');
    expect(text).to.include('HIGH_AMOUNT fired for T000007');
    expect(text).to.include('Model score');
    expect(text).to.include('Risk driven by: amount 12x');
    expect(det.historyCalls).to.deep.equal(['U0007']);
    const chart = detail.shadowRoot!.querySelector('txn-contribution-chart')!;
    await chart.updateComplete;
    expect(chart.shadowRoot!.querySelectorAll('rect[part=bar]').length).to.equal(2);
    expect(chart.shadowRoot!.querySelector('rect.up')).to.not.equal(null);
    expect(chart.shadowRoot!.querySelector('rect.down')).to.not.equal(null);

    const fraud = [...detail.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.includes('Confirmed fraud'))!;
    fraud.click();
    await waitFor(() => det.labels.length === 1, 'the verdict');
    expect(det.labels[0]).to.deep.equal(['T000007', 'confirmed_fraud']);
    await waitFor(() => feed.decisionAt(0)!.analyst_label === 'confirmed_fraud', 'the row to carry the verdict');
    await detail.updateComplete;
    expect(fraud.getAttribute('aria-pressed')).to.equal('true');
  });

  it('renders transaction fields as text, never as markup', async () => {
    const feed = await newFeed();
    const hostile = '<img src=x onerror="window.__feedXss=1">';
    feed.addDecisions([makeDecision(1, { user_id: '<b>u</b>', transaction: { location: hostile } })]);
    await feed.updateComplete;
    const row = rows(feed)[0];
    expect(row.querySelector('.c-loc')!.textContent).to.equal(hostile);
    expect(row.querySelector('.c-user')!.textContent).to.equal('<b>u</b>');
    expect(feed.shadowRoot!.querySelector('img, b')).to.equal(null);
    expect((window as unknown as { __feedXss?: number }).__feedXss).to.equal(undefined);
  });

  it('exports what it shows as CSV (spreadsheet-safe) and JSONL', async () => {
    const feed = await newFeed();
    feed.addDecisions([makeDecision(1, { transaction: { location: '=HYPERLINK("x")' } }), makeDecision(2)]);
    feed.recommendation = 'REVIEW';
    await feed.updateComplete;
    const csv = feed.exportText('csv').trim().split('\r\n');
    expect(csv).to.have.length(2);
    expect(csv[0].split(',')[1]).to.equal('transaction_id');
    expect(csv[1]).to.include(`"'=HYPERLINK(""x"")"`);
    feed.recommendation = '';
    await feed.updateComplete;
    const jsonl = feed.exportText('jsonl').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((d) => d.transaction_id)).to.deep.equal(['T000002', 'T000001']);
  });
});
