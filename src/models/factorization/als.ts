// Explicit alternating least squares. Objective (over KNOWN ratings K only):
//   min Σ_(u,i)∈K (r_ui − μ − b_u − b_i − p_uᵀq_i)² + λ (Σ_u n_u^w ‖p_u‖² + Σ_i n_i^w ‖q_i‖²) + λ_b (Σ_u n_u^w b_u² + Σ_i n_i^w b_i²)
// With biases off (μ = b = 0) and w = 0 this is exactly the plain ALS objective
//   min Σ_(u,i)∈K (r_ui − p_uᵀq_i)² + λ (‖p_u‖² + ‖q_i‖²);
// w = 1 is the weighted-λ regularisation of ALS-WR: Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan,
// "Large-Scale Parallel Collaborative Filtering for the Netflix Prize", AAIM 2008. Biases as in
// Y. Koren, R. Bell, C. Volinsky, IEEE Computer 2009.
// Each half-iteration solves every user (then item) exactly: with x_i = [q_i; 1] and targets
// t_ui = r_ui − μ − b_i, [p_u; b_u] = (Σ_(i∈R(u)) x_i x_iᵀ + diag(λ n_u, …, λ_b n_u))⁻¹ Σ t_ui x_i,
// the (k+1)×(k+1) normal equations built from the rated items only (upper-triangle rank-1 updates,
// four at a time, into one reused Float64Array) and solved in place by Cholesky.
import { createRng, fillNormal } from "../../math/random";
import { accumulateGramUpper, choleskySolveUpper, choleskyUpper } from "../../math/linalg";
import type { Interactions } from "../../data/interactions";
import { defineModel } from "../definition";
import { trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, TrainingData } from "../types";
import { BiasedFactorModel, RATING_FACTOR_CAPABILITIES, biasedFactorMemory, runAlternating } from "./common";

export const ALS_PARAMS = {
  factors: { type: "int", default: 64, min: 1, max: 1024, description: "Latent dimensions k" },
  iterations: { type: "int", default: 15, min: 1, max: 200, description: "Alternating iterations (a user pass and an item pass each)" },
  reg: { type: "float", default: 0.12, min: 0, max: 1000, description: "λ: L2 penalty on factors (times n_u or n_i when weighted)" },
  regBias: { type: "float", default: 0.05, min: 0, max: 1000, description: "λ_b: L2 penalty on biases (times n_u or n_i when weighted)" },
  weighted: { type: "bool", default: true, description: "ALS-WR weighted-λ: scale each row's penalty by its number of ratings" },
  biases: { type: "bool", default: true, description: "Model μ + b_u + b_i; false gives the plain r̂ = p·q objective" },
  initStd: { type: "float", default: 0.1, min: 0, max: 10, description: "Standard deviation of the initial item factors" },
} as const;

type Params = ParamsOf<typeof ALS_PARAMS>;

export class ExplicitAls extends BiasedFactorModel<Params> {
  readonly name = "als";

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const { iterations, initStd, biases } = this.params;
    const k = this.params.factors | 0;
    this.initState(data, k);
    if (!biases) this.mu = 0;
    fillNormal(this.itemFactors, createRng(context.seed), initStd);
    const x = data.interactions;
    const xt = x.transpose();
    const solver = new AlsSolver(k, biases);
    return runAlternating(this.name, context, started, iterations, "train RMSE", {
      solve: () => {
        solver.half(x, this.itemFactors, this.itemBias, this.userFactors, this.userBias, this.mu, this.penalties());
        solver.half(xt, this.userFactors, this.userBias, this.itemFactors, this.itemBias, this.mu, this.penalties());
      },
      loss: () => trainRmse(x, this),
    });
  }

  private penalties(): Penalties {
    return { reg: this.params.reg, regBias: this.params.regBias, weighted: this.params.weighted };
  }

  protected override foldInRegularisation(count: number): { factors: number; bias: number } {
    const scale = this.params.weighted ? count : 1;
    return { factors: this.params.reg * scale, bias: this.params.regBias * scale };
  }

  protected override usesBiases(): boolean {
    return this.params.biases;
  }

  /** Prediction without clipping (for the training loss). */
  raw(user: number, item: number): number {
    let value = this.mu + this.userBias[user] + this.itemBias[item];
    const pu = user * this.k;
    const qi = item * this.k;
    for (let d = 0; d < this.k; d++) value += this.userFactors[pu + d] * this.itemFactors[qi + d];
    return value;
  }
}

