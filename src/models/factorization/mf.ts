// Biased matrix factorization ("Funk-SVD"): Y. Koren, R. Bell, C. Volinsky, "Matrix
// Factorization Techniques for Recommender Systems", IEEE Computer 42(8), 2009 (eq. 5),
// trained by stochastic gradient descent as in S. Funk's Netflix Prize write-up (2006).
//   r̂_ui = μ + b_u + b_i + p_uᵀ q_i
//   min Σ_(u,i)∈K (r_ui − r̂_ui)² + λ (‖p_u‖² + ‖q_i‖²) + λ_b (b_u² + b_i²)   over observed ratings only.
// SGD over the ratings in a seeded random order each epoch, e = r_ui − r̂_ui:
//   b_u += η(e − λ_b b_u), b_i += η(e − λ_b b_i), p_u += η(e q_i − λ p_u), q_i += η(e p_u − λ q_i),
// with η decayed geometrically per epoch. Fold-in solves the same objective for a new user
// with items fixed (ridge regression with λ·|profile|, the per-user sum of the SGD penalty).
import { ValidationError } from "../../errors";
import { createRng, type Rng } from "../../math/random";
import { cosineRowToAll, cosineRowToSome, rowNorms } from "../../math/linalg";
import { BaseRecommender } from "../base";
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import {
  ExplicitFoldIn,
  clip,
  globalMean,
  ratingRange,
  requireInteractions,
  rowOfPositions,
  scoreFactorBatch,
  scoreVector,
  stateArray,
  type RatingRange,
} from "./common";

export const MF_PARAMS = {
  factors: { type: "int", default: 200, min: 1, max: 1024, description: "Latent dimensions k" },
  epochs: { type: "int", default: 100, min: 1, max: 1000, description: "Passes over the training ratings" },
  lr: { type: "float", default: 0.005, min: 1e-6, max: 1, description: "Initial SGD learning rate η" },
  lrDecay: { type: "float", default: 0.98, min: 0.5, max: 1, description: "η is multiplied by this after every epoch" },
  reg: { type: "float", default: 0.05, min: 0, max: 10, description: "λ: L2 penalty on user and item factors (per rating)" },
  regBias: { type: "float", default: 0.01, min: 0, max: 10, description: "λ_b: L2 penalty on user and item biases (per rating)" },
  initStd: { type: "float", default: 0.03, min: 0, max: 1, description: "Standard deviation of the normal initialisation of the factors" },
} as const;

type Params = ParamsOf<typeof MF_PARAMS>;

