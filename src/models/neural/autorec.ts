// I-AutoRec: S. Sedhain, A. K. Menon, S. Sanner, L. Xie, "AutoRec: Autoencoders Meet
// Collaborative Filtering", WWW 2015 (companion). Item-based: each item's partially observed
// vector of user ratings r_i ∈ R^{nUsers} is encoded and decoded,
//   h(r_i) = W · σ(V r_i + μ) + b       (sigmoid encoder, identity decoder, `hidden` units),
// and the loss counts observed entries only (masked squared error) plus weight decay:
//   L = Σ_i ‖(r_i − h(r_i)) ⊙ m_i‖² + (λ/2)(‖W‖² + ‖V‖²),     m_i = 1 where r_ui is observed.
// Mini-batches of items estimate it as Σ_{i∈batch} ‖…‖² + (B/nItems)(λ/2)(‖W‖² + ‖V‖²), minimised
// with Adam (the paper used L-BFGS/Rprop over the full set). The prediction for (u, i) is entry u
// of item i's reconstruction from its training ratings, clipped to the training rating range.
// After fit, the items' codes σ(V r_i + μ) are kept, so scoring a user is one matrix product.
// Fold-in is not offered: a new user is a new input dimension of every item vector.
import { Interactions } from "../../data/interactions";
import { tf } from "../../tf/backend";
import { glorotOrZeros } from "../../tf/init";
import { squaredNorm } from "../../tf/ops";
import type { WeightShapes } from "../../tf/weights";
import { cosineToAll } from "../base";
import { capabilities, defineModel } from "../definition";
import { FLOAT32_BYTES, TF_WORKING_SET, denseMatrix, tfAdamTrainedWeights, trainingMatrix, validationSplitMemory } from "../memory";
import type { ParamsOf } from "../params";
import { TfRecommender } from "../tfRecommender";
import type { FitContext, FitReport, ModelState, TrainingData } from "../types";
import { identityOrder, rmseValidation, seededStreams, shuffledBatches, validationSplit } from "../training";
import { validationFractionParam, valueRange } from "./common";

