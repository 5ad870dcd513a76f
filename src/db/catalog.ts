// Users, items and ratings for the API: batched lookups (DataLoaders call these with many
// ids at once), paginated lists, and the single-row writes of the mutations.
import type { Db } from "./client";
import type { Item, Rating, User } from "./generated/client";
import { AppError, NotFoundError } from "../errors";

export type { Item, Rating, User };

export async function usersByExternalIds(db: Db, externalIds: readonly string[]): Promise<User[]> {
  return db.prisma.user.findMany({ where: { externalId: { in: [...externalIds] } } });
}

export async function usersByIds(db: Db, ids: readonly number[]): Promise<User[]> {
  return db.prisma.user.findMany({ where: { id: { in: [...ids] } } });
}

export async function itemsByExternalIds(db: Db, externalIds: readonly string[]): Promise<Item[]> {
  return db.prisma.item.findMany({ where: { externalId: { in: [...externalIds] } } });
}

export async function itemsByIds(db: Db, ids: readonly number[]): Promise<Item[]> {
  return db.prisma.item.findMany({ where: { id: { in: [...ids] } } });
}

export async function ratingCountsByUser(db: Db, userIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await db.prisma.rating.groupBy({ by: ["userId"], where: { userId: { in: [...userIds] } }, _count: { _all: true } });
  return new Map(rows.map((row) => [row.userId, row._count._all]));
}

/** Ratings stored (all users). */
export async function ratingCount(db: Db): Promise<number> {
  return db.prisma.rating.count();
}

export interface ItemRatingStats {
  count: number;
  average: number | null;
}

export async function ratingStatsByItem(db: Db, itemIds: readonly number[]): Promise<Map<number, ItemRatingStats>> {
  const rows = await db.prisma.rating.groupBy({
    by: ["itemId"],
    where: { itemId: { in: [...itemIds] } },
    _count: { _all: true },
    _avg: { value: true },
  });
  return new Map(rows.map((row) => [row.itemId, { count: row._count._all, average: row._avg.value }]));
}

export interface Page<T> {
  rows: T[];
  totalCount: number;
}

export async function listUsers(db: Db, offset: number, take: number): Promise<Page<User>> {
  const [rows, totalCount] = await Promise.all([db.prisma.user.findMany({ orderBy: { id: "asc" }, skip: offset, take }), db.prisma.user.count()]);
  return { rows, totalCount };
}

export interface ItemSearch {
  search?: string;
  genres?: string[];
}

export async function searchItems(db: Db, query: ItemSearch, offset: number, take: number): Promise<Page<Item>> {
  const where = {
    // Prisma passes `contains` to ILIKE as it is: escape the wildcards so "%" and "_" match themselves.
    ...(query.search ? { title: { contains: escapeLike(query.search), mode: "insensitive" as const } } : {}),
    ...(query.genres?.length ? { genres: { hasEvery: query.genres } } : {}),
  };
  const [rows, totalCount] = await Promise.all([db.prisma.item.findMany({ where, orderBy: [{ ratings: { _count: "desc" } }, { id: "asc" }], skip: offset, take }), db.prisma.item.count({ where })]);
  return { rows, totalCount };
}

/** LIKE/ILIKE pattern text that matches `text` literally (backslash is PostgreSQL's default escape). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Genres with their item counts, most common first; `limit` bounds the list. */
export async function genreCounts(db: Db, limit = 10_000): Promise<{ genre: string; items: number }[]> {
  const rows = await db.prisma.$queryRaw<{ genre: string; items: bigint }[]>`
    select g as genre, count(*) as items from items, unnest(genres) as g group by g order by count(*) desc, g limit ${limit}`;
  return rows.map((row) => ({ genre: row.genre, items: Number(row.items) }));
}

/**
 * One page of ratings (newest first; unrated times last, then by item) for each of several users, in one
 * query: the batched form behind `User.ratings` when a list of users asks for theirs.
 */
export async function ratingPagesByUser(db: Db, userIds: readonly number[], offset: number, take: number): Promise<Map<number, Rating[]>> {
  const rows = await db.prisma.$queryRaw<{ user_id: number; item_id: number; value: number; rated_at: Date | null; updated_at: Date }[]>`
    select user_id, item_id, value, rated_at, updated_at from (
      select r.*, row_number() over (partition by user_id order by rated_at desc nulls last, item_id asc) as position
      from ratings r where user_id = any(${[...userIds]}::int[])) ranked
    where position > ${offset} and position <= ${offset + take}
    order by user_id, position`;
  const pages = new Map<number, Rating[]>(userIds.map((id) => [id, []]));
  for (const row of rows) {
    pages.get(row.user_id)?.push({ userId: row.user_id, itemId: row.item_id, value: row.value, ratedAt: row.rated_at, updatedAt: row.updated_at });
  }
  return pages;
}

