// Serving: the live catalogue and the active trained models, with the recommendation
// policy on top: exclusions and filters, fold-in of fresh histories, the cold-start
// fallback, diversity re-ranking, similar items and next items.
import type { Db } from "../db/client";
import { activeRuns, readArtifact, type ModelRun } from "../db/modelRuns";
import { readSnapshot } from "../db/snapshot";
import { datasetFromSnapshot } from "../data/fromSnapshot";
import type { ItemContent } from "../data/dataset";
import { AppError, ModelNotReadyError, NotFoundError, ValidationError } from "../errors";
import type { ArtifactMeta } from "../models/artifact";
import { deserializeModel, getDefinition, MODEL_DEFINITIONS } from "../models/registry";
import type { Ranked, Recommender, UserProfile } from "../models/types";
import { LiveCatalog, type CatalogView } from "./liveCatalog";
import { EmbeddingRecommender } from "../models/embedding";
import { rerankByDiversity } from "./diversity";
import { idsHash } from "./training";

export interface ServedModel {
  name: string;
  model: Recommender;
  run: ModelRun;
  meta: ArtifactMeta;
}

/** Where a list of recommendations came from. */
export type RecommendationSource = "MODEL" | "FOLD_IN" | "POPULARITY_FALLBACK";

export interface ScoredItem {
  /** Catalogue index of the item. */
  index: number;
  score: number;
}

export interface RecommendationResult {
  items: ScoredItem[];
  model: string;
  source: RecommendationSource;
  runId: number | undefined;
}

export interface CandidateFilter {
  genres?: string[];
  yearFrom?: number;
  yearTo?: number;
  excludeItems?: number[];
}

export interface ListRequest {
  model?: string;
  /** How many to return after `offset`. */
  k: number;
  offset?: number;
  filter?: CandidateFilter;
  /** 0–1, maximal marginal relevance weight. */
  diversity?: number;
}

export interface RecommendRequest extends ListRequest {
  userId: string;
  excludeRated?: boolean;
}

export interface ProfileRequest extends ListRequest {
  ratings: { itemId: string; value: number }[];
}

/** The popularity model backs the cold-start fallback. */
export const FALLBACK_MODEL = "popularity";

/** A model's ranking call for `k` items, with exclusions and the candidate test applied. */
type RankCall = (k: number, options: { exclude: number[]; accept?: (item: number) => boolean }) => Ranked;

/** What a serving strategy decides on: the requested model, the user's catalogue index and current history. */
interface ServingCase {
  request: RecommendRequest;
  served: ServedModel;
  user: number;
  history: UserProfile;
}

/** One way to answer `recommend`: the first strategy of the chain that applies answers. */
interface ServingStrategy {
  name: string;
  /** Reported with the answer. */
  source: RecommendationSource;
  applies(serving: ServingCase): boolean;
  /** The model that answers (the requested one, or the fallback) and its ranking call. */
  run(serving: ServingCase): { served: ServedModel; rank: RankCall };
}

export class RecommenderService {
  private live: LiveCatalog | undefined;
  private readonly served = new Map<string, ServedModel>();

  constructor(
    private readonly db: Db,
    readonly defaultModel: string,
    private readonly log: (message: string) => void = () => undefined,
    /** Serve embedding models of catalogues with at least this many items through an approximate index (default: never). */
    private readonly annMinItems = Number.POSITIVE_INFINITY,
  ) {}

  /** The served catalogue, to read (replaced as a whole on reload; changed only through CatalogWriter). */
  get catalog(): CatalogView {
    return this.writableCatalog();
  }

  /**
   * The served catalogue with its mutators: for the catalogue service (CatalogWriter) alone,
   * which fans every change out to the models and the other processes.
   */
  catalogForWrites(): LiveCatalog {
    return this.writableCatalog();
  }

  private writableCatalog(): LiveCatalog {
    if (!this.live) throw new Error("the recommender has no catalogue yet: call init() first");
    return this.live;
  }

