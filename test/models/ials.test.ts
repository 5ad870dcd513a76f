import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { holdoutSplit } from "../../src/data/splits";
import { loadEvalData } from "../../src/eval";
import { createRng } from "../../src/math/random";
import { ImplicitAls } from "../../src/models/factorization/ials";
import { createModel } from "../../src/models/registry";
import type { Recommender } from "../../src/models/types";
import { datasetPath } from "../helpers/datasets";

/** Implicit data: users in 3 taste groups, each clicking ~12 of its group's 15 items plus noise. */
function clusters(seed = 4): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < 90; u++) {
    const group = u % 3;
    for (let i = 0; i < 45; i++) {
      const inGroup = Math.floor(i / 15) === group;
      if (rng.next() < (inGroup ? 0.8 : 0.05)) {
        users.push(u);
        items.push(i);
      }
    }
  }
  return Interactions.fromTriples(90, 45, { users: Int32Array.from(users), items: Int32Array.from(items), values: new Float32Array(users.length).fill(1) });
}

/** Σ over ALL pairs of c (p − x·y)² + λ(‖X‖² + ‖Y‖²), by brute force. */
function bruteLoss(x: Interactions, users: Float64Array, items: Float64Array, k: number, alpha: number, reg: number): number {
  let loss = 0;
  for (let u = 0; u < x.nUsers; u++) {
    for (let i = 0; i < x.nItems; i++) {
      let s = 0;
      for (let d = 0; d < k; d++) s += users[u * k + d] * items[i * k + d];
      const observed = x.has(u, i);
      const c = observed ? 1 + alpha : 1;
      loss += c * ((observed ? 1 : 0) - s) ** 2;
    }
  }
  for (const v of users) loss += reg * v * v;
  for (const v of items) loss += reg * v * v;
  return loss;
}

describe("ials (implicit ALS with conjugate gradient)", () => {
  const x = clusters();
  const params = { factors: 6, iterations: 8, alpha: 5, reg: 0.5, cgSteps: 3, binary: true, initStd: 0.01, threads: 1 };

  it("reports the weighted loss over all pairs, which never increases (CG steps only lower each row's quadratic)", async () => {
    const model = createModel("ials", params);
    const report = await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const curve = report.lossCurve!;
    for (let t = 1; t < curve.length; t++) expect(curve[t]).toBeLessThanOrEqual(curve[t - 1] * (1 + 1e-9));
    const { arrays, json } = model.saveState();
    const brute = bruteLoss(x, arrays.userFactors as Float64Array, arrays.itemFactors as Float64Array, json.k as number, 5, 0.5);
    expect(curve.at(-1)!).toBeCloseTo(brute, 6);
  });

  it("gives the same factors, bit for bit, on 1, 2 or 3 threads (binary and rating confidences)", async () => {
    for (const binary of [true, false]) {
      const fits = [];
      for (const threads of [1, 2, 3]) {
        const model = new ImplicitAls({ ...params, binary, threads });
        const report = await model.fit({ interactions: x, implicit: true }, { seed: 4 });
        expect(report.notes?.threads).toBe(threads);
        const { arrays } = model.saveState();
        fits.push([Array.from(arrays.userFactors), Array.from(arrays.itemFactors), report.lossCurve]);
      }
      expect(fits[1]).toEqual(fits[0]);
      expect(fits[2]).toEqual(fits[0]);
    }
  });

  it("fold-in solves the user's normal equations exactly", async () => {
    const model = new ImplicitAls(params);
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const { k, items } = model.factors();
    const history = Int32Array.from([0, 2, 5, 7]);
    const solution = Float64Array.from(model.foldInVector({ items: history, values: new Float32Array(4).fill(1) }));
    // (YᵀY + Σ α y yᵀ + λI) x − Σ (1 + α) y = 0
    for (let a = 0; a < k; a++) {
      let residual = params.reg * solution[a];
      for (let i = 0; i < x.nItems; i++) {
        let s = 0;
        for (let d = 0; d < k; d++) s += items[i * k + d] * solution[d];
        const c = history.includes(i) ? 1 + params.alpha : 1;
        residual += c * s * items[i * k + a];
        if (history.includes(i)) residual -= c * items[i * k + a];
      }
      expect(residual).toBeCloseTo(0, 8);
    }
  });

  it("more CG steps approach the exact solves: the final loss is no higher than with one step", async () => {
    const one = createModel("ials", { ...params, cgSteps: 1 });
    const many = createModel("ials", { ...params, cgSteps: 12 });
    const a = await one.fit({ interactions: x, implicit: true }, { seed: 1 });
    const b = await many.fit({ interactions: x, implicit: true }, { seed: 1 });
    expect(b.lossCurve!.at(-1)!).toBeLessThanOrEqual(a.lossCurve!.at(-1)!);
  });

  const ml100k = datasetPath("ml-100k");
  it.runIf(ml100k !== undefined)("ranks held-out MovieLens 100K items far better than popularity", async () => {
    const data = await loadEvalData({ format: "movielens-100k", path: ml100k!, protocol: "holdout" });
    const split = holdoutSplit(data.interactions.binarized(), 0.2, 7);
    const recall = (model: Recommender) => {
      let total = 0;
      let users = 0;
      for (let u = 0; u < split.train.nUsers; u++) {
        const truth = new Set(split.test.userItems(u));
        if (truth.size === 0) continue;
        const ranked = model.recommend(u, 20, { exclude: split.train.userItems(u) });
        total += [...ranked.items].filter((i) => truth.has(i)).length / Math.min(20, truth.size);
        users++;
      }
      return total / users;
    };
    const ials = createModel("ials", { iterations: 8 });
    const popularity = createModel("popularity");
    await ials.fit({ interactions: split.train, implicit: true }, { seed: 1 });
    await popularity.fit({ interactions: split.train, implicit: true }, { seed: 1 });
    expect(recall(ials)).toBeGreaterThan(1.4 * recall(popularity));
  });
});
