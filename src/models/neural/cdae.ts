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
import type { Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import { normalValues } from "../../tf/init";
import { squaredNorm } from "../../tf/ops";
import type { WeightShapes } from "../../tf/weights";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import { USER_AUTOENCODER_CAPABILITIES, UserAutoencoder, userAutoencoderMemory, userAutoencoderParams } from "./userAutoencoder";

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
  ...userAutoencoderParams(128, 0.003),
} as const;

type Params = ParamsOf<typeof params>;

/** Encoder and decoder over the items, and a K-vector per user (the user's input node). */
function cdaeShapes(nUsers: number, nItems: number, k: number): WeightShapes {
  return [
    ["encoder", [nItems, k]],
    ["userNode", [nUsers, k]],
    ["encoderBias", [k]],
    ["decoder", [k, nItems]],
    ["decoderBias", [nItems]],
  ];
}

export class Cdae extends UserAutoencoder<Params> {
  readonly name = "cdae";

  protected weightShapes(): WeightShapes {
    return cdaeShapes(this.nUsers, this.nItems, this.params.hidden);
  }

  /** Glorot-uniform matrices, user nodes N(0, 0.01²), zero biases. */
  protected override initialValue(name: string, shape: readonly number[], rng: Rng): Float32Array {
    return name === "userNode" ? normalValues(shape, 0.01, rng) : super.initialValue(name, shape, rng);
  }

  protected inputTransform(): { normalize: boolean; dropRate: number } {
    return { normalize: false, dropRate: this.params.corruption };
  }

  /** Per-user mean of Σ_i BCE, plus the L2 terms of the mini-batch estimate (divided by B). */
  protected batchLoss(x: tf.Tensor2D, y: tf.Tensor2D, users: Int32Array): tf.Scalar {
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

  /** Training users add their own input node; a folded-in history has none (V_u = 0). */
  protected forward(x: tf.Tensor2D, users: Int32Array | undefined): tf.Tensor2D {
    const nodes = users ? tf.gather(this.requireWeights().get("userNode"), tf.tensor1d(users, "int32")) : undefined;
    return this.decode(this.encode(x, nodes));
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
}

export const cdae = defineModel({
  name: "cdae",
  family: "neural",
  description: "CDAE: denoising autoencoder over each user's items with a user-specific input node; logistic loss; folds in new users",
  paper: "Y. Wu, C. DuBois, A. X. Zheng, M. Ester. Collaborative Denoising Auto-Encoders for Top-N Recommender Systems. WSDM 2016",
  feedback: "implicit",
  capabilities: USER_AUTOENCODER_CAPABILITIES,
  params,
  fastParams: { hidden: 16, epochs: 80, batchSize: 16, lr: 0.01, corruption: 0.3, validationFraction: 0 },
  // The autoencoders' fit: the weights (items × K twice, users × K) and dense batch rows over the items.
  memory: (shape, p) => userAutoencoderMemory(shape, p, cdaeShapes(shape.users, shape.items, p.hidden)),
  create: (p) => new Cdae(p),
});
