import { describe, expect, it } from "vitest";
import type { ItemContent } from "../../src/data/dataset";
import { Interactions } from "../../src/data/interactions";
import { createRng } from "../../src/math/random";
import { createModel, deserializeModel, serializeModel } from "../../src/models/registry";

/** Two taste groups over two genres; 30 users, 20 items, implicit or rated. */
function data(implicit: boolean): { x: Interactions; content: ItemContent[] } {
  const rng = createRng(6);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < 30; u++) {
    for (let i = 0; i < 20; i++) {
      const match = u < 15 === i < 10;
      if (rng.next() < (match ? 0.6 : 0.08)) {
        users.push(u);
        items.push(i);
        values.push(implicit ? 1 : match ? 4 + rng.int(2) : 1 + rng.int(2));
      }
    }
  }
  const content = Array.from({ length: 20 }, (_, i) => ({ title: `${i < 10 ? "Galaxy" : "Kiss"} ${i}`, genres: [i < 10 ? "Sci-Fi" : "Romance"], tags: [], year: 1990 }));
  return { x: Interactions.fromTriples(30, 20, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) }), content };
}

describe("hybrid", () => {
  it("on ratings, trains implicit ALS on liked items only (dislikes are not positives); explicit ALS on request", async () => {
    const rated = data(false);
    const clicked = data(true);
    const a = createModel("hybrid", { factors: 4, iterations: 5 });
    const b = createModel("hybrid", { factors: 4, iterations: 5 });
    const c = createModel("hybrid", { factors: 4, iterations: 5, collaborative: "als" });
    const ra = await a.fit({ interactions: rated.x, implicit: false, content: rated.content }, { seed: 1 });
    const rb = await b.fit({ interactions: clicked.x, implicit: true, content: clicked.content }, { seed: 1 });
    const rc = await c.fit({ interactions: rated.x, implicit: false, content: rated.content }, { seed: 1 });
    expect(ra.notes).toMatchObject({ collaborative: "ials", likedOnly: true });
    expect(rb.notes).toMatchObject({ collaborative: "ials", likedOnly: false });
    expect(rc.notes).toMatchObject({ collaborative: "als", likedOnly: false });
    // A fold-in of one liked Sci-Fi item and one disliked Romance item recommends Sci-Fi.
    const ranked = a.recommendForProfile({ items: Int32Array.from([1, 12]), values: Float32Array.from([5, 1]) }, 5, { exclude: [1, 12] });
    expect([...ranked.items].filter((i) => i < 10).length).toBeGreaterThanOrEqual(4);
  });

  it("scores items added after training from content alone and ranks the matching genre first", async () => {
    const { x, content } = data(true);
    const model = createModel("hybrid", { factors: 4, iterations: 5 });
    await model.fit({ interactions: x, implicit: true, content }, { seed: 1 });
    model.extendItems!([
      { title: "Kiss again", genres: ["Romance"], tags: [], year: 1990 },
      { title: "Galaxy again", genres: ["Sci-Fi"], tags: [], year: 1990 },
    ]);
    expect(model.nItems).toBe(22);
    const scores = new Float32Array(22);
    model.scoreUser(0, scores); // a Sci-Fi user
    expect(scores[21]).toBeGreaterThan(scores[20]);
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 1, dataFingerprint: x.fingerprint() }));
    const again = new Float32Array(22);
    loaded.scoreUser(0, again);
    expect(Array.from(again)).toEqual(Array.from(scores));
  });

  it("leans on content for a new user with one rating and on the collaborative model for a heavy one", async () => {
    const { x, content } = data(true);
    const pureContent = createModel("content");
    const hybrid = createModel("hybrid", { factors: 4, iterations: 5, userShrink: 10, itemShrink: 0 });
    await pureContent.fit({ interactions: x, implicit: true, content }, { seed: 1 });
    await hybrid.fit({ interactions: x, implicit: true, content }, { seed: 1 });
    const one = { items: Int32Array.from([2]), values: Float32Array.from([1]) };
    const h = new Float32Array(20);
    const c = new Float32Array(20);
    hybrid.scoreProfile(one, h);
    pureContent.scoreProfile(one, c);
    // With n_u = 1 and γ_u = 10 the blend is 91 % content: the orders agree on the genre split.
    const topH = [...hybrid.recommendForProfile(one, 5, { exclude: [2] }).items];
    expect(topH.every((i) => i < 10)).toBe(true);
    const correlation = pearson(h, c);
    expect(correlation).toBeGreaterThan(0.8);
  });
});

function pearson(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}
