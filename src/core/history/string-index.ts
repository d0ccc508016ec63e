/**
 * A hash index from strings to non-negative numbers (open addressing, linear probing,
 * backward-shift deletion), for the in-memory store's hundreds of thousands of transaction ids.
 *
 * Why not a `Map`: a lookup that misses, the usual case for a fresh transaction id, walks a
 * `Map`'s bucket chain and loads every key on it to compare, a cache miss each once the map
 * outgrows the cache. Here the 32-bit hash of every key sits in one typed array next to its
 * neighbours, so a miss usually costs one cache line and a key is compared only when its hash
 * matches.
 *
 * The index keeps its keys itself, or, given `keyOf`, asks the owner of the values for the key
 * of a value (when the owner stores the keys anyway, as the decision log does): then a slot is
 * just a hash and a value, and setting a key writes no object reference.
 */
export class StringIndex {
  private hashes: Int32Array;
  private values: Float64Array;
  private keys: string[] | null;
  private mask: number;
  private count = 0;
  // The last key hashed: a lookup that missed is usually followed by setting the same key.
  private lastKey = '';
  private lastHash = hashString('');

  /**
   * @param initialCapacity keys it holds before it first grows
   * @param keyOf the key of a value, when the caller keeps the keys (the index then does not);
   *   must give the key the value was set with for as long as the key is in the index
   */
  constructor(initialCapacity = 1024, private readonly keyOf?: (value: number) => string) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.hashes = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.keys = keyOf === undefined ? new Array<string>(capacity).fill('') : null;
    this.mask = capacity - 1;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  private hash(key: string): number {
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastHash = hashString(key);
    }
    return this.lastHash;
  }

  private keyAt(i: number): string {
    return this.keys !== null ? this.keys[i] : this.keyOf!(this.values[i]);
  }

  /** Slot of `key`, or the empty slot where it would go (negated, minus one). */
  private find(key: string, h: number): number {
    const { hashes, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = hashes[i];
      if (x === 0) return -1 - i;
      if (x === h && this.keyAt(i) === key) return i;
    }
  }

  /** The value of `key`, or -1 when absent. */
  get(key: string): number {
    const i = this.find(key, this.hash(key));
    return i < 0 ? -1 : this.values[i];
  }

  /** Sets the value of `key` (adding it, or replacing its value). */
  set(key: string, value: number): void {
    // Load factor at most 1/2 keeps probe sequences short.
    if ((this.count + 1) * 2 > this.hashes.length) this.resize(this.hashes.length * 2);
    const h = this.hash(key);
    let i = this.find(key, h);
    if (i < 0) {
      i = -1 - i;
      this.hashes[i] = h;
      this.count++;
    }
    this.values[i] = value;
    if (this.keys !== null) this.keys[i] = key;
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: string): boolean {
    const i = this.find(key, this.hash(key));
    if (i < 0) return false;
    const { hashes, values, keys, mask } = this;
    // Backward-shift deletion: move later members of the probe run into the hole, so lookups
    // never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[j] & mask;
      // Entry j may move to the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (stays) continue;
      hashes[hole] = hashes[j];
      values[hole] = values[j];
      if (keys !== null) keys[hole] = keys[j];
      hole = j;
    }
    hashes[hole] = 0;
    if (keys !== null) keys[hole] = '';
    this.count--;
    return true;
  }

  private resize(capacity: number): void {
    const { hashes, values, keys } = this;
    const mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.values = new Float64Array(capacity);
    this.keys = keys === null ? null : new Array<string>(capacity).fill('');
    this.mask = mask;
    for (let i = 0; i < hashes.length; i++) {
      const h = hashes[i];
      if (h === 0) continue;
      let j = h & mask;
      while (this.hashes[j] !== 0) j = (j + 1) & mask;
      this.hashes[j] = h;
      this.values[j] = values[i];
      if (keys !== null) this.keys![j] = keys[i];
    }
  }
}

/**
 * A 32-bit hash of a string's UTF-16 units (FNV-1a, finished with a murmur3 mix so the low bits
 * used for the slot depend on every character); never 0, which marks an empty slot.
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h === 0 ? 1 : h;
}
