import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { createModel } from "../../src/models/registry";

function matrix(nUsers: number, nItems: number, rows: [number, number, number][]): Interactions {
  return Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(rows.map((r) => r[0])),
    items: Int32Array.from(rows.map((r) => r[1])),
    values: Float32Array.from(rows.map((r) => r[2])),
  });
}

describe("itemknn", () => {
  // Items 0 and 1 share users 0–2; item 2 shares user 2 with them; item 3 only user 3.
  const x = matrix(4, 4, [
    [0, 0, 1],
    [0, 1, 1],
    [1, 0, 1],
    [1, 1, 1],
    [2, 0, 1],
    [2, 1, 1],
    [2, 2, 1],
    [3, 3, 1],
  ]);

  it("computes shrunk cosine similarities: s_ij · n_ij / (n_ij + shrink)", async () => {
    const model = createModel("itemknn", { neighbors: 10, shrink: 1, similarity: "cosine" });
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const out = new Float32Array(4);
    model.itemSimilarities(0, out);
    // cos(0, 1) = 3 / (√3 √3) = 1, 3 co-raters → 1 · 3/4; cos(0, 2) = 1 / (√3 · 1), 1 co-rater → · 1/2.
    expect(out[1]).toBeCloseTo(0.75, 6);
    expect(out[2]).toBeCloseTo((1 / Math.sqrt(3)) * 0.5, 6);
    expect(out[3]).toBe(0);
    expect(out[0]).toBe(0);
  });

  it("keeps only the k best neighbours per item", async () => {
    const model = createModel("itemknn", { neighbors: 1, shrink: 0 });
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const out = new Float32Array(4);
    model.itemSimilarities(2, out);
    expect(out.filter((v) => v > 0).length).toBe(1);
  });

  it("scores a user from their history, and a fold-in of the same history scores identically", async () => {
    const model = createModel("itemknn", { neighbors: 10, shrink: 0 });
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const trained = new Float32Array(4);
    const folded = new Float32Array(4);
    model.scoreUser(0, trained);
    model.scoreProfile({ items: x.userItems(0), values: x.userValues(0) }, folded);
    expect(Array.from(folded)).toEqual(Array.from(trained));
    // User 0 (items 0 and 1) gets item 2 (co-rated with both) above item 3 (no co-rater).
    expect(trained[2]).toBeGreaterThan(trained[3]);
  });

  it("adjusted cosine on ratings turns opposite tastes into a negative similarity", async () => {
    // Users who like item 0 dislike item 1, and the reverse.
    const ratings = matrix(4, 3, [
      [0, 0, 5],
      [0, 1, 1],
      [0, 2, 3],
      [1, 0, 5],
      [1, 1, 1],
      [1, 2, 3],
      [2, 0, 1],
      [2, 1, 5],
      [2, 2, 3],
      [3, 0, 1],
      [3, 1, 5],
      [3, 2, 3],
    ]);
    const adjusted = createModel("itemknn", { similarity: "adjusted", shrink: 0, neighbors: 5 });
    const plain = createModel("itemknn", { similarity: "cosine", shrink: 0, neighbors: 5 });
    await adjusted.fit({ interactions: ratings, implicit: false }, { seed: 1 });
    await plain.fit({ interactions: ratings, implicit: false }, { seed: 1 });
    const a = new Float32Array(3);
    const p = new Float32Array(3);
    adjusted.itemSimilarities(0, a);
    plain.itemSimilarities(0, p);
    // Negative similarities are not kept as neighbours; the raw cosine of positive ratings is positive.
    expect(a[1]).toBe(0);
    expect(p[1]).toBeGreaterThan(0);
  });
});
