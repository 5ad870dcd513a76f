// Truncated SVD of the user-mean-centred rating matrix (pure SVD as a recommender:
// B. Sarwar, G. Karypis, J. Konstan, J. Riedl, "Application of Dimensionality Reduction in
// Recommender System — A Case Study", WebKDD 2000; P. Cremonesi, Y. Koren, R. Turrin,
// "Performance of Recommender Algorithms on Top-N Recommendation Tasks", RecSys 2010).
//   A_ui = r_ui − r̄_u for observed (u, i), 0 otherwise (missing = "at the user's mean"),
//   r̄_u = (Σ_i r_ui + β μ) / (n_u + β): the user mean shrunk toward the global mean μ by β
//   pseudo-ratings (β = meanShrink; β = 0 is the plain user mean)
//   A ≈ U_k Σ_k V_kᵀ   (best rank-k approximation in Frobenius norm, Eckart–Young)
//   r̂_ui = r̄_u + (U_k Σ_k)_u · (V_k)_i, clipped to the observed rating range.
// Computed by randomized SVD with power iterations on the sparse matrix (src/math/svd.ts),
// never a dense decomposition. Because missing entries count as zeros, the reconstruction is
// pulled toward the user mean: weaker than MF trained on observed ratings only, by design.
// Fold-in projects a new centred history onto V_k: p = a V_k (= (U_k Σ_k)_u for training rows).
import { createRng } from "../../math/random";
import { randomizedSvd } from "../../math/svd";
import { defineModel } from "../definition";
import { FLOAT64_BYTES, factorTables, trainingMatrix } from "../memory";
import { EmbeddingRecommender, type ScoreTerms } from "../embedding";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { RATING_FACTOR_CAPABILITIES, clip, ratingScale, type RatingRange } from "./common";

const params = {
  factors: { type: "int", default: 8, min: 1, max: 1024, description: "Rank k of the truncated SVD" },
  oversample: { type: "int", default: 10, min: 0, max: 200, description: "Extra random columns of the range finder" },
  powerIterations: { type: "int", default: 4, min: 0, max: 30, description: "Power iterations of the range finder" },
  meanShrink: { type: "float", default: 5, min: 0, max: 1e4, description: "Ratings at the global mean added to each user's mean (so a history of equal ratings still has a direction)" },
} as const;

type Params = ParamsOf<typeof params>;

