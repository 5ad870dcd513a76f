// CDAE — Collaborative Denoising Auto-Encoder: Y. Wu, C. DuBois, A. X. Zheng, M. Ester,
// "Collaborative Denoising Auto-Encoders for Top-N Recommender Systems", WSDM 2016.
// A user's binary history y_u ∈ {0,1}^{nItems} is corrupted by dropout (Vincent et al.,
// "Extracting and Composing Robust Features with Denoising Autoencoders", ICML 2008): each
// observed entry is zeroed with probability q, kept ones are scaled by 1/(1 − q). Then
//   z_u = σ(Wᵀ ỹ_u + V_u + b)                (K hidden units; V_u the user's own input node)
//   ŷ_u = σ(W'z_u + b')
// Loss (the paper's logistic loss, over every item: observed = 1, all others = 0) with L2:
//   L = Σ_u Σ_i [softplus(s_ui) − y_ui s_ui]  +  (λ/2)(‖W‖² + ‖W'‖² + ‖V‖²),   s = W'z_u + b'.
// Mini-batches of users estimate it as Σ_{u∈B} ℓ_u + (B/nUsers)(λ/2)(‖W‖² + ‖W'‖²) + (λ/2)Σ_{u∈B}‖V_u‖²;
// Adam replaces the paper's AdaGrad. Scoring encodes the uncorrupted history; fold-in of a new
// user encodes their history with a zero user node (V_u = 0), as the paper describes.
import { AppError } from "../../errors";
import { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";
import { initTf, tf } from "../../tf/backend";
import { glorotUniform, normalValues } from "../../tf/init";
import { squaredNorm } from "../../tf/ops";
import { WeightSet, type WeightShapes } from "../../tf/weights";
import { BaseRecommender } from "../base";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { carveValidation, denseRows, profileRow, rankingMetrics, runEpochs, seededStreams, shuffledBatches, validationUsers } from "./common";

const params = {
  hidden: {
    type: "int",
    default: 200,
    min: 1,
    max: 8192,
    description: "Hidden units K (paper: 50; on MovieLens 100K, K = 50 stayed at popularity-level Recall@20 for 50+ epochs, K = 200 did not)",
  },
  corruption: { type: "float", default: 0.5, min: 0, max: 0.95, description: "Input dropout q: probability of zeroing each observed item during training" },
  l2: { type: "float", default: 0.01, min: 0, max: 1000, description: "L2 penalty λ on W, W' and the user nodes V" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs over the users" },
  batchSize: { type: "int", default: 128, min: 1, max: 65536, description: "Users per Adam step" },
  lr: { type: "float", default: 0.003, min: 1e-6, max: 1, description: "Adam learning rate" },
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

export class Cdae extends BaseRecommender<Params> {
  readonly name = "cdae";
  readonly capabilities = capabilities;
  private weights: WeightSet | undefined;
  /** Training histories: the encoder's inputs when scoring training users. */
  private history: Interactions | undefined;

  private shapes(): WeightShapes {
    const k = this.params.hidden;
    return [
      ["encoder", [this.nItems, k]],
      ["userNode", [this.nUsers, k]],
      ["encoderBias", [k]],
      ["decoder", [k, this.nItems]],
      ["decoderBias", [this.nItems]],
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
    const corrupted = new Float32Array(p.batchSize * this.nItems);
    const clean = new Float32Array(p.batchSize * this.nItems);
    const rankUsers = split ? validationUsers(split.test, p.validationUsers, streams.validation) : undefined;
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
            denseRows(train, batch, corrupted, { binary: true, dropRate: p.corruption, rng: streams.noise });
            denseRows(train, batch, clean, { binary: true });
            const cost = optimizer.minimize(
              () => {
                const x = tf.tensor2d(corrupted.subarray(0, size), [rows, this.nItems]);
                const y = tf.tensor2d(clean.subarray(0, size), [rows, this.nItems]);
                return this.batchLoss(x, y, batch);
              },
              true,
              variables,
            );
            lossSum += (cost as tf.Scalar).dataSync()[0] * rows;
            cost?.dispose();
          }
          return lossSum / Math.max(1, users.length);
        },
        validate: split ? () => rankingMetrics((u, out) => this.scoreRows(train, u, out, true), train, split.test, rankUsers!, 20) : undefined,
      });
    } finally {
      optimizer.dispose();
    }
    // Scoring encodes the whole training history, validation part included.
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
        meanEpochSeconds: loop.epochSeconds.reduce((a, b) => a + b, 0) / Math.max(1, loop.epochSeconds.length),
        epochSeconds: loop.epochSeconds,
      },
    };
  }

  /** Per-user mean of Σ_i BCE, plus the L2 terms of the mini-batch estimate (divided by B). */
  private batchLoss(x: tf.Tensor2D, y: tf.Tensor2D, users: Int32Array): tf.Scalar {
    const w = this.requireWeights();
    const rows = users.length;
    const nodes = tf.gather(w.get("userNode"), tf.tensor1d(users, "int32"));
    const logits = this.decode(this.encode(x, nodes));
    const bce = tf.sum(tf.sub(tf.softplus(logits), tf.mul(y, logits)));
    let loss = bce;
    const l2 = this.params.l2;
    if (l2 > 0) {
      const shared = tf.mul(tf.add(squaredNorm(w.get("encoder")), squaredNorm(w.get("decoder"))), (rows / this.nUsers) * (l2 / 2));
      loss = tf.add(loss, tf.add(shared, tf.mul(squaredNorm(nodes), l2 / 2)));
    }
    return tf.div(loss, rows) as tf.Scalar;
  }

  private encode(x: tf.Tensor2D, nodes: tf.Tensor | undefined): tf.Tensor2D {
    const w = this.requireWeights();
    const pre = tf.add(tf.matMul(x, w.get("encoder") as tf.Tensor2D), w.get("encoderBias"));
    return tf.sigmoid(nodes ? tf.add(pre, nodes) : pre) as tf.Tensor2D;
  }

  private decode(z: tf.Tensor2D): tf.Tensor2D {
    const w = this.requireWeights();
    return tf.add(tf.matMul(z, w.get("decoder") as tf.Tensor2D), w.get("decoderBias")) as tf.Tensor2D;
  }

  /**
   * Logits of every item for rows `rows` of `source` (uncorrupted histories), one batched forward
   * pass per chunk; `withNodes` adds the users' own input nodes (rows are training users).
   */
  private scoreRows(source: Interactions, rows: Int32Array, out: Float32Array, withNodes: boolean): void {
    const w = this.requireWeights();
    const n = this.nItems;
    const input = new Float32Array(Math.min(SCORE_USERS, rows.length) * n);
    for (let start = 0; start < rows.length; start += SCORE_USERS) {
      const part = rows.subarray(start, start + SCORE_USERS);
      denseRows(source, part, input, { binary: true });
      const scores = tf.tidy(() => {
        const x = tf.tensor2d(input.subarray(0, part.length * n), [part.length, n]);
        const nodes = withNodes ? tf.gather(w.get("userNode"), tf.tensor1d(part, "int32")) : undefined;
        return this.decode(this.encode(x, nodes));
      });
      out.set(scores.dataSync(), start * n);
      scores.dispose();
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    this.scoreRows(this.requireHistory(), Int32Array.of(user), out, true);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    for (const u of users) this.checkUser(u);
    this.scoreRows(this.requireHistory(), users, out, true);
  }

  /** Fold-in: the history encoded with a zero user node. */
  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.requireWeights();
    this.scoreRows(profileRow(profile.items, profile.values, this.nItems, this.name), Int32Array.of(0), out, false);
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
    if (!this.weights) throw new AppError("MODEL_NOT_READY", "model cdae is not trained or loaded", { model: this.name });
    return this.weights;
  }

  private requireHistory(): Interactions {
    if (!this.history) throw new AppError("MODEL_NOT_READY", "model cdae is not trained or loaded", { model: this.name });
    return this.history;
  }

  /** Glorot-uniform matrices, user nodes N(0, 0.01²), zero biases. */
  private initialWeights(rng: Rng): WeightSet {
    const set = new WeightSet(this.name);
    for (const [name, shape] of this.shapes()) {
      const values = name === "userNode" ? normalValues(shape, 0.01, rng) : shape.length === 2 ? glorotUniform(shape[0], shape[1], rng) : new Float32Array(shape[0]);
      set.add(name, shape, values);
    }
    return set;
  }
}

export const cdae = defineModel({
  name: "cdae",
  family: "neural",
  description: "CDAE: denoising autoencoder over each user's items with a user-specific input node; logistic loss; folds in new users",
  paper: "Y. Wu, C. DuBois, A. X. Zheng, M. Ester. Collaborative Denoising Auto-Encoders for Top-N Recommender Systems. WSDM 2016",
  feedback: "implicit",
  capabilities,
  params,
  fastParams: { hidden: 16, epochs: 80, batchSize: 16, lr: 0.01, corruption: 0.3, validationFraction: 0 },
  create: (p) => new Cdae(p),
});
