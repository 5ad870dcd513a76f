// Rating prediction error on a test matrix: RMSE and MAE of model.predict(u, i) against the
// held-out ratings. Predictions are clipped to the training rating range (a predictor is used
// that way in practice; the count of clipped predictions is reported). A non-finite prediction
// is a model bug and stops the evaluation of that model.
import type { Interactions } from "../data/interactions";
import { AppError } from "../errors";
import type { Recommender } from "../models/types";

export interface RatingResult {
  metrics: { rmse: number; mae: number };
  predictions: number;
  clipped: number;
}

/** Smallest and largest value in the matrix ([0, 0] when empty). */
export function valueRange(data: Interactions): [number, number] {
  if (data.nnz === 0) return [0, 0];
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of data.values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function evaluateRatings(model: Recommender, test: Interactions, range: [number, number]): RatingResult {
  const [lo, hi] = range;
  let squared = 0;
  let absolute = 0;
  let clipped = 0;
  for (let u = 0; u < test.nUsers; u++) {
    for (let k = test.indptr[u]; k < test.indptr[u + 1]; k++) {
      const item = test.indices[k];
      let p = model.predict(u, item);
      if (!Number.isFinite(p)) {
        throw new AppError("INTERNAL", `model ${model.name} predicted ${p} for user index ${u}, item index ${item}`, { model: model.name, user: u, item });
      }
      if (p < lo) {
        p = lo;
        clipped++;
      } else if (p > hi) {
        p = hi;
        clipped++;
      }
      const error = p - test.values[k];
      squared += error * error;
      absolute += Math.abs(error);
    }
  }
  const n = test.nnz;
  return { metrics: { rmse: n > 0 ? Math.sqrt(squared / n) : 0, mae: n > 0 ? absolute / n : 0 }, predictions: n, clipped };
}
