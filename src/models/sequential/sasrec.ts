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
import { createRng, type Rng } from "../../math/random";
import { initTf, tf } from "../../tf/backend";
import { BaseRecommender } from "../base";
import { attentionMasks, causalAttentionConv, gatherRows, layerNorm, linear, matMulFast } from "./kernels";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";

const LOSSES = ["bce", "sampled-softmax", "softmax"] as const;
type Loss = (typeof LOSSES)[number];

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

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: false,
  foldIn: true,
  sequential: true,
  coldStartItems: false,
  usesContent: false,
};

/** Big negative added to masked attention logits (finite, so a fully masked row stays finite). */
const MASKED = -1e9;
const LN_EPSILON = 1e-8;
const SCORE_BATCH = 256;

interface Block {
  ln1Gain: tf.Variable;
  ln1Bias: tf.Variable;
  qkvW: tf.Variable;
  qkvB: tf.Variable;
  ln2Gain: tf.Variable;
  ln2Bias: tf.Variable;
  ff1W: tf.Variable;
  ff1B: tf.Variable;
  ff2W: tf.Variable;
  ff2B: tf.Variable;
}

interface Weights {
  /** [nItems + 1, d]; row 0 is padding (kept zero). */
  itemEmb: tf.Variable;
  /** [maxLength, d]; the last row is the most recent position. */
  posEmb: tf.Variable;
  blocks: Block[];
  lnGain: tf.Variable;
  lnBias: tf.Variable;
}

/** A left-padded batch of shifted item ids, cut to the longest sequence in it. */
interface SequenceBatch {
  /** [rows × width] model ids (item + 1; 0 = padding). */
  ids: Int32Array;
  rows: number;
  width: number;
}

/** Dropout masks from the model's own seeded generator (scaled by 1/(1 − rate)). */
class DropoutMasks {
  constructor(
    private readonly rng: Rng,
    private readonly rate: number,
  ) {}

  apply(x: tf.Tensor): tf.Tensor {
    if (this.rate <= 0) return x;
    const size = x.size;
    const mask = new Float32Array(size);
    const keep = 1 / (1 - this.rate);
    // A xorshift128 stream seeded from the model's generator (fast enough for ~10⁷ draws per
    // step); two 16-bit uniforms per 32-bit draw, so the rate is resolved to 1/65536.
    const threshold = Math.round(this.rate * 65536);
    let a = (this.rng.next() * 4294967296) | 0 || 1;
    let b = (this.rng.next() * 4294967296) | 0;
    let c = (this.rng.next() * 4294967296) | 0;
    let d = (this.rng.next() * 4294967296) | 0;
    for (let i = 0; i < size; i += 2) {
      let t = a ^ (a << 11);
      a = b;
      b = c;
      c = d;
      d = d ^ (d >>> 19) ^ (t ^ (t >>> 8));
      t = d >>> 0;
      mask[i] = (t & 0xffff) >= threshold ? keep : 0;
      if (i + 1 < size) mask[i + 1] = t >>> 16 >= threshold ? keep : 0;
    }
    return tf.mul(x, tf.tensor(mask, x.shape, "float32"));
  }
}

export class SASRec extends BaseRecommender<Params> {
  readonly name = "sasrec";
  readonly capabilities = capabilities;
  private weights: Weights | undefined;
  /** The history each training user is scored from (time order, item indices). */
  private histories: Int32Array[] = [];
  /** Interaction counts: scores for an empty history. */
  private counts: Float32Array = new Float32Array(0);
  private maxLength = 0;

