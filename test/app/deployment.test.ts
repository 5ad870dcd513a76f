// The production shape with real processes: one PostgreSQL database, two API processes
// (`npm start` with IN_PROCESS_WORKER=off) and one worker (`npm run worker`), each a node
// process of its own talking over real TCP. Checks what the README's Deployment section
// promises: a training asked of API 1 runs on the worker and both APIs serve the new
// version; a rating through API 2 changes API 1's recommendations; `kill -9` of the worker
// mid-training leaves the job FAILED (not RUNNING) and both APIs serving the previous
// version; a restarted API lists the same jobs.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";
import { openDb, type Db } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { importDataset } from "../../src/services/importService";
import { trainModel } from "../../src/services/training";
import { freePort } from "../../scripts/lib/benchServer";
import { datasetPath } from "../helpers/datasets";
import { createEmptyDatabase } from "../helpers/db";
import { gql } from "../helpers/graphql";

const ADMIN = { "x-api-key": "deployment-test-admin-key" };
/** A LightGCN that would train for a very long time: killed mid-training. */
const SLOW_LIGHTGCN = { dim: 16, layers: 2, batchSize: 256, epochs: 100_000, validationFraction: 0, patience: 0, threads: 1 };

interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
  url?: string;
}

let database: { url: string; drop(): Promise<void> };
let db: Db;
let home: string;
const procs: Proc[] = [];

/** A node process running `script` with tsx's loader in-process (no wrapper process: kill -9 hits the real one). */
function launch(name: string, script: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? os.tmpdir(),
      DATABASE_URL: database.url,
      GRAPHREC_HOME: home,
      HOST: "127.0.0.1",
      ADMIN_API_KEY: ADMIN["x-api-key"],
      ANONYMOUS_WRITES: "on",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc: Proc = { name, child, output: [] };
  child.stdout!.on("data", (chunk: Buffer) => proc.output.push(chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => proc.output.push(chunk.toString()));
  procs.push(proc);
  return proc;
}

async function startApi(name: string): Promise<Proc> {
  const port = await freePort();
  const proc = launch(name, "scripts/start.ts", { PORT: String(port), IN_PROCESS_WORKER: "off", DEFAULT_MODEL: "ials" });
  proc.url = `http://127.0.0.1:${port}`;
  await waitFor(`${name} ready`, async () => (await fetch(`${proc.url}/readyz`).catch(() => undefined))?.status === 200, 120_000, proc);
  return proc;
}

async function startWorker(): Promise<Proc> {
  const port = await freePort();
  const proc = launch("worker", "scripts/worker.ts", { WORKER_PORT: String(port) });
  proc.url = `http://127.0.0.1:${port}`;
  await waitFor("the worker ready", async () => proc.output.join("").includes("ready: running jobs"), 120_000, proc);
  return proc;
}

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs: number, proc?: Proc): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await condition()) return Date.now() - started;
    if (proc && proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}) while waiting for ${what}:\n${proc.output.join("").slice(-3000)}`);
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}${proc ? `; ${proc.name} said:\n${proc.output.join("").slice(-3000)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(proc: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill(signal);
  await exited;
}

async function query<T>(proc: Proc, text: string, variables: Record<string, unknown> = {}, admin = true): Promise<T> {
  const result = await gql<T>(`${proc.url}/graphql`, text, variables, admin ? ADMIN : {});
  if (result.errors) throw new Error(`${proc.name}: ${JSON.stringify(result.errors)}`);
  return result.data!;
}

async function activeRunId(proc: Proc, model: string): Promise<string | null> {
  const data = await query<{ model: { activeRun: { id: string } | null } | null }>(proc, `query($m: String!) { model(name: $m) { activeRun { id } } }`, { m: model });
  return data.model?.activeRun?.id ?? null;
}

async function recommendedIds(proc: Proc, user: string): Promise<string[]> {
  const data = await query<{ recommendations: { source: string; edges: { node: { item: { id: string } } }[] } }>(
    proc,
    `query($u: ID!) { recommendations(userId: $u, first: 10, model: "ials") { source edges { node { item { id } } } } }`,
    { u: user },
    false,
  );
  return data.recommendations.edges.map((edge) => edge.node.item.id);
}

interface JobView {
  id: string;
  status: string;
  errorCode: string | null;
  worker: string | null;
  message: string | null;
  modelRun: { id: string; status: string } | null;
}
const JOB_FIELDS = "id status errorCode worker message modelRun { id status }";

async function job(proc: Proc, id: string): Promise<JobView> {
  return (await query<{ job: JobView }>(proc, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id })).job;
}

beforeAll(async () => {
  database = await createEmptyDatabase("graphrec_deploy");
  db = openDb(database.url);
  await migrate(db.bulkPool);
  const ml100k = datasetPath("ml-100k");
  if (ml100k) await importDataset(db, { format: "movielens-100k", path: ml100k });
  else await importSyntheticCatalogue(db, { users: 400, items: 600 }, "deployment.test");
  // Stored versions, so that the processes start serving at once (no training at start-up).
  for (const request of [{ model: "popularity" }, { model: "ials", params: { factors: 16, iterations: 3 } }]) {
    (await trainModel(db, { ...request, holdout: { enabled: false } })).model.dispose();
  }
  home = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-deploy-"));
}, 300_000);

afterAll(async () => {
  for (const proc of procs) await stop(proc, "SIGKILL").catch(() => undefined);
  await db?.close();
  await database?.drop();
});

