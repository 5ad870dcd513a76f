import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { ValidationError } from "../../src/errors";
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../../src/math/random";
import { scoreFactorBatch, scoreVector } from "../../src/models/embedding";
import { MatrixFactorization } from "../../src/models/factorization/mf";
import { initTf } from "../../src/tf/backend";
import { createModel } from "../../src/models/registry";
import { datasetPath } from "../helpers/datasets";
import { foldRmse, lowRankRatings, rmse } from "./mf-fixtures";

describe("mf (biased MF, SGD)", () => {
  const x = lowRankRatings();
  const params = { factors: 4, epochs: 30, lr: 0.02, lrDecay: 0.97, reg: 0.02 };

  it("is reproducible for a seed and differs across seeds; its training loss falls", async () => {
    const a = createModel("mf", params);
    const b = createModel("mf", params);
    const c = createModel("mf", params);
    const report = await a.fit({ interactions: x, implicit: false }, { seed: 3 });
    await b.fit({ interactions: x, implicit: false }, { seed: 3 });
    await c.fit({ interactions: x, implicit: false }, { seed: 4 });
    expect(a.predict(1, 2)).toBe(b.predict(1, 2));
    expect(a.predict(1, 2)).not.toBe(c.predict(1, 2));
    const curve = report.lossCurve!;
    expect(curve.length).toBe(30);
    expect(curve.at(-1)!).toBeLessThan(0.75 * curve[0]);
  });

  it("refuses a saved state whose factors do not fit the shape, and loads float32 factors as float64", async () => {
    const model = createModel("mf", params);
    await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    const state = model.saveState();
    const shape = { nUsers: model.nUsers, nItems: model.nItems };
    const short = { ...state, arrays: { ...state.arrays, itemFactors: (state.arrays.itemFactors as Float64Array).subarray(4) } };
    expect(() => createModel("mf", params).loadState(short, shape)).toThrow(ValidationError);
    const asFloat32 = { ...state, arrays: { ...state.arrays, userFactors: Float32Array.from(state.arrays.userFactors as Float64Array) } };
    const loaded = createModel("mf", params);
    loaded.loadState(asFloat32, shape);
    expect(loaded.saveState().arrays.userFactors).toBeInstanceOf(Float64Array);
    expect(loaded.predict(1, 2)).toBeCloseTo(model.predict(1, 2), 5);
  });

  it("fits the planted structure better than biases alone", async () => {
    const mf = createModel("mf", params);
    const bias = createModel("bias");
    await mf.fit({ interactions: x, implicit: false }, { seed: 1 });
    await bias.fit({ interactions: x, implicit: false }, { seed: 1 });
    expect(rmse(mf, x)).toBeLessThan(0.8 * rmse(bias, x));
  });

  it("folds in by solving the regularised least squares exactly (zero gradient)", async () => {
    const model = new MatrixFactorization({ ...params, regBias: 0.01, initStd: 0.05 });
    await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    const state = model.saveState();
    const q = state.arrays.itemFactors as Float64Array;
    const bi = state.arrays.itemBias as Float64Array;
    const mu = state.json.mu as number;
    const k = 4;
    const profile = { items: Int32Array.from([0, 3, 7, 9, 20]), values: Float32Array.from([5, 4, 1, 2, 5]) };
    const { factors, bias } = model.foldInProfile(profile);
    const n = profile.items.length;
    const gradP = new Float64Array(k);
    let gradB = 0;
    for (let t = 0; t < n; t++) {
      const i = profile.items[t];
      let pred = mu + bi[i] + bias;
      for (let d = 0; d < k; d++) pred += factors[d] * q[i * k + d];
      const e = profile.values[t] - pred;
      for (let d = 0; d < k; d++) gradP[d] += e * q[i * k + d];
      gradB += e;
    }
    for (let d = 0; d < k; d++) expect(gradP[d] - params.reg * n * factors[d]).toBeCloseTo(0, 8);
    expect(gradB - 0.01 * n * bias).toBeCloseTo(0, 8);
  });

  it("predicts from the biases alone for users and items without training data", async () => {
    const wider = new Interactions(x.nUsers + 1, x.nItems + 1, Int32Array.from([...x.indptr, x.nnz]), x.indices, x.values);
    const model = createModel("mf", params);
    await model.fit({ interactions: wider, implicit: false }, { seed: 1 });
    const scores = new Float32Array(x.nItems + 1);
    model.scoreUser(x.nUsers, scores);
    const { json, arrays } = model.saveState();
    const bi = arrays.itemBias as Float64Array;
    for (const i of [0, 5, x.nItems]) expect(scores[i]).toBeCloseTo((json.mu as number) + bi[i], 5);
    expect(bi[x.nItems]).toBe(0);
  });

  it("stops with a ValidationError naming mf.lr when SGD diverges", async () => {
    const model = createModel("mf", { factors: 8, epochs: 50, lr: 1, lrDecay: 1, reg: 0, initStd: 1 });
    await expect(model.fit({ interactions: x, implicit: false }, { seed: 1 })).rejects.toThrow(/mf\.lr/);
    await expect(createModel("mf", { factors: 8, epochs: 50, lr: 1, lrDecay: 1, reg: 0, initStd: 1 }).fit({ interactions: x, implicit: false }, { seed: 1 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("stops when its job is cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createModel("mf", params).fit({ interactions: x, implicit: false }, { seed: 1, signal: controller.signal })).rejects.toThrow();
  });

  it("scores large batches with one tfjs matmul that matches the float64 loop and frees its tensors", async () => {
    await initTf({ log: () => undefined });
    const rng = createRng(9);
    const k = 64;
    const nItems = 5000;
    const users = Int32Array.from({ length: 64 }, (_, r) => r * 3);
    const p = Float64Array.from({ length: 200 * k }, () => rng.normal() * 0.3);
    const q = Float64Array.from({ length: nItems * k }, () => rng.normal() * 0.3);
    const userBias = Float64Array.from({ length: 200 }, () => rng.normal());
    const itemBias = Float64Array.from({ length: nItems }, () => rng.normal());
    const batch = new Float32Array(users.length * nItems);
    const before = tf.memory().numTensors;
    scoreFactorBatch(users, p, q, k, nItems, batch, userBias, itemBias, 3.5);
    expect(tf.memory().numTensors).toBe(before);
    const single = new Float32Array(nItems);
    for (const r of [0, 17, 63]) {
      scoreVector(p, users[r] * k, q, k, nItems, single, itemBias, 3.5 + userBias[users[r]]);
      for (let i = 0; i < nItems; i += 37) expect(batch[r * nItems + i]).toBeCloseTo(single[i], 4);
    }
  });

  it.runIf(datasetPath("ml-100k") !== undefined)("reaches RMSE < 0.93 on MovieLens 100K u1 with its defaults (5-fold target 0.91)", async () => {
    expect(await foldRmse("mf", {})).toBeLessThan(0.93);
  });
});