  async init(): Promise<void> {
    await this.refreshCatalog();
    for (const run of await activeRuns(this.db)) {
      try {
        this.install(run, await readArtifact(this.db, run.id));
      } catch (error) {
        this.log(`model ${run.model} (run ${run.id}) could not be loaded: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Re-reads the database (after an import, or when another process changed it). Trained
   * models stay valid: the database's ids only grow, so the items they were trained on keep
   * their indices. Items added since (through the API, here or in other processes) are
   * appended in the order this process learnt of them, which may differ from the database's;
   * a model extended with those (content models) has rows in the old order and is loaded
   * again from its artifact, its artifact read before the swap so that no request sees the
   * new catalogue with the old rows.
   */
  async refreshCatalog(): Promise<void> {
    const previous = this.live;
    const next = new LiveCatalog(datasetFromSnapshot(await readSnapshot(this.db)));
    const same = previous ? commonPrefix(previous.itemDbIdArray(), next.itemDbIdArray()) : Infinity;
    const moved = this.servedModels().filter((served) => served.model.nItems > same);
    const artifacts = await Promise.all(moved.map((served) => readArtifact(this.db, served.run.id)));
    this.live = next;
    moved.forEach((served, k) => {
      try {
        // install() extends the fresh model with the items it lacks, in the new order.
        if (this.served.get(served.name) === served) this.install(served.run, artifacts[k]);
      } catch (error) {
        this.log(`model ${served.name} (run ${served.run.id}) could not be reloaded for the new item order: ${(error as Error).message}`);
      }
    });
    for (const served of this.served.values()) this.extendWithNewItems(served.model);
  }

  /** Loads an artifact and swaps it in as the served version of its model (atomic for readers). */
  install(run: ModelRun, bytes: Uint8Array): ServedModel {
    const { model, meta } = deserializeModel(bytes);
    try {
      this.assertCompatible(meta);
      this.extendWithNewItems(model);
    } catch (error) {
      model.dispose();
      throw error;
    }
    if (model instanceof EmbeddingRecommender && model.nItems >= this.annMinItems) {
      const index = model.buildCandidateIndex();
      this.log(`${run.model}: approximate index over ${model.nItems} items built in ${index.buildSeconds.toFixed(1)} s`);
    }
    const served = { name: run.model, model, run, meta };
    const previous = this.served.get(run.model);
    this.served.set(run.model, served);
    if (previous) previous.model.dispose();
    this.log(`serving ${run.model} run ${run.id}`);
    return served;
  }

  /**
   * Serves `run` if it is the active version and not served yet (a worker in this process
   * stored it; the replica sync may have installed it first). `read` loads its artifact.
   */
  async serveIfActive(run: ModelRun, read: () => Promise<Uint8Array>): Promise<void> {
    if (run.active && this.served.get(run.model)?.run.id !== run.id) this.install(run, await read());
  }

  /** What is served: the catalogue's size and the models (for the health answer). */
  summary(): { users: number; items: number; ratings: number; defaultModel: string; servedModels: string[] } {
    const { catalog } = this;
    return { users: catalog.nUsers, items: catalog.nItems, ratings: catalog.nRatings, defaultModel: this.defaultModel, servedModels: this.servedModels().map((served) => served.name) };
  }

  servedModels(): ServedModel[] {
    return [...this.served.values()];
  }

  getServed(name: string): ServedModel | undefined {
    return this.served.get(name);
  }

  requireServed(name: string = this.defaultModel): ServedModel {
    getDefinition(name); // unknown names are BAD_USER_INPUT, not MODEL_NOT_READY
    const served = this.served.get(name);
    if (!served) throw new ModelNotReadyError(name, "no trained version is active; train it first (trainModel mutation or npm run train)");
    return served;
  }

  requireUserIndex(userId: string): number {
    const index = this.catalog.users.index(userId);
    if (index === undefined) throw new NotFoundError("user", userId);
    return index;
  }

  requireItemIndex(itemId: string): number {
    const index = this.catalog.items.index(itemId);
    if (index === undefined) throw new NotFoundError("item", itemId);
    return index;
  }

  /**
   * How `recommend` answers, tried in order. The model's own view of a user it was trained
   * on, unless the user's ratings changed since; then fold-in of the current history (models
   * that can); then the learned view, stale as it is (models that cannot); then, for users the model
   * never saw, the popularity model over their history.
   */
  private readonly servingChain: readonly ServingStrategy[] = [
    {
      name: "trained user",
      source: "MODEL",
      applies: ({ served, user }) => user < served.model.nUsers && !this.catalog.hasChanges(user),
      run: learnedView,
    },
    {
      name: "fold-in",
      source: "FOLD_IN",
      applies: ({ served, history }) => served.model.capabilities.foldIn && history.items.length > 0,
      run: ({ served, history }) => foldIn(served, history),
    },
    {
      name: "known user, learned view",
      source: "MODEL",
      applies: ({ served, user }) => user < served.model.nUsers,
      run: learnedView,
    },
    {
      name: "popularity fallback",
      source: "POPULARITY_FALLBACK",
      applies: () => true,
      run: ({ request, history }) => {
        const popular = this.served.get(FALLBACK_MODEL);
        if (!popular) throw new ModelNotReadyError(request.model ?? this.defaultModel, "the user is new to it and no popularity model is trained for the fallback");
        return foldIn(popular, history);
      },
    },
  ];

  recommend(request: RecommendRequest): RecommendationResult {
    const served = this.requireServed(request.model);
    const user = this.requireUserIndex(request.userId);
    const history = this.catalog.history(user);
    const exclude = request.excludeRated === false ? [] : Array.from(history.items);
    // A bad filter is refused before any strategy runs.
    const filter = this.compileFilter(request.filter);
    const serving: ServingCase = { request, served, user, history };
    for (const strategy of this.servingChain) {
      if (!strategy.applies(serving)) continue;
      const answer = strategy.run(serving);
      const select = this.selection(answer.served.model, request, exclude, filter);
      return this.finish(answer.served, strategy.source, select(answer.rank), request);
    }
    throw new Error("no serving strategy applied (the popularity fallback applies to every request)");
  }

  recommendForProfile(request: ProfileRequest): RecommendationResult {
    if (request.ratings.length === 0 || request.ratings.length > 500) {
      throw new ValidationError("ratings", `${request.ratings.length} entries`, "1–500 ratings");
    }
    const served = this.requireServed(request.model);
    const items: number[] = [];
    const values: number[] = [];
    request.ratings.forEach((rating, position) => {
      if (!Number.isFinite(rating.value)) throw new ValidationError(`ratings[${position}].value`, rating.value, "a finite number");
      items.push(this.requireItemIndex(rating.itemId));
      values.push(rating.value);
    });
    const history: UserProfile = { items: Int32Array.from(items), values: Float32Array.from(values) };
    const exclude = Array.from(history.items);
    const { model } = served;
    if (!model.capabilities.foldIn) {
      throw new AppError("BAD_USER_INPUT", `model ${served.name} cannot fold in a profile; use one of ${this.servedWith((m) => m.capabilities.foldIn).join(", ") || "(none served)"}`, {
        field: "model",
      });
    }
    const select = this.selection(model, request, exclude, this.compileFilter(request.filter));
    return this.finish(served, "FOLD_IN", select(foldIn(served, history).rank), request);
  }

  /** Items most similar to `itemId` from a model that declares similar items. */
  similarItems(itemId: string, modelName: string | undefined, k: number): { items: ScoredItem[]; model: string } {
    const item = this.requireItemIndex(itemId);
    const served = modelName ? this.requireServed(modelName) : this.defaultSimilarModel(item);
    if (!served.model.capabilities.similarItems) {
      throw new AppError("BAD_USER_INPUT", `model ${served.name} has no similar-items support; use one of ${this.servedWith((m) => m.capabilities.similarItems).join(", ") || "(none served)"}`, {
        field: "model",
      });
    }
    if (item >= served.model.nItems) {
      throw new ModelNotReadyError(served.name, `item ${itemId} is newer than the model; use a content model or retrain`);
    }
    const ranked = served.model.similarItems(item, k);
    return { items: toScored(ranked, 0), model: served.name };
  }

  /** Next items from a sequential model over the user's time-ordered history. */
  nextItems(userId: string, modelName: string, k: number): RecommendationResult {
    const served = this.requireServed(modelName);
    if (!served.model.capabilities.sequential) {
      throw new AppError("BAD_USER_INPUT", `model ${served.name} is not sequential; nextItems needs one of ${sequentialModels().join(", ")}`, { field: "model" });
    }
    return this.recommend({ userId, model: modelName, k, excludeRated: true });
  }

  /** The model's score for one pair (null when it cannot score it). */
  scorePair(user: number, item: number, modelName?: string): { score: number | null; model: string } {
    const served = this.requireServed(modelName);
    const { model } = served;
    if (item >= model.nItems) return { score: null, model: served.name };
    const scores = new Float32Array(model.nItems);
    if (user < model.nUsers && !this.catalog.hasChanges(user)) model.scoreUser(user, scores);
    else if (model.capabilities.foldIn) model.scoreProfile(restrict(this.catalog.history(user), model.nItems), scores);
    else return { score: null, model: served.name };
    return { score: scores[item], model: served.name };
  }

  /**
   * The part of `item`'s score that each item of the user's current history carries, for models
   * whose score is a sum over the history (Recommender.scoreContributions); null for the others.
   */
  scoreContributions(user: number, item: number, modelName?: string): { model: string; items: Int32Array; contributions: Float32Array } | null {
    const served = this.requireServed(modelName);
    const { model } = served;
    if (!model.scoreContributions || item >= model.nItems) return null;
    const history = restrict(this.catalog.history(user), model.nItems);
    const contributions = new Float32Array(history.items.length);
    model.scoreContributions(history, item, contributions);
    return { model: served.name, items: history.items, contributions };
  }

  /** Lets models that score items from content alone know about items added after training. */
  extendWithNewItems(model: Recommender): void {
    if (!model.extendItems || model.nItems >= this.catalog.nItems) return;
    const added: ItemContent[] = [];
    for (let i = model.nItems; i < this.catalog.nItems; i++) added.push(this.catalog.content[i]);
    model.extendItems(added);
  }

  onItemAdded(): void {
    for (const served of this.served.values()) this.extendWithNewItems(served.model);
  }

  /**
   * Builds the ranking call: candidates limited to the model's items and the filter,
   * exclusions applied, enough items fetched for the page (and for MMR re-ranking).
   */
  private selection(model: Recommender, request: ListRequest, exclude: number[], filter: (item: number) => boolean) {
    const offset = request.offset ?? 0;
    const want = offset + request.k;
    const excluded = [...exclude, ...(request.filter?.excludeItems ?? [])];
    // No predicate without a filter: one call per catalogue item was 15 % of a request's CPU
    // (1M ratings, 11,809 items; the model scores exactly its nItems, so every index is in range).
    const accept = filter === ACCEPT_ALL ? undefined : (item: number) => item < model.nItems && filter(item);
    const diversity = request.diversity ?? 0;
    // MMR picks from a larger pool of relevant items.
    const pool = diversity > 0 ? Math.max(want * 3, want + 50) : want;
    return (rank: RankCall): Ranked => {
      const ranked = rank(pool, { exclude: excluded, accept });
      return diversity > 0 ? rerankByDiversity(ranked, want, diversity, model, this.catalog.content) : ranked;
    };
  }

  private finish(served: ServedModel, source: RecommendationSource, ranked: Ranked, request: ListRequest): RecommendationResult {
    return { items: toScored(ranked, request.offset ?? 0), model: served.name, source, runId: served.run.id };
  }

  private compileFilter(filter: CandidateFilter | undefined): (item: number) => boolean {
    if (!filter) return ACCEPT_ALL;
    const { genres, yearFrom, yearTo } = filter;
    if (genres) {
      for (const genre of genres) if (!this.catalog.hasGenre(genre)) throw new ValidationError("filter.genres", genre, "a genre of the catalogue (see the genres query)");
    }
    if (yearFrom !== undefined && yearTo !== undefined && yearFrom > yearTo) {
      throw new ValidationError("filter.yearRange", `${yearFrom}–${yearTo}`, "from ≤ to");
    }
    const wanted = genres && genres.length ? new Set(genres) : undefined;
    const content = this.catalog.content;
    return (item) => {
      const c = content[item];
      if (wanted && !c.genres.some((g) => wanted.has(g))) return false;
      if (yearFrom !== undefined && (c.year === null || c.year < yearFrom)) return false;
      if (yearTo !== undefined && (c.year === null || c.year > yearTo)) return false;
      return true;
    };
  }

  private defaultSimilarModel(item: number): ServedModel {
    const candidates = this.servedModels().filter((s) => s.model.capabilities.similarItems);
    const preferred = candidates.find((s) => s.name === this.defaultModel && item < s.model.nItems) ?? candidates.find((s) => item < s.model.nItems);
    if (!preferred)
      throw new ModelNotReadyError(
        "similarItems",
        `no served model with similar-items support covers this item; train one of ${MODEL_DEFINITIONS.filter((d) => d.capabilities.similarItems)
          .map((d) => d.name)
          .join(", ")}`,
      );
    return preferred;
  }

  private servedWith(predicate: (model: Recommender) => boolean): string[] {
    return this.servedModels()
      .filter((s) => predicate(s.model))
      .map((s) => s.name);
  }

  private assertCompatible(meta: ArtifactMeta): void {
    const itemIds = this.catalog.itemDbIdArray();
    const userIds = this.catalog.userDbIdArray();
    const itemIdsHash = meta.notes?.itemIdsHash;
    if (meta.nItems > itemIds.length || (itemIdsHash !== undefined && itemIdsHash !== idsHash(itemIds, meta.nItems))) {
      throw new ModelNotReadyError(meta.model, "it was trained on a different catalogue; retrain it on this database");
    }
    const userIdsHash = meta.notes?.userIdsHash;
    if (meta.nUsers > userIds.length || (userIdsHash !== undefined && userIdsHash !== idsHash(userIds, meta.nUsers))) {
      throw new ModelNotReadyError(meta.model, "it was trained on a different set of users; retrain it on this database");
    }
  }
}

/** The filter of a request without one. */
const ACCEPT_ALL = (): boolean => true;

/** The history without items newer than the model (it has no row for them). */
function restrict(history: UserProfile, nItems: number): UserProfile {
  let all = true;
  for (const item of history.items) if (item >= nItems) all = false;
  if (all) return history;
  const keep = Array.from(history.items.keys()).filter((k) => history.items[k] < nItems);
  return { items: Int32Array.from(keep, (k) => history.items[k]), values: Float32Array.from(keep, (k) => history.values[k]) };
}

/** The model ranks for the user as it learned them. */
function learnedView({ served, user }: ServingCase): { served: ServedModel; rank: RankCall } {
  return { served, rank: (want, options) => served.model.recommend(user, want, options) };
}

/** `served` ranks for a profile folded in from `history` (restricted to the items it knows). */
function foldIn(served: ServedModel, history: UserProfile): { served: ServedModel; rank: RankCall } {
  const profile = restrict(history, served.model.nItems);
  return { served, rank: (want, options) => served.model.recommendForProfile(profile, want, options) };
}

function toScored(ranked: Ranked, offset: number): ScoredItem[] {
  const out: ScoredItem[] = [];
  for (let r = offset; r < ranked.items.length; r++) out.push({ index: ranked.items[r], score: ranked.scores[r] });
  return out;
}

function sequentialModels(): string[] {
  return MODEL_DEFINITIONS.filter((d) => d.capabilities.sequential).map((d) => d.name);
}

/** How many leading entries two id arrays share. */
function commonPrefix(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  let k = 0;
  while (k < n && a[k] === b[k]) k++;
  return k;
}
