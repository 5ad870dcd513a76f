// The training kit's loop and validation (src/models/training): early stopping keeps the best
// state, the time budget and an abort stop training, a diverged loss names the learning rate,
// progress comes once per epoch, checks run every evalEvery epochs; rankingValidation equals a
// brute-force ranking scored with src/eval/metrics.ts; the losses' gradients match finite differences.
import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { ValidationError } from "../../src/errors";
import { rankingScores } from "../../src/eval/metrics";
import { createRng } from "../../src/math/random";
import { addBatchL2, arrayState, bprLossAndGrad, rankingValidation, runTraining, type TrainingLoopOptions } from "../../src/models/training";
import type { TrainingProgress } from "../../src/models/types";

/** A "model" whose only weight counts epochs, validated by a scripted metric sequence. */
function scripted(metrics: number[], extra: Partial<TrainingLoopOptions> = {}) {
  const weight = new Float64Array(1);
  const calls = { refresh: 0, validate: 0, checkpoints: [] as number[], progress: [] as TrainingProgress[] };
  const options: TrainingLoopOptions = {
    model: "toy",
    context: { seed: 1, onProgress: (p) => calls.progress.push(p) },
    epochs: metrics.length,
    lr: 0.5,
    trainEpoch: (epoch) => {
      weight[0] = epoch;
      return 1 / epoch;
    },
    validate: () => ({ "recall@20": metrics[weight[0] - 1], epochWeight: weight[0] }),
    best: arrayState(weight),
    refresh: () => calls.refresh++,
    onCheckpoint: (info) => {
      calls.checkpoints.push(info.epoch);
    },
    ...extra,
  };
  const validate = options.validate;
  if (validate) options.validate = () => (calls.validate++, validate());
  return { weight, calls, options };
}

