import { hasResultShape } from '../contract/result-shape';
import { Recommendation, RiskLevel, type DetectionResult, type Explanation, type ReasonCode } from '../contract/types';
import { StringIndex } from './string-index';

const LEVELS: readonly RiskLevel[] = Object.values(RiskLevel);
const RECOMMENDATIONS: readonly Recommendation[] = Object.values(Recommendation);

/**
 * Decisions per chunk by default (a power of two). At 32,768 every column array of a chunk is a
 * little over 128 KB, so V8 allocates it in large-object space, whose objects the young-generation
 * collector promotes without copying them: a smaller chunk's arrays were copied twice on their way
 * to the old generation (`score` bench: 30-35 ms of collection per 300,000 decisions).
 */
const DEFAULT_CHUNK = 32_768;

/**
 * A block of consecutive decisions, as columns. A result as the detector builds
 * it is kept as its fields: numbers in a typed array, enumerations as codes, strings and
 * non-empty arrays by reference; anything else is kept whole in `objects`.
 */
class Chunk {
  readonly ids: string[];
  readonly userIds: string[];
  readonly versions: string[];
  /** risk_score, model_score, decision_function per decision. */
  readonly numbers: Float64Array;
  /** Index in LEVELS, index in RECOMMENDATIONS, and 1 when `explanation` is a key. */
  readonly codes: Uint8Array;
  readonly reasonCodes: Array<ReasonCode[] | null>;
  readonly reasonDetails: Array<string[] | null>;
  readonly explanations: Array<Explanation | undefined>;
  readonly objects: Array<DetectionResult | null>;

  constructor(size: number) {
    this.ids = new Array<string>(size).fill('');
    this.userIds = new Array<string>(size).fill('');
    this.versions = new Array<string>(size).fill('');
    this.numbers = new Float64Array(3 * size);
    this.codes = new Uint8Array(3 * size);
    this.reasonCodes = new Array<ReasonCode[] | null>(size).fill(null);
    this.reasonDetails = new Array<string[] | null>(size).fill(null);
    this.explanations = new Array<Explanation | undefined>(size).fill(undefined);
    this.objects = new Array<DetectionResult | null>(size).fill(null);
  }

  write(k: number, r: DetectionResult): void {
    const level = LEVELS.indexOf(r.risk_level);
    const recommendation = RECOMMENDATIONS.indexOf(r.recommendation);
    if (level < 0 || recommendation < 0 || !hasResultShape(r)) {
      this.objects[k] = r;
      this.reasonCodes[k] = null;
      this.reasonDetails[k] = null;
      this.explanations[k] = undefined;
      return;
    }
    this.objects[k] = null;
    this.userIds[k] = r.user_id;
    this.versions[k] = r.model_version;
    this.numbers[3 * k] = r.risk_score;
    this.numbers[3 * k + 1] = r.model_score;
    this.numbers[3 * k + 2] = r.decision_function;
    this.codes[3 * k] = level;
    this.codes[3 * k + 1] = recommendation;
    this.codes[3 * k + 2] = 'explanation' in r ? 1 : 0;
    this.reasonCodes[k] = r.reason_codes.length === 0 ? null : r.reason_codes;
    this.reasonDetails[k] = r.reason_details.length === 0 ? null : r.reason_details;
    this.explanations[k] = r.explanation;
  }

  read(k: number): DetectionResult {
    const whole = this.objects[k];
    if (whole !== null) return whole;
    // The detector's key order, so the result serialises as the recorded one did.
    const result: DetectionResult = {
      transaction_id: this.ids[k],
      user_id: this.userIds[k],
      risk_score: this.numbers[3 * k],
      risk_level: LEVELS[this.codes[3 * k]],
      reason_codes: this.reasonCodes[k] ?? [],
      recommendation: RECOMMENDATIONS[this.codes[3 * k + 1]],
      reason_details: this.reasonDetails[k] ?? [],
      model_score: this.numbers[3 * k + 1],
      decision_function: this.numbers[3 * k + 2],
      model_version: this.versions[k],
    };
    if (this.codes[3 * k + 2] === 1) result.explanation = this.explanations[k];
    return result;
  }
}

