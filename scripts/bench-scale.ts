// npm run bench:scale -- --ratings N [--users U] [--items I] [--data DIR --format F] [--model ials]
//                        [--duration 15] [--connections 8] [--seed 42] [--out results/scale-<N>.json]
// How the whole product's cost grows with the catalogue, each step in its own process as in a
// deployment, on a database of its own (fresh unique name, dropped at the end; see
// scripts/lib/benchServer.ts):
//   1. synthesise N ratings (src/data/synth, MovieLens 25M's shape scaled; kept under
//      $GRAPHREC_HOME/scale for the next run) unless --data names a real data set;
//   2. import them (`npm run import`), then import them again: the second must change nothing;
//   3. train popularity and the default model (`npm run train --no-holdout`), stored as runs;
//   4. start the API on the stored models (a restart: nothing to import or train) and time it to ready;
//   5. drive recommendations(first: 10) and similarItems with autocannon on loopback; resident memory
//      of the API process at ready and at its peak under load;
//   6. fold-in: a rateItem, then that user's recommendations, timed.
// Writes results/scale-<N>.json and ends with one line:
//   scale <N> ratings: import <s> s, ready <s> s, rss <MB> MB, train <s> s/iter, <R> req/s, p99 <ms> ms
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig, projectRoot } from "../src/config";
import { openDb } from "../src/db/client";
import { activeRuns, readArtifact } from "../src/db/modelRuns";
import { writeSyntheticDataset } from "../src/data/synth";
import { createRng } from "../src/math/random";
import { EmbeddingRecommender } from "../src/models/embedding";
import { deserializeModel } from "../src/models/registry";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";
import { RssSampler, cleanupOnExit, createBenchDatabase, driveLoad, freePort, loadAverage, machine, startServer, withClient, type BenchServer } from "./lib/benchServer";

const usage = `usage: npm run bench:scale -- --ratings N [--users U] [--items I] [--model ials] [--duration 15] [--connections 8] [--seed 42] [--out F]
   or: npm run bench:scale -- --data <dir> --format <fmt> [...]   (a real data set, e.g. ml-25m from npm run download)
Without --users/--items the synthetic catalogue has MovieLens 25M's shape scaled to N: users = N/153.8, items = 59,047·√(N/25M).`;

/** MovieLens 25M: 25,000,095 ratings by 162,541 users of 59,047 items. */
const ML25M = { ratings: 25_000_095, users: 162_541, items: 59_047 };

interface Step {
  seconds: number;
  peakRssMb: number;
  output: string;
}

