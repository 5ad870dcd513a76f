// The one contract every model implements. Models see dense indices and typed arrays only:
// no Prisma, no GraphQL, no external ids (those are mapped at the service/API edge).
import type { ItemContent } from "../data/dataset";
import type { Interactions } from "../data/interactions";
import type { TopKOptions } from "../math/topk";

export type ModelFamily = "baseline" | "factorization" | "neighborhood" | "content" | "neural" | "graph" | "sequential";

/** What a model can do, declared up front (callers check these, never catch "unsupported"). */
export interface Capabilities {
  /** Rankings differ between users (false for popularity-style baselines). */
  personalized: boolean;
  /** `predict(user, item)` returns a value on the rating scale (RMSE/MAE protocols). */
  ratingPrediction: boolean;
  /** `similarItems(item, k)` is meaningful. */
  similarItems: boolean;
  /** `scoreProfile` scores a history the model was not trained on (new/anonymous users, fresh ratings). */
  foldIn: boolean;
  /** The order of a user's history matters (next-item prediction). */
  sequential: boolean;
  /** Can score items that have no interactions (from their content). */
  coldStartItems: boolean;
  /** Needs item content (title, genres, tags, year) to train. */
  usesContent: boolean;
}

export interface TrainingData {
  /** The training matrix: ratings for explicit data, weights (usually 1) for implicit. */
  interactions: Interactions;
  /** True when values are not ratings. */
  implicit: boolean;
  /** Content per item index (length nItems). */
  content?: ItemContent[];
}

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  /** Training loss of the epoch, when the model has one. */
  loss?: number;
  /** Validation metrics (e.g. { "recall@20": 0.17 }). */
  validation?: Record<string, number>;
  /** Seconds since fit started. */
  elapsed: number;
  message?: string;
}

export interface FitContext {
  seed: number;
  onProgress?: (progress: TrainingProgress) => void;
  /** Aborts long fits (a cancelled job). Models check it between epochs. */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface FitReport {
  /** Epochs (or iterations) actually run. */
  epochs: number;
  seconds: number;
  /** Loss per epoch, when the model has one. */
  lossCurve?: number[];
  /** Validation metric per epoch, when early stopping used one. */
  validationCurve?: { epoch: number; seconds: number; metrics: Record<string, number> }[];
  /** Anything else worth keeping with the run (backend, best epoch, ...). */
  notes?: Record<string, unknown>;
}

/** A user history given at scoring time (fold-in). Items in time order for sequential models. */
export interface UserProfile {
  items: Int32Array;
  values: Float32Array;
}

/** What a ranking leaves out or keeps (already rated items, a candidate set, a filter): the top-K selection's own options. */
export type RecommendOptions = TopKOptions;

export interface Ranked {
  items: Int32Array;
  scores: Float32Array;
}

/** Typed arrays a model keeps, serialised into its artifact. */
export type ArrayState = Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>;

/** A model's learned state: small JSON values and the typed arrays. */
export interface ModelState {
  json: Record<string, unknown>;
  arrays: ArrayState;
}

export interface Recommender {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Validated hyper-parameters. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Catalogue size the model scores (set by fit/load). */
  readonly nUsers: number;
  readonly nItems: number;

  fit(data: TrainingData, context: FitContext): Promise<FitReport>;

  /** Scores of a training user for every item (length nItems); higher is better. */
  scoreUser(user: number, out: Float32Array): void;
  /** Batch scoring, row-major users.length × nItems; equals scoreUser row by row. */
  scoreUsers(users: Int32Array, out: Float32Array): void;
  /** Scores for a history the model did not train on (capabilities.foldIn). */
  scoreProfile(profile: UserProfile, out: Float32Array): void;

  /** Best k items for a training user. */
  recommend(user: number, k: number, options?: RecommendOptions): Ranked;
  /** Best k items for a history (fold-in). */
  recommendForProfile(profile: UserProfile, k: number, options?: RecommendOptions): Ranked;
  /** Items most similar to `item` (capabilities.similarItems), excluding itself. */
  similarItems(item: number, k: number, options?: RecommendOptions): Ranked;
  /** Predicted rating (capabilities.ratingPrediction). */
  predict(user: number, item: number): number;
  /** Similarity of every item to `item` into out (capabilities.similarItems). */
  itemSimilarities(item: number, out: Float32Array): void;
  /**
   * Optional, for models whose similarity is per pair (embeddings): the similarity of `item`
   * to the listed items only, out[j] for candidates[j], the same values itemSimilarities gives.
   * Diversity re-ranking compares each pick with a pool of a few hundred items, not the catalogue.
   */
  itemSimilaritiesAmong?(item: number, candidates: ArrayLike<number>, out: Float32Array): void;
  /**
   * Optional, for models whose score is exactly a sum over the history's items (the graph
   * filters: linear in the user's row): out[p] = the part of `item`'s score that history item p
   * carries; the parts sum to scoreProfile(profile)[item]. Explanations read it.
   */
  scoreContributions?(profile: UserProfile, item: number, out: Float32Array): void;
  /**
   * Optional, for models that score items from content alone (capabilities.coldStartItems):
   * adds items created after training; their indices continue from nItems.
   */
  extendItems?(content: ItemContent[]): void;

  /** Learned state for the artifact. */
  saveState(): ModelState;
  /** Restores learned state saved by saveState (same params). */
  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void;
  /** Frees tensors and large buffers. Safe to call twice. */
  dispose(): void;
}
