// WebAssembly SIMD kernels, assembled here from their binary encoding: no compiler to
// WebAssembly is available on the build machine and no dependency may be added. A module
// imports one memory (shared when worker threads run the same kernels on their share of rows)
// and exports a list of kernels: the generic ones below (sparse and dense products) and any
// model's own, passed as KernelDefinitions (name, i32 parameter count, body builder) to the
// WasmDevice (src/math/wasmDevice.ts) that assembles the module, so a model extends the module
// without this file knowing it (NGCF's element-wise kernels: src/models/graph/ngcf/kernels.ts).
// Every kernel takes i32 arguments only (byte offsets into the memory, row ranges, sizes); the
// device owns the memory, the threads and the argument lists; tests check every kernel against a
// plain JS loop.
//
// The SpMM kernel. V8 compiles the JS loops of src/math/sparse.ts to scalar code; the same loop
// written with 128-bit f32x4 lanes runs 3–4× faster here (Gowalla Â, 1.62M non-zeros × 64
// columns, on the loaded 2-core machine: JS 8-accumulator loop 290–370 ms, this 60–95 ms;
// `npm run bench:graph -- --kernels`). The module is validated at load.
//
// spmm(indptr, indices, values, x, out, acc, rowStart, rowEnd, rowBytes, colStart, colEnd):
// pointers are byte offsets into the memory; for rows [rowStart, rowEnd) and the bytes
// [colStart, colEnd) of each row, out = A·x, and when acc ≠ 0 also acc += A·x (a layer sum in the
// same pass). Columns go in blocks of 4·W floats held in W f32x4 locals: W = 8 ("wide", 32
// columns per pass over the row's non-zeros) and W = 1 ("narrow", the remainder).

export const I32 = 0x7f;
export const F32 = 0x7d;
export const V128 = 0x7b;

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

/** Instructions used by the kernels (opcodes from the WebAssembly core and SIMD specifications). */
export const op = {
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
  i32LtS: [0x48],
  i32GtS: [0x4a],
  select: [0x1b],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 4, ...uleb(offset)],
  v128Store: (offset: number) => [0xfd, ...uleb(0x0b), 4, ...uleb(offset)],
  v128Zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4Splat: [0xfd, ...uleb(0x13)],
  f32x4Add: [0xfd, ...uleb(0xe4)],
  f32x4Sub: [0xfd, ...uleb(0xe5)],
  f32x4Mul: [0xfd, ...uleb(0xe6)],
  f32x4Max: [0xfd, ...uleb(0xe9)],
  f32x4Gt: [0xfd, ...uleb(0x44)],
  f32x4Lane: (lane: number) => [0xfd, ...uleb(0x1f), lane],
  v128Bitselect: [0xfd, ...uleb(0x52)],
  i32Store: (offset: number) => [0x36, 2, ...uleb(offset)],
  i32Load8U: (offset: number) => [0x2d, 0, ...uleb(offset)],
  f32Store: (offset: number) => [0x38, 2, ...uleb(offset)],
  f32: (value: number) => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)],
  f32Add: [0x92],
  f32Mul: [0x94],
  f32Div: [0x95],
  f32Sqrt: [0x91],
  f32Max: [0x97],
  f32Gt: [0x5e],
  f32FromBits: [0xbe],
  i32Xor: [0x73],
  i32And: [0x71],
  i32ShrU: [0x76],
  i32LtU: [0x49],
};

/**
 * A kernel body under construction: its i32 parameters are locals 0 … params − 1, further
 * locals are declared by type; `range` emits a counted loop, the other helpers address patterns.
 */
export class Body {
  private readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(readonly params: number) {}

