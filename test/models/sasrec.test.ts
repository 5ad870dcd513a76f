// SASRec beyond the contract: causal and padding masks, next-item learning on a sequential
// pattern no order-blind model can learn, fold-in, progress and early stopping, errors.
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors";
import { Interactions } from "../../src/data/interactions";
import { createRng } from "../../src/math/random";
import { createModel, deserializeModel, resolveParams, serializeModel } from "../../src/models/registry";
import { SASRec } from "../../src/models/sequential/sasrec";
import type { TrainingProgress } from "../../src/models/types";
import { initTf } from "../../src/tf/backend";

const N_ITEMS = 30;
const N_USERS = 60;

/** Every user walks the item cycle 0 → 1 → … → 29 → 0 from a random start, 10–18 steps. */
function cyclicData(seed = 3): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const start = rng.int(N_ITEMS);
    const length = 10 + rng.int(9);
    for (let t = 0; t < length; t++) {
      users.push(u);
      items.push((start + t) % N_ITEMS);
      times.push(1_000 + t);
    }
  }
  return Interactions.fromTriples(N_USERS, N_ITEMS, {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: new Float32Array(users.length).fill(1),
    times: Float64Array.from(times),
  });
}

const FAST = { maxLength: 20, dim: 32, blocks: 2, heads: 2, dropout: 0.1, lr: 0.01, batchSize: 16, epochs: 40, evalEvery: 0 };

/** Share of users whose top unseen item is the next one on the cycle. */
function nextItemAccuracy(model: { recommend: SASRec["recommend"] }, data: Interactions): number {
  let correct = 0;
  for (let u = 0; u < N_USERS; u++) {
    const sequence = data.sequence(u);
    const ranked = model.recommend(u, 1, { exclude: sequence });
    if (ranked.items[0] === (sequence[sequence.length - 1] + 1) % N_ITEMS) correct++;
  }
  return correct / N_USERS;
}

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

