// The graph filters' own WebAssembly kernel (a KernelDefinition handed to their WasmDevice, see
// graphFilter.ts): one user's row times R̃ or R̃ᵀ as a gather over the bipartite matrix's column
// indices without its values. A user's dense products are bound by memory traffic: the generic
// SpMM reads an index and a value per non-zero and a 16-byte lane group of the vector (three lanes
// idle); this reads the index and one float. R̃'s entries d_u^-1/2 d_i^-1/2 factor into a scaling of
// the vector before the pass and of each row after it (FilterDevice.propagate applies both).
import { Body, F32, I32, op, type KernelDefinition } from "../../math/simd";

/**
 * gather(indptr, indices, x, xStride, out, outStride, scale, r0, r1): for rows r in [r0, r1),
 * out[r·outStride] = scale[r] · Σ_k x[indices[k]·xStride] over the row's entries k (byte offsets;
 * f32 values). Two accumulators, entries taken in pairs: the additions of a long row do not wait on
 * one another.
 */
function gatherKernel(f: Body): void {
  const [INDPTR, INDICES, X, XSTRIDE, OUT, OUTSTRIDE, SCALE, R0, R1] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [r, k, end] = f.localsOf(I32, 3);
  const [a0, a1] = f.localsOf(F32, 2);
  const entry = (offset: number) => [...f.element(INDICES, k), ...op.i32Load(offset), ...op.get(XSTRIDE), ...op.i32Mul, ...op.get(X), ...op.i32Add, ...op.f32Load(0)];
  f.range(r, op.get(R0), op.get(R1), 1, () => {
    f.emit(f.element(INDPTR, r), op.i32Load(0), op.set(k));
    f.emit(f.element(INDPTR, r), op.i32Load(4), op.set(end));
    f.emit(op.f32(0), op.set(a0), op.f32(0), op.set(a1));
    // while (k + 1 < end) { a0 += x[idx[k]]; a1 += x[idx[k + 1]]; k += 2 }
    f.emit(op.block, op.loop);
    f.emit(op.get(k), op.i32(1), op.i32Add, op.get(end), op.i32GeS, op.brIf(1));
    f.emit(op.get(a0), entry(0), op.f32Add, op.set(a0));
    f.emit(op.get(a1), entry(4), op.f32Add, op.set(a1));
    f.emit(op.get(k), op.i32(2), op.i32Add, op.set(k), op.br(0), op.end, op.end);
    // an odd last entry
    f.emit(op.get(k), op.get(end), op.i32LtS, op.if, op.get(a0), entry(0), op.f32Add, op.set(a0), op.end);
    f.emit(f.rowAddress(OUT, r, OUTSTRIDE), op.get(a0), op.get(a1), op.f32Add, f.element(SCALE, r), op.f32Load(0), op.f32Mul, op.f32Store(0));
  });
}

export const FILTER_KERNELS = [{ name: "filterGather", params: 9, build: gatherKernel }] as const satisfies readonly KernelDefinition[];

export type FilterKernelName = (typeof FILTER_KERNELS)[number]["name"];
