// WebAssembly SIMD kernels for the graph models, assembled here from their binary encoding: no
// compiler to WebAssembly is available on the build machine and no dependency may be added. The
// module imports one memory (shared when worker threads run the same kernels on their share of
// rows) and exports the kernels listed in KERNEL_NAMES, every one taking 11 i32 arguments (byte
// offsets into the memory, row ranges, sizes). SpmmEngine (src/math/sparse.ts) owns the memory,
// the threads and the argument lists; tests check every kernel against a plain JS loop.
//
// The SpMM kernel. V8 compiles the JS loops of src/math/sparse.ts to scalar code; the same loop
// written with 128-bit f32x4 lanes runs 3–4× faster here (Gowalla Â, 1.62M non-zeros × 64
// columns, on the loaded 2-core machine: JS 8-accumulator loop 290–370 ms, this 60–95 ms;
// `npm run bench:graph -- --kernels`). The module is validated at load.
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
const F32 = 0x7d;
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
 * A kernel body under construction: its 11 i32 parameters are locals 0–10, further locals are
 * declared by type; `range` emits a counted loop.
 */
class Body {
  private readonly code: number[] = [];
  private readonly locals: number[] = [];

  local(type: number): number {
    this.locals.push(type);
    return 11 + this.locals.length - 1;
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

  finish(): number[] {
    const groups: number[][] = [];
    for (const type of this.locals) groups.push([...uleb(1), type]);
    const code = [...vec(groups), ...this.code, ...op.end];
    return [...uleb(code.length), ...code];
  }
}

/** Horizontal sum of a v128 local (f32 on the stack). */
const laneSum = (v: number): number[] => [
  ...op.get(v), ...op.f32x4Lane(0), ...op.get(v), ...op.f32x4Lane(1), ...op.f32Add,
  ...op.get(v), ...op.f32x4Lane(2), ...op.f32Add, ...op.get(v), ...op.f32x4Lane(3), ...op.f32Add,
];

// Element-wise kernels of NGCF's layers (src/models/graph/ngcf.ts has the JS reference of each).
// Flat kernels work on the bytes [b0, b1) of their arrays, row kernels on rows [r0, r1) of
// rowBytes each; every row size is a multiple of 16 bytes.

/** sumProduct(side, prev, sum, product, b0, b1): sum = side + prev (skipped when sum = 0), product = side ⊙ prev. */
function sumProductBody(): number[] {
  const [SIDE, PREV, SUM, PRODUCT, B0, B1] = [0, 1, 2, 3, 4, 5];
  const f = new Body();
  const x = f.local(I32);
  const a = f.local(V128);
  const b = f.local(V128);
  f.range(x, op.get(B0), op.get(B1), 16, () => {
    f.emit(f.load(SIDE, x), op.set(a), f.load(PREV, x), op.set(b));
    f.emit(op.get(SUM), op.if, f.address(SUM, x), op.get(a), op.get(b), op.f32x4Add, op.v128Store(0), op.end);
    f.emit(f.address(PRODUCT, x), op.get(a), op.get(b), op.f32x4Mul, op.v128Store(0));
  });
  return f.finish();
}

/** sumProductBack(dp, dq, side, prev, gPrev, ds, b0, b1): gPrev = dp + dq ⊙ side, ds = dp + dq ⊙ prev. */
function sumProductBackBody(): number[] {
  const [DP, DQ, SIDE, PREV, GPREV, DS, B0, B1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const f = new Body();
  const x = f.local(I32);
  const p = f.local(V128);
  const q = f.local(V128);
  f.range(x, op.get(B0), op.get(B1), 16, () => {
    f.emit(f.load(DP, x), op.set(p), f.load(DQ, x), op.set(q));
    f.emit(f.address(GPREV, x), op.get(p), op.get(q), f.load(SIDE, x), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
    f.emit(f.address(DS, x), op.get(p), op.get(q), f.load(PREV, x), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
  });
  return f.finish();
}

/**
 * activate(z, bias, keep, out, final, r0, r1, rowBytes, finalRowBytes, norms, slope):
 * z += bias; out = max(z, slope·z) (LeakyReLU for 0 ≤ slope ≤ 1), times keep when keep ≠ 0
 * (dropout scales); norms[r] = ‖out_r‖; final row r (at final + r·finalRowBytes) = out_r / max(‖out_r‖, 1e-12).
 * `slope` is the address of an f32.
 */
function activateBody(): number[] {
  const [Z, BIAS, KEEP, OUT, FINAL, R0, R1, ROWBYTES, FROWBYTES, NORMS, SLOPE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = new Body();
  const r = f.local(I32);
  const j = f.local(I32);
  const o = f.local(I32);
  const fo = f.local(I32);
  const v = f.local(V128);
  const acc = f.local(V128);
  const slope = f.local(V128);
  const inv = f.local(V128);
  const norm = f.local(F32);
  f.emit(op.get(SLOPE), op.f32Load(0), op.f32x4Splat, op.set(slope));
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(r), op.get(ROWBYTES), op.i32Mul, op.set(o));
    f.emit(op.v128Zero, op.set(acc));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(Z, o, j), f.load(BIAS, j), op.f32x4Add, op.set(v));
      f.emit(f.address(Z, o, j), op.get(v), op.v128Store(0));
      f.emit(op.get(v), op.get(v), op.get(slope), op.f32x4Mul, op.f32x4Max, op.set(v));
      f.emit(op.get(KEEP), op.if, op.get(v), f.load(KEEP, o, j), op.f32x4Mul, op.set(v), op.end);
      f.emit(f.address(OUT, o, j), op.get(v), op.v128Store(0));
      f.emit(op.get(acc), op.get(v), op.get(v), op.f32x4Mul, op.f32x4Add, op.set(acc));
    });
    f.emit(laneSum(acc), op.f32Sqrt, op.set(norm));
    f.emit(op.get(NORMS), op.get(r), op.i32(2), op.i32Shl, op.i32Add, op.get(norm), op.f32Store(0));
    f.emit(op.f32(1), op.get(norm), op.f32(1e-12), op.f32Max, op.f32Div, op.f32x4Splat, op.set(inv));
    f.emit(op.get(FINAL), op.get(r), op.get(FROWBYTES), op.i32Mul, op.i32Add, op.set(fo));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.address(fo, j), f.load(OUT, o, j), op.get(inv), op.f32x4Mul, op.v128Store(0));
    });
  });
  return f.finish();
}

