// SASRec: W.-C. Kang and J. McAuley, "Self-Attentive Sequential Recommendation", IEEE ICDM 2018.
//
// Each user's history, ordered by time and cut to its last `maxLength` items (left-padded),
// is embedded as item embedding × sqrt(d) + learned position embedding, then passed through
// `blocks` causal self-attention blocks. Each block applies, with pre-layer-norm residuals,
//   x ← x + Dropout(MultiHeadAttention(LN(x)))   (a position attends to itself and earlier ones)
//   x ← x + Dropout(W2·ReLU(W1·LN(x) + b1) + b2)
// followed by a final layer norm. The score of item i after position t is r = h_t · e_i with the
// same item embedding table used at the input (shared embeddings).
//
// Objective (loss = "bce", the paper's): for every non-padding position t of a training
// sequence with next item o_t and one negative j_t sampled uniformly from items the user never
// interacted with,
//   L = −Σ_t [ log σ(h_t·e_{o_t}) + log(1 − σ(h_t·e_{j_t})) ] / #positions  (+ l2 ‖E‖²).
// Alternatives: loss = "softmax" (cross-entropy over the whole catalogue) and "sampled-softmax"
// (cross-entropy over the positive and `negatives` uniform items shared by the batch; a
// negative equal to the positive is masked out).
//
// Padding uses index 0 (items are shifted by one inside the model); padded keys are masked in
// attention and padded positions are zeroed after every sub-layer, so neither padding nor
// future items influence a position's output (tested). Early stopping follows the paper's
// protocol inside fit: each user's last training item is held out for validation, ranked
// against `validationNegatives` sampled unseen items (HR@10, NDCG@10); scoring afterwards
// attends over the full history, validation item included.
import { ValidationError } from "../../errors";
import { tf } from "../../tf/backend";
import type { WeightShapes } from "../../tf/weights";
import { capabilities, defineModel } from "../definition";
import type { ParamsOf } from "../params";
import { FLOAT32_BYTES, INT32_BYTES, TF_WORKING_SET, tfAdamTrainedWeights, trainingMatrix, type DataShape, type MemoryTerm } from "../memory";
import { TfRecommender } from "../tfRecommender";
import { forkedStreams } from "../training";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { DropoutMasks, LOSSES, encode, lastHidden, sasrecInitialValue, sasrecShapes, sequenceBatch, trainingLoss, type SasrecShape } from "./sasrecNetwork";
import { buildTrainingStep, epochBatches, holdOutLastItems, sampleValidationCandidates, sampledRanking, type ValidationItem } from "./sasrecSampling";

const params = {
  maxLength: {
    type: "int",
    default: 0,
    min: 0,
    max: 2048,
    description: "Longest history attended to (last items kept, left-padded); 0 = auto: 200 when users average ≥ 50 interactions (ML-1M-like), else 50 (sparse data)",
  },
  dim: { type: "int", default: 50, min: 2, max: 1024, description: "Embedding and hidden size d" },
  blocks: { type: "int", default: 2, min: 1, max: 12, description: "Self-attention blocks" },
  heads: { type: "int", default: 1, min: 1, max: 16, description: "Attention heads (must divide dim)" },
  dropout: { type: "float", default: 0.2, min: 0, max: 0.9, description: "Dropout rate on embeddings and sub-layer outputs" },
  lr: { type: "float", default: 0.001, min: 1e-6, max: 1, description: "Adam learning rate (β1 0.9, β2 0.98)" },
  batchSize: { type: "int", default: 128, min: 1, max: 4096, description: "Sequences (users) per step" },
  epochs: { type: "int", default: 200, min: 1, max: 10000, description: "Maximum epochs (one epoch = every user's sequence once)" },
  loss: { type: "enum", default: "bce", values: LOSSES, description: "bce: one sampled negative per position (paper); softmax: full catalogue; sampled-softmax: shared sampled negatives" },
  negatives: { type: "int", default: 100, min: 1, max: 100000, description: "Negatives per batch for sampled-softmax" },
  l2: { type: "float", default: 0, min: 0, max: 1, description: "L2 penalty on the item embedding table" },
  evalEvery: { type: "int", default: 5, min: 0, max: 1000, description: "Epochs between validation evaluations (0 = no validation, no early stopping)" },
  patience: { type: "int", default: 6, min: 0, max: 1000, description: "Evaluations without NDCG@10 improvement before stopping (0 = run all epochs); the best epoch's weights are kept" },
  validationNegatives: { type: "int", default: 100, min: 1, max: 100000, description: "Sampled unseen items the held-out validation item is ranked against" },
  bucketBatches: {
    type: "bool",
    default: true,
    description: "Group users of similar history length into a batch (batch order shuffled), so short histories are not padded to the longest; faster, same objective",
  },
} as const;