  /** The maximum length in use (resolved from `maxLength` = 0 by fit or load). */
  get sequenceLength(): number {
    return this.maxLength;
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const backend = await initTf();
    const p = this.params;
    if (p.dim % p.heads !== 0) throw new ValidationError("sasrec.heads", p.heads, `a divisor of dim (${p.dim})`);
    const { interactions } = data;
    this.disposeWeights();
    this.nUsers = interactions.nUsers;
    this.nItems = interactions.nItems;
    this.counts = new Float32Array(this.nItems);
    for (let k = 0; k < interactions.nnz; k++) this.counts[interactions.indices[k]]++;
    this.histories = Array.from({ length: this.nUsers }, (_, u) => interactions.sequence(u));
    this.maxLength = p.maxLength > 0 ? p.maxLength : interactions.nnz >= 50 * Math.max(1, interactions.nUsers) ? 200 : 50;

    const rng = createRng(context.seed);
    this.weights = initialWeights(this.nItems, this.maxLength, p.dim, p.blocks, rng.fork());
    const dropout = new DropoutMasks(rng.fork(), p.dropout);
    const sampler = rng.fork();

    // Validation: each user's last item, when at least two remain to train on.
    const trainSeqs: Int32Array[] = [];
    const validation: { user: number; item: number }[] = [];
    for (let u = 0; u < this.nUsers; u++) {
      const history = this.histories[u];
      if (p.evalEvery > 0 && history.length >= 3) {
        trainSeqs.push(history.subarray(0, history.length - 1));
        validation.push({ user: u, item: history[history.length - 1] });
      } else {
        trainSeqs.push(history);
      }
    }
    const seen = new Uint8Array(this.nItems);
    const candidates = sampleValidationCandidates(validation, this.histories, this.nItems, p.validationNegatives, rng.fork(), seen);
    const trainUsers = Int32Array.from(trainSeqs.keys()).filter((u) => trainSeqs[u].length >= 2);

    const optimizer = tf.train.adam(p.lr, 0.9, 0.98, 1e-8);
    const variables = weightList(this.weights);
    const lossCurve: number[] = [];
    const validationCurve: NonNullable<FitReport["validationCurve"]> = [];
    const epochSeconds: number[] = [];
    let best = { ndcg: -1, epoch: 0, state: undefined as Float32Array[] | undefined };
    let evaluationsWithoutGain = 0;
    let epoch = 0;
    try {
      for (epoch = 1; epoch <= p.epochs; epoch++) {
        context.signal?.throwIfAborted();
        const epochStart = performance.now();
        let lossSum = 0;
        let positions = 0;
        for (const batchUsers of this.epochBatches(trainUsers, trainSeqs, sampler)) {
          const step = buildTrainingStep(batchUsers, trainSeqs, this.histories, this.maxLength, this.nItems, sampler, seen);
          if (step.rows.length === 0) continue;
          const cost = optimizer.minimize(() => this.trainingLoss(step, dropout, sampler), true, variables);
          lossSum += (cost as tf.Scalar).dataSync()[0] * step.rows.length;
          positions += step.rows.length;
          cost?.dispose();
        }
        const loss = positions > 0 ? lossSum / positions : 0;
        lossCurve.push(loss);
        epochSeconds.push((performance.now() - epochStart) / 1000);
        let metrics: Record<string, number> | undefined;
        if (p.evalEvery > 0 && validation.length > 0 && (epoch % p.evalEvery === 0 || epoch === p.epochs)) {
          metrics = this.rankValidation(validation, trainSeqs, candidates, p.validationNegatives);
          const elapsed = (performance.now() - started) / 1000;
          validationCurve.push({ epoch, seconds: elapsed, metrics });
          if (metrics["ndcg@10"] > best.ndcg) {
            best = { ndcg: metrics["ndcg@10"], epoch, state: snapshot(variables) };
            evaluationsWithoutGain = 0;
          } else {
            evaluationsWithoutGain++;
          }
        }
        context.onProgress?.({
          epoch,
          epochs: p.epochs,
          loss,
          validation: metrics,
          elapsed: (performance.now() - started) / 1000,
          message: `epoch ${epoch}: ${epochSeconds[epochSeconds.length - 1].toFixed(2)} s`,
        });
        if (p.patience > 0 && evaluationsWithoutGain >= p.patience) {
          context.log?.(`sasrec: early stop at epoch ${epoch}, best NDCG@10 ${best.ndcg.toFixed(4)} at epoch ${best.epoch}`);
          break;
        }
      }
    } finally {
      optimizer.dispose();
    }
    const epochsRun = Math.min(epoch, p.epochs);
    if (best.state) restore(variables, best.state);
    const meanEpoch = epochSeconds.reduce((a, b) => a + b, 0) / Math.max(1, epochSeconds.length);
    return {
      epochs: epochsRun,
      seconds: (performance.now() - started) / 1000,
      lossCurve,
      validationCurve,
      notes: {
        backend,
        maxLength: this.maxLength,
        bestEpoch: best.state ? best.epoch : epochsRun,
        bestValidation: best.state ? validationCurve.find((v) => v.epoch === best.epoch)?.metrics : undefined,
        meanEpochSeconds: meanEpoch,
        epochSeconds,
        validationUsers: validation.length,
      },
    };
  }

