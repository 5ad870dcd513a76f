// A WebAssembly compute device: one WebAssembly memory holding a CSR matrix, `slots` dense
// n × dim buffers and a free region, the SIMD kernel module of src/math/simd.ts instantiated on
// it, and worker threads running the same kernels on their share of rows. Models keep every
// operand of a training step in this memory, so no step copies a matrix: LightGCN propagates on
// it, NGCF runs its whole forward and backward on it (its own kernels included, passed as
// KernelDefinitions at construction: they are assembled into the module after the generic ones).
// Falls back to JS loops on plain typed arrays when the SIMD module is unavailable or dim is not a
// multiple of 4 (`backend` says which).
//
// Threads: with `threads` > 1 the memory is a shared WebAssembly.Memory and worker threads run
// the same kernel on their share of the rows (split by non-zeros for the sparse product, evenly
// otherwise); the caller's thread takes the first share and waits on an Atomics word for the others.
import { Worker } from "node:worker_threads";
import { ValidationError } from "../errors";
import { MAX_KERNEL_PARAMS, WIDE, assembleKernelModule, moduleKernels, wasm, type GenericKernelName, type KernelDefinition, type WasmMemory } from "./simd";
import { csrNnz, spmmRows, viewsOverlap, type CsrMatrix } from "./sparse";

/** A kernel as called: MAX_KERNEL_PARAMS i32 arguments (byte offsets, row ranges, sizes), the unused ones 0. */
type Kernel = (...args: [number, number, number, number, number, number, number, number, number, number, number]) => void;

let supported: boolean | undefined;

/** True when this runtime validates the SIMD module (Node ≥ 16.4). */
export function wasmSimdSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = wasm.validate(assembleKernelModule(moduleKernels()));
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
// [14] the kernel's index in the module, [15] set to 1 by a worker whose kernel threw.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { bytes, memory, control, names } = workerData;
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const kernels = names.map((name) => instance.exports[name]);
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (ctl[2] === 1) break;
  const f = kernels[ctl[14]];
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

export interface WasmDeviceOptions<K extends string = never> {
  /** Force a kernel; default: WebAssembly SIMD when available and dim % 4 = 0, else JS. */
  backend?: "wasm-simd" | "js";
  /** Threads sharing each product (1–16; default 1). Below ~50k non-zeros one thread is used. */
  threads?: number;
  /**
   * Floats of free space in the device's memory beside the slots, as one view (`extra()`), for
   * small dense operands of gemm / gemmTransposedA (weights, their gradients).
   */
  extraFloats?: number;
  /** A model's own kernels, assembled into the module after the generic ones (runRows runs them). */
  kernels?: readonly KernelDefinition<K>[];
}

/** Resident memory of one worker thread beside the shared memory (its V8 isolate and Node's per-thread state), measured ~10 MiB. */
export const WORKER_THREAD_BYTES = 10 * 1024 * 1024;

/**
 * What a device of a square `rows`-node matrix with `nnz` non-zeros takes, as the constructor lays
 * out its memory (the matrix, `slots` buffers of rows × dim floats, the extra region, the threads'
 * partials) plus its worker threads: for memory estimates before the device exists.
 */
export function wasmDeviceBytes(rows: number, nnz: number, dim: number, slots: number, options: { extraFloats?: number; threads?: number } = {}): number {
  const threads = options.threads ?? 1;
  const floats = nnz + slots * rows * dim + (options.extraFloats ?? 0) + threads * 4 * dim * dim;
  return 4 * (rows + 1) + 4 * nnz + 4 * floats + (threads - 1) * WORKER_THREAD_BYTES;
}

/**
 * One CSR matrix and `slots` dense buffers of max(nRows, nCols) × dim floats in one WebAssembly
 * memory, so repeated products (layers, steps) copy nothing: callers read and write the buffers
 * through `buffer(slot)` views. The matrix values are writable through `values()` (edge dropout
 * rescales them per step). Beside the sparse product it runs dense products on views of its own
 * memory (gemm, gemmTransposedA: the W transforms of NGCF) and a model's own kernels (runRows,
 * names K) on the same SIMD code and threads. Call dispose() to stop the worker threads.
 */
