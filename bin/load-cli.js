// Loads the TypeScript CLI (src/cli/main.ts) for bin/txn-anomaly.js.
//
// Compiling module by module on every start (tsx's loader hooks) costs about 0.2 s before the
// first line of input is read. So the CLI runs from one ES module that esbuild (the compiler
// tsx itself uses) bundles from the sources on first use, cached under node_modules/.cache and
// keyed by the path, size and modification time of every source file: change a file and the
// next start bundles again (about 0.1 s), nothing stale is ever run. Packages stay external and
// resolve from node_modules as usual. When the bundle cannot be made (no esbuild, read-only
// install, any error) or TXN_ANOMALY_BUNDLE=0 is set, tsx compiles the modules on the fly as
// before: the code that runs is the same either way.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'src', 'cli', 'main.ts');
const cacheDir = join(root, 'node_modules', '.cache', 'txn-anomaly');

/** A digest of everything the bundle is made from. */
function sourceKey() {
  const hash = createHash('sha256');
  const add = (path) => {
    const s = statSync(path);
    hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
  };
  const walk = (dir) => {
    for (const d of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, d.name);
      if (d.isDirectory()) walk(path);
      else add(path);
    }
  };
  // The CLI imports src/cli and src/core only (the compiler enforces the layers).
  walk(join(root, 'src', 'cli'));
  walk(join(root, 'src', 'core'));
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.base.json']) if (existsSync(join(root, f))) add(join(root, f));
  return hash.digest('hex').slice(0, 20);
}

function bundle(file) {
  const require = createRequire(import.meta.url);
  // tsx's own esbuild: installed wherever tsx is.
  const esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild');
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: join(root, 'src', 'cli', 'tsconfig.json'),
    logLevel: 'silent',
  });
  // Atomic: a concurrent start sees the old bundle or the whole new one.
  renameSync(tmp, file);
  for (const name of readdirSync(cacheDir)) {
    if (name.startsWith('cli-') && join(cacheDir, name) !== file && !name.endsWith('.tmp')) rmSync(join(cacheDir, name), { force: true });
  }
}

/** The CLI module (`main`). */
export async function loadCli() {
  if (process.env.TXN_ANOMALY_BUNDLE !== '0') {
    try {
      const file = join(cacheDir, `cli-${sourceKey()}.mjs`);
      if (!existsSync(file)) bundle(file);
      return await import(pathToFileURL(file).href);
    } catch {
      // Fall back to compiling on the fly.
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import('../src/cli/main.ts');
}