/**
 * normBack(final, gradFinal, finalRowBytes, norms, inBatch, gE, r0, r1, rowBytes): for rows with
 * inBatch[r] ≠ 0 (one byte per row), the row normalisation's backward
 * gE_r += (g_r − ê_r (ê_r·g_r)) / max(‖e_r‖, 1e-12), ê and g read from final and gradFinal.
 */
function normBackBody(): number[] {
  const [FINAL, GFINAL, FROWBYTES, NORMS, INBATCH, GE, R0, R1, ROWBYTES] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = new Body();
  const r = f.local(I32);
  const j = f.local(I32);
  const o = f.local(I32);
  const fo = f.local(I32);
  const go = f.local(I32);
  const acc = f.local(V128);
  const dot = f.local(V128);
  const inv = f.local(V128);
  const norm = f.local(F32);
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(INBATCH), op.get(r), op.i32Add, op.i32Load8U(0), op.if);
    f.emit(op.get(r), op.get(FROWBYTES), op.i32Mul, op.set(fo));
    f.emit(op.get(GFINAL), op.get(fo), op.i32Add, op.set(go));
    f.emit(op.get(FINAL), op.get(fo), op.i32Add, op.set(fo));
    f.emit(op.v128Zero, op.set(acc));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(op.get(acc), f.load(fo, j), f.load(go, j), op.f32x4Mul, op.f32x4Add, op.set(acc));
    });
    f.emit(op.get(NORMS), op.get(r), op.i32(2), op.i32Shl, op.i32Add, op.f32Load(0), op.set(norm));
    // dot = norm > 1e-12 ? ê·g : 0 (a zero row has ê = 0 and passes g / 1e-12).
    f.emit(laneSum(acc), op.f32(0), op.get(norm), op.f32(1e-12), op.f32Gt, op.select, op.f32x4Splat, op.set(dot));
    f.emit(op.f32(1), op.get(norm), op.f32(1e-12), op.f32Max, op.f32Div, op.f32x4Splat, op.set(inv));
    f.emit(op.get(r), op.get(ROWBYTES), op.i32Mul, op.set(o));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.address(GE, o, j), f.load(GE, o, j));
      f.emit(f.load(go, j), f.load(fo, j), op.get(dot), op.f32x4Mul, op.f32x4Sub, op.get(inv), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
    });
    f.emit(op.end);
  });
  return f.finish();
}

