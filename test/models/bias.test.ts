import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { loadEvalData } from "../../src/eval";
import { createModel } from "../../src/models/registry";
import { BiasBaseline } from "../../src/models/baseline/bias";
import { datasetPath } from "../helpers/datasets";

/** A complete 4×3 matrix that is exactly additive: r = 3 + a_u + c_i. */
function additive(): { x: Interactions; a: number[]; c: number[] } {
  const a = [0.5, -0.5, 1, -1];
  const c = [0.25, 0, -0.25];
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < 4; u++) {
    for (let i = 0; i < 3; i++) {
      users.push(u);
      items.push(i);
      values.push(3 + a[u] + c[i]);
    }
  }
  return { x: Interactions.fromTriples(4, 3, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) }), a, c };
}

describe("bias baseline", () => {
  it("fits an additive matrix exactly without shrinkage", async () => {
    const { x } = additive();
    const model = createModel("bias", { regUser: 0, regItem: 0, iterations: 30 });
    const report = await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    for (let u = 0; u < 4; u++) for (let i = 0; i < 3; i++) expect(model.predict(u, i)).toBeCloseTo(x.get(u, i)!, 6);
    expect(report.lossCurve!.at(-1)!).toBeLessThan(1e-6);
  });

  it("shrinks biases toward zero and clips predictions to the observed range", async () => {
    const { x } = additive();
    const loose = createModel("bias", { regUser: 0, regItem: 0 });
    const tight = createModel("bias", { regUser: 50, regItem: 50 });
    await loose.fit({ interactions: x, implicit: false }, { seed: 1 });
    await tight.fit({ interactions: x, implicit: false }, { seed: 1 });
    // User 2 (a = +1) is pulled toward the mean by shrinkage.
    expect(tight.predict(2, 0)).toBeLessThan(loose.predict(2, 0));
    // Unknown user/item fall back to μ (+ the known bias), inside the range.
    expect(tight.predict(99, 0)).toBeGreaterThanOrEqual(2);
    expect(loose.predict(2, 0)).toBeLessThanOrEqual(4.25);
  });

  it("folds in a new history with the closed-form user bias", async () => {
    const { x } = additive();
    const model = new BiasBaseline({ regUser: 2, regItem: 0, iterations: 10 });
    await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    const profile = { items: Int32Array.from([0, 1]), values: Float32Array.from([5, 5]) };
    const bias = model.profileBias(profile);
    // Σ (r − μ − b_i) / (λ_u + n) with μ = 3, b_0 = 0.25, b_1 = 0.
    expect(bias).toBeCloseTo((5 - 3 - 0.25 + (5 - 3 - 0)) / (2 + 2), 6);
    const out = new Float32Array(3);
    model.scoreProfile(profile, out);
    expect(out[0]).toBeCloseTo(3 + bias + 0.25, 5);
  });

  const ml100k = datasetPath("ml-100k");
  it.runIf(ml100k !== undefined)("reaches RMSE < 0.96 on MovieLens 100K u1 (5-fold mean target 0.945)", async () => {
    const data = await loadEvalData({ format: "movielens-100k", path: ml100k!, protocol: "rating-5fold" });
    const fold = data.givenSplits![0];
    const model = createModel("bias");
    await model.fit({ interactions: fold.train, implicit: false }, { seed: 42 });
    let sse = 0;
    for (let u = 0; u < fold.test.nUsers; u++) {
      for (let p = fold.test.indptr[u]; p < fold.test.indptr[u + 1]; p++) sse += (model.predict(u, fold.test.indices[p]) - fold.test.values[p]) ** 2;
    }
    expect(Math.sqrt(sse / fold.test.nnz)).toBeLessThan(0.96);
  });
});
