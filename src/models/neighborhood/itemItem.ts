// Item-to-item models (item kNN, EASE, P3α and RP3β): an item–item matrix W learned or computed
// once, and a user scored as the sum of the rows of the items in their history,
//   score(u, j) = Σ_(i∈R(u)) w_ui · W_ij,   w_ui = 1 (binary) or r_ui − offset,
// so fold-in of any history is the same formula and similar items are a row of W. W is either
// sparse (each item's kept neighbours, CSR) or dense (row-major nItems × nItems); both are saved
// with the training rows. Not a model itself: the models extend ItemItemRecommender.
import type { CsrMatrix } from "../../math/sparse";
import { topK, type TopK } from "../../math/topk";
import { ValidationError } from "../../errors";
import { capabilities } from "../definition";
import { HistoryRecommender, type History } from "../history";
import type { ModelState } from "../types";

export const ITEM_ITEM_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn");

/** W: sparse rows (CSR over items) or a dense row-major nItems × nItems array. */
export type ItemMatrix = CsrMatrix | Float32Array;

export function emptySparse(): CsrMatrix {
  return { nRows: 0, nCols: 0, indptr: new Int32Array(1), indices: new Int32Array(0), values: new Float32Array(0) };
}

/**
 * The k largest positive entries of one similarity row, best first (equal values: the lower
 * index first), chosen by src/math/topk.ts among `columns` (the row's non-zero columns).
 */
export function topPositive(row: Float64Array, columns: Int32Array, k: number): TopK {
  return topK(row, k, { candidates: columns, accept: (j) => row[j] > 0 });
}

export abstract class ItemItemRecommender<P extends object> extends HistoryRecommender<P> {
  readonly capabilities = ITEM_ITEM_CAPABILITIES;
  protected weights: ItemMatrix = emptySparse();
  /** Saved names of W's arrays: one for a dense W; row pointers, columns and values for a sparse one (the names used before this class). */
  protected abstract readonly matrixNames: readonly [string] | readonly [string, string, string];

  /** True: w_ui = 1 for every history item; false: its value minus historyOffset. */
  protected abstract binaryHistory(): boolean;

  /** Subtracted from every history value when not binary (item kNN's adjusted cosine centres on the user's mean). */
  protected historyOffset(_history: History): number {
    return 0;
  }

  protected scoreHistory(history: History, out: Float32Array): void {
    const n = this.nItems;
    const w = this.weights;
    const binary = this.binaryHistory();
    const offset = binary ? 0 : this.historyOffset(history);
    const { items, values, start, end } = history;
    out.fill(0, 0, n);
    for (let t = start; t < end; t++) {
      const i = items[t];
      if (i < 0 || i >= n) continue;
      const weight = binary ? 1 : values[t] - offset;
      // Adding 0 · W_i· changes nothing (W is finite).
      if (weight === 0) continue;
      if (w instanceof Float32Array) {
        const row = i * n;
        for (let j = 0; j < n; j++) out[j] += weight * w[row + j];
      } else {
        const { indptr, indices, values: sims } = w;
        for (let p = indptr[i]; p < indptr[i + 1]; p++) out[indices[p]] += weight * sims[p];
      }
    }
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    const n = this.nItems;
    const w = this.weights;
    if (w instanceof Float32Array) {
      out.set(w.subarray(item * n, (item + 1) * n));
      return;
    }
    out.fill(0, 0, n);
    for (let p = w.indptr[item]; p < w.indptr[item + 1]; p++) out[w.indices[p]] = w.values[p];
  }

  saveState(): ModelState {
    const history = this.historyArrays();
    const w = this.weights;
    const names = this.matrixNames;
    if (names.length === 1) return { json: {}, arrays: { [names[0]]: w as Float32Array, ...history } };
    const { indptr, indices, values } = w as CsrMatrix;
    return { json: {}, arrays: { [names[0]]: indptr, [names[1]]: indices, [names[2]]: values, ...history } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const a = state.arrays;
    const n = shape.nItems;
    const names = this.matrixNames;
    if (names.length === 1) {
      const dense = a[names[0]];
      if (!(dense instanceof Float32Array) || dense.length !== n * n) throw new ValidationError(`state.${names[0]}`, dense?.length, `${n * n} float32 weights`);
      this.weights = dense;
    } else {
      const indptr = a[names[0]];
      if (!(indptr instanceof Int32Array) || indptr.length !== n + 1) throw new ValidationError(`state.${names[0]}`, indptr?.length, `${n + 1} row pointers`);
      this.weights = { nRows: n, nCols: n, indptr, indices: a[names[1]] as Int32Array, values: a[names[2]] as Float32Array };
    }
    this.loadHistory(a, shape.nUsers, n);
    this.nUsers = shape.nUsers;
    this.nItems = n;
  }

  override dispose(): void {
    super.dispose();
    this.weights = emptySparse();
  }
}
