// The graph filters' device: the normalised user–item graph and the block operations every filter
// (graphFilter.ts, gfcf.ts, bspm.ts, chebycf.ts) is written in.
//
// R is the binary interaction matrix (users × items; a stored rating of any value is an edge), d_u and
// d_i its degrees, R̃ = D_u^-1/2 R D_i^-1/2 the normalised graph, P = R̃ᵀR̃ (items × items) the item
// graph. P is never built, dense or sparse (Gowalla has 40,981 items): x P = (x R̃ᵀ) R̃ is two sparse
// passes over R̃.
//
// One WasmDevice (WebAssembly SIMD, threads) holds the bipartite matrix [[0, R̃], [R̃ᵀ, 0]] (users
// first) and dense blocks of `width` columns. A batch of users is an items × width block in the item
// rows of a slot (column b = user b's row): x P is one SpMM over the user rows (R̃·X) and one over the
// item rows (R̃ᵀ·Y), each O(nnz · width). The low-pass term x D_i^-e V Vᵀ D_i^e is a dense product
// with D_i^e V (items × k) on the device's gemm. One user is lane 0 of a width-4 block: x P of their
// own row walks its paths item → user → item when they are few, and otherwise (and for every later,
// dense product) runs the value-free gather kernel of graphFilterKernels.ts; the low-pass term is a
// vector times (D_i^e V)ᵀ with the threads sharing the items. Scores reach the caller's users × items
// layout by one transpose per batch.
import type { Interactions } from "../../data/interactions";
import { ValidationError } from "../../errors";
import { degrees, normalizedAdjacency } from "../../graph/adjacency";
import type { CsrMatrix } from "../../math/sparse";
import { WasmDevice, wasmDeviceBytes } from "../../math/wasmDevice";
import type { History } from "../history";
import { FILTER_KERNELS, type FilterKernelName } from "./graphFilterKernels";

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
  /** d_i. */
  itemDegree: Float64Array;
  /** d_u^-1/2 (0 for a user without items). */
  userScale: Float32Array;
  /** d_i^-1/2 (0 for an item nobody has). */
  itemScale: Float32Array;
  /** [[0, R̃], [R̃ᵀ, 0]], users first: (nUsers + nItems) square; LightGCN's Â of the same rows. */
  bipartite: CsrMatrix;
}

/** R̃ and its bipartite form from the training rows (values ignored: a stored pair is an edge). */
export function normalizedGraph(train: Interactions): NormalizedGraph {
  const { users, items } = degrees(train);
  const inverseRoot = (d: number) => (d > 0 ? 1 / Math.sqrt(d) : 0);
  return {
    nUsers: train.nUsers,
    nItems: train.nItems,
    itemDegree: items,
    userScale: Float32Array.from(users, inverseRoot),
    itemScale: Float32Array.from(items, inverseRoot),
    bipartite: normalizedAdjacency(train),
  };
}

/** d_i^e for every item (0 for an item nobody has). */
export function itemPower(graph: NormalizedGraph, exponent: number): Float32Array {
  return Float32Array.from(graph.itemDegree, (d) => (d > 0 ? Math.pow(d, exponent) : 0));
}

/**
 * Whether one row's x P is cheaper by its paths item → user → item than by two passes over every
 * edge (FilterDevice.propagateRows): the users reached times the mean user degree against a quarter
 * of the edges. Measured on 399 Gowalla users (every 75th): the walk takes 0.57 ms at the median row
 * and 2.7 ms at the 99th percentile against 1.2–1.4 ms dense; of the thresholds 0.1, 0.25, 0.5, 1 and
 * 2 of the edges, 0.25 gives the lowest mean (0.53 ms; always walking 0.57, the per-row best 0.52).
 */
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

/**
 * Floats of the device's extra region: the low-pass factors D_i^e V and (D_i^e V)ᵀ (items rounded
 * up to the lanes × k each), the batch's coordinates Zᵀ (k × FILTER_BATCH), one user's low-pass
 * scores, and beside them one user's gather vectors (items, users) and the row scales (nodes).
 */
