// NGCF's own WebAssembly SIMD kernels: the element-wise passes of its layers (bi-interaction,
// bias + LeakyReLU + dropout + row normalisation, their backwards), the dropout masks and the BPR
// row products, as KernelDefinitions that NgcfNetwork (network.ts) hands to its WasmDevice, which
// assembles them into one module after the generic kernels of src/math/simd.ts. reference.ts has
// the JS reference of each (the "js" kernel path; test/models/ngcf-network.test.ts compares them).
// Flat kernels work on the bytes [b0, b1) of their arrays, row kernels on rows [r0, r1) of
// rowBytes each; every row size is a multiple of 16 bytes.
import { Body, F32, I32, V128, laneSum, op, type KernelDefinition } from "../../../math/simd";

/** sumProduct(side, prev, sum, product, b0, b1): sum = side + prev (skipped when sum = 0), product = side ⊙ prev. */
function sumProductKernel(f: Body): void {
  const [SIDE, PREV, SUM, PRODUCT, B0, B1] = [0, 1, 2, 3, 4, 5];
  const x = f.local(I32);
  const [a, b] = f.localsOf(V128, 2);
  f.range(x, op.get(B0), op.get(B1), 16, () => {
    f.emit(f.load(SIDE, x), op.set(a), f.load(PREV, x), op.set(b));
    f.emit(op.get(SUM), op.if, f.address(SUM, x), op.get(a), op.get(b), op.f32x4Add, op.v128Store(0), op.end);
    f.emit(f.address(PRODUCT, x), op.get(a), op.get(b), op.f32x4Mul, op.v128Store(0));
  });
}

/** sumProductBack(dp, dq, side, prev, gPrev, ds, b0, b1): gPrev = dp + dq ⊙ side, ds = dp + dq ⊙ prev. */
function sumProductBackKernel(f: Body): void {
  const [DP, DQ, SIDE, PREV, GPREV, DS, B0, B1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const x = f.local(I32);
  const [p, q] = f.localsOf(V128, 2);
  f.range(x, op.get(B0), op.get(B1), 16, () => {
    f.emit(f.load(DP, x), op.set(p), f.load(DQ, x), op.set(q));
    f.emit(f.address(GPREV, x), op.get(p), op.get(q), f.load(SIDE, x), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
    f.emit(f.address(DS, x), op.get(p), op.get(q), f.load(PREV, x), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
  });
}

/**
 * activate(z, bias, keep, out, final, r0, r1, rowBytes, finalRowBytes, norms, slope):
 * z += bias; out = max(z, slope·z) (LeakyReLU for 0 ≤ slope ≤ 1), times keep when keep ≠ 0
 * (dropout scales); norms[r] = ‖out_r‖; final row r (at final + r·finalRowBytes) = out_r / max(‖out_r‖, 1e-12).
 * `slope` is the address of an f32.
 */
function activateKernel(f: Body): void {
  const [Z, BIAS, KEEP, OUT, FINAL, R0, R1, ROWBYTES, FROWBYTES, NORMS, SLOPE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [r, j, o, fo] = f.localsOf(I32, 4); // o: row offset, fo: final row address
  const [v, acc, slope, inv] = f.localsOf(V128, 4);
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
    f.emit(f.element(NORMS, r), op.get(norm), op.f32Store(0));
    f.emit(op.f32(1), op.get(norm), op.f32(1e-12), op.f32Max, op.f32Div, op.f32x4Splat, op.set(inv));
    f.emit(f.rowAddress(FINAL, r, FROWBYTES), op.set(fo));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.address(fo, j), f.load(OUT, o, j), op.get(inv), op.f32x4Mul, op.v128Store(0));
    });
  });
}

/**
 * normBack(final, gradFinal, finalRowBytes, norms, inBatch, gE, r0, r1, rowBytes): for rows with
 * inBatch[r] ≠ 0 (one byte per row), the row normalisation's backward
 * gE_r += (g_r − ê_r (ê_r·g_r)) / max(‖e_r‖, 1e-12), ê and g read from final and gradFinal.
 */
