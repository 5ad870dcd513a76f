// Compressed sparse row (CSR) matrices on typed arrays and the sparse × dense products that
// graph models use for message passing: out = A · X with X row-major [nCols × dim].
// Cost O(nnz × dim) per product; A is never densified.
//
// Kernel choice (measured by scripts/bench-graph.ts --spmm; see the numbers at the top of
// src/models/graph/common.ts): rows are processed independently; for each row the output is
// accumulated in blocks of 8 columns held in local variables (8 independent accumulators), so the
// inner loop does one gather of 8 contiguous floats per non-zero and no stores until the row ends.
// A plain "out[j] += v · x[j]" loop re-reads and re-writes the output row per non-zero. The same
// products on WebAssembly SIMD, threads and one memory for many operands: src/math/wasmDevice.ts.
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
  if (x === out || (x.buffer === out.buffer && viewsOverlap(x, out))) throw new ValidationError("out", "aliases x", "a buffer distinct from x");
}

/** Whether two views of the same buffer share bytes. */
export function viewsOverlap(a: Float32Array, b: Float32Array): boolean {
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * out[r, :] = Σ_k A[r, c_k] · x[c_k, :] for rows r in [rowStart, rowEnd) (default all rows).
 * x is row-major [nCols × dim], out row-major [nRows × dim]; rows outside the range are untouched.
 */
export function spmm(a: CsrMatrix, x: Float32Array, dim: number, out: Float32Array, rowStart = 0, rowEnd = a.nRows): void {
  checkDense(a, x, dim, out);
  spmmRows(a.indptr, a.indices, a.values, x, dim, out, rowStart, rowEnd);
}

/** The CSR arrays of A, x [nCols × dim], out [nRows × dim], and the rows [rowStart, rowEnd) to compute. */
export type SpmmRows = (indptr: Int32Array, indices: Int32Array, values: Float32Array, x: Float32Array, dim: number, out: Float32Array, rowStart: number, rowEnd: number) => void;

/** out rows [rowStart, rowEnd) = A·x on the faster JS kernel for this dim (no checks). */
export const spmmRows: SpmmRows = (indptr, indices, values, x, dim, out, rowStart, rowEnd) => {
  if (dim % 8 === 0) spmmBlocked8(indptr, indices, values, x, dim, out, rowStart, rowEnd);
  else spmmPlain(indptr, indices, values, x, dim, out, rowStart, rowEnd);
};

/** The straightforward kernel: out row accumulated in memory (any dim). */
export const spmmPlain: SpmmRows = (indptr, indices, values, x, dim, out, rowStart, rowEnd) => {
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
};

/** dim a multiple of 8: eight column accumulators in locals per pass over the row. */
export const spmmBlocked8: SpmmRows = (indptr, indices, values, x, dim, out, rowStart, rowEnd) => {
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
};

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

/**
 * Position of the mirror entry (c, r) of every entry (r, c) of a structurally symmetric CSR matrix
 * with ascending columns (edge dropout rescales both directions of an edge at once).
 */
export function mirrorPositions(a: CsrMatrix): Int32Array {
  const nnz = a.indptr[a.nRows];
  const mirror = new Int32Array(nnz).fill(-1);
  const cursor = a.indptr.slice(0, a.nRows);
  // Visiting rows in order, the entries (c, r) of row c are met with r ascending, as are the
  // columns of row c: a moving cursor per row finds each mirror in O(1).
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const c = a.indices[k];
      const m = cursor[c]++;
      if (a.indices[m] !== r) throw new ValidationError("matrix", `entry (${r}, ${c})`, "a structurally symmetric matrix with ascending columns");
      mirror[k] = m;
    }
  }
  return mirror;
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
