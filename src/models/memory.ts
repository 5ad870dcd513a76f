// What a fit needs in memory, estimated before it starts: every registry definition has a
// `memory(shape, params)` listing its dominant allocations as terms (what, bytes), written next to
// the model from the arrays its fit allocates. trainModel and the evaluation harness sum the terms
// and refuse a model whose total is over the configured limit (MODEL_MEMORY_LIMIT_MB) before
// anything large is allocated, so a catalogue too large for a model ends in a coded error
// naming the limit instead of a process killed for memory.
//
// The estimates are upper-leaning: only the large arrays are counted (scalars, per-row scratch and
// JS objects of fixed size are not), and where an allocation is freed before the next one is
// made they still count both when garbage collection may not have returned the first in time.
// results/model-memory-estimates.json compares them with measured peak RSS.

import { sizeOfShape, type WeightShapes } from "../tf/weights";

export { WORKER_THREAD_BYTES } from "../math/wasmDevice";

/** The size of the data a model trains on. */
export interface DataShape {
  users: number;
  items: number;
  interactions: number;
}

/** One allocation (or a group of them) of a fit: what it is and its bytes at the fit's peak. */
export interface MemoryTerm {
  what: string;
  bytes: number;
}

export const FLOAT64_BYTES = 8;
export const FLOAT32_BYTES = 4;
export const INT32_BYTES = 4;

const MIB = 1024 * 1024;

/**
 * Beside its arrays every fit makes short-lived JS objects (per-row results, closures, progress
 * records) that grow V8's young generation before they are collected: measured up to ~50 MiB
 * (RP3β on Gowalla, 41k rows of top-k results). Added to every model's estimate by the registry.
 */
export const FIT_WORKING_SET: MemoryTerm = { what: "V8 heap growth for the fit's short-lived objects", bytes: 64 * MIB };

/**
 * What a fit that runs TensorFlow.js ops takes beyond its tensors the first time it runs them
 * (kernel scratch, tensor bookkeeping, the WASM heap's first growth): measured ~26 MiB (Mult-VAE
 * with 8 hidden units and batches of 1).
 */
export const TF_WORKING_SET: MemoryTerm = { what: "TensorFlow.js working set", bytes: 32 * MIB };

/**
 * The training matrix as src/data/interactions.ts holds it during a fit: the CSR (item index and
 * value, 8 B, and the time, 8 B, per interaction), the item-major transpose most models build
 * (another 16 B; cached on the matrix) and the time order (4 B), plus row pointers; rounded up
 * to 40 B per interaction for the binarised values and degree arrays models derive from it.
 * Counted once per fit, in every model's estimate.
 */
export function trainingMatrix(shape: DataShape): MemoryTerm {
  return { what: "training matrix (CSR, transpose, time order)", bytes: 40 * shape.interactions + 8 * (shape.users + shape.items) };
}

/**
 * A copy of the interactions in CSR (item index, value, time; row pointers): a validation split
 * carved from the training rows, or the held-out split of trainModel.
 */
export function interactionsCopy(what: string, shape: DataShape): MemoryTerm {
  return { what, bytes: 16 * shape.interactions + INT32_BYTES * (shape.users + shape.items) };
}

/**
 * The early-stopping carve-out (training/validation.ts validationSplit): the rows copied into a
 * training part and a validation part, which a model may transpose again; none when the fraction is 0.
 */
export function validationSplitMemory(shape: DataShape, fraction: number): MemoryTerm[] {
  return fraction > 0 ? [{ what: "validation split (a copy of the rows, with its transpose)", bytes: trainingMatrix(shape).bytes }] : [];
}

/**
 * Scores of one validation batch (training/validation.ts rankingValidation: 512 users × items):
 * the JS block, and the model's output and two intermediates of the same size while it scores
 * (measured ~3.5 copies: Mult-VAE on ml-latest-small with and without validation).
 */
export function validationScoresMemory(shape: DataShape): MemoryTerm {
  return denseMatrix("validation scores (512 users × items, float32)", 512, shape.items, FLOAT32_BYTES, 4);
}

/** A dense rows × cols matrix of `bytesPerValue`-byte numbers, `copies` of them. */
export function denseMatrix(what: string, rows: number, cols: number, bytesPerValue: number, copies = 1): MemoryTerm {
  return { what, bytes: copies * rows * cols * bytesPerValue };
}

/** k factors per user and per item (`copies` tables of each: factors, optimiser moments, ...). */
export function factorTables(what: string, shape: DataShape, k: number, bytesPerValue: number, copies = 1): MemoryTerm {
  return denseMatrix(what, shape.users + shape.items, k, bytesPerValue, copies);
}

/** Float32 values in weights of these shapes. */
export function parameterCount(weights: WeightShapes): number {
  return weights.reduce((sum, [, dims]) => sum + sizeOfShape(dims), 0);
}

/**
 * Float32 weights trained by the typed-array Adam of src/models/training (host arrays) with early
 * stopping: the values, Adam's two moments, the best epoch's snapshot and the gradients: 5 copies.
 */
export function adamTrainedWeights(weights: WeightShapes): MemoryTerm {
  return { what: "weights (values, Adam moments, best-epoch snapshot, gradients; float32)", bytes: 5 * FLOAT32_BYTES * parameterCount(weights) };
}

/**
 * Float32 weights trained by tf.train.adam: the variables, their gradients, Adam's two moments,
 * and the update's 14 temporaries per value (products, sums, square, square root, quotients),
 * all alive until every variable is updated (one tf.tidy); plus the best epoch's JS copy: about
 * 17 copies (measured 16.7: Mult-VAE, hidden 600 → 1200 on ml-latest-small).
 */
export function tfAdamTrainedWeights(weights: WeightShapes): MemoryTerm {
  return { what: "weights (tf variables, gradients, tf.train.adam's moments and update temporaries, best-epoch copy; float32)", bytes: 17 * FLOAT32_BYTES * parameterCount(weights) };
}

/**
 * The normalised user–item graph [[0, R̃], [R̃ᵀ, 0]] (src/graph/adjacency.ts) in JS: both
 * directions of every interaction (column index and value, 8 B each) and a row pointer per node.
 */
export function bipartiteGraph(shape: DataShape): MemoryTerm {
  return { what: "normalised user–item graph (CSR, both directions)", bytes: 2 * 8 * shape.interactions + INT32_BYTES * (shape.users + shape.items + 1) };
}

/** The sum of the terms, in bytes. */
export function totalBytes(terms: readonly MemoryTerm[]): number {
  return terms.reduce((sum, term) => sum + term.bytes, 0);
}

/** The largest term (what the estimate is mostly made of). */
export function largestTerm(terms: readonly MemoryTerm[]): MemoryTerm | undefined {
  return terms.reduce<MemoryTerm | undefined>((best, term) => (best === undefined || term.bytes > best.bytes ? term : best), undefined);
}
