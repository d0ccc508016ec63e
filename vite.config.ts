/**
 * Two builds from one config:
 * - the app (`vite build`, `npm start` serves it in development): index.html and embed.html with
 *   the Lit elements in the main bundle, the detector (all scoring code) in its own worker chunk,
 *   the committed model as `models/isolation_forest.json`, and a service worker precaching all
 *   of it for offline use;
 * - the library (`vite build --mode lib`): `dist/lib/anomaly-detector.js`, one ES module that
 *   defines `<anomaly-detector>`, plus its worker chunk beside it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const ROOT = import.meta.dirname;
const MODEL_FILE = resolve(ROOT, 'models/isolation_forest.json');
/** Where the app serves the model (relative to the page; `<anomaly-detector>`'s default). */
const MODEL_PATH = 'models/isolation_forest.json';

/**
 * Bundles worker scripts referenced as `new URL('./x.worker.ts', import.meta.url)` outside a
 * `new Worker(...)` call (the detector client takes the URL as an option, so the expression stands
 * alone). Vite only bundles the `new Worker(new URL(...))` form and would copy the TypeScript
 * source as an asset; this rewrites the URL to Vite's `?worker&url` import, which bundles the
 * worker as its own chunk and yields its built URL.
 */
function workerUrlPlugin(): Plugin {
  const re = /new\s+URL\(\s*(['"])([^'"]+\.worker\.ts)\1\s*,\s*import\.meta\.url\s*\)/g;
  return {
    name: 'txn:worker-url',
    enforce: 'pre',
    transform(code, id) {
      if (!/\.[cm]?[jt]s$/.test(id.split('?')[0]) || id.includes('node_modules') || !re.test(code)) return null;
      re.lastIndex = 0;
      const imports: string[] = [];
      const out = code.replace(re, (match, _q: string, path: string, offset: number) => {
        // Leave `new Worker(new URL(...))` to Vite's own worker plugin.
        if (/new\s+(?:Shared)?Worker\s*\(\s*$/.test(code.slice(Math.max(0, offset - 40), offset))) return match;
        const name = `__txnWorkerUrl${imports.length}`;
        imports.push(`import ${name} from ${JSON.stringify(`${path}?worker&url`)};`);
        return `new URL(${name}, import.meta.url)`;
      });
      return imports.length ? { code: `${imports.join('\n')}\n${out}`, map: null } : null;
    },
  };
}

/** Serves the committed model in development and emits it into the app build, unhashed. */
function modelPlugin(): Plugin {
  return {
    name: 'txn:model',
    configureServer(server) {
      server.middlewares.use(`/${MODEL_PATH}`, (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Cache-Control', 'no-cache');
        res.end(readFileSync(MODEL_FILE));
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: MODEL_PATH, source: readFileSync(MODEL_FILE) });
    },
  };
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  try {
    walk(dir);
  } catch {
    // No public directory: nothing to list.
  }
  return out;
}

/**
 * Writes `sw.js`: the template `src/ui/service-worker/sw.js` with the list of files to precache
 * (every emitted file and every public file, except source maps and the embed demo) and a
 * version hashed from their contents.
 */
function serviceWorkerPlugin(): Plugin {
  let publicDir = '';
  return {
    name: 'txn:service-worker',
    apply: 'build',
    configResolved(config) {
      publicDir = config.publicDir;
    },
    generateBundle(_options, bundle) {
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const [fileName, item] of Object.entries(bundle)) {
        if (fileName.endsWith('.map') || fileName.startsWith('embed')) continue;
        files.push(fileName);
        hash.update(fileName).update(item.type === 'chunk' ? item.code : typeof item.source === 'string' ? item.source : Buffer.from(item.source));
      }
      for (const file of listFiles(publicDir)) {
        if (file === 'sw.js' || file.startsWith('embed')) continue;
        files.push(file);
        hash.update(file).update(readFileSync(join(publicDir, file)));
      }
      files.sort();
      const version = hash.digest('hex').slice(0, 16);
      const template = readFileSync(resolve(ROOT, 'src/ui/service-worker/sw.js'), 'utf8');
      const precache = ['./', ...files];
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: `const VERSION = ${JSON.stringify(version)};\nconst PRECACHE = ${JSON.stringify(precache, null, 1)};\n${template}`,
      });
    },
  };
}

export default defineConfig(({ mode }) => {
  if (mode === 'lib') {
    return {
      base: './',
      publicDir: false,
      plugins: [workerUrlPlugin()],
      worker: { format: 'es' },
      build: {
        outDir: 'dist/lib',
        emptyOutDir: true,
        target: 'es2022',
        sourcemap: true,
        lib: {
          entry: resolve(ROOT, 'src/ui/anomaly-detector.ts'),
          formats: ['es'],
          fileName: () => 'anomaly-detector.js',
        },
      },
    };
  }
  return {
    base: './',
    plugins: [workerUrlPlugin(), modelPlugin(), serviceWorkerPlugin()],
    worker: { format: 'es' },
    server: { port: 5173 },
    preview: { port: 4173 },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: true,
      // No inline modulepreload polyfill or data: URLs, so the CSP can forbid inline script.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      rollupOptions: {
        input: {
          index: resolve(ROOT, 'index.html'),
          embed: resolve(ROOT, 'embed.html'),
        },
        // The code both pages share is the elements; name its chunk (and its CSS) after them.
        output: { chunkFileNames: 'assets/elements-[hash].js', assetFileNames: (a) => (a.names?.[0]?.endsWith('.css') ? 'assets/app-[hash][extname]' : 'assets/[name]-[hash][extname]') },
      },
    },
  };
});