export const factorRatingCapabilities: Capabilities = {
  personalized: true,
  ratingPrediction: true,
  similarItems: true,
  foldIn: true,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

/**
 * Shared state and scoring of the biased explicit factor models (mf, als): μ, b_u, b_i, P, Q
 * in float64; scores are predicted ratings (unclipped for ranking, clipped in predict).
 */
export abstract class BiasedFactorModel<P extends object> extends BaseRecommender<P> {
  readonly capabilities = factorRatingCapabilities;
  protected k = 0;
  protected mu = 0;
  protected userBias: Float64Array = new Float64Array(0);
  protected itemBias: Float64Array = new Float64Array(0);
  protected userFactors: Float64Array = new Float64Array(0);
  protected itemFactors: Float64Array = new Float64Array(0);
  protected range: RatingRange = { min: 0, max: 0 };
  private itemNorms: Float32Array | undefined;
  private foldIn: ExplicitFoldIn | undefined;

  /** λ·n (factors) and λ_b·n (bias) of a fold-in with n rated items. */
  protected abstract foldInRegularisation(count: number): { factors: number; bias: number };

  /** False when the model has no biases (μ = b_u = b_i = 0): fold-in then solves factors only. */
  protected usesBiases(): boolean {
    return true;
  }

  protected initState(data: TrainingData, k: number): void {
    const x = data.interactions;
    this.nUsers = x.nUsers;
    this.nItems = x.nItems;
    this.k = k | 0;
    this.mu = globalMean(x);
    this.range = ratingRange(x);
    this.userBias = new Float64Array(x.nUsers);
    this.itemBias = new Float64Array(x.nItems);
    this.userFactors = new Float64Array(x.nUsers * k);
    this.itemFactors = new Float64Array(x.nItems * k);
    this.itemNorms = undefined;
    this.foldIn = undefined;
  }

  /**
   * Zeroes the factors of users and items without training data (they keep their random
   * initialisation under SGD), so they score and predict from the biases alone.
   */
  protected zeroUntrained(x: TrainingData["interactions"], extra: Float64Array[] = []): void {
    const k = this.k;
    for (let u = 0; u < x.nUsers; u++) if (x.indptr[u + 1] === x.indptr[u]) this.userFactors.fill(0, u * k, (u + 1) * k);
    const degrees = x.itemDegrees();
    for (let i = 0; i < x.nItems; i++) {
      if (degrees[i] > 0) continue;
      this.itemFactors.fill(0, i * k, (i + 1) * k);
      for (const matrix of extra) matrix.fill(0, i * k, (i + 1) * k);
    }
  }

  scoreUser(user: number, out: Float32Array): void {
    scoreVector(this.userFactors, user * this.k, this.itemFactors, this.k, this.nItems, out, this.itemBias, this.mu + this.userBias[user]);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    scoreFactorBatch(users, this.userFactors, this.itemFactors, this.k, this.nItems, out, this.userBias, this.itemBias, this.mu);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const { factors, bias } = this.foldInProfile(profile);
    scoreVector(factors, 0, this.itemFactors, this.k, this.nItems, out, this.itemBias, this.mu + bias);
  }

  /** The new user's factors and bias (a reused buffer). */
  foldInProfile(profile: UserProfile): { factors: Float64Array; bias: number } {
    this.foldIn ??= new ExplicitFoldIn(this.k, this.usesBiases());
    let count = 0;
    for (let p = 0; p < profile.items.length; p++) if (profile.items[p] >= 0 && profile.items[p] < this.nItems) count++;
    const reg = this.foldInRegularisation(count);
    return this.foldIn.solve(profile, this.itemFactors, this.k, this.nItems, this.itemBias, this.mu, reg.factors, reg.bias);
  }

  override predict(user: number, item: number): number {
    let value = this.mu;
    const knownUser = user >= 0 && user < this.nUsers;
    const knownItem = item >= 0 && item < this.nItems;
    if (knownUser) value += this.userBias[user];
    if (knownItem) value += this.itemBias[item];
    if (knownUser && knownItem) {
      const pu = user * this.k;
      const qi = item * this.k;
      for (let d = 0; d < this.k; d++) value += this.userFactors[pu + d] * this.itemFactors[qi + d];
    }
    return clip(value, this.range);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.k);
    cosineRowToAll(this.itemFactors, this.k, item, this.itemNorms, out);
  }

  itemSimilaritiesAmong(item: number, candidates: ArrayLike<number>, out: Float32Array): void {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.k);
    cosineRowToSome(this.itemFactors, this.k, item, this.itemNorms, candidates, out);
  }

  saveState(): ModelState {
    return {
      json: { k: this.k, mu: this.mu, range: this.range },
      arrays: { userBias: this.userBias, itemBias: this.itemBias, userFactors: this.userFactors, itemFactors: this.itemFactors },
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.k = (state.json.k as number) | 0;
    this.mu = state.json.mu as number;
    this.range = state.json.range as RatingRange;
    this.userBias = stateArray(state.arrays, "userBias");
    this.itemBias = stateArray(state.arrays, "itemBias");
    this.userFactors = stateArray(state.arrays, "userFactors");
    this.itemFactors = stateArray(state.arrays, "itemFactors");
    this.itemNorms = undefined;
    this.foldIn = undefined;
  }

  override dispose(): void {
    super.dispose();
    this.userFactors = new Float64Array(0);
    this.itemFactors = new Float64Array(0);
  }
}