/**
 * The decisions an in-memory store remembers for idempotency, oldest forgotten first once there
 * are more than `max` (in the order ids were first recorded; recording an id again replaces its
 * decision in place, as `Map.set` does).
 *
 * Decisions are numbered in recording order and kept in chunks of consecutive numbers, found
 * through a {@link StringIndex} from id to number: nothing is copied as the log grows, and a
 * chunk goes once all its decisions are forgotten. A detector's result is kept as its fields (a
 * fraction of the objects of a result: object, two arrays, three boxed numbers) and `get`
 * rebuilds an equal one: same keys in the same order, same values, the same arrays when they
 * were not empty. Any other object is kept and returned as it is.
 */
export class DecisionLog {
  // The chunks keep the ids; the index asks them (an id stays in its slot while indexed).
  private readonly index = new StringIndex(1024, (n) => this.chunkOf(n).ids[n & this.mask]);
  private readonly chunks: Chunk[] = [];
  /** Number of the oldest remembered decision; chunks[0] starts at its chunk. */
  private first = 0;
  /** Number the next new id gets. */
  private next = 0;

  /** Decisions per chunk, minus one. */
  private readonly mask: number;

  /**
   * @param max decisions remembered
   * @param chunkSize decisions per chunk, a power of two (default 32,768)
   */
  constructor(
    private readonly max: number,
    private readonly chunkSize = DEFAULT_CHUNK,
  ) {
    if (!(Number.isInteger(Math.log2(chunkSize)) && chunkSize >= 1)) throw new RangeError(`chunkSize must be a power of two, got ${chunkSize}`);
    this.mask = chunkSize - 1;
  }

  /** Number of remembered decisions. */
  get size(): number {
    return this.next - this.first;
  }

  /** The decision recorded for `id`, if it is still remembered. */
  get(id: string): DetectionResult | undefined {
    const n = this.index.get(id);
    // (`& this.mask` keeps the low bits of any integer below 2^53.)
    return n < 0 ? undefined : this.chunkOf(n).read(n & this.mask);
  }

  /** Remembers `result` under its transaction id, forgetting the oldest beyond `max`. */
  record(result: DetectionResult): void {
    const id = result.transaction_id;
    const known = this.index.get(id);
    if (known >= 0) {
      this.chunkOf(known).write(known & this.mask, result);
      return;
    }
    const n = this.next++;
    if ((n & this.mask) === 0 || this.chunks.length === 0) this.chunks.push(new Chunk(this.chunkSize));
    const chunk = this.chunkOf(n);
    chunk.ids[n & this.mask] = id;
    chunk.write(n & this.mask, result);
    this.index.set(id, n);
    while (this.next - this.first > this.max) this.forgetOldest();
  }

  private chunkOf(n: number): Chunk {
    return this.chunks[Math.floor(n / this.chunkSize) - Math.floor(this.first / this.chunkSize)];
  }

  private forgetOldest(): void {
    const n = this.first;
    const chunk = this.chunks[0];
    const k = n & this.mask;
    // First out of the index, while every chunk it may ask for an id is where chunkOf finds it.
    this.index.delete(chunk.ids[k]);
    this.first++;
    if (k === this.mask || this.first === this.next) this.chunks.shift();
    else {
      // Let the garbage collector have what the forgotten decision referenced.
      chunk.ids[k] = '';
      chunk.userIds[k] = '';
      chunk.versions[k] = '';
      chunk.reasonCodes[k] = null;
      chunk.reasonDetails[k] = null;
      chunk.explanations[k] = undefined;
      chunk.objects[k] = null;
    }
  }
}
