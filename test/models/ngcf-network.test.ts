// NGCF's hand-written forward and backward (typed arrays, SIMD kernels) against the same network
// written with TensorFlow.js autograd on a small graph: equal final representations, loss and
// gradients for E⁰ and every W1/W2/b1/b2, with message dropout (the reference uses the masks the
// typed-array pass drew) and without.
import { beforeAll, describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { normalizedAdjacency, randomWalkAdjacency } from "../../src/graph/adjacency";
import { createRng } from "../../src/math/random";
import { csrToDense } from "../../src/math/sparse";
import { Ngcf, NgcfNetwork, type NgcfParams } from "../../src/models/graph/ngcf";
import { resolveParams } from "../../src/models/registry";
import { initTf, tf } from "../../src/tf/backend";

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1e-6;
  for (let k = 0; k < b.length; k++) scale = Math.max(scale, Math.abs(b[k]));
  let worst = 0;
  for (let k = 0; k < b.length; k++) worst = Math.max(worst, Math.abs(a[k] - b[k]));
  return worst / scale;
}

/** Implicit interactions (u, i) for which `has(u, i)` holds, visited user by user, items ascending. */
function interactionsWhere(nU: number, nI: number, has: (u: number, i: number) => boolean): Interactions {
  const users: number[] = [];
  const items: number[] = [];
  for (let u = 0; u < nU; u++) {
    for (let i = 0; i < nI; i++) {
      if (has(u, i)) {
        users.push(u);
        items.push(i);
      }
    }
  }
  return Interactions.fromTriples(nU, nI, { users: Int32Array.from(users), items: Int32Array.from(items), values: new Float32Array(users.length).fill(1) });
}

