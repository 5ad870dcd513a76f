// Compressed sparse row (CSR) matrices on typed arrays and the sparse × dense products that
// graph models use for message passing: out = A · X with X row-major [nCols × dim].
// Cost O(nnz × dim) per product; A is never densified.
//
// Kernel choice (measured by scripts/bench-graph.ts --spmm; see the numbers at the top of
// src/models/graph/common.ts): rows are processed independently; for each row the output is
// accumulated in blocks of 8 columns held in local variables (8 independent accumulators), so the
// inner loop does one gather of 8 contiguous floats per non-zero and no stores until the row ends.
// A plain "out[j] += v · x[j]" loop re-reads and re-writes the output row per non-zero.
import { Worker } from "node:worker_threads";
import { ValidationError } from "../errors";

export interface CsrMatrix {
  readonly nRows: number;
  readonly nCols: number;
  /** Row pointers, length nRows + 1. */
  readonly indptr: Int32Array;
  /** Column of every non-zero, grouped by row (ascending within a row when built here). */
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export function csrNnz(a: CsrMatrix): number {
  return a.indptr[a.nRows];
}

/** Checks shapes and index ranges (used at the edges; kernels trust their input). */
export function validateCsr(a: CsrMatrix, field = "matrix"): void {
  if (a.indptr.length !== a.nRows + 1) throw new ValidationError(`${field}.indptr`, a.indptr.length, `length nRows + 1 = ${a.nRows + 1}`);
  const nnz = a.indptr[a.nRows];
  if (a.indices.length < nnz || a.values.length < nnz) throw new ValidationError(`${field}.indices`, a.indices.length, `at least indptr[nRows] = ${nnz}`);
  for (let r = 0; r < a.nRows; r++) {
    if (a.indptr[r + 1] < a.indptr[r]) throw new ValidationError(`${field}.indptr[${r + 1}]`, a.indptr[r + 1], `>= indptr[${r}] = ${a.indptr[r]}`);
  }
  for (let k = 0; k < nnz; k++) {
    const c = a.indices[k];
    if (c < 0 || c >= a.nCols) throw new ValidationError(`${field}.indices[${k}]`, c, `a column in 0–${a.nCols - 1}`);
  }
}

function checkDense(a: CsrMatrix, x: Float32Array, dim: number, out: Float32Array): void {
  if (!Number.isInteger(dim) || dim < 1) throw new ValidationError("dim", dim, "a positive integer");
  if (x.length < a.nCols * dim) throw new ValidationError("x.length", x.length, `at least nCols × dim = ${a.nCols * dim}`);
  if (out.length < a.nRows * dim) throw new ValidationError("out.length", out.length, `at least nRows × dim = ${a.nRows * dim}`);
  if (x === out || (x.buffer === out.buffer && overlaps(x, out))) throw new ValidationError("out", "aliases x", "a buffer distinct from x");
}

function overlaps(a: Float32Array, b: Float32Array): boolean {
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * out[r, :] = Σ_k A[r, c_k] · x[c_k, :] for rows r in [rowStart, rowEnd) (default all rows).
 * x is row-major [nCols × dim], out row-major [nRows × dim]; rows outside the range are untouched.
 */
export function spmm(a: CsrMatrix, x: Float32Array, dim: number, out: Float32Array, rowStart = 0, rowEnd = a.nRows): void {
  checkDense(a, x, dim, out);
  if (dim % 8 === 0) spmmBlocked8(a.indptr, a.indices, a.values, x, dim, out, rowStart, rowEnd);
  else spmmPlain(a.indptr, a.indices, a.values, x, dim, out, rowStart, rowEnd);
}

/** The straightforward kernel: out row accumulated in memory (any dim). */
export function spmmPlain(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  x: Float32Array,
  dim: number,
  out: Float32Array,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const o = r * dim;
    for (let j = 0; j < dim; j++) out[o + j] = 0;
    const end = indptr[r + 1];
    for (let k = indptr[r]; k < end; k++) {
      const v = values[k];
      const base = indices[k] * dim;
      for (let j = 0; j < dim; j++) out[o + j] += v * x[base + j];
    }
  }
}

/** dim a multiple of 8: eight column accumulators in locals per pass over the row. */
export function spmmBlocked8(
  indptr: Int32Array,
  indices: Int32Array,
  values: Float32Array,
  x: Float32Array,
  dim: number,
  out: Float32Array,
  rowStart: number,
  rowEnd: number,
): void {
  for (let r = rowStart; r < rowEnd; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    const o = r * dim;
    for (let j = 0; j < dim; j += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let k = start; k < end; k++) {
        const v = values[k];
        const b = indices[k] * dim + j;
        a0 += v * x[b];
        a1 += v * x[b + 1];
        a2 += v * x[b + 2];
        a3 += v * x[b + 3];
        a4 += v * x[b + 4];
        a5 += v * x[b + 5];
        a6 += v * x[b + 6];
        a7 += v * x[b + 7];
      }
      out[o + j] = a0;
      out[o + j + 1] = a1;
      out[o + j + 2] = a2;
      out[o + j + 3] = a3;
      out[o + j + 4] = a4;
      out[o + j + 5] = a5;
      out[o + j + 6] = a6;
      out[o + j + 7] = a7;
    }
  }
}

