// SASRec's hand-written ops against references: the depthwise-conv attention against a
// typed-array implementation that only ever reads allowed keys, and the custom-gradient
// linear / matMul / gather / layer norm against plain tf ops, values and gradients.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { attentionMasks, causalAttention, causalAttentionConv, gatherRows, layerNorm, linear, matMulFast } from "../../src/models/sequential/kernels";
import { initTf } from "../../src/tf/backend";

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Values and gradients of sum(f(inputs) · w) for a fixed random w. */
function valueAndGrads(f: (...inputs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], seed: number): { value: tf.Tensor; grads: tf.Tensor[] } {
  const value = f(...inputs);
  const w = tf.randomNormal(value.shape, 0, 1, "float32", seed);
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
  w.dispose();
  return { value, grads };
}

describe("causal attention", () => {
  it.each([
    [1, 6, 4, 1],
    [7, 9, 12, 2],
    [5, 13, 12, 3],
  ])("the conv form equals the masked reference (rows %i, width %i, d %i, heads %i), values and gradients", (rows, width, d, heads) => {
    const before = tf.memory().numTensors;
    // Ragged rows, one empty and one full.
    const lengths = Int32Array.from({ length: rows }, (_, r) => (r === 0 ? width : r === 1 ? 0 : 1 + ((r * 5) % width)));
    const layout = { rows, width, lengths };
    const [q, k, v] = [1, 2, 3].map((s) => tf.randomNormal([rows * width, d], 0, 1, "float32", s) as tf.Tensor2D);
    const masks = attentionMasks(layout, heads);
    const reference = valueAndGrads((a, b, c) => causalAttention(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, layout, heads), [q, k, v], 9);
    const conv = valueAndGrads((a, b, c) => causalAttentionConv(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, masks), [q, k, v], 9);
    expect(maxDiff(reference.value, conv.value)).toBeLessThan(1e-5);
    for (let g = 0; g < 3; g++) expect(maxDiff(reference.grads[g], conv.grads[g])).toBeLessThan(1e-4);
    // Padded positions: zero output and zero gradient.
    const out = conv.value.dataSync();
    const dq = conv.grads[0].dataSync();
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < width - lengths[r]; t++) {
        for (let c = 0; c < d; c++) {
          expect(Math.abs(out[(r * width + t) * d + c])).toBe(0);
          expect(Math.abs(dq[(r * width + t) * d + c])).toBe(0);
        }
      }
    }
    tf.dispose([q, k, v, masks.bias, masks.queryMask, reference.value, conv.value, ...reference.grads, ...conv.grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("the reference attends to earlier keys only: the first real position returns its own value", () => {
    const layout = { rows: 1, width: 4, lengths: Int32Array.from([3]) };
    const v = tf.randomNormal([4, 6], 0, 1, "float32", 4) as tf.Tensor2D;
    const q = tf.randomNormal([4, 6], 0, 1, "float32", 5) as tf.Tensor2D;
    const out = causalAttention(q, q, v, layout, 1).dataSync();
    const values = v.dataSync();
    for (let c = 0; c < 6; c++) expect(out[1 * 6 + c]).toBeCloseTo(values[1 * 6 + c], 6);
    tf.dispose([q, v]);
  });
});

describe("custom-gradient ops equal plain tf ops", () => {
  const x = () => tf.randomNormal([37, 8], 0, 1, "float32", 1) as tf.Tensor2D;

  it("linear, with and without ReLU", () => {
    for (const relu of [false, true]) {
      tf.tidy(() => {
        const w = tf.randomNormal([8, 5], 0, 1, "float32", 2) as tf.Tensor2D;
        const b = tf.randomNormal([5], 0, 1, "float32", 3) as tf.Tensor1D;
        const mine = valueAndGrads((a, c, e) => linear(a as tf.Tensor2D, c as tf.Tensor2D, e as tf.Tensor1D, relu), [x(), w, b], 4);
        const plain = valueAndGrads(
          (a, c, e) => {
            const y = tf.add(tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), e);
            return relu ? tf.relu(y) : y;
          },
          [x(), w, b],
          4,
        );
        expect(maxDiff(mine.value, plain.value)).toBeLessThan(1e-5);
        for (let g = 0; g < 3; g++) expect(maxDiff(mine.grads[g], plain.grads[g])).toBeLessThan(1e-4);
      });
    }
  });

  it("matMulFast", () => {
    tf.tidy(() => {
      const b = tf.randomNormal([8, 11], 0, 1, "float32", 5) as tf.Tensor2D;
      const mine = valueAndGrads((a, c) => matMulFast(a as tf.Tensor2D, c as tf.Tensor2D), [x(), b], 6);
      const plain = valueAndGrads((a, c) => tf.matMul(a as tf.Tensor2D, c as tf.Tensor2D), [x(), b], 6);
      expect(maxDiff(mine.value, plain.value)).toBeLessThan(1e-5);
      for (let g = 0; g < 2; g++) expect(maxDiff(mine.grads[g], plain.grads[g])).toBeLessThan(1e-4);
    });
  });

  it("gatherRows, with repeated ids", () => {
    tf.tidy(() => {
      const ids = Int32Array.from([3, 0, 3, 36, 7, 7, 7]);
      const mine = valueAndGrads((t) => gatherRows(t as tf.Tensor2D, ids), [x()], 7);
      const plain = valueAndGrads((t) => tf.gather(t, tf.tensor1d(ids, "int32")), [x()], 7);
      expect(maxDiff(mine.value, plain.value)).toBe(0);
      expect(maxDiff(mine.grads[0], plain.grads[0])).toBeLessThan(1e-5);
    });
  });

  it("layerNorm", () => {
    tf.tidy(() => {
      const gain = tf.randomNormal([8], 1, 0.5, "float32", 8) as tf.Tensor1D;
      const bias = tf.randomNormal([8], 0, 1, "float32", 9) as tf.Tensor1D;
      const mine = valueAndGrads((a, g, b) => layerNorm(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-8), [x(), gain, bias], 10);
      const plain = valueAndGrads(
        (a, g, b) => {
          const centred = tf.sub(a, tf.mean(a, 1, true));
          const variance = tf.mean(tf.square(centred), 1, true);
          return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-8))), g), b);
        },
        [x(), gain, bias],
        10,
      );
      expect(maxDiff(mine.value, plain.value)).toBeLessThan(1e-5);
      for (let g = 0; g < 3; g++) expect(maxDiff(mine.grads[g], plain.grads[g])).toBeLessThan(1e-4);
    });
  });
});
