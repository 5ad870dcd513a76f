// Kernels the default backends lack or implement too slowly for training:
// UnsortedSegmentSum is the gradient of tf.gather, i.e. of every embedding lookup.
//  - WASM has no such kernel ("Kernel 'UnsortedSegmentSum' not registered for backend 'wasm'").
//  - cpu has one that is O(segments × n × d): ~90× slower than a linear scan for embeddings.
// Both get a linear scan over the rows, O(n × d), summing each row into its segment.
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

const registered = new Set<string>();

export function registerMissingKernels(backend: string): void {
  if (registered.has(backend)) return;
  registered.add(backend);
  if (backend === "wasm") {
    tf.registerKernel({
      kernelName: "UnsortedSegmentSum",
      backendName: "wasm",
      kernelFunc: ({ inputs, attrs, backend: b }) => {
        const wasm = b as unknown as WasmBackendLike;
        const x = inputs.x as tf.TensorInfo;
        const ids = inputs.segmentIds as tf.TensorInfo;
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
        const out = wasm.makeOutput(outShape, x.dtype);
        // Views are taken after makeOutput: growing the WASM heap detaches earlier views.
        const outValues = wasm.typedArrayFromHeap(out);
        segmentSum(wasm.typedArrayFromHeap(x), wasm.typedArrayFromHeap(ids), outValues);
        return out;
      },
    });
  } else if (backend === "cpu") {
    tf.unregisterKernel("UnsortedSegmentSum", "cpu");
    tf.registerKernel({
      kernelName: "UnsortedSegmentSum",
      backendName: "cpu",
      kernelFunc: ({ inputs, attrs, backend: b }) => {
        const cpu = b as unknown as CpuBackendLike;
        const x = inputs.x as tf.TensorInfo;
        const ids = inputs.segmentIds as tf.TensorInfo;
        const numSegments = (attrs as { numSegments: number }).numSegments;
        const outShape = [numSegments, ...x.shape.slice(ids.shape.length)];
        const outValues = x.dtype === "int32" ? new Int32Array(sizeOf(outShape)) : new Float32Array(sizeOf(outShape));
        segmentSum(cpu.data.get(x.dataId).values, cpu.data.get(ids.dataId).values, outValues);
        return cpu.makeTensorInfo(outShape, x.dtype, outValues);
      },
    });
  }
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