/** Aᵀ as a CSR matrix (columns become rows; ascending columns within each row). */
export function transposeCsr(a: CsrMatrix): CsrMatrix {
  const nnz = csrNnz(a);
  const indptr = new Int32Array(a.nCols + 1);
  for (let k = 0; k < nnz; k++) indptr[a.indices[k] + 1]++;
  for (let c = 0; c < a.nCols; c++) indptr[c + 1] += indptr[c];
  const cursor = indptr.slice(0, a.nCols);
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const slot = cursor[a.indices[k]]++;
      indices[slot] = r;
      values[slot] = a.values[k];
    }
  }
  return { nRows: a.nCols, nCols: a.nRows, indptr, indices, values };
}

/** y = A · x for a vector x (length nCols) into out (length nRows). */
export function spmv(a: CsrMatrix, x: ArrayLike<number>, out: Float32Array | Float64Array): void {
  for (let r = 0; r < a.nRows; r++) {
    let sum = 0;
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) sum += a.values[k] * x[a.indices[k]];
    out[r] = sum;
  }
}

/** Dense row-major copy (tests and tiny matrices only). */
export function csrToDense(a: CsrMatrix): Float32Array {
  const out = new Float32Array(a.nRows * a.nCols);
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) out[r * a.nCols + a.indices[k]] += a.values[k];
  }
  return out;
}

/** CSR from a dense row-major matrix, keeping non-zeros (tests). */
export function csrFromDense(dense: ArrayLike<number>, nRows: number, nCols: number): CsrMatrix {
  const indptr = new Int32Array(nRows + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < nRows; r++) {
    for (let c = 0; c < nCols; c++) {
      const v = dense[r * nCols + c];
      if (v !== 0) {
        cols.push(c);
        vals.push(v);
      }
    }
    indptr[r + 1] = cols.length;
  }
  return { nRows, nCols, indptr, indices: Int32Array.from(cols), values: Float32Array.from(vals) };
}

// ---------------------------------------------------------------------------------------------
// WebAssembly SIMD kernel. V8 compiles the JS loops above to scalar code; the same loop written
// with 128-bit f32x4 lanes runs 3–4× faster here (Gowalla Â, 1.62M non-zeros × 64 columns, on the
// loaded 2-core machine: JS 8-accumulator loop 290–370 ms, this 60–95 ms; `npm run bench:graph --
// --kernels`). There is no compiler to WebAssembly on this machine and no dependency may be
// added, so the module is assembled below from its binary encoding (two small functions),
// validated at load, and checked against the JS kernel by the tests.
//
// kernel(indptr, indices, values, x, out, acc, rowStart, rowEnd, rowBytes, colStart, colEnd):
// pointers are byte offsets into the memory; for rows [rowStart, rowEnd) and the bytes
// [colStart, colEnd) of each row, out = A·x, and when acc ≠ 0 also acc += A·x (a layer sum in the
// same pass). Columns go in blocks of 4·W floats held in W f32x4 locals: W = 8 ("wide", 32
// columns per pass over the row's non-zeros) and W = 1 ("narrow", the remainder).
//
// Threads: with `threads` > 1 the memory is a shared WebAssembly.Memory and worker threads run
// the same kernel on their share of the rows (split by non-zeros); the caller's thread takes the
// first share and waits on an Atomics word for the others.

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(value: number): number[] {
  const out: number[] = [];
  let n = value >>> 0;
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let n = value | 0;
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
};

