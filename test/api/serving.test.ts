// Serving personalised models over real HTTP against real PostgreSQL: fold-in of a known
// user's new ratings (ALS; the GF-CF graph filter, whose change is exact), next items from a sequential model (SASRec), explanations that
// follow the interaction graph as ratings change, content similarity for a brand-new item,
// graph-walk similar items (RP3beta), and a failed training that leaves the served version
// in place. Models are trained for real before the server starts (short settings).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql, waitForJob } from "../helpers/graphql";
import { ADMIN_KEY, startTestServer, type TestServer } from "../helpers/server";

let t: TestServer;
let userId: string;
let history: string[];

interface Connection {
  edges: { node: { rank: number; score: number; model: string; item: { id: string; genres: string[] } } }[];
  model: string;
  source: string;
  modelRunId: string | null;
}

const RECOMMEND = `query($user: ID!, $model: String, $first: Int) {
  recommendations(userId: $user, model: $model, first: $first) { edges { node { rank score model item { id genres } } } model source modelRunId }
}`;
const NEXT = `query($user: ID!, $first: Int) {
  nextItems(userId: $user, first: $first) { edges { node { rank score model item { id genres } } } model source modelRunId }
}`;

async function query<T>(text: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const result = await gql<T>(t.url, text, variables, headers);
  expect(result.errors).toBeUndefined();
  return result.data!;
}

const ids = (c: Connection) => c.edges.map((e) => e.node.item.id);

async function rate(user: string, item: string, value: number, ratedAt?: string): Promise<void> {
  await query(`mutation($u: ID!, $i: ID!, $v: Float!, $at: DateTime) { rateItem(userId: $u, itemId: $i, value: $v, ratedAt: $at) { value } }`, { u: user, i: item, v: value, at: ratedAt });
}

beforeAll(async () => {
  t = await startTestServer({
    models: [
      "als",
      { model: "sasrec", params: { maxLength: 50, dim: 32, blocks: 1, batchSize: 64, lr: 0.005, epochs: 4, evalEvery: 0 } },
      "content",
      "rp3beta",
      { model: "mf", params: { factors: 16, epochs: 5 } },
      { model: "gfcf", params: { rank: 64 } },
      "popularity",
    ],
  });
  const someone = await t.database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" }, include: { ratings: { include: { item: true }, orderBy: { ratedAt: "asc" } } } });
  userId = someone.externalId;
  history = someone.ratings.map((r) => r.item.externalId);
}, 600_000);

afterAll(async () => {
  await t?.close();
});

describe("fold-in with a personalised model", () => {
  it("rateItem changes a known user's ALS recommendations at once, without retraining", async () => {
    const user = userId;
    const before = (await query<{ recommendations: Connection }>(RECOMMEND, { user, model: "als", first: 20 })).recommendations;
    expect(before.source).toBe("MODEL");
    for (const item of ids(before)) expect(history).not.toContain(item);
    // Strong dislikes of the three best-ranked items move the whole user vector.
    const disliked = ids(before).slice(0, 3);
    for (const item of disliked) await rate(user, item, 1);
    const after = (await query<{ recommendations: Connection }>(RECOMMEND, { user, model: "als", first: 20 })).recommendations;
    expect(after.source).toBe("FOLD_IN");
    expect(after.modelRunId).toBe(before.modelRunId);
    for (const item of disliked) expect(ids(after)).not.toContain(item);
    // Not just the old list shifted up: the scores of items in both lists changed.
    const oldScores = new Map(before.edges.map((e) => [e.node.item.id, e.node.score]));
    const common = after.edges.filter((e) => oldScores.has(e.node.item.id));
    expect(common.length).toBeGreaterThan(0);
    expect(common.some((e) => Math.abs(e.node.score - oldScores.get(e.node.item.id)!) > 1e-4)).toBe(true);
    for (const item of disliked) await query(`mutation($u: ID!, $i: ID!) { deleteRating(userId: $u, itemId: $i) }`, { u: user, i: item });
  });
});

