// Per-request context: the services and request-scoped DataLoaders (one batched query per
// kind of lookup per request, whatever the size of the result list).
import DataLoader from "dataloader";
import type { Db } from "../db/client";
import { itemsByExternalIds, ratingCountsByItem, ratingCountsByUser, usersByExternalIds } from "../db/catalog";
import type { Item, User } from "../db/generated/client";
import type { RecommenderService } from "../services/recommender";

export interface Services {
  db: Db;
  recommender: RecommenderService;
}

export interface Loaders {
  user: DataLoader<string, User | null>;
  item: DataLoader<string, Item | null>;
  userRatingCount: DataLoader<number, number>;
  itemRatingCount: DataLoader<number, number>;
}

export interface ApiContext {
  services: Services;
  loaders: Loaders;
}

export function createLoaders(db: Db): Loaders {
  return {
    user: new DataLoader(async (ids) => {
      const rows = await usersByExternalIds(db, ids);
      const byId = new Map(rows.map((row) => [row.externalId, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    item: new DataLoader(async (ids) => {
      const rows = await itemsByExternalIds(db, ids);
      const byId = new Map(rows.map((row) => [row.externalId, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    userRatingCount: new DataLoader(async (ids) => {
      const counts = await ratingCountsByUser(db, ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
    itemRatingCount: new DataLoader(async (ids) => {
      const counts = await ratingCountsByItem(db, ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}

export function createContext(services: Services): ApiContext {
  return { services, loaders: createLoaders(services.db) };
}