  /** Users in batches: shuffled, or (bucketBatches) sorted by length in shuffled batches. */
  private *epochBatches(users: Int32Array, seqs: Int32Array[], rng: Rng): Generator<Int32Array> {
    const order = rng.shuffle(users.slice());
    const size = this.params.batchSize;
    if (this.params.bucketBatches) {
      const length = (u: number) => Math.min(seqs[u].length - 1, this.maxLength);
      // Stable sort of a shuffled list: ties in random order.
      const sorted = Array.from(order).sort((a, b) => length(a) - length(b));
      const starts = rng.shuffle(Int32Array.from({ length: Math.ceil(sorted.length / size) }, (_, b) => b * size));
      for (const start of starts) yield Int32Array.from(sorted.slice(start, start + size));
    } else {
      for (let start = 0; start < order.length; start += size) yield order.subarray(start, start + size);
    }
  }

  private trainingLoss(step: TrainingStep, dropout: DropoutMasks, rng: Rng): tf.Scalar {
    const w = this.requireWeights();
    const d = this.params.dim;
    const hidden = tf.gather(this.encode(step.batch, dropout), tf.tensor1d(step.rows, "int32")); // [N, d]
    const posLogits = tf.sum(tf.mul(hidden, gatherRows(w.itemEmb as tf.Tensor2D, step.positives)), 1);
    let loss: tf.Scalar;
    const kind = this.params.loss as Loss;
    if (kind === "bce") {
      const negLogits = tf.sum(tf.mul(hidden, gatherRows(w.itemEmb as tf.Tensor2D, step.negatives)), 1);
      // −log σ(x) = softplus(−x); −log(1 − σ(x)) = softplus(x).
      loss = tf.mean(tf.add(tf.softplus(tf.neg(posLogits)), tf.softplus(negLogits)));
    } else if (kind === "softmax") {
      const all = matMulFast(hidden, tf.transpose(tf.slice(w.itemEmb, [1, 0], [this.nItems, d])) as tf.Tensor2D);
      loss = tf.mean(tf.sub(tf.logSumExp(all, 1), posLogits));
    } else {
      const sampled = sampleShared(this.params.negatives, this.nItems, rng);
      const negLogits = matMulFast(hidden, tf.transpose(gatherRows(w.itemEmb as tf.Tensor2D, sampled)) as tf.Tensor2D);
      // Mask a sampled negative that is the row's positive.
      const n = step.rows.length;
      const clash = new Float32Array(n * sampled.length);
      for (let r = 0; r < n; r++) {
        for (let s = 0; s < sampled.length; s++) if (sampled[s] === step.positives[r]) clash[r * sampled.length + s] = MASKED;
      }
      const logits = tf.concat([tf.expandDims(posLogits, 1), tf.add(negLogits, tf.tensor2d(clash, [n, sampled.length]))], 1);
      loss = tf.mean(tf.sub(tf.logSumExp(logits, 1), posLogits));
    }
    if (this.params.l2 > 0) loss = tf.add(loss, tf.mul(this.params.l2, tf.sum(tf.square(w.itemEmb))));
    return loss;
  }

