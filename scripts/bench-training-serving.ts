// npm run bench:training-serving -- [--data <ml-100k folder>] [--rate 200] [--baseline 20] [--tail 2]
//   [--ials-params '{}'] [--lightgcn-params '{"epochs":300,"maxSeconds":12,"patience":0}'] [--out results/bench-training-serving.json]
// Serving latency while a model trains, with the training in the API process (the in-process
// worker, a worker thread of the API) or in a separate `npm run worker` process.
//
// One bench database (fresh unique name, dropped at the end, also on failure or Ctrl-C; see
// scripts/lib/benchServer.ts) with MovieLens 100K; the served default model is iALS. A steady,
// open-loop load of recommendations(first: 10) at a fixed rate (requests are sent on a fixed
// schedule whatever the answers do, so a stall delays every request due meanwhile and is not
// hidden by a closed loop waiting for it) is measured in these phases:
//   in-process: API started normally (in-process worker on)
//     baseline (no training), then trainModel iALS (default params), then LightGCN
//   separate worker: API with IN_PROCESS_WORKER=off plus one `npm run worker` process
//     baseline, then the same two trainings (they run on the worker)
// A training phase lasts from the mutation until the job has finished and the API serves the new
// version, plus `--tail` seconds (so the swap of the new version into the API is inside it either way).
// Latency of a request: from its scheduled send time to the end of its answer.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { projectRoot } from "../src/config";
import { createRng } from "../src/math/random";
import { HELP, UsageError, movieLens100kFolder, parseCli, runMain } from "./lib/cli";
import { freePort, loadAverage, machine, machineBusyCores, machineCpuTimes, processCpuSeconds, startBenchSession, startServer, type BenchServer } from "./lib/benchServer";

const DEFAULT_LIGHTGCN = { epochs: 300, maxSeconds: 12, patience: 0 };
const usage = `usage: npm run bench:training-serving -- [--data <ml-100k folder>] [--rate 200] [--baseline 20] [--tail 2]
  [--ials-params '{}'] [--lightgcn-params '${JSON.stringify(DEFAULT_LIGHTGCN)}'] [--out results/bench-training-serving.json]
The data folder defaults to $DATASETS_DIR/ml-100k. --rate: recommendations(first: 10) per second (open loop);
--baseline: seconds of the phases without training; --tail: seconds measured after the new version is served.`;

const RECOMMENDATIONS = "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { score item { id title } } } } }";
const SERVED_MODEL = "ials";

interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

interface PhaseResult {
  setup: "in-process worker" | "separate worker process";
  phase: string;
  model: string | null;
  seconds: number;
  targetRate: number;
  requestsPerSecond: number;
  requests: number;
  errors: number;
  /** From each request's scheduled send time to the end of its answer (ms). */
  latencyMs: LatencyStats;
  /** From the moment the request was handed to the HTTP client (ms): leaves out this generator's own lateness. */
  serviceLatencyMs: LatencyStats;
  /** How late this process sent requests against their schedule (ms): its own event loop on the shared machine. */
  generatorLagMs: { p99: number; max: number };
  /** CPU used during the phase, in cores (CPU seconds / wall seconds). */
  cpuCores: { api: number | undefined; worker: number | undefined; loadGenerator: number; machine: number };
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
  training?: TrainingRecord;
  /** Per second of the phase (by scheduled send time): answers, their p99 and max latency (ms). */
  timeline: { second: number; requests: number; p99: number; max: number }[];
  /** The second with the largest latency, and that latency. */
  worstSecond: { second: number; max: number };
}