runMain(async () => {
  const text = { type: "string" } as const;
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: { ...HELP, ratings: text, users: text, items: text, data: text, format: text, model: text, duration: text, connections: text, seed: text, out: text },
    }),
  );
  const integer = (raw: string | undefined, name: string, fallback?: number): number => {
    if (raw === undefined) {
      if (fallback === undefined) throw new UsageError(`--${name} is required\n${usage}`);
      return fallback;
    }
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 1) throw new UsageError(`--${name} must be a positive integer, got ${raw}\n${usage}`);
    return value;
  };
  if (values.data !== undefined && values.format === undefined) throw new UsageError(`--data needs --format\n${usage}`);
  const model = values.model ?? "ials";
  const duration = integer(values.duration, "duration", 15);
  const connections = integer(values.connections, "connections", 8);
  const seed = integer(values.seed, "seed", 42);
  const config = loadConfig();

  // 1. The data.
  let dataDir: string;
  let format: string;
  let synthSeconds: number | undefined;
  let label: string;
  if (values.data !== undefined) {
    dataDir = path.resolve(values.data);
    format = values.format!;
    label = path.basename(dataDir);
  } else {
    const ratings = integer(values.ratings, "ratings");
    const scale = ratings / ML25M.ratings;
    const users = integer(values.users, "users", Math.max(10, Math.round(ML25M.users * scale)));
    const items = integer(values.items, "items", Math.max(10, Math.round(ML25M.items * Math.sqrt(scale))));
    dataDir = path.join(config.homeDir, "scale", `synth-${ratings}-${users}-${items}-seed${seed}`);
    format = "movielens-latest";
    label = String(ratings);
    if (!fs.existsSync(path.join(dataDir, "synth.json"))) {
      const started = performance.now();
      const summary = await writeSyntheticDataset(dataDir, { users, items, ratings, seed });
      synthSeconds = (performance.now() - started) / 1000;
      log(`synthesised ${ratings} ratings (${users} users, ${items} items) in ${synthSeconds.toFixed(1)} s: top 1 % of items hold ${(summary.topItemShare * 100).toFixed(1)} %`);
    } else log(`reusing ${dataDir}`);
  }
  const out = values.out ?? path.join(projectRoot, "results", `scale-${label}.json`);
  const loadBefore = loadAverage();

  const database = await createBenchDatabase("graphrec_scale");
  let server: BenchServer | undefined;
  const close = cleanupOnExit(async () => {
    await server?.stop();
    await database.drop();
  });
  try {
    const env = { DATABASE_URL: database.url, GRAPHREC_OFFLINE: "1" };
    // 2. Import, twice.
    const imported = await runStep("import", ["scripts/import.ts", "--format", format, "--path", dataDir], env);
    const reimported = await runStep("re-import", ["scripts/import.ts", "--format", format, "--path", dataDir], env);
    const counts = await tableCounts(database.url);
    const reimportChanged = !/users \+0 \(~0\), items \+0 \(~0\), ratings \+0 \(~0 updated\)/.test(reimported.output);
    if (reimportChanged) log(`WARNING: the second import changed rows: ${reimported.output.trim()}`);

    // 3. Train: popularity (the cold-start fallback the API also serves) and the model.
    const popularity = await runStep("train popularity", ["scripts/train.ts", "--model", "popularity", "--no-holdout"], env);
    const trained = await runStep(`train ${model}`, ["scripts/train.ts", "--model", model, "--no-holdout"], env);
    const trainMatch = /in ([\d.]+) s \((\d+) epochs\)/.exec(trained.output);
    if (!trainMatch) throw new Error(`could not read the training time from: ${trained.output}`);
    const trainSeconds = Number(trainMatch[1]);
    const iterations = Number(trainMatch[2]);

    // The approximate index (which the API builds when items ≥ ANN_MIN_ITEMS): recall and time against the exact scan.
    const retrieval = await measureRecall(database.url, model, seed).catch((error: Error) => {
      log(`WARNING: the index's recall could not be measured: ${error.message}`);
      return undefined;
    });

    // 4. The API on the stored models.
    const port = await freePort();
    const startedAt = performance.now();
    server = startServer({
      env: { ...env, DEFAULT_MODEL: model, PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "production", ANONYMOUS_WRITES: "on" },
      echo: "never",
      readyTimeoutMs: 600_000,
    });
    const sampler = new RssSampler(server.pid, 200).start();
    await server.ready.catch((error: Error) => {
      throw new Error(`${error.message}\n${server?.logTail().slice(-4000)}`);
    });
    const readySeconds = (performance.now() - startedAt) / 1000;
    const readyRssMb = mb(sampler.samples.at(-1)?.bytes ?? 0);
    log(`API ready in ${readySeconds.toFixed(1)} s, RSS ${readyRssMb.toFixed(0)} MB`);

    // 5. Load.
    const url = `http://127.0.0.1:${port}/graphql`;
    const { users, items } = await someIds(database.url, 10_000, seed);
    const rng = createRng(seed);
    const recommendations = () =>
      JSON.stringify({ query: "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { score item { id title } } } } }", variables: { u: users[rng.int(users.length)] } });
    const similar = () =>
      JSON.stringify({ query: `query($i: ID!) { similarItems(itemId: $i, model: "${model}", first: 10) { score item { id title } } }`, variables: { i: items[rng.int(items.length)] } });
    for (const body of [recommendations(), similar()]) await graphql(url, body);
    await driveLoad(url, recommendations, 3, connections, "warm-up");
    const loads = [
      await driveLoad(url, recommendations, duration, connections, "recommendations(first: 10) { item { title } }"),
      await driveLoad(url, similar, duration, connections, `similarItems(model: ${model}, first: 10) { item { title } }`),
    ];

    // 6. Fold-in after a rating.
    const foldIn = await measureFoldIn(url, users, seed);
    sampler.stop();
    const peakRssMb = mb(sampler.peakBytes);
    const loadAfter = loadAverage();

    const main = loads[0];
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      machine: `${machine()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
      loadAverage: { before: loadBefore, after: loadAfter },
      data: { dir: dataDir, format, ...counts, synthSeconds },
      model,
      import: { seconds: imported.seconds, rowsPerSecond: Math.round(counts.ratings / imported.seconds), peakRssMb: imported.peakRssMb, summary: imported.output.trim() },
      reimport: { seconds: reimported.seconds, changedRows: reimportChanged, summary: reimported.output.trim() },
      train: {
        popularity: { seconds: popularity.seconds, peakRssMb: popularity.peakRssMb },
        [model]: { processSeconds: trained.seconds, fitSeconds: trainSeconds, iterations, secondsPerIteration: trainSeconds / iterations, peakRssMb: trained.peakRssMb },
      },
      api: {
        readySeconds,
        readyRssMb,
        peakRssMb,
        connections,
        durationSeconds: duration,
        loads,
        foldIn,
        annMinItems: config.annMinItems,
        servedThroughIndex: counts.items >= config.annMinItems,
        retrieval,
      },
      note:
        `Each step is its own process (import, train, API) on the same ${machine()} machine as PostgreSQL and the load generator (autocannon, ` +
        `${connections} connections, in this process). Import seconds: the whole npm run import process (reading, COPY, merge, index rebuild). ` +
        `Train s/iter: the fit's seconds (after reading the snapshot) over its iterations. Ready: from spawning the API process to its "ready" log line, ` +
        `with both models already stored. RSS: the API process's resident memory.`,
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    for (const l of loads) {
      process.stdout.write(
        `${l.query}: ${l.requestsPerSecond.toFixed(0)} req/s, p50 ${l.latencyMs.p50} ms, p90 ${l.latencyMs.p90} ms, p99 ${l.latencyMs.p99} ms (${l.requests} requests, ${l.errors + l.non2xx} errors)\n`,
      );
    }
    if (retrieval) {
      process.stdout.write(
        `approximate index (${counts.items} items; the API uses it from ANN_MIN_ITEMS = ${config.annMinItems}): built in ${retrieval.buildSeconds.toFixed(1)} s, recall@10 ${retrieval.recallAt10.toFixed(4)} against the exact scan ` +
          `(${retrieval.users} users, their rated items excluded); per request ${retrieval.indexMs.toFixed(3)} ms vs ${retrieval.exactMs.toFixed(3)} ms exact\n`,
      );
    }
    process.stdout.write(
      `fold-in: rateItem ${foldIn.rateMs.toFixed(1)} ms, then recommendations ${foldIn.recommendMs.toFixed(1)} ms; rated item left the list: ${foldIn.ratedItemLeft}, list changed: ${foldIn.listChanged}\n` +
        `re-import: ${reimported.seconds.toFixed(1)} s, ${reimportChanged ? "CHANGED ROWS" : "no row changed"}; load average ${loadBefore.join(" ")} → ${loadAfter.join(" ")}\nwrote ${out}\n`,
    );
    process.stdout.write(
      `scale ${counts.ratings} ratings: import ${imported.seconds.toFixed(1)} s, ready ${readySeconds.toFixed(1)} s, rss ${peakRssMb.toFixed(0)} MB, ` +
        `train ${(trainSeconds / iterations).toFixed(2)} s/iter, ${main.requestsPerSecond.toFixed(0)} req/s, p99 ${main.latencyMs.p99} ms\n`,
    );
  } finally {
    await close();
  }
});

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

