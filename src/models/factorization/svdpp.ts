// SVD++: Y. Koren, "Factorization Meets the Neighborhood: a Multifaceted Collaborative
// Filtering Model", KDD 2008, §4 (eq. 15). Implicit feedback enters through the set N(u) of
// items the user rated (here: in the training data, or in the profile at fold-in):
//   r̂_ui = μ + b_u + b_i + q_iᵀ (p_u + |N(u)|^-½ Σ_(j∈N(u)) y_j)
//   min Σ_(u,i)∈K (r_ui − r̂_ui)² + λ_b (b_u² + b_i²) + λ (‖p_u‖² + ‖q_i‖²) + λ_y Σ_j ‖y_j‖²
// SGD, user by user (seeded order of users and of each user's ratings). The implicit sum
// z_u = |N(u)|^-½ Σ y_j is computed once per user per epoch and updated with the exact effect
// of the per-rating y updates on it (z += η(e q_i − λ_y z)); the y_j themselves receive the
// accumulated update once at the end of the user's ratings (y_j ← (1−ηλ_y)^n y_j + η|N|^-½ Σ e q_i).
// This is O(|R(u)|·k) per user instead of O(|R(u)|·|N(u)|·k).
import type { Interactions } from "../../data/interactions";
import { fillNormal, type Rng } from "../../math/random";
import { defineModel } from "../definition";
import { FLOAT64_BYTES, denseMatrix, trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { BiasedFactorModel, RATING_FACTOR_CAPABILITIES, SGD_SCHEDULE_PARAMS, biasedFactorMemory, runSgd, sgdOrderMemory, sgdReport } from "./common";

const params = {
  factors: { type: "int", default: 100, min: 1, max: 1024, description: "Latent dimensions k" },
  ...SGD_SCHEDULE_PARAMS,
  reg: { type: "float", default: 0.05, min: 0, max: 10, description: "λ: L2 penalty on p_u and q_i" },
  regImplicit: { type: "float", default: 0.02, min: 0, max: 10, description: "λ_y: L2 penalty on the implicit item factors y_j" },
  regBias: { type: "float", default: 0.01, min: 0, max: 10, description: "λ_b: L2 penalty on biases" },
  initStd: { type: "float", default: 0.03, min: 0, max: 1, description: "Standard deviation of the normal initialisation" },
} as const;

type Params = ParamsOf<typeof params>;

export class SvdPlusPlus extends BiasedFactorModel<Params> {
  readonly name = "svdpp";
  /** y_j, nItems × k. */
  private implicitFactors: Float64Array = new Float64Array(0);
  private profileZ: Float64Array = new Float64Array(0);
  private adjusted: Float32Array = new Float32Array(0);

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    const { reg, regImplicit, regBias, initStd } = this.params;
    const k = this.params.factors | 0;
    const rng = this.initRandom(data, k, context.seed, initStd);
    this.implicitFactors = fillNormal(new Float64Array(x.nItems * k), rng, initStd);
    const state: EpochState = {
      x,
      rng,
      users: Int32Array.from({ length: x.nUsers }, (_, u) => u),
      order: Int32Array.from({ length: x.nnz }, (_, t) => t),
      mu: this.mu,
      bu: this.userBias,
      bi: this.itemBias,
      p: this.userFactors,
      q: this.itemFactors,
      y: this.implicitFactors,
      z: new Float64Array(k),
      acc: new Float64Array(k),
      k,
      reg,
      regImplicit,
      regBias,
    };
    const loop = await runSgd(this.name, context, started, this.params, x.nnz, (lr) => sgdEpoch(state, lr));
    this.zeroUntrained(x, [this.implicitFactors]);
    // Serve with the effective user vectors p_u + z_u (z from the final y).
    const { indptr, indices } = x;
    const z = state.z;
    for (let u = 0; u < x.nUsers; u++) {
      const start = indptr[u];
      const end = indptr[u + 1];
      if (end === start) continue;
      this.implicitSum(indices.subarray(start, end), z);
      for (let d = 0; d < k; d++) this.userFactors[u * k + d] += z[d];
    }
    return sgdReport(started, loop);
  }

  /** z = |N|^-½ Σ_(j∈N) y_j over the trained items of `items` into out (length k). */
  private implicitSum(items: ArrayLike<number>, out: Float64Array): void {
    const k = this.k;
    out.fill(0);
    let n = 0;
    for (let t = 0; t < items.length; t++) {
      const j = items[t];
      if (j < 0 || j >= this.nItems) continue;
      n++;
      const o = j * k;
      for (let d = 0; d < k; d++) out[d] += this.implicitFactors[o + d];
    }
    if (n > 0) for (let d = 0; d < k; d++) out[d] /= Math.sqrt(n);
  }

  /** Fold-in: z from the profile's items, then p and b_u by ridge regression on r − μ − b_i − q_i·z. */
  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const k = this.k;
    if (this.profileZ.length !== k) this.profileZ = new Float64Array(k);
    const z = this.profileZ;
    this.implicitSum(profile.items, z);
    if (this.adjusted.length < profile.values.length) this.adjusted = new Float32Array(profile.values.length);
    const adjusted = this.adjusted.subarray(0, profile.values.length);
    for (let t = 0; t < profile.items.length; t++) {
      const i = profile.items[t];
      let qz = 0;
      if (i >= 0 && i < this.nItems) for (let d = 0; d < k; d++) qz += this.itemFactors[i * k + d] * z[d];
      adjusted[t] = profile.values[t] - qz;
    }
    const { factors, bias } = this.foldInProfile({ items: profile.items, values: adjusted });
    for (let d = 0; d < k; d++) factors[d] += z[d];
    this.scoreVectorAgainstItems(factors, this.mu + bias, out);
  }

  override saveState(): ModelState {
    const state = super.saveState();
    state.arrays.implicitFactors = this.implicitFactors;
    return state;
  }

  override loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    super.loadState(state, shape);
    this.implicitFactors = this.loadArray(state, "implicitFactors", shape.nItems * this.k);
  }

  override dispose(): void {
    super.dispose();
    this.implicitFactors = new Float64Array(0);
  }
}

