// SASRec's network (Kang & McAuley, ICDM 2018; the model is sasrec.ts): its weights by name,
// their seeded initialisation, the causal self-attention encoder over left-padded batches of
// item ids, and the training losses. Items are shifted by one inside the network: id 0 is
// padding. The encoder runs on the hand-written kernels of kernels.ts.
import type { Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import { uniformValues } from "../../tf/init";
import type { WeightSet, WeightShapes } from "../../tf/weights";
import { attentionMasks, causalAttentionConv, gatherRows, layerNorm, linear, matMulFast } from "./kernels";

export const LOSSES = ["bce", "sampled-softmax", "softmax"] as const;
export type Loss = (typeof LOSSES)[number];

/** Big negative added to masked logits (finite, so a fully masked row stays finite). */
const MASKED = -1e9;
const LN_EPSILON = 1e-8;

/** The network's dimensions. */
export interface SasrecShape {
  nItems: number;
  /** Longest window attended to (rows of the position table). */
  maxLength: number;
  dim: number;
  heads: number;
  blocks: number;
}

/** A left-padded batch of shifted item ids, cut to the longest sequence in it. */
export interface SequenceBatch {
  /** [rows × width] model ids (item + 1; 0 = padding). */
  ids: Int32Array;
  rows: number;
  width: number;
}

/** One training step's batch and targets. */
export interface TrainingStep {
  batch: SequenceBatch;
  /** Flat positions (row × width + column) that have a next item. */
  rows: Int32Array;
  /** Model ids (item + 1) of the next item at each of `rows`. */
  positives: Int32Array;
  /** One sampled unseen item per row (model ids), for bce. */
  negatives: Int32Array;
}

export interface LossOptions {
  loss: Loss;
  /** Shared negatives per batch (sampled-softmax). */
  negatives: number;
  /** L2 penalty on the item embedding table. */
  l2: number;
}

/**
 * The weights in artifact order: item embeddings [nItems + 1, d] (row 0 padding, kept zero),
 * position embeddings [maxLength, d] (the last row is the most recent position), per block the
 * two layer norms, the fused q|k|v projection and the feed-forward layers, the final layer norm.
 */
export function sasrecShapes(s: SasrecShape): WeightShapes {
  const d = s.dim;
  const shapes: [string, number[]][] = [
    ["itemEmb", [s.nItems + 1, d]],
    ["posEmb", [s.maxLength, d]],
  ];
  for (let b = 0; b < s.blocks; b++) {
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

/** Initial value of a weight: Glorot-uniform matrices and embeddings (padding row zero), zero biases, unit gains. */
export function sasrecInitialValue(name: string, dims: readonly number[], rng: Rng): Float32Array {
  const size = dims.reduce((x, y) => x * y, 1);
  if (name.endsWith("Gain")) return new Float32Array(size).fill(1);
  if (dims.length !== 2) return new Float32Array(size);
  // The fused q|k|v matrix is three d×d matrices side by side.
  const fanOut = name.endsWith("qkvW") ? dims[1] / 3 : dims[1];
  const values = uniformValues(size, Math.sqrt(6 / (dims[0] + fanOut)), rng);
  if (name === "itemEmb") values.fill(0, 0, dims[1]);
  return values;
}

/** Dropout masks from the model's own seeded generator (scaled by 1/(1 − rate)). */
export class DropoutMasks {
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

/** Left-padded model ids of the last maxLength items of each history. */
export function sequenceBatch(histories: Int32Array[], maxLength: number, minWidth = 0): SequenceBatch {
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

function norm(x: tf.Tensor2D, w: WeightSet, gain: string, bias: string): tf.Tensor2D {
  return layerNorm(x, w.get(gain) as tf.Tensor1D, w.get(bias) as tf.Tensor1D, LN_EPSILON);
}

/**
 * Hidden states [rows × width, d] of a left-padded batch (row-major positions). With
 * `dropout` the training graph (masks from the seeded generator); without it, inference.
 * Padded keys are masked in attention and padded positions zeroed after every sub-layer.
 */
export function encode(w: WeightSet, s: SasrecShape, batch: SequenceBatch, dropout?: DropoutMasks): tf.Tensor2D {
  const { rows, width } = batch;
  const d = s.dim;
  if (width > s.maxLength) throw new RangeError(`sequence width ${width} exceeds maxLength ${s.maxLength}`);
  const drop = (x: tf.Tensor) => (dropout ? dropout.apply(x) : x);
  const flat = rows * width;
  const lengths = new Int32Array(rows);
  for (let k = 0; k < flat; k++) if (batch.ids[k] !== 0) lengths[Math.floor(k / width)]++;
  const masks = attentionMasks({ rows, width, lengths }, s.heads);
  const mask = masks.queryMask;
  // Position p of a width-w window is row maxLength − w + p of the position table.
  const positionIds = new Int32Array(flat);
  for (let k = 0; k < flat; k++) positionIds[k] = s.maxLength - width + (k % width);
  const embedded = tf.add(tf.mul(gatherRows(w.get("itemEmb") as tf.Tensor2D, batch.ids), Math.sqrt(d)), gatherRows(w.get("posEmb") as tf.Tensor2D, positionIds));
  let x = tf.mul(drop(embedded), mask) as tf.Tensor2D;
  for (let b = 0; b < s.blocks; b++) {
    const get = (name: string) => w.get(`b${b}.${name}`);
    const qkv = linear(norm(x, w, `b${b}.ln1Gain`, `b${b}.ln1Bias`), get("qkvW") as tf.Tensor2D, get("qkvB") as tf.Tensor1D);
    const [q, k, v] = tf.split(qkv, 3, 1) as tf.Tensor2D[];
    // Attention output is zero at padded positions, where x is zero too: no mask needed.
    x = tf.add(x, drop(causalAttentionConv(q, k, v, masks)));
    const inner = drop(linear(norm(x, w, `b${b}.ln2Gain`, `b${b}.ln2Bias`), get("ff1W") as tf.Tensor2D, get("ff1B") as tf.Tensor1D, true)) as tf.Tensor2D;
    x = tf.mul(tf.add(x, drop(linear(inner, get("ff2W") as tf.Tensor2D, get("ff2B") as tf.Tensor1D))), mask) as tf.Tensor2D;
  }
  return norm(x, w, "lnGain", "lnBias");
}

/** Hidden state after the last item of each sequence: [rows, d]. */
export function lastHidden(w: WeightSet, s: SasrecShape, batch: SequenceBatch): tf.Tensor2D {
  const d = s.dim;
  const hidden = tf.reshape(encode(w, s, batch), [batch.rows, batch.width, d]);
  return tf.reshape(tf.slice(hidden, [0, batch.width - 1, 0], [batch.rows, 1, d]), [batch.rows, d]);
}

/**
 * The training loss of a step: bce (the paper's: one sampled negative per position),
 * softmax over the whole catalogue, or sampled-softmax over `negatives` items shared by the
 * batch (a negative equal to the row's positive masked out); plus l2 ‖E‖².
 */
export function trainingLoss(w: WeightSet, s: SasrecShape, step: TrainingStep, dropout: DropoutMasks, rng: Rng, o: LossOptions): tf.Scalar {
  const d = s.dim;
  const itemEmb = w.get("itemEmb") as tf.Tensor2D;
  const hidden = tf.gather(encode(w, s, step.batch, dropout), tf.tensor1d(step.rows, "int32")); // [N, d]
  const posLogits = tf.sum(tf.mul(hidden, gatherRows(itemEmb, step.positives)), 1);
  let loss: tf.Scalar;
  if (o.loss === "bce") {
    const negLogits = tf.sum(tf.mul(hidden, gatherRows(itemEmb, step.negatives)), 1);
    // −log σ(x) = softplus(−x); −log(1 − σ(x)) = softplus(x).
    loss = tf.mean(tf.add(tf.softplus(tf.neg(posLogits)), tf.softplus(negLogits)));
  } else if (o.loss === "softmax") {
    const all = matMulFast(hidden, tf.transpose(tf.slice(itemEmb, [1, 0], [s.nItems, d])) as tf.Tensor2D);
    loss = tf.mean(tf.sub(tf.logSumExp(all, 1), posLogits));
  } else {
    const sampled = sampleShared(o.negatives, s.nItems, rng);
    const negLogits = matMulFast(hidden, tf.transpose(gatherRows(itemEmb, sampled)) as tf.Tensor2D);
    // Mask a sampled negative that is the row's positive.
    const n = step.rows.length;
    const clash = new Float32Array(n * sampled.length);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < sampled.length; c++) if (sampled[c] === step.positives[r]) clash[r * sampled.length + c] = MASKED;
    }
    const logits = tf.concat([tf.expandDims(posLogits, 1), tf.add(negLogits, tf.tensor2d(clash, [n, sampled.length]))], 1);
    loss = tf.mean(tf.sub(tf.logSumExp(logits, 1), posLogits));
  }
  if (o.l2 > 0) loss = tf.add(loss, tf.mul(o.l2, tf.sum(tf.square(itemEmb))));
  return loss;
}

/** `count` uniform model ids (1..nItems) for sampled softmax. */
function sampleShared(count: number, nItems: number, rng: Rng): Int32Array {
  const out = new Int32Array(count);
  for (let c = 0; c < count; c++) out[c] = rng.int(nItems) + 1;
  return out;
}
