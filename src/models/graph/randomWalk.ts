// Item–item similarity from three-step random walks on the user–item graph, shared by P3α and
// RP3β (see p3alpha.ts and rp3beta.ts for the papers and the rules).
//
//   W_ij = ( Σ_u P(i→u)^α · P(u→j)^α ) / pop(j)^β,   P(i→u) = 1/deg(i), P(u→j) = 1/deg(u)
//
// computed row by row on the CSR (cost Σ_u deg(u)²), the diagonal dropped, the `topK` largest
// entries of each row kept as a sparse CSR matrix (rows optionally rescaled to sum 1). Scores
// of a user are Σ over the user's items i of W_i· (a sparse row sum); training-free.
import type { Interactions } from "../../data/interactions";
import type { CsrMatrix } from "../../math/sparse";
import type { FitContext, FitReport, TrainingData } from "../types";
import { FLOAT32_BYTES, INT32_BYTES, trainingMatrix, type DataShape, type MemoryTerm } from "../memory";
import { ITEM_ITEM_CAPABILITIES, ItemItemRecommender, topPositive } from "../neighborhood/itemItem";

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
  // acc: the walk's arrival mass at each item of row i, then its score; cleared after the row.
  const acc = new Float64Array(nItems);
  const touched = new Int32Array(nItems);
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
    for (let t = 0; t < nTouched; t++) acc[touched[t]] *= popularity[touched[t]];
    acc[i] = 0; // the diagonal is dropped
    // Top-k of the row (ties keep the lower index), stored with ascending columns.
    const kept = topPositive(acc, touched.subarray(0, nTouched), k).indices;
    let sum = 0;
    for (let t = 0; t < kept.length; t++) sum += acc[kept[t]];
    const scale = normalize && sum > 0 ? 1 / sum : 1;
    for (const j of kept.sort()) {
      indices[nnz] = j;
      values[nnz++] = acc[j] * scale;
    }
    for (let t = 0; t < nTouched; t++) acc[touched[t]] = 0;
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

/**
 * A random-walk fit: the walk over the matrix and its cached transpose, per-user and per-item
 * degrees and steps (float64), the row accumulator, and the topK neighbour lists (built, then sliced to size).
 */
export function randomWalkMemory(shape: DataShape, p: { topK: number }): MemoryTerm[] {
  const kept = shape.items * Math.min(p.topK, Math.max(0, shape.items - 1));
  return [
    trainingMatrix(shape),
    { what: "degrees, walk steps and the row accumulator", bytes: 16 * shape.users + 28 * shape.items },
    { what: `neighbour lists (${p.topK} per item, built and sliced)`, bytes: 2 * (INT32_BYTES + FLOAT32_BYTES) * kept },
  ];
}

/** Parameters of both models (P3α has no β: it is 0). */
export type RandomWalkParams = Omit<RandomWalkOptions, "beta"> & { beta?: number };

/** What P3α and RP3β declare alike (their definitions add name, description, paper and parameters). */
export const RANDOM_WALK_MODEL = { family: "graph", feedback: "implicit", capabilities: ITEM_ITEM_CAPABILITIES, fastParams: { topK: 20 } } as const;

/** A training-free item-based recommender on the random-walk similarity (P3α, RP3β). */
export class RandomWalkRecommender<P extends RandomWalkParams> extends ItemItemRecommender<P> {
  protected readonly matrixNames = ["indptr", "indices", "values"] as const;
  // The walk reads only which items a user has: the values are not saved.
  protected override readonly historyNames = ["userIndptr", "userItems"];

  constructor(
    readonly name: string,
    params: P,
  ) {
    super(params);
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const train = data.interactions;
    this.useTraining(train);
    const report = Math.max(1, Math.floor(train.nItems / 10));
    const similarity = randomWalkSimilarity(train, { ...this.params, beta: this.params.beta ?? 0 }, (row) => {
      if ((row + 1) % report === 0) {
        context.signal?.throwIfAborted();
        context.onProgress?.({ epoch: 0, epochs: 1, elapsed: (performance.now() - started) / 1000, message: `similarities ${row + 1}/${train.nItems} items` });
      }
    });
    this.weights = similarity;
    const kept = similarity.indptr[train.nItems];
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: `${kept} similarities kept` });
    return { epochs: 1, seconds, notes: { similarities: kept, alpha: this.params.alpha, beta: this.params.beta ?? 0, topK: this.params.topK } };
  }

  protected binaryHistory(): boolean {
    return true;
  }
}