export class MatrixFactorization extends BiasedFactorModel<Params> {
  readonly name = "mf";

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    requireInteractions(x, this.name);
    const { epochs, lrDecay, reg, regBias, initStd } = this.params;
    const k = this.params.factors | 0;
    this.initState(data, k);
    const rng = createRng(context.seed);
    fillNormal64(this.userFactors, rng, initStd);
    fillNormal64(this.itemFactors, rng, initStd);
    const userOf = rowOfPositions(x);
    const order = Int32Array.from({ length: x.nnz }, (_, p) => p);
    const lossCurve: number[] = [];
    let lr = this.params.lr;
    for (let epoch = 0; epoch < epochs; epoch++) {
      context.signal?.throwIfAborted();
      rng.shuffle(order);
      const sse = sgdEpoch(order, userOf, x.indices, x.values, this.mu, this.userBias, this.itemBias, this.userFactors, this.itemFactors, k, lr, reg, regBias);
      const rmse = Math.sqrt(sse / x.nnz);
      if (!Number.isFinite(rmse)) throw new ValidationError("mf.lr", this.params.lr, `a smaller learning rate (training diverged at epoch ${epoch + 1})`);
      lossCurve.push(rmse);
      lr *= lrDecay;
      context.onProgress?.({ epoch: epoch + 1, epochs, loss: rmse, elapsed: (performance.now() - started) / 1000, message: "train RMSE (before the epoch's updates)" });
      // Let other work (job progress, cancellation) run between epochs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.zeroUntrained(x);
    const seconds = (performance.now() - started) / 1000;
    return { epochs: lossCurve.length, seconds, lossCurve, notes: { secondsPerEpoch: seconds / Math.max(1, lossCurve.length) } };
  }

  protected foldInRegularisation(count: number): { factors: number; bias: number } {
    return { factors: this.params.reg * count, bias: this.params.regBias * count };
  }
}

/** One SGD pass in the given order; returns the sum of squared errors seen (before each update). */
function sgdEpoch(
  order: Int32Array,
  userOf: Int32Array,
  itemOf: Int32Array,
  values: Float32Array,
  mu: number,
  bu: Float64Array,
  bi: Float64Array,
  p: Float64Array,
  q: Float64Array,
  k: number,
  lr: number,
  reg: number,
  regBias: number,
): number {
  let sse = 0;
  const decay = 1 - lr * reg;
  const n = order.length;
  for (let t = 0; t < n; t++) {
    const position = order[t];
    const u = userOf[position];
    const i = itemOf[position];
    const pu = u * k;
    const qi = i * k;
    let dotp = 0;
    let d = 0;
    for (; d + 3 < k; d += 4) {
      dotp += p[pu + d] * q[qi + d] + p[pu + d + 1] * q[qi + d + 1] + p[pu + d + 2] * q[qi + d + 2] + p[pu + d + 3] * q[qi + d + 3];
    }
    for (; d < k; d++) dotp += p[pu + d] * q[qi + d];
    const e = values[position] - mu - bu[u] - bi[i] - dotp;
    sse += e * e;
    bu[u] += lr * (e - regBias * bu[u]);
    bi[i] += lr * (e - regBias * bi[i]);
    const g = lr * e;
    for (d = 0; d < k; d++) {
      const pud = p[pu + d];
      const qid = q[qi + d];
      p[pu + d] = decay * pud + g * qid;
      q[qi + d] = decay * qid + g * pud;
    }
  }
  return sse;
}

export function fillNormal64(out: Float64Array, rng: Rng, std: number): Float64Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.normal() * std;
  return out;
}

export const mf = defineModel({
  name: "mf",
  family: "factorization",
  description: "Biased matrix factorization (Funk-SVD) trained by SGD on observed ratings",
  paper: "Y. Koren, R. Bell, C. Volinsky. Matrix Factorization Techniques for Recommender Systems. IEEE Computer 2009",
  feedback: "explicit",
  capabilities: factorRatingCapabilities,
  params: MF_PARAMS,
  fastParams: { factors: 8, epochs: 40, lr: 0.02, lrDecay: 0.98, reg: 0.02 },
  create: (p) => new MatrixFactorization(p),
});