type Params = ParamsOf<typeof params>;

const SASREC_CAPABILITIES = capabilities("personalized", "foldIn", "sequential");

/** The maximum length in use: the parameter, or for 0, 200 when users average ≥ 50 interactions (ML-1M-like), else 50. */
function sequenceLength(maxLength: number, shape: DataShape): number {
  return maxLength > 0 ? maxLength : shape.interactions >= 50 * Math.max(1, shape.users) ? 200 : 50;
}

/**
 * A SASRec fit: each user's time-ordered history (an Int32Array per user, and the training views
 * of them), the weights (tf.train.adam), and a step's activations kept for the backward pass: per
 * block about 30 batch × length × d tensors and 8 batch × heads × length² (attention logits,
 * probabilities and their gradients), with a gradient each, and 20 % for the WASM heap's growth
 * steps (measured 1.0× the estimate without them on ml-latest-small); and the loss's logits (one
 * per position for bce; batch × length × items for the full softmax, × negatives for sampled
 * softmax), each with its gradient.
 */
function sasrecMemory(shape: DataShape, p: Params): MemoryTerm[] {
  const maxLength = sequenceLength(p.maxLength, shape);
  const positions = p.batchSize * maxLength;
  const perBlock = 1.2 * (30 * positions * p.dim + 8 * positions * p.heads * maxLength);
  const lossWidth = p.loss === "softmax" ? shape.items : p.loss === "sampled-softmax" ? p.negatives + 1 : 2;
  return [
    trainingMatrix(shape),
    { what: "histories per user (int32 arrays)", bytes: 2 * (INT32_BYTES * shape.interactions + 200 * shape.users) },
    tfAdamTrainedWeights(sasrecShapes({ nItems: shape.items, maxLength, dim: p.dim, heads: p.heads, blocks: p.blocks })),
    { what: `a step's activations (${p.batchSize} × ${maxLength} positions, ${p.blocks} blocks; float32)`, bytes: 2 * FLOAT32_BYTES * p.blocks * perBlock },
    { what: `the loss's logits (${p.loss}, ${lossWidth} per position; float32)`, bytes: 3 * FLOAT32_BYTES * positions * lossWidth },
    TF_WORKING_SET,
  ];
}

/** Histories encoded per tf call when scoring. */
const SCORE_BATCH = 256;

export class SASRec extends TfRecommender<Params> {
  readonly name = "sasrec";
  readonly capabilities = SASREC_CAPABILITIES;
  /** The history each training user is scored from (time order, item indices). */
  private histories: Int32Array[] = [];
  /** Interaction counts: scores for an empty history. */
  private counts: Float32Array = new Float32Array(0);
  private maxLength = 0;

  /** The maximum length in use (resolved from `maxLength` = 0 by fit or load). */
  get sequenceLength(): number {
    return this.maxLength;
  }

  private get shape(): SasrecShape {
    const { dim, heads, blocks } = this.params;
    return { nItems: this.nItems, maxLength: this.maxLength, dim, heads, blocks };
  }

