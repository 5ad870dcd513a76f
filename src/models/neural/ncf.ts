// Neural Collaborative Filtering: X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua,
// "Neural Collaborative Filtering", WWW 2017. The shared implementation of its three models
// (gmf.ts, mlp.ts and neumf.ts declare them):
//   GMF    φ = p_u ⊙ q_i                                    (user/item embeddings of size f)
//   MLP    φ = ReLU(W_L ⋯ ReLU(W_1 [p'_u ; q'_i] + b_1) ⋯ + b_L)  (tower f·2^(L−1) → … → f)
//   NeuMF  φ = [φ_GMF ; φ_MLP] (separate embeddings for the two parts)
//   logit(u, i) = hᵀφ + b
// Implicit mode (the paper's): ŷ = σ(logit), trained with binary cross-entropy on the observed
// pairs (label 1) and `negatives` unobserved items per observed pair (label 0), drawn anew each
// epoch:  L = −Σ [y log ŷ + (1 − y) log(1 − ŷ)] / N  +  l2 · Σ‖embedding rows in the batch‖² / N.
// Explicit mode (rating prediction, not in the paper): ŷ = μ + b_u + b_i + logit, trained with
// mean squared error on the ratings plus the same L2 term; μ is the global mean and b_u, b_i
// start at damped baseline estimates, so the first epoch already predicts on the rating scale.
// NeuMF pre-training (paper §3.4.1): GMF and MLP are trained first; NeuMF starts from their
// embeddings and layers with h = [α·h_GMF ; (1 − α)·h_MLP], and is fine-tuned with vanilla SGD.
// Training keeps the parameters in host typed arrays: each step copies the batch's embedding rows
// out, tf computes the loss and its gradient with respect to those rows and the dense weights
// (tf.valueAndGrads), and Adam updates only the touched rows ("lazy" Adam, src/tf/hostOptimizer.ts)
// and the dense weights. Against tf.train.adam on tf.Variables (full-table updates, a gather
// gradient per table) this halved the CPU time of an epoch here: NeuMF f = 8 on u1.base,
// 1.41 → 0.74 s; implicit f = 16, batch 1024, 400k pairs, 6.4 → 4.0 s (process CPU time, median
// of 3, interleaved runs under load). The variables take the host values after every epoch.
import { AppError } from "../../errors";
import type { Interactions } from "../../data/interactions";
import { type Rng } from "../../math/random";
import { initTf, tf } from "../../tf/backend";
import { glorotUniform, normalValues } from "../../tf/init";
import { HostAdam, HostSgd, type HostOptimizer } from "../../tf/hostOptimizer";
import { WeightSet, sizeOfShape, type WeightShapes } from "../../tf/weights";
import { BaseRecommender } from "../base";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData } from "../types";
import {
  carveValidation,
  identityOrder,
  rankingMetrics,
  rmseOn,
  rowOfEntries,
  runEpochs,
  seededStreams,
  shuffledBatches,
  validationUsers,
  valueRange,
  type EpochLoopResult,
} from "./common";

export type NcfVariant = "gmf" | "mlp" | "neumf";
export const NCF_MODES = ["auto", "explicit", "implicit"] as const;
export type NcfMode = (typeof NCF_MODES)[number];

/** Every setting of the three models (GMF ignores the MLP's, only NeuMF pre-trains). */
export interface NcfConfig {
  mode: NcfMode;
  factors: number;
  layers: number;
  negatives: number;
  epochs: number;
  batchSize: number;
  lr: number;
  l2: number;
  validationFraction: number;
  patience: number;
  validationUsers: number;
  pretrain: boolean;
  alpha: number;
  finetuneLr: number;
}

