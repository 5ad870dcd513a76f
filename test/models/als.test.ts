import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { createRng } from "../../src/math/random";
import { createModel } from "../../src/models/registry";
import { datasetPath } from "../helpers/datasets";
import { foldRmse, lowRankRatings, rmse } from "./mf-fixtures";

describe("als (explicit, exact Cholesky solves)", () => {
  const x = lowRankRatings();

  it("leaves every item at the exact minimiser of its regularised least squares (zero gradient)", async () => {
    const reg = 0.1;
    const regBias = 0.05;
    const model = createModel("als", { factors: 5, iterations: 4, reg, regBias, weighted: true, biases: true });
    await model.fit({ interactions: x, implicit: false }, { seed: 2 });
    const { json, arrays } = model.saveState();
    const k = json.k as number;
    const mu = json.mu as number;
    const p = arrays.userFactors as Float64Array;
    const q = arrays.itemFactors as Float64Array;
    const bu = arrays.userBias as Float64Array;
    const bi = arrays.itemBias as Float64Array;
    const xt = x.transpose();
    // The item half ran last, so items solve their normal equations given the users.
    for (const i of [0, 7, 19, 42]) {
      const grad = new Float64Array(k + 1);
      const n = xt.userDegree(i);
      for (let t = xt.indptr[i]; t < xt.indptr[i + 1]; t++) {
        const u = xt.indices[t];
        let pred = mu + bu[u] + bi[i];
        for (let d = 0; d < k; d++) pred += p[u * k + d] * q[i * k + d];
        const e = xt.values[t] - pred;
        for (let d = 0; d < k; d++) grad[d] += e * p[u * k + d];
        grad[k] += e;
      }
      for (let d = 0; d < k; d++) expect(grad[d] - reg * n * q[i * k + d]).toBeCloseTo(0, 8);
      expect(grad[k] - regBias * n * bi[i]).toBeCloseTo(0, 8);
    }
  });

  it("with biases and weighting off, it is the plain objective: a complete rank-2 matrix is recovered", async () => {
    const rng = createRng(8);
    const users: number[] = [];
    const items: number[] = [];
    const values: number[] = [];
    const a = Array.from({ length: 30 * 2 }, () => rng.normal());
    const b = Array.from({ length: 20 * 2 }, () => rng.normal());
    for (let u = 0; u < 30; u++) {
      for (let i = 0; i < 20; i++) {
        users.push(u);
        items.push(i);
        values.push(a[2 * u] * b[2 * i] + a[2 * u + 1] * b[2 * i + 1]);
      }
    }
    const full = Interactions.fromTriples(30, 20, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
    const model = createModel("als", { factors: 2, iterations: 60, reg: 1e-6, weighted: false, biases: false, initStd: 1 });
    const report = await model.fit({ interactions: full, implicit: false }, { seed: 3 });
    expect(report.lossCurve!.at(-1)!).toBeLessThan(1e-3);
    expect(report.notes!.msPerIteration).toBeGreaterThanOrEqual(0);
  });

  it("beats the bias baseline on planted low-rank ratings", async () => {
    const als = createModel("als", { factors: 4, iterations: 10, reg: 0.05 });
    const bias = createModel("bias");
    await als.fit({ interactions: x, implicit: false }, { seed: 1 });
    await bias.fit({ interactions: x, implicit: false }, { seed: 1 });
    expect(rmse(als, x)).toBeLessThan(0.8 * rmse(bias, x));
  });

  it.runIf(datasetPath("ml-100k") !== undefined)("reaches RMSE < 0.935 on MovieLens 100K u1 with its defaults (5-fold target 0.92)", async () => {
    expect(await foldRmse("als", {})).toBeLessThan(0.935);
  });
});
