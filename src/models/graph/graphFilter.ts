// Graph filters on the normalised user–item graph: what GF-CF (gfcf.ts) and BSPM (bspm.ts) share.
//
// R is the binary interaction matrix (users × items; a stored rating of any value is an edge),
// d_u and d_i its degrees, R̃ = D_u^-1/2 R D_i^-1/2 the normalised graph. A user is their row x
// (1 for each item they have), and every filter is a function of that row alone:
//   linear filter      x P,  P = R̃ᵀR̃ (items × items), computed as (x R̃ᵀ) R̃: never built, dense or
//                      sparse (Gowalla has 40,981 items), two sparse products per application;
//   ideal low-pass     x D_i^-1/2 V Vᵀ D_i^1/2, V the top-k right singular vectors of R̃
//                      (math/svd.ts bipartiteSvd, the model's only fitted state).
// So a new rating counts at once: fold-in is the same computation on the row as it is now.
//
// Where it runs: one WasmDevice (WebAssembly SIMD, threads) holding the bipartite matrix
// [[0, R̃], [R̃ᵀ, 0]] (users first) and dense blocks of `width` columns. A batch of users is an
// items × width block in the item rows of a slot (column b = user b's row); x P is one product over
// the user rows (R̃·X) and one over the item rows (R̃ᵀ·Y), each O(nnz · width). The low-pass term is a
// dense product with D_i^1/2 V (items × k) on the device's gemm. One user is the same with width 4
// (the kernels' lane count; three lanes idle) and the low-pass term as a vector times Vᵀ
// (k × items, the threads sharing the columns). Scores go to the caller's items × users layout by
// one transpose per batch.
import type { Interactions } from "../../data/interactions";
import { ModelNotReadyError, ValidationError } from "../../errors";
import type { CsrMatrix } from "../../math/sparse";
import { bipartiteSvd } from "../../math/svd";
import { WasmDevice } from "../../math/wasmDevice";
import { capabilities } from "../definition";
import { HistoryRecommender, type History } from "../history";
import { FILTER_KERNELS, type FilterKernelName } from "./graphFilterKernels";
import { modelRng, rankingValidation, validationSplit, validationUsers } from "../training";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";

/** Users per device batch (the block width; scoreUsers batches are cut to it). */
export const FILTER_BATCH = 256;

/** Lanes of one f32x4: the block width of a single user. */
const LANES = 4;

/** Slots of the filter device: the input rows, then work blocks for the filters' steps. */
export const FILTER_SLOTS = 5;

/** Degrees and the normalisation of R̃, from the structure of the training rows. */
export interface NormalizedGraph {
  nUsers: number;
  nItems: number;
  /** d_u^-1/2 (0 for a user without items). */
  userScale: Float32Array;
  /** d_i^-1/2 (0 for an item nobody has). */
  itemScale: Float32Array;
  /** d_i^1/2. */
  itemRoot: Float32Array;
  /** [[0, R̃], [R̃ᵀ, 0]], users first: (nUsers + nItems) square. */
  bipartite: CsrMatrix;
}

