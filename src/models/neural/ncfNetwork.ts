// The network of the NCF models (He et al., WWW 2017; the model is ncf.ts): weight shapes and
// seeded initial values, the output per (user, item) pair from per-pair embedding rows (the
// training graph), the batch loss, whole-row scoring from the variables, and the same output
// on host arrays (single-pair prediction without a tf call).
//   GMF    φ = p_u ⊙ q_i;   MLP    φ = ReLU(W_L ⋯ ReLU(W_1 [p'_u ; q'_i] + b_1) ⋯ + b_L);
//   NeuMF  φ = [φ_GMF ; φ_MLP];   logit = hᵀφ + b;   explicit mode: ŷ = μ + b_u + b_i + logit.
import type { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import { glorotUniform, normalValues } from "../../tf/init";
import { sizeOfShape, type WeightSet, type WeightShapes } from "../../tf/weights";
import type { NcfVariant } from "./ncfParams";

/** Scored (user, item) pairs per tf call when scoring whole rows: bounds the MLP's activations. */
const SCORE_PAIRS = 1 << 18;
/** Damping of the baseline bias estimates (Koren 2010): shrinks rare users' and items' means. */
const ITEM_DAMPING = 25;
const USER_DAMPING = 10;

/** Embedding tables and per-user/per-item biases: updated row by row (the rows of a batch). */
export const TABLES = new Set(["gmfUser", "gmfItem", "mlpUser", "mlpItem", "userBias", "itemBias"]);

/** True for a table indexed by user (else by item). */
export function isUserTable(name: string): boolean {
  return name.endsWith("User") || name === "userBias";
}

export class NcfNetwork {
  constructor(
    readonly variant: NcfVariant,
    readonly factors: number,
    readonly layers: number,
    readonly nUsers: number,
    readonly nItems: number,
    /** Explicit mode (ratings): global mean and per-user/per-item biases added to the output. */
    readonly explicit: boolean,
    readonly mean: number,
  ) {}

  get hasGmf(): boolean {
    return this.variant !== "mlp";
  }

  get hasMlp(): boolean {
    return this.variant !== "gmf";
  }

  /** MLP embedding size (each of user and item) and hidden sizes. */
  tower(): { embedding: number; hidden: number[] } {
    const f = this.factors;
    const layers = this.layers;
    const hidden = Array.from({ length: layers }, (_, l) => f * 2 ** (layers - 1 - l));
    return { embedding: f * 2 ** (layers - 1), hidden };
  }

  shapes(): WeightShapes {
    const f = this.factors;
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

  /** Seeded initial values: embeddings N(0, 0.01²), layers Glorot-uniform, biases at the damped baseline. */
  initialValues(train: Interactions, rng: Rng): Map<string, Float32Array> {
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

  /**
   * The model output per pair (rating in explicit mode, logit in implicit) from per-pair
   * embedding rows and bias entries ([B, width] / [B]) and the dense weights, all by name.
   */
  output(get: (name: string) => tf.Tensor): tf.Tensor1D {
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

  /** Mean loss of a batch (MSE or BCE) plus l2 / B · Σ‖embedding rows‖², from per-pair inputs. */
  loss(get: (name: string) => tf.Tensor, y: tf.Tensor1D, batch: number, l2: number): tf.Scalar {
    const output = this.output(get);
    const data = this.explicit ? tf.mean(tf.squaredDifference(output, y)) : tf.mean(tf.sub(tf.softplus(output), tf.mul(y, output)));
    if (l2 <= 0) return data as tf.Scalar;
    const rows = [...(this.hasGmf ? ["gmfUser", "gmfItem"] : []), ...(this.hasMlp ? ["mlpUser", "mlpItem"] : [])];
    const penalty = tf.addN(rows.map((name) => tf.sum(tf.square(get(name)))));
    return tf.add(data, tf.mul(l2 / batch, penalty)) as tf.Scalar;
  }

  /** Output per pair from the variables (gathering the pairs' rows). */
  forwardPairs(w: WeightSet, u: tf.Tensor1D, i: tf.Tensor1D): tf.Tensor1D {
    return this.output((name) => {
      if (!TABLES.has(name)) return w.get(name);
      return tf.gather(w.get(name), isUserTable(name) ? u : i);
    });
  }

  /**
   * Scores of every item for each user, row-major, in one batched forward pass per chunk of
   * users: GMF as (p_u ⊙ h)·Qᵀ; the MLP's first layer split into its user and item halves,
   * W₁ = [W_u ; W_i], so [U × I] pairs cost one broadcast add before the remaining layers.
   * Explicit mode scores are predicted ratings (unclipped), implicit mode scores are logits.
   */
  scoreRows(w: WeightSet, users: Int32Array, out: Float32Array): void {
    const n = this.nItems;
    const f = this.factors;
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

  /** The output for one pair from host copies of the weights (same formula as forwardPairs). */
  hostOutput(a: Record<string, Float32Array>, user: number, item: number): number {
    const f = this.factors;
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
      const { embedding, hidden } = this.tower();
      let x = new Float32Array(2 * embedding);
      x.set(a.mlpUser.subarray(user * embedding, (user + 1) * embedding), 0);
      x.set(a.mlpItem.subarray(item * embedding, (item + 1) * embedding), embedding);
      hidden.forEach((size, l) => {
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
}

/** Rows `rows` of a row-major [n, width] table, copied into one array. */
export function gatherRows(table: Float32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  if (width === 1) {
    for (let r = 0; r < rows.length; r++) out[r] = table[rows[r]];
    return out;
  }
  for (let r = 0; r < rows.length; r++) out.set(table.subarray(rows[r] * width, rows[r] * width + width), r * width);
  return out;
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
