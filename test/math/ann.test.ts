// The approximate index (src/math/ann.ts) and the embedding models' retrieval through it: its
// top-10 against the exact full scan on a trained iALS over a synthetic catalogue with a long tail.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/dataset";
import { openDataset } from "../../src/data/formats";
import { writeSyntheticDataset } from "../../src/data/synth";
import { InnerProductIndex } from "../../src/math/ann";
import { createRng } from "../../src/math/random";
import { ImplicitAls } from "../../src/models/factorization/ials";
import { createModel } from "../../src/models/registry";

describe("InnerProductIndex", () => {
  it("finds the largest inner products of random vectors, as many as asked for", () => {
    const rng = createRng(3);
    const dim = 16;
    const count = 4_000;
    const vectors = Float32Array.from({ length: dim * count }, () => rng.normal());
    const index = new InnerProductIndex(vectors, dim, count);
    let hits = 0;
    for (let q = 0; q < 50; q++) {
      const query = Float32Array.from({ length: dim }, () => rng.normal());
      const exact = Array.from({ length: count }, (_, row) => {
        let dot = 0;
        for (let d = 0; d < dim; d++) dot += query[d] * vectors[row * dim + d];
        return { row, dot };
      })
        .sort((a, b) => b.dot - a.dot)
        .slice(0, 10)
        .map((e) => e.row);
      const found = new Set(index.search(query, 10));
      hits += exact.filter((row) => found.has(row)).length;
      expect(index.search(query, 600)).toHaveLength(600);
    }
    expect(hits / 500).toBeGreaterThanOrEqual(0.95);
    expect(() => new InnerProductIndex(new Float32Array(5), 2, 3)).toThrow(/3 rows × 2/);
  });
});

describe("embedding retrieval through the index (iALS on a synthetic catalogue)", () => {
  let dir: string;
  let model: ImplicitAls;
  let histories: Int32Array[];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-ann-"));
    await writeSyntheticDataset(dir, { users: 3_000, items: 20_000, ratings: 150_000, seed: 5 });
    const dataset = await loadDataset(openDataset("movielens-latest", dir));
    model = createModel("ials", { factors: 32, iterations: 4 }) as ImplicitAls;
    await model.fit({ interactions: dataset.interactions, implicit: false }, { seed: 1 });
    histories = Array.from({ length: dataset.interactions.nUsers }, (_, u) => dataset.interactions.userItems(u));
  }, 120_000);

  afterAll(() => {
    model?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("recall@10 against the exact scan is at least 0.95, with the exact scores and no rated item", () => {
    const users = Array.from({ length: 300 }, (_, k) => (k * 7) % model.nUsers);
    const exact = users.map((u) => model.recommend(u, 10, { exclude: histories[u] }));
    model.buildCandidateIndex();
    expect(model.hasCandidateIndex).toBe(true);
    let hits = 0;
    users.forEach((u, k) => {
      const approximate = model.recommend(u, 10, { exclude: histories[u] });
      expect(approximate.items).toHaveLength(10);
      const rated = new Set(histories[u]);
      for (const item of approximate.items) expect(rated.has(item)).toBe(false);
      const truth = new Map(Array.from(exact[k].items, (item, r) => [item, exact[k].scores[r]]));
      for (let r = 0; r < approximate.items.length; r++) {
        if (truth.has(approximate.items[r])) {
          hits++;
          expect(approximate.scores[r]).toBeCloseTo(truth.get(approximate.items[r])!, 5);
        }
      }
    });
    const recall = hits / (users.length * 10);
    console.log(`ANN recall@10 against the exact scan (iALS, 20,000 items, 300 users): ${recall.toFixed(4)}`);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it("folds in a profile through the index, and a filtered request scans every item", () => {
    model.buildCandidateIndex();
    const profile = { items: histories[11].slice(0, 20), values: new Float32Array(20).fill(1) };
    const approximate = model.recommendForProfile(profile, 10, { exclude: profile.items });
    const accept = (item: number) => item % 2 === 0;
    const filtered = model.recommend(11, 10, { accept, exclude: histories[11] });
    model.dropCandidateIndex();
    const exact = model.recommendForProfile(profile, 10, { exclude: profile.items });
    const overlap = Array.from(approximate.items).filter((item) => Array.from(exact.items).includes(item)).length;
    expect(overlap).toBeGreaterThanOrEqual(8);
    expect(Array.from(filtered.items)).toEqual(Array.from(model.recommend(11, 10, { accept, exclude: histories[11] }).items));
  });
});
