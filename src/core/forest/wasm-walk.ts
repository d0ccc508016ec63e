/**
 * The padded forest walk as WebAssembly, generated for the forest's depth when it is compiled.
 *
 * Same walk as {@link pathLengthSums}'s JavaScript: every row takes exactly D branch-free steps
 * `i = 2i + 1 + (x[feature[i]] > threshold[i])` on the same float32 values, and each row's path
 * lengths are added tree by tree in tree order, so the sums are the same to the bit. It is about
 * twice as fast (`npm run bench`, part 1): no bounds checks, and eight rows walked side by side
 * with every level written out.
 *
 * The module is a few kilobytes emitted here byte by byte (no toolchain, no binary in the
 * repository). Where WebAssembly is missing or refused (a Content Security Policy without
 * 'wasm-unsafe-eval'), {@link createWasmWalk} returns null and the JavaScript walk runs.
 */

// The core compiles against ES2022 alone (it runs in Node, workers and pages): the little of the
// WebAssembly JavaScript API used here, declared here. `typeof WebAssembly` is safe where it is missing.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
};

/** Rows walked side by side. */
const LANES = 8;

/** Rows per call: a block's rows stay in cache while every tree walks them. */
export const WASM_BLOCK_ROWS = 256;

/** A forest's walk in WebAssembly: adds every tree's path lengths of `n` rows into `out`. */
export type WasmWalk = (rows: Float32Array, rowOffset: number, n: number, out: Float64Array, outOffset: number) => void;

/** The padded arrays of a forest, as `compileForest` lays them out. */
export interface PaddedForest {
  nTrees: number;
  nFeatures: number;
  depth: number;
  feature: Int32Array;
  threshold: Float32Array;
  leafValue: Float64Array;
}

// ---------------------------------------------------------------------------------------------
// A small emitter for the instructions the walk needs
// ---------------------------------------------------------------------------------------------

const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  i32GeU: 0x4f,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  f64Add: 0xa0,
  voidType: 0x40,
  i32: 0x7f,
} as const;

function unsignedLeb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

function signedLeb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

class Code {
  readonly bytes: number[] = [];
  get(local: number): this {
    this.bytes.push(op.localGet);
    unsignedLeb(local, this.bytes);
    return this;
  }
  set(local: number): this {
    this.bytes.push(op.localSet);
    unsignedLeb(local, this.bytes);
    return this;
  }
  i32(value: number): this {
    this.bytes.push(op.i32Const);
    signedLeb(value, this.bytes);
    return this;
  }
  /** An instruction without immediates. */
  do(...opcodes: number[]): this {
    this.bytes.push(...opcodes);
    return this;
  }
  /** A load or store with its alignment (log2 bytes) and constant offset. */
  mem(opcode: number, align: number, offset = 0): this {
    this.bytes.push(opcode, align);
    unsignedLeb(offset, this.bytes);
    return this;
  }
  br(opcode: number, depth: number): this {
    this.bytes.push(opcode, depth);
    return this;
  }
}

function section(id: number, content: number[], out: number[]): void {
  out.push(id);
  unsignedLeb(content.length, out);
  out.push(...content);
}

function vector(items: number[][]): number[] {
  const out: number[] = [];
  unsignedLeb(items.length, out);
  for (const item of items) out.push(...item);
  return out;
}

function name(s: string): number[] {
  const out: number[] = [];
  unsignedLeb(s.length, out);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
  return out;
}

// Parameters of `sums`, then its locals.
const P_ROWS = 0; // byte address of the block's first row (float32, row-major)
const P_N = 1; // rows in the block
const P_ROW_BYTES = 2; // bytes per row
const P_NODES = 3; // byte address of the nodes: per tree 2^D - 1 of (float32 threshold, int32 feature byte offset)
const P_LEAVES = 4; // byte address of the path lengths: per tree 2^D float64
const P_TREES = 5; // number of trees
const P_OUT = 6; // byte address of the block's sums (float64, already holding the starting values)
const N_PARAMS = 7;
const L_I = N_PARAMS; // LANES node indices
const L_O = L_I + LANES; // LANES row addresses
const L_T = L_O + LANES; // tree counter
const L_TN = L_T + 1; // this tree's nodes
const L_TL = L_TN + 1; // this tree's path lengths, minus the internal nodes (indexed by node index)
const L_R = L_TL + 1; // row
const N_LOCALS = L_R + 1 - N_PARAMS;

