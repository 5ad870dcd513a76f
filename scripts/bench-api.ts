// npm run bench:api -- [--data <ml-100k folder>] [--model als] [--duration 15] [--connections 16] [--out results/bench-api.json]
//                      [--replicas N]
// Starts the real server (its own process) on a database of its own (fresh unique name, dropped
// at the end; see scripts/lib/benchServer.ts) with MovieLens 100K and a
// trained model, then drives it over HTTP on loopback with autocannon from this process:
// throughput and latency for recommendations(first: 10) with item titles, and for similarItems.
// With --replicas N (results/bench-api-replicas.json): recommendations against 1 API process,
// then against N (the extra N-1 started with IN_PROCESS_WORKER=off on the same database), then
// against the first one again (the others idle; a check of how much the shared machine drifted).
// One autocannon instance per process, run concurrently, the connections split evenly; req/s
// summed, latency percentiles from every request's own latency (merged exactly).
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { projectRoot } from "../src/config";
import { createRng } from "../src/math/random";
import { HELP, UsageError, movieLens100kFolder, parseCli, runMain } from "./lib/cli";
import {
  driveLoad,
  freePort,
  loadAverage,
  machine,
  machineBusyCores,
  machineCpuTimes,
  processCpuSeconds,
  startBenchSession,
  startServer,
  type BenchServer,
  type BenchSession,
  type LoadResult,
} from "./lib/benchServer";

const usage = `usage: npm run bench:api -- [--data <ml-100k folder>] [--model als] [--duration 15] [--connections 16] [--out results/bench-api.json] [--replicas N]
The data folder defaults to $DATASETS_DIR/ml-100k. The model must support similar items (it serves both queries).
--replicas N: recommendations against 1 API process, then N over the same database (results/bench-api-replicas.json).`;

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        data: { type: "string" },
        model: { type: "string" },
        duration: { type: "string" },
        connections: { type: "string" },
        out: { type: "string" },
        port: { type: "string" },
        replicas: { type: "string" },
      },
    }),
  );
  const data = movieLens100kFolder(values.data, usage);
  const model = values.model ?? "als";
  const duration = Number(values.duration ?? 15);
  const connections = Number(values.connections ?? 16);
  const port = Number(values.port ?? 4310);
  const replicas = values.replicas !== undefined ? Number(values.replicas) : undefined;
  if (replicas !== undefined && !(Number.isSafeInteger(replicas) && replicas >= 1 && replicas <= 16)) throw new UsageError(`--replicas must be an integer 1-16\n${usage}`);
  if (replicas !== undefined && connections < replicas) throw new UsageError(`--connections (${connections}) must be at least --replicas (${replicas})\n${usage}`);
  const out = values.out ?? path.join(projectRoot, "results", replicas === undefined ? "bench-api.json" : "bench-api-replicas.json");

  // A database of its own (fresh unique name, dropped at the end, also on failure or Ctrl-C),
  // on DATABASE_URL's server or the embedded one, and the server on it.
  const session = await startBenchSession({
    env: { DATA_DIR: data, DEFAULT_MODEL: model, PORT: String(port), HOST: "127.0.0.1", GRAPHREC_OFFLINE: "1", NODE_ENV: "production" },
  });
  const benchUrl = session.database.url;
  try {
    const started = performance.now();
    await session.server.ready;
    process.stderr.write(`server ready in ${((performance.now() - started) / 1000).toFixed(1)} s (import + training ${model})\n`);
    const url = `http://127.0.0.1:${port}/graphql`;
    const client = new pg.Client({ connectionString: benchUrl });
    await client.connect();
    const users = (await client.query<{ external_id: string }>("select external_id from users order by id")).rows.map((r) => r.external_id);
    const items = (await client.query<{ external_id: string }>("select external_id from items order by id")).rows.map((r) => r.external_id);
    await client.end();

    const rng = createRng(7);
    const recommendations = (): string =>
      JSON.stringify({
        query: "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { score item { id title } } } } }",
        variables: { u: users[rng.int(users.length)] },
      });
    const similar = (): string =>
      JSON.stringify({
        query: `query($i: ID!) { similarItems(itemId: $i, model: "${model}", first: 10) { score item { id title } } }`,
        variables: { i: items[rng.int(items.length)] },
      });
    // Sanity check before measuring: a request must succeed.
    for (const body of [recommendations(), similar()]) {
      const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
      const json = (await response.json()) as { errors?: { message: string }[] };
      if (json.errors) throw new Error(`sanity request failed: ${json.errors[0].message}`);
    }
    if (replicas !== undefined) {
      await benchReplicas({ session, model, data, duration, connections, replicas, url, recommendations, out });
      return;
    }
    await driveLoad(url, recommendations, Math.min(3, duration), connections); // warm-up (JIT, connection pools)
    const results: LoadResult[] = [];
    results.push(await driveLoad(url, recommendations, duration, connections, "recommendations(first: 10) { item { title } }"));
    results.push(await driveLoad(url, similar, duration, connections, `similarItems(model: ${model}, first: 10) { item { title } }`));
    const report = { date: new Date().toISOString(), model, data, durationSeconds: duration, connections, machine: machine(), results };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    for (const r of results) {
      process.stdout.write(
        `${r.query}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms (${r.requests} requests, ${r.errors + r.non2xx} errors)\n`,
      );
    }
    const main = results[0];
    process.stdout.write(`recommendations: ${main.requestsPerSecond.toFixed(0)} req/s, p99 ${main.latencyMs.p99} ms\n`);
  } finally {
    await session.close();
  }
});

