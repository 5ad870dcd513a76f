// The GraphQL API over real HTTP, against a real PostgreSQL with imported data and
// really trained models.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, waitForJob as waitForJobAt } from "../helpers/graphql";
import { ADMIN_KEY, startTestServer, type TestServer } from "../helpers/server";
import { writeFiles } from "../helpers/tmp";

let t: TestServer;
let userId: string;
let ratedItemIds: string[];

const admin = { "x-api-key": ADMIN_KEY };

interface Edge {
  cursor: string;
  node: { rank: number; score: number; model: string; item: { id: string; title: string | null; genres: string[]; year: number | null } };
}
interface RecommendationConnection {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  model: string;
  source: string;
  modelRunId: string | null;
}

const RECOMMEND = `query($user: ID!, $first: Int, $after: String, $model: String, $filter: RecommendationFilter, $diversity: Float, $excludeRated: Boolean) {
  recommendations(userId: $user, first: $first, after: $after, model: $model, filter: $filter, diversity: $diversity, excludeRated: $excludeRated) {
    edges { cursor node { rank score model item { id title genres year } } }
    pageInfo { hasNextPage endCursor }
    model source modelRunId
  }
}`;

async function recommend(variables: Record<string, unknown>): Promise<RecommendationConnection> {
  const result = await gql<{ recommendations: RecommendationConnection }>(t.url, RECOMMEND, { user: userId, ...variables });
  expect(result.errors).toBeUndefined();
  return result.data!.recommendations;
}

async function errorOf(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const result = await gql(t.url, query, variables, headers);
  expect(result.errors?.length).toBeGreaterThan(0);
  return result.errors![0];
}

beforeAll(async () => {
  t = await startTestServer({ models: ["popularity"] });
  const someone = await t.database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" }, include: { ratings: { include: { item: true } } } });
  userId = someone.externalId;
  ratedItemIds = someone.ratings.map((r) => r.item.externalId);
});

afterAll(async () => {
  await t?.close();
});

