// Observability over real HTTP: /metrics (Prometheus text, parsed here), who may read it,
// bounded operation labels, request ids; and the real server's logs as JSON in production.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";
import { freePort } from "../../scripts/lib/benchServer";
import { createEmptyDatabase } from "../helpers/db";
import { gql, waitForJob } from "../helpers/graphql";
import { ADMIN_KEY, startTestServer, type TestServer } from "../helpers/server";

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format: `name{a="x",b="y"} value` lines; comments skipped. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`unparsable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((sum, s) => sum + s.value, 0);
}

async function scrape(t: TestServer, headers: Record<string, string> = {}): Promise<Sample[]> {
  const response = await fetch(new URL("/metrics", t.url), { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return parseMetrics(await response.text());
}

const RECOMMEND = `query Recs($user: ID!, $first: Int = 5) { recommendations(userId: $user, first: $first) { model source edges { node { rank } } } }`;

describe("/metrics", () => {
  let t: TestServer;
  let userId: string;
  beforeAll(async () => {
    t = await startTestServer();
    userId = t.recommender.catalog.users.id(0);
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it("histograms count requests and operations; errors by code; recommendation latency by model and source; catalogue gauges", async () => {
    const before = await scrape(t);
    const n = 3;
    for (let i = 0; i < n; i++) {
      const result = await gql(t.url, `query CountMe { health { items } }`);
      expect(result.errors).toBeUndefined();
    }
    const recs = await gql<{ recommendations: { model: string; source: string } }>(t.url, RECOMMEND, { user: userId });
    expect(recs.errors).toBeUndefined();
    const { model, source } = recs.data!.recommendations;
    const bad = await gql(t.url, RECOMMEND, { user: userId, first: 0 });
    expect(bad.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const after = await scrape(t);

    const count = (samples: Sample[], name: string, labels: Record<string, string> = {}) => total(samples, name, labels);
    expect(
      count(after, "graphql_operation_duration_seconds_count", { operation: "CountMe", type: "query" }) -
        count(before, "graphql_operation_duration_seconds_count", { operation: "CountMe", type: "query" }),
    ).toBe(n);
    expect(count(after, "graphql_operation_duration_seconds_count", { operation: "Recs" }) - count(before, "graphql_operation_duration_seconds_count", { operation: "Recs" })).toBe(2);
    // n + 2 GraphQL requests, and the first scrape (a metrics request that finished before the second one).
    expect(count(after, "http_request_duration_seconds_count", { route: "graphql" }) - count(before, "http_request_duration_seconds_count", { route: "graphql" })).toBe(n + 2);
    expect(count(after, "http_request_duration_seconds_count", { route: "metrics" })).toBeGreaterThanOrEqual(1);
    expect(count(after, "http_request_duration_seconds_bucket", { route: "graphql", status: "200", le: "+Inf" })).toBe(
      count(after, "http_request_duration_seconds_count", { route: "graphql", status: "200" }),
    );
    expect(model).toBe("popularity");
    expect(count(after, "recommendation_duration_seconds_count", { model, source }) - count(before, "recommendation_duration_seconds_count", { model, source })).toBe(1);
    expect(count(after, "graphql_errors_total", { code: "BAD_USER_INPUT" }) - count(before, "graphql_errors_total", { code: "BAD_USER_INPUT" })).toBe(1);

    expect(count(after, "catalog_items")).toBe(await t.database.db.prisma.item.count());
    expect(count(after, "catalog_users")).toBe(await t.database.db.prisma.user.count());
    expect(count(after, "catalog_ratings")).toBe(await t.database.db.prisma.rating.count());
    expect(count(after, "served_models")).toBe(1);
    expect(after.some((s) => s.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("a finished job counts in jobs_total and job_duration_seconds, and in the jobs gauge read from the database", async () => {
    const started = await gql<{ trainModel: { id: string } }>(t.url, `mutation { trainModel(model: "popularity") { id } }`, {}, { "x-api-key": ADMIN_KEY });
    expect(started.errors).toBeUndefined();
    const job = await waitForJob(t.url, started.data!.trainModel.id, "status", 600);
    expect(job.status).toBe("SUCCEEDED");
    const samples = await scrape(t);
    expect(total(samples, "jobs_total", { kind: "TRAIN", status: "SUCCEEDED" })).toBe(1);
    expect(total(samples, "job_duration_seconds_count", { kind: "TRAIN", status: "SUCCEEDED" })).toBe(1);
    expect(total(samples, "jobs", { kind: "TRAIN", status: "SUCCEEDED" })).toBe(await t.database.db.prisma.job.count({ where: { kind: "TRAIN", status: "SUCCEEDED" } }));
    expect(total(samples, "jobs", { kind: "TRAIN", status: "SUCCEEDED" })).toBeGreaterThanOrEqual(1);
  });

  it("operation names are bounded: 300 names give at most 200 labels and 'other'; long or odd names read 'invalid'", async () => {
    for (let i = 0; i < 300; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) => gql(t.url, `query Op_${i + j} { health { items } }`)));
    }
    await gql(t.url, `query ${"L".repeat(65)} { health { items } }`);
    const samples = await scrape(t);
    const operations = new Set(samples.filter((s) => s.name === "graphql_operation_duration_seconds_count").map((s) => s.labels.operation));
    const named = [...operations].filter((name) => name.startsWith("Op_"));
    expect(named.length).toBeLessThanOrEqual(200);
    expect(operations.has("other")).toBe(true);
    expect(operations.has("invalid")).toBe(true);
    expect(operations.size).toBeLessThanOrEqual(200 + 3); // + other, invalid, anonymous
  });

  it("echoes a safe x-request-id and replaces an unsafe one", async () => {
    const echoed = await fetch(new URL("/healthz", t.url), { headers: { "x-request-id": "abc-123.X_y" } });
    expect(echoed.headers.get("x-request-id")).toBe("abc-123.X_y");
    for (const unsafe of ["a b", "x".repeat(65), "<script>"]) {
      const replaced = await fetch(new URL("/healthz", t.url), { headers: { "x-request-id": unsafe } });
      expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
    const generated = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ health { items } }" }) });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("/metrics with METRICS_TOKEN", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ production: true, metricsToken: "metrics-secret-token" });
  }, 300_000);
  afterAll(async () => {
    await t?.close();
  });

  it("needs the bearer token: 401 without, 403 with a wrong one, 200 with it", async () => {
    const url = new URL("/metrics", t.url);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { "x-api-key": ADMIN_KEY } })).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: "Bearer wrong" } })).status).toBe(403);
    const ok = await fetch(url, { headers: { authorization: "Bearer metrics-secret-token" } });
    expect(ok.status).toBe(200);
    expect(parseMetrics(await ok.text()).some((s) => s.name === "http_request_duration_seconds_count")).toBe(true);
  });
});

describe("logs of the real server (node scripts/start.ts) in production", () => {
  let child: ChildProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await drop?.();
  });

  it("writes one JSON object per line, with level and time; request lines at debug carry the request id, never the variables", async () => {
    const database = await createEmptyDatabase();
    drop = database.drop;
    const port = await freePort();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-home-"));
    child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "start.ts")], {
      cwd: projectRoot,
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: database.url,
        GRAPHREC_OFFLINE: "1",
        GRAPHREC_HOME: home,
        PORT: String(port),
        HOST: "127.0.0.1",
        DEFAULT_MODEL: "popularity",
        LOG_LEVEL: "debug",
        METRICS_TOKEN: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      child!.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("GraphQL API ready")) resolve();
      });
      child!.once("exit", (code) => reject(new Error(`server exited (${code}) before it was ready:\n${stderr}`)));
    });
    await ready;
    const url = `http://127.0.0.1:${port}/graphql`;
    const secret = "do-not-log-this-value";
    await gql(url, `query Logged($user: ID!) { recommendations(userId: $user, first: 2) { model } }`, { user: secret }, { "x-request-id": "req-under-test" });
    // In production without METRICS_TOKEN, a loopback client may read the metrics.
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(200);
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;

    const lines = (stdout + stderr).split("\n").filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThan(3);
    const records = lines.map((line) => {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`log line is not JSON: ${line}`);
      }
      expect(typeof record.level).toBe("number");
      expect(typeof record.time).toBe("number");
      return record;
    });
    expect(records.some((r) => typeof r.msg === "string" && r.msg.includes("GraphQL API ready"))).toBe(true);
    const request = records.find((r) => r.reqId === "req-under-test");
    expect(request).toMatchObject({ level: 20, method: "POST", route: "graphql", status: 200, operation: "Logged" });
    expect(typeof request!.durationMs).toBe("number");
    expect(stdout + stderr).not.toContain(secret);
  }, 300_000);
});