interface TrainingRecord {
  jobId: string;
  params: Record<string, unknown>;
  status: string;
  errorCode: string | null;
  /** host:pid of the process that ran the job. */
  worker: string | null;
  ranOn: "api" | "worker" | "other";
  /** Job startedAt → finishedAt (includes the held-out fit, the full fit and storing the run). */
  wallSeconds: number | null;
  /** The mutation → the job read finished, as this bench saw it (polled every 250 ms). */
  observedSeconds: number;
  /** The job read finished → the API served the new version. */
  servedAfterSeconds: number | null;
  /** Seconds from the phase's start: mutation sent, job started and finished (its own timestamps), seen finished, seen served. */
  events: { submitted: number; started: number | null; finished: number | null; seenFinished: number; seenServed: number | null };
  result: unknown;
}

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        data: { type: "string" },
        rate: { type: "string" },
        baseline: { type: "string" },
        tail: { type: "string" },
        "ials-params": { type: "string" },
        "lightgcn-params": { type: "string" },
        out: { type: "string" },
        port: { type: "string" },
      },
    }),
  );
  const data = movieLens100kFolder(values.data, usage);
  const rate = Number(values.rate ?? 200);
  const baselineSeconds = Number(values.baseline ?? 20);
  const tailSeconds = Number(values.tail ?? 2);
  if (!(rate > 0 && rate <= 5000)) throw new UsageError(`--rate must be in (0, 5000]\n${usage}`);
  if (!(baselineSeconds > 0) || !(tailSeconds >= 0)) throw new UsageError(`--baseline must be > 0 and --tail >= 0\n${usage}`);
  const parseParams = (name: "ials-params" | "lightgcn-params", fallback: Record<string, unknown>): Record<string, unknown> => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--${name} must be a JSON object\n${usage}`);
    }
  };
  const trainings = [
    { model: "ials", params: parseParams("ials-params", {}) },
    { model: "lightgcn", params: parseParams("lightgcn-params", DEFAULT_LIGHTGCN) },
  ];
  const port = Number(values.port ?? 4320);
  const out = values.out ?? path.join(projectRoot, "results", "bench-training-serving.json");
  const adminKey = crypto.randomBytes(24).toString("hex");
  const commonEnv = { HOST: "127.0.0.1", GRAPHREC_OFFLINE: "1", NODE_ENV: "production", ADMIN_API_KEY: adminKey, DEFAULT_MODEL: SERVED_MODEL };
  const loadBefore = loadAverage();
  const started = new Date();

  const session = await startBenchSession({ env: { ...commonEnv, DATA_DIR: data, PORT: String(port) }, echo: "until-ready", databasePrefix: "graphrec_bench_ts" });
  const generators = new Set<OpenLoopLoad>();
  session.onClose(() => {
    for (const generator of generators) generator.abort();
  });
  const phases: PhaseResult[] = [];
  try {
    const t0 = performance.now();
    await session.server.ready;
    process.stderr.write(`server ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (import + training ${SERVED_MODEL})\n`);
    const client = new pg.Client({ connectionString: session.database.url });
    await client.connect();
    const users = (await client.query<{ external_id: string }>("select external_id from users order by id")).rows.map((r) => r.external_id);
    await client.end();
    const rng = createRng(7);
    const body = () => JSON.stringify({ query: RECOMMENDATIONS, variables: { u: users[rng.int(users.length)] } });

    // What the trainings take: the registry's parameters, checked by the API itself.
    const api1 = new Api(`http://127.0.0.1:${port}/graphql`, adminKey);
    await api1.sanity(body());
    const schema = await api1.request<{ models: { name: string; parameters: { name: string; default: unknown }[] }[] }>(`{ models { name parameters { name default } } }`);
    for (const training of trainings) {
      const known = schema.models.find((m) => m.name === training.model);
      if (!known) throw new Error(`model ${training.model} is not in the registry`);
      for (const name of Object.keys(training.params)) {
        if (!known.parameters.some((p) => p.name === name)) throw new UsageError(`${training.model} has no parameter ${name} (${known.parameters.map((p) => p.name).join(", ")})`);
      }
    }

    const measure = async (
      setup: PhaseResult["setup"],
      api: Api,
      apiServer: BenchServer,
      workerServer: BenchServer | undefined,
      training?: { model: string; params: Record<string, unknown> },
    ): Promise<PhaseResult> => {
      const label = training ? `training ${training.model}` : "baseline (no training)";
      process.stderr.write(`${setup}: ${label} ...\n`);
      const before = {
        load: loadAverage(),
        machine: machineCpuTimes(),
        api: processCpuSeconds(apiServer.pid),
        worker: workerServer ? processCpuSeconds(workerServer.pid) : undefined,
        generator: process.cpuUsage(),
      };
      const generator = new OpenLoopLoad(api.url, rate, body);
      generators.add(generator);
      generator.start();
      let record: TrainingRecord | undefined;
      try {
        if (training) record = await runTraining(api, training, apiServer, workerServer, generator);
        else await sleep(baselineSeconds * 1000);
        if (training) await sleep(tailSeconds * 1000);
      } finally {
        await generator.stop();
        generators.delete(generator);
      }
      const seconds = generator.seconds();
      const cpu = (pid: number, from: number | undefined) => {
        const now = processCpuSeconds(pid);
        return now !== undefined && from !== undefined ? round((now - from) / seconds, 2) : undefined;
      };
      const generatorCpu = process.cpuUsage(before.generator);
      const result: PhaseResult = {
        setup,
        phase: label,
        model: training?.model ?? null,
        seconds: round(seconds, 2),
        targetRate: rate,
        requestsPerSecond: round(generator.completed / seconds, 1),
        requests: generator.completed,
        errors: generator.errors,
        latencyMs: stats(generator.latencies),
        serviceLatencyMs: stats(generator.serviceLatencies),
        generatorLagMs: {
          p99: round(quantile(sorted(generator.lags), 0.99), 2),
          max: round(
            generator.lags.reduce((a, b) => Math.max(a, b), 0),
            2,
          ),
        },
        cpuCores: {
          api: cpu(apiServer.pid, before.api),
          worker: workerServer ? cpu(workerServer.pid, before.worker) : undefined,
          loadGenerator: round((generatorCpu.user + generatorCpu.system) / 1e6 / seconds, 2),
          machine: machineBusyCores(before.machine, machineCpuTimes()),
        },
        loadAverage: { before: before.load, after: loadAverage() },
        ...(record ? { training: record } : {}),
        timeline: generator.timeline(),
        worstSecond: { second: 0, max: 0 },
      };
      for (const second of result.timeline) if (second.max > result.worstSecond.max) result.worstSecond = { second: second.second, max: second.max };
      const l = result.latencyMs;
      process.stderr.write(
        `  ${result.seconds} s, ${result.requestsPerSecond} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, max ${l.max} ms, ${result.errors} errors` +
          `${record ? `; job ${record.status} on ${record.ranOn} in ${record.wallSeconds ?? "?"} s` : ""}; worst second ${result.worstSecond.second} (max ${result.worstSecond.max} ms)` +
          `${record ? `; events (s): ${JSON.stringify(record.events)}` : ""}\n`,
      );
      if (record && record.status !== "SUCCEEDED") throw new Error(`${training!.model} training ${record.status} (${record.errorCode ?? "no code"}): ${JSON.stringify(record.result)}`);
      return result;
    };

    // (a) + (b): the API with its in-process worker.
    await warmUp(api1.url, body, rate);
    phases.push(await measure("in-process worker", api1, session.server, undefined));
    for (const training of trainings) phases.push(await measure("in-process worker", api1, session.server, undefined, training));
    await session.server.stop();

    // (c): an API-only process and one `npm run worker` process over the same database.
    const port2 = await freePort();
    const api2Server = startServer({ env: { ...commonEnv, DATABASE_URL: session.database.url, PORT: String(port2), IN_PROCESS_WORKER: "off" }, echo: "until-ready", readyTimeoutMs: 300_000 });
    session.onClose(() => api2Server.stop());
    const workerServer = startServer({
      script: path.join("scripts", "worker.ts"),
      readyText: "ready: running jobs",
      env: { ...commonEnv, DATABASE_URL: session.database.url },
      echo: "until-ready",
      readyTimeoutMs: 300_000,
    });
    session.onClose(() => workerServer.stop());
    await Promise.all([api2Server.ready, workerServer.ready]);
    const api2 = new Api(`http://127.0.0.1:${port2}/graphql`, adminKey);
    await api2.sanity(body());
    await warmUp(api2.url, body, rate);
    phases.push(await measure("separate worker process", api2, api2Server, workerServer));
    for (const training of trainings) phases.push(await measure("separate worker process", api2, api2Server, workerServer, training));

    const loadAfter = loadAverage();
    const note =
      `Open-loop load: ${rate} recommendations(first: 10) per second on a fixed schedule (node:http keep-alive, up to 256 sockets), ` +
      `random users, from this process on the same ${machine()} machine. Latency: from each request's scheduled send time to the end ` +
      `of its answer (a stall delays every request due meanwhile); serviceLatencyMs leaves out this generator's own lateness ` +
      `(generatorLagMs). Training phases last from the mutation until the job finished and the API served the new version, plus ` +
      `${tailSeconds} s. In-process: the training runs in a worker thread of the API process. Separate worker: a separate process, ` +
      `but on the same ${os.cpus().length} cores, so it still competes with the API for CPU (and LightGCN's sparse products use ` +
      `threads of their own): what it isolates is the API's event loop and heap, not the CPU. The served default model is ${SERVED_MODEL}: ` +
      `each iALS training (activate: true) swaps the served model; LightGCN's activation installs a model the load does not use. ` +
      `cpuCores.machine counts every process on the machine, other tenants too.`;
    const report = {
      date: started.toISOString(),
      node: process.version,
      machine: machine(),
      data,
      servedModel: SERVED_MODEL,
      query: RECOMMENDATIONS,
      rate,
      baselineSeconds,
      tailSeconds,
      trainings,
      loadAverage: { before: loadBefore, after: loadAfter },
      phases,
      note,
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

    process.stdout.write(
      `\nrecommendations(first: 10) at ${rate} req/s (open loop), ${machine()}, node ${process.version}, load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}\n`,
    );
    process.stdout.write(
      `| setup | phase | s | req/s | p50 ms | p99 ms | max ms | p99 ms from send | generator lag p99 ms | errors | training wall s | epochs | API cores | worker cores | machine cores | load 1m |\n`,
    );
    process.stdout.write(`|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n`);
    for (const p of phases) {
      const l = p.latencyMs;
      const epochs = (p.training?.result as { epochs?: number } | undefined)?.epochs;
      process.stdout.write(
        `| ${p.setup} | ${p.phase} | ${p.seconds.toFixed(1)} | ${p.requestsPerSecond.toFixed(0)} | ${l.p50.toFixed(1)} | ${l.p99.toFixed(1)} | ${l.max.toFixed(0)} | ` +
          `${p.serviceLatencyMs.p99.toFixed(1)} | ${p.generatorLagMs.p99.toFixed(1)} | ${p.errors} | ${p.training?.wallSeconds?.toFixed(1) ?? "–"} | ${epochs ?? "–"} | ` +
          `${p.cpuCores.api ?? "–"} | ${p.cpuCores.worker ?? "–"} | ${p.cpuCores.machine} | ${p.loadAverage.before[0]}→${p.loadAverage.after[0]} |\n`,
      );
    }
    for (const p of phases.filter((phase) => phase.training)) {
      process.stdout.write(`${p.setup}, ${p.phase}: worst second ${p.worstSecond.second} (max ${p.worstSecond.max} ms); events (s from the phase start): ${JSON.stringify(p.training!.events)}\n`);
    }
    process.stdout.write(`${note}\nwrote ${out}\n`);
  } finally {
    await session.close();
  }
});

