/**
 * End to end: builds the app and the library (vite), serves dist/ on loopback, and drives the
 * real app in headless Debian Chromium (playwright-core, never a downloaded browser): the
 * simulator, alerts, a velocity burst blocked for VELOCITY_MULTI_CITY, the detail view and an
 * analyst verdict, safe rendering, export, axe-core, 360 px and 1920 px layouts, the element in
 * a bare page from the library build, and a reload with the network cut that still scores.
 * Screenshots go to test-output/ (gitignored).
 *
 * Run: npm run test:e2e   (node --import tsx --test test/e2e/app.e2e.ts)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { AnomalyDetector } from '../../src/ui/anomaly-detector';
import type { TxnAlertFeed } from '../../src/ui/txn-alert-feed';
import type { DetectionResult, ErrorResult } from '../../src/core/contract/types';
import { serveStatic, type StaticServer } from './static-server';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = resolve(ROOT, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MODEL = JSON.parse(readFileSync(resolve(ROOT, 'models/isolation_forest.json'), 'utf8')) as { model_version: string; sha256: string };
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The CSP the bare embed page is served with: the library must work under it too. */
const BARE_CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; connect-src 'self'; style-src 'self'; object-src 'none'";

/** A bare page: the library's one script and the element; nothing of the app. */
const BARE_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bare embed</title>
<script type="module" src="/lib/anomaly-detector.js"></script></head>
<body><main><anomaly-detector model-src="/models/isolation_forest.json" db-name="e2e-bare" badge></anomaly-detector></main></body></html>`;

let server: StaticServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** A valid transaction of the wire contract. */
function txn(id: string, fields: Record<string, unknown> = {}) {
  return { transaction_id: id, user_id: 'e2e-user', amount: 420.5, location: 'Mumbai', timestamp: '2026-01-06T11:15:00+05:30', merchant_type: 'grocery', ...fields };
}

/** Records CSP violations and page errors of every page in the context. */
async function watchPage(p: Page, problems: string[]): Promise<void> {
  p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  p.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
}

const problems: string[] = [];

describe('the app, built and served', { timeout: 85_000 }, () => {
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    const quiet = { root: ROOT, logLevel: 'warn' as const, configFile: resolve(ROOT, 'vite.config.ts') };
    await build({ ...quiet });
    await build({ ...quiet, mode: 'lib', build: { emptyOutDir: true } });
    server = await serveStatic(resolve(ROOT, 'dist'), { '/bare.html': { body: BARE_PAGE, headers: { 'Content-Security-Policy': BARE_CSP } } });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true, colorScheme: 'light' });
    context.on('page', (p) => void watchPage(p, problems));
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('loads under its CSP and starts the detector with the committed model', async () => {
    await page.goto(`${server.origin}/`);
    const info = await page.evaluate(() => document.querySelector<AnomalyDetector>('anomaly-detector')!.ready);
    assert.equal(info.modelVersion, MODEL.model_version);
    // The page's Content-Security-Policy (a meta tag) does not reach the worker: the forest runs in WebAssembly.
    assert.equal(info.forestEngine, 'wasm');
    assert.equal(info.sha256, MODEL.sha256);
    assert.equal(info.storage, 'indexeddb');
    await page.locator('anomaly-detector .badge.ready').waitFor();
  });

  it('starts the simulator and sees alerts appear in the feed', async () => {
    const panel = page.locator('txn-simulator-panel');
    await panel.getByLabel('Rate (transactions/s)').fill('200');
    await panel.getByLabel('Rate (transactions/s)').press('Enter');
    await panel.getByRole('button', { name: 'Start' }).click();
    const feed = page.locator('txn-alert-feed');
    await feed.getByLabel('Recommendation').selectOption('ALERTS');
    const firstRow = feed.locator('[role=row][data-transaction-id]').first();
    await firstRow.waitFor({ timeout: 20_000 });
    assert.match((await firstRow.textContent()) ?? '', /REVIEW|BLOCK/);
    await page.waitForFunction(() => (document.querySelector('txn-metrics-panel')?.shadowRoot?.textContent ?? '').includes('Latency p99'));
  });

  it('injects a velocity burst and sees it blocked for VELOCITY_MULTI_CITY', async () => {
    const panel = page.locator('txn-simulator-panel');
    // Paused, so every new decision comes from the injected scenario.
    await panel.getByRole('button', { name: 'Pause' }).click();
    const feed = page.locator('txn-alert-feed');
    await feed.getByLabel('Recommendation').selectOption('BLOCK');
    await feed.getByLabel('Reason').selectOption('VELOCITY_MULTI_CITY');
    const before = await page.evaluate(() => document.querySelector<TxnAlertFeed>('txn-alert-feed')!.matchCount);
    await panel.getByRole('button', { name: 'Velocity burst' }).click();
    await page.waitForFunction((n) => document.querySelector<TxnAlertFeed>('txn-alert-feed')!.matchCount > n, before, { timeout: 15_000 });
    const row = feed.locator('[role=row][data-transaction-id]').first();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /BLOCK/);
    assert.match(text, /VELOCITY_MULTI_CITY/);

    // The row opens the full decision: reasons, model score, the user's history; a verdict is stored.
    await row.click();
    const dialog = feed.locator('dialog[open]');
    await dialog.waitFor();
    await dialog.getByText('VELOCITY_MULTI_CITY', { exact: true }).waitFor();
    await dialog.getByText('Model score').waitFor();
    await dialog.locator('[part=history] tbody tr').first().waitFor();
    assert.ok((await dialog.locator('[part=history] tbody tr').count()) >= 2, 'the burst user has a history');
    await dialog.getByRole('button', { name: 'Confirmed fraud' }).click();
    await dialog.getByText('Stored: confirmed fraud.').waitFor();
    await page.screenshot({ path: resolve(OUT, 'detail.png') });
    const id = await row.getAttribute('data-transaction-id');
    const stored = await page.evaluate(
      (tid) => document.querySelector<AnomalyDetector>('anomaly-detector')!.decisions({ limit: 500 }).then((ds) => ds.find((d) => d.transaction_id === tid)?.analyst_label),
      id,
    );
    assert.equal(stored, 'confirmed_fraud');
    await page.keyboard.press('Escape');
    await feed.locator('dialog[open]').waitFor({ state: 'detached' }).catch(() => undefined);
    assert.equal(await feed.locator('dialog[open]').count(), 0);
  });

  it('renders transaction fields as text, never as markup', async () => {
    const hostile = '<img src=x onerror="window.__xss=1">';
    const result = await page.evaluate(
      (t) => document.querySelector<AnomalyDetector>('anomaly-detector')!.detect(t),
      txn('e2e-xss-1', { user_id: 'e2e-xss', location: hostile, user_name: '<b>bold</b>' }),
    );
    assert.ok(!('error' in result), 'the hostile transaction is still a valid one');
    const feed = page.locator('txn-alert-feed');
    await feed.getByLabel('Recommendation').selectOption('');
    await feed.getByLabel('Reason').selectOption('');
    await feed.getByLabel('Search user or transaction').fill('e2e-xss-1');
    const cell = feed.locator('[data-transaction-id="e2e-xss-1"] .c-loc');
    await cell.waitFor();
    assert.equal(await cell.textContent(), hostile);
    const injected = await page.evaluate(() => ({
      imgs: document.querySelector('txn-alert-feed')!.shadowRoot!.querySelectorAll('img').length,
      xss: (window as unknown as { __xss?: number }).__xss,
    }));
    assert.deepEqual(injected, { imgs: 0, xss: undefined });
  });

  it('exports the decision log as CSV and JSONL', async () => {
    const feed = page.locator('txn-alert-feed');
    await feed.getByLabel('Search user or transaction').fill('');
    const [csv] = await Promise.all([page.waitForEvent('download'), feed.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvText = readFileSync((await csv.path())!, 'utf8');
    const lines = csvText.trim().split('\r\n');
    assert.match(lines[0], /^decided_at,transaction_id,user_id,/);
    assert.ok(lines.length > 10, `CSV has ${lines.length} lines`);
    assert.ok(csvText.includes('"<img src=x onerror=""window.__xss=1"">"'), 'fields are CSV-quoted, not interpreted');
    const [jsonl] = await Promise.all([page.waitForEvent('download'), feed.getByRole('button', { name: 'Export JSONL' }).click()]);
    const rows = readFileSync((await jsonl.path())!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { transaction_id: string; risk_score: number });
    assert.equal(rows.length, lines.length - 1);
    assert.ok(rows.every((r) => typeof r.transaction_id === 'string' && r.risk_score >= 0 && r.risk_score <= 1));
  });

  it('has no serious or critical axe-core violations, in light and dark', async () => {
    await page.evaluate(AXE_SOURCE);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
      });
      assert.deepEqual(violations, [], `${scheme}: ${violations.join('\n')}`);
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('is readable from a 360 px phone to a 1920 px screen, light and dark, and saves screenshots', async () => {
    for (const [width, height, scheme, name] of [
      [360, 800, 'light', 'app-360.png'],
      [1920, 1080, 'dark', 'app-1920-dark.png'],
      [1400, 900, 'light', 'app.png'],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height });
      await page.waitForTimeout(150);
      const overflow = await page.evaluate(() => {
        const grid = document.querySelector('txn-alert-feed')!.shadowRoot!.querySelector('[role=grid]')!;
        return { page: document.documentElement.scrollWidth - document.documentElement.clientWidth, feed: grid.scrollWidth - grid.clientWidth };
      });
      assert.ok(overflow.page <= 0, `${width} px: the page scrolls sideways by ${overflow.page} px`);
      assert.ok(overflow.feed <= 1, `${width} px: the feed's columns overflow by ${overflow.feed} px`);
      await page.screenshot({ path: resolve(OUT, name), fullPage: width !== 1920 });
    }
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('embeds the element in a bare page from the library build and gets a decision', async () => {
    const bare = await context.newPage();
    await bare.goto(`${server.origin}/bare.html`);
    const { result, events } = await bare.evaluate(async (t) => {
      await customElements.whenDefined('anomaly-detector');
      const el = document.querySelector<AnomalyDetector>('anomaly-detector')!;
      const seen: string[] = [];
      el.addEventListener('detection', () => seen.push('detection'));
      el.addEventListener('alert', () => seen.push('alert'));
      await el.ready;
      const r = await el.detect(t);
      return { result: r, events: seen };
    }, txn('e2e-bare-1', { user_id: 'bare-user' }));
    assert.ok(!('error' in result), JSON.stringify(result));
    const decision = result as DetectionResult;
    assert.equal(decision.transaction_id, 'e2e-bare-1');
    assert.ok(decision.risk_score >= 0 && decision.risk_score <= 1);
    assert.ok(['APPROVE', 'REVIEW', 'BLOCK'].includes(decision.recommendation));
    assert.equal(decision.model_version, MODEL.model_version);
    assert.ok(events.includes('detection'));
    const bad = (await bare.evaluate(() => document.querySelector<AnomalyDetector>('anomaly-detector')!.detect({ transaction_id: 'bad', amount: -1 }))) as ErrorResult;
    assert.ok('error' in bad && typeof bad.error.field === 'string');
    await bare.close();
  });

  it('reloads with the network cut and still scores (service worker)', async () => {
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((ok) => navigator.serviceWorker.addEventListener('controllerchange', ok, { once: true }));
    });
    await context.setOffline(true);
    try {
      const reachable = await page.evaluate(() => fetch(`/not-cached-${Date.now()}`).then(() => true, () => false));
      assert.equal(reachable, false, 'the network is really cut');
      await page.reload();
      const info = await page.evaluate(() => document.querySelector<AnomalyDetector>('anomaly-detector')!.ready);
      assert.equal(info.sha256, MODEL.sha256);
      const result = await page.evaluate((t) => document.querySelector<AnomalyDetector>('anomaly-detector')!.detect(t), txn('e2e-offline-1', { user_id: 'offline-user' }));
      assert.ok(!('error' in result), JSON.stringify(result));
      assert.equal((result as DetectionResult).transaction_id, 'e2e-offline-1');
      // The feed comes back with the decisions kept in IndexedDB.
      await page.waitForFunction(() => document.querySelector<TxnAlertFeed>('txn-alert-feed')!.size > 10);
    } finally {
      await context.setOffline(false);
    }
  });

  it('saw no CSP violation and no uncaught error on any page', () => {
    assert.deepEqual(problems, []);
  });

  it('keeps scoring code out of the main bundle, and reports the gzip sizes', () => {
    const report = execFileSync(process.execPath, [resolve(ROOT, 'scripts/bundle-report.mjs'), resolve(ROOT, 'dist')], { encoding: 'utf8' });
    process.stdout.write(report);
    assert.match(report, /main_bundle/);
  });
});
