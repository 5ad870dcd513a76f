// The training kit's optimisers (src/models/training/optimizers.ts): dense Adam matches
// tf.train.adam step for step and is bit-identical to the graph models' former DenseAdam
// formula; lazy (row) Adam touches only the rows of the batch and sums repeated rows first, with
// bias correction by the global step; SGD is θ −= lr·g.
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../src/math/random";
import { Adam, Sgd } from "../../src/models/training";
import { initTf, tf } from "../../src/tf/backend";

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

/** Gradient of Σ (θ − target)² · weight: 2 (θ − target) · weight. */
function gradient(theta: Float32Array, target: number[], weight: number[]): Float32Array {
  return Float32Array.from(theta, (t, k) => 2 * (t - target[k]) * weight[k]);
}

/** The graph models' DenseAdam step as it was written before the kit (the reference arithmetic). */
function denseAdamReference(lr: number, size: number) {
  const m = new Float32Array(size);
  const v = new Float32Array(size);
  let t = 0;
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  return (params: Float32Array, grad: Float32Array, rate = lr) => {
    t++;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const correction2 = 1 - Math.pow(beta2, t);
    const stepSize = (rate * Math.sqrt(correction2)) / (1 - Math.pow(beta1, t));
    const eps = epsilon * Math.sqrt(correction2);
    for (let k = 0; k < params.length; k++) {
      const g = grad[k];
      const mk = beta1 * m[k] + c1 * g;
      const vk = beta2 * v[k] + c2 * g * g;
      m[k] = mk;
      v[k] = vk;
      params[k] -= (stepSize * mk) / (Math.sqrt(vk) + eps);
    }
  };
}