  /**
   * Hidden states [rows × width, d] of a left-padded batch (row-major positions). With
   * `dropout` the training graph (masks from the seeded generator); without it, inference.
   */
  private encode(batch: SequenceBatch, dropout?: DropoutMasks): tf.Tensor2D {
    const w = this.requireWeights();
    const { rows, width } = batch;
    const d = this.params.dim;
    if (width > this.maxLength) throw new RangeError(`sequence width ${width} exceeds maxLength ${this.maxLength}`);
    const drop = (x: tf.Tensor) => (dropout ? dropout.apply(x) : x);
    const flat = rows * width;
    const lengths = new Int32Array(rows);
    for (let k = 0; k < flat; k++) if (batch.ids[k] !== 0) lengths[Math.floor(k / width)]++;
    const masks = attentionMasks({ rows, width, lengths }, this.params.heads);
    const mask = masks.queryMask;
    // Position p of a width-w window is row maxLength − w + p of the position table.
    const positionIds = new Int32Array(flat);
    for (let k = 0; k < flat; k++) positionIds[k] = this.maxLength - width + (k % width);
    const embedded = tf.add(tf.mul(gatherRows(w.itemEmb as tf.Tensor2D, batch.ids), Math.sqrt(d)), gatherRows(w.posEmb as tf.Tensor2D, positionIds));
    let x = tf.mul(drop(embedded), mask) as tf.Tensor2D;
    for (const block of w.blocks) {
      const qkv = linear(norm(x, block.ln1Gain, block.ln1Bias), block.qkvW as tf.Tensor2D, block.qkvB as tf.Tensor1D);
      const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
      // Attention output is zero at padded positions, where x is zero too: no mask needed.
      x = tf.add(x, drop(causalAttentionConv(q, k, v, masks)));
      const inner = drop(linear(norm(x, block.ln2Gain, block.ln2Bias), block.ff1W as tf.Tensor2D, block.ff1B as tf.Tensor1D, true)) as tf.Tensor2D;
      x = tf.mul(tf.add(x, drop(linear(inner, block.ff2W as tf.Tensor2D, block.ff2B as tf.Tensor1D))), mask) as tf.Tensor2D;
    }
    return norm(x, w.lnGain, w.lnBias);
  }

  /** Hidden state after the last item of each sequence: [rows, d]. */
  private lastHidden(batch: SequenceBatch): tf.Tensor2D {
    const d = this.params.dim;
    const hidden = tf.reshape(this.encode(batch), [batch.rows, batch.width, d]);
    return tf.reshape(tf.slice(hidden, [0, batch.width - 1, 0], [batch.rows, 1, d]), [batch.rows, d]);
  }

  /**
   * Final hidden state of each history ([count × d], input order). Histories are batched in
   * order of length, so short ones are not padded to the longest.
   */
  private historyStates(histories: Int32Array[]): Float32Array {
    const d = this.params.dim;
    const order = Array.from(histories.keys()).sort((a, b) => Math.min(histories[a].length, this.maxLength) - Math.min(histories[b].length, this.maxLength));
    const states = new Float32Array(histories.length * d);
    for (let start = 0; start < order.length; start += SCORE_BATCH) {
      const part = order.slice(start, start + SCORE_BATCH);
      const batch = sequenceBatch(part.map((h) => histories[h]), this.maxLength);
      const hidden = tf.tidy(() => this.lastHidden(batch));
      const values = hidden.dataSync();
      hidden.dispose();
      part.forEach((h, r) => states.set(values.subarray(r * d, (r + 1) * d), h * d));
    }
    return states;
  }

  /** HR@10 and NDCG@10 of the validation items against their sampled candidates (a tie counts against). */
  private rankValidation(validation: { user: number; item: number }[], seqs: Int32Array[], candidates: Int32Array, negatives: number): Record<string, number> {
    const d = this.params.dim;
    const width = negatives + 1;
    const states = this.historyStates(validation.map((v) => seqs[v.user]));
    const table = this.requireWeights().itemEmb.dataSync() as Float32Array;
    const score = (r: number, id: number) => {
      let dot = 0;
      for (let c = 0; c < d; c++) dot += states[r * d + c] * table[id * d + c];
      return dot;
    };
    let hits = 0;
    let ndcg = 0;
    for (let r = 0; r < validation.length; r++) {
      const positive = score(r, candidates[r * width]);
      let rank = 0;
      for (let c = 1; c < width; c++) if (score(r, candidates[r * width + c]) >= positive) rank++;
      if (rank < 10) {
        hits++;
        ndcg += 1 / Math.log2(rank + 2);
      }
    }
    return { "hr@10": hits / validation.length, "ndcg@10": ndcg / validation.length };
  }

