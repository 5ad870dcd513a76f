import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { createRng } from "../../src/math/random";
import { createModel } from "../../src/models/registry";
import { datasetPath } from "../helpers/datasets";
import { foldRmse } from "./mf-fixtures";

/** A complete matrix r_ui = m_u + (rank-2 term), so the user-centred matrix has rank ≤ 3. */
function complete(): Interactions {
  const rng = createRng(11);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < 25; u++) {
    const m = 3 + rng.normal() * 0.3;
    const a = [rng.normal(), rng.normal()];
    for (let i = 0; i < 15; i++) {
      users.push(u);
      items.push(i);
      values.push(m + 0.4 * (a[0] * Math.sin(i) + a[1] * Math.cos(2 * i)));
    }
  }
  return Interactions.fromTriples(25, 15, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
}

describe("svd (truncated SVD of the centred matrix)", () => {
  it("reconstructs a complete low-rank matrix exactly once k covers its rank", async () => {
    const x = complete();
    const model = createModel("svd", { factors: 3, meanShrink: 0 });
    const report = await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    expect(report.lossCurve![0]).toBeLessThan(1e-4);
    const low = createModel("svd", { factors: 1, meanShrink: 0 });
    const lowReport = await low.fit({ interactions: x, implicit: false }, { seed: 1 });
    expect(lowReport.lossCurve![0]).toBeGreaterThan(1e-3);
  });

  it("folding in a training user's history reproduces their scores (projection onto V_k)", async () => {
    const x = complete();
    const model = createModel("svd", { factors: 3, meanShrink: 2 });
    await model.fit({ interactions: x, implicit: false }, { seed: 1 });
    const a = new Float32Array(15);
    const b = new Float32Array(15);
    for (const u of [0, 7, 24]) {
      model.scoreUser(u, a);
      model.scoreProfile({ items: x.userItems(u), values: x.userValues(u) }, b);
      for (let i = 0; i < 15; i++) expect(b[i]).toBeCloseTo(a[i], 4);
    }
  });

  it.runIf(datasetPath("ml-100k") !== undefined)("gets RMSE < 1.02 on MovieLens 100K u1 (weaker than MF by design)", async () => {
    expect(await foldRmse("svd", {})).toBeLessThan(1.02);
  });
});
