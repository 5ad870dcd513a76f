// Metrics against values computed by hand (the arithmetic is in the comments).
import { describe, expect, it } from "vitest";
import {
  averagePrecisionAtK,
  catalogueCoverage,
  hitAtRank,
  hitRateAtK,
  mae,
  ndcgAtK,
  ndcgAtRank,
  novelty,
  precisionAtK,
  rankingScores,
  recallAtK,
  reciprocalRankAtK,
  rmse,
  sampledRank,
  selfInformation,
} from "../../src/eval/metrics";
import { createRng } from "../../src/math/random";
import { RowTopK, topK } from "../../src/math/topk";

const log2 = Math.log2;

describe("ranking metrics", () => {
  // ranked 3 1 4 5 9; relevant {1, 5, 7}: hits at positions 1 and 3 (0-based)
  const ranked = Int32Array.from([3, 1, 4, 5, 9]);
  const relevant = new Set([1, 5, 7]);

  it("at k = 5", () => {
    expect(precisionAtK(ranked, relevant, 5)).toBeCloseTo(2 / 5, 12);
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 12);
    // DCG = 1/log2(3) + 1/log2(5); IDCG over min(3, 5) = 3 positions: 1 + 1/log2(3) + 1/log2(4)
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo((1 / log2(3) + 1 / log2(5)) / (1 + 1 / log2(3) + 0.5), 12);
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(0.498193, 5);
    expect(hitRateAtK(ranked, relevant, 5)).toBe(1);
    expect(reciprocalRankAtK(ranked, relevant, 5)).toBe(0.5);
    // AP: precision at the hits 1/2 and 2/4, summed 1.0, over min(3, 5) = 3
    expect(averagePrecisionAtK(ranked, relevant, 5)).toBeCloseTo(1 / 3, 12);
  });

  it("at k = 2 only the first two items count", () => {
    const s = rankingScores(ranked, relevant, 2);
    expect(s.precision).toBeCloseTo(0.5, 12);
    expect(s.recall).toBeCloseTo(1 / 3, 12);
    // DCG = 1/log2(3); IDCG over min(3, 2) = 2: 1 + 1/log2(3)
    expect(s.ndcg).toBeCloseTo(1 / log2(3) / (1 + 1 / log2(3)), 12);
    expect(s.mrr).toBe(0.5);
    // AP: 1/2 at the hit, over min(3, 2) = 2
    expect(s.map).toBeCloseTo(0.25, 12);
  });

  it("k larger than the list: precision still divides by k", () => {
    const s = rankingScores(Int32Array.from([1]), new Set([1, 2]), 10);
    expect(s.precision).toBeCloseTo(0.1, 12);
    expect(s.recall).toBeCloseTo(0.5, 12);
    // DCG 1; IDCG over min(2, 10) = 2: 1 + 1/log2(3)
    expect(s.ndcg).toBeCloseTo(1 / (1 + 1 / log2(3)), 12);
    expect(s.hr).toBe(1);
    expect(s.mrr).toBe(1);
    expect(s.map).toBeCloseTo(0.5, 12);
    expect(rankingScores(new Int32Array(0), new Set([1]), 5)).toEqual({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 });
  });

  it("no relevant items, and no hits, give zeros", () => {
    expect(rankingScores(ranked, new Set<number>(), 5)).toEqual({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 });
    expect(rankingScores(ranked, new Set([100]), 5)).toEqual({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 });
  });

  it("a perfect ranking scores 1 on ndcg, recall, map", () => {
    const s = rankingScores(Int32Array.from([7, 8, 9, 1]), new Set([7, 8, 9]), 3);
    expect(s.ndcg).toBeCloseTo(1, 12);
    expect(s.recall).toBeCloseTo(1, 12);
    expect(s.map).toBeCloseTo(1, 12);
    expect(s.precision).toBeCloseTo(1, 12);
  });

  it("rejects a k that is not a positive integer", () => {
    expect(() => rankingScores(ranked, relevant, 0)).toThrow(RangeError);
    expect(() => rankingScores(ranked, relevant, 2.5)).toThrow(RangeError);
    expect(() => hitAtRank(0, 0)).toThrow(RangeError);
  });
});

describe("sampled ranking", () => {
  it("counts ties and NaN candidates against the target", () => {
    // 0.5 (tie), 0.9 and NaN are not below the target → rank 3
    expect(sampledRank(0.5, Float32Array.from([0.1, 0.5, 0.9, Number.NaN]))).toBe(3);
    expect(sampledRank(2, Float32Array.from([0.1, 0.5, 0.9]))).toBe(0);
    expect(sampledRank(Number.NaN, Float32Array.from([0.1, 0.5]))).toBe(2);
    expect(hitAtRank(3, 3)).toBe(0);
    expect(hitAtRank(3, 4)).toBe(1);
    expect(ndcgAtRank(0, 10)).toBe(1);
    expect(ndcgAtRank(3, 10)).toBeCloseTo(1 / log2(5), 12);
    expect(ndcgAtRank(10, 10)).toBe(0);
  });
});

describe("rating error", () => {
  it("rmse and mae", () => {
    // errors 0, −1, −2: rmse sqrt(5/3), mae 1
    expect(rmse([1, 2, 3], [1, 3, 5])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(mae([1, 2, 3], [1, 3, 5])).toBeCloseTo(1, 12);
    expect(rmse([], [])).toBe(0);
    expect(() => mae([1], [1, 2])).toThrow(RangeError);
  });
});

describe("beyond accuracy", () => {
  it("coverage counts distinct recommended items", () => {
    expect(
      catalogueCoverage(
        [
          [0, 1],
          [1, 2],
        ],
        10,
      ),
    ).toBeCloseTo(0.3, 12);
    expect(catalogueCoverage([], 10)).toBe(0);
  });

  it("novelty is the mean self-information of recommended items", () => {
    expect(selfInformation(25, 100)).toBeCloseTo(2, 12);
    // an item nobody interacted with counts as one user: log2(8) = 3
    expect(selfInformation(0, 8)).toBeCloseTo(3, 12);
    // items with degrees 50 and 25 of 100 users: (1 + 2) / 2
    expect(novelty([[0], [1]], [50, 25], 100)).toBeCloseTo(1.5, 12);
    expect(novelty([[0, 1], [1]], [50, 25], 100)).toBeCloseTo((1 + 2 + 2) / 3, 12);
  });
});

describe("RowTopK", () => {
  it("selects exactly what src/math/topk.ts selects (ties, NaN, −∞, k > n)", () => {
    const rng = createRng(3);
    const n = 500;
    const rows = 30;
    const scores = new Float32Array(rows * n);
    for (let i = 0; i < scores.length; i++) {
      const r = rng.next();
      scores[i] = r < 0.05 ? Number.NaN : r < 0.1 ? Number.NEGATIVE_INFINITY : Math.floor(rng.next() * 20); // many ties
    }
    for (const k of [1, 7, 20, 600]) {
      const selector = new RowTopK(k);
      for (let r = 0; r < rows; r++) {
        const row = scores.subarray(r * n, (r + 1) * n);
        const expected = topK(row, k);
        const size = selector.select(scores, r * n, n);
        expect(size).toBe(expected.indices.length);
        expect(Array.from(selector.indices)).toEqual(Array.from(expected.indices));
        expect(Array.from(selector.scores)).toEqual(Array.from(expected.scores));
      }
    }
    expect(() => new RowTopK(0)).toThrow(RangeError);
  });
});
