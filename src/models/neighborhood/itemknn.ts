// Item-based k-nearest-neighbour collaborative filtering: B. Sarwar, G. Karypis, J. Konstan,
// J. Riedl, "Item-Based Collaborative Filtering Recommendation Algorithms", WWW 2001 (cosine and
// adjusted cosine), and M. Deshpande, G. Karypis, "Item-Based Top-N Recommendation Algorithms",
// ACM TOIS 22(1), 2004 (top-N scoring from the user's history with k neighbours per item).
//   cosine:          s_ij = Σ_u r_ui r_uj / (‖r_i‖ ‖r_j‖)
//   adjusted cosine: the same on r_ui − r̄_u (user-mean-centred; for explicit ratings)
//   shrinkage:       s_ij ← s_ij · n_ij / (n_ij + shrink), n_ij = number of co-raters
// Only each item's `neighbors` largest similarities are kept (sparse, row-normalised optional).
// Score of item j for a user:  Σ_(i∈R(u)) s_ij · w_ui, with w_ui = 1 (binary) or the (centred)
// rating, summed over the neighbour lists of the items in the user's history. No training
// beyond the similarity matrix, so fold-in is the same formula on any history.
import type { Interactions } from "../../data/interactions";
import { defineModel } from "../definition";
import { FLOAT32_BYTES, INT32_BYTES, trainingMatrix } from "../memory";
import type { History } from "../history";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData } from "../types";
import { ITEM_ITEM_CAPABILITIES, ItemItemRecommender, topPositive } from "./itemItem";

const params = {
  neighbors: { type: "int", default: 20, min: 1, max: 10000, description: "Similar items kept per item" },
  similarity: { type: "enum", default: "cosine", values: ["cosine", "adjusted"] as const, description: "cosine on the values (binary when implicit), or adjusted cosine on user-mean-centred ratings" },
  shrink: { type: "float", default: 2, min: 0, max: 1e6, description: "Shrinkage n_ij / (n_ij + shrink) toward 0 for similarities with few co-raters" },
  binary: { type: "bool", default: false, description: "Score with w_ui = 1 for every rated item (else its value: the rating, centred for adjusted cosine)" },
} as const;