describe("runTraining", () => {
  it("stops after `patience` checks without improvement and restores the best state", async () => {
    const { weight, calls, options } = scripted([0.1, 0.3, 0.2, 0.25, 0.5, 0.6], { patience: 2 });
    const result = await runTraining(options);
    expect(result.stoppedBy).toBe("early-stopping");
    expect(result.epochs).toBe(4);
    expect(result.bestEpoch).toBe(2);
    expect(result.best).toEqual({ "recall@20": 0.3, epochWeight: 2 });
    expect(weight[0]).toBe(2); // restored
    expect(calls.refresh).toBe(4 + 1); // every check, then after the restore
    expect(result.lossCurve).toEqual([1, 1 / 2, 1 / 3, 1 / 4]);
    expect(result.validationCurve.map((v) => v.epoch)).toEqual([1, 2, 3, 4]);
  });

  it("keeps the last state when the last check is the best, and follows a lower-is-better monitor", async () => {
    const up = scripted([0.1, 0.2, 0.3], { patience: 1 });
    const last = await runTraining(up.options);
    expect([last.stoppedBy, last.bestEpoch, up.weight[0], up.calls.refresh]).toEqual(["epochs", 3, 3, 3]);
    const down = scripted([0.9, 0.8, 0.85, 0.95, 0.7], { patience: 2, monitor: { metric: "recall@20", higherIsBetter: false } });
    const result = await runTraining(down.options);
    expect([result.stoppedBy, result.epochs, result.bestEpoch, down.weight[0]]).toEqual(["early-stopping", 4, 2, 2]);
  });

  it("checks every evalEvery epochs and at the last epoch; progress after every epoch", async () => {
    const { calls, options } = scripted([1, 2, 3, 4, 5, 6, 7], { evalEvery: 3, stage: "pretraining toy", describeEpoch: (e, s) => `epoch ${e} (${s >= 0 ? "timed" : "?"})` });
    const result = await runTraining(options);
    expect(result.validationCurve.map((v) => v.epoch)).toEqual([3, 6, 7]);
    expect(calls.checkpoints).toEqual([3, 6, 7]);
    expect(calls.refresh).toBe(3);
    expect(calls.progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(calls.progress.every((p) => p.epochs === 7)).toBe(true);
    expect(calls.progress[2].validation?.["recall@20"]).toBe(3);
    expect(calls.progress[3].validation).toBeUndefined();
    expect(calls.progress[0].message).toBe("pretraining toy: epoch 1 (timed)");
    expect(calls.progress[4].loss).toBe(1 / 5);
    expect(result.epochSeconds).toHaveLength(7);
  });

  it("without validation it trains every epoch, refreshes at checks and reports the last epoch", async () => {
    const { weight, calls, options } = scripted([0, 0, 0, 0], { validate: undefined, evalEvery: 2, patience: 1 });
    const result = await runTraining(options);
    expect([result.epochs, result.bestEpoch, result.stoppedBy, weight[0], calls.refresh]).toEqual([4, 4, "epochs", 4, 2]);
    expect(result.validationCurve).toEqual([]);
  });

  it("stops at the time budget, with a final check", async () => {
    const { calls, options } = scripted([0.1, 0.2, 0.3, 0.4, 0.5], {
      maxSeconds: 0.005,
      evalEvery: 10,
      trainEpoch: () => {
        const until = performance.now() + 10;
        while (performance.now() < until);
        return 1;
      },
    });
    const result = await runTraining(options);
    expect(result.stoppedBy).toBe("time-budget");
    expect(result.epochs).toBe(1);
    expect(calls.validate).toBe(1);
    expect(result.trainSeconds).toBeGreaterThanOrEqual(0.005);
  });

  it("excludes checkpoint-hook time from training time", async () => {
    const { options } = scripted([0.1, 0.2], {
      onCheckpoint: async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    const result = await runTraining(options);
    // Two checks of 0.3 s each; the two trivial epochs take far less than that.
    expect(result.trainSeconds).toBeLessThan(0.3);
  });

  it("throws the abort reason before the next epoch", async () => {
    const controller = new AbortController();
    let epochs = 0;
    const { options } = scripted([0.1, 0.2, 0.3, 0.4], {
      trainEpoch: () => ++epochs,
      context: { seed: 1, signal: controller.signal, onProgress: (p) => p.epoch === 2 && controller.abort(new Error("cancelled")) },
    });
    await expect(runTraining(options)).rejects.toThrow("cancelled");
    expect(epochs).toBe(2);
  });

  it("names the learning rate (and the stage) when the loss diverges", async () => {
    const { options } = scripted([0.1, 0.2, 0.3], { stage: "fine-tuning", trainEpoch: (epoch) => (epoch === 2 ? Number.NaN : 1) });
    const error = await runTraining(options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe("toy.lr");
    expect((error as ValidationError).value).toBe(0.5);
    expect((error as ValidationError).message).toMatch(/smaller learning rate: training diverged \(loss NaN at epoch 2, fine-tuning\)/);
  });

  it("refuses a validation that lacks the monitored metric", async () => {
    const { options } = scripted([0.1], { monitor: { metric: "ndcg@20", higherIsBetter: true } });
    await expect(runTraining(options)).rejects.toThrow(/no ndcg@20/);
  });
});

/** Random disjoint train / held-out rows, and a score matrix with many ties. */
function randomCase(seed: number, nUsers: number, nItems: number) {
  const rng = createRng(seed);
  const train: number[][] = [];
  const heldOut: number[][] = [];
  for (let u = 0; u < nUsers; u++) {
    const items = rng.shuffle(Int32Array.from({ length: nItems }, (_, i) => i));
    const nTrain = rng.int(8);
    const nHeld = u % 5 === 4 ? 0 : 1 + rng.int(12);
    train.push(Array.from(items.subarray(0, nTrain)).sort((a, b) => a - b));
    heldOut.push(Array.from(items.subarray(nTrain, nTrain + nHeld)).sort((a, b) => a - b));
  }
  const scores = Float32Array.from({ length: nUsers * nItems }, () => Math.round(rng.next() * 8) / 8);
  return { train: csr(train, nItems), heldOut: csr(heldOut, nItems), trainRows: train, heldRows: heldOut, scores };
}

function csr(rows: number[][], nItems: number): Interactions {
  const indptr = new Int32Array(rows.length + 1);
  rows.forEach((row, u) => (indptr[u + 1] = indptr[u] + row.length));
  const indices = Int32Array.from(rows.flat());
  return new Interactions(rows.length, nItems, indptr, indices, new Float32Array(indices.length).fill(1));
}

describe("rankingValidation", () => {
  it("equals a brute-force full ranking (ties by lower index, training items excluded) scored by eval/metrics", () => {
    const nUsers = 23;
    const nItems = 40;
    const { train, heldOut, trainRows, heldRows, scores } = randomCase(5, nUsers, nItems);
    const users = Int32Array.from({ length: nUsers }, (_, u) => u).filter((u) => u % 3 !== 1);
    const score = (batch: Int32Array, out: Float32Array) => {
      expect(out.length).toBe(batch.length * nItems);
      batch.forEach((u, r) => out.set(scores.subarray(u * nItems, (u + 1) * nItems), r * nItems));
    };
    for (const k of [1, 5, 20]) {
      let recall = 0;
      let ndcg = 0;
      for (const u of users) {
        const row = scores.subarray(u * nItems, (u + 1) * nItems);
        const ranked = Array.from({ length: nItems }, (_, i) => i)
          .filter((i) => !trainRows[u].includes(i))
          .sort((a, b) => row[b] - row[a] || a - b);
        const s = rankingScores(ranked, new Set(heldRows[u]), k);
        recall += s.recall;
        ndcg += s.ndcg;
      }
      // Batches of 4 users: the score buffer is reused and the last batch is short.
      const got = rankingValidation(score, train, heldOut, users, k, 4);
      expect(got[`recall@${k}`]).toBe(recall / users.length);
      expect(got[`ndcg@${k}`]).toBe(ndcg / users.length);
    }
  });

  it("recall is hits / |relevant| even when |relevant| > k", () => {
    // One user, 6 items; relevant {0, 1, 2, 3, 4}; the top 2 (items 0 and 1) are both relevant.
    const train = csr([[5]], 6);
    const heldOut = csr([[0, 1, 2, 3, 4]], 6);
    const scores = Float32Array.of(9, 8, 1, 1, 1, 10);
    const m = rankingValidation((_u, out) => out.set(scores), train, heldOut, Int32Array.of(0), 2);
    expect(m["recall@2"]).toBe(2 / 5);
    expect(m["ndcg@2"]).toBe(1);
  });
});

describe("losses (src/models/training/losses.ts)", () => {
  // 3 users and 4 items, 5-dimensional rows; a batch that repeats a user and an item.
  const dim = 5;
  const itemOffset = 3;
  const users = Int32Array.of(0, 2, 0);
  const positives = Int32Array.of(1, 3, 2);
  const negatives = Int32Array.of(0, 1, 3);
  const rows = new Float32Array((itemOffset + 4) * dim);
  const rng = createRng(7);
  for (let k = 0; k < rows.length; k++) rows[k] = rng.normal() * 0.5;

  function checkGradient(loss: (values: Float32Array, grad: Float32Array) => number): void {
    const grad = new Float32Array(rows.length);
    loss(rows, grad);
    const scratch = new Float32Array(rows.length);
    const h = 1e-2;
    for (let k = 0; k < rows.length; k++) {
      const plus = Float32Array.from(rows);
      const minus = Float32Array.from(rows);
      plus[k] += h;
      minus[k] -= h;
      const numeric = (loss(plus, scratch) - loss(minus, scratch)) / (2 * h);
      expect(grad[k]).toBeCloseTo(numeric, 3);
    }
  }

  it("bprLossAndGrad: the gradient of the batch mean (the returned loss is the sum), with and without the L2 term", () => {
    for (const reg of [0, 0.3]) checkGradient((values, grad) => bprLossAndGrad(values, dim, itemOffset, users, positives, negatives, grad, reg) / users.length);
  });

  it("addBatchL2: λ·e on every occurrence of a batch row, and Σ‖e‖² returned", () => {
    const lambda = 0.2;
    checkGradient((values, grad) => (lambda / 2) * addBatchL2(values, dim, itemOffset, users, positives, negatives, lambda, grad));
  });
});
