// Browser tests in Debian's Chromium (never a downloaded browser): the worker through Comlink,
// IndexedDB, the Lit elements. TypeScript (also inside module workers) is served through esbuild.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Server command `storage-quota` (call it with `executeServerCommand` from `@web/test-runner-commands`):
 * overrides Chromium's storage quota of the test page's origin (its workers share it) through the
 * DevTools protocol, so a test meets a real QuotaExceededError. Payload `{ quotaSize }` in bytes;
 * without `quotaSize` (or `null`) the override is removed. Answers `{ origin, quotaSize }`.
 *
 * Chromium keeps an override only while the DevTools session that set it is attached (detaching
 * withdraws it), so the session stays open until the override is removed or the page goes away.
 */
export function storageQuotaPlugin() {
  /** @type {Map<unknown, { cdp: any, origin: string }>} per page: the session holding its override */
  const overrides = new Map();
  return {
    name: 'storage-quota-command',
    async executeCommand({ command, payload, session }) {
      if (command !== 'storage-quota') return undefined;
      if (session.browser.type !== 'puppeteer') throw new Error(`storage-quota needs the Chrome launcher (puppeteer), not ${session.browser.type}`);
      const quotaSize = payload?.quotaSize ?? undefined;
      if (quotaSize !== undefined && !(Number.isFinite(quotaSize) && quotaSize >= 0)) throw new Error(`storage-quota: quotaSize must be a number of bytes >= 0, got ${JSON.stringify(quotaSize)}`);
      const page = session.browser.getPage(session.id);
      const origin = new URL(page.url()).origin;
      let held = overrides.get(page);
      if (quotaSize === undefined) {
        if (held) {
          overrides.delete(page);
          try {
            await held.cdp.send('Storage.overrideQuotaForOrigin', { origin: held.origin });
          } finally {
            await held.cdp.detach().catch(() => undefined);
          }
        }
        return { origin, quotaSize: null };
      }
      if (!held) {
        held = { cdp: await page.createCDPSession(), origin };
        overrides.set(page, held);
        page.once('close', () => overrides.delete(page));
      }
      await held.cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize });
      return { origin, quotaSize };
    },
  };
}

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testsFinishTimeout: 300_000,
  testFramework: { config: { timeout: 60_000 } },
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'test/browser/tsconfig.json' }), storageQuotaPlugin()],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
      },
    }),
  ],
};
