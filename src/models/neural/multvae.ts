// Mult-VAE: D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara, "Variational Autoencoders for
// Collaborative Filtering", WWW 2018. A user's history x_u (binary) is L2-normalised and
// dropped out (rate `dropout`, training only), then encoded to q(z|x) = N(μ, diag σ²) by a tanh
// MLP [nItems → hidden → 2·latent]; z = μ + σ ⊙ ε (ε seeded), decoded by [latent → hidden →
// nItems] (tanh) to logits; π = softmax(logits). Loss, per user (the annealed ELBO, paper eq. 8):
//   L_β = −Σ_i x_ui log π_i  +  β · KL(q(z|x) ‖ N(0, I)),  plus (l2/2)·Σ‖weight matrices‖² once
//   per epoch (each step adds its share, B / nUsers; l2 = 0 by default, as the paper's Mult-VAE),
// KL = ½ Σ_d (σ_d² + μ_d² − 1 − log σ_d²), and β = min(beta, beta · t / annealSteps) at update t:
// linear from 0, reaching `beta` (0.2 by default) after annealSteps updates. (The paper's code
// grows β by 1/annealSteps per update up to the cap; here the cap is reached at annealSteps
// whatever the cap is.) Early stopping keeps the epoch with the best validation
// NDCG@20, so the β in effect there is the one selected (the paper's recipe). Scoring uses the
// mean μ of q(z|x) without dropout; fold-in is free: the encoder takes any history.
import { AppError } from "../../errors";
import { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";
import { initTf, tf } from "../../tf/backend";
import { glorotUniform, normalTensor } from "../../tf/init";
import { squaredNorm } from "../../tf/ops";
import { WeightSet, type WeightShapes } from "../../tf/weights";
import { BaseRecommender } from "../base";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { carveValidation, denseRows, profileRow, rankingMetrics, runEpochs, seededStreams, shuffledBatches, validationUsers } from "./common";

const params = {
  hidden: { type: "int", default: 600, min: 1, max: 8192, description: "Hidden layer size of encoder and decoder (paper: 600)" },
  latent: { type: "int", default: 200, min: 1, max: 4096, description: "Latent dimension (paper: 200)" },
  dropout: { type: "float", default: 0.5, min: 0, max: 0.95, description: "Dropout rate on the normalised input (paper: 0.5)" },
  beta: { type: "float", default: 0.2, min: 0, max: 10, description: "Largest KL weight β reached by annealing (paper: 0.2)" },
  annealSteps: { type: "int", default: 2000, min: 1, max: 100_000_000, description: "Updates over which β grows linearly from 0 to `beta`" },
  l2: { type: "float", default: 0, min: 0, max: 100, description: "L2 penalty on the weight matrices (divided by the users per epoch, per step)" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs over the users" },
  batchSize: { type: "int", default: 100, min: 1, max: 65536, description: "Users per Adam step (paper: 500 on ML-20M)" },
  lr: { type: "float", default: 0.001, min: 1e-6, max: 1, description: "Adam learning rate" },
  validationFraction: {
    type: "float",
    default: 0.1,
    min: 0,
    max: 0.5,
    description: "Share of each user's interactions held out for early stopping on NDCG@20 (0 = none, all epochs run)",
  },
  patience: { type: "int", default: 20, min: 0, max: 10000, description: "Epochs without validation improvement before stopping (0 = never); the best epoch's weights are kept" },
  validationUsers: { type: "int", default: 2000, min: 1, max: 1_000_000, description: "At most this many users (seeded sample) are ranked for validation" },
} as const;

type Params = ParamsOf<typeof params>;

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: false,
  foldIn: true,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

const SCORE_USERS = 512;

export class MultVae extends BaseRecommender<Params> {
  readonly name = "multvae";
  readonly capabilities = capabilities;
  private weights: WeightSet | undefined;
  private history: Interactions | undefined;

  private shapes(): WeightShapes {
    const { hidden, latent } = this.params;
    return [
      ["enc1", [this.nItems, hidden]],
      ["enc1Bias", [hidden]],
      ["enc2", [hidden, 2 * latent]],
      ["enc2Bias", [2 * latent]],
      ["dec1", [latent, hidden]],
      ["dec1Bias", [hidden]],
      ["dec2", [hidden, this.nItems]],
      ["dec2Bias", [this.nItems]],
    ];
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const backend = await initTf();
    const p = this.params;
    this.disposeWeights();
    const { interactions } = data;
    this.nUsers = interactions.nUsers;
    this.nItems = interactions.nItems;
    const streams = seededStreams(context.seed);
    const split = carveValidation(interactions, p.validationFraction, streams.split);
    const train = split?.train ?? interactions;
    this.history = train;
    this.weights = this.initialWeights(streams.init);
    const variables = this.weights.list();
    const optimizer = tf.train.adam(p.lr);
    const users = Int32Array.from({ length: this.nUsers }, (_, u) => u).filter((u) => train.userDegree(u) > 0);
    const input = new Float32Array(p.batchSize * this.nItems);
    const target = new Float32Array(p.batchSize * this.nItems);
    const rankUsers = split ? validationUsers(split.test, p.validationUsers, streams.validation) : undefined;
    let step = 0;
    let beta = 0;
    let loop;
    try {
      loop = await runEpochs({
        model: this.name,
        epochs: p.epochs,
        patience: p.patience,
        context,
        started,
        weights: this.weights,
        lr: p.lr,
        monitor: { metric: "ndcg@20", higherIsBetter: true },
        trainEpoch: () => {
          let lossSum = 0;
          for (const batch of shuffledBatches(users, p.batchSize, streams.sample)) {
            const rows = batch.length;
            const size = rows * this.nItems;
            denseRows(train, batch, input, { binary: true, normalize: true, dropRate: p.dropout, rng: streams.noise });
            denseRows(train, batch, target, { binary: true });
            beta = Math.min(p.beta, (p.beta * step) / p.annealSteps);
            const noise = normalTensor([rows, p.latent], streams.noise);
            const cost = optimizer.minimize(
              () => this.batchLoss(tf.tensor2d(input.subarray(0, size), [rows, this.nItems]), tf.tensor2d(target.subarray(0, size), [rows, this.nItems]), noise, beta, users.length),
              true,
              variables,
            );
            noise.dispose();
            lossSum += (cost as tf.Scalar).dataSync()[0] * rows;
            cost?.dispose();
            step++;
          }
          return lossSum / Math.max(1, users.length);
        },
        validate: split
          ? () => ({ ...rankingMetrics((u, out) => this.scoreRows(train, u, out), train, split.test, rankUsers!, 20), beta })
          : undefined,
      });
    } finally {
      optimizer.dispose();
    }
    this.history = interactions;
    return {
      epochs: loop.epochs,
      seconds: (performance.now() - started) / 1000,
      lossCurve: loop.lossCurve,
      validationCurve: loop.validationCurve,
      notes: {
        backend,
        bestEpoch: loop.bestEpoch,
        bestValidation: loop.best,
        finalBeta: beta,
        updates: step,
        meanEpochSeconds: loop.epochSeconds.reduce((a, b) => a + b, 0) / Math.max(1, loop.epochSeconds.length),
        epochSeconds: loop.epochSeconds,
      },
    };
  }

  /** Mean over the batch of −Σ x log softmax + β·KL, plus the L2 share of this step. */
  private batchLoss(x: tf.Tensor2D, target: tf.Tensor2D, noise: tf.Tensor, beta: number, usersPerEpoch: number): tf.Scalar {
    const { mu, logVar } = this.encode(x);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), noise)) as tf.Tensor2D;
    const logits = this.decode(z);
    const rows = x.shape[0];
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), target)));
    const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(logVar, 1))), 0.5);
    let loss = tf.div(tf.add(nll, tf.mul(kl, beta)), rows);
    if (this.params.l2 > 0) {
      const w = this.requireWeights();
      const norms = tf.addN(["enc1", "enc2", "dec1", "dec2"].map((name) => squaredNorm(w.get(name))));
      loss = tf.add(loss, tf.mul(norms, this.params.l2 / 2 / usersPerEpoch));
    }
    return loss as tf.Scalar;
  }

  private encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    const w = this.requireWeights();
    const latent = this.params.latent;
    const h = tf.tanh(tf.add(tf.matMul(x, w.get("enc1") as tf.Tensor2D), w.get("enc1Bias"))) as tf.Tensor2D;
    const out = tf.add(tf.matMul(h, w.get("enc2") as tf.Tensor2D), w.get("enc2Bias")) as tf.Tensor2D;
    const rows = x.shape[0];
    return { mu: tf.slice(out, [0, 0], [rows, latent]), logVar: tf.slice(out, [0, latent], [rows, latent]) };
  }

  private decode(z: tf.Tensor2D): tf.Tensor2D {
    const w = this.requireWeights();
    const h = tf.tanh(tf.add(tf.matMul(z, w.get("dec1") as tf.Tensor2D), w.get("dec1Bias"))) as tf.Tensor2D;
    return tf.add(tf.matMul(h, w.get("dec2") as tf.Tensor2D), w.get("dec2Bias")) as tf.Tensor2D;
  }

  /** Logits of every item for rows of `source`: normalised history → μ of q(z|x) → decoder; one pass per chunk. */
  private scoreRows(source: Interactions, rows: Int32Array, out: Float32Array): void {
    this.requireWeights();
    const n = this.nItems;
    const input = new Float32Array(Math.min(SCORE_USERS, rows.length) * n);
    for (let start = 0; start < rows.length; start += SCORE_USERS) {
      const part = rows.subarray(start, start + SCORE_USERS);
      denseRows(source, part, input, { binary: true, normalize: true });
      const scores = tf.tidy(() => this.decode(this.encode(tf.tensor2d(input.subarray(0, part.length * n), [part.length, n])).mu));
      out.set(scores.dataSync(), start * n);
      scores.dispose();
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    this.scoreRows(this.requireHistory(), Int32Array.of(user), out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    for (const u of users) this.checkUser(u);
    this.scoreRows(this.requireHistory(), users, out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.requireWeights();
    this.scoreRows(profileRow(profile.items, profile.values, this.nItems, this.name), Int32Array.of(0), out);
  }

  saveState(): ModelState {
    const history = this.requireHistory();
    return { json: {}, arrays: { ...this.requireWeights().toArrays(), historyPtr: history.indptr, historyItems: history.indices } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.disposeWeights();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.weights = WeightSet.fromArrays(this.name, this.shapes(), state.arrays);
    const items = state.arrays.historyItems as Int32Array;
    this.history = new Interactions(this.nUsers, this.nItems, state.arrays.historyPtr as Int32Array, items, new Float32Array(items.length).fill(1));
  }

  override dispose(): void {
    this.disposeWeights();
    super.dispose();
  }

  private disposeWeights(): void {
    this.weights?.dispose();
    this.weights = undefined;
    this.history = undefined;
  }

  private requireWeights(): WeightSet {
    if (!this.weights) throw new AppError("MODEL_NOT_READY", "model multvae is not trained or loaded", { model: this.name });
    return this.weights;
  }

  private requireHistory(): Interactions {
    if (!this.history) throw new AppError("MODEL_NOT_READY", "model multvae is not trained or loaded", { model: this.name });
    return this.history;
  }

  /** Glorot-uniform matrices (the paper's Xavier initialisation), zero biases. */
  private initialWeights(rng: Rng): WeightSet {
    const set = new WeightSet(this.name);
    for (const [name, shape] of this.shapes()) {
      set.add(name, shape, shape.length === 2 ? glorotUniform(shape[0], shape[1], rng) : new Float32Array(shape[0]));
    }
    return set;
  }
}

export const multvae = defineModel({
  name: "multvae",
  family: "neural",
  description: "Mult-VAE: variational autoencoder with a multinomial likelihood over each user's items, KL annealing; folds in new users",
  paper: "D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara. Variational Autoencoders for Collaborative Filtering. WWW 2018",
  feedback: "implicit",
  capabilities,
  params,
  fastParams: { hidden: 32, latent: 8, epochs: 150, batchSize: 16, lr: 0.01, annealSteps: 200, validationFraction: 0 },
  create: (p) => new MultVae(p),
});