export class WasmDevice<K extends string = never> {
  readonly backend: "wasm-simd" | "js";
  readonly rows: number;
  readonly threads: number;
  private readonly views: Float32Array[] = [];
  private readonly extraView: Float32Array;
  /** Per-thread partial outputs of gemmTransposedA (threads × partialFloats). */
  private readonly partialView: Float32Array;
  private readonly partialFloats: number;
  private readonly valuesView: Float32Array;
  private readonly indptrView: Int32Array;
  private readonly indicesView: Int32Array;
  private readonly memoryBuffer: ArrayBufferLike | undefined;
  private readonly pointers: { indptr: number; indices: number; values: number; slots: number[] } | undefined;
  private readonly kernels: Map<string, Kernel> = new Map();
  /** Export names in function-index order (the workers' kernel numbers). */
  private readonly kernelNames: string[] = [];
  private readonly workers: WorkerHandle[] = [];
  /** Row boundaries of the thread shares (length threads + 1), balanced by non-zeros. */
  private readonly bounds: Int32Array;
  private readonly rangeBoundsCache = new Map<string, Int32Array>();
  private disposed = false;

  constructor(
    readonly matrix: CsrMatrix,
    readonly dim: number,
    slots: number,
    options: WasmDeviceOptions<K> = {},
  ) {
    if (!Number.isInteger(dim) || dim < 1) throw new ValidationError("dim", dim, "a positive integer");
    if (!Number.isInteger(slots) || slots < 1 || slots > 64) throw new ValidationError("slots", slots, "an integer in 1–64");
    const requested = options.threads ?? 1;
    if (!Number.isInteger(requested) || requested < 1 || requested > 16) throw new ValidationError("threads", requested, "an integer in 1–16");
    const extraFloats = options.extraFloats ?? 0;
    if (!Number.isInteger(extraFloats) || extraFloats < 0) throw new ValidationError("extraFloats", extraFloats, "a non-negative integer");
    this.rows = Math.max(matrix.nRows, matrix.nCols);
    const nnz = csrNnz(matrix);
    const useWasm = options.backend !== "js" && dim % 4 === 0 && wasmSimdSupported();
    if (options.backend === "wasm-simd" && !useWasm) throw new ValidationError("backend", "wasm-simd", dim % 4 !== 0 ? "dim a multiple of 4" : "a runtime with WebAssembly SIMD");
    this.threads = useWasm && nnz >= 50_000 ? requested : 1;
    this.bounds = balancedBounds(matrix, this.threads);
    // Partials of gemmTransposedA: up to (2·dim)² floats per thread (a [2d, 2d] result).
    this.partialFloats = 4 * dim * dim;
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
      const extra = take(extraFloats * 4);
      const partials = take(this.threads * this.partialFloats * 4);
      const pages = Math.ceil(offset / PAGE);
      if (pages > MAX_PAGES) throw new ValidationError("slots", slots, `fewer buffers: ${slots} of ${this.rows}×${dim} floats exceed 4 GiB`);
      const shared = this.threads > 1;
      const kernels = moduleKernels(options.kernels);
      const bytes = assembleKernelModule(kernels, shared ? pages : undefined);
      const memory = new wasm.Memory({ initial: pages, maximum: pages, ...(shared ? { shared: true } : {}) });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      for (const { name } of kernels) {
        this.kernels.set(name, instance.exports[name] as Kernel);
        this.kernelNames.push(name);
      }
      this.memoryBuffer = memory.buffer;
      this.indptrView = new Int32Array(memory.buffer, indptr, matrix.nRows + 1);
      this.indicesView = new Int32Array(memory.buffer, indices, nnz);
      this.valuesView = new Float32Array(memory.buffer, values, nnz);
      this.indptrView.set(matrix.indptr.subarray(0, matrix.nRows + 1));
      this.indicesView.set(matrix.indices.subarray(0, nnz));
      this.valuesView.set(matrix.values.subarray(0, nnz));
      for (const p of slotPointers) this.views.push(new Float32Array(memory.buffer, p, this.rows * dim));
      this.extraView = new Float32Array(memory.buffer, extra, extraFloats);
      this.partialView = new Float32Array(memory.buffer, partials, this.threads * this.partialFloats);
      this.pointers = { indptr, indices, values, slots: slotPointers };
      this.backend = "wasm-simd";
      for (let t = 1; t < this.threads; t++) this.workers.push(startWorker(bytes, memory, this.kernelNames));
    } else {
      this.indptrView = matrix.indptr;
      this.indicesView = matrix.indices;
      this.valuesView = Float32Array.from(matrix.values.subarray(0, nnz));
      for (let s = 0; s < slots; s++) this.views.push(new Float32Array(this.rows * dim));
      this.extraView = new Float32Array(extraFloats);
      this.partialView = new Float32Array(this.partialFloats);
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

  /** The `extraFloats` region (for gemm operands). Valid until dispose. */
  extra(): Float32Array {
    this.check(0);
    return this.extraView;
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
    if (this.pointers) {
      const p = this.pointers;
      const rowBytes = dim * 4;
      const acc = accumulate === undefined ? 0 : p.slots[accumulate];
      const bounds = this.bounds;
      this.runColumns("spmmWide", "spmmNarrow", rowBytes, (t, c0, c1) => [p.indptr, p.indices, p.values, p.slots[src], p.slots[dst], acc, bounds[t], bounds[t + 1], rowBytes, c0, c1]);
      return;
    }
    const out = this.views[dst];
    const n = this.matrix.nRows;
    spmmRows(this.indptrView, this.indicesView, this.valuesView, this.views[src], dim, out, 0, n);
    if (accumulate !== undefined) {
      const acc = this.views[accumulate];
      const size = n * dim;
      for (let k = 0; k < size; k++) acc[k] += out[k];
    }
  }

  /**
   * The sparse product on the rows [rowStart, rowEnd) only, with rows of `width` floats (default
   * dim; at most dim): buffer(dst) rows r = Σ_k A[r, c_k] · buffer(src) row c_k, the slots read as
   * row-major [rows × width]. A bipartite matrix [[0, B], [Bᵀ, 0]] gives B·x on its first block of
   * rows and Bᵀ·y on the second, each at the cost of B's non-zeros (graph filters). Rows outside
   * the range are untouched, so src and dst may be one slot when the rows read (the columns of the
   * range's entries) and the rows written do not overlap; the caller ensures it.
   */
  multiplyRows(src: number, dst: number, rowStart: number, rowEnd: number, width = this.dim): void {
    this.check(src);
    this.check(dst);
    const n = this.matrix.nRows;
    if (!Number.isInteger(rowStart) || !Number.isInteger(rowEnd) || rowStart < 0 || rowEnd > n || rowStart > rowEnd)
      throw new ValidationError("rows", `${rowStart}–${rowEnd}`, `a range within 0–${n}`);
    if (!Number.isInteger(width) || width < 1 || width > this.dim) throw new ValidationError("width", width, `an integer in 1–${this.dim}`);
    if (this.pointers && width % 4 === 0) {
      const p = this.pointers;
      const rowBytes = width * 4;
      const bounds = this.rangeBounds(rowStart, rowEnd);
      this.runColumns("spmmWide", "spmmNarrow", rowBytes, (t, c0, c1) => [p.indptr, p.indices, p.values, p.slots[src], p.slots[dst], 0, bounds[t], bounds[t + 1], rowBytes, c0, c1]);
      return;
    }
    spmmRows(this.indptrView, this.indicesView, this.valuesView, this.views[src], width, this.views[dst], rowStart, rowEnd);
  }

  /**
   * Dense out = x · w (or out += x · w with `accumulate`) for the first `rows` rows: x [rows × k],
   * w [k × m], out [rows × m], all row-major and contiguous, all views of this device's memory
   * (slots, extra()); m a multiple of 4 on the SIMD path. out must not overlap x or w. Threads share
   * the rows, or with `splitColumns` the output columns (one long row: a vector times a matrix).
   */
  gemm(x: Float32Array, w: Float32Array, out: Float32Array, rows: number, k: number, m: number, accumulate = false, splitColumns = false): void {
    this.checkDense(x, rows * k, "x");
    this.checkDense(w, k * m, "w");
    this.checkDense(out, rows * m, "out");
    if ((out.buffer === x.buffer && viewsOverlap(out, x)) || (out.buffer === w.buffer && viewsOverlap(out, w))) throw new ValidationError("out", "overlaps an operand", "a distinct buffer");
    if (this.pointers && m % 4 === 0) {
      const [px, pw, po] = [this.address(x), this.address(w), this.address(out)];
      const args = (r0: number, r1: number, c0: number, c1: number) => [px, pw, po, r0, r1, k * 4, m * 4, k, c0, c1, accumulate ? 1 : 0];
      if (!splitColumns || this.threads === 1) {
        this.runColumns("gemmWide", "gemmNarrow", m * 4, (t, c0, c1) => args(...this.rowShare(rows, t), c0, c1));
        return;
      }
      // Whole 32-column blocks shared by the threads, the narrow remainder on the caller's thread.
      const block = 16 * WIDE;
      const wideBytes = Math.floor((m * 4) / block) * block;
      const per = Math.ceil(wideBytes / block / this.threads) * block;
      if (wideBytes > 0) this.dispatch("gemmWide", (t) => args(0, rows, Math.min(wideBytes, t * per), Math.min(wideBytes, (t + 1) * per)));
      if (wideBytes < m * 4) this.kernel("gemmNarrow")(...padded(args(0, rows, wideBytes, m * 4)));
      return;
    }
    gemmJs(x, w, out, rows, k, m, accumulate);
  }

  /**
   * Dense out = xᵀ · y over the first `rows` rows: x [rows × k], y [rows × m], out [k × m]
   * (overwritten); views of this device's memory; k·m ≤ (2·dim)². Threads reduce their share of
   * rows into their own partial result, summed at the end.
   */
  gemmTransposedA(x: Float32Array, y: Float32Array, out: Float32Array, rows: number, k: number, m: number): void {
    this.checkDense(x, rows * k, "x");
    this.checkDense(y, rows * m, "y");
    this.checkDense(out, k * m, "out");
    if (k * m > this.partialFloats) throw new ValidationError("k×m", k * m, `at most (2·dim)² = ${this.partialFloats}`);
    if (this.pointers && m % 4 === 0) {
      const [px, py] = [this.address(x), this.address(y)];
      const partials = this.partialView;
      const base = this.address(partials);
      const size = k * m;
      for (let t = 0; t < this.threads; t++) partials.fill(0, t * this.partialFloats, t * this.partialFloats + size);
      this.runColumns("gemmTnWide", "gemmTnNarrow", m * 4, (t, c0, c1) => [px, py, base + t * this.partialFloats * 4, ...this.rowShare(rows, t), k * 4, m * 4, k, c0, c1, m * 4]);
      out.set(partials.subarray(0, size));
      for (let t = 1; t < this.threads; t++) {
        const o = t * this.partialFloats;
        for (let e = 0; e < size; e++) out[e] += partials[o + e];
      }
      return;
    }
    gemmTransposedAJs(x, y, out, rows, k, m);
  }

  /** Stops the workers and drops the buffers (views of a disposed device must not be used). Idempotent. */
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

  /**
   * Runs a kernel pair over the row bytes [0, rowBytes): the wide kernel on whole 32-column
   * blocks, the narrow one on the rest; thread t gets args(t, c0, c1), the caller's thread t = 0.
   */
  private runColumns(wide: GenericKernelName, narrow: GenericKernelName, rowBytes: number, args: (thread: number, c0: number, c1: number) => number[]): void {
    const wideBytes = Math.floor(rowBytes / (16 * WIDE)) * 16 * WIDE;
    if (wideBytes > 0) this.dispatch(wide, (t) => args(t, 0, wideBytes));
    if (wideBytes < rowBytes) this.dispatch(narrow, (t) => args(t, wideBytes, rowBytes));
  }

  /** Runs `kernel` on every thread at once, thread t with args(t), the caller's thread t = 0. */
  private dispatch(kernel: GenericKernelName | K, args: (thread: number) => number[]): void {
    const f = this.kernel(kernel);
    const index = this.kernelNames.indexOf(kernel);
    this.workers.forEach((w, t) => postJob(w, index, padded(args(t + 1))));
    f(...padded(args(0)));
    for (const w of this.workers) awaitJob(w);
  }

  private kernel(name: string): Kernel {
    const f = this.kernels.get(name);
    if (!f) throw new ValidationError("kernel", name, `a kernel of this device's module (${this.kernelNames.join(", ")})`);
    return f;
  }

  /** Thread boundaries of the rows [rowStart, rowEnd), balanced by non-zeros (cached per range). */
  private rangeBounds(rowStart: number, rowEnd: number): Int32Array {
    const key = `${rowStart}:${rowEnd}`;
    let bounds = this.rangeBoundsCache.get(key);
    if (!bounds) {
      bounds = balancedBounds(this.matrix, this.threads, rowStart, rowEnd);
      this.rangeBoundsCache.set(key, bounds);
    }
    return bounds;
  }

  /** Thread t's rows [r0, r1) of `rows` split evenly over the threads. */
  private rowShare(rows: number, t: number): [number, number] {
    const per = Math.ceil(rows / this.threads);
    return [Math.min(rows, t * per), Math.min(rows, (t + 1) * per)];
  }

  /** Byte offset of a view of this device's memory, for kernel arguments (SIMD path only). */
  address(view: Float32Array | Int32Array | Uint8Array): number {
    if (this.disposed) throw new Error("WasmDevice used after dispose");
    if (!this.memoryBuffer || view.buffer !== this.memoryBuffer) throw new ValidationError("view", "a foreign array", "a view of the device's memory (buffer() or extra())");
    return view.byteOffset;
  }

  /** Byte offsets of the matrix's row pointers and column indices, for a model's own kernels (SIMD path only). */
  matrixAddresses(): { indptr: number; indices: number } {
    if (this.disposed) throw new Error("WasmDevice used after dispose");
    if (!this.pointers) throw new ValidationError("backend", this.backend, "the wasm-simd backend for matrixAddresses");
    return { indptr: this.pointers.indptr, indices: this.pointers.indices };
  }

  /**
   * Runs one of the model's row-wise kernels (options.kernels) with `rows` split evenly over the
   * threads (or on the caller's thread alone with `singleThread`, for kernels whose rows write
   * shared outputs); args(thread, r0, r1) gives each share's arguments. SIMD path only (callers
   * keep a JS path for backend "js").
   */
  runRows(kernel: K, rows: number, args: (thread: number, r0: number, r1: number) => number[], options: { singleThread?: boolean } = {}): void {
    if (this.disposed) throw new Error("WasmDevice used after dispose");
    if (!this.pointers) throw new ValidationError("backend", this.backend, "the wasm-simd backend for runRows");
    if (options.singleThread) {
      this.kernel(kernel)(...padded(args(0, 0, rows)));
      return;
    }
    this.dispatch(kernel, (t) => args(t, ...this.rowShare(rows, t)));
  }

  private checkDense(view: Float32Array, floats: number, field: string): void {
    if (this.disposed) throw new Error("WasmDevice used after dispose");
    if (view.length < floats) throw new ValidationError(`${field}.length`, view.length, `at least ${floats}`);
    if (this.memoryBuffer && view.buffer !== this.memoryBuffer) throw new ValidationError(field, "a foreign array", "a view of the device's memory (buffer() or extra())");
  }

  private check(slot: number): void {
    if (this.disposed) throw new Error("WasmDevice used after dispose");
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.views.length) throw new ValidationError("slot", slot, `an integer in 0–${this.views.length - 1}`);
  }
}

