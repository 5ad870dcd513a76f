// Shared behaviour on top of the scoring primitives: ranking with exclusions, batch
// scoring, similar items from item vectors, and errors for undeclared capabilities.
import { topK } from "../math/topk";
import { AppError } from "../errors";
import type { Capabilities, FitContext, FitReport, ModelState, Ranked, RecommendOptions, Recommender, TrainingData, UserProfile } from "./types";

export abstract class BaseRecommender<P extends object> implements Recommender {
  abstract readonly name: string;
  abstract readonly capabilities: Capabilities;
  nUsers = 0;
  nItems = 0;
  private scratch: Float32Array | undefined;

  constructor(readonly params: Readonly<P>) {}

  abstract fit(data: TrainingData, context: FitContext): Promise<FitReport>;
  abstract scoreUser(user: number, out: Float32Array): void;
  abstract saveState(): ModelState;
  abstract loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void;

  scoreUsers(users: Int32Array, out: Float32Array): void {
    const n = this.nItems;
    for (let r = 0; r < users.length; r++) this.scoreUser(users[r], out.subarray(r * n, (r + 1) * n));
  }

  scoreProfile(_profile: UserProfile, _out: Float32Array): void {
    throw this.unsupported("fold-in of new histories");
  }

  predict(_user: number, _item: number): number {
    throw this.unsupported("rating prediction");
  }

  /** Similarity of every item to `item` into out (override when similarItems is declared). */
  itemSimilarities(_item: number, _out: Float32Array): void {
    throw this.unsupported("similar items");
  }

  recommend(user: number, k: number, options: RecommendOptions = {}): Ranked {
    this.checkUser(user);
    const scores = this.scratchScores();
    this.scoreUser(user, scores);
    return rank(scores, k, options);
  }

  recommendForProfile(profile: UserProfile, k: number, options: RecommendOptions = {}): Ranked {
    const scores = this.scratchScores();
    this.scoreProfile(profile, scores);
    return rank(scores, k, options);
  }

  similarItems(item: number, k: number, options: RecommendOptions = {}): Ranked {
    if (!this.capabilities.similarItems) throw this.unsupported("similar items");
    if (item < 0 || item >= this.nItems) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    const scores = this.scratchScores();
    this.itemSimilarities(item, scores);
    const exclude = new Set<number>(options.exclude ? iterate(options.exclude) : []);
    exclude.add(item);
    return rank(scores, k, { ...options, exclude });
  }

  dispose(): void {
    this.scratch = undefined;
  }

  protected checkUser(user: number): void {
    if (!Number.isInteger(user) || user < 0 || user >= this.nUsers) {
      throw new RangeError(`user ${user} is outside 0..${this.nUsers - 1}`);
    }
  }

  /** One reusable score buffer per model, so serving does not allocate per request. */
  protected scratchScores(): Float32Array {
    if (!this.scratch || this.scratch.length !== this.nItems) this.scratch = new Float32Array(this.nItems);
    return this.scratch;
  }

  protected unsupported(what: string): AppError {
    return new AppError("BAD_USER_INPUT", `model ${this.name} does not support ${what}`, { model: this.name });
  }
}

function rank(scores: Float32Array, k: number, options: RecommendOptions): Ranked {
  const result = topK(scores, k, options);
  return { items: result.indices, scores: result.scores };
}

function* iterate(values: ArrayLike<number> | ReadonlySet<number>): Iterable<number> {
  if (typeof (values as ReadonlySet<number>).has === "function") yield* values as ReadonlySet<number>;
  else for (let i = 0; i < (values as ArrayLike<number>).length; i++) yield (values as ArrayLike<number>)[i];
}

/** Cosine similarity of row `item` against every row of a row-major matrix (dim columns). */
export function cosineToAll(vectors: Float32Array, dim: number, item: number, out: Float32Array, norms?: Float32Array): void {
  const n = out.length;
  const base = item * dim;
  let selfNorm = 0;
  for (let d = 0; d < dim; d++) selfNorm += vectors[base + d] * vectors[base + d];
  selfNorm = Math.sqrt(selfNorm);
  for (let j = 0; j < n; j++) {
    const other = j * dim;
    let dot = 0;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      dot += vectors[base + d] * vectors[other + d];
      if (!norms) norm += vectors[other + d] * vectors[other + d];
    }
    const denominator = selfNorm * (norms ? norms[j] : Math.sqrt(norm));
    out[j] = denominator > 0 ? dot / denominator : 0;
  }
}
