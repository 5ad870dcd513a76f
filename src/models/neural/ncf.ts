// Neural Collaborative Filtering: X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua,
// "Neural Collaborative Filtering", WWW 2017. The shared implementation of its three models
// (gmf.ts, mlp.ts and neumf.ts declare them; settings in ncfParams.ts, the network in ncfNetwork.ts):
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
// (tf.valueAndGrads), and Adam updates only the touched rows ("lazy" Adam, the training kit's)
// and the dense weights. Against tf.train.adam on tf.Variables (full-table updates, a gather
// gradient per table) this halved the CPU time of an epoch here: NeuMF f = 8 on u1.base,
// 1.41 → 0.74 s; implicit f = 16, batch 1024, 400k pairs, 6.4 → 4.0 s (process CPU time, median
// of 3, interleaved runs under load). The variables take the host values after every epoch.
import type { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import type { WeightShapes } from "../../tf/weights";
import { defineModel, type ModelDefinition } from "../definition";
import {
  FLOAT32_BYTES,
  INT32_BYTES,
  TF_WORKING_SET,
  adamTrainedWeights,
  parameterCount,
  trainingMatrix,
  validationScoresMemory,
  validationSplitMemory,
  type DataShape,
  type MemoryTerm,
} from "../memory";
import type { ParamSchema, ParamsOf } from "../params";
import { TfRecommender } from "../tfRecommender";
import {
  Adam,
  PairSampler,
  Sgd,
  arrayState,
  rankingValidation,
  rmseValidation,
  runTraining,
  seededStreams,
  shuffledBatches,
  validationSplit,
  validationUsers,
  type Optimizer,
  type TrainingResult,
} from "../training";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData } from "../types";
import { valueRange } from "./common";
import { NcfNetwork, TABLES, gatherRows, isUserTable } from "./ncfNetwork";
import { NCF_CAPABILITIES, NCF_DEFAULTS, type NcfConfig, type NcfVariant } from "./ncfParams";

/** Pairs per tf call when predicting pairs. */
const PREDICT_PAIRS = 1 << 16;

export class NcfRecommender extends TfRecommender<Record<string, unknown>> {
  readonly name: string;
  private readonly config: NcfConfig;
  private network: NcfNetwork | undefined;
  /** Host copies of the weights for single-pair prediction without a tf call. */
  private host: Record<string, Float32Array> | undefined;
  private explicit = true;
  private range = { min: 0, max: 1 };

  constructor(
    readonly variant: NcfVariant,
    params: Record<string, unknown>,
    name: string = variant,
  ) {
    super(params);
    this.name = name;
    this.config = { ...NCF_DEFAULTS, ...(params as Partial<NcfConfig>), mode: (params as Partial<NcfConfig>).mode ?? "auto" };
  }

  /** Rating prediction only once trained on ratings (explicit mode). */
  get capabilities(): Capabilities {
    return { ...NCF_CAPABILITIES, ratingPrediction: this.explicit };
  }

  /** True when trained (or loaded) in explicit mode. */
  get explicitMode(): boolean {
    return this.explicit;
  }

  protected weightShapes(): WeightShapes {
    return this.requireNetwork().shapes();
  }

  /** The network of the current shape and mode (set by fit and load before the weights). */
  private useNetwork(mean: number): NcfNetwork {
    this.network = new NcfNetwork(this.variant, this.config.factors, this.config.layers, this.nUsers, this.nItems, this.explicit, mean);
    return this.network;
  }

  private requireNetwork(): NcfNetwork {
    if (!this.network) throw this.notReady();
    return this.network;
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const { interactions } = data;
    const backend = await this.beginFit(interactions);
    const c = this.config;
    this.explicit = c.mode === "explicit" || (c.mode === "auto" && !data.implicit);
    const streams = seededStreams(context.seed);
    const { train, validation } = validationSplit(interactions, { fraction: c.validationFraction, seed: streams.split });
    this.range = valueRange(interactions);
    const network = this.useNetwork(this.explicit ? meanValue(train) : 0);

    const stages: Record<string, unknown> = {};
    const fineTune = this.variant === "neumf" && c.pretrain;
    const host = fineTune ? await this.pretrainedValues(data, context, stages) : network.initialValues(train, streams.init);
    this.loadWeights(Object.fromEntries(host));
    const optimizer: Optimizer = fineTune ? new Sgd(c.finetuneLr) : new Adam(c.lr);
    for (const [name, shape] of network.shapes()) optimizer.add(name, host.get(name)!, TABLES.has(name) ? (shape[1] ?? 1) : undefined);
    const loop = await this.trainLoop(interactions, train, validation, host, optimizer, context, started, streams.sample, streams.validation, fineTune ? "fine-tuning" : undefined);
    this.cacheHost();
    return this.fitReport(started, backend, loop, {
      mode: this.explicit ? "explicit" : "implicit",
      optimizer: fineTune ? "sgd (fine-tuning after pre-training)" : "adam (lazy on embedding rows)",
      trainPairs: train.nnz,
      validationPairs: validation?.nnz ?? 0,
      ...stages,
    });
  }

