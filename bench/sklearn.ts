import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The Python that has scikit-learn (Debian's python3-sklearn lives under /usr/bin/python3). */
export const SKLEARN_PYTHON = process.env.SKLEARN_PYTHON ?? '/usr/bin/python3';

/** The sklearn version when the reference Python has scikit-learn, else null. */
export function sklearnVersion(): string | null {
  const r = spawnSync(SKLEARN_PYTHON, ['-c', 'import sklearn, joblib; print(sklearn.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const tools = fileURLToPath(new URL('../tools/', import.meta.url));

/** Runs a script from tools/ with the reference Python; throws with its stderr on failure. */
export function runTool(script: string, args: string[]): string {
  const r = spawnSync(SKLEARN_PYTHON, [`${tools}${script}`, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}