/** All current genres of the given items (for filters). */
export async function allItemGenres(db: Db): Promise<Set<string>> {
  return new Set((await genreCounts(db)).map((g) => g.genre));
}

/**
 * The current rows of several (user, item) pairs by database ids, in one query; a pair
 * without a row (never rated, or deleted) is simply absent. Other replicas' writes are
 * re-read this way instead of trusting a notice's value (see src/services/replicaSync.ts).
 */
export async function ratingsByPairs(db: Db, pairs: readonly { userId: number; itemId: number }[]): Promise<Rating[]> {
  if (pairs.length === 0) return [];
  const rows = await db.prisma.$queryRaw<{ user_id: number; item_id: number; value: number; rated_at: Date | null; updated_at: Date }[]>`
    select r.user_id, r.item_id, r.value, r.rated_at, r.updated_at
    from unnest(${pairs.map((p) => p.userId)}::int[], ${pairs.map((p) => p.itemId)}::int[]) as p(user_id, item_id)
    join ratings r on r.user_id = p.user_id and r.item_id = p.item_id`;
  return rows.map((row) => ({ userId: row.user_id, itemId: row.item_id, value: row.value, ratedAt: row.rated_at, updatedAt: row.updated_at }));
}

export async function createUser(db: Db, externalId: string, attributes: unknown): Promise<User> {
  try {
    return await db.prisma.user.create({ data: { externalId, attributes: attributes === undefined || attributes === null ? undefined : (attributes as object) } });
  } catch (error) {
    throw conflictOr(error, `user ${JSON.stringify(externalId)} already exists`);
  }
}

export interface NewItem {
  externalId: string;
  title?: string | null;
  genres?: string[];
  tags?: string[];
  year?: number | null;
  metadata?: unknown;
}

export async function createItem(db: Db, item: NewItem): Promise<Item> {
  try {
    return await db.prisma.item.create({
      data: {
        externalId: item.externalId,
        title: item.title ?? null,
        genres: item.genres ?? [],
        tags: item.tags ?? [],
        year: item.year ?? null,
        metadata: item.metadata === undefined || item.metadata === null ? undefined : (item.metadata as object),
      },
    });
  } catch (error) {
    throw conflictOr(error, `item ${JSON.stringify(item.externalId)} already exists`);
  }
}

export interface RatingWrite {
  user: User;
  item: Item;
  rating: Rating;
}

export async function upsertRating(db: Db, userExternalId: string, itemExternalId: string, value: number, ratedAt: Date): Promise<RatingWrite> {
  const [user, item] = await Promise.all([db.prisma.user.findUnique({ where: { externalId: userExternalId } }), db.prisma.item.findUnique({ where: { externalId: itemExternalId } })]);
  if (!user) throw new NotFoundError("user", userExternalId);
  if (!item) throw new NotFoundError("item", itemExternalId);
  const rating = await db.prisma.rating.upsert({
    where: { userId_itemId: { userId: user.id, itemId: item.id } },
    create: { userId: user.id, itemId: item.id, value, ratedAt },
    update: { value, ratedAt },
  });
  return { user, item, rating };
}

export async function deleteRating(db: Db, userExternalId: string, itemExternalId: string): Promise<{ user: User; item: Item; deleted: boolean }> {
  const [user, item] = await Promise.all([db.prisma.user.findUnique({ where: { externalId: userExternalId } }), db.prisma.item.findUnique({ where: { externalId: itemExternalId } })]);
  if (!user) throw new NotFoundError("user", userExternalId);
  if (!item) throw new NotFoundError("item", itemExternalId);
  const result = await db.prisma.rating.deleteMany({ where: { userId: user.id, itemId: item.id } });
  return { user, item, deleted: result.count > 0 };
}

function conflictOr(error: unknown, message: string): unknown {
  // Unique violations surface as P2002 (with driver adapters the constraint is nested).
  const code = (error as { code?: string }).code;
  if (code === "P2002") return new AppError("CONFLICT", message);
  return error;
}
