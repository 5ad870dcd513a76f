// Thin resolvers: argument checks at the edge, then services. External ids in and out.
import { ValidationError } from "../errors";
import type { Resolvers } from "./generated/resolvers";
import type { RecommendationModel } from "./mappers";

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, field = "first"): number {
  const value = first ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw new ValidationError(field, value, `an integer in 1–${MAX_PAGE_SIZE}`);
  return value;
}

/** Offset cursors: opaque base64 of "offset:<n>". */
export function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

export function decodeCursor(cursor: string | null | undefined, field = "after"): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new ValidationError(field, cursor, "a cursor returned by this API (pageInfo.endCursor or an edge cursor)");
  return Number(match[1]) + 1;
}

export const resolvers: Resolvers = {
  Query: {
    health: (_root, _args, { services }) => {
      const { catalog } = services.recommender;
      return {
        ok: true,
        users: catalog.interactions.nUsers,
        items: catalog.interactions.nItems,
        ratings: catalog.interactions.nnz,
        defaultModel: services.recommender.defaultModel,
        servedModels: services.recommender.servedModels().map((served) => served.name),
      };
    },
    user: (_root, { id }, { loaders }) => loaders.user.load(id),
    item: (_root, { id }, { loaders }) => loaders.item.load(id),
    recommendations: (_root, args, { services }) => {
      const k = pageSize(args.first);
      const offset = decodeCursor(args.after);
      const result = services.recommender.recommend({
        userId: args.userId,
        model: args.model ?? undefined,
        k,
        offset,
        excludeRated: args.excludeRated ?? true,
      });
      const { items } = services.recommender.catalog;
      const edges = result.items.slice(0, k).map((scored, position) => {
        const rank = offset + position + 1;
        const node: RecommendationModel = { itemId: items.id(scored.index), score: scored.score, rank, model: result.model };
        return { cursor: encodeCursor(rank - 1), node };
      });
      return {
        edges,
        // One extra item was not fetched; a full page means there may be more.
        pageInfo: { hasNextPage: edges.length === k, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
        model: result.model,
        source: result.source,
      };
    },
  },
  User: {
    id: (user) => user.externalId,
    attributes: (user) => (user.attributes === null ? null : JSON.stringify(user.attributes)),
    ratingCount: (user, _args, { loaders }) => loaders.userRatingCount.load(user.id),
  },
  Item: {
    id: (item) => item.externalId,
    ratingCount: (item, _args, { loaders }) => loaders.itemRatingCount.load(item.id),
  },
  Recommendation: {
    item: async (recommendation, _args, { loaders }) => {
      const item = await loaders.item.load(recommendation.itemId);
      if (!item) throw new Error(`item ${recommendation.itemId} vanished from the database`);
      return item;
    },
  },
};
