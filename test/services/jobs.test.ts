// JobManager with real parts: trainings in real worker threads against the test database,
// imports of MovieLens 100K (or a generated CSV when DATASETS_DIR is unset) through the real
// import path. Cancels and time limits must end the job FAILED with their code, leave no
// model run RUNNING, keep the served version, and roll imports back completely.
import path from "node:path";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../../src/db/client";
import { activeRuns } from "../../src/db/modelRuns";
import { AppError } from "../../src/errors";
import { JobManager, type Job } from "../../src/services/jobs";
import { RecommenderService } from "../../src/services/recommender";
import { trainModel } from "../../src/services/training";
import { datasetPath } from "../helpers/datasets";
import { createTestDb, type TestDb } from "../helpers/db";
import { startTcpProxy } from "../helpers/tcpProxy";
import { writeFiles } from "../helpers/tmp";

/** A LightGCN that would train for a very long time on the small catalogue. */
const SLOW = { dim: 16, layers: 2, batchSize: 256, epochs: 100_000, validationFraction: 0, patience: 0, threads: 1 };
const FAST = { dim: 16, layers: 2, batchSize: 256, epochs: 2, validationFraction: 0, threads: 1 };

let t: TestDb;
let recommender: RecommenderService;
let activeLightGcn: number;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  await importSyntheticCatalogue(t.db, { users: 200, items: 300 }, "jobs.test");
  for (const request of [{ model: "popularity" }, { model: "lightgcn", params: FAST }]) {
    const result = await trainModel(t.db, request);
    result.model.dispose();
    if (request.model === "lightgcn") activeLightGcn = result.run.id;
  }
  recommender = new RecommenderService(t.db, "popularity");
  await recommender.init();
});

afterAll(async () => {
  for (const served of recommender?.servedModels() ?? []) served.model.dispose();
  await t?.drop();
});

function manager(options: ConstructorParameters<typeof JobManager>[4] = {}): JobManager {
  return new JobManager(t.db, recommender, (message) => logs.push(message), () => undefined, options);
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function counts(): Promise<Record<string, number>> {
  const row = (
    await t.db.pool.query<Record<string, number>>(
      `select (select count(*)::int from users) as users, (select count(*)::int from items) as items,
              (select count(*)::int from ratings) as ratings, (select count(*)::int from dataset_imports) as imports`,
    )
  ).rows[0];
  return { ...row };
}

async function unfinishedRuns(): Promise<number> {
  return t.db.prisma.modelRun.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });
}

function expectCode(work: () => unknown, code: string): void {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

/** MovieLens 100K when DATASETS_DIR has it, else a generated CSV of 300,000 ratings. */
function largeImport(): { format: string; path: string } {
  const ml100k = datasetPath("ml-100k");
  if (ml100k) return { format: "movielens-100k", path: ml100k };
  const lines = ["user,item,rating,timestamp"];
  for (let k = 0; k < 300_000; k++) lines.push(`gen-u${k % 5000},gen-i${(k * 7919) % 4000},${1 + (k % 5)},${1_000_000 + k}`);
  return { format: "csv", path: path.join(writeFiles({ "ratings.csv": lines.join("\n") + "\n" }), "ratings.csv") };
}

describe("cancel", () => {
  it("drops a queued job at once and stops a running training; its run is FAILED, the served version stays", async () => {
    const jobs = manager();
    const running = jobs.startTraining("lightgcn", SLOW, 7, true);
    const queued = jobs.startTraining("popularity", {}, undefined, true);
    const runsBefore = await t.db.prisma.modelRun.count();

    const dropped = jobs.cancel(queued.id);
    expect(dropped).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    expect(dropped.finishedAt).toBeInstanceOf(Date);
    expectCode(() => jobs.cancel(queued.id), "CONFLICT");

    // Cancel once the worker has created its run and is training.
    await until(() => running.modelRunId !== null && /^epoch/.test(running.message ?? ""), "the training to run");
    expect(jobs.cancel(running.id).status).toBe("RUNNING");
    await jobs.idle();
    expect(running).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    const run = await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: running.modelRunId! } });
    expect(run).toMatchObject({ status: "FAILED", error: "cancelled by an admin", active: false });
    expect(run.finishedAt).toBeInstanceOf(Date);

    // The queued training never started; the earlier LightGCN is still the active and served one.
    expect(await t.db.prisma.modelRun.count()).toBe(runsBefore + 1);
    expect((await activeRuns(t.db)).find((r) => r.model === "lightgcn")?.id).toBe(activeLightGcn);
    expect(recommender.getServed("lightgcn")?.run.id).toBe(activeLightGcn);
    expect(await unfinishedRuns()).toBe(0);

    expectCode(() => jobs.cancel(running.id), "CONFLICT");
    expectCode(() => jobs.cancel("no-such-job"), "NOT_FOUND");
  });

  it("rolls back a running import of a large data set", async () => {
    const jobs = manager();
    const before = await counts();
    const { format, path: target } = largeImport();
    const job = jobs.startImport(format, target);
    // Cancel while the ratings stream into the database.
    await until(() => /^ratings/.test(job.message ?? ""), "the ratings phase");
    jobs.cancel(job.id);
    await jobs.idle();
    expect(job).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    expect(await counts()).toEqual(before);
  });
});

