// Mult-VAE: D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara, "Variational Autoencoders for
// Collaborative Filtering", WWW 2018. A user's history x_u (binary) is L2-normalised and
// dropped out (rate `dropout`, training only), then encoded to q(z|x) = N(μ, diag σ²) by a tanh
// MLP [nItems → hidden → 2·latent]; z = μ + σ ⊙ ε (ε seeded), decoded by [latent → hidden →
// nItems] (tanh) to logits; π = softmax(logits). Loss, per user (the annealed ELBO, paper eq. 8):
//   L_β = −Σ_i x_ui log π_i  +  β · KL(q(z|x) ‖ N(0, I)),  plus (l2/2)·Σ‖weight matrices‖² once
//   per epoch (each step adds its share, B / nUsers; l2 = 0 by default, as the paper's Mult-VAE),
// KL = ½ Σ_d (σ_d² + μ_d² − 1 − log σ_d²), and β = min(beta, beta · t / annealSteps) at update t:
// linear from 0, reaching `beta` (0.2 by default) after annealSteps updates. (The paper's code
// grows β by 1/annealSteps per update up to the cap; here the cap is reached at annealSteps
// whatever the cap is.) Early stopping keeps the epoch with the best validation
// NDCG@20, so the β in effect there is the one selected (the paper's recipe). Scoring uses the
// mean μ of q(z|x) without dropout; fold-in is free: the encoder takes any history.
import type { Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import { normalTensor } from "../../tf/init";
import { squaredNorm } from "../../tf/ops";
import type { WeightShapes } from "../../tf/weights";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import { USER_AUTOENCODER_CAPABILITIES, UserAutoencoder, userAutoencoderMemory, userAutoencoderParams } from "./userAutoencoder";

const params = {
  hidden: { type: "int", default: 600, min: 1, max: 8192, description: "Hidden layer size of encoder and decoder (paper: 600)" },
  latent: { type: "int", default: 200, min: 1, max: 4096, description: "Latent dimension (paper: 200)" },
  dropout: { type: "float", default: 0.5, min: 0, max: 0.95, description: "Dropout rate on the normalised input (paper: 0.5)" },
  beta: { type: "float", default: 0.2, min: 0, max: 10, description: "Largest KL weight β reached by annealing (paper: 0.2)" },
  annealSteps: { type: "int", default: 2000, min: 1, max: 100_000_000, description: "Updates over which β grows linearly from 0 to `beta`" },
  l2: { type: "float", default: 0, min: 0, max: 100, description: "L2 penalty on the weight matrices (divided by the users per epoch, per step)" },
  ...userAutoencoderParams(100, 0.001, " (paper: 500 on ML-20M)"),
} as const;

type Params = ParamsOf<typeof params>;

/** Encoder [items → hidden → 2·latent] and decoder [latent → hidden → items]. */
function multvaeShapes(nItems: number, hidden: number, latent: number): WeightShapes {
  return [
    ["enc1", [nItems, hidden]],
    ["enc1Bias", [hidden]],
    ["enc2", [hidden, 2 * latent]],
    ["enc2Bias", [2 * latent]],
    ["dec1", [latent, hidden]],
    ["dec1Bias", [hidden]],
    ["dec2", [hidden, nItems]],
    ["dec2Bias", [nItems]],
  ];
}

export class MultVae extends UserAutoencoder<Params> {
  readonly name = "multvae";
  /** Updates so far in this fit (the annealing clock) and the KL weight of the last one. */
  private updates = 0;
  private beta = 0;
  /** Training users per epoch: the L2 term's share per step is B / usersPerEpoch. */
  private usersPerEpoch = 1;

  protected weightShapes(): WeightShapes {
    return multvaeShapes(this.nItems, this.params.hidden, this.params.latent);
  }

  protected inputTransform(): { normalize: boolean; dropRate: number } {
    return { normalize: true, dropRate: this.params.dropout };
  }

  protected override startTraining(usersPerEpoch: number): void {
    this.updates = 0;
    this.beta = 0;
    this.usersPerEpoch = usersPerEpoch;
  }

  protected override validationExtras(): Record<string, number> {
    return { beta: this.beta };
  }

  protected override trainingNotes(): Record<string, unknown> {
    return { finalBeta: this.beta, updates: this.updates };
  }

  /** Mean over the batch of −Σ x log softmax + β·KL, plus the L2 share of this step; β follows the annealing schedule. */
  protected batchLoss(x: tf.Tensor2D, target: tf.Tensor2D, _users: Int32Array, noise: Rng): tf.Scalar {
    const p = this.params;
    const rows = x.shape[0];
    this.beta = Math.min(p.beta, (p.beta * this.updates) / p.annealSteps);
    this.updates++;
    const { mu, logVar } = this.encode(x);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), normalTensor([rows, p.latent], noise))) as tf.Tensor2D;
    const logits = this.decode(z);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), target)));
    const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.exp(logVar), tf.square(mu)), tf.add(logVar, 1))), 0.5);
    let loss = tf.div(tf.add(nll, tf.mul(kl, this.beta)), rows);
    if (p.l2 > 0) {
      const w = this.requireWeights();
      const norms = tf.addN(["enc1", "enc2", "dec1", "dec2"].map((name) => squaredNorm(w.get(name))));
      loss = tf.add(loss, tf.mul(norms, p.l2 / 2 / this.usersPerEpoch));
    }
    return loss as tf.Scalar;
  }

  /** Scoring decodes the mean μ of q(z|x) (no sampling, no dropout). */
  protected forward(x: tf.Tensor2D): tf.Tensor2D {
    return this.decode(this.encode(x).mu);
  }

  private encode(x: tf.Tensor2D): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    const w = this.requireWeights();
    const latent = this.params.latent;
    const h = tf.tanh(tf.add(tf.matMul(x, w.get("enc1") as tf.Tensor2D), w.get("enc1Bias"))) as tf.Tensor2D;
    const out = tf.add(tf.matMul(h, w.get("enc2") as tf.Tensor2D), w.get("enc2Bias")) as tf.Tensor2D;
    const rows = x.shape[0];
    return { mu: tf.slice(out, [0, 0], [rows, latent]), logVar: tf.slice(out, [0, latent], [rows, latent]) };
  }

  private decode(z: tf.Tensor2D): tf.Tensor2D {
    const w = this.requireWeights();
    const h = tf.tanh(tf.add(tf.matMul(z, w.get("dec1") as tf.Tensor2D), w.get("dec1Bias"))) as tf.Tensor2D;
    return tf.add(tf.matMul(h, w.get("dec2") as tf.Tensor2D), w.get("dec2Bias")) as tf.Tensor2D;
  }
}

export const multvae = defineModel({
  name: "multvae",
  family: "neural",
  description: "Mult-VAE: variational autoencoder with a multinomial likelihood over each user's items, KL annealing; folds in new users",
  paper: "D. Liang, R. G. Krishnan, M. D. Hoffman, T. Jebara. Variational Autoencoders for Collaborative Filtering. WWW 2018",
  feedback: "implicit",
  capabilities: USER_AUTOENCODER_CAPABILITIES,
  params,
  fastParams: { hidden: 32, latent: 8, epochs: 150, batchSize: 16, lr: 0.01, annealSteps: 200, validationFraction: 0 },
  // The autoencoders' fit: the weights (items × hidden twice) and dense batch rows over the items.
  memory: (shape, p) => userAutoencoderMemory(shape, p, multvaeShapes(shape.items, p.hidden, p.latent)),
  create: (p) => new MultVae(p),
});