function mb(bytes: number): number {
  return bytes / 2 ** 20;
}

/** Runs `node --import tsx <args>` in the project root; its wall seconds, peak RSS and stdout. */
function runStep(name: string, args: string[], env: Record<string, string>): Promise<Step> {
  log(`${name} ...`);
  const started = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: projectRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const sampler = new RssSampler(child.pid!, 200).start();
  let output = "";
  let errors = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-8000)));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      sampler.stop();
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`${name} failed (exit ${code}):\n${errors.replace(/\r/g, "\n").slice(-3000)}`));
      log(`${name}: ${seconds.toFixed(1)} s, peak RSS ${mb(sampler.peakBytes).toFixed(0)} MB: ${output.trim().split("\n")[0]}`);
      resolve({ seconds, peakRssMb: mb(sampler.peakBytes), output });
    });
  });
}

async function tableCounts(url: string): Promise<{ users: number; items: number; ratings: number }> {
  return withClient(url, async (client) => {
    const row = (
      await client.query<{ users: string; items: string; ratings: string }>(
        "select (select count(*) from users) as users, (select count(*) from items) as items, (select count(*) from ratings) as ratings",
      )
    ).rows[0];
    return { users: Number(row.users), items: Number(row.items), ratings: Number(row.ratings) };
  });
}

