// Host optimisers: dense Adam matches tf.train.adam step for step; lazy (row) Adam touches only
// the rows of the batch and sums repeated rows first; SGD is θ −= lr·g.
import { beforeAll, describe, expect, it } from "vitest";
import { initTf, tf } from "../../src/tf/backend";
import { HostAdam, HostSgd } from "../../src/tf/hostOptimizer";

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

/** Gradient of Σ (θ − target)² · weight: 2 (θ − target) · weight. */
function gradient(theta: Float32Array, target: number[], weight: number[]): Float32Array {
  return Float32Array.from(theta, (t, k) => 2 * (t - target[k]) * weight[k]);
}

describe("HostAdam", () => {
  it("dense updates equal tf.train.adam over several steps", () => {
    const start = [0.5, -1, 2, 0.1];
    const target = [1, 1, -1, 0];
    const weight = [1, 3, 0.5, 10];
    const lr = 0.05;
    const host = Float32Array.from(start);
    const adam = new HostAdam(lr, 0.9, 0.999, 1e-8);
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

  it("row updates touch only the batch's rows and sum repeated rows first", () => {
    const table = Float32Array.from({ length: 8 }, (_, k) => k); // 4 rows × 2
    const lazy = new HostAdam(0.1);
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
    const other = new HostAdam(0.1);
    other.add("table", once, 2);
    other.nextStep();
    other.rows("table", Int32Array.of(2, 0), Float32Array.of(4, 0, 0.5, 0.5));
    expect(Array.from(once)).toEqual(Array.from(table));
  });

  it("refuses gradients of the wrong size", () => {
    const adam = new HostAdam(0.1);
    adam.add("w", new Float32Array(6), 3);
    adam.nextStep();
    expect(() => adam.dense("w", new Float32Array(5))).toThrow(RangeError);
    expect(() => adam.rows("w", Int32Array.of(0), new Float32Array(2))).toThrow(RangeError);
    expect(() => adam.dense("missing", new Float32Array(1))).toThrow(/no parameter missing/);
  });
});

describe("HostSgd", () => {
  it("steps θ −= lr·g, rows summed", () => {
    const values = Float32Array.of(1, 2, 3, 4);
    const sgd = new HostSgd(0.5);
    sgd.add("t", values, 2);
    sgd.nextStep();
    sgd.rows("t", Int32Array.of(1, 1), Float32Array.of(1, 2, 3, 4));
    expect(Array.from(values)).toEqual([1, 2, 3 - 0.5 * 4, 4 - 0.5 * 6]);
    sgd.dense("t", Float32Array.of(2, 2, 2, 2));
    expect(Array.from(values)).toEqual([0, 1, 0, 0]);
  });
});
