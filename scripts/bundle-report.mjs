// Reports the gzip sizes of the built app's main bundle (the JS and CSS index.html loads), the
// detector worker chunk and the model, and fails when the main bundle carries scoring code
// (any source under src/core other than the simulator, the contract's types and the PRNG, per
// its source maps) or exceeds the budget. Run after `vite build`: node scripts/bundle-report.mjs
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = resolve(process.argv[2] ?? 'dist');
const MAIN_BUDGET_GZIP = 60 * 1024;
/** Core sources the page may carry: the simulator drives the feed; types and constants are data. */
const ALLOWED_CORE = [/^src\/core\/simulator\//, /^src\/core\/random\//, /^src\/core\/rules\/cities\.ts$/, /^src\/core\/contract\/types\.ts$/];

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

const html = readFileSync(join(DIST, 'index.html'), 'utf8');
const referenced = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const assets = readdirSync(join(DIST, 'assets'));
const worker = assets.find((f) => /^detector\.worker-.*\.js$/.test(f));
if (!worker) throw new Error('no detector.worker-*.js chunk in dist/assets');

const problems = [];
let mainGzip = 0;
for (const file of referenced) {
  const path = join(DIST, file);
  mainGzip += gz(path);
  if (!file.endsWith('.js') || !existsSync(`${path}.map`)) continue;
  const { sources } = JSON.parse(readFileSync(`${path}.map`, 'utf8'));
  for (const source of sources) {
    const rel = source.replace(/^(\.\.\/)+/, '');
    if (rel.startsWith('src/core/') && !ALLOWED_CORE.some((re) => re.test(rel))) problems.push(`${file} carries ${rel} (scoring code belongs in the worker chunk)`);
  }
}
if (mainGzip > MAIN_BUDGET_GZIP) problems.push(`main bundle is ${kb(mainGzip)} gzip, over the ${kb(MAIN_BUDGET_GZIP)} budget`);

const report = {
  main_bundle: { files: referenced, gzip_bytes: mainGzip },
  worker: { file: `assets/${worker}`, gzip_bytes: gz(join(DIST, 'assets', worker)) },
  model: { file: 'models/isolation_forest.json', gzip_bytes: gz(join(DIST, 'models/isolation_forest.json')) },
};
const lib = join(DIST, 'lib/anomaly-detector.js');
if (existsSync(lib)) report.library = { file: 'lib/anomaly-detector.js', gzip_bytes: gz(lib) };
for (const [name, r] of Object.entries(report)) console.log(`${name.padEnd(12)} ${kb(r.gzip_bytes).padStart(9)} gzip  ${r.files ? r.files.join(' + ') : r.file}`);
if (problems.length) {
  for (const p of problems) console.error(`bundle-report: ${p}`);
  process.exit(1);
}
