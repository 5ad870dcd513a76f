// SASRec on MovieLens 100K (runs when DATASETS_DIR is set): a short training already ranks
// each user's last movie far better than popularity does, under the paper's protocol
// (last item by time held out, ranked against 100 sampled unseen movies).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/dataset";
import { openDataset } from "../../src/data/formats";
import type { Interactions } from "../../src/data/interactions";
import { leaveLastOut } from "../../src/data/splits";
import { createRng } from "../../src/math/random";
import { createModel } from "../../src/models/registry";
import type { Recommender } from "../../src/models/types";
import { initTf } from "../../src/tf/backend";
import { datasetPath } from "../helpers/datasets";

const folder = datasetPath("ml-100k");

/** HR@10 of the held-out item against 100 distinct unseen items per user (ties count against it). */
function hitRate(model: Recommender, all: Interactions, test: Interactions, seed: number): number {
  const rng = createRng(seed);
  const users = Int32Array.from({ length: all.nUsers }, (_, u) => u).filter((u) => test.userDegree(u) === 1);
  const scores = new Float32Array(users.length * all.nItems);
  model.scoreUsers(users, scores);
  let hits = 0;
  users.forEach((u, r) => {
    const row = scores.subarray(r * all.nItems, (r + 1) * all.nItems);
    const taken = new Set(all.userItems(u));
    const target = row[test.userItems(u)[0]];
    let rank = 0;
    for (let c = 0; c < 100; c++) {
      let item = rng.int(all.nItems);
      while (taken.has(item)) item = rng.int(all.nItems);
      taken.add(item);
      if (row[item] >= target) rank++;
    }
    if (rank < 10) hits++;
  });
  return hits / users.length;
}

describe.runIf(folder)("sasrec on MovieLens 100K", () => {
  let all: Interactions;
  let test: Interactions;
  const models: Recommender[] = [];

  beforeAll(async () => {
    await initTf({ log: () => undefined });
    all = (await loadDataset(openDataset("movielens-100k", folder!))).interactions.binarized();
    const split = leaveLastOut(all, 1);
    test = split.test;
    for (const [name, params] of [
      ["popularity", {}],
      ["sasrec", { maxLength: 50, batchSize: 32, lr: 0.002, epochs: 10, evalEvery: 0 }],
    ] as const) {
      const model = createModel(name, params);
      await model.fit({ interactions: split.train, implicit: true }, { seed: 42 });
      models.push(model);
    }
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  it("beats popularity on the last movie of each user after 10 epochs", () => {
    const [popularity, sasrec] = models.map((m) => hitRate(m, all, test, 7));
    expect(popularity).toBeGreaterThan(0.2);
    expect(sasrec).toBeGreaterThan(popularity + 0.1);
  });
});