/**
 * activateBack(gE, keep, z, dz, biasGrad, r0, r1, rowBytes, slope): dz = gE (⊙ keep when keep ≠ 0)
 * ⊙ (z > 0 ? 1 : slope); biasGrad (one row) += Σ_r dz_r. `slope` is the address of an f32.
 */
function activateBackBody(): number[] {
  const [GE, KEEP, Z, DZ, BIAS, R0, R1, ROWBYTES, SLOPE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = new Body();
  const r = f.local(I32);
  const j = f.local(I32);
  const o = f.local(I32);
  const g = f.local(V128);
  const slope = f.local(V128);
  f.emit(op.get(SLOPE), op.f32Load(0), op.f32x4Splat, op.set(slope));
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(r), op.get(ROWBYTES), op.i32Mul, op.set(o));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(GE, o, j), op.set(g));
      f.emit(op.get(KEEP), op.if, op.get(g), f.load(KEEP, o, j), op.f32x4Mul, op.set(g), op.end);
      f.emit(op.get(g), op.get(g), op.get(slope), op.f32x4Mul, f.load(Z, o, j), op.v128Zero, op.f32x4Gt, op.v128Bitselect, op.set(g));
      f.emit(f.address(DZ, o, j), op.get(g), op.v128Store(0));
      f.emit(f.address(BIAS, j), f.load(BIAS, j), op.get(g), op.f32x4Add, op.v128Store(0));
    });
  });
  return f.finish();
}

/** copyRows(src, srcRowBytes, dst, dstRowBytes, r0, r1, rowBytes, accumulate): dst_r (+)= src_r. */
function copyRowsBody(): number[] {
  const [SRC, SROW, DST, DROW, R0, R1, ROWBYTES, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7];
  const f = new Body();
  const r = f.local(I32);
  const j = f.local(I32);
  const so = f.local(I32);
  const dst = f.local(I32);
  const v = f.local(V128);
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(SRC), op.get(r), op.get(SROW), op.i32Mul, op.i32Add, op.set(so));
    f.emit(op.get(DST), op.get(r), op.get(DROW), op.i32Mul, op.i32Add, op.set(dst));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(so, j), op.set(v));
      f.emit(op.get(ACCUMULATE), op.if, op.get(v), f.load(dst, j), op.f32x4Add, op.set(v), op.end);
      f.emit(f.address(dst, j), op.get(v), op.v128Store(0));
    });
  });
  return f.finish();
}

/**
 * dropoutMask(keep, b0, b1, state, keepBelow, scaleBits): keep = scale (f32 from its bits) with
 * probability keepBelow / 65536, else 0, two decisions per xorshift32 draw (16-bit halves); the
 * generator's state is the i32 at `state`, read and written back. (b1 − b0) a multiple of 8.
 */
function dropoutMaskBody(): number[] {
  const [KEEP, B0, B1, STATE, BELOW, SCALE] = [0, 1, 2, 3, 4, 5];
  const f = new Body();
  const x = f.local(I32);
  const s = f.local(I32);
  const scale = f.local(F32);
  f.emit(op.get(STATE), op.i32Load(0), op.set(s));
  f.emit(op.get(SCALE), op.f32FromBits, op.set(scale));
  f.range(x, op.get(B0), op.get(B1), 8, () => {
    f.emit(op.get(s), op.get(s), op.i32(13), op.i32Shl, op.i32Xor, op.set(s));
    f.emit(op.get(s), op.get(s), op.i32(17), op.i32ShrU, op.i32Xor, op.set(s));
    f.emit(op.get(s), op.get(s), op.i32(5), op.i32Shl, op.i32Xor, op.set(s));
    f.emit(op.get(KEEP), op.get(x), op.i32Add, op.get(scale), op.f32(0), op.get(s), op.i32(0xffff), op.i32And, op.get(BELOW), op.i32LtU, op.select, op.f32Store(0));
    f.emit(op.get(KEEP), op.get(x), op.i32Add, op.get(scale), op.f32(0), op.get(s), op.i32(16), op.i32ShrU, op.get(BELOW), op.i32LtU, op.select, op.f32Store(4));
  });
  f.emit(op.get(STATE), op.get(s), op.i32Store(0));
  return f.finish();
}