function normBackKernel(f: Body): void {
  const [FINAL, GFINAL, FROWBYTES, NORMS, INBATCH, GE, R0, R1, ROWBYTES] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, j, o, fo, go] = f.localsOf(I32, 5); // o: row offset, fo/go: final and gradFinal rows
  const [acc, dot, inv] = f.localsOf(V128, 3);
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
    f.emit(f.element(NORMS, r), op.f32Load(0), op.set(norm));
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
}

/**
 * activateBack(gE, keep, z, dz, biasGrad, r0, r1, rowBytes, slope): dz = gE (⊙ keep when keep ≠ 0)
 * ⊙ (z > 0 ? 1 : slope); biasGrad (one row) += Σ_r dz_r. `slope` is the address of an f32.
 */
function activateBackKernel(f: Body): void {
  const [GE, KEEP, Z, DZ, BIAS, R0, R1, ROWBYTES, SLOPE] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, j, o] = f.localsOf(I32, 3);
  const [g, slope] = f.localsOf(V128, 2);
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
}

/** copyRows(src, srcRowBytes, dst, dstRowBytes, r0, r1, rowBytes, accumulate): dst_r (+)= src_r. */
function copyRowsKernel(f: Body): void {
  const [SRC, SROW, DST, DROW, R0, R1, ROWBYTES, ACCUMULATE] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [r, j, so, dst] = f.localsOf(I32, 4); // so/dst: source and destination rows
  const v = f.local(V128);
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(f.rowAddress(SRC, r, SROW), op.set(so));
    f.emit(f.rowAddress(DST, r, DROW), op.set(dst));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(so, j), op.set(v));
      f.emit(op.get(ACCUMULATE), op.if, op.get(v), f.load(dst, j), op.f32x4Add, op.set(v), op.end);
      f.emit(f.address(dst, j), op.get(v), op.v128Store(0));
    });
  });
}

/**
 * dropoutMask(keep, b0, b1, state, keepBelow, scaleBits): keep = scale (f32 from its bits) with
 * probability keepBelow / 65536, else 0, two decisions per xorshift32 draw (16-bit halves); the
 * generator's state is the i32 at `state`, read and written back. (b1 − b0) a multiple of 8.
 */
function dropoutMaskKernel(f: Body): void {
  const [KEEP, B0, B1, STATE, BELOW, SCALE] = [0, 1, 2, 3, 4, 5];
  const [x, s] = f.localsOf(I32, 2);
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
}

/** array[s] · rowBytes: the byte offset of triple s's row (array of i32 row indices). */
const tripleRowBytes = (f: Body, array: number, s: number, rowBytes: number): number[] => [...f.element(array, s), ...op.i32Load(0), ...op.get(rowBytes), ...op.i32Mul];
/**
 * bprDots(final, users, positives, negatives, s0, s1, itemBase, rowBytes, out): for triples
 * s in [s0, s1), out[s] = e_u · (e_i − e_j), rows of `final` (users from row 0, items from the
 * byte offset itemBase); index arrays of i32.
 */
function bprDotsKernel(f: Body): void {
  const [FINAL, USERS, POS, NEG, S0, S1, ITEMS, ROWBYTES, OUT] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [s, j, u, i, n] = f.localsOf(I32, 5); // u, i, n: the triple's rows
  const acc = f.local(V128);
  f.range(s, op.get(S0), op.get(S1), 1, () => {
    f.emit(tripleRowBytes(f, USERS, s, ROWBYTES), op.get(FINAL), op.i32Add, op.set(u));
    f.emit(tripleRowBytes(f, POS, s, ROWBYTES), op.get(FINAL), op.i32Add, op.get(ITEMS), op.i32Add, op.set(i));
    f.emit(tripleRowBytes(f, NEG, s, ROWBYTES), op.get(FINAL), op.i32Add, op.get(ITEMS), op.i32Add, op.set(n));
    f.emit(op.v128Zero, op.set(acc));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(op.get(acc), f.load(u, j), f.load(i, j), f.load(n, j), op.f32x4Sub, op.f32x4Mul, op.f32x4Add, op.set(acc));
    });
    f.emit(f.element(OUT, s), laneSum(acc), op.f32Store(0));
  });
}