export const NCF_BASE_PARAMS = {
  mode: { type: "enum", default: "auto", values: NCF_MODES, description: "auto: explicit (MSE on ratings) when the training data are ratings, else implicit (BCE with sampled negatives)" },
  factors: { type: "int", default: 16, min: 1, max: 1024, description: "Predictive factors f: GMF embedding size and the MLP's last layer" },
  negatives: { type: "int", default: 4, min: 1, max: 100, description: "Implicit mode: sampled unobserved items per observed pair, per epoch (paper: 4)" },
  epochs: { type: "int", default: 100, min: 1, max: 10000, description: "Maximum epochs (early stopping on the validation split usually ends sooner)" },
  batchSize: { type: "int", default: 256, min: 1, max: 65536, description: "Training pairs per Adam step" },
  lr: { type: "float", default: 0.001, min: 1e-6, max: 1, description: "Adam learning rate" },
  l2: { type: "float", default: 0, min: 0, max: 10, description: "L2 penalty on the embedding rows of each batch (per pair)" },
  validationFraction: {
    type: "float",
    default: 0.1,
    min: 0,
    max: 0.5,
    description: "Share of each user's training interactions held out for early stopping (RMSE explicit, NDCG@20 implicit); 0 = none, all epochs run",
  },
  patience: { type: "int", default: 3, min: 0, max: 1000, description: "Epochs without validation improvement before stopping (0 = never stop early); the best epoch's weights are kept" },
  validationUsers: { type: "int", default: 1000, min: 1, max: 1_000_000, description: "Implicit mode: at most this many users (seeded sample) are ranked for validation" },
} as const;

export const NCF_LAYER_PARAMS = {
  layers: { type: "int", default: 3, min: 1, max: 8, description: "MLP hidden layers L; sizes f·2^(L−1), …, 2f, f (embeddings f·2^(L−1) each)" },
} as const;

export const NEUMF_PRETRAIN_PARAMS = {
  pretrain: { type: "bool", default: false, description: "Initialise from separately trained GMF and MLP (paper §3.4.1), then fine-tune with SGD" },
  alpha: { type: "float", default: 0.5, min: 0, max: 1, description: "Pre-training: weight of GMF's output layer against MLP's (1 − α)" },
  finetuneLr: { type: "float", default: 0.05, min: 1e-6, max: 10, description: "Pre-training: SGD learning rate of the fine-tuning phase" },
} as const;

const DEFAULTS: Omit<NcfConfig, "mode"> = {
  factors: 16,
  layers: 3,
  negatives: 4,
  epochs: 100,
  batchSize: 256,
  lr: 0.001,
  l2: 0,
  validationFraction: 0.1,
  patience: 3,
  validationUsers: 1000,
  pretrain: false,
  alpha: 0.5,
  finetuneLr: 0.05,
};

export function ncfCapabilities(): Capabilities {
  return {
    personalized: true,
    ratingPrediction: true,
    similarItems: false,
    foldIn: false,
    sequential: false,
    coldStartItems: false,
    usesContent: false,
  };
}

/** Scored (user, item) pairs per tf call when scoring whole rows: bounds the MLP's activations. */
const SCORE_PAIRS = 1 << 18;
const PREDICT_PAIRS = 1 << 16;
/** Damping of the baseline bias estimates (Koren 2010): shrinks rare users' and items' means. */
const ITEM_DAMPING = 25;
const USER_DAMPING = 10;

/** Host copies of the weights for single-pair prediction without a tf call. */
interface HostWeights {
  arrays: Record<string, Float32Array>;
  hidden: number[];
}

export class NcfRecommender extends BaseRecommender<Record<string, unknown>> {
  readonly name: string;
  private readonly config: NcfConfig;
  private weights: WeightSet | undefined;
  private host: HostWeights | undefined;
  private explicit = true;
  private mean = 0;
  private range = { min: 0, max: 1 };

  constructor(
    readonly variant: NcfVariant,
    params: Record<string, unknown>,
    name: string = variant,
  ) {
    super(params);
    this.name = name;
    this.config = { ...DEFAULTS, ...(params as Partial<NcfConfig>), mode: (params as Partial<NcfConfig>).mode ?? "auto" };
  }

