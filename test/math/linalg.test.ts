import { describe, expect, it } from "vitest";
import {
  accumulateGramUpper,
  choleskySolveUpper,
  choleskyUpper,
  cosineRowToAll,
  gramUpper,
  invertSpdUpper,
  mirrorUpper,
  multiplyRowsByTransposed,
  orthonormalizeColumns,
  rowNorms,
  solveSpdUpper,
  symmetricEigen,
  symvUpper,
} from "../../src/math/linalg";
import { createRng } from "../../src/math/random";

const rng = createRng(3);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.normal());

/** A random SPD matrix MᵀM + shift·I (full, row-major). */
function spd(n: number, shift = 0.5): Float64Array {
  const m = random(n * n);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += m[k * n + i] * m[k * n + j];
  for (let i = 0; i < n; i++) a[i * n + i] += shift;
  return a;
}

function matVec(a: Float64Array, n: number, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) y[i] += a[i * n + j] * x[j];
  return y;
}

describe("accumulateGramUpper", () => {
  it("equals Σ w v vᵀ on the upper triangle for every remainder of the 4-row and 2-column blocking", () => {
    for (const k of [1, 2, 3, 5, 8]) {
      for (const count of [0, 1, 3, 4, 5, 9]) {
        const vectors = random(20 * k);
        const rows = Int32Array.from({ length: count }, (_, p) => (p * 7) % 20);
        const weights = Float32Array.from({ length: count }, () => rng.next());
        const ld = k + 1;
        const g = new Float64Array(k * ld);
        accumulateGramUpper(g, ld, k, vectors, k, rows, 0, count, weights);
        for (let a = 0; a < k; a++) {
          for (let b = 0; b < k; b++) {
            let expected = 0;
            if (b >= a) for (let p = 0; p < count; p++) expected += weights[p] * vectors[rows[p] * k + a] * vectors[rows[p] * k + b];
            expect(g[a * ld + b]).toBeCloseTo(expected, 10);
          }
        }
      }
    }
  });

  it("gramUpper + mirrorUpper give the full YᵀY", () => {
    const k = 6;
    const y = random(11 * k);
    const g = new Float64Array(k * k);
    gramUpper(g, k, y, k, 11);
    mirrorUpper(g, k);
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        let expected = 0;
        for (let r = 0; r < 11; r++) expected += y[r * k + a] * y[r * k + b];
        expect(g[a * k + b]).toBeCloseTo(expected, 10);
      }
    }
  });
});

describe("Cholesky", () => {
  it("solves SPD systems of many sizes to a tiny residual", () => {
    for (const n of [1, 2, 3, 4, 5, 8, 17, 65]) {
      const a = spd(n);
      const x = random(n);
      const b = matVec(a, n, x);
      const factor = a.slice();
      expect(choleskyUpper(factor, n)).toBe(true);
      const solution = b.slice();
      choleskySolveUpper(factor, n, solution);
      for (let i = 0; i < n; i++) expect(solution[i]).toBeCloseTo(x[i], 6);
    }
  });

  it("reads only the upper triangle and respects a leading dimension", () => {
    const n = 5;
    const ld = 7;
    const full = spd(n);
    const a = new Float64Array(n * ld).fill(Number.NaN);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * ld + j] = full[i * n + j];
    expect(choleskyUpper(a, n, ld)).toBe(true);
    const x = random(n);
    const b = matVec(full, n, x);
    choleskySolveUpper(a, n, b, ld);
    for (let i = 0; i < n; i++) expect(b[i]).toBeCloseTo(x[i], 8);
  });

  it("reports a matrix that is not positive definite", () => {
    const a = Float64Array.from([1, 2, 2, 1]);
    expect(choleskyUpper(a, 2)).toBe(false);
  });

  it("solveSpdUpper adds jitter to a singular matrix when given a backup buffer", () => {
    const a = Float64Array.from([1, 1, 1, 1]); // rank 1
    const b = Float64Array.from([2, 2]);
    expect(solveSpdUpper(a.slice(), b.slice(), 2)).toBe(false);
    const solved = b.slice();
    expect(solveSpdUpper(a.slice(), solved, 2, 2, new Float64Array(4))).toBe(true);
    expect(solved[0] + solved[1]).toBeCloseTo(2, 3);
  });

  it("invertSpdUpper gives A·A⁻¹ = I", () => {
    const n = 9;
    const a = spd(n);
    const inverse = new Float64Array(n * n);
    expect(invertSpdUpper(a.slice(), n, inverse)).toBe(true);
    for (let i = 0; i < n; i++) {
      const column = Array.from({ length: n }, (_, r) => inverse[r * n + i]);
      const product = matVec(a, n, column);
      for (let r = 0; r < n; r++) expect(product[r]).toBeCloseTo(r === i ? 1 : 0, 8);
    }
  });

  it("symvUpper multiplies by the symmetric matrix its upper triangle stores", () => {
    const n = 7;
    const a = spd(n);
    const upper = a.slice();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) upper[i * n + j] = 0;
    const x = random(n);
    const y = new Float64Array(n);
    symvUpper(upper, n, x, y);
    const expected = matVec(a, n, x);
    for (let i = 0; i < n; i++) expect(y[i]).toBeCloseTo(expected[i], 10);
  });
});