/** i = 2i + 1 + (f32[o + nodes[i].feature] > nodes[i].threshold), for the given locals. */
function step(c: Code, i: number, o: number): void {
  c.get(i).i32(1).do(op.i32Shl).i32(1).do(op.i32Add);
  // The row's value at the node's feature.
  c.get(o).get(L_TN).get(i).i32(3).do(op.i32Shl, op.i32Add).mem(op.i32Load, 2, 4).do(op.i32Add).mem(op.f32Load, 2);
  // The node's threshold.
  c.get(L_TN).get(i).i32(3).do(op.i32Shl, op.i32Add).mem(op.f32Load, 2);
  c.do(op.f32Gt, op.i32Add).set(i);
}

/** out[r + lane] += leaves of this tree at i. */
function addLeaf(c: Code, lane: number, i: number): void {
  c.get(P_OUT).get(L_R).i32(lane).do(op.i32Add).i32(3).do(op.i32Shl, op.i32Add);
  c.get(P_OUT).get(L_R).i32(lane).do(op.i32Add).i32(3).do(op.i32Shl, op.i32Add).mem(op.f64Load, 3);
  c.get(L_TL).get(i).i32(3).do(op.i32Shl, op.i32Add).mem(op.f64Load, 3);
  c.do(op.f64Add).mem(op.f64Store, 3);
}

/** The module's bytes for forests of padded depth `depth`. */
export function walkModuleBytes(depth: number): Uint8Array {
  const nInternal = 2 ** depth - 1;
  const c = new Code();
  // for (t = 0, tn = nodes, tl = leaves - 8 * nInternal; t < T; t++, tn += ..., tl += ...)
  c.i32(0).set(L_T).get(P_NODES).set(L_TN).get(P_LEAVES).i32(8 * nInternal).do(op.i32Sub).set(L_TL);
  c.do(op.block, op.voidType, op.loop, op.voidType);
  c.get(L_T).get(P_TREES).do(op.i32GeU).br(op.brIf, 1);
  // Rows LANES at a time.
  c.i32(0).set(L_R);
  c.do(op.block, op.voidType, op.loop, op.voidType);
  c.get(L_R).i32(LANES).do(op.i32Add).get(P_N).do(0x4b /* i32.gt_u */).br(op.brIf, 1);
  // o0 = rows + r * rowBytes; o(k) = o(k-1) + rowBytes; i(k) = 0
  c.get(P_ROWS).get(L_R).get(P_ROW_BYTES).do(0x6c /* i32.mul */, op.i32Add).set(L_O);
  for (let k = 1; k < LANES; k++) c.get(L_O + k - 1).get(P_ROW_BYTES).do(op.i32Add).set(L_O + k);
  for (let k = 0; k < LANES; k++) c.i32(0).set(L_I + k);
  for (let level = 0; level < depth; level++) for (let k = 0; k < LANES; k++) step(c, L_I + k, L_O + k);
  for (let k = 0; k < LANES; k++) addLeaf(c, k, L_I + k);
  c.get(L_R).i32(LANES).do(op.i32Add).set(L_R);
  c.br(op.br, 0).do(op.end, op.end);
  // The rest one at a time.
  c.do(op.block, op.voidType, op.loop, op.voidType);
  c.get(L_R).get(P_N).do(op.i32GeU).br(op.brIf, 1);
  c.get(P_ROWS).get(L_R).get(P_ROW_BYTES).do(0x6c, op.i32Add).set(L_O);
  c.i32(0).set(L_I);
  for (let level = 0; level < depth; level++) step(c, L_I, L_O);
  addLeaf(c, 0, L_I);
  c.get(L_R).i32(1).do(op.i32Add).set(L_R);
  c.br(op.br, 0).do(op.end, op.end);
  // Next tree.
  c.get(L_T).i32(1).do(op.i32Add).set(L_T);
  c.get(L_TN).i32(8 * nInternal).do(op.i32Add).set(L_TN);
  c.get(L_TL).i32(8 * (nInternal + 1)).do(op.i32Add).set(L_TL);
  c.br(op.br, 0).do(op.end, op.end);
  c.do(op.end);

  const body: number[] = [];
  unsignedLeb(1, body); // one run of locals
  unsignedLeb(N_LOCALS, body);
  body.push(op.i32);
  body.push(...c.bytes);
  const entry: number[] = [];
  unsignedLeb(body.length, entry);
  entry.push(...body);

  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(1, vector([[0x60, ...vector(Array.from({ length: N_PARAMS }, () => [op.i32])), 0x00]]), out);
  section(3, vector([[0x00]]), out);
  section(5, vector([[0x00, 0x01]]), out); // one memory, at least one page, grown from JS
  section(7, vector([[...name('sums'), 0x00, 0x00], [...name('memory'), 0x02, 0x00]]), out);
  section(10, vector([entry]), out);
  return Uint8Array.from(out);
}

