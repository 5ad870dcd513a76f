// Thin resolvers: argument checks at the edge, then services. External ids in and out.
import { GraphQLScalarType, Kind, type ValueNode } from "graphql";
import { parseFormat } from "../data/formats";
import { NotFoundError, ValidationError } from "../errors";
import { MODEL_DEFINITIONS } from "../models/registry";
import type { ParamSpec } from "../models/params";
import type { CandidateFilter, RecommendationResult } from "../services/recommender";
import { validateImportRequest } from "../services/importService";
import { INPUT_LIMITS, atMost, dbId, externalId, isoDateTime, plainText, ratingValue } from "../services/validation";
import { requireActingAs, requireAdmin } from "./auth";
import { connection, countedConnection, decodeCursor, pageSize } from "./pagination";
import type { ApiContext } from "./context";
import type { QueryRecommendationsArgs, RecommendationFilter, Resolvers } from "./generated/resolvers";
import type { RecommendationModel } from "./mappers";

/** Rankings page at most this deep (offset + first): deeper pages are not recommendations any more. */
export const MAX_RANK_DEPTH = 1_000;
/** Reports per evaluationReports answer (each up to EVALUATION_REPORT_LIMITS.maxRows rows; see src/api/cost.ts). */
export const MAX_EVALUATION_REPORTS = 20;
/** Entries of a recommendation filter's lists. */
const MAX_FILTER_ENTRIES = 100;
const MAX_EXCLUDED_ITEMS = 500;

/**
 * Ranking fields compute synchronously for milliseconds each; graphql-js starts every alias's
 * resolver in one loop, so without a pause one request with 20 aliases would hold the event
 * loop for all of them. Each ranking resolver first gives other requests a turn.
 */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function rankDepth(offset: number, k: number): void {
  if (offset + k > MAX_RANK_DEPTH) throw new ValidationError("after", `position ${offset}`, `rankings page at most ${MAX_RANK_DEPTH} items deep (offset + first)`);
}

function diversityArg(value: number | null | undefined): number {
  const diversity = value ?? 0;
  if (!(diversity >= 0 && diversity <= 1)) throw new ValidationError("diversity", value, "a number in 0–1");
  return diversity;
}

function filterArg(filter: RecommendationFilter | null | undefined, context: ApiContext): CandidateFilter | undefined {
  if (!filter) return undefined;
  const { recommender } = context.services;
  atMost(filter.genres, "filter.genres", MAX_FILTER_ENTRIES, "genres");
  atMost(filter.excludeItemIds, "filter.excludeItemIds", MAX_EXCLUDED_ITEMS, "items");
  return {
    genres: filter.genres ?? undefined,
    yearFrom: filter.yearRange?.from ?? undefined,
    yearTo: filter.yearRange?.to ?? undefined,
    excludeItems: (filter.excludeItemIds ?? []).map((id) => recommender.requireItemIndex(id)),
  };
}

/** The arguments every recommendation list takes (page, diversity, filter), checked; then other requests get a turn. */
async function listArgs(
  args: Pick<QueryRecommendationsArgs, "first" | "after" | "diversity" | "filter">,
  context: ApiContext,
): Promise<{ k: number; offset: number; diversity: number; filter: CandidateFilter | undefined }> {
  const k = pageSize(args.first);
  const offset = decodeCursor(args.after);
  rankDepth(offset, k);
  const diversity = diversityArg(args.diversity);
  const filter = filterArg(args.filter, context);
  await yieldToEventLoop();
  return { k, offset, diversity, filter };
}

