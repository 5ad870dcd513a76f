// Item–item similarity from three-step random walks on the user–item graph, shared by P3α and
// RP3β (see p3alpha.ts and rp3beta.ts for the papers and the rules).
//
//   W_ij = ( Σ_u P(i→u)^α · P(u→j)^α ) / pop(j)^β,   P(i→u) = 1/deg(i), P(u→j) = 1/deg(u)
//
// computed row by row on the CSR (cost Σ_u deg(u)²), the diagonal dropped, the `topK` largest
// entries of each row kept as a sparse CSR matrix (rows optionally rescaled to sum 1). Scores
// of a user are Σ over the user's items i of W_i· (a sparse row sum); training-free.
import { BaseRecommender } from "../base";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import type { Interactions } from "../../data/interactions";
import { ValidationError } from "../../errors";
import type { CsrMatrix } from "../../math/sparse";

export interface RandomWalkOptions {
  alpha: number;
  beta: number;
  topK: number;
  /** Rescale each kept row to sum 1. */
  normalize: boolean;
}

/** The sparse top-k similarity matrix (nItems × nItems) of the three-step walk. */
export function randomWalkSimilarity(train: Interactions, options: RandomWalkOptions, onRow?: (row: number) => void): CsrMatrix {
  const { alpha, beta, topK, normalize } = options;
  const nItems = train.nItems;
  const byItem = train.transpose();
  const userDegree = new Float64Array(train.nUsers);
  for (let u = 0; u < train.nUsers; u++) userDegree[u] = train.indptr[u + 1] - train.indptr[u];
  const itemDegree = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) itemDegree[i] = byItem.indptr[i + 1] - byItem.indptr[i];
  // P(u→j)^α for every user, pop(j)^−β for every item.
  const userStep = Float64Array.from(userDegree, (d) => (d > 0 ? Math.pow(1 / d, alpha) : 0));
  const popularity = Float64Array.from(itemDegree, (d) => (d > 0 ? Math.pow(d, -beta) : 0));

  const k = Math.min(topK, Math.max(0, nItems - 1));
  const indptr = new Int32Array(nItems + 1);
  const indices = new Int32Array(nItems * k);
  const values = new Float32Array(nItems * k);
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
  const heapIdx = new Int32Array(k);
  const heapVal = new Float64Array(k);
  let nnz = 0;
  for (let i = 0; i < nItems; i++) {
    let nTouched = 0;
    const first = itemDegree[i] > 0 ? Math.pow(1 / itemDegree[i], alpha) : 0;
    for (let a = byItem.indptr[i]; a < byItem.indptr[i + 1]; a++) {
      const u = byItem.indices[a];
      const w = first * userStep[u];
      for (let b = train.indptr[u]; b < train.indptr[u + 1]; b++) {
        const j = train.indices[b];
        if (acc[j] === 0) touched[nTouched++] = j;
        acc[j] += w;
      }
    }
    // Top-k of the row (min-heap on value; ties keep the lower index), diagonal excluded.
    let size = 0;
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      const v = acc[j] * popularity[j];
      acc[j] = 0;
      if (j === i || !(v > 0) || k === 0) continue;
      if (size < k) {
        let p = size++;
        while (p > 0) {
          const parent = (p - 1) >> 1;
          if (heapVal[parent] < v || (heapVal[parent] === v && heapIdx[parent] > j)) break;
          heapVal[p] = heapVal[parent];
          heapIdx[p] = heapIdx[parent];
          p = parent;
        }
        heapVal[p] = v;
        heapIdx[p] = j;
      } else if (heapVal[0] < v || (heapVal[0] === v && heapIdx[0] > j)) {
        let p = 0;
        for (;;) {
          const l = 2 * p + 1;
          if (l >= size) break;
          const r = l + 1;
          let c = l;
          if (r < size && (heapVal[r] < heapVal[l] || (heapVal[r] === heapVal[l] && heapIdx[r] > heapIdx[l]))) c = r;
          if (heapVal[c] > v || (heapVal[c] === v && heapIdx[c] < j)) break;
          heapVal[p] = heapVal[c];
          heapIdx[p] = heapIdx[c];
          p = c;
        }
        heapVal[p] = v;
        heapIdx[p] = j;
      }
    }
    // Store the row with ascending columns.
    const order = Array.from({ length: size }, (_, t) => t).sort((x, y) => heapIdx[x] - heapIdx[y]);
    let sum = 0;
    for (let t = 0; t < size; t++) sum += heapVal[t];
    const scale = normalize && sum > 0 ? 1 / sum : 1;
    for (const t of order) {
      indices[nnz] = heapIdx[t];
      values[nnz++] = heapVal[t] * scale;
    }
    indptr[i + 1] = nnz;
    onRow?.(i);
  }
  return { nRows: nItems, nCols: nItems, indptr, indices: indices.slice(0, nnz), values: values.slice(0, nnz) };
}

