// The backend module: which backend it picks here, that TFJS_BACKEND forces one (in child
// processes, since the choice is made once per process), and that the kernels it registers
// (UnsortedSegmentSum for gather's gradient; WASM MatMul with transposed operands) give the
// same results and gradients as references computed independently.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { initTf, tf } from "../../src/tf/backend";
import { registerMissingKernels } from "../../src/tf/kernels";
import { squaredNorm } from "../../src/tf/ops";

const run = promisify(execFile);
const probe = path.join(import.meta.dirname, "fixtures", "probe.ts");

async function probeBackend(env: Record<string, string | undefined>): Promise<{ backend: string; active: string; log: string; grad: number[] }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", probe], { env: { ...process.env, ...env }, cwd: path.resolve(import.meta.dirname, "../..") });
  return JSON.parse(stdout.trim().split("\n").pop()!);
}

/** d/dtable Σ w ⊙ table[ids] = scatter-add of w's rows into the rows ids (the reference). */
function gatherGradReference(rows: number, width: number, ids: number[], w: number[]): number[] {
  const out = new Array<number>(rows * width).fill(0);
  ids.forEach((id, r) => {
    for (let c = 0; c < width; c++) out[id * width + c] += w[r * width + c];
  });
  return out;
}

const IDS = [2, 0, 2, 3, 2];
const W = [1, -1, 2, 0.5, 3, 1, -2, 4, 0.25, 0.75];

describe("backend choice", () => {
  it("picks wasm here (tfjs-node is not installable) and logs the choice", async () => {
    const result = await probeBackend({ TFJS_BACKEND: undefined });
    expect(result.backend).toBe("wasm");
    expect(result.active).toBe("wasm");
    expect(result.log).toMatch(/tfjs backend: wasm \(SIMD (on|off)\)/);
    expect(result.log).toMatch(/skipped: tensorflow/);
  });

  it("TFJS_BACKEND=cpu forces the cpu backend", async () => {
    const result = await probeBackend({ TFJS_BACKEND: "cpu" });
    expect(result.backend).toBe("cpu");
    expect(result.active).toBe("cpu");
    expect(result.log).toMatch(/tfjs backend: cpu/);
  });

  it("gather's gradient (the registered UnsortedSegmentSum) equals the reference on wasm and on cpu", async () => {
    const reference = gatherGradReference(4, 2, IDS, W);
    for (const backend of ["wasm", "cpu"]) {
      const result = await probeBackend({ TFJS_BACKEND: backend });
      expect(result.backend).toBe(backend);
      expect(result.grad).toEqual(reference);
    }
  });

  it("refuses an unknown TFJS_BACKEND with a message naming the allowed ones", async () => {
    await expect(probeBackend({ TFJS_BACKEND: "webgpu" })).rejects.toThrow(/TFJS_BACKEND=webgpu is not one of tensorflow, wasm, cpu/);
  });
});

describe("registered kernels in this process", () => {
  beforeAll(async () => {
    delete process.env.TFJS_BACKEND;
    await initTf({ log: () => undefined });
  });

  /** Plain JS a·b for row-major matrices. */
  function matmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[i * n + j] += a[i * k + p] * b[p * n + j];
    return out;
  }

  function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
    const out = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
    return out;
  }

  function seeded(n: number, seed: number): Float32Array {
    let s = seed;
    return Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32 - 0.5;
    });
  }

  it("is running on wasm", () => {
    expect(tf.getBackend()).toBe("wasm");
  });

  it("MatMul with transposeA/transposeB (the wrapped wasm kernels) equals the JS product and frees its temporaries", () => {
    const [m, k, n] = [7, 5, 6];
    const a = seeded(m * k, 1);
    const b = seeded(k * n, 2);
    const expected = matmul(a, b, m, k, n);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const inputs = {
      a: tf.tensor2d(a, [m, k]),
      b: tf.tensor2d(b, [k, n]),
      at: tf.tensor2d(transpose(a, m, k), [k, m]),
      bt: tf.tensor2d(transpose(b, k, n), [n, k]),
      bias: tf.zeros([n]),
    };
    const before = backend.numDataIds();
    const cases = [
      tf.matMul(inputs.at, inputs.b, true, false),
      tf.matMul(inputs.a, inputs.bt, false, true),
      tf.matMul(inputs.at, inputs.bt, true, true),
      tf.fused.matMul({ a: inputs.at, b: inputs.bt, transposeA: true, transposeB: true, bias: inputs.bias, activation: "linear" }),
    ];
    for (const result of cases) {
      const values = result.dataSync();
      for (let i = 0; i < expected.length; i++) expect(values[i]).toBeCloseTo(expected[i], 5);
    }
    tf.dispose(cases);
    // The transposed copies made inside the kernels are freed: only the inputs remain.
    expect(backend.numDataIds()).toBe(before);
    tf.dispose(Object.values(inputs));
  });

  it("a dense layer's gradients (which use transposed MatMuls) equal the analytic ones", () => {
    const [m, k, n] = [6, 4, 3];
    const x = seeded(m * k, 3);
    const w = seeded(k * n, 4);
    const dy = seeded(m * n, 5);
    const [gx, gw] = tf.grads((xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(tf.matMul(xt as tf.Tensor2D, wt as tf.Tensor2D), tf.tensor2d(dy, [m, n]))))([
      tf.tensor2d(x, [m, k]),
      tf.tensor2d(w, [k, n]),
    ]);
    const expectedX = matmul(dy, transpose(w, k, n), m, n, k); // dy·Wᵀ
    const expectedW = matmul(transpose(x, m, k), dy, k, m, n); // xᵀ·dy
    gx.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expectedX[i], 5));
    gw.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expectedW[i], 5));
  });

  it("gather's gradient on wasm equals the reference (repeated ids summed)", () => {
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(IDS, "int32")), tf.tensor2d(W, [5, 2]))))(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]));
    expect(Array.from(grad.dataSync())).toEqual(gatherGradReference(4, 2, IDS, W));
  });

  it("squaredNorm: value Σx² and gradient 2x·dy, as the tf composite", () => {
    const x = tf.tensor2d(seeded(12, 6), [3, 4]);
    const value = squaredNorm(x).dataSync()[0];
    expect(value).toBeCloseTo(tf.sum(tf.square(x)).dataSync()[0], 6);
    const mine = tf
      .grad((t: tf.Tensor) => tf.mul(squaredNorm(t), 3))(x)
      .dataSync();
    const composite = tf
      .grad((t: tf.Tensor) => tf.mul(tf.sum(tf.square(t)), 3))(x)
      .dataSync();
    mine.forEach((v, i) => expect(v).toBeCloseTo(composite[i], 6));
  });

  it("registering twice is a no-op", () => {
    expect(() => registerMissingKernels("wasm")).not.toThrow();
    expect(tf.getBackend()).toBe("wasm");
  });
});
