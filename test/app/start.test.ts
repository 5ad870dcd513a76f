import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../../src/app";
import { loadConfig, withDevelopmentDefaults } from "../../src/config";
import { createEmptyDatabase } from "../helpers/db";
import { datasetPath } from "../helpers/datasets";
import { gql } from "../helpers/graphql";

const RECOMMEND = `query($user: ID!) { recommendations(userId: $user, first: 10) { model source edges { node { rank score item { id title } } } } }`;

function appConfig(databaseUrl: string, extra: Record<string, string> = {}) {
  return loadConfig({ DATABASE_URL: databaseUrl, GRAPHREC_HOME: fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-home-")), HOST: "127.0.0.1", ...extra });
}

describe("the main job (npm start)", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function start(extra: Record<string, string> = {}, databaseUrl?: string): Promise<App> {
    let url = databaseUrl;
    if (!url) {
      const database = await createEmptyDatabase();
      cleanups.push(database.drop);
      url = database.url;
    }
    const config = { ...appConfig(url, extra), port: 0 };
    const app = await startApp({ config, offline: true, log: () => undefined });
    cleanups.push(() => app.close());
    return app;
  }

  it("offline with no data: generates the synthetic catalogue, trains and serves recommendations", async () => {
    const app = await start();
    const health = await gql<{ health: { users: number; items: number; servedModels: string[] } }>(app.server.url, "{ health { users items servedModels } }");
    expect(health.data?.health.users).toBeGreaterThan(100);
    expect(health.data?.health.servedModels).toEqual(expect.arrayContaining(["popularity", "ials"]));
    const result = await gql<{ recommendations: { edges: unknown[] } }>(app.server.url, RECOMMEND, { user: "1" });
    expect(result.errors).toBeUndefined();
    expect(result.data?.recommendations.edges).toHaveLength(10);

    // A restart serves the stored model: no import, no training, the same answers.
    const runsBefore = await app.connection.db.prisma.modelRun.count();
    const url = app.connection.db.url;
    await app.close();
    cleanups.pop();
    const restarted = await start({}, url);
    expect(await restarted.connection.db.prisma.modelRun.count()).toBe(runsBefore);
    const again = await gql<{ recommendations: { edges: unknown[] } }>(restarted.server.url, RECOMMEND, { user: "1" });
    expect(again.data).toEqual(result.data);
  });

  const ml100k = datasetPath("ml-100k");
  it.skipIf(!ml100k)("with DATA_DIR=ml-100k: imports it and recommends 10 items for MovieLens user 196", async () => {
    const app = await start({ DATA_DIR: ml100k! });
    const result = await gql<{ recommendations: { model: string; edges: { node: { rank: number; item: { id: string; title: string } } }[] } }>(app.server.url, RECOMMEND, { user: "196" });
    expect(result.errors).toBeUndefined();
    expect(result.data!.recommendations.model).toBe("ials");
    const edges = result.data!.recommendations.edges;
    expect(edges.map((e) => e.node.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(edges.every((e) => typeof e.node.item.title === "string")).toBe(true);
    // Already rated items are excluded: user 196 rated 242 (Kolya).
    const rated = await app.connection.db.prisma.rating.findMany({ where: { user: { externalId: "196" } }, select: { item: { select: { externalId: true } } } });
    const ratedIds = new Set(rated.map((r) => r.item.externalId));
    expect(ratedIds.has("242")).toBe(true);
    expect(edges.some((e) => ratedIds.has(e.node.item.id))).toBe(false);
  });

  it("marks runs left RUNNING or QUEUED by a killed process as failed (interrupted) at start-up", async () => {
    const app = await start();
    const { prisma } = app.connection.db;
    const url = app.connection.db.url;
    const running = await prisma.modelRun.create({ data: { model: "ials", params: {}, status: "RUNNING", startedAt: new Date() } });
    const queued = await prisma.modelRun.create({ data: { model: "popularity", params: {}, status: "QUEUED" } });
    const servedBefore = app.recommender
      .servedModels()
      .map((s) => s.run.id)
      .sort();
    await app.close();
    cleanups.pop();
    const restarted = await start({}, url);
    for (const id of [running.id, queued.id]) {
      const run = await restarted.connection.db.prisma.modelRun.findUniqueOrThrow({ where: { id } });
      expect(run.status).toBe("FAILED");
      expect(run.error).toMatch(/^interrupted/);
      expect(run.finishedAt).not.toBeNull();
    }
    // The versions that were served before are served again.
    expect(
      restarted.recommender
        .servedModels()
        .map((s) => s.run.id)
        .sort(),
    ).toEqual(servedBefore);
  });

  it("development defaults: anonymous writes on only when ANONYMOUS_WRITES is unset; production keeps them off", () => {
    expect(withDevelopmentDefaults(loadConfig({})).security.anonymousWrites).toBe("on");
    expect(withDevelopmentDefaults(loadConfig({ ANONYMOUS_WRITES: "off" })).security.anonymousWrites).toBe("off");
    expect(withDevelopmentDefaults(loadConfig({ NODE_ENV: "production" })).security.anonymousWrites).toBe("off");
    expect(loadConfig({}).security.anonymousWrites).toBe("off");
    expect(loadConfig({ NODE_ENV: "production" }).security).toMatchObject({ introspection: false, corsOrigins: [] });
    expect(() => loadConfig({ RATING_SCALE: "5-1" })).toThrow(/RATING_SCALE/);
    expect(loadConfig({ RATING_SCALE: "0.5-5" }).security.ratingScale).toEqual([0.5, 5]);
  });
});
