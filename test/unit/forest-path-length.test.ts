import { describe, expect, it } from 'vitest';
import { averagePathLength, heightLimit } from '../../src/core/forest/path-length';
import { expectAllClose } from '../helpers/all-close';

/** c(n) written out from the paper (Liu et al. 2008, eq. 1) with H(i) = ln(i) + γ, independently of the code under test. */
function expectedC(n: number): number {
  const gamma = 0.5772156649015329;
  return 2 * (Math.log(n - 1) + gamma) - (2 * (n - 1)) / n;
}

describe('averagePathLength c(n)', () => {
  it('is 0 for a leaf holding no sample or a single sample', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
  });

  it('is exactly 1 for two samples, as scikit-learn special-cases it', () => {
    expect(averagePathLength(2)).toBe(1);
  });

  it('follows 2(ln(n-1) + γ) - 2(n-1)/n for three samples', () => {
    // 2(ln 2 + γ) - 4/3 ≈ 1.2073
    expectAllClose(averagePathLength(3), expectedC(3), { atol: 0, rtol: 1e-15 });
    expectAllClose(averagePathLength(3), 1.2073, { atol: 1e-4, rtol: 0 });
  });

  it('follows 2(ln(n-1) + γ) - 2(n-1)/n for the default sub-sample of 256', () => {
    // 2(ln 255 + γ) - 510/256 ≈ 10.2448
    expectAllClose(averagePathLength(256), expectedC(256), { atol: 0, rtol: 1e-15 });
    expectAllClose(averagePathLength(256), 10.2448, { atol: 1e-4, rtol: 0 });
  });

  it('grows with n across a range of sub-sample sizes', () => {
    const ns = [3, 4, 5, 10, 64, 100, 255, 256, 257, 1000, 65536];
    const actual = ns.map(averagePathLength);
    expectAllClose(actual, ns.map(expectedC), { atol: 0, rtol: 1e-15 });
    for (let i = 1; i < actual.length; i++) expect(actual[i]).toBeGreaterThan(actual[i - 1]);
  });
});

describe('heightLimit', () => {
  it('is log2(psi) when psi is a power of two: 8 for 256', () => {
    expect(heightLimit(256)).toBe(8);
  });

  it('rounds log2 up as soon as psi passes a power of two: 9 for 257', () => {
    expect(heightLimit(257)).toBe(9);
  });

  it('is 1 for a sub-sample of a single row, which counts as two', () => {
    expect(heightLimit(1)).toBe(1);
    expect(heightLimit(2)).toBe(1);
  });

  it('is ceil(log2(psi)) for every psi up to 5000', () => {
    for (let psi = 2; psi <= 5000; psi++) {
      // Smallest h with 2^h >= psi, by integer arithmetic.
      let h = 0;
      while (2 ** h < psi) h++;
      if (heightLimit(psi) !== h) expect.fail(`heightLimit(${psi}) = ${heightLimit(psi)}, expected ${h}`);
    }
  });
});