/** The GraphQL endpoint of one API process, with the admin key. */
class Api {
  constructor(
    readonly url: string,
    private readonly adminKey: string,
  ) {}

  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json", "x-api-key": this.adminKey }, body: JSON.stringify({ query, variables }) });
    const json = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (json.errors) throw new Error(`${this.url}: ${json.errors.map((e) => e.message).join("; ")}`);
    return json.data as T;
  }

  async sanity(body: string): Promise<void> {
    const response = await fetch(this.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const json = (await response.json()) as { errors?: { message: string }[] };
    if (json.errors) throw new Error(`sanity request to ${this.url} failed: ${json.errors[0].message}`);
  }
}

interface JobView {
  id: string;
  status: string;
  errorCode: string | null;
  error: string | null;
  worker: string | null;
  result: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  modelRun: { id: string } | null;
}

/** Submits a training to `api`, waits until it finished and `api` serves its run. */
async function runTraining(
  api: Api,
  training: { model: string; params: Record<string, unknown> },
  apiServer: BenchServer,
  workerServer: BenchServer | undefined,
  load: OpenLoopLoad,
): Promise<TrainingRecord> {
  const submitted = performance.now();
  const { trainModel } = await api.request<{ trainModel: { id: string } }>(`mutation($m: String!, $p: JSON) { trainModel(model: $m, params: $p, seed: 42, activate: true) { id } }`, {
    m: training.model,
    p: training.params,
  });
  const fields = "id status errorCode error worker result startedAt finishedAt modelRun { id }";
  let job: JobView;
  for (;;) {
    if (!apiServer.running) throw new Error("the API process ended during the training");
    if (workerServer && !workerServer.running) throw new Error("the worker process ended during the training");
    job = (await api.request<{ job: JobView }>(`query($id: ID!) { job(id: $id) { ${fields} } }`, { id: trainModel.id })).job;
    if (job.status === "SUCCEEDED" || job.status === "FAILED") break;
    await sleep(250);
  }
  const finished = performance.now();
  let servedAfterSeconds: number | null = null;
  let served: number | null = null;
  if (job.status === "SUCCEEDED" && job.modelRun) {
    const deadline = finished + 30_000;
    while (performance.now() < deadline) {
      const data = await api.request<{ model: { activeRun: { id: string } | null } | null }>(`query($m: String!) { model(name: $m) { activeRun { id } } }`, { m: training.model });
      if (data.model?.activeRun?.id === job.modelRun.id) {
        served = performance.now();
        servedAfterSeconds = round((served - finished) / 1000, 2);
        break;
      }
      await sleep(50);
    }
  }
  const host = os.hostname();
  const ranOn = job.worker === `${host}:${apiServer.pid}` ? "api" : workerServer && job.worker === `${host}:${workerServer.pid}` ? "worker" : "other";
  return {
    jobId: job.id,
    params: training.params,
    status: job.status,
    errorCode: job.errorCode,
    worker: job.worker,
    ranOn,
    wallSeconds: job.startedAt && job.finishedAt ? round((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000, 2) : null,
    observedSeconds: round((finished - submitted) / 1000, 2),
    servedAfterSeconds,
    events: {
      submitted: load.at(submitted),
      started: job.startedAt ? load.atWall(Date.parse(job.startedAt)) : null,
      finished: job.finishedAt ? load.atWall(Date.parse(job.finishedAt)) : null,
      seenFinished: load.at(finished),
      seenServed: served === null ? null : load.at(served),
    },
    result: job.status === "SUCCEEDED" ? job.result : { error: job.error },
  };
}

/** A few seconds at the bench's rate, not measured (JIT, connection pools). */
async function warmUp(url: string, body: () => string, rate: number): Promise<void> {
  const generator = new OpenLoopLoad(url, rate, body);
  generator.start();
  await sleep(4_000);
  await generator.stop();
}

/**
 * Sends POST requests on a fixed schedule (`rate` per second) whatever the answers do (open
 * loop), over keep-alive connections, and records every answer's latency from its scheduled time.
 */
class OpenLoopLoad {
  readonly latencies: number[] = [];
  readonly serviceLatencies: number[] = [];
  readonly lags: number[] = [];
  /** Scheduled send time of each answered request, ms from the start (parallel to `latencies`). */
  readonly scheduledAt: number[] = [];
  completed = 0;
  errors = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  private readonly target: URL;
  private readonly interval: number;
  private startedAt = 0;
  private startedWall = 0;
  private stoppedAt = 0;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    url: string,
    rate: number,
    private readonly body: () => string,
  ) {
    this.target = new URL(url);
    this.interval = 1000 / rate;
  }

  start(): void {
    this.startedAt = performance.now();
    this.startedWall = Date.now();
    this.next = this.startedAt;
    this.tick();
  }

  /** Stops sending, waits for the answers still due (at most 30 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.stoppedAt = performance.now();
    if (this.inFlight > 0) {
      await Promise.race([new Promise<void>((resolve) => (this.drained = resolve)), sleep(30_000)]);
    }
    this.agent.destroy();
  }

  /** Stops at once (cleanup on failure or a signal). */
  abort(): void {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    this.agent.destroy();
  }

  /** Seconds from this load's start to a performance.now() time. */
  at(time: number): number {
    return round((time - this.startedAt) / 1000, 2);
  }

  /** Seconds from this load's start to a wall-clock time (ms since the epoch). */
  atWall(time: number): number {
    return round((time - this.startedWall) / 1000, 2);
  }

  timeline(): { second: number; requests: number; p99: number; max: number }[] {
    const buckets: number[][] = [];
    this.scheduledAt.forEach((at, i) => (buckets[Math.floor(at / 1000)] ??= []).push(this.latencies[i]));
    return Array.from(buckets, (bucket, second) => {
      const s = sorted(bucket ?? []);
      return { second, requests: s.length, p99: round(quantile(s, 0.99), 1), max: round(s.at(-1) ?? 0, 1) };
    });
  }

  /** Seconds from the start to the last scheduled send. */
  seconds(): number {
    return ((this.stoppedAt || performance.now()) - this.startedAt) / 1000;
  }

  private tick(): void {
    if (this.stopping) return;
    const now = performance.now();
    while (this.next <= now) {
      this.send(this.next, now);
      this.next += this.interval;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, this.next - performance.now()));
  }

  private send(scheduled: number, now: number): void {
    this.lags.push(now - scheduled);
    const payload = this.body();
    this.inFlight++;
    const sent = performance.now();
    const done = (ok: boolean) => {
      const end = performance.now();
      if (ok) {
        this.completed++;
        this.latencies.push(end - scheduled);
        this.scheduledAt.push(scheduled - this.startedAt);
        this.serviceLatencies.push(end - sent);
      } else {
        this.errors++;
      }
      if (--this.inFlight === 0 && this.stopping) this.drained?.();
    };
    const request = http.request(
      {
        host: this.target.hostname,
        port: this.target.port,
        path: this.target.pathname,
        method: "POST",
        agent: this.agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          // A GraphQL error comes with 200: an answer without data counts as an error.
          const text = Buffer.concat(chunks).toString();
          done(response.statusCode === 200 && text.startsWith('{"data":{"recommendations"'));
        });
        response.on("error", () => done(false));
      },
    );
    request.on("error", () => done(false));
    request.end(payload);
  }
}

function stats(values: number[]): LatencyStats {
  const s = sorted(values);
  return { p50: round(quantile(s, 0.5), 2), p90: round(quantile(s, 0.9), 2), p99: round(quantile(s, 0.99), 2), max: round(s.at(-1) ?? 0, 2) };
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank quantile of sorted values. */
function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1))];
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