describe("fold-in with a graph filter (GF-CF)", () => {
  it("is listed with its paper and parameters", async () => {
    const { models } = await query<{ models: { name: string; family: string; paper: string; capabilities: { foldIn: boolean }; parameters: { name: string }[]; activeRun: { id: string } | null }[] }>(
      `{ models { name family paper capabilities { foldIn } parameters { name } activeRun { id } } }`,
    );
    const byName = new Map(models.map((m) => [m.name, m]));
    for (const name of ["gfcf", "bspm"]) {
      expect(byName.get(name)).toMatchObject({ family: "graph", capabilities: { foldIn: true } });
      expect(byName.get(name)!.paper).toMatch(/20(21|23)/);
    }
    expect(byName.get("gfcf")!.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(["alpha", "rank"]));
    expect(byName.get("gfcf")!.activeRun).not.toBeNull();
  });

  it("a new rating changes every score at once by the rated item's row of the filter (its similar-items scores), without retraining", async () => {
    // A user no other test rates for (the ALS test leaves its user with changed ratings).
    const other = await t.database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" }, skip: 1, include: { ratings: { include: { item: true } } } });
    const user = other.externalId;
    const history = other.ratings.map((r) => r.item.externalId);
    const first = 100;
    const before = (await query<{ recommendations: Connection }>(RECOMMEND, { user, model: "gfcf", first })).recommendations;
    expect(before.source).toBe("MODEL");
    const rated = ids(before)[0];
    const similar = (
      await query<{ similarItems: { item: { id: string }; score: number }[] }>(`query($i: ID!) { similarItems(itemId: $i, model: "gfcf", first: ${first}) { item { id } score } }`, { i: rated })
    ).similarItems;
    await rate(user, rated, 4);
    const after = (await query<{ recommendations: Connection }>(RECOMMEND, { user, model: "gfcf", first })).recommendations;
    expect(after.source).toBe("FOLD_IN");
    expect(after.modelRunId).toBe(before.modelRunId);
    expect(ids(after)).not.toContain(rated);
    // The filter is linear in the user's row: score after = score before + the rated item's filter row.
    const old = new Map(before.edges.map((e) => [e.node.item.id, e.node.score]));
    const step = new Map(similar.map((s) => [s.item.id, s.score]));
    const checked = after.edges.filter((e) => old.has(e.node.item.id) && step.has(e.node.item.id));
    expect(checked.length).toBeGreaterThan(5);
    for (const e of checked) expect(e.node.score).toBeCloseTo(old.get(e.node.item.id)! + step.get(e.node.item.id)!, 4);

    // The explanation's "because you rated" is the model's own split of the score over the user's items.
    const explained = ids(after)[0];
    const { explain } = await query<{ explain: { model: string; score: number; summary: string; becauseYouRated: { item: { id: string; title: string }; weight: number }[] } }>(
      `query($u: ID!, $i: ID!) { explain(userId: $u, itemId: $i, model: "gfcf") { model score summary becauseYouRated { item { id title } weight } } }`,
      { u: user, i: explained },
    );
    expect(explain.model).toBe("gfcf");
    expect(explain.score).toBeCloseTo(after.edges[0].node.score, 4);
    expect(explain.becauseYouRated.length).toBeGreaterThan(0);
    const weights = explain.becauseYouRated.map((c) => c.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(weights.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-6);
    for (const c of explain.becauseYouRated) expect([...history, rated]).toContain(c.item.id);
    // The sentence names the same items and the share they carry.
    expect(explain.summary).toContain(explain.becauseYouRated[0].item.title);
    expect(explain.summary).toContain("of gfcf's score");
    await query(`mutation($u: ID!, $i: ID!) { deleteRating(userId: $u, itemId: $i) }`, { u: user, i: rated });
  });
});

describe("next items (SASRec)", () => {
  it("leaves out seen items and follows the user's latest interactions", async () => {
    const user = "sequence-user";
    await query(`mutation($u: ID!) { createUser(input: { id: $u }) { id } }`, { u: user });
    // A history borrowed from a real user, in their time order.
    const base = history.slice(0, 20);
    let time = Date.parse("2020-01-01T00:00:00Z");
    for (const item of base) await rate(user, item, 4, new Date((time += 60_000)).toISOString());
    const first = (await query<{ nextItems: Connection }>(NEXT, { user, first: 10 })).nextItems;
    expect(first.model).toBe("sasrec");
    expect(first.edges).toHaveLength(10);
    for (const item of ids(first)) expect(base).not.toContain(item);
    // The user now watches the suggested items: they leave the list and the list moves on.
    const watched = ids(first).slice(0, 5);
    for (const item of watched) await rate(user, item, 5, new Date((time += 60_000)).toISOString());
    const second = (await query<{ nextItems: Connection }>(NEXT, { user, first: 10 })).nextItems;
    for (const item of [...base, ...watched]) expect(ids(second)).not.toContain(item);
    // A different recent tail (the other end of the borrowed history) gives a different list.
    const other = "sequence-user-2";
    await query(`mutation($u: ID!) { createUser(input: { id: $u }) { id } }`, { u: other });
    for (const item of [...base, ...history.slice(-8)]) await rate(other, item, 4, new Date((time += 60_000)).toISOString());
    const third = (await query<{ nextItems: Connection }>(NEXT, { user: other, first: 10 })).nextItems;
    expect(ids(third)).not.toEqual(ids(first));
    for (const item of history.slice(-8)) expect(ids(third)).not.toContain(item);
  });

  it("refuses a model that is not sequential", async () => {
    const result = await gql(t.url, `query($u: ID!) { nextItems(userId: $u, model: "als") { model } }`, { u: userId });
    expect(result.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "model" });
  });
});

