import { describe, expect, it } from "vitest";
import { topK } from "../../src/math/topk";
import { createRng } from "../../src/math/random";

function bruteForce(scores: Float32Array, k: number, exclude = new Set<number>()): number[] {
  return Array.from(scores.keys())
    .filter((i) => !exclude.has(i) && scores[i] > -Infinity && !Number.isNaN(scores[i]))
    .sort((a, b) => scores[b] - scores[a] || a - b)
    .slice(0, k);
}

describe("topK", () => {
  it("matches a full sort on random scores, with ties broken by index", () => {
    const rng = createRng(3);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(300);
      const scores = Float32Array.from({ length: n }, () => Math.round(rng.next() * 20) / 4);
      const k = rng.int(n + 5);
      const exclude = new Set(Array.from({ length: rng.int(10) }, () => rng.int(n)));
      const result = topK(scores, k, { exclude });
      expect(Array.from(result.indices)).toEqual(bruteForce(scores, k, exclude));
      expect(Array.from(result.scores)).toEqual(Array.from(result.indices).map((i) => scores[i]));
    }
  });

  it("skips NaN and -Infinity, honours candidates and accept", () => {
    const scores = Float32Array.from([1, NaN, 3, -Infinity, 2, 5]);
    expect(Array.from(topK(scores, 10).indices)).toEqual([5, 2, 4, 0]);
    expect(Array.from(topK(scores, 10, { candidates: [0, 1, 4] }).indices)).toEqual([4, 0]);
    expect(Array.from(topK(scores, 10, { accept: (i) => i % 2 === 0 }).indices)).toEqual([2, 4, 0]);
    expect(topK(scores, 0).indices.length).toBe(0);
  });

  it("leaves no exclusion behind for the next call (shared mask is cleared)", () => {
    const scores = Float32Array.from([3, 2, 1]);
    topK(scores, 3, { exclude: [0, 1] });
    expect(Array.from(topK(scores, 3).indices)).toEqual([0, 1, 2]);
  });
});
