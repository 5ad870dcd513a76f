// npm run bench:api -- [--data <ml-100k folder>] [--model als] [--duration 15] [--connections 16] [--out results/bench-api.json]
// Starts the real server (its own process) on a database of its own (fresh unique name, dropped
// at the end; see scripts/lib/benchServer.ts) with MovieLens 100K and a
// trained model, then drives it over HTTP on loopback with autocannon from this process:
// throughput and latency for recommendations(first: 10) with item titles, and for similarItems.
import fs from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { projectRoot } from "../src/config";
import { createRng } from "../src/math/random";
import { UsageError, parseArgs, runMain } from "../src/util/args";
import { machine, startBenchSession } from "./lib/benchServer";

const usage = `usage: npm run bench:api -- [--data <ml-100k folder>] [--model als] [--duration 15] [--connections 16] [--out results/bench-api.json]
The data folder defaults to $DATASETS_DIR/ml-100k. The model must support similar items (it serves both queries).`;

interface Measured {
  query: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  requests: number;
}

runMain(async () => {
  const { values } = parseArgs(process.argv.slice(2), { values: ["data", "model", "duration", "connections", "out", "port"], usage });
  const data = values.get("data") ?? (process.env.DATASETS_DIR ? path.join(process.env.DATASETS_DIR, "ml-100k") : undefined);
  if (!data || !fs.existsSync(path.join(data, "u.data"))) throw new UsageError(`MovieLens 100K folder not found (${data ?? "unset"})\n${usage}`);
  const model = values.get("model") ?? "als";
  const duration = Number(values.get("duration") ?? 15);
  const connections = Number(values.get("connections") ?? 16);
  const port = Number(values.get("port") ?? 4310);
  const out = values.get("out") ?? path.join(projectRoot, "results", "bench-api.json");

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
    await load(url, recommendations, Math.min(3, duration), connections); // warm-up (JIT, connection pools)
    const results: Measured[] = [];
    results.push(await load(url, recommendations, duration, connections, "recommendations(first: 10) { item { title } }"));
    results.push(await load(url, similar, duration, connections, `similarItems(model: ${model}, first: 10) { item { title } }`));
    const report = { date: new Date().toISOString(), model, data, durationSeconds: duration, connections, machine: machine(), results };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    for (const r of results) {
      process.stdout.write(`${r.query}: ${r.requestsPerSecond.toFixed(0)} req/s, p50 ${r.latencyMs.p50} ms, p90 ${r.latencyMs.p90} ms, p99 ${r.latencyMs.p99} ms (${r.requests} requests, ${r.errors + r.non2xx} errors)\n`);
    }
    const main = results[0];
    process.stdout.write(`recommendations: ${main.requestsPerSecond.toFixed(0)} req/s, p99 ${main.latencyMs.p99} ms\n`);
  } finally {
    await session.close();
  }
});

async function load(url: string, body: () => string, duration: number, connections: number, label = "warm-up"): Promise<Measured> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    connections,
    duration,
    requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }) }],
  });
  return {
    query: label,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}
