// Model-specific checks of the neural family beyond the contract suite: tensor hygiene across
// fit → recommend → save/load → dispose, implicit and explicit NCF modes, NeuMF pre-training's
// α-combination, seeding, early stopping and progress, AutoRec's masked loss, Mult-VAE's KL
// annealing and deterministic scoring, typed errors; and, with DATASETS_DIR, quality on
// MovieLens 100K.
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { holdoutSplit } from "../../src/data/splits";
import { AppError, ValidationError } from "../../src/errors";
import { createRng } from "../../src/math/random";
import { rankingValidation, runTraining } from "../../src/models/training";
import type { NcfRecommender } from "../../src/models/neural/ncf";
import { createModel, deserializeModel, serializeModel } from "../../src/models/registry";
import type { Recommender, TrainingData, TrainingProgress } from "../../src/models/types";
import { initTf } from "../../src/tf/backend";
import { datasetPath } from "../helpers/datasets";

const N_USERS = 60;
const N_ITEMS = 30;
const HALF = N_ITEMS / 2;
const group = (index: number, half: number) => (index < half ? 0 : 1);

/** Two groups of users, each liking 8 items of its half of the catalogue (ratings 4–5), plus 2 dislikes (1–2) in the other half. */
function planted(implicit: boolean, seed = 3): TrainingData {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < N_USERS; u++) {
    const own = group(u, N_USERS / 2) * HALF;
    const liked = rng.shuffle(Int32Array.from({ length: HALF }, (_, k) => own + k)).slice(0, 8);
    for (const i of liked) {
      users.push(u);
      items.push(i);
      values.push(implicit ? 1 : 4 + rng.int(2));
    }
    if (!implicit) {
      const other = (1 - group(u, N_USERS / 2)) * HALF;
      for (const i of rng.shuffle(Int32Array.from({ length: HALF }, (_, k) => other + k)).slice(0, 2)) {
        users.push(u);
        items.push(i);
        values.push(1 + rng.int(2));
      }
    }
  }
  const interactions = Interactions.fromTriples(N_USERS, N_ITEMS, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
  return { interactions, implicit };
}

const FAST: Record<string, Record<string, unknown>> = {
  gmf: { factors: 8, epochs: 30, batchSize: 64, lr: 0.01, validationFraction: 0 },
  mlp: { factors: 8, layers: 2, epochs: 30, batchSize: 64, lr: 0.01, validationFraction: 0 },
  neumf: { factors: 8, layers: 2, epochs: 30, batchSize: 64, lr: 0.01, validationFraction: 0 },
  autorec: { hidden: 24, epochs: 120, batchSize: 16, lr: 0.01, l2: 0.1, validationFraction: 0 },
  cdae: { hidden: 16, epochs: 60, batchSize: 16, lr: 0.01, corruption: 0.3, validationFraction: 0 },
  multvae: { hidden: 32, latent: 8, epochs: 100, batchSize: 16, lr: 0.01, annealSteps: 200, validationFraction: 0 },
};
const IMPLICIT_ONLY = new Set(["cdae", "multvae"]);

/** Share of each user's top-5 (training items excluded) in the user's own half. */
function inGroupShare(model: Recommender, data: Interactions): number {
  let inGroup = 0;
  let total = 0;
  for (let u = 0; u < N_USERS; u++) {
    for (const i of model.recommend(u, 5, { exclude: data.userItems(u) }).items) {
      total++;
      if (group(i, HALF) === group(u, N_USERS / 2)) inGroup++;
    }
  }
  return inGroup / total;
}

beforeAll(async () => {
  await initTf({ log: () => undefined });
});