/** Factors: U_k Σ_k (nUsers × k) and V_k (nItems × k); a score adds the user's (shrunk) mean. */
export class TruncatedSvdModel extends EmbeddingRecommender<Params> {
  readonly name = "svd";
  readonly capabilities = RATING_FACTOR_CAPABILITIES;
  private mu = 0;
  private userMean: Float64Array = new Float64Array(0);
  private singularValues: Float64Array = new Float64Array(0);
  private range: RatingRange = { min: 0, max: 0 };
  private projected: Float64Array = new Float64Array(0);

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    ({ mu: this.mu, range: this.range } = ratingScale(x, this.name));
    this.userMean = new Float64Array(x.nUsers);
    const centred = new Float64Array(x.nnz);
    for (let u = 0; u < x.nUsers; u++) {
      const start = x.indptr[u];
      const end = x.indptr[u + 1];
      let sum = 0;
      for (let p = start; p < end; p++) sum += x.values[p];
      const mean = this.centre(sum, end - start);
      this.userMean[u] = mean;
      for (let p = start; p < end; p++) centred[p] = x.values[p] - mean;
    }
    const { factors, oversample, powerIterations } = this.params;
    const svd = randomizedSvd({ rows: x.nUsers, cols: x.nItems, indptr: x.indptr, indices: x.indices, values: centred }, factors, { rng: createRng(context.seed), oversample, powerIterations });
    const k = svd.k;
    this.singularValues = svd.s;
    for (let u = 0; u < x.nUsers; u++) for (let d = 0; d < k; d++) svd.u[u * k + d] *= svd.s[d];
    this.setFactors(x.nUsers, x.nItems, k, svd.u, svd.v);
    const seconds = (performance.now() - started) / 1000;
    let sse = 0;
    for (let u = 0; u < x.nUsers; u++) {
      for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
        const e = x.values[p] - this.predict(u, x.indices[p]);
        sse += e * e;
      }
    }
    const rmse = Math.sqrt(sse / x.nnz);
    context.onProgress?.({ epoch: 1, epochs: 1, loss: rmse, elapsed: seconds, message: "train RMSE" });
    return { epochs: 1, seconds, lossCurve: [rmse], notes: { singularValues: Array.from(svd.s.subarray(0, Math.min(10, k)), (v) => Math.round(v * 100) / 100) } };
  }

  protected override scoreTerms(): ScoreTerms {
    return { offset: 0, userBias: this.userMean };
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const k = this.k;
    if (this.projected.length !== k) this.projected = new Float64Array(k);
    const p = this.projected;
    p.fill(0);
    let sum = 0;
    for (let t = 0; t < profile.items.length; t++) sum += profile.values[t];
    const mean = this.centre(sum, profile.items.length);
    for (let t = 0; t < profile.items.length; t++) {
      const i = profile.items[t];
      if (i < 0 || i >= this.nItems) continue;
      const a = profile.values[t] - mean;
      for (let d = 0; d < k; d++) p[d] += a * this.itemFactors[i * k + d];
    }
    this.scoreVectorAgainstItems(p, mean, out);
  }

  /** The user's mean rating shrunk toward the global mean by `meanShrink` pseudo-ratings. */
  private centre(sum: number, count: number): number {
    const shrink = this.params.meanShrink;
    return count + shrink > 0 ? (sum + shrink * this.mu) / (count + shrink) : this.mu;
  }

  override predict(user: number, item: number): number {
    if (user < 0 || user >= this.nUsers) return clip(this.mu, this.range);
    let value = this.userMean[user];
    if (item >= 0 && item < this.nItems) {
      const k = this.k;
      for (let d = 0; d < k; d++) value += this.userFactors[user * k + d] * this.itemFactors[item * k + d];
    }
    return clip(value, this.range);
  }

  override saveState(): ModelState {
    const factors = super.saveState();
    return {
      json: { ...factors.json, mu: this.mu, range: this.range },
      arrays: { userMean: this.userMean, ...factors.arrays, singularValues: this.singularValues },
    };
  }

  override loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    super.loadState(state, shape);
    this.mu = state.json.mu as number;
    this.range = state.json.range as RatingRange;
    this.userMean = this.loadArray(state, "userMean", shape.nUsers);
    this.singularValues = this.loadArray(state, "singularValues");
  }
}

export const svd = defineModel({
  name: "svd",
  family: "factorization",
  description: "Truncated SVD (randomized, sparse) of the user-mean-centred rating matrix; missing ratings count as the user's mean",
  paper: "B. Sarwar, G. Karypis, J. Konstan, J. Riedl. Application of Dimensionality Reduction in Recommender System. WebKDD 2000",
  feedback: "explicit",
  capabilities: RATING_FACTOR_CAPABILITIES,
  params,
  fastParams: { factors: 3 },
  // The centred values and the randomized SVD's float64 blocks (Ω and Z per item, Q per user, l = k + oversample), then U and V.
  memory: (shape, p) => [
    trainingMatrix(shape),
    { what: "centred ratings and user means (float64)", bytes: FLOAT64_BYTES * (shape.interactions + shape.users) },
    factorTables("range-finder blocks Ω, Q, Z (float64)", shape, p.factors + p.oversample, FLOAT64_BYTES, 2),
    factorTables(`singular vectors (k = ${p.factors}, float64)`, shape, p.factors, FLOAT64_BYTES),
  ],
  create: (p) => new TruncatedSvdModel(p),
});
