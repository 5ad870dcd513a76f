// Shared pieces of the factor models (mf, svdpp, als, ials, svd): the rating range and
// clipping, the regularised least-squares fold-in of a new user against fixed item factors,
// batch scoring as a small matrix product, and item similarities as cosine of item factors.
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import type { Interactions } from "../../data/interactions";
import { accumulateGramUpper, choleskySolveUpper, choleskyUpper, multiplyRowsByTransposed, type FloatArray } from "../../math/linalg";
import type { UserProfile } from "../types";

export interface RatingRange {
  min: number;
  max: number;
}

/** Observed rating range of the training data (the clip range of predictions). */
export function ratingRange(interactions: Interactions): RatingRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const values = interactions.values;
  for (let k = 0; k < values.length; k++) {
    if (values[k] < min) min = values[k];
    if (values[k] > max) max = values[k];
  }
  return values.length ? { min, max } : { min: 0, max: 0 };
}

export function clip(value: number, range: RatingRange): number {
  return value < range.min ? range.min : value > range.max ? range.max : value;
}

export function globalMean(interactions: Interactions): number {
  let sum = 0;
  for (let k = 0; k < interactions.nnz; k++) sum += interactions.values[k];
  return interactions.nnz ? sum / interactions.nnz : 0;
}

/** Refuses an empty training matrix with a typed error. */
export function requireInteractions(interactions: Interactions, model: string): void {
  if (interactions.nnz === 0) throw new ValidationError(`${model}.data`, 0, "at least one interaction to train on");
}

/** Row index of every non-zero (user of each position in a CSR). */
export function rowOfPositions(interactions: Interactions): Int32Array {
  const rows = new Int32Array(interactions.nnz);
  for (let u = 0; u < interactions.nUsers; u++) rows.fill(u, interactions.indptr[u], interactions.indptr[u + 1]);
  return rows;
}

/**
 * Solves for a new user's factors (and bias) against fixed item factors:
 *   min Σ_(i∈profile) (r_i − offset − b_i − b_u − p·q_i)² + regFactors·‖p‖² + regBias·b_u²
 * (the per-user part of the biased MF / ALS objective). With `withBias` false, b_u is 0.
 * Scratch buffers are reused across calls; items outside the trained catalogue are skipped.
 */
export class ExplicitFoldIn {
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  private rows: Int32Array;
  private readonly userFactors: Float64Array;

  constructor(
    readonly k: number,
    private readonly withBias: boolean,
  ) {
    const n = k + 1;
    this.gram = new Float64Array(n * n);
    this.rhs = new Float64Array(n);
    this.rows = new Int32Array(0);
    this.userFactors = new Float64Array(k);
  }

  /**
   * Returns the user's factors (a reused buffer of length k) and bias. `regFactors` and
   * `regBias` are totals (already scaled by the profile length where the model does so).
   */
  solve(
    profile: UserProfile,
    itemFactors: FloatArray,
    stride: number,
    nItems: number,
    itemBias: FloatArray | undefined,
    offset: number,
    regFactors: number,
    regBias: number,
  ): { factors: Float64Array; bias: number; count: number } {
    const k = this.k;
    const n = this.withBias ? k + 1 : k;
    const g = this.gram;
    const b = this.rhs;
    g.fill(0);
    b.fill(0);
    if (this.rows.length < profile.items.length) this.rows = new Int32Array(profile.items.length);
    const rows = this.rows;
    let count = 0;
    for (let p = 0; p < profile.items.length; p++) {
      const item = profile.items[p];
      if (item < 0 || item >= nItems) continue;
      rows[count++] = item;
      const target = profile.values[p] - offset - (itemBias ? itemBias[item] : 0);
      const o = item * stride;
      for (let d = 0; d < k; d++) b[d] += target * itemFactors[o + d];
      if (this.withBias) {
        b[k] += target;
        for (let d = 0; d < k; d++) g[d * n + k] += itemFactors[o + d];
      }
    }
    this.userFactors.fill(0);
    if (count === 0) return { factors: this.userFactors, bias: 0, count };
    accumulateGramUpper(g, n, k, itemFactors, stride, rows, 0, count);
    for (let d = 0; d < k; d++) g[d * n + d] += regFactors;
    if (this.withBias) g[k * n + k] = count + regBias;
    if (!choleskyUpper(g, n)) return { factors: this.userFactors, bias: 0, count: 0 };
    choleskySolveUpper(g, n, b);
    for (let d = 0; d < k; d++) this.userFactors[d] = b[d];
    return { factors: this.userFactors, bias: this.withBias ? b[k] : 0, count };
  }
}

