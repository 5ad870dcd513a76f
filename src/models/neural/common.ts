// Pieces the neural models share beyond the training kit and TfRecommender: their validation
// split setting, the rating range predictions are clipped to, and dense rows of a sparse matrix
// with the autoencoders' input transformations (binarise, L2-normalise, dropout).
import type { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";

/** The validationFraction setting (a seeded per-user holdout for early stopping); `description` says what it is used for. */
export function validationFractionParam(description: string) {
  return { type: "float", default: 0.1, min: 0, max: 0.5, description } as const;
}

/** The smallest and largest value of a matrix (the rating scale predictions are clipped to). */
export function valueRange(data: Interactions): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < data.nnz; k++) {
    const v = data.values[k];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.nnz > 0 ? { min, max } : { min: 0, max: 1 };
}

export interface DenseRowOptions {
  /** Every stored entry counts as 1 (implicit feedback) instead of its value. */
  binary?: boolean;
  /** Divide each row by its L2 norm (before dropout). */
  normalize?: boolean;
  /** Input dropout: each stored entry is zeroed with this probability, kept ones scaled by 1/(1 − rate). */
  dropRate?: number;
  rng?: Rng;
}

/**
 * Rows `rows` of a CSR matrix as a dense row-major block in `out` (width = nItems), with the
 * entry transformations of the autoencoders. Only stored entries are visited (dropout of a zero
 * is a no-op), so corrupting a batch costs O(nnz), not O(rows × nItems).
 */
export function denseRows(data: Interactions, rows: ArrayLike<number>, out: Float32Array, options: DenseRowOptions = {}): void {
  const width = data.nItems;
  out.fill(0, 0, rows.length * width);
  const rate = options.dropRate ?? 0;
  const keepScale = rate > 0 ? 1 / (1 - rate) : 1;
  const rng = options.rng;
  if (rate > 0 && !rng) throw new Error("denseRows: dropout needs a seeded generator");
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const start = data.indptr[row];
    const end = data.indptr[row + 1];
    let scale = keepScale;
    if (options.normalize) {
      let norm = 0;
      for (let k = start; k < end; k++) {
        const v = options.binary ? 1 : data.values[k];
        norm += v * v;
      }
      if (norm > 0) scale /= Math.sqrt(norm);
    }
    const base = r * width;
    for (let k = start; k < end; k++) {
      if (rate > 0 && rng!.next() < rate) continue;
      out[base + data.indices[k]] = (options.binary ? 1 : data.values[k]) * scale;
    }
  }
}