const PAGE = 65536;

/**
 * The WebAssembly walk of a padded forest, or null where WebAssembly cannot run here. The
 * forest's arrays are copied into the module's memory once.
 */
export function createWasmWalk(forest: PaddedForest): WasmWalk | null {
  const { nTrees: T, nFeatures: nf, depth } = forest;
  if (depth < 1 || typeof WebAssembly !== 'object') return null;
  const nInternal = 2 ** depth - 1;
  const nLeaves = nInternal + 1;
  let exports: Record<string, unknown>;
  try {
    exports = new WebAssembly.Instance(new WebAssembly.Module(walkModuleBytes(depth)), {}).exports;
  } catch {
    // Refused (Content Security Policy) or unsupported: the JavaScript walk does the same.
    return null;
  }
  const memory = exports.memory as WasmMemory;
  const sums = exports.sums as (rows: number, n: number, rowBytes: number, nodes: number, leaves: number, trees: number, out: number) => void;
  const leavesAt = 0;
  const nodesAt = leavesAt + T * nLeaves * 8;
  const rowsAt = nodesAt + T * nInternal * 8;
  const outAt = rowsAt + WASM_BLOCK_ROWS * nf * 4;
  const bytes = outAt + WASM_BLOCK_ROWS * 8;
  memory.grow(Math.ceil(bytes / PAGE));
  const buffer = memory.buffer;
  new Float64Array(buffer, leavesAt, T * nLeaves).set(forest.leafValue);
  const nodes = new Float32Array(buffer, nodesAt, 2 * T * nInternal);
  const nodeFeatures = new Int32Array(buffer, nodesAt, 2 * T * nInternal);
  for (let k = 0; k < T * nInternal; k++) {
    nodes[2 * k] = forest.threshold[k];
    nodeFeatures[2 * k + 1] = 4 * forest.feature[k];
  }
  const rowsView = new Float32Array(buffer, rowsAt, WASM_BLOCK_ROWS * nf);
  const outView = new Float64Array(buffer, outAt, WASM_BLOCK_ROWS);
  return (rows, rowOffset, n, out, outOffset) => {
    for (let r0 = 0; r0 < n; r0 += WASM_BLOCK_ROWS) {
      const m = Math.min(WASM_BLOCK_ROWS, n - r0);
      rowsView.set(rows.subarray((rowOffset + r0) * nf, (rowOffset + r0 + m) * nf));
      outView.set(out.subarray(outOffset + r0, outOffset + r0 + m));
      sums(rowsAt, m, nf * 4, nodesAt, leavesAt, T, outAt);
      out.set(outView.subarray(0, m), outOffset + r0);
    }
  };
}