/**
 * Batches at least this large (users × items × k multiply-adds) run as one TensorFlow.js matmul
 * when a WASM or native backend is active: Gowalla full ranking (29,858 users × 40,981 items,
 * k = 64) took 329 s of scoring in the JS loop under load.
 */
const TF_BATCH_WORK = 1 << 24;

/** True when TensorFlow.js already runs on a fast backend (never initialises one itself). */
function fastTfBackend(): boolean {
  const name = tf.engine().backendName as string | null;
  return name === "wasm" || name === "tensorflow";
}

/**
 * out[r, i] = offset + userBias[u] + itemBias[i] + p_u · q_i for users[r] (row-major), the batch
 * form of scoreUser for factor models: one matrix product (tfjs float32 for large batches on a
 * fast backend, else a blocked JS loop in float64), then the biases.
 */
export function scoreFactorBatch(
  users: Int32Array,
  userFactors: FloatArray,
  itemFactors: FloatArray,
  k: number,
  nItems: number,
  out: Float32Array,
  userBias?: FloatArray,
  itemBias?: FloatArray,
  offset = 0,
): void {
  if (users.length * nItems * k >= TF_BATCH_WORK && fastTfBackend()) {
    const m = users.length;
    const left = new Float32Array(m * k);
    for (let r = 0; r < m; r++) for (let d = 0; d < k; d++) left[r * k + d] = userFactors[users[r] * k + d];
    // Items transposed to k × nItems, so the matmul needs no transposed operand.
    const right = new Float32Array(k * nItems);
    for (let i = 0; i < nItems; i++) for (let d = 0; d < k; d++) right[d * nItems + i] = itemFactors[i * k + d];
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(left, [m, k]), tf.tensor2d(right, [k, nItems])));
    try {
      out.set(product.dataSync() as Float32Array);
    } finally {
      product.dispose();
    }
  } else {
    multiplyRowsByTransposed(userFactors, k, users, itemFactors, k, nItems, k, out);
  }
  if (!userBias && !itemBias && offset === 0) return;
  for (let r = 0; r < users.length; r++) {
    const base = offset + (userBias ? userBias[users[r]] : 0);
    const row = r * nItems;
    for (let i = 0; i < nItems; i++) out[row + i] += base + (itemBias ? itemBias[i] : 0);
  }
}

/** p · q_i for every item into out (plus optional per-item bias and a constant). */
export function scoreVector(
  user: FloatArray,
  userOffset: number,
  itemFactors: FloatArray,
  k: number,
  nItems: number,
  out: Float32Array,
  itemBias?: FloatArray,
  constant = 0,
): void {
  for (let i = 0; i < nItems; i++) {
    const o = i * k;
    let s = constant + (itemBias ? itemBias[i] : 0);
    for (let d = 0; d < k; d++) s += user[userOffset + d] * itemFactors[o + d];
    out[i] = s;
  }
}

/** A float64 array of a saved state (training and scoring run in float64, saved as is). */
export function stateArray(arrays: Record<string, FloatArray | Int32Array | Uint8Array>, name: string): Float64Array {
  const values = arrays[name];
  if (!values) throw new Error(`model state lacks the array ${name}`);
  return values instanceof Float64Array ? values : Float64Array.from(values);
}