  /** Rating prediction only once trained on ratings (explicit mode). */
  get capabilities(): Capabilities {
    return { ...ncfCapabilities(), ratingPrediction: this.explicit };
  }

  /** True when trained (or loaded) in explicit mode. */
  get explicitMode(): boolean {
    return this.explicit;
  }

  private get hasGmf(): boolean {
    return this.variant !== "mlp";
  }

  private get hasMlp(): boolean {
    return this.variant !== "gmf";
  }

  /** MLP embedding size (each of user and item) and hidden sizes. */
  private tower(): { embedding: number; hidden: number[] } {
    const f = this.config.factors;
    const layers = this.config.layers;
    const hidden = Array.from({ length: layers }, (_, l) => f * 2 ** (layers - 1 - l));
    return { embedding: f * 2 ** (layers - 1), hidden };
  }

  private shapes(): WeightShapes {
    const f = this.config.factors;
    const shapes: [string, number[]][] = [];
    if (this.hasGmf) shapes.push(["gmfUser", [this.nUsers, f]], ["gmfItem", [this.nItems, f]]);
    let out = this.hasGmf ? f : 0;
    if (this.hasMlp) {
      const { embedding, hidden } = this.tower();
      shapes.push(["mlpUser", [this.nUsers, embedding]], ["mlpItem", [this.nItems, embedding]]);
      let input = 2 * embedding;
      hidden.forEach((size, l) => {
        shapes.push([`w${l}`, [input, size]], [`b${l}`, [size]]);
        input = size;
      });
      out += f;
    }
    shapes.push(["h", [out, 1]], ["outBias", [1]]);
    if (this.explicit) shapes.push(["userBias", [this.nUsers]], ["itemBias", [this.nItems]]);
    return shapes;
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const backend = await initTf();
    const { interactions } = data;
    this.disposeWeights();
    this.nUsers = interactions.nUsers;
    this.nItems = interactions.nItems;
    this.explicit = this.config.mode === "explicit" || (this.config.mode === "auto" && !data.implicit);
    const streams = seededStreams(context.seed);
    const split = carveValidation(interactions, this.config.validationFraction, streams.split);
    const train = split?.train ?? interactions;
    this.range = valueRange(interactions);
    this.mean = this.explicit ? meanValue(train) : 0;

    const stages: Record<string, unknown> = {};
    const fineTune = this.variant === "neumf" && this.config.pretrain;
    const host = fineTune ? await this.pretrainedValues(data, context, stages) : this.initialValues(train, streams.init);
    this.weights = WeightSet.fromArrays(this.name, this.shapes(), Object.fromEntries(host));
    const optimizer: HostOptimizer = fineTune ? new HostSgd(this.config.finetuneLr) : new HostAdam(this.config.lr);
    for (const [name, shape] of this.shapes()) optimizer.add(name, host.get(name)!, TABLES.has(name) ? (shape[1] ?? 1) : undefined);
    const loop = await this.trainLoop(interactions, train, split?.test, host, optimizer, context, started, streams.sample, streams.validation, fineTune ? "fine-tuning" : undefined);
    this.cacheHost();
    return {
      epochs: loop.epochs,
      seconds: (performance.now() - started) / 1000,
      lossCurve: loop.lossCurve,
      validationCurve: loop.validationCurve,
      notes: {
        backend,
        mode: this.explicit ? "explicit" : "implicit",
        optimizer: fineTune ? "sgd (fine-tuning after pre-training)" : "adam (lazy on embedding rows)",
        bestEpoch: loop.bestEpoch,
        bestValidation: loop.best,
        meanEpochSeconds: mean(loop.epochSeconds),
        epochSeconds: loop.epochSeconds,
        trainPairs: train.nnz,
        validationPairs: split?.test.nnz ?? 0,
        ...stages,
      },
    };
  }