  local(type: number): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }

  /** `count` new locals of one type. */
  localsOf(type: number, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  emit(...parts: number[][]): void {
    for (const p of parts) this.code.push(...p);
  }

  /** for (counter = from; counter < to; counter += step) body() — `to` is re-evaluated each time. */
  range(counter: number, from: number[], to: number[], step: number, body: () => void): void {
    this.emit(from, op.set(counter), op.block, op.loop);
    this.emit(op.get(counter), to, op.i32GeS, op.brIf(1));
    body();
    this.emit(op.get(counter), op.i32(step), op.i32Add, op.set(counter), op.br(0), op.end, op.end);
  }

  /** v128 at (base + a [+ b]) */
  load(base: number, ...offsets: number[]): number[] {
    return [...op.get(base), ...offsets.flatMap((o) => [...op.get(o), ...op.i32Add]), ...op.v128Load(0)];
  }

  /** Address base + a [+ b] (for a store; the value follows). */
  address(base: number, ...offsets: number[]): number[] {
    return [...op.get(base), ...offsets.flatMap((o) => [...op.get(o), ...op.i32Add])];
  }

  /** Address base + row · rowBytes (all three locals). */
  rowAddress(base: number, row: number, rowBytes: number): number[] {
    return [...op.get(base), ...op.get(row), ...op.get(rowBytes), ...op.i32Mul, ...op.i32Add];
  }

  /** Address of the 4-byte element `index` of the array at `base` (base + 4·index). */
  element(base: number, index: number): number[] {
    return [...op.get(base), ...op.get(index), ...op.i32(2), ...op.i32Shl, ...op.i32Add];
  }

  finish(): number[] {
    const groups: number[][] = [];
    for (const type of this.locals) groups.push([...uleb(1), type]);
    const code = [...vec(groups), ...this.code, ...op.end];
    return [...uleb(code.length), ...code];
  }
}

/** Horizontal sum of a v128 local (f32 on the stack). */
export const laneSum = (v: number): number[] => [
  ...op.get(v),
  ...op.f32x4Lane(0),
  ...op.get(v),
  ...op.f32x4Lane(1),
  ...op.f32Add,
  ...op.get(v),
  ...op.f32x4Lane(2),
  ...op.f32Add,
  ...op.get(v),
  ...op.f32x4Lane(3),
  ...op.f32Add,
];

/** The most i32 parameters a kernel may take (the device's worker threads pass this many words). */
export const MAX_KERNEL_PARAMS = 11;

/** One exported function of a kernel module. */
export interface KernelDefinition<Name extends string = string> {
  /** Export name, unique within the module. */
  readonly name: Name;
  /** Its i32 parameters (1–MAX_KERNEL_PARAMS); extra arguments of a call are ignored. */
  readonly params: number;
  /** Writes the body into `f` (the parameters are its locals 0 … params − 1). */
  readonly build: (f: Body) => void;
}

/** The blocked SpMM kernel with `width` f32x4 accumulators (4·width columns per pass). */
function spmmKernel(f: Body, width: number): void {
  const [INDPTR, INDICES, VALUES, X, OUT, ACC, R0, R1, ROWBYTES, C0, C1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r, k, kEnd, j, b, o, kStart, ao] = f.localsOf(I32, 8); // b: x row address, o/ao: out/acc row
  const v = f.local(V128); // splatted value
  const acc = f.localsOf(V128, width);
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(f.element(INDPTR, r), op.i32Load(0), op.set(kStart));
    f.emit(f.element(INDPTR, r), op.i32Load(4), op.set(kEnd));
    f.emit(f.rowAddress(OUT, r, ROWBYTES), op.set(o));
    f.emit(f.rowAddress(ACC, r, ROWBYTES), op.set(ao));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      for (const a of acc) f.emit(op.v128Zero, op.set(a));
      f.range(k, op.get(kStart), op.get(kEnd), 1, () => {
        f.emit(f.element(VALUES, k), op.f32Load(0), op.f32x4Splat, op.set(v));
        f.emit(op.get(X), f.element(INDICES, k), op.i32Load(0), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(b));
        acc.forEach((a, q) => f.emit(op.get(a), op.get(v), op.get(b), op.v128Load(16 * q), op.f32x4Mul, op.f32x4Add, op.set(a)));
      });
      acc.forEach((a, q) => f.emit(f.address(o, j), op.get(a), op.v128Store(16 * q)));
      f.emit(op.get(ACC), op.if);
      acc.forEach((a, q) => f.emit(f.address(ao, j), f.address(ao, j), op.v128Load(16 * q), op.get(a), op.f32x4Add, op.v128Store(16 * q)));
      f.emit(op.end);
    });
  });
}

