// Serving: the in-memory catalogue (a snapshot of the database) and the active trained
// models, with the recommendation policy on top (exclusions, cold start fallback).
import type { Db } from "../db/client";
import { activeRuns, readArtifact, type ModelRun } from "../db/modelRuns";
import { readSnapshot } from "../db/snapshot";
import { datasetFromSnapshot, type DbDataset } from "../data/fromSnapshot";
import { AppError, ModelNotReadyError, NotFoundError } from "../errors";
import type { ArtifactMeta } from "../models/artifact";
import { deserializeModel, getDefinition } from "../models/registry";
import type { Recommender } from "../models/types";
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
}

export interface RecommendRequest {
  userId: string;
  model?: string;
  /** How many to return after `offset`. */
  k: number;
  offset?: number;
  excludeRated?: boolean;
}

export class RecommenderService {
  catalog!: DbDataset;
  private readonly served = new Map<string, ServedModel>();

  constructor(
    private readonly db: Db,
    readonly defaultModel: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {}

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

  async refreshCatalog(): Promise<void> {
    this.catalog = datasetFromSnapshot(await readSnapshot(this.db));
  }

  /** Loads an artifact and swaps it in as the served version of its model. */
  install(run: ModelRun, bytes: Uint8Array): ServedModel {
    const { model, meta } = deserializeModel(bytes);
    this.assertCompatible(meta);
    const served = { name: run.model, model, run, meta };
    const previous = this.served.get(run.model);
    this.served.set(run.model, served);
    if (previous && previous.model !== model) previous.model.dispose();
    this.log(`serving ${run.model} run ${run.id}`);
    return served;
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
    if (!served) throw new ModelNotReadyError(name, "no trained version is active; train it first (trainModel or npm run train)");
    return served;
  }

  userIndex(userId: string): number | undefined {
    return this.catalog.users.index(userId);
  }

  requireItemIndex(itemId: string): number {
    const index = this.catalog.items.index(itemId);
    if (index === undefined) throw new NotFoundError("item", itemId);
    return index;
  }

  recommend(request: RecommendRequest): RecommendationResult {
    const served = this.requireServed(request.model);
    const { model } = served;
    const offset = request.offset ?? 0;
    const want = offset + request.k;
    const user = this.userIndex(request.userId);
    if (user === undefined) throw new NotFoundError("user", request.userId);
    const exclude = request.excludeRated === false ? undefined : this.catalog.interactions.userItems(user);
    // Items added after the model was trained have no score in it.
    const accept = (item: number) => item < model.nItems;
    let source: RecommendationSource = "MODEL";
    let ranked;
    if (user < model.nUsers) {
      ranked = model.recommend(user, want, { exclude, accept });
    } else if (model.capabilities.foldIn && this.catalog.interactions.userDegree(user) > 0) {
      source = "FOLD_IN";
      ranked = model.recommendForProfile(this.profile(user, model.nItems), want, { exclude, accept });
    } else {
      return this.popularityFallback(user, want, offset, exclude);
    }
    return { items: slice(ranked.items, ranked.scores, offset), model: served.name, source };
  }

  private popularityFallback(user: number, want: number, offset: number, exclude: ArrayLike<number> | undefined): RecommendationResult {
    const popular = this.served.get("popularity");
    if (!popular) {
      throw new AppError("MODEL_NOT_READY", `user ${this.catalog.users.id(user)} is new to the served model and no popularity model is trained for the fallback`);
    }
    const ranked = popular.model.recommendForProfile(this.profile(user, popular.model.nItems), want, { exclude });
    return { items: slice(ranked.items, ranked.scores, offset), model: "popularity", source: "POPULARITY_FALLBACK" };
  }

  /** A user's current history as a fold-in profile (time order, restricted to the model's items). */
  private profile(user: number, nItems: number): { items: Int32Array; values: Float32Array } {
    const interactions = this.catalog.interactions;
    const order = interactions.timeOrder();
    const items: number[] = [];
    const values: number[] = [];
    for (let k = interactions.indptr[user]; k < interactions.indptr[user + 1]; k++) {
      const position = order[k];
      if (interactions.indices[position] < nItems) {
        items.push(interactions.indices[position]);
        values.push(interactions.values[position]);
      }
    }
    return { items: Int32Array.from(items), values: Float32Array.from(values) };
  }

  private assertCompatible(meta: ArtifactMeta): void {
    const itemIdsHash = meta.notes?.itemIdsHash;
    if (meta.nItems > this.catalog.itemDbIds.length || (itemIdsHash !== undefined && itemIdsHash !== idsHash(this.catalog.itemDbIds, meta.nItems))) {
      throw new ModelNotReadyError(meta.model, "it was trained on a different catalogue; retrain it on this database");
    }
    const userIdsHash = meta.notes?.userIdsHash;
    if (meta.nUsers > this.catalog.userDbIds.length || (userIdsHash !== undefined && userIdsHash !== idsHash(this.catalog.userDbIds, meta.nUsers))) {
      throw new ModelNotReadyError(meta.model, "it was trained on a different set of users; retrain it on this database");
    }
  }
}

function slice(items: Int32Array, scores: Float32Array, offset: number): ScoredItem[] {
  const out: ScoredItem[] = [];
  for (let r = offset; r < items.length; r++) out.push({ index: items[r], score: scores[r] });
  return out;
}