// Instructions used (opcodes from the WebAssembly core and SIMD specifications).
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  if: [0x04, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (local: number) => [0x20, ...uleb(local)],
  set: (local: number) => [0x21, ...uleb(local)],
  i32: (value: number) => [0x41, ...sleb(value)],
  i32Load: (offset: number) => [0x28, 2, ...uleb(offset)],
  f32Load: (offset: number) => [0x2a, 2, ...uleb(offset)],
  i32GeS: [0x4e],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
};

/** Body of the blocked SpMM kernel with `width` f32x4 accumulators (4·width columns per pass). */
function kernelBody(width: number): number[] {
  const [INDPTR, INDICES, VALUES, X, OUT, ACC, R0, R1, ROWBYTES, C0, C1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // i32 locals: r, k, kEnd, j, b (x address), o (out row), kStart, ao (acc row)
  const [R, K, KEND, J, B, O, KSTART, AO] = [11, 12, 13, 14, 15, 16, 17, 18];
  const V = 19; // splatted value
  const A = 20; // accumulators A..A+width−1
  const body: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const p of parts) body.push(...p);
  };
  emit(op.get(R0), op.set(R));
  emit(op.block, op.loop); // rows
  emit(op.get(R), op.get(R1), op.i32GeS, op.brIf(1));
  emit(op.get(INDPTR), op.get(R), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(0), op.set(KSTART));
  emit(op.get(INDPTR), op.get(R), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(4), op.set(KEND));
  emit(op.get(OUT), op.get(R), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.set(O));
  emit(op.get(ACC), op.get(R), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.set(AO));
  emit(op.get(C0), op.set(J));
  emit(op.block, op.loop); // column blocks
  emit(op.get(J), op.get(C1), op.i32GeS, op.brIf(1));
  for (let a = 0; a < width; a++) emit(op.v128Zero, op.set(A + a));
  emit(op.get(KSTART), op.set(K));
  emit(op.block, op.loop); // non-zeros of the row
  emit(op.get(K), op.get(KEND), op.i32GeS, op.brIf(1));
  emit(op.get(VALUES), op.get(K), op.i32(2), op.i32Shl, op.i32Add, op.f32Load(0), op.f32x4Splat, op.set(V));
  emit(op.get(X), op.get(INDICES), op.get(K), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(0), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.get(J), op.i32Add, op.set(B));
  for (let a = 0; a < width; a++) emit(op.get(A + a), op.get(V), op.get(B), op.v128Load(16 * a), op.f32x4Mul, op.f32x4Add, op.set(A + a));
  emit(op.get(K), op.i32(1), op.i32Add, op.set(K), op.br(0), op.end, op.end);
  for (let a = 0; a < width; a++) emit(op.get(O), op.get(J), op.i32Add, op.get(A + a), op.v128Store(16 * a));
  emit(op.get(ACC), op.if);
  for (let a = 0; a < width; a++) {
    emit(op.get(AO), op.get(J), op.i32Add); // address for the store
    emit(op.get(AO), op.get(J), op.i32Add, op.v128Load(16 * a), op.get(A + a), op.f32x4Add, op.v128Store(16 * a));
  }
  emit(op.end);
  emit(op.get(J), op.i32(16 * width), op.i32Add, op.set(J), op.br(0), op.end, op.end);
  emit(op.get(R), op.i32(1), op.i32Add, op.set(R), op.br(0), op.end, op.end);
  emit(op.end);
  const locals = vec([
    [...uleb(8), I32],
    [...uleb(1 + width), V128],
  ]);
  const code = [...locals, ...body];
  return [...uleb(code.length), ...code];
}

