// Pieces specific to the graph models (LightGCN, NGCF) on top of the training kit
// (src/models/training): their shared training parameters and fit options, BPR batches and the
// training run with its report (the BPR loss and the batch L2 term are the kit's, in
// training/losses.ts), and the scoring side of a model with final user and item
// representations (one tf matmul per batch of users, a dot product per item for one vector,
// cosine similar items, save and load).
import type { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";
import { initTf, tf, type TfBackendName } from "../../tf/backend";
import { ValidationError } from "../../errors";
import { BaseRecommender, cosineToAll } from "../base";
import { FLOAT32_BYTES, TF_WORKING_SET, bipartiteGraph, factorTables, trainingMatrix, validationScoresMemory, validationSplitMemory, type DataShape, type MemoryTerm } from "../memory";
import type { ParamsOf } from "../params";
import { BprSampler, modelRng, rankingValidation, runTraining, validationSplit, validationUsers, type BestState, type CheckpointInfo } from "../training";
import type { FitContext, FitReport, ModelState, TrainingData } from "../types";

/** Batch size and epochs, the same for LightGCN and NGCF. */
export const graphBatchParams = {
  batchSize: { type: "int", default: 16384, min: 16, max: 1048576, description: "BPR triples per optimisation step (one propagation per step)" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs (an epoch = as many triples as training interactions)" },
} as const;

/** Validation, early stopping, time budget and sparse-kernel settings, the same for LightGCN and NGCF. */
export const graphRunParams = {
  evalEvery: { type: "int", default: 5, min: 1, max: 1000, description: "Epochs between validations" },
  patience: { type: "int", default: 5, min: 0, max: 1000, description: "Validations without a better recall@20 before stopping (0: never)" },
  validationFraction: { type: "float", default: 0.1, min: 0, max: 0.5, description: "Per-user fraction of training interactions held out for early stopping (0: none)" },
  validationUsers: { type: "int", default: 10000, min: 0, max: 10000000, description: "Validation users sampled per check (0: all)" },
  maxSeconds: { type: "float", default: 0, min: 0, max: 1e7, description: "Training-time budget in seconds (0: none)" },
  kernel: { type: "enum", default: "auto", values: ["auto", "js"], description: "Sparse kernel: WebAssembly SIMD when available (auto), or the JS loop" },
  threads: { type: "int", default: 2, min: 1, max: 16, description: "Threads per sparse product (worker threads on a shared WebAssembly memory)" },
} as const;

/** The settings of a graph model's fit read here (the two groups above, the triple sampling, the learning rate). */
export type GraphTrainingSettings = ParamsOf<typeof graphBatchParams> & ParamsOf<typeof graphRunParams> & { sampling: "user" | "interaction"; lr: number };

/** Options beyond TrainingData for scripts: an explicit validation matrix, checkpoint hooks. */
export interface GraphFitOptions {
  validation?: Interactions;
  hooks?: { onCheckpoint?: (info: CheckpointInfo) => void | Promise<void> };
}

/**
 * What LightGCN's and NGCF's fits share beside their device: the validation split, the normalised
 * graph in JS (copied into the device), E⁰'s Adam moments and best-epoch copy (3 × d per node),
 * the final representations (`width` per node) and the validation scores (by a tf matMul).
 */
export function graphTrainingMemory(shape: DataShape, p: { dim: number; validationFraction: number }, width: number): MemoryTerm[] {
  return [
    trainingMatrix(shape),
    ...validationSplitMemory(shape, p.validationFraction),
    bipartiteGraph(shape),
    factorTables("E⁰ Adam moments and best-epoch copy (float32)", shape, p.dim, FLOAT32_BYTES, 3),
    factorTables("final representations (float32)", shape, width, FLOAT32_BYTES),
    validationScoresMemory(shape),
    TF_WORKING_SET,
  ];
}

/** Batches of BPR triples: B = min(batchSize, nnz) per step, ⌈nnz / B⌉ steps per epoch. */
export class BprBatches {
  readonly users: Int32Array;
  readonly positives: Int32Array;
  readonly negatives: Int32Array;
  readonly stepsPerEpoch: number;
  private readonly sampler: BprSampler;

  constructor(train: Interactions, p: GraphTrainingSettings, rng: Rng) {
    const size = Math.min(p.batchSize, Math.max(1, train.nnz));
    this.users = new Int32Array(size);
    this.positives = new Int32Array(size);
    this.negatives = new Int32Array(size);
    this.stepsPerEpoch = Math.max(1, Math.ceil(train.nnz / size));
    this.sampler = new BprSampler(train, rng, p.sampling);
  }

  /** Fills users/positives/negatives with the next batch. */
  draw(): void {
    this.sampler.sample(this.users, this.positives, this.negatives);
  }
}

/** A graph model's fit in progress: the model, its context, the split, and when it started. */
export interface GraphFit<P extends GraphTrainingSettings = GraphTrainingSettings> {
  model: BaseRecommender<P>;
  context: FitContext;
  options: GraphFitOptions;
  /** performance.now() at the start of the fit (the report's seconds). */
  started: number;
  /** The tf backend (tf only scores; training runs on typed arrays). */
  backend: TfBackendName;
  train: Interactions;
  validation: Interactions | undefined;
}

/** Starts a graph model's fit: tf for scoring, the model's shape, the validation split (given, carved, or none). */
export async function startGraphFit<P extends GraphTrainingSettings>(model: BaseRecommender<P>, data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<GraphFit<P>> {
  const started = performance.now();
  const backend = await initTf({ log: context.log });
  const all = data.interactions;
  model.nUsers = all.nUsers;
  model.nItems = all.nItems;
  const { train, validation } = validationSplit(all, { validation: options.validation, fraction: model.params.validationFraction, seed: context.seed });
  return { model, context, options, started, backend, train, validation };
}

export interface GraphSteps {
  stepsPerEpoch: number;
  /** One optimisation step; returns the summed loss of its batch. */
  step(): number;
  /** Makes the current weights scorable (final embeddings). */
  refresh(): void;
  best: BestState;
  /** The model's own report notes (listed before the training ones). */
  notes: Record<string, unknown>;
}

/**
 * A graph model's training on the kit's loop: epochs of `stepsPerEpoch` steps, validation of
 * recall@20 / ndcg@20 on seeded validation users every evalEvery epochs, early stopping and the
 * best state restored; returns the FitReport with the graph models' training notes.
 */
export async function trainGraphModel(fit: GraphFit, o: GraphSteps): Promise<FitReport> {
  const { model, context, options, train, validation } = fit;
  const p = model.params;
  const stepsPerEpoch = o.stepsPerEpoch;
  const checkUsers = validation ? validationUsers(validation, p.validationUsers, modelRng(context.seed, 3)) : undefined;
  const loop = await runTraining({
    model: model.name,
    context,
    epochs: p.epochs,
    lr: p.lr,
    evalEvery: p.evalEvery,
    patience: p.patience,
    maxSeconds: p.maxSeconds,
    // Summed step losses per batchSize triples of every step (batchSize, not B: the curves always used it).
    trainEpoch: () => {
      let loss = 0;
      for (let s = 0; s < stepsPerEpoch; s++) loss += o.step();
      return loss / (stepsPerEpoch * p.batchSize);
    },
    validate: validation && checkUsers && checkUsers.length > 0 ? () => rankingValidation((u, out) => model.scoreUsers(u, out), train, validation, checkUsers, 20) : undefined,
    best: o.best,
    refresh: o.refresh,
    onCheckpoint: options.hooks?.onCheckpoint,
    describeEpoch: (epoch, seconds) => `epoch ${epoch} in ${seconds.toFixed(2)} s (${stepsPerEpoch} steps)`,
  });
  return {
    epochs: loop.epochs,
    seconds: (performance.now() - fit.started) / 1000,
    lossCurve: loop.lossCurve,
    validationCurve: loop.validationCurve,
    notes: {
      ...o.notes,
      stepsPerEpoch,
      secondsPerEpoch: median(loop.epochSeconds),
      trainSeconds: loop.trainSeconds,
      bestEpoch: loop.bestEpoch,
      stoppedBy: loop.stoppedBy,
      validation: validation ? (options.validation ? "given" : `carved ${p.validationFraction} per user`) : "none",
      ...(loop.best ? { bestValidation: loop.best } : {}),
    },
  };
}

/**
 * Scores users against every item with one tf matmul per batch: out[r, i] = userRows[r] · items[i].
 * Holds one tensor (the item matrix), freed by dispose().
 */
export class EmbeddingScorer {
  private items: tf.Tensor2D | undefined;

  constructor(
    private readonly itemVectors: Float32Array,
    readonly nItems: number,
    readonly dim: number,
  ) {}

  score(userRows: Float32Array, rows: number, out: Float32Array): void {
    if (rows === 0) return;
    this.items ??= tf.tensor2d(this.itemVectors, [this.nItems, this.dim]);
    const items = this.items;
    const result = tf.tidy(() => tf.matMul(tf.tensor2d(userRows.subarray(0, rows * this.dim), [rows, this.dim]), items, false, true));
    try {
      out.set(result.dataSync() as Float32Array);
    } finally {
      result.dispose();
    }
  }

  dispose(): void {
    this.items?.dispose();
    this.items = undefined;
  }
}

/** out[i] = vector(at offset) · items[i] for every item row. */
export function dotAll(vectors: Float32Array, offset: number, items: Float32Array, dim: number, out: Float32Array): void {
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    let s = 0;
    for (let c = 0; c < dim; c++) s += vectors[offset + c] * items[o + c];
    out[i] = s;
  }
}

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A graph model: fit is fitWith without options (scripts pass a validation matrix or checkpoint
 * hooks); scored from final user and item representations (rows of `width` floats) by dot
 * products (one tf matmul per batch of users), cosine similar items; its state is { dim, layers }
 * with the arrays "userFinal" and "itemFinal". Holds one tensor while scoring.
 */
export abstract class GraphEmbeddingModel<P extends GraphTrainingSettings & { dim: number; layers: number }> extends BaseRecommender<P> {
  protected userFinal: Float32Array = new Float32Array(0);
  protected itemFinal: Float32Array = new Float32Array(0);
  private scorer: EmbeddingScorer | undefined;
  private rows: Float32Array = new Float32Array(0);

  /** Floats per final representation. */
  abstract get width(): number;

  abstract fitWith(data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<FitReport>;

  fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    return this.fitWith(data, context, {});
  }

  /** Takes new final representations (after training or loading); the scorer is rebuilt on use. */
  protected setFinal(users: Float32Array, items: Float32Array): void {
    this.userFinal = users;
    this.itemFinal = items;
    this.scorer?.dispose();
    this.scorer = undefined;
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    dotAll(this.userFinal, user * this.width, this.itemFinal, this.width, out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const w = this.width;
    if (this.rows.length < users.length * w) this.rows = new Float32Array(users.length * w);
    for (let r = 0; r < users.length; r++) {
      this.checkUser(users[r]);
      this.rows.set(this.userFinal.subarray(users[r] * w, (users[r] + 1) * w), r * w);
    }
    this.scorer ??= new EmbeddingScorer(this.itemFinal, this.nItems, w);
    this.scorer.score(this.rows, users.length, out);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    cosineToAll(this.itemFinal, this.width, item, out);
  }

  saveState(): ModelState {
    return { json: { dim: this.params.dim, layers: this.params.layers }, arrays: { userFinal: this.userFinal, itemFinal: this.itemFinal } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const a = state.arrays;
    checkRows(a, "userFinal", shape.nUsers, this.width);
    checkRows(a, "itemFinal", shape.nItems, this.width);
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.setFinal(a.userFinal as Float32Array, a.itemFinal as Float32Array);
  }

  override dispose(): void {
    this.scorer?.dispose();
    this.scorer = undefined;
    super.dispose();
  }
}

/** Throws unless arrays[key] is a Float32Array of rows × width values. */
export function checkRows(arrays: ModelState["arrays"], key: string, rows: number, width: number): void {
  const a = arrays[key];
  if (!(a instanceof Float32Array) || a.length !== rows * width) throw new ValidationError(`state.${key}`, a?.length, `${rows}×${width} floats`);
}