  private async trainLoop(
    all: Interactions,
    train: Interactions,
    validation: Interactions | undefined,
    host: Map<string, Float32Array>,
    optimizer: Optimizer,
    context: FitContext,
    started: number,
    sampler: Rng,
    validationRng: Rng,
    stage: string | undefined,
  ): Promise<TrainingResult> {
    const weights = this.requireWeights();
    const c = this.config;
    const samples = new PairSampler(all, train, this.explicit ? 0 : c.negatives);
    const users = new Int32Array(c.batchSize);
    const items = new Int32Array(c.batchSize);
    const labels = new Float32Array(c.batchSize);
    const rankUsers = validation && !this.explicit ? validationUsers(validation, c.validationUsers, validationRng) : undefined;
    const shapes = new Map(this.weightShapes().map(([name, shape]) => [name, shape]));
    return runTraining({
      model: this.name,
      context,
      epochs: c.epochs,
      lr: stage ? c.finetuneLr : c.lr,
      stage,
      started,
      patience: c.patience,
      monitor: this.explicit ? { metric: "rmse", higherIsBetter: false } : { metric: "ndcg@20", higherIsBetter: true },
      // The host arrays are the parameters; the variables (validation, scoring) take their values at every check.
      best: arrayState(...host.values()),
      refresh: () => weights.restore(host),
      trainEpoch: () => {
        samples.draw(sampler);
        let lossSum = 0;
        for (const part of shuffledBatches(samples.order, c.batchSize, sampler)) {
          const m = part.length;
          for (let r = 0; r < m; r++) {
            const k = part[r];
            users[r] = samples.users[k];
            items[r] = samples.items[k];
            labels[r] = samples.labels[k];
          }
          lossSum += this.trainStep(host, shapes, optimizer, users.subarray(0, m), items.subarray(0, m), labels.subarray(0, m)) * m;
        }
        return lossSum / Math.max(1, samples.count);
      },
      validate: validation
        ? () => {
            if (this.explicit) return { rmse: rmseValidation(validation, (u, i, out) => this.predictPairs(u, i, out, true)) };
            return rankingValidation((u, out) => this.requireNetwork().scoreRows(weights, u, out), train, validation, rankUsers!, 20);
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
  private trainStep(host: Map<string, Float32Array>, shapes: Map<string, readonly number[]>, optimizer: Optimizer, users: Int32Array, items: Int32Array, labels: Float32Array): number {
    const network = this.requireNetwork();
    const m = users.length;
    const names: string[] = [];
    const indices: (Int32Array | undefined)[] = [];
    const tensors: tf.Tensor[] = [];
    return tf.tidy(() => {
      for (const [name, shape] of shapes) {
        const values = host.get(name)!;
        names.push(name);
        if (TABLES.has(name)) {
          const rows = isUserTable(name) ? users : items;
          const width = shape[1] ?? 1;
          indices.push(rows);
          tensors.push(tf.tensor(gatherRows(values, width, rows), width === 1 && shape.length === 1 ? [m] : [m, width], "float32"));
        } else {
          indices.push(undefined);
          tensors.push(tf.tensor(values, [...shape], "float32"));
        }
      }
      const y = tf.tensor1d(labels, "float32");
      const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) => {
        const byName = new Map(names.map((name, k) => [name, inputs[k]]));
        return network.loss((name) => byName.get(name)!, y, m, this.config.l2);
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

  /** Predictions for pairs (batched tf calls): ratings (clipped when `clip`) or probabilities. */
  predictPairs(users: Int32Array, items: Int32Array, out: Float32Array, clip = true): void {
    const w = this.requireWeights();
    const network = this.requireNetwork();
    for (let start = 0; start < users.length; start += PREDICT_PAIRS) {
      const end = Math.min(users.length, start + PREDICT_PAIRS);
      const values = tf.tidy(() => {
        const output = network.forwardPairs(w, tf.tensor1d(users.subarray(start, end), "int32"), tf.tensor1d(items.subarray(start, end), "int32"));
        return this.explicit ? output : tf.sigmoid(output);
      });
      out.set(values.dataSync(), start);
      values.dispose();
    }
    if (clip && this.explicit) for (let k = 0; k < users.length; k++) out[k] = Math.min(this.range.max, Math.max(this.range.min, out[k]));
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    this.requireNetwork().scoreRows(this.requireWeights(), Int32Array.of(user), out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    for (const u of users) this.checkUser(u);
    this.requireNetwork().scoreRows(this.requireWeights(), users, out);
  }

  /** Predicted rating of (user, item), clipped to the training scale; computed on the host (no tf call). */
  override predict(user: number, item: number): number {
    if (!this.explicit) throw this.unsupported("rating prediction (trained in implicit mode)");
    this.checkUser(user);
    if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    const value = this.hostOutput(user, item);
    return Math.min(this.range.max, Math.max(this.range.min, value));
  }

  /** The model output for one pair from host copies of the weights (same formula as the tf forward pass). */
  hostOutput(user: number, item: number): number {
    return this.requireNetwork().hostOutput(this.host ?? this.cacheHost(), user, item);
  }

  saveState(): ModelState {
    const network = this.requireNetwork();
    return {
      json: { explicit: this.explicit, mean: network.mean, min: this.range.min, max: this.range.max },
      arrays: this.weightArrays(),
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.beginLoad(shape);
    this.explicit = state.json.explicit === true;
    this.range = { min: Number(state.json.min ?? 0), max: Number(state.json.max ?? 1) };
    this.useNetwork(Number(state.json.mean ?? 0));
    this.loadWeights(state.arrays);
    this.cacheHost();
  }

  protected override releaseDerived(): void {
    this.host = undefined;
  }

  private cacheHost(): Record<string, Float32Array> {
    this.host = this.weightArrays();
    return this.host;
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
        parts[variant] = part.weightArrays();
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
      values.set(
        "userBias",
        g.userBias.map((v, k) => alpha * v + (1 - alpha) * m.userBias[k]),
      );
      values.set(
        "itemBias",
        g.itemBias.map((v, k) => alpha * v + (1 - alpha) * m.itemBias[k]),
      );
    }
    return values;
  }
}

function meanValue(data: Interactions): number {
  let sum = 0;
  for (let k = 0; k < data.nnz; k++) sum += data.values[k];
  return data.nnz > 0 ? sum / data.nnz : 0;
}

/**
 * A fit of an NCF model on data of this shape (implicit mode, the larger: sampled negatives):
 * the weights as host arrays beside the tf variables, Adam's moments and the best epoch's copy
 * (and, when NeuMF pre-trains, the two parts' weights), the pair sampler (user, item, label and
 * order per pair, 1 + negatives pairs per interaction, plus each interaction's row while it is
 * filled), the validation split and its scores.
 */
function ncfMemory(variant: NcfVariant, shape: DataShape, config: NcfConfig): MemoryTerm[] {
  const weights = new NcfNetwork(variant, config.factors, config.layers, shape.users, shape.items, false, 0).shapes();
  const parameters = parameterCount(weights);
  const pairs = shape.interactions * (1 + config.negatives);
  return [
    trainingMatrix(shape),
    adamTrainedWeights(weights),
    {
      what: `host copy of the weights${variant === "neumf" && config.pretrain ? " and the pre-trained parts'" : ""} (float32)`,
      bytes: (variant === "neumf" && config.pretrain ? 2 : 1) * FLOAT32_BYTES * parameters,
    },
    { what: `training pairs (${1 + config.negatives} per interaction: user, item, label, order)`, bytes: 16 * pairs + INT32_BYTES * shape.interactions },
    ...validationSplitMemory(shape, config.validationFraction),
    validationScoresMemory(shape),
    TF_WORKING_SET,
  ];
}

/** The registry entry of an NCF model (the paper, feedback and capabilities are the three models'). */
export function defineNcf<N extends NcfVariant, S extends ParamSchema>(name: N, description: string, params: S, fastParams: Partial<ParamsOf<S>>): ModelDefinition<N, S> {
  return defineModel({
    name,
    family: "neural",
    description,
    paper: "X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua. Neural Collaborative Filtering. WWW 2017",
    feedback: "both",
    capabilities: NCF_CAPABILITIES,
    params,
    fastParams,
    memory: (shape, p) => ncfMemory(name, shape, { ...NCF_DEFAULTS, ...(p as Partial<NcfConfig>), mode: "implicit" }),
    create: (p) => new NcfRecommender(name, p),
  });
}
