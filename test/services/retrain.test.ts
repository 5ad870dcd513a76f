// Retraining without an admin, for real: MovieLens 100K (the synthetic catalogue when
// DATASETS_DIR is unset) in a fresh database, a good iALS active, then retrainings with
// parameters that make a bad model, run by the job runner through the queue. Each must store
// its held-out metrics and must not be activated; the good version keeps serving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrainRulesFromEnv, type RetrainRule } from "../../src/config";
import { createUser, upsertRating } from "../../src/db/catalog";
import { activeRuns, getRun } from "../../src/db/modelRuns";
import { JobQueue } from "../../src/db/queue";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { importDataset } from "../../src/services/importService";
import { JobRunner } from "../../src/services/jobRunner";
import { JobManager, type Job } from "../../src/services/jobs";
import { RetrainScheduler } from "../../src/services/retrain";
import { trainModel } from "../../src/services/training";
import { datasetPath } from "../helpers/datasets";
import { createTestDb, type TestDb } from "../helpers/db";

/** Quick but real iALS. */
const GOOD_IALS = { factors: 32, iterations: 5 };
/** One zero-initialised factor and one iteration: every score ties (held-out ndcg@20 far below the good one's). */
const BAD_IALS = { factors: 1, iterations: 1, initStd: 0 };

let t: TestDb;
let goodRunId: number;
let queue: JobQueue;
let jobs: JobManager;
let runner: JobRunner;
const logs: string[] = [];

beforeAll(async () => {
  t = await createTestDb();
  const ml100k = datasetPath("ml-100k");
  if (ml100k) await importDataset(t.db, { format: "movielens-100k", path: ml100k });
  else await importSyntheticCatalogue(t.db, { users: 400, items: 600 }, "retrain.test");
  const good = await trainModel(t.db, { model: "ials", params: GOOD_IALS });
  good.model.dispose();
  goodRunId = good.run.id;
  // The cron clock looks every second, so that a "* * * * *" schedule fires within seconds.
  queue = new JobQueue(t.url, { schedule: true, cronIntervalSeconds: 1 });
  await queue.start();
  jobs = new JobManager(t.db, queue, { reapIntervalMs: 0 });
  runner = new JobRunner(t.db, queue, { importRoots: [], log: (message) => logs.push(message) });
  await runner.start();
}, 300_000);

afterAll(async () => {
  await runner?.stop();
  await jobs?.stop();
  await queue?.stop();
  await t?.drop();
});