/** R̃ and its bipartite form from the training rows (values ignored: a stored pair is an edge; repeated pairs count once). */
export function normalizedGraph(train: Interactions): NormalizedGraph {
  const { nUsers, nItems } = train;
  const userDegree = new Float64Array(nUsers);
  const itemDegree = new Float64Array(nItems);
  const seen = new Int32Array(nItems).fill(-1);
  // Unique items per row (CSR rows from imports are unique; a hand-made matrix may repeat one).
  const rowPtr = new Int32Array(nUsers + 1);
  const rowItems = new Int32Array(train.nnz);
  let nnz = 0;
  for (let u = 0; u < nUsers; u++) {
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const i = train.indices[p];
      if (seen[i] === u) continue;
      seen[i] = u;
      rowItems[nnz++] = i;
      itemDegree[i]++;
    }
    userDegree[u] = nnz - rowPtr[u];
    rowPtr[u + 1] = nnz;
  }
  const userScale = Float32Array.from(userDegree, (d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const itemScale = Float32Array.from(itemDegree, (d) => (d > 0 ? 1 / Math.sqrt(d) : 0));
  const itemRoot = Float32Array.from(itemDegree, (d) => Math.sqrt(d));

  // The bipartite CSR: user rows list items (columns nUsers + i), item rows list users.
  const n = nUsers + nItems;
  const indptr = new Int32Array(n + 1);
  for (let u = 0; u < nUsers; u++) indptr[u + 1] = rowPtr[u + 1];
  for (let i = 0; i < nItems; i++) indptr[nUsers + i + 1] = indptr[nUsers + i] + itemDegree[i];
  const indices = new Int32Array(2 * nnz);
  const values = new Float32Array(2 * nnz);
  const cursor = indptr.slice(nUsers, n);
  for (let u = 0; u < nUsers; u++) {
    for (let p = rowPtr[u]; p < rowPtr[u + 1]; p++) {
      const i = rowItems[p];
      const w = userScale[u] * itemScale[i];
      indices[p] = nUsers + i;
      values[p] = w;
      const q = cursor[i]++;
      indices[q] = u;
      values[q] = w;
    }
  }
  return { nUsers, nItems, userScale, itemScale, itemRoot, bipartite: { nRows: n, nCols: n, indptr, indices, values } };
}

/** d_i^e for every item (0 for an item nobody has). */
export function itemPower(graph: NormalizedGraph, exponent: number): Float32Array {
  // itemRoot = √d_i, so d_i^e = itemRoot^(2e).
  return Float32Array.from(graph.itemRoot, (root) => (root > 0 ? Math.pow(root, 2 * exponent) : 0));
}

/** Whether one row's x P is cheaper by its paths than by two passes over every edge (FilterDevice.propagateRows). */
export function pathWalkCheaper(graph: NormalizedGraph, h: History): boolean {
  const { indptr } = graph.bipartite;
  const edges = indptr[graph.nUsers];
  let reached = 0;
  for (let p = h.start; p < h.end; p++) {
    const row = graph.nUsers + h.items[p];
    reached += indptr[row + 1] - indptr[row];
  }
  return (reached * edges) / Math.max(1, graph.nUsers) <= edges / 4;
}

/** Which slot's item block a filter step reads or writes. */
export type Slot = number;

/**
 * The filter device of a fitted model: the normalised graph, the low-pass factors, and the
 * block operations the filters are written in (propagate = x ↦ x P, lowPass, combine). A block is
 * the item rows of one slot at the current width (FILTER_BATCH for a batch, 4 for one user).
 * Not thread-safe (one JS thread); call dispose() to stop the device's workers.
 */
export class FilterDevice {
  readonly device: WasmDevice<FilterKernelName>;
  readonly k: number;
  private readonly nUsers: number;
  private readonly nItems: number;
  /** Items rounded up to the lane count (the row length of Vᵀ for the vector product). */
  private readonly itemStride: number;
  /** D_i^-1/2 V, items × k (a history's low-pass coordinates z = Σ_i x_i d_i^-1/2 V_i). */
  private readonly left: Float32Array;
  /** D_i^1/2 V, items × k, in the device's memory (the batch product W'·Zᵀ). */
  private readonly right: Float32Array;
  /** (D_i^1/2 V)ᵀ, k × itemStride, in the device's memory (one user: z · Vᵀ). */
  private readonly rightT: Float32Array;
  /** Zᵀ (k × FILTER_BATCH), then z (k) for one user. */
  private readonly coordinates: Float32Array;
  /** One user's low-pass scores (itemStride). */
  private readonly vectorOut: Float32Array;
  /** One user's vector scaled by d_i^-1/2 (the gather's input), its user sums, and the row scales of the gather. */
  private readonly itemVector: Float32Array;
  private readonly userVector: Float32Array;
  private readonly rowScale: Float32Array;
  private width = FILTER_BATCH;
  /** Users in the current batch (columns in use). */
  private active = FILTER_BATCH;
  /** One user's sums over the users their row reaches (zero between calls), and those users. */
  private userSums: Float32Array | undefined;
  private reached: Int32Array | undefined;
  private listed: Uint8Array | undefined;

  constructor(
    readonly graph: NormalizedGraph,
    /** Right singular vectors of R̃, items × k. */
    v: Float32Array,
    k: number,
    threads: number,
    /** e of the low-pass term x D_i^-e V Vᵀ D_i^e (GF-CF and BSPM: 1/2). */
    lowPassExponent = 0.5,
  ) {
    const { nUsers, nItems } = graph;
    const itemScale = itemPower(graph, -lowPassExponent);
    const itemRoot = itemPower(graph, lowPassExponent);
    if (v.length !== nItems * k) throw new ValidationError("state.lowPass", v.length, `${nItems}×${k} floats`);
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.k = k;
    this.itemStride = Math.ceil(nItems / LANES) * LANES;
    const rightFloats = nItems * k;
    const lowPassFloats = 2 * this.itemStride * k + k * FILTER_BATCH + this.itemStride;
    // Beside the low-pass factors: one user's gather vectors (items, users) and the row scales.
    const extraFloats = lowPassFloats + 2 * (nUsers + nItems);
    this.device = new WasmDevice(graph.bipartite, FILTER_BATCH, FILTER_SLOTS, { threads, extraFloats, kernels: FILTER_KERNELS });
    const extra = this.device.extra();
    this.right = extra.subarray(0, rightFloats);
    this.rightT = extra.subarray(this.itemStride * k, 2 * this.itemStride * k);
    this.coordinates = extra.subarray(2 * this.itemStride * k, 2 * this.itemStride * k + k * FILTER_BATCH);
    this.vectorOut = extra.subarray(2 * this.itemStride * k + k * FILTER_BATCH, lowPassFloats);
    this.itemVector = extra.subarray(lowPassFloats, lowPassFloats + nItems);
    this.userVector = extra.subarray(lowPassFloats + nItems, lowPassFloats + nItems + nUsers);
    this.rowScale = extra.subarray(lowPassFloats + nItems + nUsers, lowPassFloats + 2 * (nUsers + nItems));
    // R̃_vi = d_v^-1/2 d_i^-1/2: the user pass scales its sums by d_v^-1 (both of its factors, so the
    // item pass sums plain values), the item pass by d_i^-1/2; the vector is scaled by d_i^-1/2 first.
    for (let u = 0; u < nUsers; u++) this.rowScale[u] = graph.userScale[u] * graph.userScale[u];
    this.rowScale.set(graph.itemScale, nUsers);
    this.left = new Float32Array(rightFloats);
    for (let i = 0; i < nItems; i++) {
      for (let q = 0; q < k; q++) {
        const value = v[i * k + q];
        this.left[i * k + q] = itemScale[i] * value;
        this.right[i * k + q] = itemRoot[i] * value;
        this.rightT[q * this.itemStride + i] = itemRoot[i] * value;
      }
    }
  }

  /** The block width now in use (FILTER_BATCH or 4). */
  get blockWidth(): number {
    return this.width;
  }

  /** The item block of `slot` at the current width: items × width, row-major. */
  block(slot: Slot): Float32Array {
    const w = this.width;
    return this.device.buffer(slot).subarray(this.nUsers * w, (this.nUsers + this.nItems) * w);
  }

  /** Starts a batch of `count` users (≤ FILTER_BATCH): the width becomes count rounded up to 4. */
  beginBatch(count: number): void {
    if (!(count >= 1 && count <= FILTER_BATCH)) throw new ValidationError("users", count, `1–${FILTER_BATCH} per batch`);
    this.width = Math.ceil(count / LANES) * LANES;
    this.active = count;
  }

  /** Writes the histories' rows x (1 per item) into the block of `slot`, column b for history b. */
  loadRows(histories: readonly History[], slot: Slot): void {
    const w = this.width;
    const x = this.block(slot);
    x.fill(0);
    histories.forEach((h, b) => {
      for (let p = h.start; p < h.end; p++) x[h.items[p] * w + b] = 1;
    });
  }

  /** Block dst = block src · P (src and dst may be one slot; the user rows of src are the intermediate). */
  propagate(src: Slot, dst: Slot): void {
    if (this.active === 1 && this.device.backend === "wasm-simd") {
      this.propagateOne(src, dst);
      return;
    }
    this.device.multiplyRows(src, src, 0, this.nUsers, this.width);
    this.device.multiplyRows(src, dst, this.nUsers, this.nUsers + this.nItems, this.width);
  }

  /**
   * One user's x P (lane 0 of the blocks) by the value-free gather kernel: 0.95 ms against 1.22 ms
   * for the two SpMM passes at width 4 on Gowalla, two threads, machine idle (measured with
   * performance.now over 200 products).
   */
  private propagateOne(src: Slot, dst: Slot): void {
    const { nUsers, nItems, device } = this;
    const w = this.width;
    const x = this.block(src);
    const scale = this.graph.itemScale;
    const xs = this.itemVector;
    for (let i = 0; i < nItems; i++) xs[i] = x[i * w] * scale[i];
    const { indptr, indices } = device.matrixAddresses();
    const rowScale = device.address(this.rowScale);
    // User rows list items as nUsers + i: the item vector's base is moved back by nUsers floats.
    const items = device.address(xs) - nUsers * 4;
    const users = device.address(this.userVector);
    device.runRows("filterGather", nUsers, (_t, r0, r1) => [indptr, indices, items, 4, users, 4, rowScale, r0, r1]);
    // Item rows are nUsers + i: the output block's base is moved back by nUsers rows of w floats.
    const out = device.address(this.block(dst)) - nUsers * w * 4;
    device.runRows("filterGather", nItems, (_t, r0, r1) => [indptr, indices, users, 4, out, w * 4, rowScale, nUsers + r0, nUsers + r1]);
  }

  /** Multiplies every item row of block `slot` by factor[item] (a degree normalisation). */
  scaleItems(slot: Slot, factor: Float32Array): void {
    const out = this.block(slot);
    const w = this.width;
    const lanes = this.active === 1 ? 1 : w;
    for (let i = 0; i < this.nItems; i++) {
      const f = factor[i];
      const o = i * w;
      for (let b = 0; b < lanes; b++) out[o + b] *= f;
    }
  }

  /**
   * Block dst = x P for the histories' rows x already loaded in slot 0 (x_i = 1, or weight[i] for
   * the rows scaled by scaleItems(0, weight)). For one user whose row reaches few users the product
   * follows the row's paths item → user → item on the sparse graph (cost Σ d_i over the row's items
   * plus Σ d_v over the users reached) instead of two passes over every edge (GF-CF's one-user p50 on
   * Gowalla 3.7 → 2.5 ms, bench:graph --filter). Other rows and batches run propagate(0, dst).
   */
  propagateRows(histories: readonly History[], dst: Slot, weight?: Float32Array): void {
    if (this.active !== 1 || histories.length !== 1 || this.pathsExceedEdges(histories[0])) {
      this.propagate(0, dst);
      return;
    }
    const h = histories[0];
    const { indptr, indices, values } = this.graph.bipartite;
    const nUsers = this.nUsers;
    this.userSums ??= new Float32Array(nUsers);
    this.reached ??= new Int32Array(nUsers);
    const sums = this.userSums;
    const reached = this.reached;
    const w = this.width;
    // An item listed twice counts once (the row is binary before any weight).
    this.listed ??= new Uint8Array(this.nItems);
    const listed = this.listed;
    let count = 0;
    for (let p = h.start; p < h.end; p++) {
      const item = h.items[p];
      if (listed[item]) continue;
      listed[item] = 1;
      const xi = weight ? weight[item] : 1;
      const row = nUsers + item;
      for (let e = indptr[row]; e < indptr[row + 1]; e++) {
        const v = indices[e];
        if (sums[v] === 0) reached[count++] = v;
        sums[v] += values[e] * xi;
      }
    }
    for (let p = h.start; p < h.end; p++) listed[h.items[p]] = 0;
    const out = this.block(dst);
    for (let i = 0; i < this.nItems; i++) out[i * w] = 0;
    for (let r = 0; r < count; r++) {
      const v = reached[r];
      const y = sums[v];
      sums[v] = 0;
      for (let e = indptr[v]; e < indptr[v + 1]; e++) out[(indices[e] - nUsers) * w] += values[e] * y;
    }
  }

  /**
   * Whether a row's paths item → user → item are too many for the path walk to beat the dense
   * product: the users reached times the mean user degree against a quarter of the edges. Measured
   * on 399 Gowalla users (every 75th): the walk takes 0.57 ms at the median row and 2.7 ms at the
   * 99th percentile against 1.2–1.4 ms dense; of the thresholds 0.1, 0.25, 0.5, 1 and 2 of the
   * edges, 0.25 gives the lowest mean (0.53 ms; always walking 0.57, the per-row best 0.52).
   */
  private pathsExceedEdges(h: History): boolean {
    return !pathWalkCheaper(this.graph, h);
  }

  /**
   * Block dst += scale · x D_i^-1/2 V Vᵀ D_i^1/2 for the histories' rows x (the ideal low-pass
   * filter), or = with accumulate false.
   */
  lowPass(histories: readonly History[], dst: Slot, scale: number, accumulate = true): void {
    const { k, left } = this;
    const w = this.width;
    const z = this.coordinates.subarray(0, k * w);
    z.fill(0);
    histories.forEach((h, b) => {
      for (let p = h.start; p < h.end; p++) {
        const o = h.items[p] * k;
        for (let q = 0; q < k; q++) z[q * w + b] += scale * left[o + q];
      }
    });
    if (w === LANES && histories.length === 1) {
      // One user: the vector z times Vᵀ (k × items) with the threads sharing the items, then into lane 0.
      const zRow = this.coordinates.subarray(0, k);
      for (let q = 0; q < k; q++) zRow[q] = z[q * w];
      this.device.gemm(zRow, this.rightT, this.vectorOut, 1, k, this.itemStride, false, true);
      const out = this.block(dst);
      const vec = this.vectorOut;
      for (let i = 0; i < this.nItems; i++) out[i * w] = accumulate ? out[i * w] + vec[i] : vec[i];
      return;
    }
    this.device.gemm(this.right, z, this.block(dst), this.nItems, k, w, accumulate);
  }

  /** Block dst = a · block x + b · block y (element-wise; dst may be x or y). One user: lane 0 only. */
  combine(dst: Slot, a: number, x: Slot, b: number, y: Slot): void {
    const out = this.block(dst);
    const xs = this.block(x);
    const ys = this.block(y);
    const step = this.active === 1 ? this.width : 1;
    for (let e = 0; e < out.length; e += step) out[e] = a * xs[e] + b * ys[e];
  }

  /** Copies block src into block dst. */
  copy(dst: Slot, src: Slot): void {
    this.block(dst).set(this.block(src));
  }

  /** The scores of the block's first `count` columns into out (count × nItems, user-major). */
  readScores(slot: Slot, count: number, out: Float32Array): void {
    const w = this.width;
    const n = this.nItems;
    const x = this.block(slot);
    for (let b = 0; b < count; b++) {
      const o = b * n;
      for (let i = 0; i < n; i++) out[o + i] = x[i * w + b];
    }
  }

  dispose(): void {
    this.device.dispose();
  }
}

/** Parameters every filter model has (the rank and its SVD, the choice on validation data, the device's threads). */
export const filterParams = {
  tune: {
    type: "bool",
    default: false,
    description:
      "Choose the rank (rank/16, /8, /4, /2, rank) and the low-pass weight (0, ×1/3, ×1, ×3) by recall@20 on a 10 % per-user validation carve-out of the training rows, then fit on all of them with the choice",
  },
  oversample: { type: "int", default: 16, min: 0, max: 1024, description: "Extra random directions of the randomized SVD beyond the rank" },
  // 8, not 4: closer to the exact SVD the papers use. Gowalla, 4 → 8 iterations: bspm 0.1916 → 0.1922, chebycf
  // 0.1935 → 0.1940 (the authors' 0.1941), gfcf 0.1871 → 0.1864 recall@20, for 30-40 % more fit time.
  powerIterations: { type: "int", default: 8, min: 0, max: 50, description: "Subspace iterations of the randomized SVD (more: closer to the exact top singular vectors)" },
  threads: { type: "int", default: 2, min: 1, max: 16, description: "Threads of the WebAssembly device (products and the SVD)" },
} as const;

/** What the shared fit and scoring read from a filter model's parameters. */
export interface FilterSettings {
  /** Singular vectors kept for the ideal low-pass filter (0: none). */
  rank: number;
  tune: boolean;
  oversample: number;
  powerIterations: number;
  threads: number;
}

export const FILTER_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn");

/**
 * A training-free graph filter: fit normalises the graph and computes the low-pass factors; a
 * user (trained, folded in, or an item for similar items) is scored by `filter` on the device.
 * The state is the training rows (what a training user is scored from) and V.
 */
export abstract class GraphFilterModel<P extends FilterSettings> extends HistoryRecommender<P> {
  readonly capabilities = FILTER_CAPABILITIES;
  private filterDevice: FilterDevice | undefined;
  private singular: { v: Float32Array; s: Float64Array; k: number } | undefined;
  /** The low-pass weight in use: the parameter's, or the one chosen on validation data. */
  private weight: number | undefined;
  protected override readonly historyNames = ["userIndptr", "userItems"];

  /**
   * The model's filter for the histories loaded in slot 0 (the block width set): the scores end
   * in the returned slot. Slots 1 … FILTER_SLOTS − 1 are the model's to use; the low-pass term's
   * weight is `lowPassWeight`.
   */
  protected abstract filter(device: FilterDevice, histories: readonly History[]): Slot;

  /** The low-pass weight parameter (GF-CF's α, BSPM's β). */
  protected abstract weightParam(): number;

  /** e of the low-pass term x D_i^-e V Vᵀ D_i^e (1/2 unless a model says otherwise). */
  protected lowPassExponent(): number {
    return 0.5;
  }

  protected get lowPassWeight(): number {
    return this.weight ?? this.weightParam();
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    this.dispose();
    const p = this.params;
    let rank = p.rank;
    this.weight = undefined;
    let tuning: Record<string, unknown> | undefined;
    if (p.tune && p.rank > 0) {
      const chosen = this.choose(data, context);
      rank = chosen.rank;
      this.weight = chosen.weight;
      tuning = chosen.notes;
      this.dispose();
    }
    this.useTraining(data.interactions);
    const graph = normalizedGraph(this.training());
    context.onProgress?.({ epoch: 0, epochs: 1, elapsed: (performance.now() - started) / 1000, message: `normalised graph: ${graph.bipartite.indptr[graph.nUsers]} edges` });
    context.signal?.throwIfAborted();
    const svdStarted = performance.now();
    const svd = this.lowPassFactors(graph, rank, context.seed);
    const svdSeconds = (performance.now() - svdStarted) / 1000;
    this.singular = svd;
    this.filterDevice = new FilterDevice(graph, svd.v, svd.k, p.threads, this.lowPassExponent());
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: `rank ${svd.k} low-pass filter in ${svdSeconds.toFixed(1)} s` });
    return {
      epochs: 1,
      seconds,
      notes: {
        rank: svd.k,
        lowPassWeight: this.lowPassWeight,
        svdSeconds,
        sigmaFirst: svd.s[0] ?? null,
        sigmaLast: svd.s[svd.k - 1] ?? null,
        edges: graph.bipartite.indptr[graph.nUsers],
        kernel: this.filterDevice.device.backend,
        threads: this.filterDevice.device.threads,
        ...(tuning ? { tuning } : {}),
      },
    };
  }

  private lowPassFactors(graph: NormalizedGraph, rank: number, seed: number): { v: Float32Array; s: Float64Array; k: number } {
    const p = this.params;
    if (rank <= 0) return { v: new Float32Array(0), s: new Float64Array(0), k: 0 };
    return bipartiteSvd(graph.bipartite, graph.nUsers, rank, { rng: modelRng(seed, 1), oversample: p.oversample, powerIterations: p.powerIterations, threads: p.threads });
  }

  /**
   * The rank and low-pass weight with the best recall@20 on a validation carve-out: one SVD at the
   * largest rank (the leading columns are the smaller ranks' vectors), every pair scored on up to
   * 2,000 validation users.
   */
  private choose(data: TrainingData, context: FitContext): { rank: number; weight: number; notes: Record<string, unknown> } {
    const p = this.params;
    const base = this.weightParam();
    const { train, validation } = validationSplit(data.interactions, { fraction: 0.1, seed: context.seed });
    if (!validation) return { rank: p.rank, weight: base, notes: { skipped: "no validation interactions" } };
    const users = validationUsers(validation, 2000, modelRng(context.seed, 3));
    this.useTraining(train);
    const graph = normalizedGraph(train);
    const full = this.lowPassFactors(graph, p.rank, context.seed);
    const ranks = [...new Set([16, 8, 4, 2, 1].map((d) => Math.max(1, Math.round(full.k / d))))];
    const weights = [0, base / 3, base, base * 3];
    const grid: { rank: number; weight: number; "recall@20": number; "ndcg@20": number }[] = [];
    let best = { rank: p.rank, weight: base, recall: -1 };
    for (const rank of ranks) {
      const v = new Float32Array(graph.nItems * rank);
      for (let i = 0; i < graph.nItems; i++) v.set(full.v.subarray(i * full.k, i * full.k + rank), i * rank);
      this.filterDevice?.dispose();
      this.filterDevice = new FilterDevice(graph, v, rank, p.threads, this.lowPassExponent());
      for (const weight of weights) {
        context.signal?.throwIfAborted();
        this.weight = weight;
        const metrics = rankingValidation((u, out) => this.scoreUsers(u, out), train, validation, users, 20);
        grid.push({ rank, weight, "recall@20": metrics["recall@20"], "ndcg@20": metrics["ndcg@20"] });
        if (metrics["recall@20"] > best.recall) best = { rank, weight, recall: metrics["recall@20"] };
        context.onProgress?.({ epoch: 0, epochs: 1, elapsed: 0, validation: metrics, message: `validation: rank ${rank}, weight ${weight}: recall@20 ${metrics["recall@20"].toFixed(4)}` });
      }
    }
    return { rank: best.rank, weight: best.weight, notes: { validationUsers: users.length, grid, chosen: { rank: best.rank, weight: best.weight } } };
  }

  /** The device of the fitted (or loaded) model. */
  private filterOn(): FilterDevice {
    if (!this.filterDevice) {
      const s = this.singular;
      if (!s) throw new ModelNotReadyError(this.name, "fit or load the model first");
      this.filterDevice = new FilterDevice(normalizedGraph(this.training()), s.v, s.k, this.params.threads, this.lowPassExponent());
    }
    return this.filterDevice;
  }

  protected scoreHistory(history: History, out: Float32Array): void {
    const device = this.filterOn();
    const row = this.uniqueItems(history);
    device.beginBatch(1);
    device.loadRows([row], 0);
    const slot = this.filter(device, [row]);
    device.readScores(slot, 1, out);
  }

  /** The history with each item once (x is binary; a fold-in profile may list an item twice). */
  private uniqueItems(history: History): History {
    const seen = new Set<number>();
    let repeated = false;
    for (let p = history.start; p < history.end && !repeated; p++) {
      repeated = seen.has(history.items[p]);
      seen.add(history.items[p]);
    }
    if (!repeated) return history;
    const items = Int32Array.from(new Set(Array.from({ length: history.end - history.start }, (_, k) => history.items[history.start + k])));
    return { items, values: new Float32Array(items.length).fill(1), start: 0, end: items.length, user: history.user };
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const device = this.filterOn();
    const x = this.training();
    for (let start = 0; start < users.length; start += FILTER_BATCH) {
      const end = Math.min(users.length, start + FILTER_BATCH);
      const histories: History[] = [];
      for (let r = start; r < end; r++) {
        const u = users[r];
        this.checkUser(u);
        histories.push({ items: x.indices, values: x.values, start: x.indptr[u], end: x.indptr[u + 1], user: u });
      }
      device.beginBatch(histories.length);
      device.loadRows(histories, 0);
      const slot = this.filter(device, histories);
      device.readScores(slot, histories.length, out.subarray(start * this.nItems, end * this.nItems));
    }
  }

  /** Similar items: the filter applied to a history of the one item (its row of the item–item filter). */
  override itemSimilarities(item: number, out: Float32Array): void {
    this.scoreHistory({ items: [item], values: [1], start: 0, end: 1 }, out);
  }

  /**
   * Every filter here is linear in the row x, so the score of `item` is the sum over the history's
   * items of their one-item scores: each history item is a column of one batch (FILTER_BATCH at a time).
   */
  scoreContributions(profile: UserProfile, item: number, out: Float32Array): void {
    if (!(Number.isInteger(item) && item >= 0 && item < this.nItems)) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    const device = this.filterOn();
    const n = profile.items.length;
    for (let start = 0; start < n; start += FILTER_BATCH) {
      const end = Math.min(n, start + FILTER_BATCH);
      const histories: History[] = [];
      for (let p = start; p < end; p++) histories.push({ items: profile.items, values: profile.values, start: p, end: p + 1 });
      device.beginBatch(histories.length);
      device.loadRows(histories, 0);
      const block = device.block(this.filter(device, histories));
      const w = device.blockWidth;
      for (let b = 0; b < histories.length; b++) out[start + b] = block[item * w + b];
    }
    // An item listed again carries nothing more (x is binary): its later entries get 0.
    const seen = new Set<number>();
    for (let p = 0; p < n; p++) {
      if (seen.has(profile.items[p])) out[p] = 0;
      seen.add(profile.items[p]);
    }
  }

  saveState(): ModelState {
    const s = this.singular;
    if (!s) throw new ModelNotReadyError(this.name, "fit or load the model first");
    return { json: { rank: s.k, lowPassWeight: this.lowPassWeight }, arrays: { ...this.historyArrays(), lowPass: s.v, singularValues: s.s } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const k = state.json.rank;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0) throw new ValidationError("state.rank", k, "a non-negative integer");
    const v = state.arrays.lowPass;
    const s = state.arrays.singularValues;
    if (!(v instanceof Float32Array) || v.length !== shape.nItems * k) throw new ValidationError("state.lowPass", v?.length, `${shape.nItems}×${k} floats`);
    if (!(s instanceof Float64Array) || s.length !== k) throw new ValidationError("state.singularValues", s?.length, `${k} values`);
    this.dispose();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.loadHistory(state.arrays, shape.nUsers, shape.nItems);
    this.singular = { v, s, k };
    const weight = state.json.lowPassWeight;
    this.weight = typeof weight === "number" && Number.isFinite(weight) ? weight : undefined;
  }

  override dispose(): void {
    this.filterDevice?.dispose();
    this.filterDevice = undefined;
    super.dispose();
  }
}
