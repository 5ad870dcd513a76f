import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { Interactions } from "../../src/data/interactions";
import { ValidationError } from "../../src/errors";
import { createRng } from "../../src/math/random";
import { EASE_MAX_ITEMS, invertSpd } from "../../src/models/neighborhood/ease";
import { createModel } from "../../src/models/registry";
import { initTf } from "../../src/tf/backend";

function randomImplicit(nUsers: number, nItems: number, density: number, seed: number): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      // Item popularity falls with the index, so the Gram is far from diagonal.
      if (rng.next() < density * (1.5 - i / nItems)) {
        users.push(u);
        items.push(i);
      }
    }
  }
  return Interactions.fromTriples(nUsers, nItems, { users: Int32Array.from(users), items: Int32Array.from(items), values: new Float32Array(users.length).fill(1) });
}

describe("ease", () => {
  it("satisfies the closed form: zero diagonal, and (XᵀX + λI)(I − B) is diagonal", async () => {
    const x = randomImplicit(60, 25, 0.3, 1);
    const lambda = 7;
    const model = createModel("ease", { lambda });
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const n = x.nItems;
    const b = model.saveState().arrays.weights as Float32Array;
    const gram = new Float64Array(n * n);
    for (let u = 0; u < x.nUsers; u++) for (const i of x.userItems(u)) for (const j of x.userItems(u)) gram[i * n + j] += 1;
    for (let i = 0; i < n; i++) {
      expect(b[i * n + i]).toBe(0);
      gram[i * n + i] += lambda;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let value = 0;
        for (let m = 0; m < n; m++) value += gram[i * n + m] * ((m === j ? 1 : 0) - b[m * n + j]);
        expect(Math.abs(value)).toBeLessThan(1e-4);
      }
    }
  });

  it("inverts large SPD matrices through the tfjs block recursion, freeing every tensor", async () => {
    await initTf({ log: () => undefined });
    const n = 600; // above the 128-row block: three levels of recursion
    const rng = createRng(2);
    const f = Float32Array.from({ length: n * 40 }, () => rng.normal());
    const m = new Float32Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let d = 0; d < 40; d++) s += f[i * 40 + d] * f[j * 40 + d];
        m[i * n + j] = s;
        m[j * n + i] = s;
      }
      m[i * n + i] += 5;
    }
    const before = tf.memory().numTensors;
    const inverse = invertSpd(m, n);
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    for (const i of [0, 1, 299, 300, 599]) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += m[i * n + t] * inverse[t * n + j];
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it(`refuses catalogues above ${EASE_MAX_ITEMS} items with a ValidationError naming the limit`, async () => {
    const x = Interactions.fromTriples(1, EASE_MAX_ITEMS + 1, { users: Int32Array.from([0]), items: Int32Array.from([0]), values: Float32Array.from([1]) });
    const model = createModel("ease");
    await expect(model.fit({ interactions: x, implicit: true }, { seed: 1 })).rejects.toThrow(ValidationError);
    await expect(model.fit({ interactions: x, implicit: true }, { seed: 1 })).rejects.toThrow(String(EASE_MAX_ITEMS));
  });

  it("scores a fold-in history exactly like the same training user", async () => {
    const x = randomImplicit(40, 30, 0.3, 3);
    const model = createModel("ease", { lambda: 5 });
    await model.fit({ interactions: x, implicit: true }, { seed: 1 });
    const a = new Float32Array(30);
    const b = new Float32Array(30);
    model.scoreUser(4, a);
    model.scoreProfile({ items: x.userItems(4), values: x.userValues(4) }, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
