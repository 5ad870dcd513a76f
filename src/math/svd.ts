// Truncated SVD of a sparse matrix by randomized range finding with power iterations:
// N. Halko, P.-G. Martinsson, J. Tropp, "Finding Structure with Randomness: Probabilistic
// Algorithms for Constructing Approximate Matrix Decompositions", SIAM Review 53(2), 2011
// (Algorithms 4.4 and 5.1). With l = k + oversampling columns:
//   Y = A Ω (Ω n×l Gaussian), Q = orth(Y); q times: Q = orth(A orth(Aᵀ Q));
//   B = Qᵀ A (l×n);  B Bᵀ = W Λ Wᵀ (l×l, Jacobi);  σ = √λ;  U = Q W;  V = Bᵀ W Σ⁻¹.
// Only sparse × dense-thin products touch A (O(nnz·l) each); the dense work is O((m+n)·l²).
// Never forms or decomposes an m×n dense matrix.
import { ValidationError } from "../errors";
import { choleskyUpper, mirrorUpper, orthonormalizeColumns, symmetricEigen, type FloatArray } from "./linalg";
import type { Rng } from "./random";
import type { CsrMatrix as SparseCsr } from "./sparse";
import { WasmDevice, wasmDeviceBytes } from "./wasmDevice";

/** A sparse matrix in CSR form (rows × cols). */
export interface CsrMatrix {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  values: FloatArray;
}

export interface TruncatedSvd {
  /** rows × k, orthonormal columns (row-major). */
  u: Float64Array;
  /** k singular values, descending. */
  s: Float64Array;
  /** cols × k, orthonormal columns (row-major). */
  v: Float64Array;
  k: number;
}

export interface RandomizedSvdOptions {
  rng: Rng;
  /** Extra random columns beyond k (default 10). */
  oversample?: number;
  /** Power iterations (default 4); more sharpen the spectrum for slowly decaying singular values. */
  powerIterations?: number;
}

/** out (rows × l) = A · m (cols × l). */
export function csrTimesDense(a: CsrMatrix, m: Float64Array, l: number, out: Float64Array): void {
  csrProduct(a, m, l, out, false);
}

/** out (cols × l) = Aᵀ · m (rows × l). */
export function csrTransposeTimesDense(a: CsrMatrix, m: Float64Array, l: number, out: Float64Array): void {
  csrProduct(a, m, l, out, true);
}

/**
 * Both products in one pass over A's entries (r, c, v): out row c += v · m row r for Aᵀ, out
 * row r += v · m row c for A. The direction is chosen per entry, outside the l-column loop.
 */
function csrProduct(a: CsrMatrix, m: Float64Array, l: number, out: Float64Array, transpose: boolean): void {
  out.fill(0, 0, (transpose ? a.cols : a.rows) * l);
  for (let r = 0; r < a.rows; r++) {
    for (let p = a.indptr[r]; p < a.indptr[r + 1]; p++) {
      const v = a.values[p];
      const o = (transpose ? a.indices[p] : r) * l;
      const mo = (transpose ? r : a.indices[p]) * l;
      for (let c = 0; c < l; c++) out[o + c] += v * m[mo + c];
    }
  }
}

export function randomizedSvd(a: CsrMatrix, k: number, options: RandomizedSvdOptions): TruncatedSvd {
  const { rng } = options;
  const maxRank = Math.min(a.rows, a.cols);
  const kk = Math.max(0, Math.min(k, maxRank));
  const l = Math.min(maxRank, kk + (options.oversample ?? 10));
  const power = options.powerIterations ?? 4;
  const omega = new Float64Array(a.cols * l);
  for (let j = 0; j < omega.length; j++) omega[j] = rng.normal();
  const q = new Float64Array(a.rows * l);
  const z = new Float64Array(a.cols * l);
  csrTimesDense(a, omega, l, q);
  orthonormalizeColumns(q, a.rows, l);
  for (let it = 0; it < power; it++) {
    csrTransposeTimesDense(a, q, l, z);
    orthonormalizeColumns(z, a.cols, l);
    csrTimesDense(a, z, l, q);
    orthonormalizeColumns(q, a.rows, l);
  }
  // Bᵀ = Aᵀ Q (cols × l); B Bᵀ = (Bᵀ)ᵀ Bᵀ (l × l).
  csrTransposeTimesDense(a, q, l, z);
  const bbt = new Float64Array(l * l);
  for (let c = 0; c < a.cols; c++) {
    const o = c * l;
    for (let i = 0; i < l; i++) {
      const zi = z[o + i];
      if (zi === 0) continue;
      for (let j = i; j < l; j++) bbt[i * l + j] += zi * z[o + j];
    }
  }
  for (let i = 0; i < l; i++) for (let j = i + 1; j < l; j++) bbt[j * l + i] = bbt[i * l + j];
  const lambda = new Float64Array(l);
  const w = new Float64Array(l * l);
  symmetricEigen(bbt, l, lambda, w);
  const s = new Float64Array(kk);
  for (let i = 0; i < kk; i++) s[i] = Math.sqrt(Math.max(0, lambda[i]));
  const u = new Float64Array(a.rows * kk);
  for (let r = 0; r < a.rows; r++) {
    for (let i = 0; i < kk; i++) {
      let sum = 0;
      for (let j = 0; j < l; j++) sum += q[r * l + j] * w[j * l + i];
      u[r * kk + i] = sum;
    }
  }
  const v = new Float64Array(a.cols * kk);
  for (let c = 0; c < a.cols; c++) {
    for (let i = 0; i < kk; i++) {
      if (!(s[i] > 0)) continue;
      let sum = 0;
      for (let j = 0; j < l; j++) sum += z[c * l + j] * w[j * l + i];
      v[c * kk + i] = sum / s[i];
    }
  }
  return { u, s, v, k: kk };
}