const WIDE = 8;

/** The module; `sharedPages` declares an imported shared memory of exactly that many pages. */
function assembleSpmmModule(sharedPages?: number): Uint8Array {
  const signature = [0x60, ...vec(new Array<number[]>(11).fill([I32])), 0];
  const limits = sharedPages === undefined ? [0x00, ...uleb(1)] : [0x03, ...uleb(sharedPages), ...uleb(sharedPages)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([signature])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec([uleb(0), uleb(0)])),
    ...section(7, vec([[...name("spmmWide"), 0x00, 0], [...name("spmmNarrow"), 0x00, 1]])),
    ...section(10, vec([kernelBody(WIDE), kernelBody(1)])),
  ]);
}

// The project's lib settings (ES2023, no DOM) declare no WebAssembly values; Node has them.
interface WasmModule {
  readonly kind?: "module";
}
interface WasmMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type Kernel = (indptr: number, indices: number, values: number, x: number, out: number, acc: number, r0: number, r1: number, rowBytes: number, c0: number, c1: number) => void;

let supported: boolean | undefined;

/** True when this runtime validates the SIMD module (Node ≥ 16.4). */
export function wasmSpmmSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = wasm.validate(assembleSpmmModule());
    } catch {
      supported = false;
    }
  }
  return supported;
}

const PAGE = 65536;
const MAX_PAGES = 65536;