describe("sasrec on a sequential pattern", () => {
  const data = cyclicData();
  let model: SASRec;
  let tensorsBefore = 0;
  const progress: TrainingProgress[] = [];

  beforeAll(async () => {
    tensorsBefore = tf.memory().numTensors;
    model = createModel("sasrec", FAST) as SASRec;
    await model.fit({ interactions: data, implicit: true }, { seed: 5, onProgress: (p) => progress.push(p) });
  });
  afterAll(() => model.dispose());

  it("predicts the next item of the cycle for almost every user", () => {
    expect(nextItemAccuracy(model, data)).toBeGreaterThan(0.9);
  });

  it("folds in a new history in time order: the item after its last one ranks first", () => {
    for (const history of [[4, 5, 6, 7], [27, 28, 29, 0, 1], [12]]) {
      const items = Int32Array.from(history);
      const ranked = model.recommendForProfile({ items, values: new Float32Array(items.length).fill(1) }, 3, { exclude: items });
      expect(ranked.items[0]).toBe((history[history.length - 1] + 1) % N_ITEMS);
    }
    // The order matters: reversed, the same items point elsewhere.
    const reversed = Int32Array.from([7, 6, 5, 4]);
    expect(model.recommendForProfile({ items: reversed, values: new Float32Array(4).fill(1) }, 1, { exclude: reversed }).items[0]).not.toBe(8);
  });

  it("never lets a future item change an earlier position's output", () => {
    const history = Int32Array.from([3, 4, 5, 6, 7, 8, 9]);
    const perturbed = Int32Array.from([3, 4, 5, 21, 22, 23, 24]);
    const d = FAST.dim;
    const a = model.encodeHistory(history);
    const b = model.encodeHistory(perturbed);
    expect(a.length).toBe(history.length * d);
    // Positions 0..2 see the same prefix: identical to float tolerance.
    for (let k = 0; k < 3 * d; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(1e-5);
    // Positions 3.. see different items: the outputs do change (the check above can fail).
    let changed = 0;
    for (let k = 3 * d; k < a.length; k++) changed = Math.max(changed, Math.abs(a[k] - b[k]));
    expect(changed).toBeGreaterThan(1e-2);
  });

  it("ignores padding: the same history padded to the full window gives the same outputs", () => {
    const history = Int32Array.from([10, 11, 12, 13]);
    const tight = model.encodeHistory(history);
    const padded = model.encodeHistory(history, FAST.maxLength);
    expect(padded.length).toBe(tight.length);
    for (let k = 0; k < tight.length; k++) expect(Math.abs(tight[k] - padded[k])).toBeLessThan(1e-5);
    // Scoring a short history in a batch with a long one (more left padding) changes nothing.
    const users = Int32Array.from([0, 1, 2, 3, 4, 5]);
    const batch = new Float32Array(users.length * N_ITEMS);
    model.scoreUsers(users, batch);
    const single = new Float32Array(N_ITEMS);
    users.forEach((u, r) => {
      model.scoreUser(u, single);
      for (let i = 0; i < N_ITEMS; i++) expect(Math.abs(batch[r * N_ITEMS + i] - single[i])).toBeLessThan(1e-4);
    });
  });

  it("keeps only the last maxLength items of a long history", () => {
    const long = Int32Array.from({ length: 45 }, (_, t) => (t * 7) % N_ITEMS);
    const tail = long.subarray(long.length - FAST.maxLength);
    const a = new Float32Array(N_ITEMS);
    const b = new Float32Array(N_ITEMS);
    model.scoreProfile({ items: long, values: new Float32Array(long.length) }, a);
    model.scoreProfile({ items: tail, values: new Float32Array(tail.length) }, b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it("scores an empty history by popularity", () => {
    const out = new Float32Array(N_ITEMS);
    model.scoreProfile({ items: new Int32Array(0), values: new Float32Array(0) }, out);
    expect(Array.from(out)).toEqual(Array.from(data.itemDegrees(), Number));
  });

  it("reports progress every epoch with the loss going down", () => {
    expect(progress.map((p) => p.epoch)).toEqual(Array.from({ length: FAST.epochs }, (_, e) => e + 1));
    for (const p of progress) expect(Number.isFinite(p.loss)).toBe(true);
    expect(progress[progress.length - 1].loss!).toBeLessThan(progress[0].loss! * 0.5);
  });

  it("restores a multi-head model from its artifact with identical scores", () => {
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 5, dataFingerprint: data.fingerprint() }));
    try {
      const a = new Float32Array(N_ITEMS);
      const b = new Float32Array(N_ITEMS);
      for (const u of [0, 17, 59]) {
        model.scoreUser(u, a);
        loaded.scoreUser(u, b);
        expect(Array.from(b)).toEqual(Array.from(a));
      }
    } finally {
      loaded.dispose();
    }
  });

  it("rejects a profile with an unknown item, naming the field and range", () => {
    const bad = () => model.scoreProfile({ items: Int32Array.from([1, N_ITEMS]), values: new Float32Array(2) }, new Float32Array(N_ITEMS));
    expect(bad).toThrow(ValidationError);
    expect(bad).toThrow(/profile\.items.*0–29/);
  });

  it("refuses an artifact with a mis-sized weight, naming it, and leaks no tensor doing so", () => {
    const state = model.saveState();
    const held = tf.memory().numTensors;
    const broken = createModel("sasrec", FAST) as SASRec;
    const arrays = { ...state.arrays, "b0.qkvW": new Float32Array(3) };
    expect(() => broken.loadState({ json: state.json, arrays }, { nUsers: N_USERS, nItems: N_ITEMS })).toThrow(/sasrec\.state\.b0\.qkvW/);
    broken.dispose();
    expect(tf.memory().numTensors).toBe(held);
  });

  it("frees every tensor on dispose", () => {
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});

describe("sasrec training options", () => {
  const data = cyclicData(11);

  it("is reproducible from its seed", async () => {
    const scores = async (seed: number) => {
      const model = createModel("sasrec", { ...FAST, epochs: 3 });
      try {
        await model.fit({ interactions: data, implicit: true }, { seed });
        const out = new Float32Array(N_ITEMS);
        model.scoreUser(7, out);
        return Array.from(out);
      } finally {
        model.dispose();
      }
    };
    const first = await scores(9);
    expect(await scores(9)).toEqual(first);
    expect(await scores(10)).not.toEqual(first);
  });

  it("validates on each user's last item, reports HR@10/NDCG@10 and stops early", async () => {
    const model = createModel("sasrec", { ...FAST, epochs: 300, evalEvery: 2, patience: 3 });
    const seen: TrainingProgress[] = [];
    try {
      const report = await model.fit({ interactions: data, implicit: true }, { seed: 2, onProgress: (p) => seen.push(p) });
      const validated = seen.filter((p) => p.validation);
      expect(validated.length).toBeGreaterThan(3);
      expect(validated.every((p) => p.epoch % 2 === 0)).toBe(true);
      const last = validated[validated.length - 1].validation!;
      expect(Object.keys(last).sort()).toEqual(["hr@10", "ndcg@10"]);
      // The pattern is learnable to perfection, after which NDCG cannot improve: it stops.
      expect(Math.max(...validated.map((p) => p.validation!["ndcg@10"]))).toBeGreaterThan(0.9);
      expect(report.epochs).toBeLessThan(300);
      const best = report.notes?.bestEpoch as number;
      expect(report.epochs - best).toBe(3 * 2);
      expect(report.validationCurve?.length).toBe(validated.length);
      // The best epoch's weights are kept: the held-out last items are predicted.
      let hits = 0;
      for (let u = 0; u < N_USERS; u++) {
        const sequence = data.sequence(u);
        // Scoring attends over the full history; the item after the last one comes first.
        if (model.recommend(u, 1, { exclude: sequence }).items[0] === (sequence[sequence.length - 1] + 1) % N_ITEMS) hits++;
      }
      expect(hits / N_USERS).toBeGreaterThan(0.9);
    } finally {
      model.dispose();
    }
  });

  it.each(["softmax", "sampled-softmax"])("learns the pattern with loss=%s too", async (loss) => {
    const model = createModel("sasrec", { ...FAST, loss, negatives: 10 });
    try {
      await model.fit({ interactions: data, implicit: true }, { seed: 4 });
      expect(nextItemAccuracy(model as SASRec, data)).toBeGreaterThan(0.9);
    } finally {
      model.dispose();
    }
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    const model = createModel("sasrec", { ...FAST, epochs: 100 });
    try {
      const fit = model.fit({ interactions: data, implicit: true }, { seed: 1, signal: controller.signal, onProgress: (p) => p.epoch === 2 && controller.abort() });
      await expect(fit).rejects.toThrow();
    } finally {
      model.dispose();
    }
  });

  it("rejects bad hyper-parameters with the field and the allowed range", async () => {
    expect(() => resolveParams("sasrec", { loss: "hinge" })).toThrow(/sasrec\.loss.*bce, sampled-softmax, softmax/);
    expect(() => resolveParams("sasrec", { dropout: 1.5 })).toThrow(ValidationError);
    const model = createModel("sasrec", { dim: 30, heads: 4 });
    await expect(model.fit({ interactions: data, implicit: true }, { seed: 1 })).rejects.toThrow(/sasrec\.heads.*divisor of dim \(30\)/);
    model.dispose();
  });

  it("an untrained model is MODEL_NOT_READY", () => {
    const model = createModel("sasrec", FAST);
    expect(() => model.scoreUsers(Int32Array.of(), new Float32Array(0))).toThrow(expect.objectContaining({ code: "MODEL_NOT_READY" }));
    expect(() => model.saveState()).toThrow(expect.objectContaining({ code: "MODEL_NOT_READY" }));
    model.dispose();
  });

  it("picks maxLength from the data when left at 0: 50 for short histories", async () => {
    const model = createModel("sasrec", { ...FAST, maxLength: 0, epochs: 1 }) as SASRec;
    try {
      await model.fit({ interactions: data, implicit: true }, { seed: 1 });
      expect(model.sequenceLength).toBe(50);
    } finally {
      model.dispose();
    }
  });
});