describe("explanations on the interaction graph", () => {
  it("follow a new user's ratings as they are added and deleted", async () => {
    const user = "graph-newbie";
    await query(`mutation($u: ID!) { createUser(input: { id: $u }) { id } }`, { u: user });
    const [via, target] = [history[0], history[1]];
    const EXPLAIN = `query($u: ID!, $i: ID!) { explain(userId: $u, itemId: $i, maxPaths: 3) { becauseYouRated { item { id } weight } paths { nodes { kind id } weight } } }`;
    type Explained = { explain: { becauseYouRated: { item: { id: string }; weight: number }[]; paths: { nodes: { kind: string; id: string }[]; weight: number }[] } };
    const empty = (await query<Explained>(EXPLAIN, { u: user, i: target })).explain;
    expect(empty).toEqual({ becauseYouRated: [], paths: [] });

    await rate(user, via, 5);
    const explained = (await query<Explained>(EXPLAIN, { u: user, i: target })).explain;
    expect(explained.becauseYouRated.map((c) => c.item.id)).toEqual([via]);
    expect(explained.becauseYouRated[0].weight).toBeCloseTo(1, 6);
    expect(explained.paths.length).toBeGreaterThan(0);
    for (const p of explained.paths) {
      expect(p.nodes.map((n) => n.id)).toEqual([user, via, p.nodes[2].id, target]);
      expect(p.weight).toBeGreaterThan(0);
    }
    const weights = explained.paths.map((p) => p.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));

    await query(`mutation($u: ID!, $i: ID!) { deleteRating(userId: $u, itemId: $i) }`, { u: user, i: via });
    expect((await query<Explained>(EXPLAIN, { u: user, i: target })).explain).toEqual({ becauseYouRated: [], paths: [] });
  });
});

describe("similar items", () => {
  it("a brand-new item with no ratings gets content neighbours that share its genres", async () => {
    const item = await t.database.db.prisma.item.findFirstOrThrow({ where: { genres: { isEmpty: false } }, orderBy: { id: "asc" } });
    await query(`mutation($g: [String!]) { createItem(input: { id: "cold-item", title: "A brand new film", genres: $g, year: 2026 }) { id } }`, { g: item.genres }, { "x-api-key": ADMIN_KEY });
    const { similarItems } = await query<{ similarItems: { item: { id: string; genres: string[] }; score: number; model: string }[] }>(
      `{ similarItems(itemId: "cold-item", model: "content", first: 10) { item { id genres } score model } }`,
    );
    expect(similarItems).toHaveLength(10);
    for (const s of similarItems) {
      expect(s.model).toBe("content");
      expect(s.item.id).not.toBe("cold-item");
      expect(s.item.genres.some((g) => item.genres.includes(g))).toBe(true);
    }
    // A collaborative model has no row for it.
    const unknown = await gql(t.url, `{ similarItems(itemId: "cold-item", model: "als") { score } }`);
    expect(unknown.errors?.[0].extensions?.code).toMatch(/MODEL_NOT_READY|NOT_FOUND|BAD_USER_INPUT/);
  });

  it("graph-walk similarity (RP3beta) ranks co-consumed items, never the item itself", async () => {
    const { similarItems } = await query<{ similarItems: { item: { id: string }; score: number; model: string }[] }>(
      `query($i: ID!) { similarItems(itemId: $i, model: "rp3beta", first: 10) { item { id } score model } }`,
      { i: history[0] },
    );
    expect(similarItems).toHaveLength(10);
    expect(similarItems.map((s) => s.item.id)).not.toContain(history[0]);
    const scores = similarItems.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores[0]).toBeGreaterThan(0);
  });
});

describe("training failures", () => {
  it("a failed training job leaves the active version serving", async () => {
    const before = (await query<{ recommendations: Connection }>(RECOMMEND, { user: userId, model: "mf", first: 5 })).recommendations;
    const active = (await query<{ model: { activeRun: { id: string } } }>(`{ model(name: "mf") { activeRun { id } } }`)).model.activeRun.id;
    expect(before.modelRunId).toBe(active);
    // Valid parameters that make SGD diverge: the job fails during training.
    const started = await query<{ trainModel: { id: string } }>(`mutation { trainModel(model: "mf", params: { lr: 1, factors: 8, epochs: 30 }) { id } }`, {}, { "x-api-key": ADMIN_KEY });
    const job = await waitForJob<{ status: string; error: string | null }>(t.url, started.trainModel.id, "status error errorCode", 1200);
    expect(job.status).toBe("FAILED");
    expect(job.error).toMatch(/diverged/);
    const after = (await query<{ recommendations: Connection }>(RECOMMEND, { user: userId, model: "mf", first: 5 })).recommendations;
    expect(after.modelRunId).toBe(active);
    expect(ids(after)).toEqual(ids(before));
    const runs = await query<{ modelRuns: { edges: { node: { id: string; status: string; active: boolean } }[] } }>(`{ modelRuns(model: "mf") { edges { node { id status active } } } }`);
    const statuses = runs.modelRuns.edges.map((e) => e.node);
    expect(statuses.find((r) => r.id === active)).toMatchObject({ active: true });
    expect(statuses.some((r) => r.status === "FAILED" && !r.active)).toBe(true);
  });
});
