import { describe, expect, it } from "vitest";
import { RowTopK, topK } from "../../src/math/topk";
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

describe("topK on float64 scores", () => {
  it("orders scores closer than float32 resolution (the heap keeps float64)", () => {
    const scores = Float64Array.of(1 + 1e-12, 1 + 3e-12, 1 + 2e-12, 1);
    expect(Array.from(topK(scores, 3).indices)).toEqual([1, 2, 0]);
  });
});

describe("RowTopK", () => {
  it("matches the brute force on rows at an offset, reusing its buffers, ties by lower index", () => {
    const rng = createRng(9);
    const n = 97;
    const rows = 12;
    const buffer = Float32Array.from({ length: rows * n }, () => {
      const r = rng.next();
      return r < 0.05 ? Number.NaN : r < 0.1 ? Number.NEGATIVE_INFINITY : Math.floor(rng.next() * 12);
    });
    for (const k of [1, 10, 200]) {
      const selector = new RowTopK(k);
      for (let r = 0; r < rows; r++) {
        const row = buffer.slice(r * n, (r + 1) * n);
        const size = selector.select(buffer, r * n, n);
        const expected = bruteForce(row, k);
        expect(size).toBe(expected.length);
        expect(Array.from(selector.indices)).toEqual(expected);
        expect(Array.from(selector.scores)).toEqual(expected.map((i) => row[i]));
      }
    }
  });
});