/** The recommender call, timed into the server's metrics (recommendation_duration_seconds). */
function timed(context: ApiContext, call: () => RecommendationResult): RecommendationResult {
  return context.metrics ? context.metrics.timeRecommendation(call) : call();
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
  return isoDateTime(value, "DateTime");
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
    health: async (_root, _args, { services }) => ({
      ok: true,
      ...services.recommender.summary(),
      tfBackend: services.tfBackend?.() ?? null,
      pendingJobs: await services.jobs.pending(),
    }),
    serverInfo: (_root, _args, { services }) => ({
      anonymousWrites: services.authenticator.anonymousWrites,
      userTokens: services.authenticator.userTokensEnabled,
      adminEnabled: services.adminConfigured,
      defaultModel: services.recommender.defaultModel,
    }),
    user: (_root, { id }, { loaders }) => loaders.user.load(id),
    users: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      const page = await services.catalogReader.users(offset, take);
      return countedConnection(page.rows, offset, page.totalCount);
    },
    item: (_root, { id }, { loaders }) => loaders.item.load(id),
    items: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      if (args.search !== null && args.search !== undefined) plainText(args.search, "search", INPUT_LIMITS.searchLength);
      atMost(args.genres, "genres", MAX_FILTER_ENTRIES, "genres");
      const page = await services.catalogReader.items({ search: args.search ?? undefined, genres: args.genres ?? undefined }, offset, take);
      return countedConnection(page.rows, offset, page.totalCount);
    },
    genres: (_root, args, { services }) => services.catalogReader.genres(pageSize(args.first, "first", 100, 1_000)),
    recommendations: async (_root, args, context) => {
      const { k, offset, diversity, filter } = await listArgs(args, context);
      const result = timed(context, () =>
        context.services.recommender.recommend({
          userId: args.userId,
          model: args.model ?? undefined,
          k: k + 1,
          offset,
          excludeRated: args.excludeRated ?? true,
          filter,
          diversity,
        }),
      );
      return recommendationConnection(result, k, offset, context);
    },
    recommendationsForProfile: async (_root, args, context) => {
      const { k, offset, diversity, filter } = await listArgs(args, context);
      const result = timed(context, () =>
        context.services.recommender.recommendForProfile({
          // A profile's values are ratings too: within the catalogue's scale (nothing is stored, but fold-in trusts them).
          ratings: args.ratings.map((r, i) => ({ itemId: r.itemId, value: ratingValue(r.value ?? 1, context.services.catalogWriter.ratingScale(), `ratings[${i}].value`) })),
          model: args.model ?? undefined,
          k: k + 1,
          offset,
          filter,
          diversity,
        }),
      );
      return recommendationConnection(result, k, offset, context);
    },
    similarItems: async (_root, args, { services }) => {
      const k = pageSize(args.first);
      await yieldToEventLoop();
      const { items, model } = services.recommender.similarItems(args.itemId, args.model ?? undefined, k);
      return items.map((scored) => ({ itemId: services.recommender.catalog.items.id(scored.index), score: scored.score, model }));
    },
    nextItems: async (_root, args, context) => {
      const k = pageSize(args.first);
      await yieldToEventLoop();
      const result = timed(context, () => context.services.recommender.nextItems(args.userId, args.model ?? "sasrec", k + 1));
      return recommendationConnection(result, k, 0, context);
    },
    explain: async (_root, args, { services }) => {
      const maxPaths = args.maxPaths ?? 5;
      if (!Number.isInteger(maxPaths) || maxPaths < 1 || maxPaths > 20) throw new ValidationError("maxPaths", maxPaths, "an integer in 1–20");
      await yieldToEventLoop();
      return services.explainer.explain(args.userId, args.itemId, args.model ?? undefined, maxPaths);
    },
    models: () => [...MODEL_DEFINITIONS],
    model: (_root, { name }) => MODEL_DEFINITIONS.find((d) => d.name === name) ?? null,
    modelRuns: async (_root, args, { services }) => {
      const take = pageSize(args.first, "first", 20);
      const offset = decodeCursor(args.after);
      const rows = await services.modelRuns.list({ model: args.model ?? undefined, take: take + 1, skip: offset });
      return connection(rows.slice(0, take), offset, rows.length > take);
    },
    job: (_root, { id }, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.jobs.get(id);
    },
    jobs: (_root, args, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.jobs.list(pageSize(args.first, "first", 20));
    },
    evaluationReports: (_root, args, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.evaluationReports.list(pageSize(args.first, "first", 10, MAX_EVALUATION_REPORTS));
    },
  },

  Mutation: {
    demoUserToken: async (_root, { userId }, { services }) => {
      externalId(userId, "userId");
      services.recommender.requireUserIndex(userId);
      return services.authenticator.demoToken(userId);
    },
    createUser: (_root, { input }, context) => {
      requireActingAs(context.identity, input.id, context.services.authenticator.anonymousWrites);
      return context.services.catalogWriter.createUser(input.id, input.attributes);
    },
    createItem: (_root, { input }, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.catalogWriter.createItem(input);
    },
    rateItem: (_root, args, context) => {
      requireActingAs(context.identity, args.userId, context.services.authenticator.anonymousWrites);
      return context.services.catalogWriter.rate(args.userId, args.itemId, args.value, args.ratedAt);
    },
    deleteRating: (_root, args, context) => {
      requireActingAs(context.identity, args.userId, context.services.authenticator.anonymousWrites);
      return context.services.catalogWriter.deleteRating(args.userId, args.itemId);
    },
    importDataset: (_root, args, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      const format = parseFormat(String(args.format));
      plainText(args.path, "path", 1_024);
      const request = { format, path: args.path, encoding: args.encoding ?? undefined, importRoots: context.services.importRoots };
      // Path outside the import root, not a regular file, unknown encoding: refused now, not as a failed job.
      validateImportRequest(request);
      return context.services.jobs.submitImport({ format, path: args.path, encoding: request.encoding });
    },
    cancelJob: (_root, { id }, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.jobs.cancel(id);
    },
    trainModel: (_root, args, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      const params = args.params ?? {};
      if (typeof params !== "object" || Array.isArray(params)) throw new ValidationError("params", params, "a JSON object of hyper-parameters");
      if (args.seed !== null && args.seed !== undefined && (args.seed < 0 || !Number.isInteger(args.seed))) throw new ValidationError("seed", args.seed, "a non-negative integer");
      const activation = args.activation
        ? {
            policy: args.activation.policy === "IF_NOT_WORSE" ? ("ifNotWorse" as const) : ("always" as const),
            ...(args.activation.tolerance !== null && args.activation.tolerance !== undefined ? { tolerance: args.activation.tolerance } : {}),
            ...(args.activation.metric ? { metric: args.activation.metric } : {}),
          }
        : undefined;
      return context.services.jobs.submitTraining({
        model: args.model,
        params: params as Record<string, unknown>,
        seed: args.seed ?? undefined,
        activate: args.activate ?? true,
        ...(activation ? { activation } : {}),
        ...(args.heldOut === false ? { holdout: { enabled: false } } : {}),
      });
    },
    activateModelRun: async (_root, args, context) => {
      requireAdmin(context.identity, context.services.adminConfigured);
      return context.services.modelRuns.activate(dbId(args.id, "id"));
    },
  },

  User: {
    id: (user) => user.externalId,
    ratingCount: (user, _args, { loaders }) => loaders.userRatingCount.load(user.id),
    // The page is read only for the parts selected, batched across the users of a list
    // (one page query, one count query per request): `ratings { totalCount }` reads no rows.
    ratings: (user, args) => ({ userId: user.id, offset: decodeCursor(args.after), take: pageSize(args.first, "first", 20) }),
  },
  RatingConnection: {
    edges: async (page, _args, { loaders }) => connection(await loaders.userRatingPage.load(`${page.userId}:${page.offset}:${page.take}`), page.offset, false).edges,
    pageInfo: async (page, _args, { loaders }) => {
      const [rows, totalCount] = await Promise.all([loaders.userRatingPage.load(`${page.userId}:${page.offset}:${page.take}`), loaders.userRatingCount.load(page.userId)]);
      return countedConnection(rows, page.offset, totalCount).pageInfo;
    },
    totalCount: (page, _args, { loaders }) => loaders.userRatingCount.load(page.userId),
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
    worker: (job) => job.workerId,
    modelRun: async (job, _args, { services }) => (job.modelRunId === null ? null : services.modelRuns.get(job.modelRunId)),
  },
};

function missing(what: string, id: string | number): never {
  throw new NotFoundError(what, id);
}