// Worker threads: plain JavaScript evaluated by node:worker_threads (no loader needed). The
// control words (Int32Array over a SharedArrayBuffer): [0] generation posted by the caller,
// [1] generation finished by this worker, [2] 0 = run, 1 = exit, [3..13] kernel arguments,
// [14] 1 = wide kernel, 0 = narrow, [15] set to 1 by a worker whose kernel threw.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { bytes, memory, control } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const wide = instance.exports.spmmWide;
const narrow = instance.exports.spmmNarrow;
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (ctl[2] === 1) break;
  const f = ctl[14] === 1 ? wide : narrow;
  try {
    f(ctl[3], ctl[4], ctl[5], ctl[6], ctl[7], ctl[8], ctl[9], ctl[10], ctl[11], ctl[12], ctl[13]);
  } catch {
    Atomics.store(ctl, 15, 1);
  }
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
`;

interface WorkerHandle {
  worker: Worker;
  control: Int32Array;
  generation: number;
}

export interface SpmmEngineOptions {
  /** Force a kernel; default: WebAssembly SIMD when available and dim % 4 = 0, else JS. */
  backend?: "wasm-simd" | "js";
  /** Threads sharing each product (1–16; default 1). Below ~50k non-zeros one thread is used. */
  threads?: number;
}

/**
 * One CSR matrix and `slots` dense buffers of max(nRows, nCols) × dim floats in one WebAssembly
 * memory, so repeated products (layers, steps) copy nothing: callers read and write the buffers
 * through `buffer(slot)` views. The matrix values are writable through `values()` (edge dropout
 * rescales them per step). Falls back to the JS kernel on plain typed arrays when the SIMD module
 * is unavailable or dim is not a multiple of 4 (`backend` says which). Call dispose() to stop
 * the worker threads.
 */
export class SpmmEngine {
  readonly backend: "wasm-simd" | "js";
  readonly rows: number;
  readonly threads: number;
  private readonly views: Float32Array[] = [];
  private readonly valuesView: Float32Array;
  private readonly indptrView: Int32Array;
  private readonly indicesView: Int32Array;
  private readonly pointers: { indptr: number; indices: number; values: number; slots: number[] } | undefined;
  private readonly wide: Kernel | undefined;
  private readonly narrow: Kernel | undefined;
  private readonly workers: WorkerHandle[] = [];
  /** Row boundaries of the thread shares (length threads + 1), balanced by non-zeros. */
  private readonly bounds: Int32Array;
  private disposed = false;

  constructor(
    readonly matrix: CsrMatrix,
    readonly dim: number,
    slots: number,
    options: SpmmEngineOptions = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new ValidationError("dim", dim, "a positive integer");
    if (!Number.isInteger(slots) || slots < 1 || slots > 64) throw new ValidationError("slots", slots, "an integer in 1–64");
    const requested = options.threads ?? 1;
    if (!Number.isInteger(requested) || requested < 1 || requested > 16) throw new ValidationError("threads", requested, "an integer in 1–16");
    this.rows = Math.max(matrix.nRows, matrix.nCols);
    const nnz = csrNnz(matrix);
    const useWasm = options.backend !== "js" && dim % 4 === 0 && wasmSpmmSupported();
    if (options.backend === "wasm-simd" && !useWasm) throw new ValidationError("backend", "wasm-simd", dim % 4 !== 0 ? "dim a multiple of 4" : "a runtime with WebAssembly SIMD");
    this.threads = useWasm && nnz >= 50_000 ? requested : 1;
    this.bounds = balancedBounds(matrix, this.threads);
    const bufferBytes = this.rows * dim * 4;
    if (useWasm) {
      const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
      let offset = 64;
      const take = (bytes: number) => {
        const p = offset;
        offset += align(bytes);
        return p;
      };
      const indptr = take((matrix.nRows + 1) * 4);
      const indices = take(nnz * 4);
      const values = take(nnz * 4);
      const slotPointers = Array.from({ length: slots }, () => take(bufferBytes));
      const pages = Math.ceil(offset / PAGE);
      if (pages > MAX_PAGES) throw new ValidationError("slots", slots, `fewer buffers: ${slots} of ${this.rows}×${dim} floats exceed 4 GiB`);
      const shared = this.threads > 1;
      const bytes = assembleSpmmModule(shared ? pages : undefined);
      const memory = new wasm.Memory({ initial: pages, maximum: pages, ...(shared ? { shared: true } : {}) });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      this.wide = instance.exports.spmmWide as Kernel;
      this.narrow = instance.exports.spmmNarrow as Kernel;
      this.indptrView = new Int32Array(memory.buffer, indptr, matrix.nRows + 1);
      this.indicesView = new Int32Array(memory.buffer, indices, nnz);
      this.valuesView = new Float32Array(memory.buffer, values, nnz);
      this.indptrView.set(matrix.indptr.subarray(0, matrix.nRows + 1));
      this.indicesView.set(matrix.indices.subarray(0, nnz));
      this.valuesView.set(matrix.values.subarray(0, nnz));
      for (const p of slotPointers) this.views.push(new Float32Array(memory.buffer, p, this.rows * dim));
      this.pointers = { indptr, indices, values, slots: slotPointers };
      this.backend = "wasm-simd";
      for (let t = 1; t < this.threads; t++) this.workers.push(startWorker(bytes, memory));
    } else {
      this.indptrView = matrix.indptr;
      this.indicesView = matrix.indices;
      this.valuesView = Float32Array.from(matrix.values.subarray(0, nnz));
      for (let s = 0; s < slots; s++) this.views.push(new Float32Array(this.rows * dim));
      this.backend = "js";
    }
  }

  get slots(): number {
    return this.views.length;
  }

  /** View of buffer `slot` (rows × dim, row-major). Valid until dispose. */
  buffer(slot: number): Float32Array {
    this.check(slot);
    return this.views[slot];
  }

  /** The matrix values as the kernel reads them (writable). */
  values(): Float32Array {
    return this.valuesView;
  }

  /**
   * buffer(dst)[r] = Σ_k A[r, c_k] · buffer(src)[c_k] for every row r; with `accumulate`, also
   * buffer(accumulate)[r] += the same row (one pass).
   */
  multiply(src: number, dst: number, accumulate?: number): void {
    this.check(src);
    this.check(dst);
    if (src === dst) throw new ValidationError("dst", dst, `a slot other than src (${src})`);
    if (accumulate !== undefined) {
      this.check(accumulate);
      if (accumulate === src || accumulate === dst) throw new ValidationError("accumulate", accumulate, `a slot other than src and dst`);
    }
    const dim = this.dim;
    if (this.pointers && this.wide && this.narrow) {
      const p = this.pointers;
      const rowBytes = dim * 4;
      const wideBytes = Math.floor(dim / (4 * WIDE)) * 4 * WIDE * 4;
      const acc = accumulate === undefined ? 0 : p.slots[accumulate];
      const run = (f: Kernel, c0: number, c1: number) => {
        const bounds = this.bounds;
        this.workers.forEach((w, t) => postJob(w, f === this.wide, [p.indptr, p.indices, p.values, p.slots[src], p.slots[dst], acc, bounds[t + 1], bounds[t + 2], rowBytes, c0, c1]));
        f(p.indptr, p.indices, p.values, p.slots[src], p.slots[dst], acc, bounds[0], bounds[1], rowBytes, c0, c1);
        for (const w of this.workers) awaitJob(w);
      };
      if (wideBytes > 0) run(this.wide, 0, wideBytes);
      if (wideBytes < rowBytes) run(this.narrow, wideBytes, rowBytes);
      return;
    }
    const out = this.views[dst];
    const x = this.views[src];
    const n = this.matrix.nRows;
    if (dim % 8 === 0) spmmBlocked8(this.indptrView, this.indicesView, this.valuesView, x, dim, out, 0, n);
    else spmmPlain(this.indptrView, this.indicesView, this.valuesView, x, dim, out, 0, n);
    if (accumulate !== undefined) {
      const acc = this.views[accumulate];
      const size = n * dim;
      for (let k = 0; k < size; k++) acc[k] += out[k];
    }
  }

  /** Stops the workers and drops the buffers (views of a disposed engine must not be used). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const w of this.workers) {
      w.control[2] = 1;
      Atomics.store(w.control, 0, ++w.generation);
      Atomics.notify(w.control, 0);
      void w.worker.terminate();
    }
    this.workers.length = 0;
    this.views.length = 0;
  }

  private check(slot: number): void {
    if (this.disposed) throw new Error("SpmmEngine used after dispose");
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.views.length) throw new ValidationError("slot", slot, `an integer in 0–${this.views.length - 1}`);
  }
}

/** Row boundaries splitting the non-zeros (plus one unit per row) into `parts` near-equal shares. */
function balancedBounds(a: CsrMatrix, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1);
  const total = csrNnz(a) + a.nRows;
  let r = 0;
  for (let t = 1; t < parts; t++) {
    const target = (total * t) / parts;
    while (r < a.nRows && a.indptr[r] + r < target) r++;
    bounds[t] = r;
  }
  bounds[parts] = a.nRows;
  return bounds;
}

function startWorker(bytes: Uint8Array, memory: WasmMemory): WorkerHandle {
  const control = new Int32Array(new SharedArrayBuffer(16 * 4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, memory, control: control.buffer } });
  worker.unref();
  const handle: WorkerHandle = { worker, control, generation: 0 };
  return handle;
}

function postJob(w: WorkerHandle, wide: boolean, args: number[]): void {
  for (let k = 0; k < 11; k++) w.control[3 + k] = args[k];
  w.control[14] = wide ? 1 : 0;
  Atomics.store(w.control, 0, ++w.generation);
  Atomics.notify(w.control, 0);
}

/** Blocks until the worker finished its job (events cannot run meanwhile: failures are flagged in memory). */
function awaitJob(w: WorkerHandle): void {
  const started = performance.now();
  for (;;) {
    const done = Atomics.load(w.control, 1);
    if (done === w.generation) break;
    if (performance.now() - started > 300_000) throw new Error("SpmmEngine worker did not answer in 300 s (it failed to start?)");
    Atomics.wait(w.control, 1, done, 1000);
  }
  if (w.control[15] === 1) throw new Error("SpmmEngine worker kernel failed (out-of-bounds memory access?)");
}