// --replicas N -----------------------------------------------------------------------------------

interface ProcessLoad {
  url: string;
  pid: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  /** autocannon's own percentiles for this process's share (whole milliseconds). */
  latencyMs: { p50: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  /** CPU the API process used during the phase, in cores (CPU seconds / wall seconds). */
  cpuCores: number | undefined;
}

interface ReplicaPhase {
  phase: string;
  processes: number;
  connections: number;
  requestsPerSecond: number;
  requests: number;
  errors: number;
  non2xx: number;
  /** Percentiles of every request's latency, all processes merged (exact, from per-request samples). */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /** The largest of the per-process p99s (autocannon's, whole ms). */
  maxPerProcessP99Ms: number;
  perProcess: ProcessLoad[];
  /** CPU this bench process (the load generator) used, in cores. */
  loadGeneratorCpuCores: number;
  /** The whole machine's busy CPU during the phase (every process, other tenants too), in cores. */
  machineBusyCores: number;
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
}

interface ReplicaOptions {
  session: BenchSession;
  model: string;
  data: string;
  duration: number;
  connections: number;
  replicas: number;
  url: string;
  recommendations: () => string;
  out: string;
}

async function benchReplicas(options: ReplicaOptions): Promise<void> {
  const { session, model, data, duration, connections, replicas, recommendations } = options;
  const first = { url: options.url, server: session.server };
  const loadBefore = loadAverage();
  await loadMany([first], recommendations, Math.min(3, duration), connections); // warm-up
  const phases: ReplicaPhase[] = [];
  phases.push(await loadMany([first], recommendations, duration, connections, "1 process"));

  // The other N-1: API only (IN_PROCESS_WORKER=off), on the database the first one created.
  const extras: { url: string; server: BenchServer }[] = [];
  for (let i = 1; i < replicas; i++) {
    const port = await freePort();
    const server = startServer({
      env: { DATABASE_URL: session.database.url, DEFAULT_MODEL: model, PORT: String(port), HOST: "127.0.0.1", GRAPHREC_OFFLINE: "1", NODE_ENV: "production", IN_PROCESS_WORKER: "off" },
      echo: "until-ready",
      readyTimeoutMs: 300_000,
    });
    session.onClose(() => server.stop());
    extras.push({ url: `http://127.0.0.1:${port}/graphql`, server });
  }
  const started = performance.now();
  await Promise.all(extras.map((extra) => extra.server.ready));
  if (extras.length > 0) process.stderr.write(`${extras.length} more API process(es) ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  for (const extra of extras) {
    const response = await fetch(extra.url, { method: "POST", headers: { "content-type": "application/json" }, body: recommendations() });
    const json = (await response.json()) as { errors?: { message: string }[] };
    if (json.errors) throw new Error(`sanity request to ${extra.url} failed: ${json.errors[0].message}`);
  }
  const all = [first, ...extras];
  await loadMany(all, recommendations, Math.min(3, duration), connections); // warm-up of the new processes
  phases.push(await loadMany(all, recommendations, duration, connections, `${replicas} processes`));
  // The first process alone again, the others idle: how much did the shared machine change meanwhile?
  phases.push(await loadMany([first], recommendations, duration, connections, "1 process again (others idle)"));
  const loadAfter = loadAverage();

  const [one, many, again] = phases;
  const ratio = {
    requestsPerSecond: round(many.requestsPerSecond / one.requestsPerSecond, 2),
    p99: round(many.latencyMs.p99 / one.latencyMs.p99, 2),
    requestsPerSecondVsMeanOfSingles: round(many.requestsPerSecond / ((one.requestsPerSecond + again.requestsPerSecond) / 2), 2),
  };
  const note =
    `Load generator (autocannon, ${connections} connections split evenly over the processes, one instance per process run concurrently) ` +
    `in this process on the same ${machine()} machine as the API processes and PostgreSQL. Latency percentiles: every request's latency, ` +
    `all processes merged (exact); maxPerProcessP99Ms is the largest of autocannon's per-process p99s. The first process runs the ` +
    `in-process worker (idle); the others IN_PROCESS_WORKER=off. machineBusyCores counts every process on the machine, other tenants too.`;
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    model,
    data,
    query: "recommendations(userId, first: 10) { edges { node { score item { id title } } } }",
    durationSeconds: duration,
    connections,
    replicas,
    machine: machine(),
    loadAverage: { before: loadBefore, after: loadAfter },
    phases,
    ratio,
    note,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);

  process.stdout.write(`\nrecommendations(first: 10), ${connections} connections, ${duration} s per phase, ${machine()}, load average before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")}\n`);
  process.stdout.write(
    `| phase | req/s | p50 ms | p99 ms (merged) | max per-process p99 ms | max ms | errors | machine busy cores | generator cores | load avg 1m before→after |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n`,
  );
  for (const p of phases) {
    process.stdout.write(
      `| ${p.phase} | ${p.requestsPerSecond.toFixed(0)} | ${p.latencyMs.p50.toFixed(1)} | ${p.latencyMs.p99.toFixed(1)} | ${p.maxPerProcessP99Ms} | ${p.latencyMs.max.toFixed(0)} | ${p.errors + p.non2xx} | ${p.machineBusyCores} | ${p.loadGeneratorCpuCores} | ${p.loadAverage.before[0]}→${p.loadAverage.after[0]} |\n`,
    );
  }
  for (const p of phases.filter((phase) => phase.processes > 1)) {
    process.stdout.write(`  per process in "${p.phase}": ${p.perProcess.map((q) => `${q.requestsPerSecond.toFixed(0)} req/s, p99 ${q.latencyMs.p99} ms, ${q.cpuCores ?? "?"} cores`).join("; ")}\n`);
  }
  process.stdout.write(
    `${replicas} processes / 1 process: req/s ×${ratio.requestsPerSecond}, p99 ×${ratio.p99} (req/s ×${ratio.requestsPerSecondVsMeanOfSingles} against the mean of both single-process phases)\n`,
  );
  process.stdout.write(`${note}\nwrote ${options.out}\n`);
}

/** Drives every target at once: one autocannon instance each, `connections` split evenly. */
async function loadMany(targets: { url: string; server: BenchServer }[], body: () => string, duration: number, connections: number, label = "warm-up"): Promise<ReplicaPhase> {
  const loadBefore = loadAverage();
  const machineBefore = machineCpuTimes();
  const cpuBefore = targets.map((target) => processCpuSeconds(target.server.pid));
  const generatorBefore = process.cpuUsage();
  const wallStarted = performance.now();
  const latencies: number[] = [];
  const shares = targets.map((_, i) => Math.floor(connections / targets.length) + (i < connections % targets.length ? 1 : 0));
  const results = await Promise.all(
    targets.map(
      (target, i) =>
        new Promise<autocannon.Result>((resolve, reject) => {
          const instance = autocannon(
            {
              url: target.url,
              method: "POST",
              headers: { "content-type": "application/json" },
              connections: shares[i],
              duration,
              requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }) }],
            },
            (error: unknown, result: autocannon.Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)),
          );
          // Every response's own latency (ms, from the request's write): merged over the processes below.
          instance.on("response", (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
        }),
    ),
  );
  const wall = (performance.now() - wallStarted) / 1000;
  const generator = process.cpuUsage(generatorBefore);
  const machineBusy = machineBusyCores(machineBefore, machineCpuTimes());
  const perProcess: ProcessLoad[] = results.map((result, i) => {
    const cpuAfter = processCpuSeconds(targets[i].server.pid);
    const before = cpuBefore[i];
    return {
      url: targets[i].url,
      pid: targets[i].server.pid,
      connections: shares[i],
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      errors: result.errors,
      non2xx: result.non2xx,
      cpuCores: cpuAfter !== undefined && before !== undefined ? round((cpuAfter - before) / wall, 2) : undefined,
    };
  });
  latencies.sort((a, b) => a - b);
  return {
    phase: label,
    processes: targets.length,
    connections,
    requestsPerSecond: perProcess.reduce((sum, p) => sum + p.requestsPerSecond, 0),
    requests: perProcess.reduce((sum, p) => sum + p.requests, 0),
    errors: perProcess.reduce((sum, p) => sum + p.errors, 0),
    non2xx: perProcess.reduce((sum, p) => sum + p.non2xx, 0),
    latencyMs: { p50: round(quantile(latencies, 0.5), 2), p90: round(quantile(latencies, 0.9), 2), p99: round(quantile(latencies, 0.99), 2), max: round(latencies.at(-1) ?? 0, 2) },
    maxPerProcessP99Ms: Math.max(...perProcess.map((p) => p.latencyMs.p99)),
    perProcess,
    loadGeneratorCpuCores: round((generator.user + generator.system) / 1e6 / wall, 2),
    machineBusyCores: machineBusy,
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
