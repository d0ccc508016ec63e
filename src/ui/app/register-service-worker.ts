/**
 * Registers `sw.js` (written by the build next to index.html), which precaches the app shell,
 * the detector worker chunk and the model, so the app reloads and scores offline.
 */

/** Vite replaces `import.meta.env.PROD` at build time; elsewhere (tests) it is undefined. */
interface ViteEnv {
  readonly env?: { readonly PROD?: boolean };
}

/** Registers the service worker in production builds; resolves with the registration, if any. */
export async function registerServiceWorker(scriptUrl = './sw.js'): Promise<ServiceWorkerRegistration | undefined> {
  if (!(import.meta as ImportMeta & ViteEnv).env?.PROD || !('serviceWorker' in navigator)) return undefined;
  try {
    return await navigator.serviceWorker.register(new URL(scriptUrl, document.baseURI), { scope: './' });
  } catch (error) {
    // The app still works online without it; say why offline will not.
    console.warn('Service worker not registered; the app will not work offline:', error);
    return undefined;
  }
}
