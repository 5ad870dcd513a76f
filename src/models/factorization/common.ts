// Shared pieces of the factor models (mf, svdpp, als, ials, svd) and the bias baseline: the
// rating range and clipping, the normal initialisation, the regularised least-squares fold-in of
// a new user against fixed item factors, and BiasedFactorModel, the state and scoring of the
// biased explicit models (μ + b_u + b_i + p_u·q_i) that mf, svdpp and als train differently.
import { ValidationError } from "../../errors";
import type { Interactions } from "../../data/interactions";
import { accumulateGramUpper, choleskySolveUpper, choleskyUpper, type FloatArray } from "../../math/linalg";
import { createRng, fillNormal, type Rng } from "../../math/random";
import { capabilities } from "../definition";
import { EmbeddingRecommender, FLOAT64, type ScoreTerms } from "../embedding";
import { FLOAT64_BYTES, INT32_BYTES, factorTables, type DataShape, type MemoryTerm } from "../memory";
import { runTraining, type TrainingResult } from "../training";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";

/** The factors and biases of a biased factor model (BiasedFactorModel.initState): k + 1 float64 per user and item. */
export function biasedFactorMemory(shape: DataShape, k: number): MemoryTerm {
  return factorTables(`user and item factors and biases (k = ${k}, float64)`, shape, k + 1, FLOAT64_BYTES);
}

/** The SGD models' shuffled order of the ratings and each rating's user (or a second order): two int32 per interaction. */
export function sgdOrderMemory(shape: DataShape): MemoryTerm {
  return { what: "SGD order of the ratings (int32)", bytes: 2 * INT32_BYTES * shape.interactions };
}

/** Rating models with factors: predict ratings, rank, find similar items, fold in new users. */
export const RATING_FACTOR_CAPABILITIES = capabilities("personalized", "ratingPrediction", "similarItems", "foldIn");

export interface RatingRange {
  min: number;
  max: number;
}

/** The centre (global mean μ) and clip range (observed min and max) of a rating model's predictions. */
export interface RatingScale {
  mu: number;
  range: RatingRange;
}

/** μ and the observed rating range of the training data (refused when it is empty). */
export function ratingScale(interactions: Interactions, model: string): RatingScale {
  requireInteractions(interactions, model);
  const values = interactions.values;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let sum = 0;
  for (let k = 0; k < values.length; k++) {
    if (values[k] < min) min = values[k];
    if (values[k] > max) max = values[k];
    sum += values[k];
  }
  return { mu: sum / values.length, range: { min, max } };
}

export function clip(value: number, range: RatingRange): number {
  return value < range.min ? range.min : value > range.max ? range.max : value;
}

/** Refuses an empty training matrix with a typed error. */
export function requireInteractions(interactions: Interactions, model: string): void {
  if (interactions.nnz === 0) throw new ValidationError(`${model}.data`, 0, "at least one interaction to train on");
}

/** Progress message of the SGD models (mf, svdpp): the RMSE is accumulated while the epoch updates. */
const SGD_LOSS = "train RMSE (before the epoch's updates)";

/**
 * The loop of the SGD models (mf, svdpp): `epoch(lr)` runs one pass at learning rate η and returns
 * its sum of squared errors over `ratings` ratings (the loss is their RMSE); η is multiplied by
 * lrDecay after every epoch.
 */
export function runSgd(
  model: string,
  context: FitContext,
  started: number,
  schedule: { epochs: number; lr: number; lrDecay: number },
  ratings: number,
  epoch: (lr: number) => number,
): Promise<TrainingResult> {
  let lr = schedule.lr;
  return runTraining({
    model,
    context,
    epochs: schedule.epochs,
    lr: schedule.lr,
    started,
    trainEpoch: () => {
      const sse = epoch(lr);
      lr *= schedule.lrDecay;
      return Math.sqrt(sse / ratings);
    },
    describeEpoch: () => SGD_LOSS,
  });
}

/** Fit report of the SGD models: seconds from the fit's start and their mean per epoch. */
export function sgdReport(started: number, loop: TrainingResult): FitReport {
  const seconds = (performance.now() - started) / 1000;
  return { epochs: loop.epochs, seconds, lossCurve: loop.lossCurve, notes: { secondsPerEpoch: seconds / Math.max(1, loop.epochs) } };
}