  protected weightShapes(): WeightShapes {
    return sasrecShapes(this.shape);
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const p = this.params;
    if (p.dim % p.heads !== 0) throw new ValidationError("sasrec.heads", p.heads, `a divisor of dim (${p.dim})`);
    const { interactions } = data;
    const backend = await this.beginFit(interactions);
    this.counts = new Float32Array(this.nItems);
    for (let k = 0; k < interactions.nnz; k++) this.counts[interactions.indices[k]]++;
    this.histories = Array.from({ length: this.nUsers }, (_, u) => interactions.sequence(u));
    this.maxLength = sequenceLength(p.maxLength, { users: interactions.nUsers, items: interactions.nItems, interactions: interactions.nnz });

    const [initRng, dropoutRng, sampler, candidateRng] = forkedStreams(context.seed, 4);
    const weights = this.createWeights((name, shape) => sasrecInitialValue(name, shape, initRng));
    const dropout = new DropoutMasks(dropoutRng, p.dropout);
    // Validation: each user's last item, when at least two remain to train on.
    const { trainSeqs, validation } = holdOutLastItems(this.histories, p.evalEvery > 0);
    const seen = new Uint8Array(this.nItems);
    const candidates = sampleValidationCandidates(validation, this.histories, this.nItems, p.validationNegatives, candidateRng, seen);
    const trainUsers = Int32Array.from(trainSeqs.keys()).filter((u) => trainSeqs[u].length >= 2);
    const shape = this.shape;
    const lossOptions = { loss: p.loss, negatives: p.negatives, l2: p.l2 };
    const optimizer = tf.train.adam(p.lr, 0.9, 0.98, 1e-8);
    const loop = await this.trainWeights(optimizer, p, {
      context,
      started,
      evalEvery: p.evalEvery,
      monitor: { metric: "ndcg@10", higherIsBetter: true },
      describeEpoch: (epoch, seconds) => `epoch ${epoch}: ${seconds.toFixed(2)} s`,
      trainEpoch: () => {
        let lossSum = 0;
        let positions = 0;
        for (const users of epochBatches(trainUsers, trainSeqs, sampler, p.batchSize, p.bucketBatches, this.maxLength)) {
          const step = buildTrainingStep(users, trainSeqs, this.histories, this.maxLength, this.nItems, sampler, seen);
          if (step.rows.length === 0) continue;
          lossSum += this.minimize(optimizer, () => trainingLoss(weights, shape, step, dropout, sampler, lossOptions)) * step.rows.length;
          positions += step.rows.length;
        }
        return positions > 0 ? lossSum / positions : 0;
      },
      validate: validation.length > 0 ? () => this.rankValidation(validation, trainSeqs, candidates, p.validationNegatives) : undefined,
    });
    return this.fitReport(started, backend, loop, { maxLength: this.maxLength, validationUsers: validation.length });
  }

  /**
   * Final hidden state of each history ([count × d], input order). Histories are batched in
   * order of length, so short ones are not padded to the longest.
   */
  private historyStates(histories: Int32Array[]): Float32Array {
    const w = this.requireWeights();
    const d = this.params.dim;
    const order = Array.from(histories.keys()).sort((a, b) => Math.min(histories[a].length, this.maxLength) - Math.min(histories[b].length, this.maxLength));
    const states = new Float32Array(histories.length * d);
    for (let start = 0; start < order.length; start += SCORE_BATCH) {
      const part = order.slice(start, start + SCORE_BATCH);
      const batch = sequenceBatch(
        part.map((h) => histories[h]),
        this.maxLength,
      );
      const hidden = tf.tidy(() => lastHidden(w, this.shape, batch));
      const values = hidden.dataSync();
      hidden.dispose();
      part.forEach((h, r) => states.set(values.subarray(r * d, (r + 1) * d), h * d));
    }
    return states;
  }

  /** HR@10 and NDCG@10 of the validation items against their sampled candidates (a tie counts against). */
  private rankValidation(validation: ValidationItem[], seqs: Int32Array[], candidates: Int32Array, negatives: number): Record<string, number> {
    const states = this.historyStates(validation.map((v) => seqs[v.user]));
    const table = this.requireWeights().get("itemEmb").dataSync() as Float32Array;
    return sampledRanking(states, table, this.params.dim, candidates, negatives + 1);
  }