describe.each(Object.keys(FAST))("%s: tensor hygiene", (name) => {
  it("leaks no tensor across fit, recommend, batch scoring, fold-in, save → load and dispose", async () => {
    const before = tf.memory().numTensors;
    const data = planted(IMPLICIT_ONLY.has(name));
    const model = createModel(name, FAST[name]);
    await model.fit(data, { seed: 5 });
    const held = tf.memory().numTensors;
    expect(held).toBeGreaterThan(before);
    for (let u = 0; u < 10; u++) model.recommend(u, 5);
    const out = new Float32Array(4 * N_ITEMS);
    model.scoreUsers(Int32Array.of(0, 1, 40, 59), out);
    if (model.capabilities.foldIn) model.recommendForProfile({ items: Int32Array.of(1, 2, 3), values: Float32Array.of(1, 1, 1) }, 5);
    if (model.capabilities.ratingPrediction) model.predict(0, 0);
    // Scoring and recommending allocate no lasting tensors.
    expect(tf.memory().numTensors).toBe(held);
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 5, dataFingerprint: "x" }));
    loaded.recommend(3, 5);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(held);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("NCF modes", () => {
  it.each(["gmf", "mlp", "neumf"])("%s in implicit mode (BCE with sampled negatives) recovers the groups and predicts no ratings", async (name) => {
    const data = planted(true);
    // A lower rate than FAST: at 0.01 these tiny models memorise the 480 pairs within 30 epochs.
    const model = createModel(name, { ...FAST[name], lr: 0.003, mode: "implicit" }) as NcfRecommender;
    try {
      const report = await model.fit(data, { seed: 11 });
      expect(report.notes?.mode).toBe("implicit");
      expect(model.explicitMode).toBe(false);
      expect(model.capabilities.ratingPrediction).toBe(false);
      expect(() => model.predict(0, 0)).toThrow(AppError);
      expect(inGroupShare(model, data.interactions)).toBeGreaterThan(0.8);
      // Loss decreases: the model learns from its negatives.
      expect(report.lossCurve![report.lossCurve!.length - 1]).toBeLessThan(report.lossCurve![0]);
    } finally {
      model.dispose();
    }
  });

  it("auto mode follows the data: explicit on ratings, implicit on implicit feedback", async () => {
    for (const implicit of [false, true]) {
      const model = createModel("gmf", { ...FAST.gmf, epochs: 2 }) as NcfRecommender;
      await model.fit(planted(implicit), { seed: 1 });
      expect(model.explicitMode).toBe(!implicit);
      model.dispose();
    }
  });

  it("explicit mode: host predict() equals the tf forward pass of scoreUser (clipped to the scale)", async () => {
    const data = planted(false);
    const model = createModel("neumf", FAST.neumf) as NcfRecommender;
    try {
      await model.fit(data, { seed: 2 });
      const row = new Float32Array(N_ITEMS);
      for (const u of [0, 17, 45]) {
        model.scoreUser(u, row);
        for (const i of [0, 9, 20, 29]) expect(model.predict(u, i)).toBeCloseTo(Math.min(5, Math.max(1, row[i])), 4);
      }
      // The rating scale is reached: observed likes are predicted near their ratings.
      let error = 0;
      const { interactions } = data;
      for (let u = 0; u < N_USERS; u++) for (let k = interactions.indptr[u]; k < interactions.indptr[u + 1]; k++) error += (model.predict(u, interactions.indices[k]) - interactions.values[k]) ** 2;
      expect(Math.sqrt(error / interactions.nnz)).toBeLessThan(0.8);
    } finally {
      model.dispose();
    }
  });

  it("NeuMF pre-training starts from α·GMF + (1 − α)·MLP (checked with a negligible fine-tuning rate)", async () => {
    const data = planted(false);
    const common = { factors: 4, epochs: 8, batchSize: 64, lr: 0.01, validationFraction: 0 };
    const alpha = 0.3;
    const neumf = createModel("neumf", { ...common, layers: 2, pretrain: true, alpha, finetuneLr: 1e-6 }) as NcfRecommender;
    const gmf = createModel("gmf", common) as NcfRecommender;
    const mlp = createModel("mlp", { ...common, layers: 2 }) as NcfRecommender;
    try {
      const report = await neumf.fit(data, { seed: 9 });
      await gmf.fit(data, { seed: 9 });
      await mlp.fit(data, { seed: 9 });
      expect(report.notes?.pretrainGMF).toMatchObject({ epochs: 8 });
      expect(report.notes?.pretrainMLP).toMatchObject({ epochs: 8 });
      for (const [u, i] of [
        [0, 1],
        [5, 20],
        [33, 3],
        [59, 29],
      ]) {
        const combined = alpha * gmf.hostOutput(u, i) + (1 - alpha) * mlp.hostOutput(u, i);
        expect(neumf.hostOutput(u, i)).toBeCloseTo(combined, 3);
      }
    } finally {
      neumf.dispose();
      gmf.dispose();
      mlp.dispose();
    }
  });
});

describe("seeding, progress and early stopping", () => {
  it.each(["mlp", "multvae"])("%s: the same seed reproduces the scores, another seed changes them", async (name) => {
    const data = planted(IMPLICIT_ONLY.has(name));
    const scores = async (seed: number) => {
      const model = createModel(name, { ...FAST[name], epochs: 5 });
      await model.fit(data, { seed });
      const out = new Float32Array(N_ITEMS);
      model.scoreUser(7, out);
      model.dispose();
      return Array.from(out);
    };
    const a = await scores(21);
    expect(await scores(21)).toEqual(a);
    expect(await scores(22)).not.toEqual(a);
  });

  it("reports every epoch (loss, validation metrics, elapsed) and stops early, keeping the best epoch", async () => {
    const progress: TrainingProgress[] = [];
    const model = createModel("cdae", { ...FAST.cdae, epochs: 200, validationFraction: 0.25, patience: 3, lr: 0.05 });
    try {
      const report = await model.fit(planted(true), { seed: 4, onProgress: (p) => progress.push(p) });
      expect(report.epochs).toBeLessThan(200);
      expect(progress).toHaveLength(report.epochs);
      expect(report.lossCurve).toHaveLength(report.epochs);
      expect(report.validationCurve).toHaveLength(report.epochs);
      progress.forEach((p, k) => {
        expect(p.epoch).toBe(k + 1);
        expect(Number.isFinite(p.loss)).toBe(true);
        expect(p.validation).toHaveProperty("ndcg@20");
        expect(p.validation).toHaveProperty("recall@20");
        if (k > 0) expect(p.elapsed).toBeGreaterThanOrEqual(progress[k - 1].elapsed);
      });
      const best = report.notes?.bestEpoch as number;
      const bestNdcg = Math.max(...report.validationCurve!.map((v) => v.metrics["ndcg@20"]));
      expect(report.validationCurve![best - 1].metrics["ndcg@20"]).toBe(bestNdcg);
      expect(report.epochs - best).toBe(3);
    } finally {
      model.dispose();
    }
  });

  it("a diverging loss stops training with a ValidationError naming the learning rate", async () => {
    const failure = runTraining({
      model: "demo",
      epochs: 5,
      context: { seed: 1 },
      lr: 0.5,
      monitor: { metric: "rmse", higherIsBetter: false },
      trainEpoch: (epoch) => (epoch === 2 ? Number.NaN : 1),
    });
    await expect(failure).rejects.toBeInstanceOf(ValidationError);
    await expect(failure).rejects.toMatchObject({ field: "demo.lr", value: 0.5 });
  });

  it.each(["autorec", "cdae", "multvae", "gmf", "mlp", "neumf"])("%s: an untrained model is MODEL_NOT_READY", (name) => {
    const model = createModel(name, FAST[name]);
    const out = new Float32Array(N_ITEMS);
    expect(() => model.scoreUsers(Int32Array.of(), out)).toThrow(expect.objectContaining({ code: "MODEL_NOT_READY" }));
    expect(() => model.saveState()).toThrow(expect.objectContaining({ code: "MODEL_NOT_READY" }));
    model.dispose();
  });

  it("rejects bad hyper-parameters and fold-in items with typed errors", () => {
    expect(() => createModel("autorec", { hidden: 0 })).toThrow(ValidationError);
    expect(() => createModel("neumf", { mode: "both" })).toThrow(/neumf\.mode/);
    expect(() => createModel("multvae", { dropout: 1 })).toThrow(/multvae\.dropout.*0–0\.95/);
  });

  it("fold-in refuses item indices outside the catalogue", async () => {
    const model = createModel("cdae", { ...FAST.cdae, epochs: 2 });
    try {
      await model.fit(planted(true), { seed: 1 });
      expect(() => model.recommendForProfile({ items: Int32Array.of(1, N_ITEMS), values: Float32Array.of(1, 1) }, 5)).toThrow(/profile\.items/);
    } finally {
      model.dispose();
    }
  });
});

describe("autoencoders", () => {
  it("I-AutoRec's loss counts observed ratings only: unobserved pairs are predicted on the rating scale, not pulled to 0", async () => {
    const data = planted(false);
    const model = createModel("autorec", FAST.autorec);
    try {
      await model.fit(data, { seed: 8 });
      let sum = 0;
      let count = 0;
      for (let u = 0; u < N_USERS; u++) {
        const row = new Float32Array(N_ITEMS);
        model.scoreUser(u, row);
        for (let i = 0; i < N_ITEMS; i++) {
          if (data.interactions.has(u, i)) continue;
          sum += row[i];
          count++;
        }
      }
      // 78% of the matrix is unobserved; a loss over all entries would drive these towards 0.
      expect(sum / count).toBeGreaterThan(2.5);
    } finally {
      model.dispose();
    }
  });

  it("Mult-VAE anneals β linearly to its cap, and scores with the mean of q(z|x) (deterministic)", async () => {
    const data = planted(true);
    const capped = createModel("multvae", { ...FAST.multvae, epochs: 20, annealSteps: 10, beta: 0.2 });
    const slow = createModel("multvae", { ...FAST.multvae, epochs: 20, annealSteps: 1_000_000, beta: 0.2 });
    try {
      const a = await capped.fit(data, { seed: 6 });
      const b = await slow.fit(data, { seed: 6 });
      expect(a.notes?.finalBeta).toBeCloseTo(0.2, 10);
      const updates = b.notes?.updates as number;
      expect(updates).toBe(20 * Math.ceil(N_USERS / 16));
      expect(b.notes?.finalBeta).toBeCloseTo((0.2 * (updates - 1)) / 1_000_000, 10);
      const first = new Float32Array(N_ITEMS);
      const second = new Float32Array(N_ITEMS);
      capped.scoreUser(3, first);
      capped.scoreUser(3, second);
      expect(Array.from(second)).toEqual(Array.from(first));
    } finally {
      capped.dispose();
      slow.dispose();
    }
  });

  it("CDAE folds in a new user with a zero user node: a training user's own history scores differently from scoreUser", async () => {
    const data = planted(true);
    const model = createModel("cdae", FAST.cdae);
    try {
      await model.fit(data, { seed: 12 });
      const history = data.interactions.userItems(45);
      const trained = new Float32Array(N_ITEMS);
      const folded = new Float32Array(N_ITEMS);
      model.scoreUser(45, trained);
      model.scoreProfile({ items: history, values: new Float32Array(history.length).fill(1) }, folded);
      expect(Array.from(folded)).not.toEqual(Array.from(trained));
      const top = model.recommendForProfile({ items: history, values: new Float32Array(history.length).fill(1) }, 5, { exclude: history });
      for (const i of top.items) expect(group(i, HALF)).toBe(1);
    } finally {
      model.dispose();
    }
  });
});

const ml100k = datasetPath("ml-100k");

/** u{fold}.base / u{fold}.test of MovieLens 100K as dense-index triples (ids 1..943, 1..1682). */
function readFold(dir: string, file: string): Interactions {
  const lines = fs.readFileSync(path.join(dir, file), "utf8").trim().split("\n");
  const users = new Int32Array(lines.length);
  const items = new Int32Array(lines.length);
  const values = new Float32Array(lines.length);
  lines.forEach((line, k) => {
    const [u, i, r] = line.split("\t");
    users[k] = Number(u) - 1;
    items[k] = Number(i) - 1;
    values[k] = Number(r);
  });
  return Interactions.fromTriples(943, 1682, { users, items, values });
}

function rmse(model: Recommender, test: Interactions): number {
  let sum = 0;
  for (let u = 0; u < test.nUsers; u++) for (let k = test.indptr[u]; k < test.indptr[u + 1]; k++) sum += (model.predict(u, test.indices[k]) - test.values[k]) ** 2;
  return Math.sqrt(sum / test.nnz);
}

describe.runIf(ml100k)("MovieLens 100K (DATASETS_DIR)", () => {
  it("NeuMF (explicit) reaches RMSE < 0.95 on u1.test after 3 epochs", async () => {
    const model = createModel("neumf", { factors: 8, l2: 0.05, epochs: 3, validationFraction: 0 });
    try {
      await model.fit({ interactions: readFold(ml100k!, "u1.base"), implicit: false }, { seed: 42 });
      expect(rmse(model, readFold(ml100k!, "u1.test"))).toBeLessThan(0.95);
    } finally {
      model.dispose();
    }
  });

  it("I-AutoRec reaches RMSE < 0.95 on u1.test after 50 full-batch epochs", async () => {
    const model = createModel("autorec", { epochs: 50, validationFraction: 0 });
    try {
      await model.fit({ interactions: readFold(ml100k!, "u1.base"), implicit: false }, { seed: 42 });
      expect(rmse(model, readFold(ml100k!, "u1.test"))).toBeLessThan(0.95);
    } finally {
      model.dispose();
    }
  });

  it("Mult-VAE beats popularity on a holdout (Recall@20)", async () => {
    const all = Interactions.fromTriples(
      943,
      1682,
      (() => {
        const d = readFold(ml100k!, "u1.base");
        const t = readFold(ml100k!, "u1.test");
        const users = new Int32Array(d.nnz + t.nnz);
        const items = new Int32Array(d.nnz + t.nnz);
        [d, t].reduce((offset, m) => {
          for (let u = 0; u < m.nUsers; u++) users.fill(u, offset + m.indptr[u], offset + m.indptr[u + 1]);
          items.set(m.indices, offset);
          return offset + m.nnz;
        }, 0);
        return { users, items, values: new Float32Array(d.nnz + t.nnz).fill(1) };
      })(),
    );
    const { train, test } = holdoutSplit(all, 0.2, 42);
    const users = Int32Array.from({ length: 943 }, (_, u) => u).filter((u) => test.userDegree(u) > 0);
    const recall = async (name: string, params: Record<string, unknown>) => {
      const model = createModel(name, params);
      try {
        await model.fit({ interactions: train, implicit: true }, { seed: 42 });
        return rankingValidation((u, out) => model.scoreUsers(u, out), train, test, users, 20)["recall@20"];
      } finally {
        model.dispose();
      }
    };
    const vae = await recall("multvae", { epochs: 15, validationFraction: 0 });
    const popularity = await recall("popularity", {});
    expect(vae).toBeGreaterThan(popularity + 0.03);
  });
});
