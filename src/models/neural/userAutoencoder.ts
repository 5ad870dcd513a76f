// What the user-row autoencoders (CDAE, Mult-VAE) share: a user's binary history over the whole
// catalogue is the input row (corrupted by dropout while training), the network maps it to
// logits over every item, and training runs Adam over shuffled mini-batches of users, stopping
// early on NDCG@20 of a seeded per-user holdout. Scoring encodes the uncorrupted history (the
// training histories after fit, validation part included; any history for fold-in). Each model
// adds its network, its loss and any training state (cdae.ts, multvae.ts).
import type { Rng } from "../../math/random";
import { Interactions } from "../../data/interactions";
import { tf } from "../../tf/backend";
import { glorotOrZeros } from "../../tf/init";
import type { WeightShapes } from "../../tf/weights";
import { capabilities } from "../definition";
import { FLOAT32_BYTES, TF_WORKING_SET, denseMatrix, tfAdamTrainedWeights, trainingMatrix, validationScoresMemory, validationSplitMemory, type DataShape, type MemoryTerm } from "../memory";
import { TfRecommender } from "../tfRecommender";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { rankingValidation, seededStreams, shuffledBatches, validationSplit, validationUsers } from "../training";
import { denseRows, validationFractionParam } from "./common";

export interface UserAutoencoderParams {
  epochs: number;
  batchSize: number;
  lr: number;
  validationFraction: number;
  patience: number;
  validationUsers: number;
}

/**
 * The training and validation settings both autoencoders offer (after their own model
 * settings); they differ only in the default batch size and learning rate.
 */
export function userAutoencoderParams(batchSize: number, lr: number, batchNote = "") {
  return {
    epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs over the users" },
    batchSize: { type: "int", default: batchSize, min: 1, max: 65536, description: `Users per Adam step${batchNote}` },
    lr: { type: "float", default: lr, min: 1e-6, max: 1, description: "Adam learning rate" },
    validationFraction: validationFractionParam("Share of each user's interactions held out for early stopping on NDCG@20 (0 = none, all epochs run)"),
    patience: { type: "int", default: 20, min: 0, max: 10000, description: "Epochs without validation improvement before stopping (0 = never); the best epoch's weights are kept" },
    validationUsers: { type: "int", default: 2000, min: 1, max: 1_000_000, description: "At most this many users (seeded sample) are ranked for validation" },
  } as const;
}

/**
 * A fit of a user-row autoencoder whose weights have these shapes: the weights trained by
 * tf.train.adam; the batch's dense input and target rows in JS and, in the tf heap, the step's
 * dense batch × items tensors (input, target, logits and the loss's element-wise terms, a
 * gradient each): 14 copies in all, measured 13.3 (Mult-VAE, batches of 100 → 600 users on
 * ml-latest-small); the validation split and its scores.
 */
export function userAutoencoderMemory(shape: DataShape, params: UserAutoencoderParams, weights: WeightShapes): MemoryTerm[] {
  return [
    trainingMatrix(shape),
    tfAdamTrainedWeights(weights),
    denseMatrix(`dense batch rows (${params.batchSize} users × items: JS input and target, tf tensors and gradients; float32)`, params.batchSize, shape.items, FLOAT32_BYTES, 14),
    TF_WORKING_SET,
    ...validationSplitMemory(shape, params.validationFraction),
    validationScoresMemory(shape),
  ];
}

export const USER_AUTOENCODER_CAPABILITIES = capabilities("personalized", "foldIn");

/** Users encoded per tf call when scoring. */
const SCORE_USERS = 512;

export abstract class UserAutoencoder<P extends UserAutoencoderParams> extends TfRecommender<P> {
  readonly capabilities = USER_AUTOENCODER_CAPABILITIES;
  /** Histories the encoder reads when scoring training users. */
  private history: Interactions | undefined;

  /** How an input row is built from a history: L2-normalised or not, and the training dropout rate. */
  protected abstract inputTransform(): { normalize: boolean; dropRate: number };

  /**
   * Mini-batch loss: `x` the corrupted input rows, `target` the clean binary rows of the
   * training users `users`; `noise` is the seeded stream for any extra randomness.
   */
  protected abstract batchLoss(x: tf.Tensor2D, target: tf.Tensor2D, users: Int32Array, noise: Rng): tf.Scalar;