  /** Scores every item for each history (time order) into out, row-major. */
  private scoreHistories(histories: Int32Array[], out: Float32Array): void {
    const itemEmb = this.requireWeights().get("itemEmb");
    const n = this.nItems;
    const d = this.params.dim;
    const states = this.historyStates(histories);
    for (let start = 0; start < histories.length; start += SCORE_BATCH) {
      const rows = Math.min(SCORE_BATCH, histories.length - start);
      const scores = tf.tidy(() => tf.matMul(tf.tensor2d(states.subarray(start * d, (start + rows) * d), [rows, d]), tf.transpose(tf.slice(itemEmb, [1, 0], [n, d])) as tf.Tensor2D));
      out.set(scores.dataSync(), start * n);
      scores.dispose();
    }
    // An empty history has nothing to attend to: fall back to popularity.
    histories.forEach((history, r) => {
      if (history.length === 0) out.set(this.counts, r * n);
    });
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    this.scoreHistories([this.histories[user]], out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const histories = Array.from(users, (u) => {
      this.checkUser(u);
      return this.histories[u];
    });
    this.scoreHistories(histories, out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.scoreHistories([this.checkProfileItems(profile.items)], out);
  }

  /**
   * Per-position outputs [length × d] for a history (time order), as the last layer sees it.
   * `padTo` left-pads to a wider window (padding must not change the result). For tests and
   * inspection.
   */
  encodeHistory(items: Int32Array, padTo = 0): Float32Array {
    const w = this.requireWeights();
    const history = this.checkProfileItems(items).subarray(Math.max(0, items.length - this.maxLength));
    const width = Math.min(this.maxLength, Math.max(history.length, padTo));
    const batch = sequenceBatch([history], this.maxLength, width);
    const hidden = tf.tidy(() => tf.slice(encode(w, this.shape, batch), [width - history.length, 0], [history.length, this.params.dim]));
    const values = hidden.dataSync() as Float32Array;
    hidden.dispose();
    return values;
  }

  saveState(): ModelState {
    const arrays: ModelState["arrays"] = { counts: this.counts, ...this.weightArrays() };
    // Histories as CSR: offsets and concatenated items.
    const offsets = new Int32Array(this.nUsers + 1);
    this.histories.forEach((h, u) => (offsets[u + 1] = offsets[u] + h.length));
    const items = new Int32Array(offsets[this.nUsers]);
    this.histories.forEach((h, u) => items.set(h, offsets[u]));
    arrays.historyOffsets = offsets;
    arrays.historyItems = items;
    return { json: { maxLength: this.maxLength }, arrays };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.beginLoad(shape);
    this.maxLength = Number(state.json.maxLength);
    const a = state.arrays;
    this.counts = a.counts as Float32Array;
    const offsets = a.historyOffsets as Int32Array;
    const items = a.historyItems as Int32Array;
    this.histories = Array.from({ length: this.nUsers }, (_, u) => items.subarray(offsets[u], offsets[u + 1]));
    this.loadWeights(a);
  }
}

export const sasrec = defineModel({
  name: "sasrec",
  family: "sequential",
  description: "SASRec: causal self-attention over each user's time-ordered history, next-item prediction",
  paper: "W.-C. Kang, J. McAuley. Self-Attentive Sequential Recommendation. IEEE ICDM 2018",
  feedback: "implicit",
  capabilities: SASREC_CAPABILITIES,
  params,
  fastParams: { maxLength: 16, dim: 16, blocks: 1, epochs: 60, batchSize: 32, dropout: 0.1, lr: 0.01, evalEvery: 0 },
  // Histories, weights (item table), a step's attention activations and the loss's logits.
  memory: sasrecMemory,
  create: (p) => new SASRec(p),
});
