// Two API "processes" over one real PostgreSQL database: each stack has its own pools,
// RecommenderService, Explainer, CatalogWriter and ReplicaSync (its own LISTEN session), as
// two replicas would. Writes and activations through one reach the other through NOTIFY;
// a killed LISTEN session reconnects and catches up. Propagation latencies are printed.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createItem, createUser } from "../../src/db/catalog";
import { openDb, type Db } from "../../src/db/client";
import { activateRun, activeRuns } from "../../src/db/modelRuns";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { CatalogWriter } from "../../src/services/catalogWrites";
import { Explainer } from "../../src/services/explain";
import { RecommenderService } from "../../src/services/recommender";
import { publishCatalogReload, ReplicaSync } from "../../src/services/replicaSync";
import { trainModel } from "../../src/services/training";
import { createTestDb, type TestDb } from "../helpers/db";

interface Stack {
  name: string;
  db: Db;
  recommender: RecommenderService;
  explainer: Explainer;
  writer: CatalogWriter;
  sync: ReplicaSync;
  logs: string[];
}

let database: TestDb;
let a: Stack;
let b: Stack;
const latencies: Record<string, number[]> = {};

/** A fold-in model and the popularity fallback, quick on the synthetic catalogue. */
const ALS = { model: "als", params: { factors: 16, iterations: 4 } };

async function startStack(name: string, backoffMs = 50): Promise<Stack> {
  // Own pools, as a separate process would have.
  const db = openDb(database.url);
  const logs: string[] = [];
  const recommender = new RecommenderService(db, "als");
  await recommender.init();
  const explainer = new Explainer(recommender);
  const writer = new CatalogWriter(db, recommender, { origin: `test-replica-${name}` });
  const sync = new ReplicaSync({
    db,
    recommender,
    writer,
    log: (message) => logs.push(message),
    listener: { applicationName: `graphrec-listen-${name}`, initialBackoffMs: backoffMs, maxBackoffMs: backoffMs * 4 },
    checkIntervalMs: 60_000, // the notices must do it; the periodic check is tested on its own
  });
  await sync.start();
  return { name, db, recommender, explainer, writer, sync, logs };
}

async function stopStack(stack: Stack | undefined): Promise<void> {
  if (!stack) return;
  await stack.sync.stop();
  for (const served of stack.recommender.servedModels()) served.model.dispose();
  await stack.db.close();
}

