// Thin resolvers: argument checks at the edge, then services. External ids in and out.
import { GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { createItem, createUser, deleteRating, genreCounts, listUsers, searchItems, upsertRating, userRatings } from "../db/catalog";
import { activateRun, getRun, listRuns, readArtifact } from "../db/modelRuns";
import { parseFormat } from "../data/formats";
import { AppError, NotFoundError, ValidationError } from "../errors";
import { getDefinition, MODEL_DEFINITIONS } from "../models/registry";
import type { ParamSpec } from "../models/params";
import type { CandidateFilter, RecommendationResult } from "../services/recommender";
import { requireAdmin } from "./auth";
import type { ApiContext } from "./context";
import type { RecommendationFilter, Resolvers } from "./generated/resolvers";
import type { RecommendationModel } from "./mappers";

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, field = "first", fallback = 10): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) throw new ValidationError(field, value, `an integer in 1–${MAX_PAGE_SIZE}`);
  return value;
}

/** Offset cursors: opaque base64url of "offset:<n>" (n = 0-based position of the edge). */
export function encodeCursor(position: number): string {
  return Buffer.from(`offset:${position}`).toString("base64url");
}

/** Position of the first edge after `cursor`. */
export function decodeCursor(cursor: string | null | undefined, field = "after"): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString());
  if (!match) throw new ValidationError(field, cursor, "a cursor returned by this API (pageInfo.endCursor or an edge cursor)");
  return Number(match[1]) + 1;
}

function connection<T>(rows: T[], offset: number, hasNextPage: boolean) {
  const edges = rows.map((node, position) => ({ cursor: encodeCursor(offset + position), node }));
  return { edges, pageInfo: { hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null } };
}

function countedConnection<T>(rows: T[], offset: number, totalCount: number) {
  return { ...connection(rows, offset, offset + rows.length < totalCount), totalCount };
}

function diversityArg(value: number | null | undefined): number {
  const diversity = value ?? 0;
  if (!(diversity >= 0 && diversity <= 1)) throw new ValidationError("diversity", value, "a number in 0–1");
  return diversity;
}

function filterArg(filter: RecommendationFilter | null | undefined, context: ApiContext): CandidateFilter | undefined {
  if (!filter) return undefined;
  const { recommender } = context.services;
  return {
    genres: filter.genres ?? undefined,
    yearFrom: filter.yearRange?.from ?? undefined,
    yearTo: filter.yearRange?.to ?? undefined,
    excludeItems: (filter.excludeItemIds ?? []).map((id) => recommender.requireItemIndex(id)),
  };
}

function recommendationConnection(result: RecommendationResult, k: number, offset: number, context: ApiContext) {
  const { items } = context.services.recommender.catalog;
  // The service was asked for k + 1 items: the extra one only tells whether a next page exists.
  const page = result.items.slice(0, k);
  const nodes: RecommendationModel[] = page.map((scored, position) => ({
    itemId: items.id(scored.index),
    score: scored.score,
    rank: offset + position + 1,
    model: result.model,
  }));
  return {
    ...connection(nodes, offset, result.items.length > k),
    model: result.model,
    source: result.source,
    modelRunId: result.runId === undefined ? null : String(result.runId),
  };
}

function finiteValue(value: number, field: string): number {
  if (!Number.isFinite(value)) throw new ValidationError(field, value, "a finite number");
  return value;
}

function idArg(value: string, field: string): string {
  const id = value.trim();
  if (id === "" || id.length > 200) throw new ValidationError(field, value, "a non-empty id of at most 200 characters");
  return id;
}

function runIdArg(value: string, field = "id"): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id <= 0) throw new ValidationError(field, value, "a model run id (positive integer)");
  return id;
}

function parameterInfo(name: string, spec: ParamSpec) {
  return {
    name,
    type: spec.type,
    default: spec.default,
    min: spec.type === "int" || spec.type === "float" ? spec.min : null,
    max: spec.type === "int" || spec.type === "float" ? spec.max : null,
    values: spec.type === "enum" ? [...spec.values] : null,
    description: spec.description,
  };
}

const JSONScalar = new GraphQLScalarType({
  name: "JSON",
  description: "Arbitrary JSON value",
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: function parse(ast: ValueNode): unknown {
    switch (ast.kind) {
      case Kind.STRING:
      case Kind.BOOLEAN:
        return ast.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(ast.value);
      case Kind.OBJECT:
        return Object.fromEntries(ast.fields.map((field) => [field.name.value, parse(field.value)]));
      case Kind.LIST:
        return ast.values.map(parse);
      case Kind.NULL:
        return null;
      default:
        throw new ValidationError("JSON", ast.kind, "a JSON literal (variables cannot be nested in JSON literals)");
    }
  },
});

const DateTimeScalar = new GraphQLScalarType({
  name: "DateTime",
  description: "ISO-8601 date-time",
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString()),
  parseValue: (value) => parseDate(value),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
});