export const randomWalkParams = {
  alpha: { type: "float", default: 1, min: 0, max: 5, description: "Exponent α on the transition probabilities" },
  beta: { type: "float", default: 0.5, min: 0, max: 2, description: "Popularity penalty β: similarities to item j divided by pop(j)^β" },
  topK: { type: "int", default: 100, min: 1, max: 10000, description: "Neighbours kept per item" },
  normalize: { type: "bool", default: false, description: "Rescale each item's kept similarities to sum 1" },
} as const;

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: true,
  foldIn: true,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

/** A training-free item-based recommender on the random-walk similarity. */
/** Parameters of both models (P3α has no β: it is 0). */
export type RandomWalkParams = Omit<RandomWalkOptions, "beta"> & { beta?: number };

export abstract class RandomWalkRecommender<P extends RandomWalkParams = RandomWalkParams> extends BaseRecommender<P> {
  readonly capabilities = capabilities;
  private similarity: CsrMatrix = { nRows: 0, nCols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };
  private userIndptr: Int32Array = new Int32Array(1);
  private userItems: Int32Array = new Int32Array(0);

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const train = data.interactions;
    this.nUsers = train.nUsers;
    this.nItems = train.nItems;
    const report = Math.max(1, Math.floor(train.nItems / 10));
    this.similarity = randomWalkSimilarity(train, { ...this.params, beta: this.params.beta ?? 0 }, (row) => {
      if ((row + 1) % report === 0) {
        context.signal?.throwIfAborted();
        context.onProgress?.({ epoch: 0, epochs: 1, elapsed: (performance.now() - started) / 1000, message: `similarities ${row + 1}/${train.nItems} items` });
      }
    });
    this.userIndptr = train.indptr;
    this.userItems = train.indices;
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: `${this.similarity.indptr[train.nItems]} similarities kept` });
    return { epochs: 1, seconds, notes: { similarities: this.similarity.indptr[train.nItems], alpha: this.params.alpha, beta: this.params.beta ?? 0, topK: this.params.topK } };
  }

  /** The sparse item–item matrix W (rows: source items). */
  similarityMatrix(): CsrMatrix {
    return this.similarity;
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    out.fill(0);
    const s = this.userIndptr[user];
    this.accumulate(this.userItems.subarray(s, this.userIndptr[user + 1]), out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    out.fill(0);
    this.accumulate(profile.items, out);
  }

  private accumulate(items: ArrayLike<number>, out: Float32Array): void {
    const { indptr, indices, values } = this.similarity;
    for (let t = 0; t < items.length; t++) {
      const i = items[t];
      if (i < 0 || i >= this.nItems) continue;
      for (let k = indptr[i]; k < indptr[i + 1]; k++) out[indices[k]] += values[k];
    }
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    out.fill(0);
    const { indptr, indices, values } = this.similarity;
    for (let k = indptr[item]; k < indptr[item + 1]; k++) out[indices[k]] = values[k];
  }

  saveState(): ModelState {
    return {
      json: {},
      arrays: { indptr: this.similarity.indptr, indices: this.similarity.indices, values: this.similarity.values, userIndptr: this.userIndptr, userItems: this.userItems },
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const a = state.arrays;
    if (!(a.indptr instanceof Int32Array) || a.indptr.length !== shape.nItems + 1) throw new ValidationError("state.indptr", a.indptr?.length, `${shape.nItems + 1} row pointers`);
    if (!(a.userIndptr instanceof Int32Array) || a.userIndptr.length !== shape.nUsers + 1) throw new ValidationError("state.userIndptr", a.userIndptr?.length, `${shape.nUsers + 1} row pointers`);
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.similarity = { nRows: shape.nItems, nCols: shape.nItems, indptr: a.indptr, indices: a.indices as Int32Array, values: a.values as Float32Array };
    this.userIndptr = a.userIndptr;
    this.userItems = a.userItems as Int32Array;
  }
}
