// Full-ranking evaluation: every evaluated user's scores over the whole catalogue, their
// training items masked out (−∞), the best max(K) items selected with a partial top-K
// (src/math/topk.ts RowTopK; never a sort of the catalogue), then the metrics of
// src/eval/metrics.ts at each K.
// Users are scored in batches through model.scoreUsers into one reused buffer.
import type { Interactions } from "../data/interactions";
import type { Recommender } from "../models/types";
import { RANKING_METRICS, rankingScores, selfInformation, type RankingMetric, type Relevance } from "./metrics";
import { RowTopK } from "../math/topk";

export interface FullRankingOptions {
  /** Cut-offs, e.g. [10, 20]. */
  ks: readonly number[];
  /** Metrics to report (default: all six). */
  metrics?: readonly RankingMetric[];
  /** Also report coverage@k and novelty@k. */
  beyondAccuracy?: boolean;
  /** Only test interactions with value >= this are relevant (default: every test interaction). */
  minRelevantValue?: number;
  /** Users per scoreUsers call (default 256). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface FullRankingResult {
  /** Lower-case `name@k` keys, averaged over evaluated users. */
  metrics: Record<string, number>;
  /** Users with at least one relevant test item. */
  users: number;
  /** Lists shorter than max(K) (fewer scorable items than K; NaN or −∞ scores are skipped). */
  shortLists: number;
}

/** Users with at least one relevant test item, ascending. */
export function evaluatedUsers(test: Interactions, minRelevantValue?: number): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < test.nUsers; u++) {
    const start = test.indptr[u];
    const end = test.indptr[u + 1];
    if (minRelevantValue === undefined) {
      if (end > start) users.push(u);
      continue;
    }
    for (let k = start; k < end; k++) {
      if (test.values[k] >= minRelevantValue) {
        users.push(u);
        break;
      }
    }
  }
  return Int32Array.from(users);
}

/** A user's relevant items as a mark array over the catalogue (set for one user at a time). */
class MarkedRelevance implements Relevance {
  private readonly marks: Uint8Array;
  private items: number[] = [];
  size = 0;

  constructor(nItems: number) {
    this.marks = new Uint8Array(nItems);
  }

  setUser(test: Interactions, u: number, minRelevantValue: number | undefined): void {
    for (const item of this.items) this.marks[item] = 0;
    this.items = [];
    for (let k = test.indptr[u]; k < test.indptr[u + 1]; k++) {
      if (minRelevantValue !== undefined && !(test.values[k] >= minRelevantValue)) continue;
      this.marks[test.indices[k]] = 1;
      this.items.push(test.indices[k]);
    }
    this.size = this.items.length;
  }

  has(item: number): boolean {
    return this.marks[item] === 1;
  }
}

export async function evaluateFullRanking(model: Recommender, train: Interactions, test: Interactions, options: FullRankingOptions): Promise<FullRankingResult> {
  const nItems = train.nItems;
  if (test.nItems !== nItems || test.nUsers !== train.nUsers) throw new RangeError("train and test must share one catalogue (nUsers × nItems)");
  if (model.nItems !== nItems) throw new RangeError(`model ${model.name} scores ${model.nItems} items, the catalogue has ${nItems}`);
  const ks = [...options.ks];
  if (ks.length === 0) throw new RangeError("at least one k is needed");
  const kMax = Math.max(...ks);
  const metrics = options.metrics ?? RANKING_METRICS;
  const users = evaluatedUsers(test, options.minRelevantValue);
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 256, users.length || 1));
  const scores = new Float32Array(batchSize * nItems);
  const relevance = new MarkedRelevance(nItems);
  const selector = new RowTopK(kMax);

  const sums = ks.map(() => ({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 }));
  const recommended = options.beyondAccuracy ? ks.map(() => new Uint8Array(nItems)) : undefined;
  const noveltySum = new Float64Array(ks.length);
  const noveltyCount = new Float64Array(ks.length);
  const degrees = options.beyondAccuracy ? train.itemDegrees() : undefined;
  const selfInfo = degrees ? Float64Array.from(degrees, (d) => selfInformation(d, train.nUsers)) : undefined;
  let shortLists = 0;

  for (let start = 0; start < users.length; start += batchSize) {
    const batch = users.subarray(start, Math.min(start + batchSize, users.length));
    const out = scores.subarray(0, batch.length * nItems);
    model.scoreUsers(batch, out);
    for (let r = 0; r < batch.length; r++) {
      const u = batch[r];
      const offset = r * nItems;
      for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) out[offset + train.indices[k]] = Number.NEGATIVE_INFINITY;
      selector.select(out, offset, nItems);
      const ranked = selector.indices;
      if (ranked.length < kMax) shortLists++;
      relevance.setUser(test, u, options.minRelevantValue);
      for (let j = 0; j < ks.length; j++) {
        const s = rankingScores(ranked, relevance, ks[j]);
        const sum = sums[j];
        sum.precision += s.precision;
        sum.recall += s.recall;
        sum.ndcg += s.ndcg;
        sum.hr += s.hr;
        sum.mrr += s.mrr;
        sum.map += s.map;
        if (recommended && selfInfo) {
          const n = Math.min(ks[j], ranked.length);
          const seen = recommended[j];
          for (let p = 0; p < n; p++) {
            seen[ranked[p]] = 1;
            noveltySum[j] += selfInfo[ranked[p]];
          }
          noveltyCount[j] += n;
        }
      }
    }
    options.onProgress?.(start + batch.length, users.length);
    // Let timers (progress bars, signals) run between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const result: Record<string, number> = {};
  const n = users.length;
  ks.forEach((k, j) => {
    for (const name of metrics) result[`${name}@${k}`] = n > 0 ? sums[j][name] / n : 0;
    if (recommended) {
      let distinct = 0;
      for (const flag of recommended[j]) distinct += flag;
      result[`coverage@${k}`] = nItems > 0 ? distinct / nItems : 0;
      result[`novelty@${k}`] = noveltyCount[j] > 0 ? noveltySum[j] / noveltyCount[j] : 0;
    }
  });
  return { metrics: result, users: n, shortLists };
}
