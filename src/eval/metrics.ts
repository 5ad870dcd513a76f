// Evaluation metrics as pure functions of one ranked list (or one set of predictions).
//
// Definitions (binary relevance; `ranked` is best-first, items unique; only its first k
// entries count; a list shorter than k simply has fewer hits):
//   precision@k = hits@k / k                       (k, not the list length, is the denominator)
//   recall@k    = hits@k / |relevant|              (LightGCN's definition)
//   ndcg@k      = DCG@k / IDCG@k, DCG@k = Σ_{r<k, ranked[r] relevant} 1 / log2(r + 2),
//                 IDCG@k = Σ_{r < min(|relevant|, k)} 1 / log2(r + 2)
//   hr@k        = 1 when hits@k > 0, else 0
//   mrr@k       = 1 / (r + 1) for the first relevant position r < k, else 0
//   map@k       = Σ_{r<k, ranked[r] relevant} precision@(r+1) / min(|relevant|, k)
// With no relevant items every ranking metric is 0 (the harness leaves such users out of the
// averages, so this only matters to direct callers).
//
// Sampled ranking (one held-out target among sampled candidates): rank = number of candidates
// whose score is not below the target's (ties count against the target, a NaN candidate too);
// hr@k = rank < k, ndcg@k = 1 / log2(rank + 2) when rank < k.
//
// Beyond accuracy: coverage@k = distinct recommended items / catalogue size; novelty = mean
// self-information −log2(popularity) of recommended items, popularity = fraction of users who
// interacted with the item in train (an item nobody interacted with counts as one user).

/** Anything with `has` and `size` (a Set, or the harness's mark-array view). */
export interface Relevance {
  has(item: number): boolean;
  readonly size: number;
}

export interface RankingScores {
  precision: number;
  recall: number;
  ndcg: number;
  hr: number;
  mrr: number;
  map: number;
}

export const RANKING_METRICS = ["precision", "recall", "ndcg", "hr", "mrr", "map"] as const;
export type RankingMetric = (typeof RANKING_METRICS)[number];

/** 1 / log2(r + 2) for r = 0..n−1, shared by DCG and IDCG. */
let discounts = new Float64Array(0);
function discount(rank: number): number {
  if (rank >= discounts.length) {
    const next = new Float64Array(Math.max(rank + 1, discounts.length * 2, 64));
    for (let r = 0; r < next.length; r++) next[r] = 1 / Math.log2(r + 2);
    discounts = next;
  }
  return discounts[rank];
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/** All six ranking metrics of one list at cut-off k, in one pass over the first k items. */
export function rankingScores(ranked: ArrayLike<number>, relevant: Relevance, k: number): RankingScores {
  checkK(k);
  const nRelevant = relevant.size;
  if (nRelevant === 0) return { precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 };
  const n = Math.min(k, ranked.length);
  let hits = 0;
  let dcg = 0;
  let firstHit = -1;
  let sumPrecision = 0;
  for (let r = 0; r < n; r++) {
    if (!relevant.has(ranked[r])) continue;
    hits++;
    dcg += discount(r);
    if (firstHit < 0) firstHit = r;
    sumPrecision += hits / (r + 1);
  }
  const ideal = Math.min(nRelevant, k);
  let idcg = 0;
  for (let r = 0; r < ideal; r++) idcg += discount(r);
  return {
    precision: hits / k,
    recall: hits / nRelevant,
    ndcg: dcg / idcg,
    hr: hits > 0 ? 1 : 0,
    mrr: firstHit >= 0 ? 1 / (firstHit + 1) : 0,
    map: sumPrecision / ideal,
  };
}

export const precisionAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).precision;
export const recallAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).recall;
export const ndcgAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).ndcg;
export const hitRateAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).hr;
export const reciprocalRankAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).mrr;
export const averagePrecisionAtK = (ranked: ArrayLike<number>, relevant: Relevance, k: number): number => rankingScores(ranked, relevant, k).map;

/**
 * Rank (0 = best) of the target among sampled candidates: how many candidates score at least
 * as high as the target. A NaN target ranks below every candidate.
 */
export function sampledRank(targetScore: number, candidateScores: ArrayLike<number>): number {
  let rank = 0;
  for (let c = 0; c < candidateScores.length; c++) if (!(candidateScores[c] < targetScore)) rank++;
  return rank;
}

export function hitAtRank(rank: number, k: number): number {
  checkK(k);
  return rank < k ? 1 : 0;
}

export function ndcgAtRank(rank: number, k: number): number {
  checkK(k);
  return rank < k ? discount(rank) : 0;
}

/** Root mean squared error; 0 for empty input. */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  sameLength(predicted, actual);
  if (predicted.length === 0) return 0;
  let sum = 0;
  for (let k = 0; k < predicted.length; k++) sum += (predicted[k] - actual[k]) ** 2;
  return Math.sqrt(sum / predicted.length);
}

/** Mean absolute error; 0 for empty input. */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  sameLength(predicted, actual);
  if (predicted.length === 0) return 0;
  let sum = 0;
  for (let k = 0; k < predicted.length; k++) sum += Math.abs(predicted[k] - actual[k]);
  return sum / predicted.length;
}

function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`predicted has ${a.length} values, actual ${b.length}`);
}

/** Fraction of the catalogue that appears in at least one list. */
export function catalogueCoverage(lists: Iterable<ArrayLike<number>>, nItems: number): number {
  if (nItems <= 0) return 0;
  const seen = new Uint8Array(nItems);
  let distinct = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      const item = list[r];
      if (seen[item] === 0) {
        seen[item] = 1;
        distinct++;
      }
    }
  }
  return distinct / nItems;
}

/** −log2 of the fraction of users who interacted with the item (0 interactions count as 1). */
export function selfInformation(itemDegree: number, nUsers: number): number {
  if (nUsers <= 0) throw new RangeError(`nUsers must be positive, got ${nUsers}`);
  return -Math.log2(Math.max(itemDegree, 1) / nUsers);
}

/** Mean self-information of every recommended item over all lists; 0 when the lists are empty. */
export function novelty(lists: Iterable<ArrayLike<number>>, itemDegrees: ArrayLike<number>, nUsers: number): number {
  let sum = 0;
  let count = 0;
  for (const list of lists) {
    for (let r = 0; r < list.length; r++) {
      sum += selfInformation(itemDegrees[list[r]], nUsers);
      count++;
    }
  }
  return count === 0 ? 0 : sum / count;
}