  /** Scores every item for each history (time order) into out, row-major. */
  private scoreHistories(histories: Int32Array[], out: Float32Array): void {
    const w = this.requireWeights();
    const n = this.nItems;
    const d = this.params.dim;
    const states = this.historyStates(histories);
    for (let start = 0; start < histories.length; start += SCORE_BATCH) {
      const rows = Math.min(SCORE_BATCH, histories.length - start);
      const scores = tf.tidy(() =>
        tf.matMul(tf.tensor2d(states.subarray(start * d, (start + rows) * d), [rows, d]), tf.transpose(tf.slice(w.itemEmb, [1, 0], [n, d])) as tf.Tensor2D),
      );
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
    this.scoreHistories([this.checkProfile(profile.items)], out);
  }

  /**
   * Per-position outputs [length × d] for a history (time order), as the last layer sees it.
   * `padTo` left-pads to a wider window (padding must not change the result). For tests and
   * inspection.
   */
  encodeHistory(items: Int32Array, padTo = 0): Float32Array {
    const history = this.checkProfile(items).subarray(Math.max(0, items.length - this.maxLength));
    const width = Math.min(this.maxLength, Math.max(history.length, padTo));
    const batch = sequenceBatch([history], this.maxLength, width);
    const hidden = tf.tidy(() => tf.slice(this.encode(batch), [width - history.length, 0], [history.length, this.params.dim]));
    const values = hidden.dataSync() as Float32Array;
    hidden.dispose();
    return values;
  }

  saveState(): ModelState {
    const w = this.requireWeights();
    const arrays: ModelState["arrays"] = { counts: this.counts };
    weightEntries(w).forEach(([name, variable]) => {
      arrays[name] = variable.dataSync() as Float32Array;
    });
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
    this.disposeWeights();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.maxLength = Number(state.json.maxLength);
    const p = this.params;
    const a = state.arrays;
    this.counts = a.counts as Float32Array;
    const offsets = a.historyOffsets as Int32Array;
    const items = a.historyItems as Int32Array;
    this.histories = Array.from({ length: this.nUsers }, (_, u) => items.subarray(offsets[u], offsets[u + 1]));
    const shapes = weightShapes(this.nItems, this.maxLength, p.dim, p.blocks);
    const values = new Map<string, Float32Array>();
    for (const [name, dims] of shapes) {
      const array = a[name];
      const size = dims.reduce((x, y) => x * y, 1);
      if (!(array instanceof Float32Array) || array.length !== size) throw new Error(`sasrec artifact: ${name} is missing or not ${dims.join("×")}`);
      values.set(name, array);
    }
    this.weights = buildWeights(shapes, (name) => values.get(name)!, p.blocks);
  }

  override dispose(): void {
    this.disposeWeights();
    super.dispose();
  }

  private disposeWeights(): void {
    if (this.weights) for (const variable of weightList(this.weights)) variable.dispose();
    this.weights = undefined;
  }

  private requireWeights(): Weights {
    if (!this.weights) throw new Error("sasrec: model is not trained or loaded");
    return this.weights;
  }

  private checkProfile(items: Int32Array): Int32Array {
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new ValidationError("profile.items", item, `item indices in 0–${this.nItems - 1}`);
    }
    return items;
  }
}

interface TrainingStep {
  batch: SequenceBatch;
  /** Flat positions (row × width + column) that have a next item. */
  rows: Int32Array;
  /** Model ids (item + 1) of the next item at each of `rows`. */
  positives: Int32Array;
  /** One sampled unseen item per row (model ids), for bce. */
  negatives: Int32Array;
}