/** What an epoch of SVD++ reads and updates (the model's arrays and two k-vectors of scratch). */
interface EpochState {
  x: Interactions;
  rng: Rng;
  users: Int32Array;
  order: Int32Array;
  mu: number;
  bu: Float64Array;
  bi: Float64Array;
  p: Float64Array;
  q: Float64Array;
  y: Float64Array;
  z: Float64Array;
  acc: Float64Array;
  k: number;
  reg: number;
  regImplicit: number;
  regBias: number;
}

/** One SGD pass, user by user in a seeded order; returns the sum of squared errors seen (before each update). */
function sgdEpoch(state: EpochState, lr: number): number {
  const { x, rng, users, order, mu, bu, bi, p, q, y, z, acc, k, reg, regImplicit, regBias } = state;
  const { indptr, indices, values } = x;
  rng.shuffle(users);
  let sse = 0;
  for (let s = 0; s < users.length; s++) {
    const u = users[s];
    const start = indptr[u];
    const end = indptr[u + 1];
    const n = end - start;
    if (n === 0) continue;
    rng.shuffle(order.subarray(start, end));
    const norm = 1 / Math.sqrt(n);
    z.fill(0);
    for (let t = start; t < end; t++) {
      const o = indices[t] * k;
      for (let d = 0; d < k; d++) z[d] += y[o + d];
    }
    for (let d = 0; d < k; d++) z[d] *= norm;
    acc.fill(0);
    const pu = u * k;
    for (let t = start; t < end; t++) {
      const position = order[t];
      const i = indices[position];
      const qi = i * k;
      let dot = 0;
      for (let d = 0; d < k; d++) dot += q[qi + d] * (p[pu + d] + z[d]);
      const e = values[position] - mu - bu[u] - bi[i] - dot;
      sse += e * e;
      bu[u] += lr * (e - regBias * bu[u]);
      bi[i] += lr * (e - regBias * bi[i]);
      for (let d = 0; d < k; d++) {
        const qd = q[qi + d];
        const pd = p[pu + d];
        const zd = z[d];
        acc[d] += e * qd;
        p[pu + d] = pd + lr * (e * qd - reg * pd);
        q[qi + d] = qd + lr * (e * (pd + zd) - reg * qd);
        z[d] = zd + lr * (e * qd - regImplicit * zd);
      }
    }
    const decay = Math.pow(1 - lr * regImplicit, n);
    const step = lr * norm;
    for (let t = start; t < end; t++) {
      const o = indices[t] * k;
      for (let d = 0; d < k; d++) y[o + d] = decay * y[o + d] + step * acc[d];
    }
  }
  return sse;
}

export const svdpp = defineModel({
  name: "svdpp",
  family: "factorization",
  description: "SVD++: biased MF plus an implicit-feedback term over the items each user rated (SGD)",
  paper: "Y. Koren. Factorization Meets the Neighborhood: a Multifaceted Collaborative Filtering Model. KDD 2008",
  feedback: "explicit",
  capabilities: RATING_FACTOR_CAPABILITIES,
  params,
  fastParams: { factors: 8, epochs: 40, lr: 0.02, lrDecay: 0.98, reg: 0.02, regImplicit: 0.02 },
  // MF's factors and order, plus the implicit item factors y (float64, k per item).
  memory: (shape, p) => [trainingMatrix(shape), biasedFactorMemory(shape, p.factors), denseMatrix("implicit item factors y (float64)", shape.items, p.factors, FLOAT64_BYTES), sgdOrderMemory(shape)],
  create: (p) => new SvdPlusPlus(p),
});
