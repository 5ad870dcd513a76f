// Sampled leave-one-out evaluation (the NCF and SASRec papers' protocol): each test user's one
// held-out item is ranked against `negatives` items the user never interacted with (in train
// or test), drawn uniformly without replacement with a seeded generator. The candidates are
// drawn once and shared by every model, so models are compared on the same lists.
import type { Interactions } from "../data/interactions";
import { createRng } from "../math/random";
import type { Recommender } from "../models/types";
import { hitAtRank, ndcgAtRank, sampledRank } from "./metrics";

export interface SampledCandidates {
  /** Test users, ascending. */
  users: Int32Array;
  /** Held-out item per test user. */
  targets: Int32Array;
  /** Row pointers into `negatives` (users.length + 1). */
  indptr: Int32Array;
  negatives: Int32Array;
}

/**
 * For every user with exactly one test item: that item and `count` sampled negatives, never
 * an item of the user in `all` (train ∪ test). Users with fewer unseen items get all of them.
 */
export function sampleCandidates(all: Interactions, test: Interactions, count: number, seed: number): SampledCandidates {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const rng = createRng(seed);
  const users: number[] = [];
  const targets: number[] = [];
  for (let u = 0; u < test.nUsers; u++) {
    if (test.userDegree(u) !== 1) continue;
    users.push(u);
    targets.push(test.indices[test.indptr[u]]);
  }
  const nItems = all.nItems;
  const indptr = new Int32Array(users.length + 1);
  const negatives: number[] = [];
  const marked = new Uint8Array(nItems);
  for (let r = 0; r < users.length; r++) {
    const seen = all.userItems(users[r]);
    for (const item of seen) marked[item] = 1;
    const available = nItems - seen.length;
    const picked: number[] = [];
    if (available <= count) {
      for (let i = 0; i < nItems; i++) if (marked[i] === 0) picked.push(i);
    } else if (available > 2 * count) {
      // Rejection sampling: cheap when most of the catalogue is unseen.
      while (picked.length < count) {
        const item = rng.int(nItems);
        if (marked[item] !== 0) continue;
        marked[item] = 2;
        picked.push(item);
      }
    } else {
      const pool = new Int32Array(available);
      let p = 0;
      for (let i = 0; i < nItems; i++) if (marked[i] === 0) pool[p++] = i;
      // Partial Fisher–Yates: the first `count` of a shuffled pool.
      for (let j = 0; j < count; j++) {
        const swap = j + rng.int(available - j);
        const tmp = pool[j];
        pool[j] = pool[swap];
        pool[swap] = tmp;
        picked.push(pool[j]);
      }
    }
    for (const item of seen) marked[item] = 0;
    for (const item of picked) marked[item] = 0;
    negatives.push(...picked);
    indptr[r + 1] = negatives.length;
  }
  return { users: Int32Array.from(users), targets: Int32Array.from(targets), indptr, negatives: Int32Array.from(negatives) };
}

export interface SampledOptions {
  ks: readonly number[];
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SampledResult {
  metrics: Record<string, number>;
  users: number;
}

/** hr@k and ndcg@k of each held-out item among its candidates, averaged over test users. */
export async function evaluateSampled(model: Recommender, candidates: SampledCandidates, options: SampledOptions): Promise<SampledResult> {
  const nItems = model.nItems;
  const { users, targets, indptr, negatives } = candidates;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 256, users.length || 1));
  const scores = new Float32Array(batchSize * nItems);
  const ks = [...options.ks];
  const hr = new Float64Array(ks.length);
  const ndcg = new Float64Array(ks.length);
  let negativeScores = new Float32Array(0);
  for (let start = 0; start < users.length; start += batchSize) {
    const batch = users.subarray(start, Math.min(start + batchSize, users.length));
    const out = scores.subarray(0, batch.length * nItems);
    model.scoreUsers(batch, out);
    for (let r = 0; r < batch.length; r++) {
      const row = start + r;
      const offset = r * nItems;
      const from = indptr[row];
      const width = indptr[row + 1] - from;
      if (negativeScores.length < width) negativeScores = new Float32Array(width);
      for (let c = 0; c < width; c++) negativeScores[c] = out[offset + negatives[from + c]];
      const rank = sampledRank(out[offset + targets[row]], negativeScores.subarray(0, width));
      for (let j = 0; j < ks.length; j++) {
        hr[j] += hitAtRank(rank, ks[j]);
        ndcg[j] += ndcgAtRank(rank, ks[j]);
      }
    }
    options.onProgress?.(start + batch.length, users.length);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const metrics: Record<string, number> = {};
  const n = users.length;
  ks.forEach((k, j) => {
    metrics[`hr@${k}`] = n > 0 ? hr[j] / n : 0;
    metrics[`ndcg@${k}`] = n > 0 ? ndcg[j] / n : 0;
  });
  return { metrics, users: n };
}