/** Polls until `condition` holds; returns the milliseconds it took (fails after `timeoutMs`). */
async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!condition()) {
    if (performance.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

function record(what: string, ms: number): void {
  (latencies[what] ??= []).push(ms);
}

function value(stack: Stack, user: string, item: string): number | undefined {
  const { catalog } = stack.recommender;
  const u = catalog.users.index(user);
  const i = catalog.items.index(item);
  return u === undefined || i === undefined ? undefined : catalog.currentValue(u, i);
}

const itemIds = (stack: Stack, user: string) => stack.recommender.recommend({ userId: user, model: "als", k: 20 }).items.map((s) => stack.recommender.catalog.items.id(s.index));

async function listenPid(name: string): Promise<number | undefined> {
  const rows = await a.db.pool.query<{ pid: number }>("select pid from pg_stat_activity where application_name = $1 and datname = current_database()", [`graphrec-listen-${name}`]);
  return rows.rows[0]?.pid;
}

beforeAll(async () => {
  database = await createTestDb();
  await importSyntheticCatalogue(database.db, { users: 200, items: 300 }, "test");
  for (const request of [ALS, { model: "popularity" }, { model: "content" }]) (await trainModel(database.db, request)).model.dispose();
  a = await startStack("a");
  b = await startStack("b");
}, 300_000);

afterAll(async () => {
  await stopStack(a);
  await stopStack(b);
  await database?.drop();
  const lines = Object.entries(latencies).map(([what, ms]) => {
    const sorted = [...ms].sort((x, y) => x - y);
    return `  ${what}: n=${ms.length} median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
  });
  console.log(`replica propagation latencies (local PostgreSQL):\n${lines.join("\n")}`);
});

describe("catalogue writes reach the other replica", () => {
  it("a rating through B changes A's catalogue and fold-in recommendations within 1 s; a deletion too", async () => {
    const someone = await database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" } });
    const user = someone.externalId;
    const before = a.recommender.recommend({ userId: user, model: "als", k: 20 });
    expect(before.source).toBe("MODEL");
    // Strong dislikes of A's three best-ranked items, written through B.
    const disliked = itemIds(a, user).slice(0, 3);
    for (const item of disliked) {
      const started = performance.now();
      await b.writer.rate(user, item, 1, new Date());
      record("rating write on B (returns after the NOTIFY)", performance.now() - started);
      record("rating B→A after the write returned", await waitFor("rating reaches A", () => value(a, user, item) === 1, 1_000));
    }
    const after = a.recommender.recommend({ userId: user, model: "als", k: 20 });
    expect(after.source).toBe("FOLD_IN");
    for (const item of disliked) expect(itemIds(a, user)).not.toContain(item);
    // Both replicas serve the same list for the user now.
    expect(itemIds(a, user)).toEqual(itemIds(b, user));

    for (const item of disliked) {
      const started = performance.now();
      expect(await b.writer.deleteRating(user, item)).toBe(true);
      record("deletion write on B", performance.now() - started);
      record("deletion B→A after the write returned", await waitFor("deletion reaches A", () => value(a, user, item) === undefined, 1_000));
    }
    expect(a.recommender.catalog.history(a.recommender.requireUserIndex(user)).items.length).toBe(b.recommender.catalog.history(b.recommender.requireUserIndex(user)).items.length);
    expect(itemIds(a, user)).toEqual(itemIds(b, user));
  });

  it("a new user and a new item through B exist in A; A's explanations follow B's ratings", async () => {
    let started = performance.now();
    await b.writer.createUser("replica-newbie", null);
    record("new user B→A", (await waitFor("user reaches A", () => a.recommender.catalog.users.has("replica-newbie"), 1_000)) + (performance.now() - started));

    started = performance.now();
    const metadata = { notes: "x".repeat(10_000) }; // larger than a NOTIFY payload may be
    await b.writer.createItem({ id: "replica-item", title: "Made on B", genres: ["replica-genre"], year: 2025, metadata });
    record("new item B→A", (await waitFor("item reaches A", () => a.recommender.catalog.items.has("replica-item"), 1_000)) + (performance.now() - started));
    const index = a.recommender.catalog.items.index("replica-item")!;
    expect(a.recommender.catalog.content[index]).toMatchObject({ title: "Made on B", genres: ["replica-genre"], year: 2025 });
    expect(a.recommender.catalog.hasGenre("replica-genre")).toBe(true);
    // A can take ratings for it at once.
    await a.writer.rate("replica-newbie", "replica-item", 4, new Date());
    await waitFor("A's rating of B's item reaches B", () => value(b, "replica-newbie", "replica-item") === 4, 1_000);

    // Explanations on A follow a rating written through B.
    const someone = await database.db.prisma.user.findFirstOrThrow({ orderBy: { id: "asc" }, include: { ratings: { include: { item: true }, take: 2 } } });
    const [via, target] = someone.ratings.map((r) => r.item.externalId);
    expect(a.explainer.explain("replica-newbie", target, undefined, 3).becauseYouRated.map((c) => c.itemId)).not.toContain(via);
    await b.writer.rate("replica-newbie", via, 5, new Date());
    await waitFor("rating reaches A", () => value(a, "replica-newbie", via) === 5, 1_000);
    expect(a.explainer.explain("replica-newbie", target, undefined, 3).becauseYouRated.map((c) => c.itemId)).toContain(via);
  });

  it("concurrent ratings of one pair through A and B end with the database's value on both", async () => {
    const user = "replica-newbie";
    const item = a.recommender.catalog.items.id(7);
    for (let round = 0; round < 20; round++) {
      await Promise.all([a.writer.rate(user, item, 2, new Date()), b.writer.rate(user, item, 5, new Date())]);
      const row = await database.db.prisma.rating.findFirstOrThrow({ where: { user: { externalId: user }, item: { externalId: item } } });
      await waitFor("both replicas hold the stored value", () => value(a, user, item) === row.value && value(b, user, item) === row.value, 1_000);
    }
  });
});

describe("model activations reach every replica", () => {
  it("a run activated outside both replicas is served by both within 2 s", async () => {
    // Trained as a separate worker would, without activating; then activated directly.
    const trained = await trainModel(database.db, { ...ALS, params: { ...ALS.params, factors: 8 }, activate: false });
    trained.model.dispose();
    const started = performance.now();
    await activateRun(database.db, trained.run.id);
    const activated = performance.now() - started;
    const servedBy = (stack: Stack) => () => stack.recommender.getServed("als")?.run.id === trained.run.id;
    record("activation → A serves", activated + (await waitFor("A serves the run", servedBy(a), 2_000)));
    record("activation → B serves", performance.now() - started + (await waitFor("B serves the run", servedBy(b), 2_000)));
    expect(a.sync.state().lastSyncAt).not.toBeNull();
  });

  it("a run that does not fit the live catalogue (items appended in another order) makes the replica reload and serve it", async () => {
    // An item written without a notice (as a bulk tool would), then one through A: A's
    // catalogue has the second without the first, so its item ids are not the database's order.
    await createItem(database.db, { externalId: "silent-item", title: "Not announced", genres: ["Western"] });
    await a.writer.createItem({ id: "announced-item", title: "Announced", genres: ["Documentary"] });
    await waitFor("B has the announced item", () => b.recommender.catalog.items.has("announced-item"), 1_000);
    expect(a.recommender.catalog.items.has("silent-item")).toBe(false);
    const reloads = a.sync.state().catalogReloads;
    const trained = await trainModel(database.db, { model: "popularity", activate: false });
    trained.model.dispose();
    const started = performance.now();
    await activateRun(database.db, trained.run.id);
    record(
      "incompatible activation → A reloads and serves",
      (await waitFor("A serves the run", () => a.recommender.getServed("popularity")?.run.id === trained.run.id, 2_000)) + (performance.now() - started),
    );
    await waitFor("B serves the run", () => b.recommender.getServed("popularity")?.run.id === trained.run.id, 2_000);
    expect(a.sync.state().catalogReloads).toBeGreaterThan(reloads);
    expect(a.recommender.catalog.items.has("silent-item")).toBe(true);
    expect(Array.from(a.recommender.catalog.itemDbIdArray())).toEqual(Array.from(b.recommender.catalog.itemDbIdArray()).sort((x, y) => x - y));
    // The content model had been extended with the announced item in A's old order: after the
    // reload it scores both new items as a process started now does.
    const fresh = new RecommenderService(database.db, "als");
    await fresh.init();
    try {
      const similar = (service: RecommenderService, item: string) => service.similarItems(item, "content", 10).items.map((s) => [service.catalog.items.id(s.index), s.score.toFixed(5)]);
      for (const item of ["silent-item", "announced-item"]) {
        expect(similar(a.recommender, item)).toEqual(similar(fresh, item));
        expect(similar(b.recommender, item)).toEqual(similar(fresh, item));
      }
      const top = a.recommender.similarItems("silent-item", "content", 1).items[0];
      expect(a.recommender.catalog.content[top.index].genres).toContain("Western");
    } finally {
      for (const served of fresh.servedModels()) served.model.dispose();
    }
  });

  it("the periodic check installs a run whose notice never came", async () => {
    const trained = await trainModel(database.db, { ...ALS, activate: false });
    trained.model.dispose();
    // Activated with the notice suppressed: the same update activateRun makes, without NOTIFY.
    await database.db.prisma.$transaction([
      database.db.prisma.modelRun.updateMany({ where: { model: "als", active: true }, data: { active: false } }),
      database.db.prisma.modelRun.update({ where: { id: trained.run.id }, data: { active: true } }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(a.recommender.getServed("als")?.run.id).not.toBe(trained.run.id);
    await a.sync.checkRuns();
    expect(a.recommender.getServed("als")?.run.id).toBe(trained.run.id);
    await b.sync.checkRuns();
    expect((await activeRuns(database.db)).map((r) => r.id)).toContain(b.recommender.getServed("als")?.run.id);
  });
});

describe("a lost LISTEN session", () => {
  it("reconnects, reloads the catalogue and serves what it missed", async () => {
    await stopStack(a);
    a = await startStack("a", 400); // a slow first retry: the writes below happen while A is not listening
    const pid = await listenPid("a");
    expect(pid).toBeDefined();
    expect(a.sync.state().listening).toBe(true);
    const reconnects = a.sync.state().reconnects;

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const killedAt = performance.now();
    await admin.query("select pg_terminate_backend($1)", [pid]);
    await admin.end();
    await waitFor("A notices", () => !a.sync.state().listening, 1_000);

    // Missed by A: a rating and a user through B, a run activated elsewhere.
    await b.writer.createUser("while-a-was-away", null);
    await b.writer.rate("while-a-was-away", a.recommender.catalog.items.id(3), 3, new Date());
    const trained = await trainModel(database.db, { model: "popularity", activate: false });
    trained.model.dispose();
    await activateRun(database.db, trained.run.id);

    const back = await waitFor("A listens again", () => a.sync.state().listening, 5_000);
    record("LISTEN session killed → listening again", performance.now() - killedAt);
    expect(a.sync.state().reconnects).toBe(reconnects + 1);
    expect(await listenPid("a")).not.toBe(pid);
    const caughtUp = await waitFor(
      "A caught up",
      () => value(a, "while-a-was-away", a.recommender.catalog.items.id(3)) === 3 && a.recommender.getServed("popularity")?.run.id === trained.run.id,
      5_000,
    );
    record("reconnect → caught up (reload + run check)", caughtUp);
    void back;
    expect(a.logs.some((line) => /listening again/.test(line))).toBe(true);

    // And notices flow again.
    const started = performance.now();
    await b.writer.rate("while-a-was-away", a.recommender.catalog.items.id(4), 2, new Date());
    record("rating B→A after reconnect", performance.now() - started + (await waitFor("rating reaches A", () => value(a, "while-a-was-away", a.recommender.catalog.items.id(4)) === 2, 1_000)));
  });

  it("a reload notice (after an import elsewhere) makes both replicas reload", async () => {
    await createUser(database.db, "imported-user", undefined);
    const [ra, rb] = [a.sync.state().catalogReloads, b.sync.state().catalogReloads];
    const started = performance.now();
    await publishCatalogReload(database.db);
    record("reload notice → A reloaded", (await waitFor("A reloads", () => a.recommender.catalog.users.has("imported-user"), 2_000)) + (performance.now() - started));
    await waitFor("B reloads", () => b.recommender.catalog.users.has("imported-user"), 2_000);
    expect(a.sync.state().catalogReloads).toBe(ra + 1);
    expect(b.sync.state().catalogReloads).toBe(rb + 1);
  });
});