describe("two API processes and a worker over one database", () => {
  let api1: Proc;
  let api2: Proc;
  let worker: Proc;

  it("starts them", async () => {
    [api1, api2, worker] = await Promise.all([startApi("api1"), startApi("api2"), startWorker()]);
  }, 240_000);

  it("runs a training asked of API 1 on the worker; both APIs serve the new version within ~2 s", async () => {
    const before = await activeRunId(api1, "ials");
    const { trainModel: submitted } = await query<{ trainModel: JobView }>(api1, `mutation { trainModel(model: "ials", params: { factors: 16, iterations: 2 }, seed: 5) { ${JOB_FIELDS} } }`);
    // API 2 sees the job API 1 queued.
    await waitFor("the job to succeed", async () => (await job(api2, submitted.id)).status === "SUCCEEDED", 120_000, worker);
    const done = await job(api2, submitted.id);
    expect(done.worker).toBe(`${os.hostname()}:${worker.child.pid}`);
    expect(done.modelRun?.status).toBe("SUCCEEDED");
    const newRun = done.modelRun!.id;
    expect(newRun).not.toBe(before);
    const [lag1, lag2] = await Promise.all([api1, api2].map((api) => waitFor(`${api.name} to serve run ${newRun}`, async () => (await activeRunId(api, "ials")) === newRun, 10_000, api)));
    console.log(`activation reached API 1 after ${lag1} ms and API 2 after ${lag2} ms (from the job reading SUCCEEDED)`);
    expect(Math.max(lag1, lag2)).toBeLessThan(2_000);
    // The worker's own metrics count the job it ran.
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).toMatch(/^jobs_total\{kind="TRAIN",status="SUCCEEDED"\} 1$/m);
    expect(metrics).toMatch(/^job_duration_seconds_count\{kind="TRAIN",status="SUCCEEDED"\} 1$/m);
    expect(await (await fetch(`${worker.url}/healthz`)).json()).toMatchObject({ ok: true, worker: `${os.hostname()}:${worker.child.pid}` });
  }, 180_000);

  it("a rating through API 2 changes API 1's recommendations for that user within ~1 s", async () => {
    const user = (await query<{ users: { edges: { node: { id: string } }[] } }>(api1, `{ users(first: 1) { edges { node { id } } } }`)).users.edges[0].node.id;
    const before = await recommendedIds(api1, user);
    expect(before).toHaveLength(10);
    const rated = before.slice(0, 3);
    const started = Date.now();
    for (const item of rated) await query(api2, `mutation($u: ID!, $i: ID!) { rateItem(userId: $u, itemId: $i, value: 5) { value } }`, { u: user, i: item }, false);
    // Rated items leave the user's recommendations, and the fold-in moves the rest.
    const lag = await waitFor("API 1 to follow API 2's ratings", async () => !(await recommendedIds(api1, user)).some((id) => rated.includes(id)), 5_000, api1);
    console.log(`ratings through API 2 reached API 1's recommendations after ${lag} ms (${Date.now() - started} ms from the first write)`);
    expect(lag).toBeLessThan(1_000);
    expect(await recommendedIds(api1, user)).toEqual(await recommendedIds(api2, user));
  }, 60_000);

  let killedJob: string;
  let jobsBeforeRestart: { id: string; status: string }[];

  it("kill -9 of the worker mid-training: the job ends FAILED (WORKER_LOST), its run FAILED, both APIs keep serving", async () => {
    const served = await Promise.all([api1, api2].map((api) => activeRunId(api, "ials")));
    const { trainModel: submitted } = await query<{ trainModel: JobView }>(api1, `mutation($p: JSON) { trainModel(model: "lightgcn", params: $p, seed: 3) { ${JOB_FIELDS} } }`, {
      p: SLOW_LIGHTGCN,
    });
    killedJob = submitted.id;
    await waitFor("the training to run on the worker", async () => /epoch/.test((await job(api1, submitted.id)).message ?? ""), 120_000, worker);
    const running = await job(api1, submitted.id);
    expect(running).toMatchObject({ status: "RUNNING", modelRun: { status: "RUNNING" } });
    await stop(worker, "SIGKILL");
    const lag = await waitFor("the job to be failed", async () => (await job(api2, submitted.id)).status === "FAILED", 15_000);
    console.log(`the killed worker's job read FAILED after ${lag} ms`);
    expect(await job(api1, submitted.id)).toMatchObject({ status: "FAILED", errorCode: "WORKER_LOST", modelRun: { status: "FAILED" } });
    expect(await Promise.all([api1, api2].map((api) => activeRunId(api, "ials")))).toEqual(served);
    expect(await Promise.all([api1, api2].map((api) => activeRunId(api, "lightgcn")))).toEqual([null, null]);
    expect(await db.prisma.modelRun.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } })).toBe(0);
  }, 180_000);

  it("a restarted API lists the same jobs", async () => {
    jobsBeforeRestart = (await query<{ jobs: { id: string; status: string }[] }>(api2, `{ jobs(first: 50) { id status } }`)).jobs;
    expect(jobsBeforeRestart.map((j) => j.id)).toContain(killedJob);
    await stop(api1);
    api1 = await startApi("api1-restarted");
    const after = (await query<{ jobs: { id: string; status: string }[] }>(api1, `{ jobs(first: 50) { id status } }`)).jobs;
    expect(after).toEqual(jobsBeforeRestart);
  }, 180_000);
});
