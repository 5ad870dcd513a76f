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
import { Interactions } from "../../data/interactions";
import { BaseRecommender } from "../base";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";

const params = {
  neighbors: { type: "int", default: 20, min: 1, max: 10000, description: "Similar items kept per item" },
  similarity: { type: "enum", default: "cosine", values: ["cosine", "adjusted"] as const, description: "cosine on the values (binary when implicit), or adjusted cosine on user-mean-centred ratings" },
  shrink: { type: "float", default: 2, min: 0, max: 1e6, description: "Shrinkage n_ij / (n_ij + shrink) toward 0 for similarities with few co-raters" },
  binary: { type: "bool", default: false, description: "Score with w_ui = 1 for every rated item (else its value: the rating, centred for adjusted cosine)" },
} as const;

type Params = ParamsOf<typeof params>;

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: true,
  foldIn: true,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

export class ItemKnn extends BaseRecommender<Params> {
  readonly name = "itemknn";
  readonly capabilities = capabilities;
  /** Neighbour lists as a CSR over items (sorted by similarity, best first). */
  private nbrPtr: Int32Array = new Int32Array(1);
  private nbrIdx: Int32Array = new Int32Array(0);
  private nbrSim: Float32Array = new Float32Array(0);
  private train: Interactions | undefined;
  private userMean: Float32Array = new Float32Array(0);
  private centre = false;

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    this.nUsers = x.nUsers;
    this.nItems = x.nItems;
    this.train = x;
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
    const dots = new Float64Array(x.nItems);
    const counts = new Int32Array(x.nItems);
    const touched = new Int32Array(x.nItems);
    const keep = Math.min(neighbors, Math.max(0, x.nItems - 1));
    const ptr = new Int32Array(x.nItems + 1);
    const idx = new Int32Array(x.nItems * keep);
    const sim = new Float32Array(x.nItems * keep);
    const heapIdx = new Int32Array(keep);
    const heapSim = new Float64Array(keep);
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
      // Keep the `keep` largest positive similarities (min-heap).
      let size = 0;
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t];
        const denominator = norms[i] * norms[j];
        let s = denominator > 0 ? dots[j] / denominator : 0;
        s *= counts[j] / (counts[j] + shrink);
        dots[j] = 0;
        counts[j] = 0;
        if (!(s > 0) || keep === 0) continue;
        if (size < keep) {
          heapPush(heapIdx, heapSim, size++, j, s);
        } else if (s > heapSim[0] || (s === heapSim[0] && j < heapIdx[0])) {
          heapReplaceRoot(heapIdx, heapSim, size, j, s);
        }
      }
      // Pop into best-first order.
      for (let end = size - 1; end >= 0; end--) {
        idx[total + end] = heapIdx[0];
        sim[total + end] = heapSim[0];
        heapReplaceRoot(heapIdx, heapSim, end, heapIdx[end], heapSim[end]);
      }
      total += size;
      ptr[i + 1] = total;
      if (i % 256 === 255) {
        context.onProgress?.({ epoch: i + 1, epochs: x.nItems, elapsed: (performance.now() - started) / 1000, message: "item similarities" });
      }
    }
    this.nbrPtr = ptr;
    this.nbrIdx = idx.slice(0, total);
    this.nbrSim = sim.slice(0, total);
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: x.nItems, epochs: x.nItems, elapsed: seconds, message: "item similarities" });
    return { epochs: 1, seconds, notes: { neighbourEntries: total } };
  }

  scoreUser(user: number, out: Float32Array): void {
    const x = this.train;
    if (!x) throw new Error("itemknn: scoreUser needs the training matrix (fit or load first)");
    this.scoreHistory(x.indices, x.values, x.indptr[user], x.indptr[user + 1], this.userMean[user], out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    let mean = 0;
    for (let t = 0; t < profile.values.length; t++) mean += profile.values[t];
    mean = profile.values.length ? mean / profile.values.length : 0;
    this.scoreHistory(profile.items, profile.values, 0, profile.items.length, mean, out);
  }

  private scoreHistory(items: ArrayLike<number>, values: ArrayLike<number>, start: number, end: number, mean: number, out: Float32Array): void {
    out.fill(0, 0, this.nItems);
    const binary = this.params.binary;
    for (let t = start; t < end; t++) {
      const i = items[t];
      if (i < 0 || i >= this.nItems) continue;
      const w = binary ? 1 : this.centre ? values[t] - mean : values[t];
      if (w === 0) continue;
      for (let p = this.nbrPtr[i]; p < this.nbrPtr[i + 1]; p++) out[this.nbrIdx[p]] += w * this.nbrSim[p];
    }
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    out.fill(0, 0, this.nItems);
    for (let p = this.nbrPtr[item]; p < this.nbrPtr[item + 1]; p++) out[this.nbrIdx[p]] = this.nbrSim[p];
  }

  saveState(): ModelState {
    const x = this.train;
    if (!x) throw new Error("itemknn: nothing to save before fit");
    return {
      json: { centre: this.centre },
      arrays: {
        nbrPtr: this.nbrPtr,
        nbrIdx: this.nbrIdx,
        nbrSim: this.nbrSim,
        userMean: this.userMean,
        trainPtr: x.indptr,
        trainIdx: x.indices,
        trainVal: x.values,
      },
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.centre = state.json.centre as boolean;
    const a = state.arrays;
    this.nbrPtr = a.nbrPtr as Int32Array;
    this.nbrIdx = a.nbrIdx as Int32Array;
    this.nbrSim = a.nbrSim as Float32Array;
    this.userMean = a.userMean as Float32Array;
    // The training histories are part of the state: a training user's scores are built from them.
    this.train = new Interactions(shape.nUsers, shape.nItems, a.trainPtr as Int32Array, a.trainIdx as Int32Array, a.trainVal as Float32Array);
  }

  override dispose(): void {
    super.dispose();
    this.train = undefined;
    this.nbrIdx = new Int32Array(0);
    this.nbrSim = new Float32Array(0);
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

/** Min-heap on (sim, then larger index is worse): root = weakest kept neighbour. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

function heapPush(idx: Int32Array, sim: Float64Array, size: number, j: number, s: number): void {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (!worse(s, j, sim[parent], idx[parent])) break;
    idx[pos] = idx[parent];
    sim[pos] = sim[parent];
    pos = parent;
  }
  idx[pos] = j;
  sim[pos] = s;
}

function heapReplaceRoot(idx: Int32Array, sim: Float64Array, size: number, j: number, s: number): void {
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && worse(sim[right], idx[right], sim[left], idx[left]) ? right : left;
    if (!worse(sim[child], idx[child], s, j)) break;
    idx[pos] = idx[child];
    sim[pos] = sim[child];
    pos = child;
  }
  if (size > 0) {
    idx[pos] = j;
    sim[pos] = s;
  }
}

export const itemknn = defineModel({
  name: "itemknn",
  family: "neighborhood",
  description: "Item-based kNN (cosine or adjusted cosine with shrinkage, top-k neighbours per item); scores from the user's history",
  paper: "B. Sarwar, G. Karypis, J. Konstan, J. Riedl. Item-Based Collaborative Filtering Recommendation Algorithms. WWW 2001",
  feedback: "both",
  capabilities,
  params,
  fastParams: { neighbors: 20, shrink: 2 },
  create: (p) => new ItemKnn(p),
});
