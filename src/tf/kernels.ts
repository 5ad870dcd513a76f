// Kernels the default backends lack or implement too slowly for training:
// UnsortedSegmentSum is the gradient of tf.gather, i.e. of every embedding lookup.
//  - WASM has no such kernel ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'").
//  - cpu has one that is O(segments × n × d): ~90× slower than a linear scan for embeddings.
// Both get a linear scan over the rows, O(n × d), summing each row into its segment.
//
// MatMul with a transposed operand (BatchMatMul / _FusedMatMul with transposeA or transposeB)
// falls off XNNPACK on WASM onto a naive loop: every dense layer's gradient (dx = dy·Wᵀ,
// dW = xᵀ·dy) takes that path. Measured here (tfjs 4.22 WASM SIMD, 2 cores, mean of 10):
// [256, 600] · [1682, 600]ᵀ 232–240 ms with the flag vs 22 ms as Transpose + plain MatMul;
// [4096, 64]ᵀ · [4096, 32] 7.4 ms vs 2.9 ms. The wasm kernels are wrapped: a flagged operand
// is transposed by the Transpose kernel first, the original kernel runs without flags, and the
// temporary is freed. Results equal the flagged kernel's up to float summation order.
import * as tf from "@tensorflow/tfjs";

type TypedArray = Float32Array | Int32Array | Uint8Array;

interface WasmBackendLike {
  typedArrayFromHeap(info: tf.TensorInfo): TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface CpuBackendLike {
  data: { get(dataId: tf.DataId): { values: TypedArray } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: TypedArray): tf.TensorInfo;
}

interface DisposingBackend {
  disposeData(dataId: tf.DataId): boolean;
}

const registered = new Set<string>();

export function registerMissingKernels(backend: string): void {
  if (registered.has(backend)) return;
  registered.add(backend);
  if (backend === "wasm") {
    registerSegmentSum("wasm", (b, x, ids, outShape) => {
      const wasm = b as unknown as WasmBackendLike;
      const out = wasm.makeOutput(outShape, x.dtype);
      // Views are taken after makeOutput: growing the WASM heap detaches earlier views.
      const outValues = wasm.typedArrayFromHeap(out);
      segmentSum(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(ids), outValues);
      return out;
    });
    untransposeMatMul("BatchMatMul", "wasm");
    untransposeMatMul("_FusedMatMul", "wasm");
  } else if (backend === "cpu") {
    tf.unregisterKernel("UnsortedSegmentSum", "cpu");
    registerSegmentSum("cpu", (b, x, ids, outShape) => {
      const cpu = b as unknown as CpuBackendLike;
      const outValues = x.dtype === "int32" ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
      segmentSum(cpu.data.get(x.dataId).values, cpu.data.get(ids.dataId).values, outValues);
      return cpu.makeTensorInfo(outShape, x.dtype, outValues);
    });
  }
}

/**
 * Registers UnsortedSegmentSum on `backendName`: the inputs and the output shape
 * ([numSegments, ...x.shape after the ids' dimensions]) are read here, `run` allocates the
 * output on its backend and sums into it with segmentSum.
 */
function registerSegmentSum(backendName: string, run: (backend: unknown, x: tf.TensorInfo, ids: tf.TensorInfo, outShape: number[]) => tf.TensorInfo): void {
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName,
    kernelFunc: ({ inputs, attrs, backend }) => {
      const x = inputs.x as tf.TensorInfo;
      const ids = inputs.segmentIds as tf.TensorInfo;
      const numSegments = (attrs as { numSegments: number }).numSegments;
      return run(backend, x, ids, [numSegments, ...x.shape.slice(ids.shape.length)]);
    },
  });
}

/**
 * Replaces `kernelName` (a MatMul kernel with transposeA/transposeB attributes) on `backend` by
 * a wrapper that transposes flagged operands with the backend's Transpose kernel and calls the
 * original kernel without flags.
 */
function untransposeMatMul(kernelName: string, backend: string): void {
  const original = tf.getKernel(kernelName, backend);
  const transpose = tf.getKernel("Transpose", backend);
  if (!original || !transpose) return;
  tf.unregisterKernel(kernelName, backend);
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const inputs = { ...(args.inputs as Record<string, tf.TensorInfo>) };
      const temporaries: tf.TensorInfo[] = [];
      try {
        for (const [key, flagged] of [
          ["a", attrs.transposeA],
          ["b", attrs.transposeB],
        ] as const) {
          if (!flagged) continue;
          const x = inputs[key];
          const rank = x.shape.length;
          const perm = [...Array.from({ length: rank - 2 }, (_, k) => k), rank - 1, rank - 2];
          const transposed = transpose.kernelFunc({ inputs: { x }, backend: args.backend, attrs: { perm } }) as tf.TensorInfo;
          temporaries.push(transposed);
          inputs[key] = transposed;
        }
        return original.kernelFunc({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
      } finally {
        for (const t of temporaries) (args.backend as unknown as DisposingBackend).disposeData(t.dataId);
      }
    },
  });
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** out[ids[r], :] += x[r, :] for every row r; rows with an out-of-range id are dropped (as in TF). */
function segmentSum(x: TypedArray, ids: TypedArray, out: TypedArray): void {
  out.fill(0);
  const rows = ids.length;
  const width = rows === 0 ? 0 : x.length / rows;
  const segments = width === 0 ? 0 : out.length / width;
  for (let r = 0; r < rows; r++) {
    const segment = ids[r];
    if (segment < 0 || segment >= segments) continue;
    const src = r * width;
    const dst = segment * width;
    for (let c = 0; c < width; c++) out[dst + c] += x[src + c];
  }
}
