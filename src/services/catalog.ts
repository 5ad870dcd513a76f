// Catalogue reads for the API: the database rows of users, items and ratings (lists, search,
// genre counts, and the batched lookups behind the API's DataLoaders). The layers above
// services see these rows and their types only through this module; writes go through
// CatalogWriter (catalogWrites.ts), which also keeps the served catalogue in step.
import {
  genreCounts,
  itemsByExternalIds,
  itemsByIds,
  listUsers,
  ratingCountsByUser,
  ratingPagesByUser,
  ratingStatsByItem,
  searchItems,
  usersByExternalIds,
  usersByIds,
  type Item,
  type ItemRatingStats,
  type ItemSearch,
  type Page,
  type Rating,
  type User,
} from "../db/catalog";
import type { Db } from "../db/client";

export type { Item, ItemRatingStats, ItemSearch, Page, Rating, User };

export class CatalogReader {
  constructor(private readonly db: Db) {}

  /** Users in id order, one page, with the total. */
  users(offset: number, take: number): Promise<Page<User>> {
    return listUsers(this.db, offset, take);
  }

  /** Items matching a title search and genres, most rated first, one page, with the total. */
  items(query: ItemSearch, offset: number, take: number): Promise<Page<Item>> {
    return searchItems(this.db, query, offset, take);
  }

  /** Genres with their item counts, most common first. */
  genres(limit: number): Promise<{ genre: string; items: number }[]> {
    return genreCounts(this.db, limit);
  }

  usersByExternalIds(ids: readonly string[]): Promise<User[]> {
    return usersByExternalIds(this.db, ids);
  }

  usersByIds(ids: readonly number[]): Promise<User[]> {
    return usersByIds(this.db, ids);
  }

  itemsByExternalIds(ids: readonly string[]): Promise<Item[]> {
    return itemsByExternalIds(this.db, ids);
  }

  itemsByIds(ids: readonly number[]): Promise<Item[]> {
    return itemsByIds(this.db, ids);
  }

  ratingCountsByUser(userIds: readonly number[]): Promise<Map<number, number>> {
    return ratingCountsByUser(this.db, userIds);
  }

  /** One page of ratings for each of several users, in one query. */
  ratingPagesByUser(userIds: readonly number[], offset: number, take: number): Promise<Map<number, Rating[]>> {
    return ratingPagesByUser(this.db, userIds, offset, take);
  }

  ratingStatsByItem(itemIds: readonly number[]): Promise<Map<number, ItemRatingStats>> {
    return ratingStatsByItem(this.db, itemIds);
  }
}