/**
 * Dense out = X·W (or out += X·W when the last argument is non-zero) for rows [r0, r1) and the
 * output bytes [c0, c1) of each row: X [rows × k] with xRowBytes per row, W [k × m] and out
 * [rows × m] with wRowBytes per row. The same register blocking as the SpMM kernel: `width`
 * f32x4 accumulators per pass over the row's k entries, W's row block read from cache.
 */
function gemmKernel(f: Body, width: number): void {
  const [X, W, OUT, R0, R1, XROW, WROW, KCOUNT, C0, C1, ACCUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r, k, j, xa, wa, o] = f.localsOf(I32, 6); // xa/wa: X and W addresses, o: out row
  const v = f.local(V128);
  const acc = f.localsOf(V128, width);
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(f.rowAddress(OUT, r, WROW), op.set(o));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      for (const a of acc) f.emit(op.v128Zero, op.set(a));
      f.emit(op.get(ACCUM), op.if);
      acc.forEach((a, q) => f.emit(f.address(o, j), op.v128Load(16 * q), op.set(a)));
      f.emit(op.end);
      f.emit(f.rowAddress(X, r, XROW), op.set(xa));
      f.emit(op.get(W), op.get(j), op.i32Add, op.set(wa));
      f.range(k, op.i32(0), op.get(KCOUNT), 1, () => {
        f.emit(op.get(xa), op.f32Load(0), op.f32x4Splat, op.set(v));
        acc.forEach((a, q) => f.emit(op.get(a), op.get(v), op.get(wa), op.v128Load(16 * q), op.f32x4Mul, op.f32x4Add, op.set(a)));
        f.emit(op.get(xa), op.i32(4), op.i32Add, op.set(xa));
        f.emit(op.get(wa), op.get(WROW), op.i32Add, op.set(wa));
      });
      acc.forEach((a, q) => f.emit(f.address(o, j), op.get(a), op.v128Store(16 * q)));
    });
  });
}

/** Rows per cache block of the Xᵀ·Y kernel (Y's block stays in L1 across the k passes). */
const TN_BLOCK_ROWS = 64;

/**
 * Dense out += Xᵀ·Y over rows [r0, r1): X [rows × k] (xRowBytes), Y [rows × m] (yRowBytes),
 * out [k × m] (outRowBytes), output bytes [c0, c1) of each out row. Rows go in blocks of
 * TN_BLOCK_ROWS; per block, per k and per column block the `width` accumulators start from out
 * and stream the block's rows.
 */
function gemmTnKernel(f: Body, width: number): void {
  const [X, Y, OUT, R0, R1, XROW, YROW, KCOUNT, C0, C1, OROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [rc, re, k, j, r, xa, ya, ob] = f.localsOf(I32, 8); // rc/re: row block, ob: out row
  const v = f.local(V128);
  const acc = f.localsOf(V128, width);
  // The row-block loop steps by its own end (re), so it is written out instead of f.range.
  f.emit(op.get(R0), op.set(rc), op.block, op.loop);
  f.emit(op.get(rc), op.get(R1), op.i32GeS, op.brIf(1));
  // re = min(rc + BLOCK, r1)
  f.emit(op.get(R1), op.get(rc), op.i32(TN_BLOCK_ROWS), op.i32Add, op.get(rc), op.i32(TN_BLOCK_ROWS), op.i32Add, op.get(R1), op.i32GtS, op.select, op.set(re));
  f.range(k, op.i32(0), op.get(KCOUNT), 1, () => {
    f.emit(f.rowAddress(OUT, k, OROW), op.set(ob));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      acc.forEach((a, q) => f.emit(f.address(ob, j), op.v128Load(16 * q), op.set(a)));
      f.emit(f.rowAddress(X, rc, XROW), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.set(xa));
      f.emit(f.rowAddress(Y, rc, YROW), op.get(j), op.i32Add, op.set(ya));
      f.range(r, op.get(rc), op.get(re), 1, () => {
        f.emit(op.get(xa), op.f32Load(0), op.f32x4Splat, op.set(v));
        acc.forEach((a, q) => f.emit(op.get(a), op.get(v), op.get(ya), op.v128Load(16 * q), op.f32x4Mul, op.f32x4Add, op.set(a)));
        f.emit(op.get(xa), op.get(XROW), op.i32Add, op.set(xa));
        f.emit(op.get(ya), op.get(YROW), op.i32Add, op.set(ya));
      });
      acc.forEach((a, q) => f.emit(f.address(ob, j), op.get(a), op.v128Store(16 * q)));
    });
  });
  f.emit(op.get(re), op.set(rc), op.br(0), op.end, op.end);
}