export class ItemKnn extends ItemItemRecommender<ParamsOf<typeof params>> {
  readonly name = "itemknn";
  /** W: each item's neighbour list, best first. */
  protected readonly matrixNames = ["nbrPtr", "nbrIdx", "nbrSim"] as const;
  private userMean: Float32Array = new Float32Array(0);
  private centre = false;

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    this.useTraining(x);
    const { neighbors, shrink, similarity } = this.params;
    this.centre = similarity === "adjusted" && !data.implicit;
    // Values used for the similarity: binary for implicit data, ratings (centred) for explicit.
    this.userMean = userMeans(x);
    const values = new Float32Array(x.nnz);
    for (let u = 0; u < x.nUsers; u++) {
      for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
        values[p] = data.implicit ? 1 : this.centre ? x.values[p] - this.userMean[u] : x.values[p];
      }
    }
    const xt = x.transpose();
    // Column (item) values in item-major order.
    const valuesT = new Float32Array(x.nnz);
    const cursor = xt.indptr.slice(0, x.nItems);
    for (let u = 0; u < x.nUsers; u++) for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) valuesT[cursor[x.indices[p]]++] = values[p];
    const norms = new Float64Array(x.nItems);
    for (let i = 0; i < x.nItems; i++) {
      let s = 0;
      for (let p = xt.indptr[i]; p < xt.indptr[i + 1]; p++) s += valuesT[p] * valuesT[p];
      norms[i] = Math.sqrt(s);
    }
    // dots: Σ_u r_ui r_uj of row i, then its shrunk cosine; both cleared after the row.
    const dots = new Float64Array(x.nItems);
    const counts = new Int32Array(x.nItems);
    const touched = new Int32Array(x.nItems);
    const keep = Math.min(neighbors, Math.max(0, x.nItems - 1));
    const ptr = new Int32Array(x.nItems + 1);
    const idx = new Int32Array(x.nItems * keep);
    const sim = new Float32Array(x.nItems * keep);
    let total = 0;
    for (let i = 0; i < x.nItems; i++) {
      if (i % 256 === 0) context.signal?.throwIfAborted();
      let nTouched = 0;
      for (let p = xt.indptr[i]; p < xt.indptr[i + 1]; p++) {
        const u = xt.indices[p];
        const vi = valuesT[p];
        for (let q = x.indptr[u]; q < x.indptr[u + 1]; q++) {
          const j = x.indices[q];
          if (j === i) continue;
          if (counts[j] === 0) touched[nTouched++] = j;
          counts[j]++;
          dots[j] += vi * values[q];
        }
      }
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t];
        const denominator = norms[i] * norms[j];
        const s = denominator > 0 ? dots[j] / denominator : 0;
        dots[j] = s * (counts[j] / (counts[j] + shrink));
        counts[j] = 0;
      }
      // The `keep` largest positive similarities, best first.
      const kept = topPositive(dots, touched.subarray(0, nTouched), keep);
      idx.set(kept.indices, total);
      sim.set(kept.scores, total);
      for (let t = 0; t < nTouched; t++) dots[touched[t]] = 0;
      total += kept.indices.length;
      ptr[i + 1] = total;
      if (i % 256 === 255) {
        context.onProgress?.({ epoch: i + 1, epochs: x.nItems, elapsed: (performance.now() - started) / 1000, message: "item similarities" });
      }
    }
    this.weights = { nRows: x.nItems, nCols: x.nItems, indptr: ptr, indices: idx.slice(0, total), values: sim.slice(0, total) };
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: x.nItems, epochs: x.nItems, elapsed: seconds, message: "item similarities" });
    return { epochs: 1, seconds, notes: { neighbourEntries: total } };
  }

  protected binaryHistory(): boolean {
    return this.params.binary;
  }

  /** Adjusted cosine scores on centred values: a training user's stored mean, a profile's own mean. */
  protected override historyOffset(history: History): number {
    if (!this.centre) return 0;
    if (history.user !== undefined) return this.userMean[history.user];
    let mean = 0;
    for (let t = history.start; t < history.end; t++) mean += history.values[t];
    return history.end > history.start ? mean / (history.end - history.start) : 0;
  }

  override saveState(): ModelState {
    const state = super.saveState();
    state.json.centre = this.centre;
    state.arrays.userMean = this.userMean;
    return state;
  }

  override loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    super.loadState(state, shape);
    this.centre = state.json.centre as boolean;
    this.userMean = state.arrays.userMean as Float32Array;
  }
}

function userMeans(x: Interactions): Float32Array {
  const means = new Float32Array(x.nUsers);
  for (let u = 0; u < x.nUsers; u++) {
    let s = 0;
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) s += x.values[p];
    const n = x.indptr[u + 1] - x.indptr[u];
    means[u] = n ? s / n : 0;
  }
  return means;
}

export const itemknn = defineModel({
  name: "itemknn",
  family: "neighborhood",
  description: "Item-based kNN (cosine or adjusted cosine with shrinkage, top-k neighbours per item); scores from the user's history",
  paper: "B. Sarwar, G. Karypis, J. Konstan, J. Riedl. Item-Based Collaborative Filtering Recommendation Algorithms. WWW 2001",
  feedback: "both",
  capabilities: ITEM_ITEM_CAPABILITIES,
  params,
  fastParams: { neighbors: 20, shrink: 2 },
  // Similarity values in both orders, per-item accumulators, and the kept neighbour lists (built, then sliced to size).
  memory: (shape, p) => [
    trainingMatrix(shape),
    { what: "similarity values by user and by item (float32)", bytes: 2 * FLOAT32_BYTES * shape.interactions },
    { what: "per-item norms, dot products and counters", bytes: 28 * shape.items + FLOAT32_BYTES * shape.users },
    { what: `neighbour lists (${p.neighbors} per item, built and sliced)`, bytes: 2 * (INT32_BYTES + FLOAT32_BYTES) * shape.items * Math.min(p.neighbors, Math.max(0, shape.items - 1)) },
  ],
  create: (p) => new ItemKnn(p),
});