const params = {
  hidden: { type: "int", default: 500, min: 1, max: 8192, description: "Hidden units k (paper: 500)" },
  l2: { type: "float", default: 100, min: 0, max: 100000, description: "Weight decay λ on the encoder and decoder matrices (full objective scale: Σ over all items)" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs over the items" },
  batchSize: {
    type: "int",
    default: 2048,
    min: 1,
    max: 65536,
    description: "Items per Adam step (the default is the whole catalogue of MovieLens 100K/1M in 1–2 steps, close to the paper's full-batch optimiser)",
  },
  lr: { type: "float", default: 0.01, min: 1e-6, max: 1, description: "Adam learning rate" },
  validationFraction: validationFractionParam("Share of each user's training ratings held out for early stopping on RMSE (0 = none, all epochs run)"),
  patience: { type: "int", default: 20, min: 0, max: 10000, description: "Epochs without validation improvement before stopping (0 = never); the best epoch's weights are kept" },
} as const;

type Params = ParamsOf<typeof params>;

const AUTOREC_CAPABILITIES = capabilities("personalized", "ratingPrediction", "similarItems");

/** Users scored per tf call. */
const SCORE_USERS = 1024;
/** Items encoded per tf call. */
const ENCODE_ITEMS = 1024;

/** Encoder and decoder over the users (an item's input is its column of ratings). */
function autorecShapes(nUsers: number, k: number): WeightShapes {
  return [
    ["encoder", [nUsers, k]],
    ["encoderBias", [k]],
    ["decoder", [k, nUsers]],
    ["decoderBias", [nUsers]],
  ];
}

export class AutoRec extends TfRecommender<Params> {
  readonly name = "autorec";
  readonly capabilities = AUTOREC_CAPABILITIES;
  /** Item codes σ(V r_i + μ) from the training ratings, [nItems, hidden]. */
  private codes: tf.Tensor2D | undefined;
  private hostCodes: Float32Array | undefined;
  private hostDecoder: Float32Array | undefined;
  private hostBias: Float32Array | undefined;
  /** The training ratings, item-major (the encoder's inputs). */
  private itemMajor: Interactions | undefined;
  private range = { min: 0, max: 1 };

  protected weightShapes(): WeightShapes {
    return autorecShapes(this.nUsers, this.params.hidden);
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const { interactions } = data;
    const backend = await this.beginFit(interactions);
    const p = this.params;
    this.range = valueRange(interactions);
    const streams = seededStreams(context.seed);
    const { train, validation } = validationSplit(interactions, { fraction: p.validationFraction, seed: streams.split });
    const items = train.transpose();
    // Glorot-uniform matrices, zero biases.
    this.createWeights((_, shape) => glorotOrZeros(shape, streams.init));
    const optimizer = tf.train.adam(p.lr);
    const order = identityOrder(this.nItems);
    const input = new Float32Array(p.batchSize * this.nUsers);
    const mask = new Float32Array(p.batchSize * this.nUsers);
    const loop = await this.trainWeights(optimizer, p, {
      context,
      started,
      monitor: { metric: "rmse", higherIsBetter: false },
      trainEpoch: () => {
        let lossSum = 0;
        let observed = 0;
        for (const batch of shuffledBatches(order, p.batchSize, streams.sample)) {
          const rows = batch.length;
          const size = rows * this.nUsers;
          fillRows(items, batch, input, mask);
          lossSum += this.minimize(optimizer, () => this.batchLoss(tf.tensor2d(input.subarray(0, size), [rows, this.nUsers]), tf.tensor2d(mask.subarray(0, size), [rows, this.nUsers]), rows));
          for (let r = 0; r < rows; r++) observed += items.userDegree(batch[r]);
        }
        // Mean squared error per observed rating (plus the decay term's share).
        return lossSum / Math.max(1, observed);
      },
      // Validation scores from codes of the training part (validation ratings excluded).
      validate: validation
        ? () => {
            this.encodeAll(items);
            return { rmse: rmseValidation(validation, (u, i, out) => this.predictPairs(u, i, out)) };
          }
        : undefined,
    });
    // Codes from the full training ratings (validation ratings included) for scoring.
    this.itemMajor = interactions.transpose();
    this.encodeAll(this.itemMajor);
    return this.fitReport(started, backend, loop, { validationRatings: validation?.nnz ?? 0 });
  }

  /** Σ masked squared error of the batch + (B / nItems)(λ/2)(‖W‖² + ‖V‖²). */
  private batchLoss(x: tf.Tensor2D, m: tf.Tensor2D, rows: number): tf.Scalar {
    const w = this.requireWeights();
    const code = tf.fused.matMul({ a: x, b: w.get("encoder") as tf.Tensor2D, bias: w.get("encoderBias"), activation: "sigmoid" });
    const out = tf.fused.matMul({ a: code, b: w.get("decoder") as tf.Tensor2D, bias: w.get("decoderBias") });
    const error = tf.sum(tf.square(tf.mul(tf.sub(out, x), m)));
    if (this.params.l2 <= 0) return error as tf.Scalar;
    const decay = tf.add(squaredNorm(w.get("encoder")), squaredNorm(w.get("decoder")));
    return tf.add(error, tf.mul(decay, (rows / this.nItems) * (this.params.l2 / 2))) as tf.Scalar;
  }

  /** Encodes every item's rating vector: codes [nItems, hidden] as a tensor and host copies. */
  private encodeAll(items: Interactions): void {
    const w = this.requireWeights();
    this.codes?.dispose();
    const k = this.params.hidden;
    const codes = new Float32Array(this.nItems * k);
    const input = new Float32Array(Math.min(ENCODE_ITEMS, this.nItems) * this.nUsers);
    for (let start = 0; start < this.nItems; start += ENCODE_ITEMS) {
      const batch = identityOrder(Math.min(ENCODE_ITEMS, this.nItems - start)).map((r) => r + start);
      fillRows(items, batch, input);
      const part = tf.tidy(() =>
        tf.fused.matMul({
          a: tf.tensor2d(input.subarray(0, batch.length * this.nUsers), [batch.length, this.nUsers]),
          b: w.get("encoder") as tf.Tensor2D,
          bias: w.get("encoderBias"),
          activation: "sigmoid",
        }),
      );
      codes.set(part.dataSync(), start * k);
      part.dispose();
    }
    this.codes = tf.tensor2d(codes, [this.nItems, k]);
    this.hostCodes = codes;
    this.hostDecoder = w.get("decoder").dataSync() as Float32Array;
    this.hostBias = w.get("decoderBias").dataSync() as Float32Array;
  }

  /** Reconstructed ratings of pairs from the cached codes, clipped to the rating range. */
  private predictPairs(users: Int32Array, items: Int32Array, out: Float32Array): void {
    for (let k = 0; k < users.length; k++) out[k] = this.clip(this.reconstruct(users[k], items[k]));
  }

  private reconstruct(user: number, item: number): number {
    const codes = this.hostCodes!;
    const decoder = this.hostDecoder!;
    const k = this.params.hidden;
    const n = this.nUsers;
    let sum = this.hostBias![user];
    const base = item * k;
    for (let c = 0; c < k; c++) sum += codes[base + c] * decoder[c * n + user];
    return sum;
  }

  private clip(value: number): number {
    return Math.min(this.range.max, Math.max(this.range.min, value));
  }

  /** Reconstructed ratings of every item for each user: one [U, k] × [k, nItems] product per chunk. */
  private scoreRows(users: Int32Array, out: Float32Array): void {
    const w = this.requireWeights();
    const codes = this.requireCodes();
    const n = this.nItems;
    for (let start = 0; start < users.length; start += SCORE_USERS) {
      const part = users.subarray(start, start + SCORE_USERS);
      const scores = tf.tidy(() => {
        const u = tf.tensor1d(part, "int32");
        const decoder = tf.transpose(tf.gather(w.get("decoder"), u, 1)) as tf.Tensor2D; // [U, k]
        const bias = tf.expandDims(tf.gather(w.get("decoderBias"), u), 1);
        return tf.add(tf.matMul(decoder, codes, false, true), bias);
      });
      out.set(scores.dataSync(), start * n);
      scores.dispose();
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    this.scoreRows(Int32Array.of(user), out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    for (const u of users) this.checkUser(u);
    this.scoreRows(users, out);
  }

  override predict(user: number, item: number): number {
    this.checkUser(user);
    if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    this.requireCodes();
    return this.clip(this.reconstruct(user, item));
  }

  /** Cosine similarity of the items' codes (their encoded rating vectors). */
  override itemSimilarities(item: number, out: Float32Array): void {
    this.requireCodes();
    cosineToAll(this.hostCodes!, this.params.hidden, item, out);
  }

  saveState(): ModelState {
    const items = this.itemMajor;
    if (!items) throw this.notReady();
    return {
      json: { min: this.range.min, max: this.range.max },
      arrays: {
        ...this.weightArrays(),
        // The training ratings, item-major: the encoder's inputs when scoring.
        ratingPtr: items.indptr,
        ratingUsers: items.indices,
        ratingValues: items.values,
      },
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.beginLoad(shape);
    this.range = { min: Number(state.json.min ?? 0), max: Number(state.json.max ?? 1) };
    this.loadWeights(state.arrays);
    const a = state.arrays;
    this.itemMajor = new Interactions(this.nItems, this.nUsers, a.ratingPtr as Int32Array, a.ratingUsers as Int32Array, a.ratingValues as Float32Array);
    this.encodeAll(this.itemMajor);
  }

  protected override releaseDerived(): void {
    this.codes?.dispose();
    this.codes = undefined;
    this.hostCodes = undefined;
    this.hostDecoder = undefined;
    this.hostBias = undefined;
  }

  private requireCodes(): tf.Tensor2D {
    if (!this.codes) throw this.notReady();
    return this.codes;
  }
}

/** Dense rows `rows` of a CSR matrix into `out` (row-major, width = ncols); `mask` gets 1 at stored entries. */
function fillRows(data: Interactions, rows: ArrayLike<number>, out: Float32Array, mask?: Float32Array): void {
  const width = data.nItems;
  out.fill(0, 0, rows.length * width);
  mask?.fill(0, 0, rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const base = r * width;
    for (let k = data.indptr[row]; k < data.indptr[row + 1]; k++) {
      out[base + data.indices[k]] = data.values[k];
      if (mask) mask[base + data.indices[k]] = 1;
    }
  }
}

export const autorec = defineModel({
  name: "autorec",
  family: "neural",
  description: "I-AutoRec: item-based autoencoder over users' ratings, masked squared error on observed ratings; predicts ratings",
  paper: "S. Sedhain, A. K. Menon, S. Sanner, L. Xie. AutoRec: Autoencoders Meet Collaborative Filtering. WWW 2015",
  feedback: "explicit",
  capabilities: AUTOREC_CAPABILITIES,
  params,
  fastParams: { hidden: 32, epochs: 150, batchSize: 16, lr: 0.01, l2: 0.1, validationFraction: 0 },
  // Weights over the users (tf.train.adam); dense item batches over the users (JS input and mask, the
  // tf tensors and their gradients: measured 17.6 copies, 2,048 → 4,096 items on ml-latest-small);
  // the codes of every item, JS and tf, made again at every validation (the tf heap keeps the old
  // ones' space: measured ~6 copies), and the encoder's input block; the validation split.
  memory: (shape, p) => [
    trainingMatrix(shape),
    tfAdamTrainedWeights(autorecShapes(shape.users, p.hidden)),
    denseMatrix(`dense batch rows (${p.batchSize} items × users; float32)`, p.batchSize, shape.users, FLOAT32_BYTES, 18),
    TF_WORKING_SET,
    denseMatrix("item codes (float32)", shape.items, p.hidden, FLOAT32_BYTES, 6),
    denseMatrix("the encoder's input block (float32)", ENCODE_ITEMS, shape.users, FLOAT32_BYTES, 2),
    ...validationSplitMemory(shape, p.validationFraction),
  ],
  create: (p) => new AutoRec(p),
});
