// Shared fixtures of the factor-model tests: planted low-rank ratings and RMSE on a MovieLens 100K fold.
import { Interactions } from "../../src/data/interactions";
import { loadEvalData } from "../../src/eval";
import { createRng } from "../../src/math/random";
import { createModel } from "../../src/models/registry";
import type { Recommender } from "../../src/models/types";
import { datasetPath } from "../helpers/datasets";

/** Ratings from a planted rank-2 model plus noise, rounded to 1..5, on 70 % of the cells. */
export function lowRankRatings(nUsers = 60, nItems = 50, seed = 5): Interactions {
  const rng = createRng(seed);
  const p = Array.from({ length: nUsers * 2 }, () => rng.normal());
  const q = Array.from({ length: nItems * 2 }, () => rng.normal());
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.next() > 0.7) continue;
      const r = 3 + 0.8 * (p[2 * u] * q[2 * i] + p[2 * u + 1] * q[2 * i + 1]) + 0.2 * rng.normal();
      users.push(u);
      items.push(i);
      values.push(Math.min(5, Math.max(1, Math.round(r))));
    }
  }
  return Interactions.fromTriples(nUsers, nItems, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
}

export async function foldRmse(name: string, params: Record<string, unknown>, fold = 0): Promise<number> {
  const data = await loadEvalData({ format: "movielens-100k", path: datasetPath("ml-100k")!, protocol: "rating-5fold" });
  const split = data.givenSplits![fold];
  const model = createModel(name, params);
  await model.fit({ interactions: split.train, implicit: false }, { seed: 42 });
  return rmse(model, split.test);
}

export function rmse(model: Recommender, test: Interactions): number {
  let sse = 0;
  for (let u = 0; u < test.nUsers; u++) {
    for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) sse += (model.predict(u, test.indices[p]) - test.values[p]) ** 2;
  }
  return Math.sqrt(sse / test.nnz);
}