  /** Logits of every item for uncorrupted input rows; `users` are the rows' training users, undefined for fold-in. */
  protected abstract forward(x: tf.Tensor2D, users: Int32Array | undefined): tf.Tensor2D;

  /** Initial value of a weight (default: Glorot-uniform matrices, zero biases). */
  protected initialValue(_name: string, shape: readonly number[], rng: Rng): Float32Array {
    return glorotOrZeros(shape, rng);
  }

  /** Called before the first epoch with the number of training users (resets any training state of the model). */
  protected startTraining(_usersPerEpoch: number): void {}

  /** Extra entries of each validation record (e.g. the KL weight in effect). */
  protected validationExtras(): Record<string, number> {
    return {};
  }

  /** Extra entries of the fit notes. */
  protected trainingNotes(): Record<string, unknown> {
    return {};
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const { interactions } = data;
    const backend = await this.beginFit(interactions);
    const p = this.params;
    const n = this.nItems;
    const streams = seededStreams(context.seed);
    const { train, validation } = validationSplit(interactions, { fraction: p.validationFraction, seed: streams.split });
    this.history = train;
    this.createWeights((name, shape) => this.initialValue(name, shape, streams.init));
    const optimizer = tf.train.adam(p.lr);
    const users = Int32Array.from({ length: this.nUsers }, (_, u) => u).filter((u) => train.userDegree(u) > 0);
    const input = new Float32Array(p.batchSize * n);
    const target = new Float32Array(p.batchSize * n);
    const rankUsers = validation ? validationUsers(validation, p.validationUsers, streams.validation) : undefined;
    const { normalize, dropRate } = this.inputTransform();
    this.startTraining(users.length);
    const loop = await this.trainWeights(optimizer, p, {
      context,
      started,
      monitor: { metric: "ndcg@20", higherIsBetter: true },
      trainEpoch: () => {
        let lossSum = 0;
        for (const batch of shuffledBatches(users, p.batchSize, streams.sample)) {
          const rows = batch.length;
          denseRows(train, batch, input, { binary: true, normalize, dropRate, rng: streams.noise });
          denseRows(train, batch, target, { binary: true });
          const loss = () => this.batchLoss(tf.tensor2d(input.subarray(0, rows * n), [rows, n]), tf.tensor2d(target.subarray(0, rows * n), [rows, n]), batch, streams.noise);
          lossSum += this.minimize(optimizer, loss) * rows;
        }
        return lossSum / Math.max(1, users.length);
      },
      validate: validation ? () => ({ ...rankingValidation((u, out) => this.scoreRows(train, u, out, true), train, validation, rankUsers!, 20), ...this.validationExtras() }) : undefined,
    });
    // Scoring encodes the whole training history, validation part included.
    this.history = interactions;
    return this.fitReport(started, backend, loop, this.trainingNotes());
  }

  /** Logits of every item for rows `rows` of `source`, one batched forward pass per chunk; `trainingUsers` when the rows are training users. */
  private scoreRows(source: Interactions, rows: Int32Array, out: Float32Array, trainingUsers: boolean): void {
    this.requireWeights();
    const n = this.nItems;
    const { normalize } = this.inputTransform();
    const input = new Float32Array(Math.min(SCORE_USERS, rows.length) * n);
    for (let start = 0; start < rows.length; start += SCORE_USERS) {
      const part = rows.subarray(start, start + SCORE_USERS);
      denseRows(source, part, input, { binary: true, normalize });
      const scores = tf.tidy(() => this.forward(tf.tensor2d(input.subarray(0, part.length * n), [part.length, n]), trainingUsers ? part : undefined));
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

  /** Fold-in: the profile is encoded like a training user's history (the model's forward decides what a non-training row lacks). */
  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.requireWeights();
    this.scoreRows(this.profileRow(profile), Int32Array.of(0), out, false);
  }

  saveState(): ModelState {
    const history = this.requireHistory();
    return { json: {}, arrays: { ...this.weightArrays(), historyPtr: history.indptr, historyItems: history.indices } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.beginLoad(shape);
    this.loadWeights(state.arrays);
    const items = state.arrays.historyItems as Int32Array;
    this.history = new Interactions(this.nUsers, this.nItems, state.arrays.historyPtr as Int32Array, items, new Float32Array(items.length).fill(1));
  }

  protected override releaseDerived(): void {
    this.history = undefined;
  }

  private requireHistory(): Interactions {
    if (!this.history) throw this.notReady();
    return this.history;
  }
}
