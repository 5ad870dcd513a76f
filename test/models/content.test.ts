import { describe, expect, it } from "vitest";
import type { ItemContent } from "../../src/data/dataset";
import { Interactions } from "../../src/data/interactions";
import { ValidationError } from "../../src/errors";
import { ItemVectors } from "../../src/models/content/common";
import { createModel, deserializeModel, serializeModel } from "../../src/models/registry";

const item = (title: string, genres: string[], year: number | null, tags: string[] = []): ItemContent => ({ title, genres, tags, year });

const catalogue: ItemContent[] = [
  item("Star Wars (1977)", ["Sci-Fi", "Action"], 1977, ["space"]),
  item("Alien (1979)", ["Sci-Fi", "Horror"], 1979, ["space", "monster"]),
  item("Star Trek: The Motion Picture (1979)", ["Sci-Fi"], 1979, ["space"]),
  item("Sleepless in Seattle (1993)", ["Romance", "Comedy"], 1993),
  item("Notting Hill (1999)", ["Romance", "Comedy"], 1999, ["london"]),
  item("Pretty Woman (1990)", ["Romance"], 1990),
];

function ratings(rows: [number, number, number][], nUsers = 3): Interactions {
  return Interactions.fromTriples(nUsers, catalogue.length, {
    users: Int32Array.from(rows.map((r) => r[0])),
    items: Int32Array.from(rows.map((r) => r[1])),
    values: Float32Array.from(rows.map((r) => r[2])),
  });
}

describe("content", () => {
  it("builds genre, tag, title-word and decade features without the year or stop words in titles", () => {
    const vectors = ItemVectors.build(catalogue, { g: 1, t: 1, w: 1, y: 1 });
    expect(vectors.vocabulary).toContain("g:sci-fi");
    expect(vectors.vocabulary).toContain("t:space");
    expect(vectors.vocabulary).toContain("w:star");
    expect(vectors.vocabulary).toContain("y:1970");
    expect(vectors.vocabulary).not.toContain("w:1977");
    expect(vectors.vocabulary).not.toContain("w:the");
    // Every item vector has unit length.
    for (let i = 0; i < vectors.nItems; i++) {
      let norm = 0;
      for (let p = vectors.ptr[i]; p < vectors.ptr[i + 1]; p++) norm += vectors.val[p] ** 2;
      expect(norm).toBeCloseTo(1, 5);
    }
  });

  it("recommends by the mean-centred profile: liked Sci-Fi over disliked Romance, including brand-new items", async () => {
    const x = ratings([
      [0, 0, 5],
      [0, 3, 1],
      [1, 4, 5],
      [1, 1, 2],
      [2, 2, 4],
    ]);
    const model = createModel("content");
    await model.fit({ interactions: x, implicit: false, content: catalogue }, { seed: 1 });
    const ranked = model.recommend(0, 4, { exclude: x.userItems(0) });
    expect(ranked.items[0]).toBe(2); // Star Trek: Sci-Fi, space, 1970s, "star"
    expect(ranked.items.indexOf(1)).toBeLessThan(ranked.items.indexOf(4));
    // Cold start: two items added after training are scored from content alone.
    model.extendItems!([item("Solaris (1972)", ["Sci-Fi"], 1972, ["space"]), item("Roman Holiday (1953)", ["Romance", "Comedy"], 1953)]);
    expect(model.nItems).toBe(8);
    const scores = new Float32Array(8);
    model.scoreUser(0, scores);
    expect(scores[6]).toBeGreaterThan(0);
    expect(scores[7]).toBeLessThan(0);
    // The new items also survive save → load.
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 1, dataFingerprint: x.fingerprint() }));
    const again = new Float32Array(8);
    loaded.scoreUser(0, again);
    expect(Array.from(again)).toEqual(Array.from(scores));
  });

  it("folds in a history of equal ratings as a positive profile (mean shrunk toward the global mean)", async () => {
    const x = ratings([
      [0, 0, 2],
      [0, 3, 4],
      [1, 4, 3],
      [2, 2, 3],
    ]);
    const model = createModel("content");
    await model.fit({ interactions: x, implicit: false, content: catalogue }, { seed: 1 });
    const ranked = model.recommendForProfile({ items: Int32Array.from([3, 4]), values: Float32Array.from([5, 5]) }, 1, { exclude: [3, 4] });
    expect(ranked.items[0]).toBe(5); // Pretty Woman, the remaining romance
  });

  it("finds similar items by content, and refuses data without content", async () => {
    const x = ratings([[0, 0, 5]]);
    const model = createModel("content");
    await model.fit({ interactions: x, implicit: true, content: catalogue }, { seed: 1 });
    expect([...model.similarItems(4, 2).items].sort()).toEqual([3, 5]);
    await expect(createModel("content").fit({ interactions: x, implicit: true }, { seed: 1 })).rejects.toThrow(ValidationError);
  });
});
