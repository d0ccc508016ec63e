import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command-line usage error; the CLI prints it with the command's usage and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** parseArgs with strict flags, turning its errors into UsageErrors that name the flag. */
export function parseFlags(argv: string[], options: NonNullable<ParseArgsConfig['options']>): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Reads a numeric flag; `what` describes the allowed range in the error. */
export function numberFlag(value: string | undefined, flag: string, fallback: number, check: (n: number) => boolean, what: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} must be ${what}, got "${value}"`);
  return n;
}

/** Reads --contamination: 'auto' or a fraction in (0, 0.5]. */
export function contaminationFlag(value: string | undefined, fallback: 'auto' | number): 'auto' | number {
  if (value === undefined) return fallback;
  if (value === 'auto') return 'auto';
  return numberFlag(value, 'contamination', 0, (n) => n > 0 && n <= 0.5, '"auto" or a number in (0, 0.5]');
}

/** Requires a flag to be present. */
export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
}