describe("catalogue queries", () => {
  it("health reports the catalogue and served models", async () => {
    const result = await gql<{ health: { ok: boolean; users: number; items: number; ratings: number; servedModels: string[]; pendingJobs: number } }>(
      t.url,
      "{ health { ok users items ratings servedModels pendingJobs } }",
    );
    const health = result.data!.health;
    expect(health.ok).toBe(true);
    expect(health.users).toBe(await t.database.db.prisma.user.count());
    expect(health.ratings).toBe(await t.database.db.prisma.rating.count());
    expect(health.servedModels).toContain("popularity");
  });

  it("user with paginated ratings, newest first", async () => {
    const first = await gql<{
      user: {
        id: string;
        ratingCount: number;
        ratings: { totalCount: number; edges: { cursor: string; node: { value: number; ratedAt: string | null; item: { id: string } } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      };
    }>(t.url, `query($id: ID!) { user(id: $id) { id ratingCount ratings(first: 5) { totalCount edges { cursor node { value ratedAt item { id } } } pageInfo { hasNextPage endCursor } } } }`, {
      id: userId,
    });
    const user = first.data!.user;
    expect(user.ratingCount).toBe(ratedItemIds.length);
    expect(user.ratings.totalCount).toBe(ratedItemIds.length);
    expect(user.ratings.edges).toHaveLength(5);
    const times = user.ratings.edges.map((e) => Date.parse(e.node.ratedAt ?? "0"));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const next = await gql<{ user: { ratings: { edges: { node: { item: { id: string } } }[] } } }>(
      t.url,
      `query($id: ID!, $after: String) { user(id: $id) { ratings(first: 5, after: $after) { edges { node { item { id } } } } } }`,
      { id: userId, after: user.ratings.pageInfo.endCursor },
    );
    const pageOne = user.ratings.edges.map((e) => e.node.item.id);
    const pageTwo = next.data!.user.ratings.edges.map((e) => e.node.item.id);
    expect(pageTwo.some((id) => pageOne.includes(id))).toBe(false);
    expect((await gql<{ user: null }>(t.url, `{ user(id: "no-such-user") { id } }`)).data!.user).toBeNull();
  });

  it("items: search, genre filter, pagination and counts; genres", async () => {
    const genres = await gql<{ genres: { genre: string; items: number }[] }>(t.url, "{ genres { genre items } }");
    const top = genres.data!.genres[0];
    expect(top.items).toBeGreaterThan(0);
    const page = await gql<{ items: { totalCount: number; edges: { node: { id: string; genres: string[]; ratingCount: number } }[]; pageInfo: { endCursor: string } } }>(
      t.url,
      `query($g: [String!]) { items(genres: $g, first: 10) { totalCount edges { node { id genres ratingCount } } pageInfo { endCursor } } }`,
      { g: [top.genre] },
    );
    expect(page.data!.items.totalCount).toBe(top.items);
    const nodes = page.data!.items.edges.map((e) => e.node);
    expect(nodes.every((n) => n.genres.includes(top.genre))).toBe(true);
    const counts = nodes.map((n) => n.ratingCount);
    expect([...counts].sort((a, b) => b - a)).toEqual(counts);
    const title = (await t.database.db.prisma.item.findFirstOrThrow({ where: { title: { not: null } }, orderBy: { id: "asc" } })).title!;
    const word = title.split(" ")[1] ?? title.split(" ")[0];
    const search = await gql<{ items: { edges: { node: { title: string } }[] } }>(t.url, `query($s: String) { items(search: $s, first: 100) { edges { node { title } } } }`, { s: word.toUpperCase() });
    expect(search.data!.items.edges.length).toBeGreaterThan(0);
    expect(search.data!.items.edges.every((e) => e.node.title.toLowerCase().includes(word.toLowerCase()))).toBe(true);
  });
});

describe("recommendations", () => {
  it("returns ranked items that the user has not rated, with the model and run", async () => {
    const list = await recommend({ first: 10 });
    expect(list.edges).toHaveLength(10);
    expect(list.edges.map((e) => e.node.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(list.edges.some((e) => ratedItemIds.includes(e.node.item.id))).toBe(false);
    expect(list.model).toBe("popularity");
    expect(list.source).toBe("MODEL");
    expect(list.modelRunId).toMatch(/^\d+$/);
    const withRated = await recommend({ first: 100, excludeRated: false });
    expect(withRated.edges.some((e) => ratedItemIds.includes(e.node.item.id))).toBe(true);
  });

  it("paginates without gaps or overlaps", async () => {
    const all = await recommend({ first: 20 });
    const first = await recommend({ first: 10 });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await recommend({ first: 10, after: first.pageInfo.endCursor });
    expect([...first.edges, ...second.edges].map((e) => e.node.item.id)).toEqual(all.edges.map((e) => e.node.item.id));
    expect(second.edges[0].node.rank).toBe(11);
  });

  it("applies genre, year and exclusion filters", async () => {
    const genre = (await gql<{ genres: { genre: string }[] }>(t.url, "{ genres { genre } }")).data!.genres[1].genre;
    const list = await recommend({ first: 10, filter: { genres: [genre], yearRange: { from: 1980, to: 1999 } } });
    expect(list.edges.length).toBeGreaterThan(0);
    for (const edge of list.edges) {
      expect(edge.node.item.genres).toContain(genre);
      expect(edge.node.item.year).toBeGreaterThanOrEqual(1980);
      expect(edge.node.item.year).toBeLessThanOrEqual(1999);
    }
    const plain = await recommend({ first: 5 });
    const excluded = plain.edges.slice(0, 2).map((e) => e.node.item.id);
    const without = await recommend({ first: 5, filter: { excludeItemIds: excluded } });
    expect(without.edges.some((e) => excluded.includes(e.node.item.id))).toBe(false);
  });

  it("diversity re-ranks toward variety", async () => {
    const plain = await recommend({ first: 10 });
    const diverse = await recommend({ first: 10, diversity: 0.9 });
    expect(diverse.edges).toHaveLength(10);
    const genreSpread = (list: RecommendationConnection) => new Set(list.edges.flatMap((e) => e.node.item.genres)).size;
    expect(genreSpread(diverse)).toBeGreaterThanOrEqual(genreSpread(plain));
    expect(diverse.edges.map((e) => e.node.item.id)).not.toEqual(plain.edges.map((e) => e.node.item.id));
  });

  /** SQL queries since t.queries was emptied, less the job reaper's (it polls the jobs table every 2 s, whatever the requests). */
  const requestQueries = () => t.queries.filter((sql) => !/"public"\."jobs"/.test(sql)).length;

  it("costs a constant number of SQL queries whatever the list size (DataLoader)", async () => {
    const query = `query($user: ID!, $first: Int) { recommendations(userId: $user, first: $first) { edges { node { item { id title genres ratingCount averageRating } } } } }`;
    const count = async (first: number) => {
      t.itemCache.clear(); // measure the batched database path, not the shared cache
      t.queries.length = 0;
      const result = await gql(t.url, query, { user: userId, first });
      expect(result.errors).toBeUndefined();
      return requestQueries();
    };
    const ten = await count(10);
    const hundred = await count(100);
    // One query for the items, one for their rating statistics, whatever the list size.
    expect(ten).toBe(2);
    expect(hundred).toBe(ten);
    // With the shared item cache warm, only the statistics query remains.
    t.queries.length = 0;
    await gql(t.url, query, { user: userId, first: 100 });
    expect(requestQueries()).toBe(1);
  });

  it("users' rating pages are batched: the same queries for 5 or 50 users, and the same pages as one by one", async () => {
    const query = `query($n: Int) { users(first: $n) { edges { node { id ratings(first: 3) { totalCount edges { node { value ratedAt item { id } } } } } } } }`;
    type Page = { users: { edges: { node: { id: string; ratings: { totalCount: number; edges: { node: { value: number; ratedAt: string | null; item: { id: string } } }[] } } }[] } };
    const run = async (n: number) => {
      t.queries.length = 0;
      const result = await gql<Page>(t.url, query, { n });
      expect(result.errors).toBeUndefined();
      return { queries: requestQueries(), users: result.data!.users.edges.map((e) => e.node) };
    };
    const five = await run(5);
    const fifty = await run(50);
    expect(fifty.queries).toBe(five.queries);
    const single = await gql<{ user: Page["users"]["edges"][number]["node"] }>(
      t.url,
      `query($id: ID!) { user(id: $id) { id ratings(first: 3) { totalCount edges { node { value ratedAt item { id } } } } } }`,
      { id: fifty.users[17].id },
    );
    expect(single.data!.user).toEqual(fifty.users[17]);
    expect(fifty.users[17].ratings.totalCount).toBe(await t.database.db.prisma.rating.count({ where: { user: { externalId: fifty.users[17].id } } }));
  });
});

describe("errors carry extensions.code", () => {
  it("BAD_USER_INPUT names the argument and the allowed range", async () => {
    for (const first of [0, 101]) {
      const error = await errorOf(RECOMMEND, { user: userId, first });
      expect(error.extensions?.code).toBe("BAD_USER_INPUT");
      expect(error.extensions?.field).toBe("first");
      expect(error.message).toMatch(/1–100/);
    }
    const model = await errorOf(RECOMMEND, { user: userId, model: "no-such-model" });
    expect(model.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "model" });
    const genre = await errorOf(RECOMMEND, { user: userId, filter: { genres: ["Space Opera Westerns"] } });
    expect(genre.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "filter.genres" });
    const diversity = await errorOf(RECOMMEND, { user: userId, diversity: 2 });
    expect(diversity.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "diversity" });
    const cursor = await errorOf(RECOMMEND, { user: userId, after: "garbage" });
    expect(cursor.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("NOT_FOUND for unknown users and items, MODEL_NOT_READY for untrained models", async () => {
    expect((await errorOf(RECOMMEND, { user: "no-such-user" })).extensions?.code).toBe("NOT_FOUND");
    expect((await errorOf(`{ similarItems(itemId: "no-such-item") { score } }`)).extensions?.code).toBe("NOT_FOUND");
    const untrained = t.recommender.servedModels().length > 0 ? "ials" : "popularity";
    const error = await errorOf(RECOMMEND, { user: userId, model: untrained });
    expect(["MODEL_NOT_READY", "BAD_USER_INPUT"]).toContain(error.extensions?.code);
  });

  it("refuses queries that are too deep or too costly", async () => {
    const deep = `{ user(id: "1") { ratings { edges { node { user { ratings { edges { node { user { ratings { edges { node { user { id } } } } } } } } } } } } } }`;
    expect(await errorOf(deep)).toMatchObject({ message: expect.stringMatching(/maxDepth: limit of 12 exceeded, found 14/), extensions: { code: "QUERY_TOO_COMPLEX", rule: "maxDepth", limit: 12 } });
    const costly = `{ users(first: 100) { edges { node { ratings(first: 100) { edges { node { item { id } } } } } } } }`;
    expect(await errorOf(costly)).toMatchObject({ message: expect.stringMatching(/estimated cost \d+ exceeds the limit of 20000/), extensions: { code: "QUERY_TOO_COMPLEX", rule: "maxCost" } });
  });
});

describe("users, ratings and cold start", () => {
  it("a new user gets labelled popularity results, then folds in ratings without retraining", async () => {
    const created = await gql<{ createUser: { id: string; ratingCount: number } }>(t.url, `mutation { createUser(input: { id: "newcomer", attributes: { age: 30 } }) { id ratingCount } }`);
    expect(created.data!.createUser).toEqual({ id: "newcomer", ratingCount: 0 });
    const before = await gql<{ recommendations: RecommendationConnection }>(t.url, RECOMMEND, { user: "newcomer", first: 10 });
    expect(before.data!.recommendations.source).toBe("POPULARITY_FALLBACK");
    const top = before.data!.recommendations.edges[0].node.item.id;
    const rated = await gql<{ rateItem: { value: number; item: { id: string }; user: { id: string } } }>(
      t.url,
      `mutation($item: ID!) { rateItem(userId: "newcomer", itemId: $item, value: 5) { value item { id } user { id } } }`,
      { item: top },
    );
    expect(rated.data!.rateItem).toEqual({ value: 5, item: { id: top }, user: { id: "newcomer" } });
    const after = await gql<{ recommendations: RecommendationConnection }>(t.url, RECOMMEND, { user: "newcomer", first: 10 });
    expect(after.data!.recommendations.source).toBe("FOLD_IN");
    expect(after.data!.recommendations.edges.map((e) => e.node.item.id)).not.toContain(top);
    const deleted = await gql<{ deleteRating: boolean }>(t.url, `mutation($item: ID!) { deleteRating(userId: "newcomer", itemId: $item) }`, { item: top });
    expect(deleted.data!.deleteRating).toBe(true);
    const again = await gql<{ deleteRating: boolean }>(t.url, `mutation($item: ID!) { deleteRating(userId: "newcomer", itemId: $item) }`, { item: top });
    expect(again.data!.deleteRating).toBe(false);
  });

  it("rejects duplicates and bad values; rating an unknown item is NOT_FOUND", async () => {
    const duplicate = await errorOf(`mutation { createUser(input: { id: "newcomer" }) { id } }`);
    expect(duplicate.extensions?.code).toBe("CONFLICT");
    const unknown = await errorOf(`mutation { rateItem(userId: "newcomer", itemId: "no-such-item", value: 3) { value } }`);
    expect(unknown.extensions?.code).toBe("NOT_FOUND");
    const year = await errorOf(`mutation { createItem(input: { id: "x1", year: 3000 }) { id } }`, {}, admin);
    expect(year.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.year" });
  });

  it("recommends for an anonymous profile", async () => {
    const result = await gql<{ recommendationsForProfile: RecommendationConnection }>(
      t.url,
      `query($ratings: [ProfileRatingInput!]!) { recommendationsForProfile(ratings: $ratings, first: 5) { source edges { node { item { id } } } } }`,
      { ratings: ratedItemIds.slice(0, 3).map((itemId) => ({ itemId, value: 5 })) },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendationsForProfile.source).toBe("FOLD_IN");
    const ids = result.data!.recommendationsForProfile.edges.map((e) => e.node.item.id);
    expect(ids).toHaveLength(5);
    expect(ids.some((id) => ratedItemIds.slice(0, 3).includes(id))).toBe(false);
  });

  it("explains a recommendation with the user's rated items and graph paths", async () => {
    const item = (await recommend({ first: 1 })).edges[0].node.item.id;
    const result = await gql<{ explain: { summary: string; becauseYouRated: { item: { id: string }; weight: number }[]; paths: { nodes: { kind: string; id: string }[] }[] } }>(
      t.url,
      `query($u: ID!, $i: ID!) { explain(userId: $u, itemId: $i, maxPaths: 3) { summary becauseYouRated { item { id } weight } paths { nodes { kind id } } } }`,
      { u: userId, i: item },
    );
    expect(result.errors).toBeUndefined();
    const explanation = result.data!.explain;
    expect(explanation.becauseYouRated.length).toBeGreaterThan(0);
    for (const contribution of explanation.becauseYouRated) expect(ratedItemIds).toContain(contribution.item.id);
    expect(explanation.paths.length).toBeGreaterThan(0);
    expect(explanation.paths.length).toBeLessThanOrEqual(3);
    for (const p of explanation.paths) {
      expect(p.nodes.map((n) => n.kind)).toEqual(["USER", "ITEM", "USER", "ITEM"]);
      expect(p.nodes[0].id).toBe(userId);
      expect(p.nodes[3].id).toBe(item);
      expect(ratedItemIds).toContain(p.nodes[1].id);
    }
    expect(explanation.summary.length).toBeGreaterThan(10);
  });
});

describe("admin jobs", () => {
  it("guards admin mutations: UNAUTHENTICATED without a key, FORBIDDEN with a wrong one", async () => {
    const mutation = `mutation { trainModel(model: "popularity") { id } }`;
    expect((await errorOf(mutation)).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await errorOf(mutation, {}, { "x-api-key": "wrong" })).extensions?.code).toBe("FORBIDDEN");
    expect((await errorOf(mutation, {}, { authorization: "Bearer wrong" })).extensions?.code).toBe("FORBIDDEN");
  });

  it("trains in the background and swaps the new version in; activateModelRun rolls back", async () => {
    const before = await recommend({ first: 3 });
    const started = await gql<{ trainModel: { id: string; status: string; kind: string } }>(
      t.url,
      `mutation { trainModel(model: "popularity", params: { minValue: 4 }) { id status kind } }`,
      {},
      admin,
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.trainModel.kind).toBe("TRAIN");
    const job = await waitForJob(started.data!.trainModel.id);
    expect({ status: job.status, error: job.error }).toEqual({ status: "SUCCEEDED", error: null });
    expect(job.modelRun.active).toBe(true);
    const after = await recommend({ first: 3 });
    expect(after.modelRunId).toBe(job.modelRun.id);
    expect(after.modelRunId).not.toBe(before.modelRunId);
    const models = await gql<{ model: { activeRun: { id: string; params: { minValue: number } } } }>(t.url, `{ model(name: "popularity") { activeRun { id params } } }`);
    expect(models.data!.model.activeRun).toMatchObject({ id: job.modelRun.id, params: { minValue: 4 } });
    const rollback = await gql<{ activateModelRun: { id: string; active: boolean } }>(t.url, `mutation($id: ID!) { activateModelRun(id: $id) { id active } }`, { id: before.modelRunId }, admin);
    expect(rollback.data!.activateModelRun).toEqual({ id: before.modelRunId, active: true });
    expect((await recommend({ first: 3 })).modelRunId).toBe(before.modelRunId);
  });

  it("cancelJob stops a running training: the job is CANCELLED, its run FAILED, the served version stays", async () => {
    const servedBefore = await recommend({ first: 3 });
    const slow = `{ dim: 16, layers: 2, batchSize: 256, epochs: 100000, validationFraction: 0, patience: 0, threads: 1 }`;
    const started = await gql<{ trainModel: { id: string } }>(t.url, `mutation { trainModel(model: "lightgcn", params: ${slow}) { id } }`, {}, admin);
    expect(started.errors).toBeUndefined();
    const id = started.data!.trainModel.id;
    // Wait until it runs (its model run exists), then cancel.
    for (let attempt = 0; attempt < 300; attempt++) {
      const job = await gql<{ job: { status: string; modelRun: { id: string } | null } }>(t.url, `query($id: ID!) { job(id: $id) { status modelRun { id } } }`, { id }, admin);
      if (job.data?.job.status === "RUNNING" && job.data.job.modelRun) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await errorOf(`mutation { cancelJob(id: "no-such-job") { id } }`, {}, admin)).extensions?.code).toBe("NOT_FOUND");
    expect((await errorOf(`mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id })).extensions?.code).toBe("UNAUTHENTICATED");
    const cancelled = await gql(t.url, `mutation($id: ID!) { cancelJob(id: $id) { id } }`, { id }, admin);
    expect(cancelled.errors).toBeUndefined();
    const job = await waitForJob(id);
    expect({ status: job.status, errorCode: job.errorCode }).toEqual({ status: "FAILED", errorCode: "CANCELLED" });
    expect(job.modelRun.status).toBe("FAILED");
    expect(job.modelRun.active).toBe(false);
    expect(await recommend({ first: 3 })).toEqual(servedBefore);
  });

  it("demo sign-in (anonymous writes on): a token for an existing user that rates as that user only", async () => {
    const info = await gql<{ serverInfo: { anonymousWrites: boolean; userTokens: boolean } }>(t.url, `{ serverInfo { anonymousWrites userTokens defaultModel } }`);
    expect(info.data!.serverInfo).toMatchObject({ anonymousWrites: true, userTokens: true });
    expect((await errorOf(`mutation { demoUserToken(userId: "no-such-user") }`)).extensions?.code).toBe("NOT_FOUND");
    const issued = await gql<{ demoUserToken: string }>(t.url, `mutation { demoUserToken(userId: "1") }`);
    const token = issued.data!.demoUserToken;
    expect(token.split(".")).toHaveLength(3);
    const item = (await gql<{ items: { edges: { node: { id: string } }[] } }>(t.url, `{ items(first: 1) { edges { node { id } } } }`)).data!.items.edges[0].node.id;
    const asUser = await gql(t.url, `mutation($i: ID!) { rateItem(userId: "1", itemId: $i, value: 3) { value } }`, { i: item }, { authorization: `Bearer ${token}` });
    expect(asUser.errors).toBeUndefined();
    const asOther = await errorOf(`mutation($i: ID!) { rateItem(userId: "2", itemId: $i, value: 3) { value } }`, { i: item }, { authorization: `Bearer ${token}` });
    expect(asOther.extensions?.code).toBe("FORBIDDEN");
  });

  it("rejects bad hyper-parameters at once, with the field", async () => {
    const error = await errorOf(`mutation { trainModel(model: "popularity", params: { minValue: "lots" }) { id } }`, {}, admin);
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "popularity.minValue" });
  });

  it("trains with the IF_NOT_WORSE policy: held-out metrics stored, the decision in the run; refuses the policy without a holdout", async () => {
    const refused = await errorOf(`mutation { trainModel(model: "popularity", activation: { policy: IF_NOT_WORSE }, heldOut: false) { id } }`, {}, admin);
    expect(refused.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    const tolerance = await errorOf(`mutation { trainModel(model: "popularity", activation: { policy: IF_NOT_WORSE, tolerance: 3 }) { id } }`, {}, admin);
    expect(tolerance.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "activation.tolerance" });
    const started = await gql<{ trainModel: { id: string; trigger: string } }>(
      t.url,
      `mutation { trainModel(model: "popularity", activation: { policy: IF_NOT_WORSE, tolerance: 1 }) { id trigger } }`,
      {},
      admin,
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.trainModel.trigger).toBe("admin");
    const job = await waitForJob(started.data!.trainModel.id);
    expect(job.status).toBe("SUCCEEDED");
    const run = await gql<{ modelRuns: { edges: { node: { id: string; metrics: { heldOut: Record<string, number>; activation: { activated: boolean; policy: string } } } }[] } }>(
      t.url,
      `{ modelRuns(model: "popularity", first: 1) { edges { node { id metrics } } } }`,
    );
    const metrics = run.data!.modelRuns.edges[0].node.metrics;
    expect(metrics.heldOut["ndcg@20"]).toBeGreaterThan(0);
    expect(metrics.activation).toMatchObject({ activated: true, policy: "ifNotWorse" });
  });

  it("imports through a job; a malformed file fails the job with file:line and changes nothing", async () => {
    const ratingsBefore = await t.database.db.prisma.rating.count();
    const bad = writeFiles({ "r.csv": "user,item,rating\nnew-u1,new-i1,4\nnew-u2,new-i2\n" });
    const failing = await gql<{ importDataset: { id: string } }>(t.url, `mutation($p: String!) { importDataset(format: csv, path: $p) { id } }`, { p: path.join(bad, "r.csv") }, admin);
    const failed = await waitForJob(failing.data!.importDataset.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.errorCode).toBe("PARSE_ERROR");
    expect(failed.error).toMatch(/r\.csv:3: expected 3 comma-separated fields, found 2/);
    expect(await t.database.db.prisma.rating.count()).toBe(ratingsBefore);

    const good = writeFiles({ "r.csv": "user,item,rating\nnew-u1,new-i1,4\nnew-u2,new-i1,5\n" });
    const importing = await gql<{ importDataset: { id: string } }>(t.url, `mutation($p: String!) { importDataset(format: csv, path: $p) { id } }`, { p: path.join(good, "r.csv") }, admin);
    const done = await waitForJob(importing.data!.importDataset.id);
    expect(done.status).toBe("SUCCEEDED");
    expect(done.result).toMatchObject({ ratingsInserted: 2, usersInserted: 2, itemsInserted: 1 });
    const health = await gql<{ health: { ratings: number } }>(t.url, "{ health { ratings } }");
    expect(health.data!.health.ratings).toBe(ratingsBefore + 2);
  });
});

interface JobView {
  id: string;
  status: string;
  progress: number;
  error: string | null;
  errorCode: string | null;
  result: Record<string, unknown> | null;
  modelRun: { id: string; active: boolean; status: string };
}

function waitForJob(id: string): Promise<JobView> {
  return waitForJobAt<JobView>(t.url, id, "id status progress error errorCode result modelRun { id active status }", 600);
}

describe("production mode", () => {
  let production: TestServer;
  beforeAll(async () => {
    production = await startTestServer({ production: true, adminApiKey: null });
  });
  afterAll(async () => {
    await production?.close();
  });

  it("sends codes without stack traces, hides internal errors, and disables admin without a configured key", async () => {
    const bad = await gql(production.url, `{ recommendations(userId: "1", first: 0) { model } }`);
    expect(bad.errors![0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(bad.errors![0].extensions?.stacktrace).toBeUndefined();
    const admin = await gql(production.url, `mutation { trainModel(model: "popularity") { id } }`, {}, { "x-api-key": "anything" });
    expect(admin.errors![0].extensions?.code).toBe("FORBIDDEN");
    // Break the database connection: the resulting unexpected error must not leak internals.
    await production.database.db.pool.end();
    const broken = await gql(production.url, `{ users(first: 1) { totalCount } }`);
    expect(broken.errors![0]).toMatchObject({ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(broken.errors)).not.toMatch(/pool|stack|node_modules/i);
  });
});