/**
 * bprGrad(final, grad, users, positives, negatives, coef, s0, s1, itemBase, rowBytes, scalars):
 * for each triple, with g = coef[s] and λ = scalars[0]:
 *   grad_u += g (e_i − e_j) + λ e_u,  grad_i += g e_u + λ e_i,  grad_j += λ e_j − g e_u,
 * and scalars[1] += Σ (‖e_u‖² + ‖e_i‖² + ‖e_j‖²). Triples share rows: one thread only.
 */
function bprGradKernel(f: Body): void {
  const [FINAL, GRAD, USERS, POS, NEG, COEF, S0, S1, ITEMS, ROWBYTES, SCALARS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [s, j, u, i, n, gu, gi, gn] = f.localsOf(I32, 8); // the triple's rows of final and of grad
  const [g, lambda, eu, ei, ej, squares] = f.localsOf(V128, 6);
  f.emit(op.get(SCALARS), op.f32Load(0), op.f32x4Splat, op.set(lambda));
  f.emit(op.v128Zero, op.set(squares));
  f.range(s, op.get(S0), op.get(S1), 1, () => {
    f.emit(tripleRowBytes(f, USERS, s, ROWBYTES), op.set(u));
    f.emit(tripleRowBytes(f, POS, s, ROWBYTES), op.get(ITEMS), op.i32Add, op.set(i));
    f.emit(tripleRowBytes(f, NEG, s, ROWBYTES), op.get(ITEMS), op.i32Add, op.set(n));
    f.emit(op.get(GRAD), op.get(u), op.i32Add, op.set(gu), op.get(GRAD), op.get(i), op.i32Add, op.set(gi), op.get(GRAD), op.get(n), op.i32Add, op.set(gn));
    f.emit(op.get(FINAL), op.get(u), op.i32Add, op.set(u), op.get(FINAL), op.get(i), op.i32Add, op.set(i), op.get(FINAL), op.get(n), op.i32Add, op.set(n));
    f.emit(f.element(COEF, s), op.f32Load(0), op.f32x4Splat, op.set(g));
    f.range(j, op.i32(0), op.get(ROWBYTES), 16, () => {
      f.emit(f.load(u, j), op.set(eu), f.load(i, j), op.set(ei), f.load(n, j), op.set(ej));
      f.emit(op.get(squares), op.get(eu), op.get(eu), op.f32x4Mul, op.f32x4Add, op.get(ei), op.get(ei), op.f32x4Mul, op.f32x4Add, op.get(ej), op.get(ej), op.f32x4Mul, op.f32x4Add, op.set(squares));
      f.emit(f.address(gu, j), f.load(gu, j), op.get(g), op.get(ei), op.get(ej), op.f32x4Sub, op.f32x4Mul, op.f32x4Add, op.get(lambda), op.get(eu), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
      f.emit(f.address(gi, j), f.load(gi, j), op.get(g), op.get(eu), op.f32x4Mul, op.f32x4Add, op.get(lambda), op.get(ei), op.f32x4Mul, op.f32x4Add, op.v128Store(0));
      f.emit(f.address(gn, j), f.load(gn, j), op.get(lambda), op.get(ej), op.f32x4Mul, op.f32x4Add, op.get(g), op.get(eu), op.f32x4Mul, op.f32x4Sub, op.v128Store(0));
    });
  });
  f.emit(op.get(SCALARS), op.get(SCALARS), op.f32Load(4), laneSum(squares), op.f32Add, op.f32Store(4));
}

/** NGCF's kernels, in module order after the generic ones. */
export const NGCF_KERNELS = [
  { name: "sumProduct", params: 6, build: sumProductKernel },
  { name: "sumProductBack", params: 8, build: sumProductBackKernel },
  { name: "activate", params: 11, build: activateKernel },
  { name: "normBack", params: 9, build: normBackKernel },
  { name: "activateBack", params: 9, build: activateBackKernel },
  { name: "copyRows", params: 8, build: copyRowsKernel },
  { name: "dropoutMask", params: 6, build: dropoutMaskKernel },
  { name: "bprDots", params: 9, build: bprDotsKernel },
  { name: "bprGrad", params: 11, build: bprGradKernel },
] as const satisfies readonly KernelDefinition[];
export type NgcfKernelName = (typeof NGCF_KERNELS)[number]["name"];