/** f32x4 accumulators of the wide kernels (4·WIDE columns per pass); the narrow ones have one. */
export const WIDE = 8;

/** The kernels every module exports, first and in this order. */
export const GENERIC_KERNELS = [
  { name: "spmmWide", params: 11, build: (f: Body) => spmmKernel(f, WIDE) },
  { name: "spmmNarrow", params: 11, build: (f: Body) => spmmKernel(f, 1) },
  { name: "gemmWide", params: 11, build: (f: Body) => gemmKernel(f, WIDE) },
  { name: "gemmNarrow", params: 11, build: (f: Body) => gemmKernel(f, 1) },
  { name: "gemmTnWide", params: 11, build: (f: Body) => gemmTnKernel(f, WIDE) },
  { name: "gemmTnNarrow", params: 11, build: (f: Body) => gemmTnKernel(f, 1) },
] as const satisfies readonly KernelDefinition[];
export type GenericKernelName = (typeof GENERIC_KERNELS)[number]["name"];

/** The kernels of a module: the generic ones, then `extra` in its order (names unique, parameter counts in range). */
export function moduleKernels(extra: readonly KernelDefinition[] = []): readonly KernelDefinition[] {
  const kernels: readonly KernelDefinition[] = [...GENERIC_KERNELS, ...extra];
  const seen = new Set<string>();
  for (const k of kernels) {
    if (seen.has(k.name)) throw new Error(`kernel ${k.name} defined twice`);
    if (!Number.isInteger(k.params) || k.params < 1 || k.params > MAX_KERNEL_PARAMS) throw new Error(`kernel ${k.name}: ${k.params} parameters (1–${MAX_KERNEL_PARAMS})`);
    seen.add(k.name);
  }
  return kernels;
}

/**
 * The module exporting `kernels` (from moduleKernels) as functions 0, 1, … in their order; one
 * function type per parameter count, in order of first use. The same list gives the same bytes.
 * `sharedPages` declares an imported shared memory of exactly that many pages.
 */
export function assembleKernelModule(kernels: readonly KernelDefinition[], sharedPages?: number): Uint8Array {
  const arities = [...new Set(kernels.map((k) => k.params))];
  const signatures = arities.map((count) => [0x60, ...vec(new Array<number[]>(count).fill([I32])), 0]);
  const limits = sharedPages === undefined ? [0x00, ...uleb(1)] : [0x03, ...uleb(sharedPages), ...uleb(sharedPages)];
  const bodies = kernels.map((k) => {
    const f = new Body(k.params);
    k.build(f);
    return f.finish();
  });
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(signatures)),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec(kernels.map((k) => uleb(arities.indexOf(k.params))))),
    ...section(7, vec(kernels.map((k, index) => [...name(k.name), 0x00, ...uleb(index)]))),
    ...section(10, vec(bodies)),
  ]);
}

// The project's lib settings (ES2023, no DOM) declare no WebAssembly values; Node has them.
interface WasmModule {
  readonly kind?: "module";
}
export interface WasmMemory {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum: number; shared?: boolean }) => WasmMemory;
}
export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