interface Penalties {
  reg: number;
  regBias: number;
  weighted: boolean;
}

/** Per-row exact solves with one reused (k+1)² system; no allocation per row. */
class AlsSolver {
  private readonly n: number;
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  private readonly column: Float64Array;

  constructor(
    private readonly k: number,
    private readonly biases: boolean,
  ) {
    this.n = (biases ? k + 1 : k) | 0;
    this.gram = new Float64Array(this.n * this.n);
    this.rhs = new Float64Array(this.n);
    this.column = new Float64Array(k);
  }

  /**
   * Solves every row of `rows` (a CSR over the side being updated) for its factors and bias,
   * with the other side's factors/biases fixed.
   */
  half(rows: Interactions, fixedFactors: Float64Array, fixedBias: Float64Array, outFactors: Float64Array, outBias: Float64Array, mu: number, penalties: Penalties): void {
    const { k, n, gram: g, rhs: b, biases } = this;
    const { indptr, indices, values } = rows;
    for (let r = 0; r < rows.nUsers; r++) {
      const start = indptr[r];
      const end = indptr[r + 1];
      const count = end - start;
      const out = r * k;
      if (count === 0) {
        outFactors.fill(0, out, out + k);
        outBias[r] = 0;
        continue;
      }
      g.fill(0);
      b.fill(0);
      accumulateGramUpper(g, n, k, fixedFactors, k, indices, start, end);
      const column = this.column;
      column.fill(0);
      let tSum = 0;
      for (let p = start; p < end; p++) {
        const other = indices[p];
        const o = other * k;
        const t = values[p] - mu - fixedBias[other];
        tSum += t;
        for (let d = 0; d < k; d++) {
          const f = fixedFactors[o + d];
          b[d] += t * f;
          column[d] += f;
        }
      }
      if (biases) {
        // The bias row/column of [x; 1][x; 1]ᵀ: Σ x (last column of the upper triangle) and the rhs Σ t.
        b[k] = tSum;
        for (let d = 0; d < k; d++) g[d * n + k] = column[d];
      }
      const scale = penalties.weighted ? count : 1;
      for (let d = 0; d < k; d++) g[d * n + d] += penalties.reg * scale;
      if (biases) g[k * n + k] = count + penalties.regBias * scale;
      if (!choleskyUpper(g, n)) {
        // Only possible with λ = 0 and fewer ratings than factors: keep the row at zero.
        outFactors.fill(0, out, out + k);
        outBias[r] = 0;
        continue;
      }
      choleskySolveUpper(g, n, b);
      for (let d = 0; d < k; d++) outFactors[out + d] = b[d];
      outBias[r] = biases ? b[k] : 0;
    }
  }
}

function trainRmse(x: Interactions, model: ExplicitAls): number {
  let sse = 0;
  for (let u = 0; u < x.nUsers; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const e = x.values[p] - model.raw(u, x.indices[p]);
      sse += e * e;
    }
  }
  return Math.sqrt(sse / x.nnz);
}

export const als = defineModel({
  name: "als",
  family: "factorization",
  description: "Explicit ALS over known ratings (exact Cholesky solves per user and item), with biases and ALS-WR weighted-λ",
  paper: "Y. Zhou, D. Wilkinson, R. Schreiber, R. Pan. Large-Scale Parallel Collaborative Filtering for the Netflix Prize. AAIM 2008",
  feedback: "explicit",
  capabilities: RATING_FACTOR_CAPABILITIES,
  params: ALS_PARAMS,
  fastParams: { factors: 8, iterations: 8, reg: 0.1 },
  // Float64 factors and biases; the k × k solves are per row, the item pass reads the cached transpose.
  memory: (shape, p) => [trainingMatrix(shape), biasedFactorMemory(shape, p.factors)],
  create: (p) => new ExplicitAls(p),
});