/** The epochs and learning-rate schedule of the SGD models (mf, svdpp). */
export const SGD_SCHEDULE_PARAMS = {
  epochs: { type: "int", default: 100, min: 1, max: 1000, description: "Passes over the training ratings" },
  lr: { type: "float", default: 0.005, min: 1e-6, max: 1, description: "Initial SGD learning rate η" },
  lrDecay: { type: "float", default: 0.98, min: 0.5, max: 1, description: "η is multiplied by this after every epoch" },
} as const;

/** One iteration of an alternating model: its solves (timed: notes.msPerIteration) and the training loss after them. */
export interface AlternatingStep {
  solve(): void;
  loss(): number;
}

/**
 * The loop of the closed-form alternating models (als, ials, bias): no learning rate and no validation.
 * `started` is performance.now() at the fit's start; `lossName` the progress message (what the loss is).
 */
export async function runAlternating(model: string, context: FitContext, started: number, iterations: number, lossName: string, step: AlternatingStep): Promise<FitReport> {
  const iterationMs: number[] = [];
  const loop = await runTraining({
    model,
    context,
    epochs: iterations,
    started,
    trainEpoch: () => {
      const t0 = performance.now();
      step.solve();
      iterationMs.push(performance.now() - t0);
      return step.loss();
    },
    describeEpoch: () => lossName,
  });
  const meanMs = iterationMs.reduce((a, b) => a + b, 0) / Math.max(1, iterationMs.length);
  return { epochs: loop.epochs, seconds: (performance.now() - started) / 1000, lossCurve: loop.lossCurve, notes: { msPerIteration: Math.round(meanMs * 10) / 10 } };
}

/**
 * Solves for a new user's factors (and bias) against fixed item factors:
 *   min Σ_(i∈profile) (r_i − offset − b_i − b_u − p·q_i)² + regFactors·‖p‖² + regBias·b_u²
 * (the per-user part of the biased MF / ALS objective). With `withBias` false, b_u is 0.
 * Scratch buffers are reused across calls; items outside the trained catalogue are skipped.
 */
export class ExplicitFoldIn {
  private readonly gram: Float64Array;
  private readonly rhs: Float64Array;
  private rows: Int32Array;
  private readonly userFactors: Float64Array;

  constructor(
    readonly k: number,
    private readonly withBias: boolean,
  ) {
    const n = k + 1;
    this.gram = new Float64Array(n * n);
    this.rhs = new Float64Array(n);
    this.rows = new Int32Array(0);
    this.userFactors = new Float64Array(k);
  }

  /**
   * Returns the user's factors (a reused buffer of length k) and bias. `regFactors` and
   * `regBias` are totals (already scaled by the profile length where the model does so).
   */
  solve(
    profile: UserProfile,
    itemFactors: FloatArray,
    stride: number,
    nItems: number,
    itemBias: FloatArray | undefined,
    offset: number,
    regFactors: number,
    regBias: number,
  ): { factors: Float64Array; bias: number; count: number } {
    const k = this.k;
    const n = this.withBias ? k + 1 : k;
    const g = this.gram;
    const b = this.rhs;
    g.fill(0);
    b.fill(0);
    if (this.rows.length < profile.items.length) this.rows = new Int32Array(profile.items.length);
    const rows = this.rows;
    let count = 0;
    for (let p = 0; p < profile.items.length; p++) {
      const item = profile.items[p];
      if (item < 0 || item >= nItems) continue;
      rows[count++] = item;
      const target = profile.values[p] - offset - (itemBias ? itemBias[item] : 0);
      const o = item * stride;
      for (let d = 0; d < k; d++) b[d] += target * itemFactors[o + d];
      if (this.withBias) {
        b[k] += target;
        for (let d = 0; d < k; d++) g[d * n + k] += itemFactors[o + d];
      }
    }
    this.userFactors.fill(0);
    if (count === 0) return { factors: this.userFactors, bias: 0, count };
    accumulateGramUpper(g, n, k, itemFactors, stride, rows, 0, count);
    for (let d = 0; d < k; d++) g[d * n + d] += regFactors;
    if (this.withBias) g[k * n + k] = count + regBias;
    if (!choleskyUpper(g, n)) return { factors: this.userFactors, bias: 0, count: 0 };
    choleskySolveUpper(g, n, b);
    for (let d = 0; d < k; d++) this.userFactors[d] = b[d];
    return { factors: this.userFactors, bias: this.withBias ? b[k] : 0, count };
  }
}

