import { describe, expect, it } from "vitest";
import { createRng } from "../../src/math/random";
import { csrFromDense, csrToDense, mirrorPositions, spmm, spmmPlain, transposeCsr, validateCsr, type CsrMatrix } from "../../src/math/sparse";
import { Body, I32, V128, assembleKernelModule, moduleKernels, op, type KernelDefinition } from "../../src/math/simd";
import { WasmDevice, gemmJs, gemmTransposedAJs, wasmSimdSupported } from "../../src/math/wasmDevice";

function randomCsr(nRows: number, nCols: number, density: number, seed: number): CsrMatrix {
  const rng = createRng(seed);
  const dense = new Float32Array(nRows * nCols);
  for (let k = 0; k < dense.length; k++) if (rng.next() < density) dense[k] = rng.normal();
  return csrFromDense(dense, nRows, nCols);
}

function denseProduct(a: CsrMatrix, x: Float32Array, dim: number): Float64Array {
  const d = csrToDense(a);
  const out = new Float64Array(a.nRows * dim);
  for (let r = 0; r < a.nRows; r++) for (let c = 0; c < a.nCols; c++) for (let j = 0; j < dim; j++) out[r * dim + j] += d[r * a.nCols + c] * x[c * dim + j];
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBeGreaterThanOrEqual(b.length);
  let worst = 0;
  for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  return Number.isNaN(worst) ? Infinity : worst;
}

function randomDense(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

describe("CSR sparse × dense", () => {
  it.each([1, 3, 8, 12, 64, 68])("spmm equals the dense product (dim %i)", (dim) => {
    const a = randomCsr(23, 17, 0.2, dim);
    const x = randomDense(17 * dim, 100 + dim);
    const out = new Float32Array(23 * dim).fill(Number.NaN);
    spmm(a, x, dim, out);
    const expected = denseProduct(a, x, dim);
    for (let k = 0; k < out.length; k++) expect(out[k]).toBeCloseTo(expected[k], 4);
  });

  it("computes only the requested rows and leaves the others untouched", () => {
    const a = randomCsr(10, 10, 0.4, 3);
    const x = randomDense(10 * 8, 4);
    const out = new Float32Array(10 * 8).fill(7);
    spmm(a, x, 8, out, 2, 5);
    const expected = denseProduct(a, x, 8);
    for (let r = 0; r < 10; r++) {
      for (let j = 0; j < 8; j++) {
        if (r >= 2 && r < 5) expect(out[r * 8 + j]).toBeCloseTo(expected[r * 8 + j], 4);
        else expect(out[r * 8 + j]).toBe(7);
      }
    }
  });

  it("refuses an output that aliases the input and too-short buffers", () => {
    const a = randomCsr(5, 5, 0.5, 1);
    const x = new Float32Array(5 * 4);
    expect(() => spmm(a, x, 4, x)).toThrow(/aliases/);
    expect(() => spmm(a, new Float32Array(3), 4, new Float32Array(20))).toThrow(/x.length/);
  });

  it("transposes", () => {
    const a = randomCsr(7, 11, 0.3, 9);
    const t = transposeCsr(a);
    validateCsr(t);
    const d = csrToDense(a);
    const dt = csrToDense(t);
    for (let r = 0; r < 7; r++) for (let c = 0; c < 11; c++) expect(dt[c * 7 + r]).toBe(d[r * 11 + c]);
  });

  it("finds the mirror entry of every entry of a symmetric matrix", () => {
    const dense = [0, 2, 3, 2, 0, 0, 3, 0, 5];
    const a = csrFromDense(dense, 3, 3);
    const mirror = mirrorPositions(a);
    for (let r = 0; r < 3; r++) {
      for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
        expect(a.indices[mirror[k]]).toBe(r);
        expect(a.values[mirror[k]]).toBe(a.values[k]);
      }
    }
    expect(() => mirrorPositions(csrFromDense([0, 1, 0, 0], 2, 2))).toThrow(/symmetric/);
  });

  it("validateCsr names the bad field", () => {
    const bad: CsrMatrix = { nRows: 2, nCols: 2, indptr: Int32Array.from([0, 1, 2]), indices: Int32Array.from([0, 5]), values: Float32Array.from([1, 1]) };
    expect(() => validateCsr(bad)).toThrow(/indices\[1\]/);
  });
});