/** Up to `n` random users who have ratings and random items with ratings (the load's targets). */
async function someIds(url: string, n: number, seed: number): Promise<{ users: string[]; items: string[] }> {
  return withClient(url, async (client) => {
    await client.query("select setseed($1)", [(seed % 1000) / 1000]);
    const users = (await client.query<{ id: string }>("select external_id as id from users u where exists (select 1 from ratings r where r.user_id = u.id) order by random() limit $1", [n])).rows;
    const items = (await client.query<{ id: string }>("select external_id as id from items i where exists (select 1 from ratings r where r.item_id = i.id) order by random() limit $1", [n])).rows;
    return { users: users.map((r) => r.id), items: items.map((r) => r.id) };
  });
}

interface GraphqlResponse {
  data?: Record<string, unknown>;
  errors?: { message: string }[];
}

async function graphql(url: string, body: string): Promise<GraphqlResponse> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const json = (await response.json()) as GraphqlResponse;
  if (json.errors) throw new Error(`request failed: ${json.errors[0].message}`);
  return json;
}

/**
 * The served run of `model`, loaded here as the API loads it: top-10 of 1,000 random users (rated
 * items excluded) through the approximate index against the exact scan.
 */
async function measureRecall(url: string, model: string, seed: number): Promise<{ users: number; recallAt10: number; buildSeconds: number; indexMs: number; exactMs: number } | undefined> {
  const db = openDb(url, { max: 2 });
  try {
    const run = (await activeRuns(db)).find((r) => r.model === model);
    if (!run) throw new Error(`no active run of ${model}`);
    const { model: recommender } = deserializeModel(await readArtifact(db, run.id));
    if (!(recommender instanceof EmbeddingRecommender)) return undefined;
    // Model indices are the users' and items' ranks by database id (the snapshot's order).
    const rng = createRng(seed + 2);
    const users = Array.from({ length: Math.min(1_000, recommender.nUsers) }, () => rng.int(recommender.nUsers));
    // On the bulk pool: these reads outlast the serving pool's statement limit at 25M ratings.
    const userIds = (await db.bulkPool.query<{ id: number }>("select id from users order by id")).rows.map((r) => r.id);
    const itemRank = new Map((await db.bulkPool.query<{ id: number }>("select id from items order by id")).rows.map((r, rank) => [r.id, rank]));
    const rows = (
      await db.bulkPool.query<{ user_id: number; items: number[] }>("select user_id, array_agg(item_id) as items from ratings where user_id = any($1::int[]) group by user_id", [
        users.map((u) => userIds[u]),
      ])
    ).rows.map((row) => ({ rank: userIds.indexOf(row.user_id), items: row.items.map((id) => itemRank.get(id) ?? -1) }));
    const rated = new Map(rows.map((row) => [row.rank, Int32Array.from(row.items)]));
    const none = new Int32Array(0);
    let started = performance.now();
    const exact = users.map((u) => recommender.recommend(u, 10, { exclude: rated.get(u) ?? none }));
    const exactMs = (performance.now() - started) / users.length;
    const index = recommender.buildCandidateIndex();
    started = performance.now();
    const approximate = users.map((u) => recommender.recommend(u, 10, { exclude: rated.get(u) ?? none }));
    const indexMs = (performance.now() - started) / users.length;
    let hits = 0;
    let total = 0;
    users.forEach((_, k) => {
      const truth = new Set(exact[k].items);
      total += truth.size;
      for (const item of approximate[k].items) if (truth.has(item)) hits++;
    });
    recommender.dispose();
    return { users: users.length, recallAt10: hits / total, buildSeconds: index.buildSeconds, indexMs, exactMs };
  } finally {
    await db.close();
  }
}

/** rateItem on a user's first recommendation, then their recommendations again: each timed. */
async function measureFoldIn(url: string, users: string[], seed: number): Promise<{ rateMs: number; recommendMs: number; ratedItemLeft: boolean; listChanged: boolean }> {
  const user = users[createRng(seed + 1).int(users.length)];
  const query = JSON.stringify({ query: "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { item { id } } } } }", variables: { u: user } });
  const ids = (json: GraphqlResponse) => ((json.data!.recommendations as { edges: { node: { item: { id: string } } }[] }).edges ?? []).map((edge) => edge.node.item.id);
  const before = ids(await graphql(url, query));
  const rateStarted = performance.now();
  await graphql(url, JSON.stringify({ query: "mutation($u: ID!, $i: ID!) { rateItem(userId: $u, itemId: $i, value: 5) { value } }", variables: { u: user, i: before[0] } }));
  const rateMs = performance.now() - rateStarted;
  const recommendStarted = performance.now();
  const after = ids(await graphql(url, query));
  const recommendMs = performance.now() - recommendStarted;
  return { rateMs, recommendMs, ratedItemLeft: !after.includes(before[0]), listChanged: after.join() !== before.join() };
}
