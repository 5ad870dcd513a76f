// Durable jobs with real parts: the jobs table and pg-boss on the test database, the job
// runner (the worker `npm start` and `npm run worker` run) with trainings in real worker
// threads, imports of MovieLens 100K (or a generated CSV when DATASETS_DIR is unset) through
// the real import path. Cancels and time limits must end the job FAILED with their code,
// leave no model run RUNNING, keep the served version, and roll imports back completely;
// a job whose worker is gone is failed by the reaper of any other process.
import path from "node:path";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openDb, type Db } from "../../src/db/client";
import { JobLeases, claimJob, processWorkerId } from "../../src/db/jobs";
import { activeRuns, createRun } from "../../src/db/modelRuns";
import { JobQueue } from "../../src/db/queue";
import { AppError } from "../../src/errors";
import { JobRunner, type JobRunnerOptions } from "../../src/services/jobRunner";
import { JobManager, type Job, type JobManagerOptions } from "../../src/services/jobs";
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
const stacks: Stack[] = [];

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

// Each test's workers stop before the next test's start: they share the database's queue.
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.close();
});

afterAll(async () => {
  for (const served of recommender?.servedModels() ?? []) served.model.dispose();
  await t?.drop();
});

interface Stack {
  jobs: JobManager;
  runner: JobRunner | undefined;
  queue: JobQueue;
  close(): Promise<void>;
}

/**
 * A queue, a job manager (the API side, on the test database) and, unless `runner` is
 * false, a runner on `runnerDb` (default: the test database) that swaps activated runs into
 * `recommender`. Each test uses a stack of its own; the queue is shared by the database.
 */
async function stack(options: { manager?: JobManagerOptions; runner?: Partial<JobRunnerOptions> | false; runnerDb?: Db } = {}): Promise<Stack> {
  const queue = new JobQueue(t.url, { schedule: false });
  await queue.start();
  const jobs = new JobManager(t.db, queue, { reapIntervalMs: 0, log: (message) => logs.push(message), ...options.manager });
  let runner: JobRunner | undefined;
  if (options.runner !== false) {
    runner = new JobRunner(
      options.runnerDb ?? t.db,
      queue,
      // Progress every 50 ms, so that the tests see the import's phases.
      { importRoots: ["/"], progressIntervalMs: 50, log: (message) => logs.push(message), ...options.runner },
      {
        onRunStored: (run, artifact) => recommender.serveIfActive(run, artifact),
      },
    );
    await runner.start();
  }
  let closed = false;
  const result: Stack = {
    jobs,
    runner,
    queue,
    async close() {
      if (closed) return;
      closed = true;
      await runner?.stop();
      await jobs.stop();
      await queue.stop();
    },
  };
  stacks.push(result);
  return result;
}