describe("WasmDevice", () => {
  it("has the SIMD kernel on this runtime", () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  it.each([
    [64, "wasm-simd"],
    [36, "wasm-simd"],
    [4, "wasm-simd"],
    [6, "js"],
    [64, "js"],
  ] as const)("dim %i on %s equals the JS reference kernel", (dim, backend) => {
    const a = randomCsr(200, 200, 0.05, dim);
    const engine = new WasmDevice(a, dim, 3, { backend: dim % 4 === 0 ? backend : undefined });
    expect(engine.backend).toBe(backend);
    const x = engine.buffer(0);
    x.set(randomDense(200 * dim, dim + 1));
    engine.buffer(1).fill(Number.NaN);
    engine.multiply(0, 1);
    const reference = new Float32Array(200 * dim);
    spmmPlain(a.indptr, a.indices, a.values, Float32Array.from(x), dim, reference, 0, 200);
    const out = engine.buffer(1);
    expect(maxDiff(out, reference)).toBeLessThan(1e-4);
    // Chained products in place of layers: buffer 2 = A·(A·x).
    engine.multiply(1, 2);
    const twice = new Float32Array(200 * dim);
    spmmPlain(a.indptr, a.indices, a.values, reference, dim, twice, 0, 200);
    expect(maxDiff(engine.buffer(2), twice)).toBeLessThan(1e-3);
    engine.dispose();
    expect(() => engine.buffer(0)).toThrow(/dispose/);
  });

  it.each([1, 2, 3])("accumulates in the same pass and splits rows over %i thread(s)", (threads) => {
    // 60k+ non-zeros so that threads are used.
    const a = randomCsr(2000, 1500, 0.021, 17);
    expect(a.indptr[2000]).toBeGreaterThan(50_000);
    const dim = 40; // one wide block (32 columns) and two narrow ones
    const engine = new WasmDevice(a, dim, 3, { threads });
    expect(engine.threads).toBe(threads);
    engine.buffer(0).set(randomDense(1500 * dim, 3));
    const acc = engine.buffer(2);
    for (let k = 0; k < acc.length; k++) acc[k] = k % 7;
    const before = Float32Array.from(acc);
    engine.multiply(0, 1, 2);
    const reference = new Float32Array(2000 * dim);
    spmmPlain(a.indptr, a.indices, a.values, engine.buffer(0), dim, reference, 0, 2000);
    let worst = 0;
    for (let k = 0; k < reference.length; k++) {
      worst = Math.max(worst, Math.abs(engine.buffer(1)[k] - reference[k]), Math.abs(acc[k] - before[k] - reference[k]));
    }
    expect(worst).toBeLessThan(1e-4);
    // Untouched tail of the accumulator (rows ≥ nRows within max(nRows, nCols)) — none here.
    engine.multiply(0, 1);
    for (let k = 0; k < 200; k++) expect(acc[k]).toBeCloseTo(before[k] + reference[k], 4);
    expect(() => engine.multiply(0, 1, 1)).toThrow(/accumulate/);
    engine.dispose();
    engine.dispose();
  });

  it("reads rewritten values (edge dropout) and handles a rectangular matrix", () => {
    const a = randomCsr(30, 50, 0.2, 5);
    const engine = new WasmDevice(a, 8, 2);
    engine.buffer(0).set(randomDense(50 * 8, 6));
    const values = engine.values();
    for (let k = 0; k < values.length; k++) values[k] *= 2;
    engine.multiply(0, 1);
    const doubled = { ...a, values: Float32Array.from(a.values, (v) => 2 * v) };
    const expected = denseProduct(doubled, engine.buffer(0), 8);
    for (let r = 0; r < 30 * 8; r++) expect(engine.buffer(1)[r]).toBeCloseTo(expected[r], 4);
    expect(() => engine.multiply(0, 0)).toThrow(/other than src/);
    expect(() => engine.multiply(0, 5)).toThrow(/slot/);
  });

  it.each([
    [1, "wasm-simd"],
    [2, "wasm-simd"],
    [3, "wasm-simd"],
    [1, "js"],
  ] as const)("dense products X·W, X·W + out and Xᵀ·Y equal the naive loops (%i thread(s), %s)", (threads, backend) => {
    const a = randomCsr(2000, 2000, 0.016, 21); // > 50k non-zeros: threads are used
    const dim = 40; // m = 40: one wide block of 32 columns and two narrow ones
    const engine = new WasmDevice(a, dim, 3, { threads, backend, extraFloats: 2 * 13 * dim + 13 * dim });
    expect(engine.threads).toBe(backend === "js" ? 1 : threads);
    const rows = 1999; // not a multiple of the threads or of the Xᵀ·Y row block
    const k = 13;
    const x = engine.buffer(0).subarray(0, rows * k);
    x.set(randomDense(rows * k, 31));
    const w = engine.extra().subarray(0, k * dim);
    w.set(randomDense(k * dim, 32));
    const out = engine.buffer(1);
    out.fill(Number.NaN);
    engine.gemm(x, w, out, rows, k, dim);
    const reference = new Float32Array(rows * dim);
    gemmJs(Float32Array.from(x), Float32Array.from(w), reference, rows, k, dim);
    expect(maxDiff(out, reference)).toBeLessThan(1e-4);
    // A hand-checked entry: row 7, column 5.
    let entry = 0;
    for (let q = 0; q < k; q++) entry += x[7 * k + q] * w[q * dim + 5];
    expect(out[7 * dim + 5]).toBeCloseTo(entry, 4);
    engine.gemm(x, w, out, rows, k, dim, true);
    for (let e = 0; e < rows * dim; e += 97) expect(out[e]).toBeCloseTo(2 * reference[e], 3);
    // Xᵀ·Y: [k × rows]·[rows × dim].
    const y = engine.buffer(2).subarray(0, rows * dim);
    y.set(randomDense(rows * dim, 33));
    const t = engine.extra().subarray(2 * 13 * dim, 3 * 13 * dim);
    t.fill(Number.NaN);
    engine.gemmTransposedA(x, y, t, rows, k, dim);
    const tReference = new Float32Array(k * dim);
    gemmTransposedAJs(Float32Array.from(x), Float32Array.from(y), tReference, rows, k, dim);
    expect(maxDiff(t, tReference)).toBeLessThan(1e-3);
    if (backend === "wasm-simd") expect(() => engine.gemm(new Float32Array(rows * k), w, out, rows, k, dim)).toThrow(/device's memory/);
    expect(() => engine.gemm(x, w, out.subarray(0, 10), rows, k, dim)).toThrow(/out.length/);
    engine.dispose();
  });

  // A model's own kernel: out = 2·x over the bytes [b0, b1) (4 parameters).
  const twice: KernelDefinition<"twice"> = {
    name: "twice",
    params: 4,
    build: (f: Body) => {
      const [X, OUT, B0, B1] = [0, 1, 2, 3];
      const b = f.local(I32);
      const v = f.local(V128);
      f.range(b, op.get(B0), op.get(B1), 16, () => {
        f.emit(f.load(X, b), op.set(v), f.address(OUT, b), op.get(v), op.get(v), op.f32x4Add, op.v128Store(0));
      });
    },
  };

  it.each([1, 2])("runs a model's own kernel passed at construction (%i thread(s))", (threads) => {
    const a = randomCsr(2000, 2000, 0.016, 41);
    const device = new WasmDevice(a, 8, 2, { threads, kernels: [twice] });
    expect(device.threads).toBe(threads);
    const x = device.buffer(0);
    x.set(randomDense(x.length, 42));
    const out = device.buffer(1);
    device.runRows("twice", 2000, (_t, r0, r1) => [device.address(x), device.address(out), r0 * 32, r1 * 32]);
    for (let k = 0; k < 2000 * 8; k++) expect(out[k]).toBe(2 * x[k]);
    device.dispose();
  });

  it("assembles the same bytes for the same kernels and refuses a name twice or too many parameters", () => {
    const one = assembleKernelModule(moduleKernels([twice]), 3);
    const two = assembleKernelModule(moduleKernels([twice]), 3);
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true);
    expect(() => moduleKernels([twice, twice])).toThrow(/twice/);
    expect(() => moduleKernels([{ ...twice, name: "spmmWide" }])).toThrow(/spmmWide/);
    expect(() => moduleKernels([{ ...twice, params: 12 }])).toThrow(/parameters/);
  });
});