/** Body of the blocked SpMM kernel with `width` f32x4 accumulators (4·width columns per pass). */
function kernelBody(width: number): number[] {
  const [INDPTR, INDICES, VALUES, X, OUT, ACC, R0, R1, ROWBYTES, C0, C1] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = new Body();
  const [r, k, kEnd, j, b, o, kStart, ao] = Array.from({ length: 8 }, () => f.local(I32)); // b: x row address, o/ao: out/acc row
  const v = f.local(V128); // splatted value
  const acc = Array.from({ length: width }, () => f.local(V128));
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(INDPTR), op.get(r), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(0), op.set(kStart));
    f.emit(op.get(INDPTR), op.get(r), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(4), op.set(kEnd));
    f.emit(op.get(OUT), op.get(r), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.set(o));
    f.emit(op.get(ACC), op.get(r), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.set(ao));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      for (const a of acc) f.emit(op.v128Zero, op.set(a));
      f.range(k, op.get(kStart), op.get(kEnd), 1, () => {
        f.emit(op.get(VALUES), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.f32Load(0), op.f32x4Splat, op.set(v));
        f.emit(op.get(X), op.get(INDICES), op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.i32Load(0), op.get(ROWBYTES), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(b));
        acc.forEach((a, q) => f.emit(op.get(a), op.get(v), op.get(b), op.v128Load(16 * q), op.f32x4Mul, op.f32x4Add, op.set(a)));
      });
      acc.forEach((a, q) => f.emit(f.address(o, j), op.get(a), op.v128Store(16 * q)));
      f.emit(op.get(ACC), op.if);
      acc.forEach((a, q) => f.emit(f.address(ao, j), f.address(ao, j), op.v128Load(16 * q), op.get(a), op.f32x4Add, op.v128Store(16 * q)));
      f.emit(op.end);
    });
  });
  return f.finish();
}

/**
 * Dense out = X·W (or out += X·W when the last argument is non-zero) for rows [r0, r1) and the
 * output bytes [c0, c1) of each row: X [rows × k] with xRowBytes per row, W [k × m] and out
 * [rows × m] with wRowBytes per row. The same register blocking as the SpMM kernel: `width`
 * f32x4 accumulators per pass over the row's k entries, W's row block read from cache.
 */
function gemmBody(width: number): number[] {
  const [X, W, OUT, R0, R1, XROW, WROW, KCOUNT, C0, C1, ACCUM] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = new Body();
  const [r, k, j, xa, wa, o] = Array.from({ length: 6 }, () => f.local(I32)); // xa/wa: X and W addresses, o: out row
  const v = f.local(V128);
  const acc = Array.from({ length: width }, () => f.local(V128));
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(op.get(OUT), op.get(r), op.get(WROW), op.i32Mul, op.i32Add, op.set(o));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      for (const a of acc) f.emit(op.v128Zero, op.set(a));
      f.emit(op.get(ACCUM), op.if);
      acc.forEach((a, q) => f.emit(f.address(o, j), op.v128Load(16 * q), op.set(a)));
      f.emit(op.end);
      f.emit(op.get(X), op.get(r), op.get(XROW), op.i32Mul, op.i32Add, op.set(xa));
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
  return f.finish();
}

/** Rows per cache block of the Xᵀ·Y kernel (Y's block stays in L1 across the k passes). */
const TN_BLOCK_ROWS = 64;

/**
 * Dense out += Xᵀ·Y over rows [r0, r1): X [rows × k] (xRowBytes), Y [rows × m] (yRowBytes),
 * out [k × m] (outRowBytes), output bytes [c0, c1) of each out row. Rows go in blocks of
 * TN_BLOCK_ROWS; per block, per k and per column block the `width` accumulators start from out
 * and stream the block's rows.
 */