function parseDate(value: unknown): Date {
  const date = typeof value === "string" ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new ValidationError("DateTime", value, "an ISO-8601 date-time string");
  return date;
}

export const resolvers: Resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  DatasetFormat: {
    movielens_100k: "movielens-100k",
    movielens_1m: "movielens-1m",
    movielens_latest: "movielens-latest",
    interactions_txt: "interactions-txt",
    csv: "csv",
  } as never, // internal values of the enum (the import format names)

  Query: {
    health: (_root, _args, { services }) => {
      const { catalog } = services.recommender;
      return {
        ok: true,
        users: catalog.nUsers,
        items: catalog.nItems,
        ratings: catalog.nRatings,
        defaultModel: services.recommender.defaultModel,
        servedModels: services.recommender.servedModels().map((served) => served.name),
        tfBackend: services.tfBackend?.() ?? null,
        pendingJobs: services.jobs.pending(),
      };
    },
    user: (_root, { id }, { loaders }) => loaders.user.load(id),
    users: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      const page = await listUsers(services.db, offset, take);
      return countedConnection(page.rows, offset, page.totalCount);
    },
    item: (_root, { id }, { loaders }) => loaders.item.load(id),
    items: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      if (args.search !== null && args.search !== undefined && args.search.length > 200) throw new ValidationError("search", args.search, "at most 200 characters");
      const page = await searchItems(services.db, { search: args.search ?? undefined, genres: args.genres ?? undefined }, offset, take);
      return countedConnection(page.rows, offset, page.totalCount);
    },
    genres: (_root, _args, { services }) => genreCounts(services.db),
    recommendations: (_root, args, context) => {
      const k = pageSize(args.first);
      const offset = decodeCursor(args.after);
      const result = context.services.recommender.recommend({
        userId: args.userId,
        model: args.model ?? undefined,
        k: k + 1,
        offset,
        excludeRated: args.excludeRated ?? true,
        filter: filterArg(args.filter, context),
        diversity: diversityArg(args.diversity),
      });
      return recommendationConnection(result, k, offset, context);
    },
    recommendationsForProfile: (_root, args, context) => {
      const k = pageSize(args.first);
      const offset = decodeCursor(args.after);
      const result = context.services.recommender.recommendForProfile({
        ratings: args.ratings.map((r) => ({ itemId: r.itemId, value: r.value ?? 1 })),
        model: args.model ?? undefined,
        k: k + 1,
        offset,
        filter: filterArg(args.filter, context),
        diversity: diversityArg(args.diversity),
      });
      return recommendationConnection(result, k, offset, context);
    },
    similarItems: (_root, args, { services }) => {
      const k = pageSize(args.first);
      const { items, model } = services.recommender.similarItems(args.itemId, args.model ?? undefined, k);
      return items.map((scored) => ({ itemId: services.recommender.catalog.items.id(scored.index), score: scored.score, model }));
    },
    nextItems: (_root, args, context) => {
      const k = pageSize(args.first);
      const result = context.services.recommender.nextItems(args.userId, args.model ?? "sasrec", k + 1);
      return recommendationConnection(result, k, 0, context);
    },
    explain: (_root, args, { services }) => {
      const maxPaths = args.maxPaths ?? 5;
      if (!Number.isInteger(maxPaths) || maxPaths < 1 || maxPaths > 20) throw new ValidationError("maxPaths", maxPaths, "an integer in 1–20");
      return services.explainer.explain(args.userId, args.itemId, args.model ?? undefined, maxPaths);
    },
    models: () => [...MODEL_DEFINITIONS],
    model: (_root, { name }) => MODEL_DEFINITIONS.find((d) => d.name === name) ?? null,
    modelRuns: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      if (args.model) getDefinition(args.model);
      const rows = await listRuns(services.db, { model: args.model ?? undefined, take: take + 1, skip: offset });
      return connection(rows.slice(0, take), offset, rows.length > take);
    },
    job: (_root, { id }, { services }) => services.jobs.get(id) ?? null,
    jobs: (_root, args, { services }) => services.jobs.list(pageSize(args.first, "first", 20)),
  },

  Mutation: {
    createUser: async (_root, { input }, { services }) => {
      const user = await createUser(services.db, idArg(input.id, "input.id"), input.attributes);
      services.recommender.catalog.addUser(user.externalId, user.id);
      return user;
    },
    createItem: async (_root, { input }, { services }) => {
      if (input.year !== null && input.year !== undefined && (input.year < 1800 || input.year > 2200)) throw new ValidationError("input.year", input.year, "a year in 1800–2200");
      const item = await createItem(services.db, {
        externalId: idArg(input.id, "input.id"),
        title: input.title,
        genres: input.genres ?? [],
        tags: input.tags ?? [],
        year: input.year,
        metadata: input.metadata,
      });
      services.recommender.catalog.addItem(item.externalId, item.id, { title: item.title, genres: item.genres, tags: item.tags, year: item.year });
      services.recommender.onItemAdded();
      return item;
    },
    rateItem: async (_root, args, { services }) => {
      const value = finiteValue(args.value, "value");
      const ratedAt = args.ratedAt ? new Date(args.ratedAt) : new Date();
      const written = await upsertRating(services.db, args.userId, args.itemId, value, ratedAt);
      const { recommender } = services;
      const user = recommender.catalog.users.index(written.user.externalId) ?? recommender.catalog.addUser(written.user.externalId, written.user.id);
      const item = recommender.requireItemIndex(written.item.externalId);
      recommender.catalog.setRating(user, item, value, ratedAt.getTime() / 1000);
      services.explainer.onRating(user, item, value);
      return written.rating;
    },
    deleteRating: async (_root, args, { services }) => {
      const result = await deleteRating(services.db, args.userId, args.itemId);
      if (result.deleted) {
        const { recommender } = services;
        const user = recommender.catalog.users.index(result.user.externalId);
        const item = recommender.catalog.items.index(result.item.externalId);
        if (user !== undefined && item !== undefined) {
          recommender.catalog.deleteRating(user, item);
          services.explainer.onRatingDeleted(user, item);
        }
      }
      return result.deleted;
    },
    importDataset: (_root, args, context) => {
      requireAdmin(context);
      const format = parseFormat(String(args.format));
      return context.services.jobs.startImport(format, args.path, args.encoding ?? undefined);
    },
    trainModel: (_root, args, context) => {
      requireAdmin(context);
      const params = args.params ?? {};
      if (typeof params !== "object" || Array.isArray(params)) throw new ValidationError("params", params, "a JSON object of hyper-parameters");
      if (args.seed !== null && args.seed !== undefined && (args.seed < 0 || !Number.isInteger(args.seed))) throw new ValidationError("seed", args.seed, "a non-negative integer");
      return context.services.jobs.startTraining(args.model, params as Record<string, unknown>, args.seed ?? undefined, args.activate ?? true);
    },
    activateModelRun: async (_root, args, context) => {
      requireAdmin(context);
      const id = runIdArg(args.id);
      const run = await activateRun(context.services.db, id);
      try {
        context.services.recommender.install(run, await readArtifact(context.services.db, id));
      } catch (error) {
        throw new AppError("MODEL_NOT_READY", `run ${id} is active in the database but could not be served: ${(error as Error).message}`);
      }
      return run;
    },
  },

  User: {
    id: (user) => user.externalId,
    ratingCount: (user, _args, { loaders }) => loaders.userRatingCount.load(user.id),
    ratings: async (user, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      const page = await userRatings(services.db, user.id, offset, take);
      return countedConnection(page.rows, offset, page.totalCount);
    },
  },
  Item: {
    id: (item) => item.externalId,
    ratingCount: async (item, _args, { loaders }) => (await loaders.itemStats.load(item.id)).count,
    averageRating: async (item, _args, { loaders }) => (await loaders.itemStats.load(item.id)).average,
  },
  Rating: {
    user: async (rating, _args, { loaders }) => (await loaders.userById.load(rating.userId)) ?? missing("user", rating.userId),
    item: async (rating, _args, { loaders }) => (await loaders.itemById.load(rating.itemId)) ?? missing("item", rating.itemId),
  },
  Recommendation: {
    item: async (recommendation, _args, { loaders }) => (await loaders.item.load(recommendation.itemId)) ?? missing("item", recommendation.itemId),
  },
  SimilarItem: {
    item: async (similar, _args, { loaders }) => (await loaders.item.load(similar.itemId)) ?? missing("item", similar.itemId),
  },
  Contribution: {
    item: async (contribution, _args, { loaders }) => (await loaders.item.load(contribution.itemId)) ?? missing("item", contribution.itemId),
  },
  Explanation: {
    user: async (explanation, _args, { loaders }) => (await loaders.user.load(explanation.userId)) ?? missing("user", explanation.userId),
    item: async (explanation, _args, { loaders }) => (await loaders.item.load(explanation.itemId)) ?? missing("item", explanation.itemId),
  },
  ModelInfo: {
    paper: (definition) => definition.paper ?? null,
    capabilities: (definition) => definition.capabilities,
    parameters: (definition) => Object.entries(definition.params).map(([name, spec]) => parameterInfo(name, spec)),
    activeRun: (definition, _args, { services }) => services.recommender.getServed(definition.name)?.run ?? null,
    metrics: (definition, _args, { services }) => services.recommender.getServed(definition.name)?.run.metrics ?? null,
    trainedAt: (definition, _args, { services }) => services.recommender.getServed(definition.name)?.run.finishedAt ?? null,
  },
  ModelRun: {
    id: (run) => String(run.id),
  },
  Job: {
    modelRun: async (job, _args, { services }) => (job.modelRunId === null ? null : getRun(services.db, job.modelRunId)),
  },
};

function missing(what: string, id: string | number): never {
  throw new NotFoundError(what, id);
}