/** Inputs s_0..s_{n−2} predict s_1..s_{n−1}, right-aligned, last maxLength positions. */
function buildTrainingStep(users: Int32Array, seqs: Int32Array[], histories: Int32Array[], maxLength: number, nItems: number, rng: Rng, seen: Uint8Array): TrainingStep {
  let width = 0;
  for (const u of users) width = Math.max(width, Math.min(seqs[u].length - 1, maxLength));
  const rowsCount = users.length;
  const ids = new Int32Array(rowsCount * width);
  const rows: number[] = [];
  const positives: number[] = [];
  const negatives: number[] = [];
  users.forEach((u, r) => {
    const seq = seqs[u];
    const length = Math.min(seq.length - 1, maxLength);
    const history = histories[u];
    for (let k = 0; k < history.length; k++) seen[history[k]] = 1;
    const canSample = history.length < nItems;
    for (let t = 0; t < length; t++) {
      const column = width - length + t;
      const source = seq.length - 1 - length + t;
      ids[r * width + column] = seq[source] + 1;
      rows.push(r * width + column);
      positives.push(seq[source + 1] + 1);
      let negative = rng.int(nItems);
      if (canSample) while (seen[negative] === 1) negative = rng.int(nItems);
      negatives.push(negative + 1);
    }
    for (let k = 0; k < history.length; k++) seen[history[k]] = 0;
  });
  return { batch: { ids, rows: rowsCount, width }, rows: Int32Array.from(rows), positives: Int32Array.from(positives), negatives: Int32Array.from(negatives) };
}

/** Left-padded model ids of the last maxLength items of each history. */
function sequenceBatch(histories: Int32Array[], maxLength: number, minWidth = 0): SequenceBatch {
  let width = Math.max(1, minWidth);
  for (const h of histories) width = Math.max(width, Math.min(h.length, maxLength));
  width = Math.min(width, maxLength);
  const ids = new Int32Array(histories.length * width);
  histories.forEach((h, r) => {
    const length = Math.min(h.length, width);
    for (let t = 0; t < length; t++) ids[r * width + width - length + t] = h[h.length - length + t] + 1;
  });
  return { ids, rows: histories.length, width };
}

/** For each validation user: model ids (item + 1) of [item, distinct negatives unseen by the user], flattened. */
function sampleValidationCandidates(
  validation: { user: number; item: number }[],
  histories: Int32Array[],
  nItems: number,
  negatives: number,
  rng: Rng,
  seen: Uint8Array,
): Int32Array {
  const width = negatives + 1;
  const out = new Int32Array(validation.length * width);
  validation.forEach((v, r) => {
    const history = histories[v.user];
    for (let k = 0; k < history.length; k++) seen[history[k]] = 1;
    // Distinct unseen negatives while they last, then unseen ones again.
    let unseen = nItems - history.length;
    out[r * width] = v.item + 1;
    for (let c = 1; c < width; c++) {
      let item = rng.int(nItems);
      if (unseen > 0) {
        while (seen[item] !== 0) item = rng.int(nItems);
        seen[item] = 2;
        unseen--;
      } else if (history.length < nItems) {
        while (seen[item] === 1) item = rng.int(nItems);
      }
      out[r * width + c] = item + 1;
    }
    for (let k = 0; k < history.length; k++) seen[history[k]] = 0;
    for (let c = 1; c < width; c++) seen[out[r * width + c] - 1] = 0;
  });
  return out;
}

/** `count` uniform model ids (1..nItems) for sampled softmax. */
function sampleShared(count: number, nItems: number, rng: Rng): Int32Array {
  const out = new Int32Array(count);
  for (let s = 0; s < count; s++) out[s] = rng.int(nItems) + 1;
  return out;
}

function norm(x: tf.Tensor2D, gain: tf.Variable, bias: tf.Variable): tf.Tensor2D {
  return layerNorm(x, gain as tf.Tensor1D, bias as tf.Tensor1D, LN_EPSILON);
}

type Shapes = [string, number[]][];

function weightShapes(nItems: number, maxLength: number, d: number, blocks: number): Shapes {
  const shapes: Shapes = [
    ["itemEmb", [nItems + 1, d]],
    ["posEmb", [maxLength, d]],
  ];
  for (let b = 0; b < blocks; b++) {
    shapes.push(
      [`b${b}.ln1Gain`, [d]],
      [`b${b}.ln1Bias`, [d]],
      [`b${b}.qkvW`, [d, 3 * d]],
      [`b${b}.qkvB`, [3 * d]],
      [`b${b}.ln2Gain`, [d]],
      [`b${b}.ln2Bias`, [d]],
      [`b${b}.ff1W`, [d, d]],
      [`b${b}.ff1B`, [d]],
      [`b${b}.ff2W`, [d, d]],
      [`b${b}.ff2B`, [d]],
    );
  }
  shapes.push(["lnGain", [d]], ["lnBias", [d]]);
  return shapes;
}

