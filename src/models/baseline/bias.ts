// Baseline predictors: Y. Koren, "Factorization Meets the Neighborhood: a Multifaceted
// Collaborative Filtering Model", KDD 2008, §2.1.
//   r̂_ui = μ + b_u + b_i,   min Σ_(u,i)∈K (r_ui − μ − b_u − b_i)² + λ_u Σ b_u² + λ_i Σ b_i²
// Fitted by alternating exact minimisation (each step is closed form):
//   b_i = Σ_(u∈R(i)) (r_ui − μ − b_u) / (λ_i + |R(i)|),   b_u = Σ_(i∈R(u)) (r_ui − μ − b_i) / (λ_u + |R(u)|).
// Rankings are the same for every user (ordered by b_i), so it is not personalised; its use
// is rating prediction and as the floor every rating model must beat.
import { capabilities, defineModel } from "../definition";
import { BaseRecommender } from "../base";
import { FLOAT64_BYTES, factorTables, trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { clip, ratingScale, runAlternating, stateArray, type RatingRange } from "../factorization/common";

const params = {
  regUser: { type: "float", default: 5, min: 0, max: 1000, description: "λ_u: shrinkage of user biases (pseudo-count of ratings at the mean)" },
  regItem: { type: "float", default: 5, min: 0, max: 1000, description: "λ_i: shrinkage of item biases" },
  iterations: { type: "int", default: 10, min: 1, max: 100, description: "Alternating passes (item biases, then user biases)" },
} as const;

type Params = ParamsOf<typeof params>;

/** Not personalised: every user's ranking is the item biases'. */
const BIAS_CAPABILITIES = capabilities("ratingPrediction", "foldIn");

export class BiasBaseline extends BaseRecommender<Params> {
  readonly name = "bias";
  readonly capabilities = BIAS_CAPABILITIES;
  private mu = 0;
  private userBias: Float64Array = new Float64Array(0);
  private itemBias: Float64Array = new Float64Array(0);
  private range: RatingRange = { min: 0, max: 0 };

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    ({ mu: this.mu, range: this.range } = ratingScale(x, this.name));
    this.nUsers = x.nUsers;
    this.nItems = x.nItems;
    this.userBias = new Float64Array(x.nUsers);
    this.itemBias = new Float64Array(x.nItems);
    const xt = x.transpose();
    const { regUser, regItem, iterations } = this.params;
    return runAlternating(this.name, context, started, iterations, "train RMSE", {
      solve: () => {
        fitBiases(xt, this.itemBias, this.userBias, this.mu, regItem);
        fitBiases(x, this.userBias, this.itemBias, this.mu, regUser);
      },
      loss: () => trainRmse(x, this.mu, this.userBias, this.itemBias),
    });
  }

  scoreUser(user: number, out: Float32Array): void {
    const base = this.mu + this.userBias[user];
    for (let i = 0; i < this.nItems; i++) out[i] = base + this.itemBias[i];
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const base = this.mu + this.profileBias(profile);
    for (let i = 0; i < this.nItems; i++) out[i] = base + this.itemBias[i];
  }

  override predict(user: number, item: number): number {
    const bu = user >= 0 && user < this.nUsers ? this.userBias[user] : 0;
    const bi = item >= 0 && item < this.nItems ? this.itemBias[item] : 0;
    return clip(this.mu + bu + bi, this.range);
  }

  /** The closed-form user bias of a new history (item biases fixed). */
  profileBias(profile: UserProfile): number {
    let sum = 0;
    let n = 0;
    for (let p = 0; p < profile.items.length; p++) {
      const item = profile.items[p];
      if (item < 0 || item >= this.nItems) continue;
      sum += profile.values[p] - this.mu - this.itemBias[item];
      n++;
    }
    return n ? sum / (this.params.regUser + n) : 0;
  }

  saveState(): ModelState {
    return { json: { mu: this.mu, range: this.range }, arrays: { userBias: this.userBias, itemBias: this.itemBias } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.mu = state.json.mu as number;
    this.range = state.json.range as RatingRange;
    this.userBias = stateArray(state.arrays, "userBias");
    this.itemBias = stateArray(state.arrays, "itemBias");
  }
}

/** target[row] = Σ_(col in row) (v − μ − other[col]) / (reg + |row|), for every row of the CSR. */
function fitBiases(rows: TrainingData["interactions"], target: Float64Array, other: Float64Array, mu: number, reg: number): void {
  const { indptr, indices, values } = rows;
  for (let r = 0; r < rows.nUsers; r++) {
    let sum = 0;
    for (let p = indptr[r]; p < indptr[r + 1]; p++) sum += values[p] - mu - other[indices[p]];
    const n = indptr[r + 1] - indptr[r];
    target[r] = n + reg > 0 ? sum / (n + reg) : 0;
  }
}

function trainRmse(x: TrainingData["interactions"], mu: number, bu: Float64Array, bi: Float64Array): number {
  let sse = 0;
  for (let u = 0; u < x.nUsers; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const e = x.values[p] - mu - bu[u] - bi[x.indices[p]];
      sse += e * e;
    }
  }
  return Math.sqrt(sse / Math.max(1, x.nnz));
}

export const bias = defineModel({
  name: "bias",
  family: "baseline",
  description: "Baseline predictors μ + b_u + b_i with shrinkage (rating prediction floor; non-personalised ranking)",
  paper: "Y. Koren. Factorization Meets the Neighborhood: a Multifaceted Collaborative Filtering Model. KDD 2008",
  feedback: "explicit",
  capabilities: BIAS_CAPABILITIES,
  params,
  fastParams: { iterations: 5 },
  // One float64 bias per user and item; the item pass reads the matrix's cached transpose.
  memory: (shape) => [trainingMatrix(shape), factorTables("user and item biases (float64)", shape, 1, FLOAT64_BYTES)],
  create: (p) => new BiasBaseline(p),
});