/** What bipartiteSvd returns: the top k singular values of B and its right singular vectors. */
export interface RightSingular {
  /** k singular values, descending. */
  s: Float64Array;
  /** cols × k, orthonormal columns (row-major). */
  v: Float32Array;
  k: number;
}

export interface BipartiteSvdOptions extends RandomizedSvdOptions {
  /** Threads of the device's products (default 1). */
  threads?: number;
}

/** The rank kept (k clipped to min(rows, cols)) and the sketch width l: k + oversample rounded up to a multiple of 4 (the SIMD kernels' lanes), at most the rank bound. */
function bipartiteSketch(rows: number, cols: number, k: number, oversample: number | undefined): { kk: number; l: number } {
  const maxRank = Math.min(rows, cols);
  const kk = Math.max(0, Math.min(k, maxRank));
  return { kk, l: Math.min(maxRank, Math.ceil((kk + (oversample ?? 10)) / 4) * 4) };
}

/** What bipartiteSvd of a rows × cols B with `edges` non-zeros allocates: its device (the bipartite matrix and two blocks of width l) and V. */
export function bipartiteSvdBytes(rows: number, cols: number, edges: number, k: number, options: { oversample?: number; threads?: number }): number {
  const { kk, l } = bipartiteSketch(rows, cols, k, options.oversample);
  if (kk === 0 || l === 0) return 0;
  return wasmDeviceBytes(rows + cols, 2 * edges, l, 2, { extraFloats: 2 * l * l, threads: options.threads }) + 4 * cols * kk;
}

/**
 * The top-k right singular vectors and singular values of a sparse B (rows × cols), given as the
 * bipartite matrix [[0, B], [Bᵀ, 0]] ((rows + cols) square, B's rows first), by randomized
 * subspace iteration on BᵀB (Halko, Martinsson & Tropp 2011, Algorithm 4.4 on the right side):
 *   X = orth(Ω) (cols × l Gaussian);  q times: X = orth(Bᵀ(B X));
 *   Y = B X;  YᵀY = W Λ Wᵀ (l × l, Jacobi);  σ = √λ;  V = X W.
 * The products run on a WasmDevice (WebAssembly SIMD, threads), in single precision: one B·X and
 * one Bᵀ·Y per iteration, each O(nnz(B) · l). orth is CholeskyQR2 (Yamamoto et al., "Roundoff
 * error analysis of the CholeskyQR2 algorithm", ETNA 44, 2015): G = XᵀX, G = UᵀU, X ← X U⁻¹, twice,
 * with the Gram matrices and the products X·U⁻¹ on the device's dense kernels and the l × l work in
 * double precision here. It is stable when X's condition number stays below ~1/√ε₃₂ ≈ 3000, which
 * one application of BᵀB between orthonormalisations keeps for the normalised graphs it is used on
 * (σ₁ = 1); a Gram matrix that does not factorise gets a diagonal shift (shifted CholeskyQR).
 * Written here, not taken from a library: the maintained JS linear algebra (ml-matrix) decomposes
 * dense matrices only, and Gowalla's R̃ dense would be 29,858 × 40,981 doubles (9.8 GB).
 * Measured on Gowalla's R̃ (29,858 × 40,981, 810,128 non-zeros) at rank 64, 2 iterations: 0.8 s
 * here against 12.2 s for randomizedSvd above, whose double-precision Gram–Schmidt makes strided
 * column passes, O(m·l²) each (`npm run bench:graph -- --filter gfcf --svd-compare 64`,
 * results/gowalla-filter-gfcf.json). randomizedSvd starts from A·Ω, half an iteration further,
 * so at equal iterations their trailing singular values differ; speed is what was compared.
 */