/** A float64 array of a saved state (training and scoring run in float64, saved as is). */
export function stateArray(arrays: Record<string, FloatArray | Int32Array | Uint8Array>, name: string): Float64Array {
  const values = arrays[name];
  if (!values) throw new Error(`model state lacks the array ${name}`);
  return FLOAT64.from(values);
}

/** The penalties every biased factor model has: λ on factors, λ_b on biases. */
export interface BiasedParams {
  reg: number;
  regBias: number;
}

/**
 * State and scoring of the biased explicit factor models (mf, svdpp, als): μ, b_u, b_i, P, Q in
 * float64; scores are predicted ratings (unclipped for ranking, clipped in predict).
 */
export abstract class BiasedFactorModel<P extends BiasedParams> extends EmbeddingRecommender<P> {
  readonly capabilities = RATING_FACTOR_CAPABILITIES;
  protected mu = 0;
  protected userBias: Float64Array = new Float64Array(0);
  protected itemBias: Float64Array = new Float64Array(0);
  protected range: RatingRange = { min: 0, max: 0 };
  private foldIn: ExplicitFoldIn | undefined;

  /** λ·n (factors) and λ_b·n (bias) of a fold-in with n rated items (the per-user sum of a per-rating penalty). */
  protected foldInRegularisation(count: number): { factors: number; bias: number } {
    return { factors: this.params.reg * count, bias: this.params.regBias * count };
  }

  /** False when the model has no biases (μ = b_u = b_i = 0): fold-in then solves factors only. */
  protected usesBiases(): boolean {
    return true;
  }

  /** μ and the rating range of the data (refused when empty), zero biases and zero factors of width k. */
  protected initState(data: TrainingData, k: number): void {
    const x = data.interactions;
    ({ mu: this.mu, range: this.range } = ratingScale(x, this.name));
    this.userBias = new Float64Array(x.nUsers);
    this.itemBias = new Float64Array(x.nItems);
    this.setFactors(x.nUsers, x.nItems, k, new Float64Array(x.nUsers * k), new Float64Array(x.nItems * k));
  }

  /** initState, then P and Q (in that order) drawn from N(0, std²) by the seeded stream it returns for the rest of the fit. */
  protected initRandom(data: TrainingData, k: number, seed: number, std: number): Rng {
    this.initState(data, k);
    const rng = createRng(seed);
    fillNormal(this.userFactors, rng, std);
    fillNormal(this.itemFactors, rng, std);
    return rng;
  }

  protected override factorsChanged(): void {
    super.factorsChanged();
    this.foldIn = undefined;
  }

  protected override scoreTerms(): ScoreTerms {
    return { offset: this.mu, userBias: this.userBias, itemBias: this.itemBias };
  }

  /**
   * Zeroes the factors of users and items without training data (they keep their random
   * initialisation under SGD), so they score and predict from the biases alone.
   */
  protected zeroUntrained(x: Interactions, extra: Float64Array[] = []): void {
    const k = this.k;
    for (let u = 0; u < x.nUsers; u++) if (x.indptr[u + 1] === x.indptr[u]) this.userFactors.fill(0, u * k, (u + 1) * k);
    const degrees = x.itemDegrees();
    for (let i = 0; i < x.nItems; i++) {
      if (degrees[i] > 0) continue;
      this.itemFactors.fill(0, i * k, (i + 1) * k);
      for (const matrix of extra) matrix.fill(0, i * k, (i + 1) * k);
    }
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const { factors, bias } = this.foldInProfile(profile);
    this.scoreVectorAgainstItems(factors, this.mu + bias, out);
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

  override saveState(): ModelState {
    const factors = super.saveState();
    return {
      json: { ...factors.json, mu: this.mu, range: this.range },
      arrays: { userBias: this.userBias, itemBias: this.itemBias, ...factors.arrays },
    };
  }

  override loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    super.loadState(state, shape);
    this.mu = state.json.mu as number;
    this.range = state.json.range as RatingRange;
    this.userBias = this.loadArray(state, "userBias", shape.nUsers);
    this.itemBias = this.loadArray(state, "itemBias", shape.nItems);
  }
}
