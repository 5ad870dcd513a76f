// Validation during training: the held-out part (a seeded per-user holdout carved from the
// training data, or a given matrix), the users ranked at each check, and the metrics. Ranking
// metrics are those of src/eval/metrics.ts over the full catalogue with training items excluded,
// so "recall@20" means the same thing in a validation curve as in an evaluation report
// (recall = hits / |relevant|, the LightGCN/NGCF definition; NDCG with binary gains).
import { ValidationError } from "../../errors";
import { holdoutSplit } from "../../data/splits";
import type { Interactions } from "../../data/interactions";
import { rankingScores, type Relevance } from "../../eval/metrics";
import type { Rng } from "../../math/random";
import { RowTopK } from "../../math/topk";
import { rowOfEntries } from "./samplers";

/** The validation part: an explicit matrix, or a seeded per-user holdout (users with ≥ 3 interactions) carved from train. */
export function validationSplit(train: Interactions, options: { validation?: Interactions; fraction: number; seed: number }): { train: Interactions; validation: Interactions | undefined } {
  if (options.validation) {
    const v = options.validation;
    if (v.nUsers !== train.nUsers || v.nItems !== train.nItems) {
      throw new ValidationError("validation", `${v.nUsers}×${v.nItems}`, `the training shape ${train.nUsers}×${train.nItems}`);
    }
    return { train, validation: v };
  }
  if (options.fraction <= 0) return { train, validation: undefined };
  const split = holdoutSplit(train, options.fraction, options.seed, 3);
  return split.test.nnz > 0 ? { train: split.train, validation: split.test } : { train, validation: undefined };
}

/** Users with held-out interactions; at most `max` of them (a seeded sample, ascending); max ≤ 0: all. */
export function validationUsers(heldOut: Interactions, max: number, rng: Rng): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < heldOut.nUsers; u++) if (heldOut.indptr[u + 1] > heldOut.indptr[u]) users.push(u);
  const all = Int32Array.from(users);
  if (max <= 0 || all.length <= max) return all;
  return rng.shuffle(all).slice(0, max).sort();
}

/** One user's held-out items as marks over the catalogue (the Relevance view eval/metrics takes). */
class HeldOutItems implements Relevance {
  private readonly marks: Uint8Array;
  private current: Int32Array = new Int32Array(0);

  constructor(nItems: number) {
    this.marks = new Uint8Array(nItems);
  }

  get size(): number {
    return this.current.length;
  }

  of(items: Int32Array): this {
    for (let t = 0; t < this.current.length; t++) this.marks[this.current[t]] = 0;
    for (let t = 0; t < items.length; t++) this.marks[items[t]] = 1;
    this.current = items;
    return this;
  }

  has(item: number): boolean {
    return this.marks[item] === 1;
  }
}

/**
 * Mean Recall@k and NDCG@k (src/eval/metrics.ts rankingScores) of full-catalogue rankings for
 * `users`, their training items excluded; the top k by RowTopK (equal scores: lower index
 * first). `score(users, out)` fills users.length × nItems scores (a batch of at most `batch`
 * users per call). Users without held-out items count as 0.
 */
export function rankingValidation(score: (users: Int32Array, out: Float32Array) => void, train: Interactions, heldOut: Interactions, users: Int32Array, k = 20, batch = 512): Record<string, number> {
  const n = train.nItems;
  const scores = new Float32Array(Math.min(batch, Math.max(1, users.length)) * n);
  const selector = new RowTopK(k);
  const relevant = new HeldOutItems(n);
  const { indptr, indices } = train;
  let recall = 0;
  let ndcg = 0;
  for (let start = 0; start < users.length; start += batch) {
    const part = users.subarray(start, start + batch);
    const out = scores.subarray(0, part.length * n);
    score(part, out);
    for (let r = 0; r < part.length; r++) {
      const u = part[r];
      const offset = r * n;
      for (let e = indptr[u]; e < indptr[u + 1]; e++) out[offset + indices[e]] = Number.NEGATIVE_INFINITY;
      selector.select(out, offset, n);
      const s = rankingScores(selector.indices, relevant.of(heldOut.userItems(u)), k);
      recall += s.recall;
      ndcg += s.ndcg;
    }
  }
  const count = Math.max(1, users.length);
  return { [`recall@${k}`]: recall / count, [`ndcg@${k}`]: ndcg / count };
}

/** Root mean squared error of `predict` on every (user, item, rating) of `test`. */
export function rmseValidation(test: Interactions, predict: (users: Int32Array, items: Int32Array, out: Float32Array) => void): number {
  const users = rowOfEntries(test);
  const out = new Float32Array(test.nnz);
  predict(users, test.indices, out);
  let sum = 0;
  for (let e = 0; e < test.nnz; e++) {
    const d = out[e] - test.values[e];
    sum += d * d;
  }
  return Math.sqrt(sum / Math.max(1, test.nnz));
}