describe("symmetricEigen", () => {
  it("decomposes A = V Λ Vᵀ with orthonormal V and descending eigenvalues", () => {
    const n = 12;
    const a = spd(n, 0);
    const values = new Float64Array(n);
    const vectors = new Float64Array(n * n);
    symmetricEigen(a.slice(), n, values, vectors);
    for (let i = 1; i < n; i++) expect(values[i - 1]).toBeGreaterThanOrEqual(values[i]);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let reconstructed = 0;
        let gram = 0;
        for (let k = 0; k < n; k++) {
          reconstructed += vectors[i * n + k] * values[k] * vectors[j * n + k];
          gram += vectors[k * n + i] * vectors[k * n + j];
        }
        expect(reconstructed).toBeCloseTo(a[i * n + j], 8);
        expect(gram).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
  });
});

describe("orthonormalizeColumns", () => {
  it("gives orthonormal columns spanning the input, zeroing dependent ones", () => {
    const rows = 30;
    const cols = 5;
    const m = random(rows * cols);
    // Column 3 = column 0 + column 1 (dependent).
    for (let r = 0; r < rows; r++) m[r * cols + 3] = m[r * cols] + m[r * cols + 1];
    const original = m.slice();
    expect(orthonormalizeColumns(m, rows, cols)).toBe(4);
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += m[r * cols + i] * m[r * cols + j];
        const expected = i === j && i !== 3 ? 1 : 0;
        expect(dot).toBeCloseTo(expected, 10);
      }
    }
    // Column 4 of the input lies in the span of the output.
    const residual = Array.from({ length: rows }, (_, r) => original[r * cols + 4]);
    for (let c = 0; c < cols; c++) {
      let proj = 0;
      for (let r = 0; r < rows; r++) proj += m[r * cols + c] * original[r * cols + 4];
      for (let r = 0; r < rows; r++) residual[r] -= proj * m[r * cols + c];
    }
    for (const v of residual) expect(Math.abs(v)).toBeLessThan(1e-10);
  });
});

describe("products and cosine", () => {
  it("multiplyRowsByTransposed equals the naive product for a subset of rows", () => {
    const k = 5;
    const a = random(10 * 7);
    const b = random(70 * 6);
    const rows = [9, 0, 4];
    const out = new Float32Array(rows.length * 70);
    multiplyRowsByTransposed(a, 7, rows, b, 6, 70, k, out);
    rows.forEach((row, r) => {
      for (let c = 0; c < 70; c++) {
        let expected = 0;
        for (let d = 0; d < k; d++) expected += a[row * 7 + d] * b[c * 6 + d];
        expect(out[r * 70 + c]).toBeCloseTo(expected, 4);
      }
    });
  });

  it("cosineRowToAll gives 1 for the row itself, −1 for its negation and 0 for a zero row", () => {
    const m = Float64Array.from([1, 2, 3, -1, -2, -3, 0, 0, 0, 3, 0, -1]);
    const out = new Float32Array(4);
    cosineRowToAll(m, 3, 0, rowNorms(m, 4, 3), out);
    expect(out[0]).toBeCloseTo(1, 6);
    expect(out[1]).toBeCloseTo(-1, 6);
    expect(out[2]).toBe(0);
    expect(out[3]).toBeCloseTo(0, 6);
  });
});