function gemmTnBody(width: number): number[] {
  const [X, Y, OUT, R0, R1, XROW, YROW, KCOUNT, C0, C1, OROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = new Body();
  const [rc, re, k, j, r, xa, ya, ob] = Array.from({ length: 8 }, () => f.local(I32)); // rc/re: row block, ob: out row
  const v = f.local(V128);
  const acc = Array.from({ length: width }, () => f.local(V128));
  // The row-block loop steps by its own end (re), so it is written out instead of f.range.
  f.emit(op.get(R0), op.set(rc), op.block, op.loop);
  f.emit(op.get(rc), op.get(R1), op.i32GeS, op.brIf(1));
  // re = min(rc + BLOCK, r1)
  f.emit(op.get(R1), op.get(rc), op.i32(TN_BLOCK_ROWS), op.i32Add, op.get(rc), op.i32(TN_BLOCK_ROWS), op.i32Add, op.get(R1), op.i32GtS, op.select, op.set(re));
  f.range(k, op.i32(0), op.get(KCOUNT), 1, () => {
    f.emit(op.get(OUT), op.get(k), op.get(OROW), op.i32Mul, op.i32Add, op.set(ob));
    f.range(j, op.get(C0), op.get(C1), 16 * width, () => {
      acc.forEach((a, q) => f.emit(f.address(ob, j), op.v128Load(16 * q), op.set(a)));
      f.emit(op.get(X), op.get(rc), op.get(XROW), op.i32Mul, op.i32Add, op.get(k), op.i32(2), op.i32Shl, op.i32Add, op.set(xa));
      f.emit(op.get(Y), op.get(rc), op.get(YROW), op.i32Mul, op.i32Add, op.get(j), op.i32Add, op.set(ya));
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
  return f.finish();
}

export const WIDE = 8;

/** array[s] · rowBytes: the byte offset of triple s's row (array of i32 row indices). */
const tripleRowBytes = (array: number, s: number, rowBytes: number): number[] => [
  ...op.get(array), ...op.get(s), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load(0), ...op.get(rowBytes), ...op.i32Mul,
];

/**
 * bprDots(final, users, positives, negatives, s0, s1, itemBase, rowBytes, out): for triples
 * s in [s0, s1), out[s] = e_u · (e_i − e_j), rows of `final` (users from row 0, items from the
 * byte offset itemBase); index arrays of i32.
 */
function bprDotsBody(): number[] {
  const [FINAL, USERS, POS, NEG, S0, S1, ITEMS, ROWBYTES, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const f = new Body();
  const s = f.local(I32);
  const j = f.local(I32);
  const u = f.local(I32);
  const i = f.local(I32);
  const n = f.local(I32);
  const acc = f.local(V128);
  f.range(s, op.get(S0), op.get(S1), 1, () => {
    f.emit(tripleRowBytes(USERS, s, ROWBYTES), op.get(FINAL), op.i32Add, op.set(u));
    f.emit(tripleRowBytes(POS, s, ROWBYTES), op.get(FINAL), op.i32Add, op.get(ITEMS), op.i32Add, op.set(i));
    f.emit(tripleRowBytes(NEG, s, ROWBYTES), op.get(FINAL), op.i32Add, op.get(ITEMS), op.i32Add, op.set(n));
    f.emit(op.v128Zero, op.set(acc));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(op.get(acc), f.load(u, j), f.load(i, j), f.load(n, j), op.f32x4Sub, op.f32x4Mul, op.f32x4Add, op.set(acc));
    });
    f.emit(op.get(OUT), op.get(s), op.i32(2), op.i32Shl, op.i32Add, laneSum(acc), op.f32Store(0));
  });
  return f.finish();
}

/**
 * bprGrad(final, grad, users, positives, negatives, coef, s0, s1, itemBase, rowBytes, scalars):
 * for each triple, with g = coef[s] and λ = scalars[0]:
 *   grad_u += g (e_i − e_j) + λ e_u,  grad_i += g e_u + λ e_i,  grad_j += λ e_j − g e_u,
 * and scalars[1] += Σ (‖e_u‖² + ‖e_i‖² + ‖e_j‖²). Triples share rows: one thread only.
 */
function bprGradBody(): number[] {
  const [FINAL, GRAD, USERS, POS, NEG, COEF, S0, S1, ITEMS, ROWBYTES, SCALARS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const f = new Body();
  const s = f.local(I32);
  const j = f.local(I32);
  const u = f.local(I32);
  const i = f.local(I32);
  const n = f.local(I32);
  const gu = f.local(I32);
  const gi = f.local(I32);
  const gn = f.local(I32);
  const g = f.local(V128);
  const lambda = f.local(V128);
  const eu = f.local(V128);
  const ei = f.local(V128);
  const ej = f.local(V128);
  const squares = f.local(V128);
  f.emit(op.get(SCALARS), op.f32Load(0), op.f32x4Splat, op.set(lambda));
  f.emit(op.v128Zero, op.set(squares));
  f.range(s, op.get(S0), op.get(S1), 1, () => {
    f.emit(tripleRowBytes(USERS, s, ROWBYTES), op.set(u));
    f.emit(tripleRowBytes(POS, s, ROWBYTES), op.get(ITEMS), op.i32Add, op.set(i));
    f.emit(tripleRowBytes(NEG, s, ROWBYTES), op.get(ITEMS), op.i32Add, op.set(n));
    f.emit(op.get(GRAD), op.get(u), op.i32Add, op.set(gu), op.get(GRAD), op.get(i), op.i32Add, op.set(gi), op.get(GRAD), op.get(n), op.i32Add, op.set(gn));
    f.emit(op.get(FINAL), op.get(u), op.i32Add, op.set(u), op.get(FINAL), op.get(i), op.i32Add, op.set(i), op.get(FINAL), op.get(n), op.i32Add, op.set(n));
    f.emit(op.get(COEF), op.get(s), op.i32(2), op.i32Shl, op.i32Add, op.f32Load(0), op.f32x4Splat, op.set(g));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(u, j), op.set(eu), f.load(i, j), op.set(ei), f.load(n, j), op.set(ej));
      f.emit(op.get(squares), op.get(eu), op.get(eu), op.f32x4Mul, op.f32x4Add, op.get(ei), op.get(ei), op.f32x4Mul, op.f32x4Add, op.get(ej), op.get(ej), op.f32x4Mul, op.f32x4Add, op.set(squares));
      f.emit(f.address(gu, j), f.load(gu, j), op.get(g), op.get(ei), op.get(ej), op.f32x4Sub, op.f32x4Mul, op.f32x4Add, op.get(lambda), op.get(eu), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
      f.emit(f.address(gi, j), f.load(gi, j), op.get(g), op.get(eu), op.f32x4Mul, op.f32x4Add, op.get(lambda), op.get(ei), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
      f.emit(f.address(gn, j), f.load(gn, j), op.get(lambda), op.get(ej), op.f32x4Mul, op.f32x4Add, op.get(g), op.get(eu), op.f32x4Mul, op.f32x4Sub, op.v128Store(0));
    });
  });
  f.emit(op.get(SCALARS), op.get(SCALARS), op.f32Load(4), laneSum(squares), op.f32Add, op.f32Store(4));
  return f.finish();
}

/** Exported kernels, in function-index order; all take 11 i32 arguments. */
export const KERNEL_NAMES = [
  "spmmWide",
  "spmmNarrow",
  "gemmWide",
  "gemmNarrow",
  "gemmTnWide",
  "gemmTnNarrow",
  "sumProduct",
  "sumProductBack",
  "activate",
  "normBack",
  "activateBack",
  "copyRows",
  "dropoutMask",
  "bprDots",
  "bprGrad",
] as const;
export type KernelName = (typeof KERNEL_NAMES)[number];

/** The module; `sharedPages` declares an imported shared memory of exactly that many pages. */
export function assembleKernelModule(sharedPages?: number): Uint8Array {
  const signature = [0x60, ...vec(new Array<number[]>(11).fill([I32])), 0];
  const limits = sharedPages === undefined ? [0x00, ...uleb(1)] : [0x03, ...uleb(sharedPages), ...uleb(sharedPages)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([signature])),
    ...section(2, vec([[...name("env"), ...name("memory"), 0x02, ...limits]])),
    ...section(3, vec(KERNEL_NAMES.map(() => uleb(0)))),
    ...section(7, vec(KERNEL_NAMES.map((kernel, index) => [...name(kernel), 0x00, index]))),
    ...section(
      10,
      vec([
        kernelBody(WIDE),
        kernelBody(1),
        gemmBody(WIDE),
        gemmBody(1),
        gemmTnBody(WIDE),
        gemmTnBody(1),
        sumProductBody(),
        sumProductBackBody(),
        activateBody(),
        normBackBody(),
        activateBackBody(),
        copyRowsBody(),
        dropoutMaskBody(),
        bprDotsBody(),
        bprGradBody(),
      ]),
    ),
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

