// The host-side BPR objective used by NGCF against the same loss written with tf autograd
// (gathers, softplus, L2 on the batch rows): equal values and gradients.
import { beforeAll, describe, expect, it } from "vitest";
import { createRng } from "../../src/math/random";
import { bprLossOnHost } from "../../src/models/graph/common";
import { initTf, tf } from "../../src/tf/backend";

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

describe("bprLossOnHost", () => {
  it("matches the tf autograd composite in value and gradient, and leaks no tensors", () => {
    const nU = 5;
    const nI = 7;
    const width = 12;
    const rng = createRng(3);
    const values = Float32Array.from({ length: (nU + nI) * width }, () => rng.normal() * 0.5);
    // Repeated rows on purpose: each occurrence counts in the loss and the L2 term.
    const users = Int32Array.from([0, 1, 1, 4, 2, 0]);
    const positives = Int32Array.from([3, 0, 6, 2, 2, 3]);
    const negatives = Int32Array.from([5, 1, 1, 0, 4, 6]);
    const reg = 0.3;
    const x = tf.tensor2d(values, [nU + nI, width]);
    const before = tf.memory().numTensors;
    const scratch = new Float32Array(values.length);
    const [hostValue, hostGrad] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => bprLossOnHost(t as tf.Tensor2D, nU, users, positives, negatives, reg, scratch))(x);
      return [value.dataSync()[0], grad.dataSync() as Float32Array];
    });
    const [refValue, refGrad] = tf.tidy(() => {
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => {
        const eu = tf.gather(t, tf.tensor1d(users, "int32"));
        const ei = tf.gather(t, tf.tensor1d(Int32Array.from(positives, (i) => nU + i), "int32"));
        const ej = tf.gather(t, tf.tensor1d(Int32Array.from(negatives, (i) => nU + i), "int32"));
        const bpr = tf.mean(tf.softplus(tf.neg(tf.sum(tf.mul(eu, tf.sub(ei, ej)), 1))));
        const l2 = tf.div(tf.add(tf.add(tf.sum(tf.square(eu)), tf.sum(tf.square(ei))), tf.sum(tf.square(ej))), 2 * users.length);
        return tf.add(bpr, tf.mul(l2, reg)) as tf.Scalar;
      })(x);
      return [value.dataSync()[0], grad.dataSync() as Float32Array];
    });
    expect(hostValue).toBeCloseTo(refValue, 5);
    let worst = 0;
    for (let k = 0; k < refGrad.length; k++) worst = Math.max(worst, Math.abs(hostGrad[k] - refGrad[k]));
    expect(worst).toBeLessThan(1e-5);
    expect(refGrad.some((g) => Math.abs(g) > 1e-3)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("refuses a scratch buffer of the wrong size", () => {
    const x = tf.zeros([4, 3]) as tf.Tensor2D;
    expect(() => bprLossOnHost(x, 2, Int32Array.of(0), Int32Array.of(0), Int32Array.of(1), 0, new Float32Array(5))).toThrow(/scratch/);
    x.dispose();
  });
});