/** The job, re-read until `condition` holds. */
async function until(jobs: JobManager, id: string, condition: (job: Job) => boolean, what: string, timeoutMs = 60_000): Promise<Job> {
  const started = Date.now();
  for (;;) {
    const job = await jobs.get(id);
    if (job && condition(job)) return job;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what} (job: ${JSON.stringify(job)})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function finished(jobs: JobManager, id: string, timeoutMs = 60_000): Promise<Job> {
  return until(jobs, id, (job) => job.finishedAt !== null, "the job to finish", timeoutMs);
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

async function expectCode(work: () => Promise<unknown>, code: string): Promise<void> {
  try {
    await work();
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
    const { jobs } = await stack();
    // Counted before anything is queued: the worker may create the running job's run at once.
    const runsBefore = await t.db.prisma.modelRun.count();
    const running = await jobs.submitTraining({ model: "lightgcn", params: SLOW, seed: 7, activate: true });
    const queued = await jobs.submitTraining({ model: "popularity", params: {}, activate: true });

    const dropped = await jobs.cancel(queued.id);
    expect(dropped).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    expect(dropped.finishedAt).toBeInstanceOf(Date);
    await expectCode(() => jobs.cancel(queued.id), "CONFLICT");

    // Cancel once the worker has created its run and is training.
    const training = await until(jobs, running.id, (job) => job.modelRunId !== null && /epoch/.test(job.message ?? ""), "the training to run");
    expect(training.workerId).toBe(processWorkerId());
    expect((await jobs.cancel(running.id)).status).toBe("RUNNING");
    const ended = await finished(jobs, running.id);
    expect(ended).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    const run = await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: ended.modelRunId! } });
    expect(run).toMatchObject({ status: "FAILED", error: "cancelled by an admin", active: false });
    expect(run.finishedAt).toBeInstanceOf(Date);

    // The queued training never started; the earlier LightGCN is still the active and served one.
    expect(await t.db.prisma.modelRun.count()).toBe(runsBefore + 1);
    expect((await activeRuns(t.db)).find((r) => r.model === "lightgcn")?.id).toBe(activeLightGcn);
    expect(recommender.getServed("lightgcn")?.run.id).toBe(activeLightGcn);
    expect(await unfinishedRuns()).toBe(0);

    await expectCode(() => jobs.cancel(running.id), "CONFLICT");
    await expectCode(() => jobs.cancel("no-such-job"), "NOT_FOUND");
    await expectCode(() => jobs.cancel("00000000-0000-4000-8000-000000000000"), "NOT_FOUND");
  });

  it("rolls back a running import of a large data set", async () => {
    const { jobs } = await stack();
    const before = await counts();
    const { format, path: target } = largeImport();
    const job = await jobs.submitImport({ format, path: target });
    // Cancel while the ratings stream into the database.
    await until(jobs, job.id, (j) => /^ratings/.test(j.message ?? ""), "the ratings phase");
    await jobs.cancel(job.id);
    expect(await finished(jobs, job.id)).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
    expect(await counts()).toEqual(before);
  });
});

describe("cancel while the worker's database stopped answering", () => {
  it("takes effect once the database answers again, and the import rolls back", async () => {
    const target = new URL(t.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const db = openDb(proxy.rewrite(t.url), { connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 });
    try {
      const { jobs, close } = await stack({ runnerDb: db, runner: { stopGraceMs: 500 } });
      const before = await counts();
      const { format, path: file } = largeImport();
      const job = await jobs.submitImport({ format, path: file });
      await until(jobs, job.id, (j) => /^ratings/.test(j.message ?? ""), "the ratings phase");
      proxy.pause();
      // The API side still reaches the database: the cancel is recorded, the worker cannot read it yet.
      expect((await jobs.cancel(job.id)).status).toBe("RUNNING");
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await jobs.get(job.id))?.status).toBe("RUNNING");
      proxy.resume();
      expect(await finished(jobs, job.id, 30_000)).toMatchObject({ status: "FAILED", errorCode: "CANCELLED", error: "cancelled by an admin" });
      // The import's transaction ends (rolled back) once its connection delivers again.
      await expect.poll(() => db.bulkPool.totalCount - db.bulkPool.idleCount, { timeout: 30_000 }).toBe(0);
      expect(await counts()).toEqual(before);
      await close();
    } finally {
      proxy.resume();
      await db.close();
      await proxy.stop();
    }
  });
});

describe("time limits", () => {
  it("stops a training at its limit: TIME_LIMIT, run FAILED with the limit named", async () => {
    const { jobs } = await stack({ runner: { trainTimeLimitMs: 300 } });
    const submitted = await jobs.submitTraining({ model: "lightgcn", params: SLOW, seed: 8, activate: true });
    const job = await finished(jobs, submitted.id);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "TIME_LIMIT" });
    expect(job.error).toContain("300 ms");
    expect(job.modelRunId).not.toBeNull();
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: job.modelRunId! } })).toMatchObject({ status: "FAILED", error: job.error });
    expect(await unfinishedRuns()).toBe(0);
    expect(recommender.getServed("lightgcn")?.run.id).toBe(activeLightGcn);
  });

  it("stops an import at its limit and rolls it back", async () => {
    const { jobs } = await stack({ runner: { importTimeLimitMs: 150 } });
    const before = await counts();
    const { format, path: target } = largeImport();
    const job = await finished(jobs, (await jobs.submitImport({ format, path: target })).id);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "TIME_LIMIT" });
    expect(job.error).toContain("150 ms");
    expect(await counts()).toEqual(before);
  });

  it("lets a job that ends in time succeed", async () => {
    const { jobs } = await stack({ runner: { trainTimeLimitMs: 120_000 } });
    const job = await finished(jobs, (await jobs.submitTraining({ model: "popularity", params: {}, activate: false })).id);
    expect(job).toMatchObject({ status: "SUCCEEDED", error: null, progress: 1 });
    expect(job.result).toMatchObject({ runId: job.modelRunId, activated: false });
    await expectCode(() => jobs.cancel(job.id), "CONFLICT");
  });
});

