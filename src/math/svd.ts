// Truncated SVD of a sparse matrix by randomized range finding with power iterations:
// N. Halko, P.-G. Martinsson, J. Tropp, "Finding Structure with Randomness: Probabilistic
// Algorithms for Constructing Approximate Matrix Decompositions", SIAM Review 53(2), 2011
// (Algorithms 4.4 and 5.1). With l = k + oversampling columns:
//   Y = A Ω (Ω n×l Gaussian), Q = orth(Y); q times: Q = orth(A orth(Aᵀ Q));
//   B = Qᵀ A (l×n);  B Bᵀ = W Λ Wᵀ (l×l, Jacobi);  σ = √λ;  U = Q W;  V = Bᵀ W Σ⁻¹.
// Only sparse × dense-thin products touch A (O(nnz·l) each); the dense work is O((m+n)·l²).
// Never forms or decomposes an m×n dense matrix.
import { orthonormalizeColumns, symmetricEigen, type FloatArray } from "./linalg";
import type { Rng } from "./random";

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
