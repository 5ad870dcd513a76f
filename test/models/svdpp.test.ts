import { describe, expect, it } from "vitest";
import { createModel } from "../../src/models/registry";
import { datasetPath } from "../helpers/datasets";
import { foldRmse, lowRankRatings, rmse } from "./mf-fixtures";

describe("svdpp", () => {
  const x = lowRankRatings();
  const params = { factors: 4, epochs: 30, lr: 0.02, lrDecay: 0.97, reg: 0.02, regImplicit: 0.02 };

  it("fits planted low-rank ratings better than biases, reproducibly", async () => {
    const a = createModel("svdpp", params);
    const b = createModel("svdpp", params);
    const bias = createModel("bias");
    const report = await a.fit({ interactions: x, implicit: false }, { seed: 1 });
    await b.fit({ interactions: x, implicit: false }, { seed: 1 });
    await bias.fit({ interactions: x, implicit: false }, { seed: 1 });
    expect(a.predict(3, 4)).toBe(b.predict(3, 4));
    expect(rmse(a, x)).toBeLessThan(0.8 * rmse(bias, x));
    expect(report.lossCurve!.at(-1)!).toBeLessThan(report.lossCurve![0]);
  });

  it("uses which items were rated: fold-in with the same ratings on different items scores differently", async () => {
    const model = createModel("svdpp", params);
    await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    const a = new Float32Array(x.nItems);
    const b = new Float32Array(x.nItems);
    model.scoreProfile({ items: Int32Array.from([0, 1, 2]), values: Float32Array.from([4, 4, 4]) }, a);
    model.scoreProfile({ items: Int32Array.from([10, 11, 12]), values: Float32Array.from([4, 4, 4]) }, b);
    let diff = 0;
    for (let i = 0; i < x.nItems; i++) diff += Math.abs(a[i] - b[i]);
    expect(diff).toBeGreaterThan(0.1);
  });

  it.runIf(datasetPath("ml-100k") !== undefined)("reaches RMSE < 0.93 on MovieLens 100K u1 with its defaults", async () => {
    expect(await foldRmse("svdpp", {})).toBeLessThan(0.93);
  });
});