  private async trainLoop(
    all: Interactions,
    train: Interactions,
    validation: Interactions | undefined,
    host: Map<string, Float32Array>,
    optimizer: HostOptimizer,
    context: FitContext,
    started: number,
    sampler: Rng,
    validationRng: Rng,
    stage: string | undefined,
  ): Promise<EpochLoopResult> {
    const weights = this.requireWeights();
    const samples = new PairSampler(all, train, this.explicit ? 0 : this.config.negatives);
    const batch = this.config.batchSize;
    const users = new Int32Array(batch);
    const items = new Int32Array(batch);
    const labels = new Float32Array(batch);
    const rankUsers = validation && !this.explicit ? validationUsers(validation, this.config.validationUsers, validationRng) : undefined;
    const shapes = new Map(this.shapes().map(([name, shape]) => [name, shape]));
    return runEpochs({
      model: this.name,
      epochs: this.config.epochs,
      patience: this.config.patience,
      context,
      started,
      weights,
      lr: stage ? this.config.finetuneLr : this.config.lr,
      stage,
      monitor: this.explicit ? { metric: "rmse", higherIsBetter: false } : { metric: "ndcg@20", higherIsBetter: true },
      trainEpoch: () => {
        samples.draw(sampler);
        let lossSum = 0;
        for (const part of shuffledBatches(samples.order, batch, sampler)) {
          const m = part.length;
          for (let r = 0; r < m; r++) {
            const k = part[r];
            users[r] = samples.users[k];
            items[r] = samples.items[k];
            labels[r] = samples.labels[k];
          }
          lossSum += this.trainStep(host, shapes, optimizer, users.subarray(0, m), items.subarray(0, m), labels.subarray(0, m)) * m;
        }
        // The variables (used by validation, scoring and snapshots) take the epoch's values.
        weights.restore(host);
        return lossSum / Math.max(1, samples.count);
      },
      validate: validation
        ? () => {
            if (this.explicit) return { rmse: rmseOn(validation, (u, i, out) => this.predictPairs(u, i, out, true)) };
            return rankingMetrics((u, out) => this.scoreRows(u, out), train, validation, rankUsers!, 20);
          }
        : undefined,
    });
  }

