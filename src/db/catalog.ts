// Users and items by external id, and rating counts: the lookups the API batches.
import type { Db } from "./client";
import type { Item, User } from "./generated/client";

export async function usersByExternalIds(db: Db, externalIds: readonly string[]): Promise<User[]> {
  return db.prisma.user.findMany({ where: { externalId: { in: [...externalIds] } } });
}

export async function itemsByExternalIds(db: Db, externalIds: readonly string[]): Promise<Item[]> {
  return db.prisma.item.findMany({ where: { externalId: { in: [...externalIds] } } });
}

export async function ratingCountsByUser(db: Db, userIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await db.prisma.rating.groupBy({ by: ["userId"], where: { userId: { in: [...userIds] } }, _count: { _all: true } });
  return new Map(rows.map((row) => [row.userId, row._count._all]));
}

export async function ratingCountsByItem(db: Db, itemIds: readonly number[]): Promise<Map<number, number>> {
  const rows = await db.prisma.rating.groupBy({ by: ["itemId"], where: { itemId: { in: [...itemIds] } }, _count: { _all: true } });
  return new Map(rows.map((row) => [row.itemId, row._count._all]));
}