function extraFloats(nUsers: number, nItems: number, k: number): { itemStride: number; lowPassFloats: number; extraFloats: number } {
  const itemStride = Math.ceil(nItems / LANES) * LANES;
  const lowPassFloats = 2 * itemStride * k + k * FILTER_BATCH + itemStride;
  return { itemStride, lowPassFloats, extraFloats: lowPassFloats + 2 * (nUsers + nItems) };
}

/** What a FilterDevice of rank k takes (the normalised graph's copy, FILTER_SLOTS blocks, the extra region, its threads), before it exists. */
export function filterDeviceBytes(nUsers: number, nItems: number, edges: number, k: number, threads: number): number {
  return wasmDeviceBytes(nUsers + nItems, 2 * edges, FILTER_BATCH, FILTER_SLOTS, { extraFloats: extraFloats(nUsers, nItems, k).extraFloats, threads });
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
  /** D_i^-e V, items × k (a history's low-pass coordinates z = Σ_i x_i d_i^-e V_i). */
  private readonly left: Float32Array;
  /** D_i^e V, items × k, in the device's memory (the batch product W'·Zᵀ). */
  private readonly right: Float32Array;
  /** (D_i^e V)ᵀ, k × itemStride, in the device's memory (one user: z · (D_i^e V)ᵀ). */
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
    const down = itemPower(graph, -lowPassExponent);
    const up = itemPower(graph, lowPassExponent);
    if (v.length !== nItems * k) throw new ValidationError("state.lowPass", v.length, `${nItems}×${k} floats`);
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.k = k;
    const layout = extraFloats(nUsers, nItems, k);
    this.itemStride = layout.itemStride;
    const rightFloats = nItems * k;
    const lowPassFloats = layout.lowPassFloats;
    this.device = new WasmDevice(graph.bipartite, FILTER_BATCH, FILTER_SLOTS, { threads, extraFloats: layout.extraFloats, kernels: FILTER_KERNELS });
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
        this.left[i * k + q] = down[i] * value;
        this.right[i * k + q] = up[i] * value;
        this.rightT[q * this.itemStride + i] = up[i] * value;
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
   * the rows scaled by scaleItems(0, weight); each item listed once, as loadRows writes it). For one user whose row reaches few users the product
   * follows the row's paths item → user → item on the sparse graph (cost Σ d_i over the row's items
   * plus Σ d_v over the users reached) instead of two passes over every edge (GF-CF's one-user p50 on
   * Gowalla 3.7 → 2.5 ms, bench:graph --filter). Other rows and batches run propagate(0, dst).
   */
  propagateRows(histories: readonly History[], dst: Slot, weight?: Float32Array): void {
    if (this.active !== 1 || histories.length !== 1 || !pathWalkCheaper(this.graph, histories[0])) {
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
    let count = 0;
    for (let p = h.start; p < h.end; p++) {
      const item = h.items[p];
      const xi = weight ? weight[item] : 1;
      const row = nUsers + item;
      for (let e = indptr[row]; e < indptr[row + 1]; e++) {
        const v = indices[e];
        if (sums[v] === 0) reached[count++] = v;
        sums[v] += values[e] * xi;
      }
    }
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
   * Block dst += scale · x D_i^-e V Vᵀ D_i^e for the histories' rows x (the ideal low-pass
   * filter), or = with accumulate false.
   */
  lowPass(histories: readonly History[], dst: Slot, scale: number, accumulate = true): void {
    const { k, left } = this;
    const w = this.width;
    // z = scale · x D_i^-e V: column b of Zᵀ (k × w) for a batch; one row of k for one user.
    const single = this.active === 1;
    const stride = single ? 1 : w;
    const z = this.coordinates.subarray(0, single ? k : k * w);
    z.fill(0);
    histories.forEach((h, b) => {
      for (let p = h.start; p < h.end; p++) {
        const o = h.items[p] * k;
        for (let q = 0; q < k; q++) z[q * stride + b] += scale * left[o + q];
      }
    });
    if (single) {
      // One user: the vector z times Vᵀ D_i^e (k × items) with the threads sharing the items, then into lane 0.
      this.device.gemm(z, this.rightT, this.vectorOut, 1, k, this.itemStride, false, true);
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