  /**
   * One optimisation step on host parameters: the batch's embedding rows (and bias entries) are
   * copied out of the tables, the small dense weights passed whole; tf computes the loss and its
   * gradient with respect to all of them; the optimiser updates the touched rows and the dense
   * weights in place. Returns the batch's mean loss.
   */
  private trainStep(host: Map<string, Float32Array>, shapes: Map<string, readonly number[]>, optimizer: HostOptimizer, users: Int32Array, items: Int32Array, labels: Float32Array): number {
    const m = users.length;
    const names: string[] = [];
    const indices: (Int32Array | undefined)[] = [];
    const tensors: tf.Tensor[] = [];
    return tf.tidy(() => {
      for (const [name, shape] of shapes) {
        const values = host.get(name)!;
        if (TABLES.has(name)) {
          const rows = name.endsWith("User") || name === "userBias" ? users : items;
          const width = shape[1] ?? 1;
          names.push(name);
          indices.push(rows);
          tensors.push(tf.tensor(gatherRows(values, width, rows), width === 1 && shape.length === 1 ? [m] : [m, width], "float32"));
        } else {
          names.push(name);
          indices.push(undefined);
          tensors.push(tf.tensor(values, [...shape], "float32"));
        }
      }
      const y = tf.tensor1d(labels, "float32");
      const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) => {
        const byName = new Map(names.map((name, k) => [name, inputs[k]]));
        return this.lossFrom((name) => byName.get(name)!, y, m);
      })(tensors);
      optimizer.nextStep();
      grads.forEach((grad, k) => {
        const g = grad.dataSync() as Float32Array;
        const rows = indices[k];
        if (rows) optimizer.rows(names[k], rows, g);
        else optimizer.dense(names[k], g);
      });
      return value.dataSync()[0];
    });
  }

  /** Mean loss of a batch (MSE or BCE) plus l2 / B · Σ‖embedding rows‖², from per-pair inputs. */
  private lossFrom(get: (name: string) => tf.Tensor, y: tf.Tensor1D, batch: number): tf.Scalar {
    const output = this.outputFrom(get);
    const data = this.explicit ? tf.mean(tf.squaredDifference(output, y)) : tf.mean(tf.sub(tf.softplus(output), tf.mul(y, output)));
    if (this.config.l2 <= 0) return data as tf.Scalar;
    const rows = [...(this.hasGmf ? ["gmfUser", "gmfItem"] : []), ...(this.hasMlp ? ["mlpUser", "mlpItem"] : [])];
    const penalty = tf.addN(rows.map((name) => tf.sum(tf.square(get(name)))));
    return tf.add(data, tf.mul(this.config.l2 / batch, penalty)) as tf.Scalar;
  }

  /**
   * The model output per pair (rating in explicit mode, logit in implicit) from per-pair
   * embedding rows and bias entries ([B, width] / [B]) and the dense weights, all by name.
   */
  private outputFrom(get: (name: string) => tf.Tensor): tf.Tensor1D {
    const parts: tf.Tensor2D[] = [];
    if (this.hasGmf) parts.push(tf.mul(get("gmfUser"), get("gmfItem")) as tf.Tensor2D);
    if (this.hasMlp) {
      let x = tf.concat([get("mlpUser") as tf.Tensor2D, get("mlpItem") as tf.Tensor2D], 1);
      const { hidden } = this.tower();
      for (let l = 0; l < hidden.length; l++) x = tf.relu(tf.add(tf.matMul(x, get(`w${l}`) as tf.Tensor2D), get(`b${l}`))) as tf.Tensor2D;
      parts.push(x);
    }
    const z = parts.length === 1 ? parts[0] : tf.concat(parts, 1);
    let output = tf.add(tf.reshape(tf.matMul(z, get("h") as tf.Tensor2D), [-1]), get("outBias")) as tf.Tensor1D;
    if (this.explicit) output = tf.add(output, tf.add(tf.add(get("userBias"), get("itemBias")), this.mean));
    return output;
  }

  /** Output per pair from the variables (gathering the pairs' rows). */
  private forwardPairs(u: tf.Tensor1D, i: tf.Tensor1D): tf.Tensor1D {
    const w = this.requireWeights();
    return this.outputFrom((name) => {
      if (!TABLES.has(name)) return w.get(name);
      return tf.gather(w.get(name), name.endsWith("User") || name === "userBias" ? u : i);
    });
  }

  /** Predictions for pairs (batched tf calls): ratings (clipped when `clip`) or probabilities. */
  predictPairs(users: Int32Array, items: Int32Array, out: Float32Array, clip = true): void {
    for (let start = 0; start < users.length; start += PREDICT_PAIRS) {
      const end = Math.min(users.length, start + PREDICT_PAIRS);
      const values = tf.tidy(() => {
        const output = this.forwardPairs(tf.tensor1d(users.subarray(start, end), "int32"), tf.tensor1d(items.subarray(start, end), "int32"));
        return this.explicit ? output : tf.sigmoid(output);
      });
      out.set(values.dataSync(), start);
      values.dispose();
    }
    if (clip && this.explicit) for (let k = 0; k < users.length; k++) out[k] = Math.min(this.range.max, Math.max(this.range.min, out[k]));
  }

  /**
   * Scores of every item for each user, row-major, in one batched forward pass per chunk of
   * users: GMF as (p_u ⊙ h)·Qᵀ; the MLP's first layer split into its user and item halves,
   * W₁ = [W_u ; W_i], so [U × I] pairs cost one broadcast add before the remaining layers.
   * Explicit mode scores are predicted ratings (unclipped), implicit mode scores are logits.
   */
  private scoreRows(users: Int32Array, out: Float32Array): void {
    const w = this.requireWeights();
    const n = this.nItems;
    const f = this.config.factors;
    const { embedding, hidden } = this.tower();
    const widest = this.hasMlp ? Math.max(...hidden) : 1;
    const chunk = Math.max(1, Math.floor(SCORE_PAIRS / Math.max(1, n * Math.max(1, widest / 8))));
    for (let start = 0; start < users.length; start += chunk) {
      const part = users.subarray(start, start + chunk);
      const rows = part.length;
      const scores = tf.tidy(() => {
        const u = tf.tensor1d(part, "int32");
        let s = tf.add(tf.zeros([rows, n]), w.get("outBias")) as tf.Tensor2D;
        const h = w.get("h") as tf.Tensor2D;
        if (this.hasGmf) {
          const hg = tf.reshape(tf.slice(h, [0, 0], [f, 1]), [1, f]);
          const pu = tf.mul(tf.gather(w.get("gmfUser"), u), hg) as tf.Tensor2D;
          s = tf.add(s, tf.matMul(pu, w.get("gmfItem") as tf.Tensor2D, false, true));
        }
        if (this.hasMlp) {
          const w0 = w.get("w0") as tf.Tensor2D;
          const h0 = hidden[0];
          const userPart = tf.matMul(tf.gather(w.get("mlpUser"), u) as tf.Tensor2D, tf.slice(w0, [0, 0], [embedding, h0]));
          const itemPart = tf.add(tf.matMul(w.get("mlpItem") as tf.Tensor2D, tf.slice(w0, [embedding, 0], [embedding, h0])), w.get("b0"));
          let x = tf.reshape(tf.relu(tf.add(tf.expandDims(userPart, 1), tf.expandDims(itemPart, 0))), [rows * n, h0]) as tf.Tensor2D;
          for (let l = 1; l < hidden.length; l++) x = tf.fused.matMul({ a: x, b: w.get(`w${l}`) as tf.Tensor2D, bias: w.get(`b${l}`), activation: "relu" }) as tf.Tensor2D;
          const hm = tf.slice(h, [this.hasGmf ? f : 0, 0], [f, 1]) as tf.Tensor2D;
          s = tf.add(s, tf.reshape(tf.matMul(x, hm), [rows, n]));
        }
        if (this.explicit) {
          s = tf.add(s, tf.add(tf.expandDims(tf.gather(w.get("userBias"), u), 1), tf.expandDims(w.get("itemBias"), 0)));
          s = tf.add(s, this.mean);
        }
        return s;
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

  /** Predicted rating of (user, item), clipped to the training scale; computed on the host (no tf call). */
  override predict(user: number, item: number): number {
    if (!this.explicit) throw this.unsupported("rating prediction (trained in implicit mode)");
    this.checkUser(user);
    if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    const value = this.hostOutput(user, item);
    return Math.min(this.range.max, Math.max(this.range.min, value));
  }

  /** The model output for one pair from host copies of the weights (same formula as forwardPairs). */
  hostOutput(user: number, item: number): number {
    const host = this.host ?? this.cacheHost();
    const a = host.arrays;
    const f = this.config.factors;
    const h = a.h;
    let out = a.outBias[0];
    let offset = 0;
    if (this.hasGmf) {
      const pu = user * f;
      const qi = item * f;
      for (let c = 0; c < f; c++) out += a.gmfUser[pu + c] * a.gmfItem[qi + c] * h[c];
      offset = f;
    }
    if (this.hasMlp) {
      const { embedding } = this.tower();
      let x = new Float32Array(2 * embedding);
      x.set(a.mlpUser.subarray(user * embedding, (user + 1) * embedding), 0);
      x.set(a.mlpItem.subarray(item * embedding, (item + 1) * embedding), embedding);
      host.hidden.forEach((size, l) => {
        const weight = a[`w${l}`];
        const bias = a[`b${l}`];
        const next = new Float32Array(size);
        for (let j = 0; j < size; j++) {
          let sum = bias[j];
          for (let k = 0; k < x.length; k++) sum += x[k] * weight[k * size + j];
          next[j] = sum > 0 ? sum : 0;
        }
        x = next;
      });
      for (let c = 0; c < f; c++) out += x[c] * h[offset + c];
    }
    if (this.explicit) out += a.userBias[user] + a.itemBias[item] + this.mean;
    return out;
  }

  saveState(): ModelState {
    return {
      json: { explicit: this.explicit, mean: this.mean, min: this.range.min, max: this.range.max },
      arrays: this.requireWeights().toArrays(),
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.disposeWeights();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.explicit = state.json.explicit === true;
    this.mean = Number(state.json.mean ?? 0);
    this.range = { min: Number(state.json.min ?? 0), max: Number(state.json.max ?? 1) };
    this.weights = WeightSet.fromArrays(this.name, this.shapes(), state.arrays);
    this.cacheHost();
  }

  override dispose(): void {
    this.disposeWeights();
    super.dispose();
  }

  private disposeWeights(): void {
    this.weights?.dispose();
    this.weights = undefined;
    this.host = undefined;
  }

  private requireWeights(): WeightSet {
    if (!this.weights) throw new AppError("MODEL_NOT_READY", `model ${this.name} is not trained or loaded`, { model: this.name });
    return this.weights;
  }

  private cacheHost(): HostWeights {
    this.host = { arrays: this.requireWeights().toArrays(), hidden: this.hasMlp ? this.tower().hidden : [] };
    return this.host;
  }

  /** Seeded initial values: embeddings N(0, 0.01²), layers Glorot-uniform, biases at the damped baseline. */
  private initialValues(train: Interactions, rng: Rng): Map<string, Float32Array> {
    const values = new Map<string, Float32Array>();
    for (const [name, shape] of this.shapes()) {
      if (name.endsWith("User") || name.endsWith("Item")) values.set(name, normalValues(shape, 0.01, rng));
      else if (name === "h" || /^w\d+$/.test(name)) values.set(name, glorotUniform(shape[0], shape[1], rng));
      else values.set(name, new Float32Array(sizeOfShape(shape)));
    }
    if (this.explicit) {
      const { userBias, itemBias } = baselineBiases(train, this.mean);
      values.set("userBias", userBias);
      values.set("itemBias", itemBias);
    }
    return values;
  }

  /** Trains GMF and MLP with this model's settings and combines their weights (α-weighted output layer). */
  private async pretrainedValues(data: TrainingData, context: FitContext, notes: Record<string, unknown>): Promise<Map<string, Float32Array>> {
    const parts: Record<string, Record<string, Float32Array>> = {};
    for (const variant of ["gmf", "mlp"] as const) {
      const part = new NcfRecommender(variant, { ...this.config, pretrain: false } as unknown as Record<string, unknown>, `${this.name}/${variant}`);
      try {
        const report = await part.fit(data, {
          ...context,
          onProgress: context.onProgress ? (p) => context.onProgress!({ ...p, message: `pre-training ${variant}: ${p.message ?? ""}` }) : undefined,
        });
        notes[`pretrain${variant.toUpperCase()}`] = { epochs: report.epochs, bestEpoch: report.notes?.bestEpoch, best: report.notes?.bestValidation, seconds: report.seconds };
        parts[variant] = part.requireWeights().toArrays();
      } finally {
        part.dispose();
      }
    }
    const g = parts.gmf;
    const m = parts.mlp;
    const alpha = this.config.alpha;
    const values = new Map<string, Float32Array>(Object.entries({ ...g, ...m }));
    values.set("h", Float32Array.from([...g.h.map((v) => alpha * v), ...m.h.map((v) => (1 - alpha) * v)]));
    values.set("outBias", Float32Array.of(alpha * g.outBias[0] + (1 - alpha) * m.outBias[0]));
    if (this.explicit) {
      values.set("userBias", g.userBias.map((v, k) => alpha * v + (1 - alpha) * m.userBias[k]));
      values.set("itemBias", g.itemBias.map((v, k) => alpha * v + (1 - alpha) * m.itemBias[k]));
    }
    return values;
  }
}

/** Embedding tables and per-user/per-item biases: updated row by row (the rows of a batch). */
const TABLES = new Set(["gmfUser", "gmfItem", "mlpUser", "mlpItem", "userBias", "itemBias"]);

/** Rows `rows` of a row-major [n, width] table, copied into one array. */
function gatherRows(table: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  if (width === 1) {
    for (let r = 0; r < rows.length; r++) out[r] = table[rows[r]];
    return out;
  }
  for (let r = 0; r < rows.length; r++) out.set(table.subarray(rows[r] * width, rows[r] * width + width), r * width);
  return out;
}

/**
 * Training pairs of an epoch: every observed pair (label = rating in explicit mode, 1 in
 * implicit mode) and, in implicit mode, `negatives` items per pair drawn uniformly from the
 * items the user has no interaction with in `all` (label 0), redrawn by each `draw`.
 */
class PairSampler {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly labels: Float32Array;
  readonly order: Int32Array;
  readonly count: number;
  private readonly seen: Uint8Array;

  constructor(
    private readonly all: Interactions,
    private readonly train: Interactions,
    private readonly negatives: number,
  ) {
    this.count = train.nnz * (1 + negatives);
    this.users = new Int32Array(this.count);
    this.items = new Int32Array(this.count);
    this.labels = new Float32Array(this.count);
    this.order = identityOrder(this.count);
    this.seen = new Uint8Array(train.nItems);
    const rows = rowOfEntries(train);
    this.users.set(rows);
    this.items.set(train.indices);
    if (negatives === 0) this.labels.set(train.values);
    else this.labels.fill(1, 0, train.nnz);
  }

  draw(rng: Rng): void {
    if (this.negatives === 0) return;
    const { all, train, seen } = this;
    const nItems = train.nItems;
    let slot = train.nnz;
    for (let u = 0; u < train.nUsers; u++) {
      const positives = train.userDegree(u) * this.negatives;
      if (positives === 0) continue;
      const known = all.userItems(u);
      for (let k = 0; k < known.length; k++) seen[known[k]] = 1;
      const canSample = known.length < nItems;
      for (let t = 0; t < positives; t++) {
        let j = rng.int(nItems);
        if (canSample) while (seen[j] === 1) j = rng.int(nItems);
        this.users[slot] = u;
        this.items[slot] = j;
        slot++;
      }
      for (let k = 0; k < known.length; k++) seen[known[k]] = 0;
    }
  }
}

/** Damped baseline: b_i = Σ(r − μ)/(25 + n_i), then b_u = Σ(r − μ − b_i)/(10 + n_u). */
function baselineBiases(train: Interactions, mu: number): { userBias: Float32Array; itemBias: Float32Array } {
  const itemSum = new Float64Array(train.nItems);
  const itemCount = new Float64Array(train.nItems);
  for (let k = 0; k < train.nnz; k++) {
    itemSum[train.indices[k]] += train.values[k] - mu;
    itemCount[train.indices[k]]++;
  }
  const itemBias = new Float32Array(train.nItems);
  for (let i = 0; i < train.nItems; i++) itemBias[i] = itemSum[i] / (ITEM_DAMPING + itemCount[i]);
  const userBias = new Float32Array(train.nUsers);
  for (let u = 0; u < train.nUsers; u++) {
    let sum = 0;
    for (let k = train.indptr[u]; k < train.indptr[u + 1]; k++) sum += train.values[k] - mu - itemBias[train.indices[k]];
    userBias[u] = sum / (USER_DAMPING + train.userDegree(u));
  }
  return { userBias, itemBias };
}

function meanValue(data: Interactions): number {
  let sum = 0;
  for (let k = 0; k < data.nnz; k++) sum += data.values[k];
  return data.nnz > 0 ? sum / data.nnz : 0;
}

function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