async function finished(id: string, timeoutMs = 120_000): Promise<Job> {
  const started = Date.now();
  for (;;) {
    const job = await jobs.get(id);
    if (job?.finishedAt) return job;
    if (Date.now() - started > timeoutMs) throw new Error(`job ${id} did not finish: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The bad retraining stored held-out metrics, was not activated, and says why; the good run still serves. */
async function expectStoredButNotActivated(job: Job): Promise<void> {
  expect(job).toMatchObject({ kind: "TRAIN", status: "SUCCEEDED" });
  expect(job.result).toMatchObject({ activated: false });
  const run = await getRun(t.db, job.modelRunId!);
  expect(run).toMatchObject({ status: "SUCCEEDED", active: false, model: "ials" });
  const metrics = run!.metrics as { heldOut?: Record<string, number>; activation?: { activated: boolean; reason: string; comparedWith: number } };
  expect(metrics.heldOut?.["ndcg@20"]).toBeGreaterThanOrEqual(0);
  expect(metrics.heldOut?.["recall@20"]).toBeGreaterThanOrEqual(0);
  expect(metrics.activation).toMatchObject({ activated: false, comparedWith: goodRunId });
  expect(metrics.activation?.reason).toMatch(/below the active run/);
  expect((await activeRuns(t.db)).find((r) => r.model === "ials")?.id).toBe(goodRunId);
}

function rule(extra: Partial<RetrainRule>): RetrainRule {
  return { model: "ials", params: BAD_IALS, tolerance: 0.05, ...extra };
}

describe("retraining on a cron schedule", () => {
  it("fires, trains through the queue, stores held-out metrics, and keeps the better active version", async () => {
    const scheduler = new RetrainScheduler(t.db, queue, jobs, [rule({ cron: "* * * * *" })], { checkIntervalMs: 3_600_000 });
    await scheduler.start();
    try {
      expect(await queue.schedules()).toEqual([expect.objectContaining({ name: "ials", cron: "* * * * *" })]);
      // Every minute: the first slot fires within seconds of the start.
      let scheduled: Job | undefined;
      const started = Date.now();
      while (!scheduled && Date.now() - started < 90_000) {
        scheduled = (await jobs.list(20)).find((job) => job.trigger === "schedule");
        if (!scheduled) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(scheduled, "a scheduled job within 90 s").toBeDefined();
      await expectStoredButNotActivated(await finished(scheduled!.id));
    } finally {
      await scheduler.stop();
      // Taken out of the configuration: the next start removes the schedule.
      await new RetrainScheduler(t.db, queue, jobs, [], { checkIntervalMs: 3_600_000 }).start();
    }
    expect(await queue.schedules()).toEqual([]);
  });
});

describe("retraining after N new interactions", () => {
  it("waits for N changed ratings, trains once, and does not stack a second training while one is pending", async () => {
    const scheduler = new RetrainScheduler(t.db, queue, jobs, [rule({ afterInteractions: 30 })], { checkIntervalMs: 3_600_000 });
    // Nothing changed since the last training started.
    expect(await scheduler.checkInteractions()).toEqual([]);
    const firstItem = (await t.db.prisma.item.findFirstOrThrow({ orderBy: { id: "asc" } })).externalId;
    for (let k = 0; k < 3; k++) await createUser(t.db, `retrain-user-${k}`, undefined);
    for (let k = 0; k < 30; k++) await upsertRating(t.db, `retrain-user-${k % 3}`, firstItem, 1 + (k % 5), new Date());
    // 30 upserts of 3 (user, item) pairs change 3 rows: still below N.
    expect(await scheduler.checkInteractions()).toEqual([]);
    const items = (await t.db.prisma.item.findMany({ skip: 1, take: 30, orderBy: { id: "asc" }, select: { externalId: true } })).map((item) => item.externalId);
    for (const [k, item] of items.entries()) await upsertRating(t.db, `retrain-user-${k % 3}`, item, 4, new Date());
    const [queued] = await scheduler.checkInteractions();
    expect(queued).toMatchObject({ trigger: "interactions", kind: "TRAIN" });
    // Pending (queued or running): a second check or a cron slot does not queue another.
    expect(await scheduler.trigger(rule({ afterInteractions: 30 }), "schedule")).toBeNull();
    await expectStoredButNotActivated(await finished(queued.id));
    // That training read the new ratings: nothing new since.
    expect(await scheduler.checkInteractions()).toEqual([]);
  });
});

describe("retraining configuration", () => {
  it("reads RETRAIN_CONFIG and the RETRAIN_CRON / RETRAIN_AFTER_INTERACTIONS shortcuts, and refuses what it cannot use", () => {
    const file = JSON.stringify({ ials: { cron: "0 3 * * *", params: { factors: 64 }, tolerance: 0.1 }, ease: { afterInteractions: 500 } });
    const rules = retrainRulesFromEnv({ RETRAIN_CONFIG: "retrain.json", RETRAIN_CRON: "ease=30 4 * * 1,3;lightgcn=0 5 * * *", RETRAIN_AFTER_INTERACTIONS: "ials=10000" }, () => file);
    expect(rules).toEqual([
      { model: "ials", cron: "0 3 * * *", afterInteractions: 10_000, params: { factors: 64 }, tolerance: 0.1 },
      { model: "ease", cron: "30 4 * * 1,3", afterInteractions: 500, params: {}, tolerance: 0.05 },
      { model: "lightgcn", cron: "0 5 * * *", params: {}, tolerance: 0.05 },
    ]);
    expect(retrainRulesFromEnv({})).toEqual([]);
    expect(() => retrainRulesFromEnv({ RETRAIN_CRON: "ials" })).toThrow(/model=value/);
    expect(() => retrainRulesFromEnv({ RETRAIN_AFTER_INTERACTIONS: "ials=-3" })).toThrow(/positive integer/);
    expect(() => retrainRulesFromEnv({ RETRAIN_CONFIG: "x.json" }, () => "{ not json")).toThrow(/RETRAIN_CONFIG/);
    expect(() => retrainRulesFromEnv({ RETRAIN_CONFIG: "x.json" }, () => JSON.stringify({ ials: { every: "day" } }))).toThrow(/ials.every is not a setting/);
    expect(() => retrainRulesFromEnv({ RETRAIN_TOLERANCE: "2", RETRAIN_CRON: "ials=0 3 * * *" })).toThrow(/RETRAIN_TOLERANCE/);
    // Unknown models and bad hyper-parameters are refused when the workers start.
    expect(() => new RetrainScheduler(t.db, queue, jobs, [rule({ model: "no-such-model", cron: "0 3 * * *" })], { checkIntervalMs: 1_000 })).toThrow(/no-such-model/);
    expect(() => new RetrainScheduler(t.db, queue, jobs, [rule({ params: { factors: -1 }, cron: "0 3 * * *" })], { checkIntervalMs: 1_000 })).toThrow(/factors/);
  });
});