/** out = x · w (or +=), row-major; the JS path and the tests' reference. */
export function gemmJs(x: Float32Array, w: Float32Array, out: Float32Array, rows: number, k: number, m: number, accumulate = false): void {
  for (let r = 0; r < rows; r++) {
    const o = r * m;
    if (!accumulate) out.fill(0, o, o + m);
    for (let q = 0; q < k; q++) {
      const v = x[r * k + q];
      if (v === 0) continue;
      const wo = q * m;
      for (let c = 0; c < m; c++) out[o + c] += v * w[wo + c];
    }
  }
}

/** out = xᵀ · y over `rows` rows (overwrites out [k × m]); the JS path and the tests' reference. */
export function gemmTransposedAJs(x: Float32Array, y: Float32Array, out: Float32Array, rows: number, k: number, m: number): void {
  out.fill(0, 0, k * m);
  for (let r = 0; r < rows; r++) {
    const yo = r * m;
    for (let q = 0; q < k; q++) {
      const v = x[r * k + q];
      if (v === 0) continue;
      const o = q * m;
      for (let c = 0; c < m; c++) out[o + c] += v * y[yo + c];
    }
  }
}

/** Boundaries splitting the rows [rowStart, rowEnd) by non-zeros (plus one unit per row) into `parts` near-equal shares. */
function balancedBounds(a: CsrMatrix, parts: number, rowStart = 0, rowEnd = a.nRows): Int32Array {
  const bounds = new Int32Array(parts + 1);
  const weight = (r: number) => a.indptr[r] - a.indptr[rowStart] + (r - rowStart);
  const total = weight(rowEnd);
  let r = rowStart;
  bounds[0] = rowStart;
  for (let t = 1; t < parts; t++) {
    const target = (total * t) / parts;
    while (r < rowEnd && weight(r) < target) r++;
    bounds[t] = r;
  }
  bounds[parts] = rowEnd;
  return bounds;
}