export function bipartiteSvd(bipartite: SparseCsr, rows: number, k: number, options: BipartiteSvdOptions): RightSingular {
  const cols = bipartite.nRows - rows;
  if (!(rows >= 0 && cols >= 0 && bipartite.nCols === bipartite.nRows))
    throw new ValidationError("bipartite", `${bipartite.nRows}×${bipartite.nCols}`, `a square matrix of rows + cols with rows = ${rows}`);
  const { kk, l } = bipartiteSketch(rows, cols, k, options.oversample);
  if (kk === 0 || l === 0) return { s: new Float64Array(0), v: new Float32Array(0), k: 0 };
  const device = new WasmDevice(bipartite, l, 2, { threads: options.threads ?? 1, extraFloats: 2 * l * l });
  try {
    const itemsOf = (slot: number) => device.buffer(slot).subarray(rows * l, (rows + cols) * l);
    const x = itemsOf(0);
    const scratch = itemsOf(1);
    for (let j = 0; j < x.length; j++) x[j] = options.rng.normal();
    const orth = () => {
      for (let pass = 0; pass < 2; pass++) choleskyQrPass(device, x, scratch, cols, l);
    };
    orth();
    const power = options.powerIterations ?? 4;
    for (let it = 0; it < power; it++) {
      device.multiplyRows(0, 1, 0, rows); // Y = B X (user rows of slot 1)
      device.multiplyRows(1, 0, rows, rows + cols); // X = Bᵀ Y (item rows of slot 0)
      orth();
    }
    device.multiplyRows(0, 1, 0, rows);
    const y = device.buffer(1).subarray(0, rows * l);
    const extra = device.extra();
    const gram32 = extra.subarray(0, l * l);
    device.gemmTransposedA(y, y, gram32, rows, l, l);
    const gram = Float64Array.from(gram32);
    mirrorUpper(gram, l);
    const lambda = new Float64Array(l);
    const w = new Float64Array(l * l);
    symmetricEigen(gram, l, lambda, w);
    const w32 = extra.subarray(l * l, 2 * l * l);
    w32.set(w);
    device.gemm(x, w32, scratch, cols, l, l);
    const v = new Float32Array(cols * kk);
    for (let c = 0; c < cols; c++) v.set(scratch.subarray(c * l, c * l + kk), c * kk);
    const s = new Float64Array(kk);
    for (let i = 0; i < kk; i++) s[i] = Math.sqrt(Math.max(0, lambda[i]));
    return { s, v, k: kk };
  } finally {
    device.dispose();
  }
}

/** One CholeskyQR pass on the device: G = XᵀX, G = UᵀU, X ← X·U⁻¹ (through `scratch`, then copied back). */
function choleskyQrPass(device: WasmDevice, x: Float32Array, scratch: Float32Array, n: number, l: number): void {
  const extra = device.extra();
  const gram32 = extra.subarray(0, l * l);
  device.gemmTransposedA(x, x, gram32, n, l, l);
  const gram = Float64Array.from(gram32);
  const backup = gram.slice();
  let shift = 0;
  let trace = 0;
  for (let i = 0; i < l; i++) trace += backup[i * l + i];
  while (!choleskyUpper(gram, l)) {
    // Shifted CholeskyQR: a singular direction (X of lower rank) gets a small diagonal lift.
    shift = shift === 0 ? 1e-6 * (trace / l + 1e-30) : shift * 10;
    gram.set(backup);
    for (let i = 0; i < l; i++) gram[i * l + i] += shift;
  }
  // U⁻¹ (upper triangular) by back substitution, column by column.
  const inv = new Float64Array(l * l);
  for (let c = 0; c < l; c++) {
    inv[c * l + c] = 1 / gram[c * l + c];
    for (let r = c - 1; r >= 0; r--) {
      let sum = 0;
      for (let j = r + 1; j <= c; j++) sum += gram[r * l + j] * inv[j * l + c];
      inv[r * l + c] = -sum / gram[r * l + r];
    }
  }
  const inv32 = extra.subarray(l * l, 2 * l * l);
  inv32.set(inv);
  device.gemm(x, inv32, scratch, n, l, l);
  x.set(scratch.subarray(0, n * l));
}
