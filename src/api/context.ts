// Per-request context: services, the caller's admin status, and request-scoped DataLoaders
// (one batched query per kind of lookup per request, whatever the size of the result list).
import DataLoader from "dataloader";
import type { CatalogReader, Item, ItemRatingStats, Rating, User } from "../services/catalog";
import type { CatalogWriter } from "../services/catalogWrites";
import type { EvaluationReports } from "../services/evaluationReports";
import type { Explainer } from "../services/explain";
import type { ItemCache } from "../services/itemCache";
import type { JobManager } from "../services/jobs";
import type { ModelRunService } from "../services/modelRuns";
import type { RecommenderService } from "../services/recommender";
import type { Authenticator, Identity } from "./auth";
import type { ApiMetrics, RequestInfo } from "./metrics";

export interface Readiness {
  ready: boolean;
  database: boolean;
  /** The default model and the popularity fallback are served. */
  models: boolean;
  servedModels: string[];
  /** The job queue (pg-boss's tables) answers; absent where the process has no queue. */
  queue?: boolean;
  /** Other processes' writes and activations reach this one at once (LISTEN session open); informational, not required. */
  listening?: boolean;
}

/** Readiness parts the app adds to what the services know. */
export interface ReadinessProbes {
  queue?: () => Promise<boolean>;
  listening?: () => boolean;
}

export interface Services {
  /** Catalogue rows (users, items, ratings) as the database has them. */
  catalogReader: CatalogReader;
  recommender: RecommenderService;
  /** Trained model versions: list, read, activate. */
  modelRuns: ModelRunService;
  jobs: JobManager;
  explainer: Explainer;
  /** Checked catalogue writes (users, items, ratings). */
  catalogWriter: CatalogWriter;
  /** Item rows shared across requests (cleared on import). */
  itemCache: ItemCache;
  /** The TensorFlow.js backend in use, once one was initialised. */
  tfBackend?: () => string | null;
  /** Who the caller is (admin key, user token) and whether anonymous writes are on. */
  authenticator: Authenticator;
  /** Whether ADMIN_API_KEY is set (admin operations are refused when not). */
  adminConfigured: boolean;
  /** importDataset reads only under these folders. */
  importRoots: string[];
  /** Registered models (the cost of the `models` list). */
  modelCount: number;
  /** The evaluation reports in the results folder (admin: evaluationReports). */
  evaluationReports: EvaluationReports;
  readiness(): Promise<Readiness>;
  /** Set by the app once the queue and the replica sync exist. */
  probes?: ReadinessProbes;
}

export interface Loaders {
  user: DataLoader<string, User | null>;
  userById: DataLoader<number, User | null>;
  item: DataLoader<string, Item | null>;
  itemById: DataLoader<number, Item | null>;
  userRatingCount: DataLoader<number, number>;
  /** A page of a user's ratings, keyed "userId:offset:take"; one query per distinct page shape. */
  userRatingPage: DataLoader<string, Rating[]>;
  itemStats: DataLoader<number, ItemRatingStats>;
}

export interface ApiContext {
  services: Services;
  loaders: Loaders;
  /** Who the caller is (or why their credentials were refused). */
  identity: Identity;
  /** The server's metrics (absent where a context is built without a server). */
  metrics?: ApiMetrics;
  /** The HTTP request's id and, once resolved, its operation's label. */
  request?: RequestInfo;
}

function byKey<K, V>(rows: V[], key: (row: V) => K, keys: readonly K[]): (V | null)[] {
  const map = new Map(rows.map((row) => [key(row), row]));
  return keys.map((k) => map.get(k) ?? null);
}

export function createLoaders(catalog: CatalogReader, itemCache: ItemCache): Loaders {
  return {
    user: new DataLoader(async (ids) => byKey(await catalog.usersByExternalIds(ids), (u) => u.externalId, ids)),
    userById: new DataLoader(async (ids) => byKey(await catalog.usersByIds(ids), (u) => u.id, ids)),
    item: new DataLoader(async (ids) => {
      // Cached rows first; the misses in one query.
      const misses = ids.filter((id) => !itemCache.get(id));
      if (misses.length) for (const row of await catalog.itemsByExternalIds(misses)) itemCache.set(row);
      return ids.map((id) => itemCache.get(id) ?? null);
    }),
    itemById: new DataLoader(async (ids) => byKey(await catalog.itemsByIds(ids), (i) => i.id, ids)),
    userRatingPage: new DataLoader(async (keys) => {
      // Group by page shape (offset, take): a list of users asking for `ratings(first: n)` is one group.
      const byShape = new Map<string, number[]>();
      for (const key of keys) {
        const [user, offset, take] = key.split(":");
        const shape = `${offset}:${take}`;
        byShape.set(shape, [...(byShape.get(shape) ?? []), Number(user)]);
      }
      const pages = new Map<string, Rating[]>();
      for (const [shape, users] of byShape) {
        const [offset, take] = shape.split(":").map(Number);
        for (const [user, rows] of await catalog.ratingPagesByUser(users, offset, take)) pages.set(`${user}:${shape}`, rows);
      }
      return keys.map((key) => pages.get(key) ?? []);
    }),
    userRatingCount: new DataLoader(async (ids) => {
      const counts = await catalog.ratingCountsByUser(ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    itemStats: new DataLoader(async (ids) => {
      const stats = await catalog.ratingStatsByItem(ids);
      return ids.map((id) => stats.get(id) ?? { count: 0, average: null });
    }),
  };
}

export function createContext(services: Services, identity: Identity): ApiContext {
  return { services, loaders: createLoaders(services.catalogReader, services.itemCache), identity };
}