describe("memory limit", () => {
  it("refuses a training estimated over the runner's limit: MEMORY_LIMIT naming the setting, run FAILED, served version kept", async () => {
    const { jobs } = await stack({ runner: { trainMemoryLimitBytes: 1024 * 1024 } });
    const job = await finished(jobs, (await jobs.submitTraining({ model: "lightgcn", params: FAST, seed: 9, activate: true })).id);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "MEMORY_LIMIT" });
    expect(job.error).toMatch(/^lightgcn needs ~.* over the training memory limit of 1\.0 MiB \(MODEL_MEMORY_LIMIT_MB\)/);
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: job.modelRunId! } })).toMatchObject({ status: "FAILED", error: job.error });
    expect(await unfinishedRuns()).toBe(0);
    expect(recommender.getServed("lightgcn")?.run.id).toBe(activeLightGcn);
  });
});

describe("a training worker that dies", () => {
  it("leaves its run FAILED, not RUNNING (out of memory)", async () => {
    // A heap too small for the thread to even load its modules: node ends it with ERR_WORKER_OUT_OF_MEMORY.
    const { jobs } = await stack({ runner: { trainWorkerResourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 } } });
    const job = await finished(jobs, (await jobs.submitTraining({ model: "popularity", params: {}, activate: true })).id);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "INTERNAL" });
    expect(job.error).toMatch(/^training worker (crashed|exited)/);
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: job.modelRunId! } })).toMatchObject({ status: "FAILED", error: job.error });
    expect(await unfinishedRuns()).toBe(0);
  });
});

describe("durability", () => {
  it("keeps jobs across processes: a job queued while no worker runs is run by the next worker", async () => {
    const api = await stack({ runner: false });
    const job = await api.jobs.submitTraining({ model: "popularity", params: {}, activate: false });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await api.jobs.get(job.id))?.status).toBe("QUEUED");
    await api.close();
    // "Restart": a new manager and a worker, on the same database.
    const later = await stack();
    expect((await later.jobs.list(50)).map((j) => j.id)).toContain(job.id);
    expect(await finished(later.jobs, job.id)).toMatchObject({ status: "SUCCEEDED" });
  });

  it("fails a RUNNING job whose worker is gone (its lease released), and its run with it", async () => {
    const { jobs } = await stack({ runner: false });
    const job = await jobs.submitTraining({ model: "popularity", params: {}, activate: true });
    // Play a worker that claims the job, starts its run, and dies: its lease connection closes.
    const leases = new JobLeases(t.url, () => undefined);
    expect(await leases.acquire(job.id)).toBe(true);
    expect(await claimJob(t.db, job.id, "elsewhere:1")).not.toBeNull();
    const run = await createRun(t.db, "popularity", {});
    await t.db.prisma.modelRun.update({ where: { id: run.id }, data: { status: "RUNNING" } });
    await t.db.prisma.job.update({ where: { id: job.id }, data: { modelRunId: run.id } });
    expect(await jobs.reap()).toEqual([]); // alive: not touched
    await leases.close();
    expect(await jobs.reap()).toEqual([job.id]);
    expect(await jobs.get(job.id)).toMatchObject({ status: "FAILED", errorCode: "WORKER_LOST" });
    expect(await t.db.prisma.modelRun.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "FAILED" });
    expect(await jobs.reap()).toEqual([]);
  });
});

describe("job errors", () => {
  it("a failed import names the problem without connection strings", async () => {
    const { jobs } = await stack();
    const job = await finished(jobs, (await jobs.submitImport({ format: "csv", path: path.join(writeFiles({}), "missing.csv") })).id);
    expect(job.status).toBe("FAILED");
    expect(job.error).not.toContain(t.url);
    expect(job.error).not.toMatch(/postgres(ql)?:\/\//);
  });
});