/** The arguments of a call, padded with zeros to MAX_KERNEL_PARAMS. */
function padded(args: number[]): Parameters<Kernel> {
  while (args.length < MAX_KERNEL_PARAMS) args.push(0);
  return args as Parameters<Kernel>;
}

function startWorker(bytes: Uint8Array, memory: WasmMemory, names: string[]): WorkerHandle {
  const control = new Int32Array(new SharedArrayBuffer(16 * 4));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bytes, memory, control: control.buffer, names } });
  worker.unref();
  const handle: WorkerHandle = { worker, control, generation: 0 };
  return handle;
}

function postJob(w: WorkerHandle, kernel: number, args: number[]): void {
  for (let k = 0; k < MAX_KERNEL_PARAMS; k++) w.control[3 + k] = args[k];
  w.control[14] = kernel;
  Atomics.store(w.control, 0, ++w.generation);
  Atomics.notify(w.control, 0);
}

/** Blocks until the worker finished its job (events cannot run meanwhile: failures are flagged in memory). */
function awaitJob(w: WorkerHandle): void {
  const started = performance.now();
  for (;;) {
    const done = Atomics.load(w.control, 1);
    if (done === w.generation) break;
    if (performance.now() - started > 300_000) throw new Error("WasmDevice worker did not answer in 300 s (it failed to start?)");
    Atomics.wait(w.control, 1, done, 1000);
  }
  if (w.control[15] === 1) throw new Error("WasmDevice worker kernel failed (out-of-bounds memory access?)");
}
