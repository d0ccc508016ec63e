/**
 * The app's service worker: after the first visit the app shell, the detector worker chunk and
 * the model are in Cache Storage, so a reload with the network cut still loads and scores.
 *
 * This file is a template: the build (vite.config.ts, `serviceWorkerPlugin`) prepends
 * `const VERSION = '…'` (a hash of every precached file) and `const PRECACHE = [...]` (the built
 * files, relative to this script) and writes it to `dist/sw.js`. A new build is a new script, so
 * the browser installs it and the old cache is deleted once it activates.
 *
 * Strategy: navigations are network-first (a fresh index.html when online, the cached shell
 * offline); every other precached file is cache-first (their names carry content hashes, except
 * the model, whose content is in VERSION). Other requests go to the network untouched.
 */
/* global VERSION, PRECACHE */

const CACHE = `txn-anomaly-app-${VERSION}`;
const scope = new URL(self.registration.scope);
const SHELL = new URL('index.html', scope).href;
const PRECACHED = new Set(PRECACHE.map((path) => new URL(path, scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `cache: 'reload'` bypasses the HTTP cache, so what is stored is what the server has now.
      await cache.addAll([...PRECACHED].map((url) => new Request(url, { cache: 'reload' })));
      // No skipWaiting(): a new version waits until the tabs of the old one are closed, so an
      // open page never loses the worker chunk it has yet to load. The first install activates
      // at once anyway (nothing is waiting on it), and claims the page below.
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith('txn-anomaly-app-') && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request));
    return;
  }
  const key = url.origin + url.pathname;
  if (PRECACHED.has(key)) event.respondWith(cacheFirst(request, key));
});

/** The network's answer; the cached page (or the app shell) when offline. */
async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const url = new URL(request.url);
    const cached = (await cache.match(url.origin + url.pathname)) ?? (await cache.match(SHELL));
    if (cached) return cached;
    throw error;
  }
}

/** The cached copy; the network (and a cache fill) when it is missing. */
async function cacheFirst(request, key) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}