describe("cancel on a database that stopped answering", () => {
  it("reports the import cancelled after the grace period, and the import still rolls back once the database answers", async () => {
    const target = new URL(t.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const db = openDb(proxy.rewrite(t.url), { connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 });
    try {
      const jobs = new JobManager(db, recommender, (message) => logs.push(message), () => undefined, { stopGraceMs: 500 });
      const before = await counts();
      const { format, path: file } = largeImport();
      const job = jobs.startImport(format, file);
      await until(() => /^ratings/.test(job.message ?? ""), "the ratings phase");
      proxy.pause();
      jobs.cancel(job.id);
      const started = Date.now();
      await jobs.idle();
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(job).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
      expect(logs.some((line) => line.includes(`job ${job.id} (IMPORT): the work did not stop within`))).toBe(true);
      proxy.resume();
      // The import's transaction ends (rolled back) once its connection delivers again.
      await expect.poll(() => db.bulkPool.totalCount - db.bulkPool.idleCount, { timeout: 30_000 }).toBe(0);
      expect(await counts()).toEqual(before);
    } finally {
      proxy.resume();
      await db.close();
      await proxy.stop();
    }
  });
});

describe("time limits", () => {
  it("stops a training at its limit: TIME_LIMIT, run FAILED with the limit named", async () => {
    const jobs = manager({ trainTimeLimitMs: 300 });
    const job: Job = jobs.startTraining("lightgcn", SLOW, 8, true);
    await jobs.idle();
    expect(job).toMatchObject({ status: "FAILED", errorCode: "TIME_LIMIT" });
    expect(job.error).toContain("300 ms");
    expect(job.modelRunId).not.toBeNull();
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: job.modelRunId! } })).toMatchObject({ status: "FAILED", error: job.error });
    expect(await unfinishedRuns()).toBe(0);
    expect(recommender.getServed("lightgcn")?.run.id).toBe(activeLightGcn);
  });

  it("stops an import at its limit and rolls it back", async () => {
    const jobs = manager({ importTimeLimitMs: 150 });
    const before = await counts();
    const { format, path: target } = largeImport();
    const job = jobs.startImport(format, target);
    await jobs.idle();
    expect(job).toMatchObject({ status: "FAILED", errorCode: "TIME_LIMIT" });
    expect(job.error).toContain("150 ms");
    expect(await counts()).toEqual(before);
  });

  it("lets a job that ends in time succeed", async () => {
    const jobs = manager({ trainTimeLimitMs: 120_000 });
    const job = jobs.startTraining("popularity", {}, undefined, false);
    await jobs.idle();
    expect(job).toMatchObject({ status: "SUCCEEDED", error: null });
    expectCode(() => jobs.cancel(job.id), "CONFLICT");
  });
});

describe("a training worker that dies", () => {
  it("leaves its run FAILED, not RUNNING (out of memory)", async () => {
    // A heap too small for the worker to even load its modules: node ends it with ERR_WORKER_OUT_OF_MEMORY.
    const jobs = manager({ trainWorkerResourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } });
    const job = jobs.startTraining("popularity", {}, undefined, true);
    await jobs.idle();
    expect(job).toMatchObject({ status: "FAILED", errorCode: "INTERNAL" });
    expect(job.error).toMatch(/^training worker (crashed|exited)/);
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: job.modelRunId! } })).toMatchObject({ status: "FAILED", error: job.error });
    expect(await unfinishedRuns()).toBe(0);
  });
});

describe("job errors", () => {
  it("a failed import names the problem without connection strings", async () => {
    const jobs = manager();
    const job = jobs.startImport("csv", path.join(writeFiles({}), "missing.csv"));
    await jobs.idle();
    expect(job.status).toBe("FAILED");
    expect(job.error).not.toContain(t.url);
    expect(job.error).not.toMatch(/postgres(ql)?:\/\//);
  });
});
