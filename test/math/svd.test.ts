import { describe, expect, it } from "vitest";
import { symmetricEigen } from "../../src/math/linalg";
import { createRng } from "../../src/math/random";
import { csrFromDense } from "../../src/math/sparse";
import { csrTimesDense, csrTransposeTimesDense, randomizedSvd, type CsrMatrix } from "../../src/math/svd";

/** CSR of a dense row-major matrix, dropping zeros (values kept in double precision). */
function toCsr(dense: Float64Array, rows: number, cols: number): CsrMatrix {
  const { indptr, indices } = csrFromDense(dense, rows, cols);
  return { rows, cols, indptr, indices, values: dense.filter((v) => v !== 0) };
}

/** Exact singular values from the eigenvalues of AᵀA (small matrices only). */
function exactSingularValues(dense: Float64Array, rows: number, cols: number): Float64Array {
  const ata = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) for (let r = 0; r < rows; r++) ata[i * cols + j] += dense[r * cols + i] * dense[r * cols + j];
  const values = new Float64Array(cols);
  symmetricEigen(ata, cols, values, new Float64Array(cols * cols));
  return values.map((v) => Math.sqrt(Math.max(0, v)));
}

describe("sparse products", () => {
  it.each([false, true])("A·M and Aᵀ·M equal the dense products (transposed: %s)", (transposed) => {
    const rng = createRng(1);
    const rows = 7;
    const cols = 5;
    const dense = Float64Array.from({ length: rows * cols }, () => (rng.next() < 0.4 ? rng.normal() : 0));
    const a = toCsr(dense, rows, cols);
    const l = 3;
    // out [outRows × l] = op(A) · m [inner × l], op(A)[i, j] = A[i, j] or A[j, i].
    const [outRows, inner] = transposed ? [cols, rows] : [rows, cols];
    const at = (i: number, j: number) => (transposed ? dense[j * cols + i] : dense[i * cols + j]);
    const m = Float64Array.from({ length: inner * l }, () => rng.normal());
    const out = new Float64Array(outRows * l);
    (transposed ? csrTransposeTimesDense : csrTimesDense)(a, m, l, out);
    for (let i = 0; i < outRows; i++) {
      for (let c = 0; c < l; c++) {
        let expected = 0;
        for (let j = 0; j < inner; j++) expected += at(i, j) * m[j * l + c];
        expect(out[i * l + c]).toBeCloseTo(expected, 10);
      }
    }
  });
});

describe("randomizedSvd", () => {
  it("recovers a sparse rank-3 matrix exactly (reconstruction, orthonormal factors)", () => {
    const rng = createRng(2);
    const rows = 60;
    const cols = 40;
    const rank = 3;
    const left = Float64Array.from({ length: rows * rank }, () => rng.normal());
    const right = Float64Array.from({ length: cols * rank }, () => rng.normal());
    // Sparsity from whole zero rows/columns keeps the rank exactly 3.
    const dense = new Float64Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      if (r % 4 === 0) continue;
      for (let c = 0; c < cols; c++) {
        if (c % 3 === 0) continue;
        for (let d = 0; d < rank; d++) dense[r * cols + c] += left[r * rank + d] * right[c * rank + d];
      }
    }
    const svd = randomizedSvd(toCsr(dense, rows, cols), 3, { rng: createRng(9), oversample: 5, powerIterations: 2 });
    expect(svd.k).toBe(3);
    const exact = exactSingularValues(dense, rows, cols);
    for (let i = 0; i < 3; i++) expect(svd.s[i]).toBeCloseTo(exact[i], 6);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let value = 0;
        for (let d = 0; d < 3; d++) value += svd.u[r * 3 + d] * svd.s[d] * svd.v[c * 3 + d];
        expect(value).toBeCloseTo(dense[r * cols + c], 6);
      }
    }
    for (const [m, n] of [
      [svd.u, rows],
      [svd.v, cols],
    ] as const) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += m[r * 3 + i] * m[r * 3 + j];
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 8);
        }
      }
    }
  });

  it("finds the leading singular values of a full-rank sparse random matrix with power iterations", () => {
    const rng = createRng(4);
    const rows = 80;
    const cols = 50;
    const dense = Float64Array.from({ length: rows * cols }, () => (rng.next() < 0.15 ? 1 + 4 * rng.next() : 0));
    const exact = exactSingularValues(dense, rows, cols);
    const svd = randomizedSvd(toCsr(dense, rows, cols), 5, { rng: createRng(5), oversample: 10, powerIterations: 6 });
    for (let i = 0; i < 5; i++) expect(Math.abs(svd.s[i] - exact[i]) / exact[i]).toBeLessThan(1e-3);
    // Without power iterations the estimate of a slowly decaying spectrum is visibly worse.
    const rough = randomizedSvd(toCsr(dense, rows, cols), 5, { rng: createRng(5), oversample: 2, powerIterations: 0 });
    expect(Math.abs(rough.s[4] - exact[4]) / exact[4]).toBeGreaterThan(1e-3);
  });

  it("clamps k to the matrix rank bound", () => {
    const dense = Float64Array.from([1, 0, 0, 2, 3, 0]);
    const svd = randomizedSvd(toCsr(dense, 3, 2), 10, { rng: createRng(1) });
    expect(svd.k).toBe(2);
    expect(svd.v.length).toBe(4);
  });
});