/** Glorot-uniform matrices and embeddings (padding row zero), zero biases, unit gains. */
function initialWeights(nItems: number, maxLength: number, d: number, blocks: number, rng: Rng): Weights {
  const shapes = weightShapes(nItems, maxLength, d, blocks);
  return buildWeights(
    shapes,
    (name, dims) => {
      const size = dims.reduce((x, y) => x * y, 1);
      const values = new Float32Array(size);
      if (name.endsWith("Gain")) values.fill(1);
      else if (dims.length === 2) {
        // The fused q|k|v matrix is three d×d matrices side by side.
        const fanOut = name.endsWith("qkvW") ? dims[1] / 3 : dims[1];
        const limit = Math.sqrt(6 / (dims[0] + fanOut));
        for (let i = 0; i < size; i++) values[i] = (2 * rng.next() - 1) * limit;
        if (name === "itemEmb") values.fill(0, 0, d);
      }
      return values;
    },
    blocks,
  );
}

function buildWeights(shapes: Shapes, valuesOf: (name: string, dims: number[]) => Float32Array, blocks: number): Weights {
  const variables = new Map<string, tf.Variable>();
  for (const [name, dims] of shapes) {
    const initial = tf.tensor(valuesOf(name, dims), dims, "float32");
    variables.set(name, tf.variable(initial, true, `sasrec/${name}/${nextId()}`));
    initial.dispose();
  }
  const get = (name: string) => variables.get(name)!;
  return {
    itemEmb: get("itemEmb"),
    posEmb: get("posEmb"),
    blocks: Array.from({ length: blocks }, (_, b) => ({
      ln1Gain: get(`b${b}.ln1Gain`),
      ln1Bias: get(`b${b}.ln1Bias`),
      qkvW: get(`b${b}.qkvW`),
      qkvB: get(`b${b}.qkvB`),
      ln2Gain: get(`b${b}.ln2Gain`),
      ln2Bias: get(`b${b}.ln2Bias`),
      ff1W: get(`b${b}.ff1W`),
      ff1B: get(`b${b}.ff1B`),
      ff2W: get(`b${b}.ff2W`),
      ff2B: get(`b${b}.ff2B`),
    })),
    lnGain: get("lnGain"),
    lnBias: get("lnBias"),
  };
}

function weightEntries(w: Weights): [string, tf.Variable][] {
  const entries: [string, tf.Variable][] = [
    ["itemEmb", w.itemEmb],
    ["posEmb", w.posEmb],
  ];
  w.blocks.forEach((block, b) => {
    for (const [key, variable] of Object.entries(block) as [keyof Block, tf.Variable][]) entries.push([`b${b}.${key}`, variable]);
  });
  entries.push(["lnGain", w.lnGain], ["lnBias", w.lnBias]);
  return entries;
}

function weightList(w: Weights): tf.Variable[] {
  return weightEntries(w).map(([, variable]) => variable);
}

function snapshot(variables: tf.Variable[]): Float32Array[] {
  return variables.map((v) => (v.dataSync() as Float32Array).slice());
}

function restore(variables: tf.Variable[], values: Float32Array[]): void {
  variables.forEach((v, k) => {
    const t = tf.tensor(values[k], v.shape, "float32");
    v.assign(t);
    t.dispose();
  });
}

// Variable names must be unique per tfjs engine; several models may live side by side.
let variableCounter = 0;
function nextId(): number {
  return variableCounter++;
}

export const sasrec = defineModel({
  name: "sasrec",
  family: "sequential",
  description: "SASRec: causal self-attention over each user's time-ordered history, next-item prediction",
  paper: "W.-C. Kang, J. McAuley. Self-Attentive Sequential Recommendation. IEEE ICDM 2018",
  feedback: "implicit",
  capabilities,
  params,
  fastParams: { maxLength: 16, dim: 16, blocks: 1, epochs: 60, batchSize: 32, dropout: 0.1, lr: 0.01, evalEvery: 0 },
  create: (p) => new SASRec(p),
});
