// Biased matrix factorization ("Funk-SVD"): Y. Koren, R. Bell, C. Volinsky, "Matrix
// Factorization Techniques for Recommender Systems", IEEE Computer 42(8), 2009 (eq. 5),
// trained by stochastic gradient descent as in S. Funk's Netflix Prize write-up (2006).
//   r̂_ui = μ + b_u + b_i + p_uᵀ q_i
//   min Σ_(u,i)∈K (r_ui − r̂_ui)² + λ (‖p_u‖² + ‖q_i‖²) + λ_b (b_u² + b_i²)   over observed ratings only.
// SGD over the ratings in a seeded random order each epoch, e = r_ui − r̂_ui:
//   b_u += η(e − λ_b b_u), b_i += η(e − λ_b b_i), p_u += η(e q_i − λ p_u), q_i += η(e p_u − λ q_i),
// with η decayed geometrically per epoch. Fold-in solves the same objective for a new user
// with items fixed (ridge regression with λ·|profile|, the per-user sum of the SGD penalty).
import { defineModel } from "../definition";
import { trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import { rowOfEntries } from "../training";
import type { FitContext, FitReport, TrainingData } from "../types";
import { BiasedFactorModel, RATING_FACTOR_CAPABILITIES, SGD_SCHEDULE_PARAMS, biasedFactorMemory, runSgd, sgdOrderMemory, sgdReport } from "./common";

export const MF_PARAMS = {
  factors: { type: "int", default: 200, min: 1, max: 1024, description: "Latent dimensions k" },
  ...SGD_SCHEDULE_PARAMS,
  reg: { type: "float", default: 0.05, min: 0, max: 10, description: "λ: L2 penalty on user and item factors (per rating)" },
  regBias: { type: "float", default: 0.01, min: 0, max: 10, description: "λ_b: L2 penalty on user and item biases (per rating)" },
  initStd: { type: "float", default: 0.03, min: 0, max: 1, description: "Standard deviation of the normal initialisation of the factors" },
} as const;

type Params = ParamsOf<typeof MF_PARAMS>;

export class MatrixFactorization extends BiasedFactorModel<Params> {
  readonly name = "mf";

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    const { reg, regBias } = this.params;
    const k = this.params.factors | 0;
    const rng = this.initRandom(data, k, context.seed, this.params.initStd);
    const userOf = rowOfEntries(x);
    const order = Int32Array.from({ length: x.nnz }, (_, p) => p);
    const loop = await runSgd(this.name, context, started, this.params, x.nnz, (lr) => {
      rng.shuffle(order);
      return sgdEpoch(order, userOf, x.indices, x.values, this.mu, this.userBias, this.itemBias, this.userFactors, this.itemFactors, k, lr, reg, regBias);
    });
    this.zeroUntrained(x);
    return sgdReport(started, loop);
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

export const mf = defineModel({
  name: "mf",
  family: "factorization",
  description: "Biased matrix factorization (Funk-SVD) trained by SGD on observed ratings",
  paper: "Y. Koren, R. Bell, C. Volinsky. Matrix Factorization Techniques for Recommender Systems. IEEE Computer 2009",
  feedback: "explicit",
  capabilities: RATING_FACTOR_CAPABILITIES,
  params: MF_PARAMS,
  fastParams: { factors: 8, epochs: 40, lr: 0.02, lrDecay: 0.98, reg: 0.02 },
  // Float64 factors and biases, and the shuffled order with each rating's user (rowOfEntries).
  memory: (shape, p) => [trainingMatrix(shape), biasedFactorMemory(shape, p.factors), sgdOrderMemory(shape)],
  create: (p) => new MatrixFactorization(p),
});