describe("Adam", () => {
  it("dense updates equal tf.train.adam over several steps", () => {
    const start = [0.5, -1, 2, 0.1];
    const target = [1, 1, -1, 0];
    const weight = [1, 3, 0.5, 10];
    const lr = 0.05;
    const host = Float32Array.from(start);
    const adam = new Adam(lr, 0.9, 0.999, 1e-8);
    adam.add("theta", host);
    const variable = tf.variable(tf.tensor1d(start));
    const reference = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 6; step++) {
      adam.nextStep();
      adam.dense("theta", gradient(host, target, weight));
      reference.minimize(() => tf.sum(tf.mul(tf.square(tf.sub(variable, tf.tensor1d(target))), tf.tensor1d(weight))) as tf.Scalar, false, [variable]);
      const expected = variable.dataSync();
      host.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 5));
    }
    reference.dispose();
    variable.dispose();
  });

  it("step(params, grad) is bit-identical to the former DenseAdam formula, also with a decayed lr and named parameters", () => {
    const rng = createRng(11);
    const size = 257;
    const start = Float32Array.from({ length: size }, () => rng.normal());
    const viaStep = start.slice();
    const viaDense = start.slice();
    const viaRows = start.slice();
    const expected = start.slice();
    const adam = new Adam(0.02);
    const named = new Adam(0.02);
    named.add("p", viaDense);
    const byRows = new Adam(0.02);
    byRows.add("p", viaRows, 1);
    const allRows = Int32Array.from({ length: size }, (_, k) => k);
    const reference = denseAdamReference(0.02, size);
    for (let step = 0; step < 25; step++) {
      const grad = Float32Array.from({ length: size }, () => rng.normal() * (step % 3 === 0 ? 10 : 0.1));
      const lr = 0.02 * Math.pow(0.9, Math.floor(step / 5));
      adam.lr = lr;
      named.lr = lr;
      byRows.lr = lr;
      adam.step(viaStep, grad);
      named.nextStep();
      named.dense("p", grad);
      byRows.nextStep();
      byRows.rows("p", allRows, grad);
      reference(expected, grad, lr);
    }
    expect(adam.steps).toBe(25);
    expect(Array.from(viaStep)).toEqual(Array.from(expected));
    expect(Array.from(viaDense)).toEqual(Array.from(expected));
    expect(Array.from(viaRows)).toEqual(Array.from(expected));
  });

  it("row updates touch only the batch's rows and sum repeated rows first", () => {
    const table = Float32Array.from({ length: 8 }, (_, k) => k); // 4 rows × 2
    const lazy = new Adam(0.1);
    lazy.add("table", table, 2);
    lazy.nextStep();
    lazy.rows("table", Int32Array.of(2, 0, 2), Float32Array.of(1, -1, 0.5, 0.5, 3, 1));
    // Rows 1 and 3 are untouched.
    expect([table[2], table[3], table[6], table[7]]).toEqual([2, 3, 6, 7]);
    // Row 2 moved as one step with the summed gradient (4, 0): Adam's first step is −lr·sign(g).
    expect(table[4]).toBeCloseTo(4 - 0.1, 6);
    expect(table[5]).toBeCloseTo(5, 6);
    expect(table[0]).toBeCloseTo(0 - 0.1, 6);
    expect(table[1]).toBeCloseTo(1 - 0.1, 6);
    // The same summed gradient given once gives the same result.
    const once = Float32Array.from({ length: 8 }, (_, k) => k);
    const other = new Adam(0.1);
    other.add("table", once, 2);
    other.nextStep();
    other.rows("table", Int32Array.of(2, 0), Float32Array.of(4, 0, 0.5, 0.5));
    expect(Array.from(once)).toEqual(Array.from(table));
  });

  it("corrects a row's bias by the global step, not by the row's own update count", () => {
    // A row first touched at step 3 moves like a dense Adam at t = 3 with zero moments before.
    const table = new Float32Array(4); // 2 rows × 2
    const lazy = new Adam(0.1);
    lazy.add("table", table, 2);
    for (let t = 0; t < 3; t++) {
      lazy.nextStep();
      if (t < 2) lazy.rows("table", Int32Array.of(0), Float32Array.of(1, 1));
    }
    lazy.rows("table", Int32Array.of(1), Float32Array.of(2, -2));
    const g = 2;
    const m = (1 - 0.9) * g;
    const v = (1 - 0.999) * g * g;
    const update = (((0.1 * Math.sqrt(1 - 0.999 ** 3)) / (1 - 0.9 ** 3)) * m) / (Math.sqrt(v) + 1e-8 * Math.sqrt(1 - 0.999 ** 3));
    expect(table[2]).toBeCloseTo(-update, 6);
    expect(table[3]).toBeCloseTo(update, 6);
    // The bias-corrected first step of a fresh Adam would be −lr·sign(g) = −0.1: a different value.
    expect(Math.abs(table[2] + 0.1)).toBeGreaterThan(0.01);
  });

  it("refuses gradients of the wrong size, unknown names, updates before nextStep, and mixing step with names", () => {
    const adam = new Adam(0.1);
    adam.add("w", new Float32Array(6), 3);
    expect(() => adam.dense("w", new Float32Array(6))).toThrow(/nextStep/);
    adam.nextStep();
    expect(() => adam.dense("w", new Float32Array(5))).toThrow(RangeError);
    expect(() => adam.rows("w", Int32Array.of(0), new Float32Array(2))).toThrow(RangeError);
    expect(() => adam.dense("missing", new Float32Array(1))).toThrow(/no parameter missing/);
    expect(() => adam.step(new Float32Array(2), new Float32Array(2))).toThrow(/cannot be mixed/);
    expect(() => adam.add("bad", new Float32Array(5), 2)).toThrow(RangeError);
  });
});

describe("Sgd", () => {
  it("steps θ −= lr·g, rows summed", () => {
    const values = Float32Array.of(1, 2, 3, 4);
    const sgd = new Sgd(0.5);
    sgd.add("t", values, 2);
    sgd.nextStep();
    sgd.rows("t", Int32Array.of(1, 1), Float32Array.of(1, 2, 3, 4));
    expect(Array.from(values)).toEqual([1, 2, 3 - 0.5 * 4, 4 - 0.5 * 6]);
    sgd.dense("t", Float32Array.of(2, 2, 2, 2));
    expect(Array.from(values)).toEqual([0, 1, 0, 0]);
    const single = Float32Array.of(1, 1);
    const plain = new Sgd(0.25);
    plain.step(single, Float32Array.of(4, -4));
    expect(Array.from(single)).toEqual([0, 2]);
  });
});