describe("NgcfNetwork", () => {
  it.each([
    ["auto", 0.3, "paper", "sum"],
    ["auto", 0, "paper", "sum"],
    ["js", 0.3, "paper", "sum"],
    ["auto", 0.3, "gcn", "sum"],
    ["js", 0, "gcn", "sum"],
    ["auto", 0.3, "mean", "sum"],
    ["js", 0, "mean", "sum"],
    ["auto", 0.3, "mean", "separate"],
    ["js", 0.3, "paper", "separate"],
  ] as const)("forward and gradients equal tf autograd (kernel %s, message dropout %f, propagation %s, activation %s)", (kernel, messageDropout, propagation, activation) => {
    // paper: W1 on (L + I)E; gcn / mean: self-loops inside Â, W1 on ÂE; separate: LeakyReLU on each term.
    const selfTerm = propagation === "paper";
    const separateActivations = activation === "separate";
    const nU = 7;
    const nI = 9;
    const rng = createRng(11);
    const train = interactionsWhere(nU, nI, (u, i) => rng.next() < 0.35 || i === u);
    // "mean": the non-symmetric D̃^-1 (A + I), the backward on its transpose.
    const walk = propagation === "mean" ? randomWalkAdjacency(train) : undefined;
    const adjacency = walk ? walk.matrix : normalizedAdjacency(train, { selfLoops: !selfTerm });
    const n = nU + nI;
    const d = 8;
    const L = 2;
    const slope = 0.2;
    const reg = 0.05;
    const network = new NgcfNetwork(adjacency, d, L, {
      leakySlope: slope,
      messageDropout,
      kernel,
      threads: 1,
      seed: 5,
      maxBatch: 8,
      selfTerm,
      backwardValues: walk?.transposedValues,
      separateActivations,
    });
    expect(network.kernel).toBe(kernel === "js" ? "js" : "wasm-simd");
    network.ego().set(Float32Array.from({ length: n * d }, () => rng.normal() * 0.3));
    network.weights.set(Float32Array.from({ length: network.weights.length }, () => rng.normal() * 0.3));
    const users = Int32Array.from([0, 3, 3, 6, 1]);
    const positives = Int32Array.from([0, 3, 5, 6, 2]);
    const negatives = Int32Array.from([8, 1, 1, 0, 4]);
    const final = Float32Array.from(network.forward(true));
    const loss = network.lossAndBackward(nU, users, positives, negatives, reg);
    const gradEgo = Float32Array.from(network.gradEgo());
    const gradWeights = Float32Array.from(network.gradWeights);

    const before = tf.memory().numTensors;
    const reference = tf.tidy(() => {
      const a = tf.tensor2d(csrToDense(adjacency), [n, n]);
      const ego = tf.tensor2d(Float32Array.from(network.ego()), [n, d]);
      const layers = Array.from({ length: L }, (_, l) => network.layerWeights(l));
      const weights = layers.flatMap((w) => [
        tf.tensor2d(Float32Array.from(w.w1), [d, d]),
        tf.tensor2d(Float32Array.from(w.w2), [d, d]),
        tf.tensor1d(Float32Array.from(w.b1)),
        tf.tensor1d(Float32Array.from(w.b2)),
      ]);
      const masks = Array.from({ length: L }, (_, l) => (messageDropout > 0 ? tf.tensor2d(Float32Array.from(network.keepScales(l)), [n, d]) : tf.ones([n, d])));
      const forward = (e0: tf.Tensor2D, ws: tf.Tensor[]): tf.Tensor2D => {
        let e: tf.Tensor2D = e0;
        const parts: tf.Tensor2D[] = [e0];
        for (let l = 0; l < L; l++) {
          const [w1, w2, b1, b2] = ws.slice(4 * l, 4 * l + 4);
          const side = tf.matMul(a, e);
          const z1 = tf.add(tf.matMul(selfTerm ? tf.add(side, e) : side, w1 as tf.Tensor2D), b1);
          const z2 = tf.add(tf.matMul(tf.mul(side, e), w2 as tf.Tensor2D), b2);
          const h = separateActivations ? tf.add(tf.leakyRelu(z1, slope), tf.leakyRelu(z2, slope)) : tf.leakyRelu(tf.add(z1, z2), slope);
          e = tf.mul(h, masks[l]) as tf.Tensor2D;
          parts.push(tf.div(e, tf.maximum(tf.norm(e, "euclidean", 1, true), 1e-12)) as tf.Tensor2D);
        }
        return tf.concat(parts, 1);
      };
      const objective = (e0: tf.Tensor, ...ws: tf.Tensor[]): tf.Scalar => {
        const f = forward(e0 as tf.Tensor2D, ws);
        const eu = tf.gather(f, tf.tensor1d(users, "int32"));
        const ei = tf.gather(
          f,
          tf.tensor1d(
            Int32Array.from(positives, (i) => nU + i),
            "int32",
          ),
        );
        const ej = tf.gather(
          f,
          tf.tensor1d(
            Int32Array.from(negatives, (i) => nU + i),
            "int32",
          ),
        );
        const bpr = tf.sum(tf.softplus(tf.neg(tf.sum(tf.mul(eu, tf.sub(ei, ej)), 1))));
        const l2 = tf.add(tf.add(tf.sum(tf.square(eu)), tf.sum(tf.square(ei))), tf.sum(tf.square(ej)));
        return tf.div(tf.add(bpr, tf.mul(l2, reg / 2)), users.length) as tf.Scalar;
      };
      const { value, grads } = tf.valueAndGrads(objective)([ego, ...weights]);
      return { final: forward(ego, weights).dataSync() as Float32Array, value: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(maxRelDiff(final, reference.final)).toBeLessThan(1e-5);
    // The network returns the summed loss (the step loop averages); tf's objective is the mean.
    expect(loss / users.length).toBeCloseTo(reference.value, 5);
    expect(maxRelDiff(gradEgo, reference.grads[0])).toBeLessThan(1e-4);
    expect(reference.grads[0].some((g) => Math.abs(g) > 1e-3)).toBe(true);
    for (let l = 0; l < L; l++) {
      const got = network.layerWeights(l, gradWeights);
      const [w1, w2, b1, b2] = reference.grads.slice(1 + 4 * l, 5 + 4 * l);
      expect(maxRelDiff(got.w1, w1)).toBeLessThan(1e-4);
      expect(maxRelDiff(got.w2, w2)).toBeLessThan(1e-4);
      expect(maxRelDiff(got.b1, b1)).toBeLessThan(1e-4);
      expect(maxRelDiff(got.b2, b2)).toBeLessThan(1e-4);
    }
    if (messageDropout > 0) {
      // Dropout drew about the requested share of zeros.
      let dropped = 0;
      for (let l = 0; l < L; l++) for (const m of network.keepScales(l)) dropped += m === 0 ? 1 : 0;
      expect(dropped / (L * n * d)).toBeGreaterThan(0.15);
      expect(dropped / (L * n * d)).toBeLessThan(0.45);
    }
    network.dispose();
  });

  it("the threaded SIMD path equals the JS path on a graph large enough for threads", () => {
    const nU = 300;
    const nI = 400;
    const rng = createRng(12);
    const train = interactionsWhere(nU, nI, () => rng.next() < 0.25);
    const adjacency = normalizedAdjacency(train);
    expect(adjacency.indptr[nU + nI]).toBeGreaterThan(50_000);
    const n = nU + nI;
    const d = 36; // a wide block of 32 columns and a narrow one
    const make = (kernel: "auto" | "js", threads: number) => new NgcfNetwork(adjacency, d, 3, { leakySlope: 0.2, messageDropout: 0, kernel, threads, seed: 9, maxBatch: 250 });
    const simd = make("auto", 2);
    const js = make("js", 1);
    expect(simd.threads).toBe(2);
    const ego = Float32Array.from({ length: n * d }, () => rng.normal() * 0.2);
    const weights = Float32Array.from({ length: simd.weights.length }, () => rng.normal() * 0.2);
    const batchUsers = Int32Array.from({ length: 500 }, () => rng.int(nU));
    const positives = Int32Array.from({ length: 500 }, () => rng.int(nI));
    const negatives = Int32Array.from({ length: 500 }, () => rng.int(nI));
    const results = [simd, js].map((network) => {
      network.ego().set(ego);
      network.weights.set(weights);
      // Two steps: the second checks that the batch rows of ∂loss/∂final were cleared.
      network.forward(true);
      network.lossAndBackward(nU, batchUsers.subarray(0, 250), positives.subarray(0, 250), negatives.subarray(0, 250), 0.01);
      const final = Float32Array.from(network.forward(true));
      const loss = network.lossAndBackward(nU, batchUsers.subarray(250), positives.subarray(250), negatives.subarray(250), 0.01);
      return { final, loss, gradEgo: Float32Array.from(network.gradEgo()), gradWeights: Float32Array.from(network.gradWeights) };
    });
    expect(maxRelDiff(results[0].final, results[1].final)).toBeLessThan(1e-5);
    expect(results[0].loss).toBeCloseTo(results[1].loss, 3);
    expect(maxRelDiff(results[0].gradEgo, results[1].gradEgo)).toBeLessThan(1e-4);
    expect(maxRelDiff(results[0].gradWeights, results[1].gradWeights)).toBeLessThan(1e-4);
    // Dropout on the threaded path: every thread draws its own stream; about the rate is dropped.
    const dropping = new NgcfNetwork(adjacency, d, 2, { leakySlope: 0.2, messageDropout: 0.25, kernel: "auto", threads: 2, seed: 3 });
    dropping.ego().set(ego.subarray(0, n * d));
    dropping.forward(true);
    const scales = dropping.keepScales(1);
    let zeros = 0;
    for (const v of scales) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / 0.75, 6);
    }
    expect(zeros / scales.length).toBeGreaterThan(0.23);
    expect(zeros / scales.length).toBeLessThan(0.27);
    // Second half of the rows (the worker's share) is not a copy of the first half.
    const half = (n / 2) * d;
    let same = 0;
    for (let k = 0; k < 1000; k++) if (scales[k] === scales[half + k]) same++;
    expect(same).toBeLessThan(900);
    for (const network of [simd, js, dropping]) network.dispose();
  });
});

describe("Ngcf variants", () => {
  // Two user groups, each interacting with its own half of the catalogue: every propagation form,
  // with node dropout and either activation, must learn to recommend in-group items.
  it.each([
    ["paper", "sum"],
    ["gcn", "sum"],
    ["mean", "sum"],
    ["mean", "separate"],
  ] as const)("propagation %s, activation %s, node dropout 0.2: recommends the user's group", async (propagation, activation) => {
    const nU = 40;
    const nI = 30;
    const rng = createRng(3);
    const sameGroup = (u: number, i: number) => u < nU / 2 === i < nI / 2;
    const interactions = interactionsWhere(nU, nI, (u, i) => sameGroup(u, i) && rng.next() < 0.5);
    const model = new Ngcf(resolveParams("ngcf", { dim: 8, layers: 2, batchSize: 128, epochs: 60, lr: 0.02, validationFraction: 0, nodeDropout: 0.2, propagation, activation }) as NgcfParams);
    await model.fit({ interactions, implicit: true }, { seed: 1 });
    let inGroup = 0;
    let total = 0;
    for (let u = 0; u < nU; u++) {
      for (const item of model.recommend(u, 3, { exclude: interactions.userItems(u) }).items) {
        total++;
        if (sameGroup(u, item)) inGroup++;
      }
    }
    expect(inGroup / total).toBeGreaterThan(0.8);
    model.dispose();
  });
});
