/**
 * The random numbers scikit-learn's IsolationForest draws, reproduced draw for draw, so that a
 * forest trained here with seed s is the forest `IsolationForest(random_state=s).fit(X)` grows
 * (scikit-learn 1.2, NumPy's legacy `RandomState`).
 *
 * - {@link MersenneTwister}: NumPy's `RandomState(seed)`: MT19937 with the reference
 *   `init_genrand` seeding, and the two bounded draws scikit-learn uses (`randint`, and the
 *   Fisher–Yates `random_interval` of `shuffle`/`permutation`), both "masked rejection": draw
 *   32 bits, keep the smallest all-ones mask covering the range, retry while above it.
 * - {@link sampleWithoutReplacement}: `sklearn.utils.random.sample_without_replacement` with
 *   method 'auto' (permutation, tracking selection or reservoir sampling by the sampling ratio).
 * - {@link RandR}: the trees' own generator (`our_rand_r` of sklearn/tree/_utils.pyx), an
 *   xorshift seeded from the tree's `RandomState`, with `rand_int` and `rand_uniform`.
 */

const N = 624;
const M = 397;

/** NumPy's legacy `RandomState` (MT19937) for the draws scikit-learn's forest makes. */
export class MersenneTwister {
  private readonly mt = new Uint32Array(N);
  private index = N;

  /** @param seed an integer in [0, 2^32 - 1], as `RandomState(seed)` accepts. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 4294967295], got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, modulo 2^32, without losing bits to float rounding.
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** `genrand_int32`: the next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      for (let k = 0; k < N; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
        mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * A uniform integer in [0, max] (max <= 2^32 - 2) by masked rejection: NumPy's legacy
   * `randint(0, max + 1)` and `random_interval(max)` alike. `max` 0 draws nothing.
   */
  bounded(max: number): number {
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextUint32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `randint(high)`: a uniform integer in [0, high). */
  randint(high: number): number {
    return this.bounded(high - 1);
  }
}

/** `np.iinfo(np.int32).max`: the bound of the seeds scikit-learn hands to its estimators. */
export const INT32_MAX = 0x7fffffff;

/**
 * `sklearn.utils.random.sample_without_replacement(nPopulation, nSamples, random_state=rs)` with
 * method 'auto', in the order scikit-learn returns the indices.
 */
export function sampleWithoutReplacement(nPopulation: number, nSamples: number, rs: MersenneTwister): Int32Array {
  const out = new Int32Array(nSamples);
  const ratio = nPopulation !== 0 ? nSamples / nPopulation : 1;
  if (ratio > 0.01 && ratio < 0.99) {
    // rng.permutation(nPopulation)[:nSamples]: a full legacy shuffle of arange(nPopulation).
    const perm = new Int32Array(nPopulation);
    for (let i = 0; i < nPopulation; i++) perm[i] = i;
    for (let i = nPopulation - 1; i >= 1; i--) {
      const j = rs.bounded(i);
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    out.set(perm.subarray(0, nSamples));
  } else if (ratio < 0.2) {
    // Tracking selection: draw, redraw while already selected.
    const selected = new Set<number>();
    for (let i = 0; i < nSamples; i++) {
      let j = rs.randint(nPopulation);
      while (selected.has(j)) j = rs.randint(nPopulation);
      selected.add(j);
      out[i] = j;
    }
  } else {
    // Reservoir sampling.
    for (let i = 0; i < nSamples; i++) out[i] = i;
    for (let i = nSamples; i < nPopulation; i++) {
      const j = rs.bounded(i);
      if (j < nSamples) out[j] = i;
    }
  }
  return out;
}

/** `RAND_R_MAX` of sklearn/tree/_utils.pyx. */
export const RAND_R_MAX = 0x7fffffff;

/** The tree builder's generator: `our_rand_r`, `rand_int` and `rand_uniform` of scikit-learn's trees. */
export class RandR {
  private state: number;

  /** @param state the splitter's seed, `RandomState(tree_seed).randint(0, RAND_R_MAX)`. */
  constructor(state: number) {
    this.state = state >>> 0;
  }

  /** `our_rand_r`: an integer in [0, RAND_R_MAX]. */
  next(): number {
    let s = this.state;
    if (s === 0) s = 1; // DEFAULT_SEED
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    return s % (RAND_R_MAX + 1);
  }

  /** `rand_int(low, high)`: an integer in [low, high). */
  int(low: number, high: number): number {
    return low + (this.next() % (high - low));
  }

  /** `rand_uniform(low, high)`, in double precision as the C code computes it. */
  uniform(low: number, high: number): number {
    return ((high - low) * this.next()) / RAND_R_MAX + low;
  }
}
