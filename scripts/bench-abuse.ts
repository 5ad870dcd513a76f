// npm run bench:abuse -- [--data <ml-100k folder>] [--model als] [--out results/bench-abuse.json] [--quick] [--rounds 3] [--timeout 30] [--port <n>]
// What hostile clients can do to the public edge. Starts the real server (its own process, in
// production mode) on a database of its own with MovieLens 100K and a trained model
// (scripts/lib/benchServer.ts), then, while a probe process keeps asking GET /healthz and a
// normal recommendations query (alternately, one at a time, recording each latency), sends a
// fixed list of hostile requests one at a time: huge documents, alias floods on every list and
// ranking field, deep and huge variables, bad input, import paths that point at secrets,
// introspection, directives, fragment cycles, depth. For each: wall time, HTTP status, and the
// first error's extensions.code ("ok" when there is none; "http <status>"; "timeout";
// "reset" when the connection was cut). At the end: a table, the probe's latency while hostile
// requests were in flight, the longest hostile request, the server's RSS (idle and peak,
// sampled every 50 ms from /proc), and the number of responses that contain a secret (the
// admin key, the user-token secret, the database URL), then one summary line:
//   abuse: probe p99 <X> ms, worst request <Y> ms, rss x<Z>
// Targets (printed, met or not): probe p99 ≤ 50 ms, worst request ≤ 1,000 ms, RSS ≤ 2× idle.
// The exit code is 0 when the bench ran (targets missed or not) and non-zero when it could
// not run or the server died. --quick skips the floods that are heaviest for an unprotected
// server (repeated fields beyond 1,000, the alias floods on ranking and list fields, the 10 MB body).
import { fork, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SignJWT } from "jose";
import pg from "pg";
import { projectRoot } from "../src/config";
import { createRng } from "../src/math/random";
import { HELP, UsageError, movieLens100kFolder, parseCli, runMain } from "./lib/cli";
import { RssSampler, freePort, interruption, loadAverage, machine, readRssBytes, startBenchSession, type BenchSession } from "./lib/benchServer";

const usage = `usage: npm run bench:abuse -- [--data <ml-100k folder>] [--model als] [--out results/bench-abuse.json] [--quick] [--rounds 3] [--timeout 30] [--port <n>]
The data folder defaults to $DATASETS_DIR/ml-100k. --timeout is per hostile request (seconds); --port defaults to a free one.`;

const TARGETS = { probeP99Ms: 50, worstRequestMs: 1_000, rssRatio: 2 };
/** Response bytes kept for reading the error code (the leak check reads everything). */
const HEAD_BYTES = 256 * 1024;
/** Stop sending after this many hostile requests in a row timed out: the server no longer answers. */
const MAX_CONSECUTIVE_TIMEOUTS = 3;

/** Server settings that would change the limits under test: cleared so that the bench measures the defaults. */
const CLEARED_SETTINGS = [
  "MAX_BODY_BYTES",
  "MAX_QUERY_TOKENS",
  "MAX_ALIASES",
  "MAX_DIRECTIVES",
  "MAX_QUERY_DEPTH",
  "MAX_QUERY_COST",
  "MAX_RESPONSE_BYTES",
  "GRAPHQL_INTROSPECTION",
  "CORS_ORIGINS",
  "USER_TOKEN_PUBLIC_KEY",
  "USER_TOKEN_ISSUER",
  "USER_TOKEN_AUDIENCE",
  "RATING_SCALE",
  "GRAPHREC_HOME",
];

// ---------------------------------------------------------------------------------------
// The probe: a child process (its own event loop, so that reading a hostile response here
// does not delay it) that alternates GET /healthz and a normal recommendations query.

interface ProbeStart {
  type: "start";
  healthUrl: string;
  graphqlUrl: string;
  users: string[];
  seed: number;
  timeoutMs: number;
}
type ToProbe = ProbeStart | { type: "stop" };

interface ProbeSample {
  kind: "healthz" | "recommendations";
  /** Epoch milliseconds (performance.timeOrigin + performance.now(), comparable across processes). */
  start: number;
  end: number;
  ok: boolean;
  outcome: string;
}
type FromProbe = { type: "listening" } | { type: "samples"; samples: ProbeSample[] } | { type: "stopped" };

const now = (): number => performance.timeOrigin + performance.now();

async function probeChild(): Promise<void> {
  const send = (message: FromProbe): Promise<void> => new Promise((resolve) => void process.send!(message, undefined, {}, () => resolve()));
  process.once("disconnect", () => process.exit(0)); // the bench is gone
  const start = new Promise<ProbeStart>((resolve) => {
    process.once("message", (message) => resolve(message as ProbeStart));
  });
  await send({ type: "listening" }); // the bench sends the start message once this process listens
  const { healthUrl, graphqlUrl, users, seed, timeoutMs } = await start;
  let stopping = false;
  process.on("message", (message) => {
    if ((message as ToProbe).type === "stop") stopping = true;
  });
  const rng = createRng(seed);
  let batch: ProbeSample[] = [];
  const flush = async (): Promise<void> => {
    const samples = batch;
    batch = [];
    if (samples.length > 0) await send({ type: "samples", samples });
  };
  const timer = setInterval(() => void flush(), 200);
  for (let i = 0; !stopping; i++) {
    const kind = i % 2 === 0 ? "healthz" : "recommendations";
    const began = now();
    let ok = false;
    let outcome: string;
    try {
      const response =
        kind === "healthz"
          ? await fetch(healthUrl, { signal: AbortSignal.timeout(timeoutMs) })
          : await fetch(graphqlUrl, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                query: "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { score item { id title } } } } }",
                variables: { u: users[rng.int(users.length)] },
              }),
              signal: AbortSignal.timeout(timeoutMs),
            });
      const text = await response.text();
      ok = response.status === 200 && !text.includes('"errors"');
      outcome = ok ? "ok" : `http ${response.status}${text.includes('"errors"') ? " (errors)" : ""}`;
    } catch (error) {
      outcome = failureOf(error);
    }
    batch.push({ kind, start: began, end: now(), ok, outcome });
    if (!ok) await new Promise((resolve) => setTimeout(resolve, 100)); // no busy loop against a dead server
  }
  clearInterval(timer);
  await flush();
  await send({ type: "stopped" });
}

class Probe {
  readonly samples: ProbeSample[] = [];
  private readonly child: ChildProcess;
  private readonly stopped: Promise<void>;

  constructor(private readonly start: Omit<ProbeStart, "type">) {
    this.child = fork(fileURLToPath(import.meta.url), ["--probe-child"], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.stopped = new Promise((resolve) => {
      this.child.on("message", (message) => {
        const received = message as FromProbe;
        if (received.type === "listening") this.child.send({ type: "start", ...start } satisfies ProbeStart);
        else if (received.type === "samples") this.samples.push(...received.samples);
        else resolve();
      });
      this.child.once("exit", () => resolve());
    });
  }

  /** Asks the probe to finish its current request, collects its samples, and waits for it to end. */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.send({ type: "stop" } satisfies ToProbe);
    const killer = setTimeout(() => this.child.kill("SIGKILL"), this.start.timeoutMs + 5_000);
    await this.stopped;
    clearTimeout(killer);
    if (this.child.connected) this.child.disconnect();
  }
}

// ---------------------------------------------------------------------------------------
// Hostile requests.

/** What a request should get: a clean refusal (an error code other than INTERNAL_SERVER_ERROR, or a 4xx), a result, or either. */
type Expect = "refused" | "ok" | "either";

interface Hostile {
  name: string;
  group: string;
  /** The request body, encoded before the attack starts. */
  body: Buffer;
  auth?: "admin" | "user";
  expect: Expect;
  /** A connection reset counts as a refusal (bodies the server should cut off early). */
  resetIsRefusal?: boolean;
  /** A mutation (storage effects are checked by the tests, not here). */
  write?: boolean;
  /** Skipped by --quick: heaviest for a server without the edge's bounds. */
  heavy?: boolean;
  /** Runs before the request, outside its timing (e.g. wait for import jobs to end). */
  before?: () => Promise<void>;
  /** A note on the response (e.g. how many items a search matched). */
  note?: (body: string | undefined) => string | undefined;
  /** After the request, outside its timing: a closer look that decides whether it was refused (e.g. the job an import started). */
  followUp?: (body: string | undefined) => Promise<FollowUp | undefined>;
}

interface FollowUp {
  met: boolean;
  note: string;
  /** Response bodies read by the follow-up (checked for leaks too). */
  bodies: string[];
}

interface Helpers {
  /** Waits (at most 5 s) until no job is pending. */
  waitForJobs(): Promise<void>;
  /** Follows the job an importDataset response returned until it ends (at most 5 s). */
  followJob(body: string | undefined): Promise<FollowUp | undefined>;
}

interface Outcome {
  name: string;
  group: string;
  expect: Expect;
  write: boolean;
  requestBytes: number;
  status: number | null;
  /** First error's extensions.code, "ok", "http <status>", "timeout", "reset (<cause>)" or "skipped". */
  outcome: string;
  wallMs: number;
  responseBytes: number;
  met: boolean;
  leaks: string[];
  start: number;
  end: number;
  note?: string;
}

function gql(query: string, variables?: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(variables === undefined ? { query } : { query, variables }));
}

function aliases(count: number, field: string): string {
  let out = "";
  for (let i = 0; i < count; i++) out += `a${i}: ${field} `;
  return out;
}

function repeatedFields(count: number): string {
  return `{ health { ${"ok ".repeat(count)}} }`;
}

/** A `{ health { ok ok ... } }` document of about `bytes` bytes. */
function repeatedFieldsOfSize(bytes: number): string {
  return repeatedFields(Math.floor((bytes - 20) / 3));
}

/** Nested `{"a": ... }` JSON text, `depth` levels deep (GraphQL literal syntax when `literal`). */
function nested(depth: number, literal: boolean): string {
  return `${(literal ? "{a: " : '{"a":').repeat(depth)}1${"}".repeat(depth)}`;
}

interface Fixture {
  user: string;
  item: string;
  profile: { itemId: string; value: number }[];
  catalogItems: number;
}

function hostileRequests(f: Fixture, helpers: Helpers): Hostile[] {
  const u = JSON.stringify(f.user);
  const i = JSON.stringify(f.item);
  const rec = `recommendations(userId: ${u}, first: 100, diversity: 1) { model }`;
  const recItems = `recommendations(userId: ${u}, first: 100, diversity: 1) { edges { node { item { title } } } }`;
  const similar = `similarItems(itemId: ${i}, first: 100) { score }`;
  const explain = `explain(userId: ${u}, itemId: ${i}, maxPaths: 20) { summary }`;
  const items = "items(first: 100) { edges { node { title genres tags } } }";
  const users = "users(first: 100) { edges { node { id ratings(first: 100) { totalCount } } } }";
  const genres = "genres { genre }";
  const profile = "recommendationsForProfile(ratings: $r, first: 100, diversity: 1) { model }";
  const profileVariables = { r: f.profile };
  const cursor = Buffer.from("offset:99999999999999999999999").toString("base64url");
  const list: Hostile[] = [
    // Document size: repeated fields (validation is quadratic in them) and bodies.
    { group: "size", name: "fields-1000", body: gql(repeatedFields(1_000)), expect: "either" },
    { group: "size", name: "fields-5000", body: gql(repeatedFields(5_000)), expect: "refused", heavy: true },
    { group: "size", name: "fields-32000", body: gql(repeatedFields(32_000)), expect: "refused", heavy: true },
    { group: "size", name: "fields-1mb", body: gql(repeatedFieldsOfSize(1 << 20)), expect: "refused", resetIsRefusal: true, heavy: true },
    { group: "size", name: "body-10mb", body: gql(repeatedFieldsOfSize(10 << 20)), expect: "refused", resetIsRefusal: true, heavy: true },
    // Alias floods on every list and ranking field, then one of each at the largest allowed arguments.
    { group: "aliases", name: "alias-recommendations-1000", body: gql(`{ ${aliases(1_000, rec)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-recommendations-items-200", body: gql(`{ ${aliases(200, recItems)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-similarItems-500", body: gql(`{ ${aliases(500, similar)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-explain-500", body: gql(`{ ${aliases(500, explain)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-items-300", body: gql(`{ ${aliases(300, items)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-users-300", body: gql(`{ ${aliases(300, users)}}`), expect: "refused", heavy: true },
    { group: "aliases", name: "alias-genres-300", body: gql(`{ ${aliases(300, genres)}}`), expect: "refused" },
    {
      group: "aliases",
      name: "alias-profile-300",
      body: gql(`query($r: [ProfileRatingInput!]!) { ${aliases(300, profile)}}`, profileVariables),
      expect: "refused",
      heavy: true,
    },
    { group: "legitimate heavy", name: "heavy-recommendations", body: gql(`{ ${rec} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-recommendations-items", body: gql(`{ ${recItems} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-similarItems", body: gql(`{ ${similar} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-explain", body: gql(`{ ${explain} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-items", body: gql(`{ ${items} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-users", body: gql(`{ ${users} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-genres", body: gql(`{ ${genres} }`), expect: "ok" },
    { group: "legitimate heavy", name: "heavy-profile", body: gql(`query($r: [ProfileRatingInput!]!) { ${profile} }`, profileVariables), expect: "ok" },
    // Amplification: a huge title (anonymous), then one item asked for many times.
    {
      group: "amplification",
      name: "createItem-anonymous-1mb-title",
      body: gql('mutation($t: String) { createItem(input: { id: "abuse-big-title", title: $t }) { id } }', { t: "x".repeat(1_048_000) }),
      expect: "refused",
      resetIsRefusal: true,
      write: true,
    },
    { group: "amplification", name: "alias-item-500", body: gql(`{ ${aliases(500, 'item(id: "1") { title }')}}`), expect: "refused" },
    // Deep and huge JSON, huge variables.
    {
      group: "variables",
      name: "createUser-json-5000-deep-variable",
      body: Buffer.from(`{"query":"mutation($a: JSON) { createUser(input: { id: \\"abuse-deep-variable\\", attributes: $a }) { id } }","variables":{"a":${nested(5_000, false)}}}`),
      auth: "admin",
      expect: "refused",
      write: true,
    },
    {
      group: "variables",
      name: "createUser-json-5000-deep-literal",
      body: gql(`mutation { createUser(input: { id: "abuse-deep-literal", attributes: ${nested(5_000, true)} }) { id } }`),
      auth: "admin",
      expect: "refused",
      write: true,
    },
    {
      group: "variables",
      name: "createUser-json-100kb-variable",
      body: gql('mutation($a: JSON) { createUser(input: { id: "abuse-json-100kb", attributes: $a }) { id } }', { a: wideObject(100 * 1024) }),
      auth: "admin",
      expect: "refused",
      write: true,
    },
    {
      group: "variables",
      name: "string-variable-1mb",
      body: gql("query($s: String) { items(search: $s, first: 1) { totalCount } }", { s: "x".repeat(1 << 20) }),
      expect: "refused",
      resetIsRefusal: true,
    },
    {
      group: "variables",
      name: "variables-10000-declared",
      body: gql(`query(${Array.from({ length: 10_000 }, (_, k) => `$v${k}: Int`).join(", ")}) { health { ok } }`),
      expect: "refused",
    },
    // Bad input.
    { group: "bad input", name: "nul-in-user-id", body: gql("query($id: ID!) { user(id: $id) { id } }", { id: "1\u0000" }), expect: "either" },
    { group: "bad input", name: "nul-in-item-id", body: gql("query($id: ID!) { item(id: $id) { id } }", { id: "1\u0000" }), expect: "either" },
    { group: "bad input", name: "nul-in-search", body: gql("query($s: String) { items(search: $s, first: 5) { totalCount } }", { s: "a\u0000b" }), expect: "either" },
    {
      group: "bad input",
      name: "nul-in-title",
      body: gql('mutation($t: String) { createItem(input: { id: "abuse-nul-title", title: $t }) { id title } }', { t: "a\u0000b" }),
      auth: "admin",
      expect: "either",
      write: true,
    },
    {
      group: "bad input",
      name: "nul-in-rateItem-itemId",
      body: gql(`mutation($i: ID!) { rateItem(userId: ${u}, itemId: $i, value: 3) { value } }`, { i: `${f.item}\u0000` }),
      auth: "user",
      expect: "refused",
      write: true,
    },
    ...["1e38", "1e39", "1e-50"].map((value): Hostile => ({
      group: "bad input",
      name: `rateItem-value-${value}`,
      body: gql(`mutation { rateItem(userId: ${u}, itemId: ${i}, value: ${value}) { value } }`),
      auth: "user",
      expect: "refused",
      write: true,
    })),
    ...["1", "99999-01-01T00:00:00Z"].map((ratedAt): Hostile => ({
      group: "bad input",
      name: `rateItem-ratedAt-${ratedAt.slice(0, 5)}`,
      body: gql(`mutation { rateItem(userId: ${u}, itemId: ${i}, value: 3, ratedAt: ${JSON.stringify(ratedAt)}) { value } }`),
      auth: "user",
      expect: "refused",
      write: true,
    })),
    { group: "bad input", name: "forged-cursor-items", body: gql(`{ items(first: 10, after: "${cursor}") { edges { cursor } } }`), expect: "refused" },
    { group: "bad input", name: "forged-cursor-recommendations", body: gql(`{ recommendations(userId: ${u}, first: 10, after: "${cursor}") { model } }`), expect: "refused" },
    { group: "bad input", name: "activateModelRun-99999999999", body: gql('mutation { activateModelRun(id: "99999999999") { id } }'), auth: "admin", expect: "refused", write: true },
    {
      group: "bad input",
      name: "items-search-percent",
      body: gql('{ items(search: "%", first: 1) { totalCount } }'),
      expect: "ok",
      note: (text) => {
        const total = text === undefined ? undefined : /"totalCount":(\d+)/.exec(text)?.[1];
        if (total === undefined) return undefined;
        return Number(total) === f.catalogItems ? `totalCount ${total}: "%" matched every item (LIKE wildcard not escaped)` : `totalCount ${total}`;
      },
    },
    // Secrets: import paths outside the import root, then what the job list shows.
    ...[
      ["csv", "/proc/self/environ"],
      ["csv", "/dev/zero"],
      ["interactions_txt", "/etc/passwd"],
    ].map(([format, file]): Hostile => ({
      group: "secrets",
      name: `importDataset-${file}`,
      body: gql(`mutation { importDataset(format: ${format}, path: ${JSON.stringify(file)}) { id status error errorCode } }`),
      auth: "admin",
      // Refused at once, or the job it starts fails (the import root is checked when the job runs).
      expect: "refused",
      write: true,
      followUp: helpers.followJob,
    })),
    { group: "secrets", name: "jobs-anonymous", body: gql("{ jobs { error } }"), expect: "refused", before: helpers.waitForJobs },
    {
      group: "secrets",
      name: "jobs-admin",
      body: gql("{ jobs(first: 20) { status error errorCode } }"),
      auth: "admin",
      expect: "ok",
      note: (text) => {
        const statuses = text === undefined ? [] : [...text.matchAll(/"status":"([A-Z]+)"/g)].map((match) => match[1]);
        const codes = text === undefined ? [] : [...text.matchAll(/"errorCode":(null|"[A-Z_]+")/g)].map((match) => match[1].replaceAll('"', ""));
        return `${statuses.length} job(s)${statuses.length ? `: ${statuses.map((status, k) => `${status}${codes[k] && codes[k] !== "null" ? ` ${codes[k]}` : ""}`).join(", ")}` : ""}`;
      },
    },
    // Introspection, directives, fragment cycles, depth.
    { group: "document", name: "introspection", body: gql("{ __schema { types { name } } }"), expect: "refused" },
    { group: "document", name: "directives-100", body: gql(`{ health { ${"... @include(if: true) { ".repeat(100)}ok ${"} ".repeat(100)}} }`), expect: "refused" },
    { group: "document", name: "fragment-cycle", body: gql("query { health { ...A } } fragment A on Health { ok ...B } fragment B on Health { ok ...A }"), expect: "refused" },
    { group: "document", name: "depth-50", body: gql(`{ user(id: ${u}) { ${deepSelection(50)} } }`), expect: "refused" },
  ];
  return list;
}

/** A flat JSON object of about `bytes` bytes. */
function wideObject(bytes: number): Record<string, string> {
  const object: Record<string, string> = {};
  const value = "v".repeat(1_000);
  for (let k = 0; k * 1_010 < bytes; k++) object[`k${k}`] = value;
  return object;
}

/** user → ratings → edges → node → user → ... until the selection is `depth` fields deep. */
function deepSelection(depth: number): string {
  const levels = Math.ceil((depth - 1) / 4);
  return `${"ratings(first: 1) { edges { node { user { ".repeat(levels)}id${" } } } }".repeat(levels)}`;
}

// ---------------------------------------------------------------------------------------
// Sending, reading, judging.

function failureOf(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timeout";
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const code = cause && "code" in cause && typeof cause.code === "string" ? cause.code : cause?.message;
  return `reset (${code ?? (error instanceof Error ? error.message : String(error))})`;
}

function firstErrorCode(head: string, complete: boolean): string | undefined {
  if (complete) {
    try {
      const parsed: unknown = JSON.parse(head);
      if (parsed !== null && typeof parsed === "object" && "errors" in parsed && Array.isArray(parsed.errors) && parsed.errors.length > 0) {
        const first: unknown = parsed.errors[0];
        const extensions = first !== null && typeof first === "object" && "extensions" in first ? first.extensions : undefined;
        const code = extensions !== null && typeof extensions === "object" && extensions !== undefined && "code" in extensions ? extensions.code : undefined;
        return typeof code === "string" ? code : "error";
      }
      return undefined;
    } catch {
      return "not json";
    }
  }
  // Too large to parse here: Apollo writes "errors" before "data".
  const errors = head.indexOf('"errors"');
  if (errors < 0) return undefined;
  return /"code"\s*:\s*"([^"]+)"/.exec(head.slice(errors))?.[1] ?? "error";
}

function isRefusal(outcome: string, resetIsRefusal: boolean): boolean {
  if (outcome === "ok" || outcome === "timeout" || outcome === "skipped" || outcome === "INTERNAL_SERVER_ERROR" || outcome === "not json" || outcome === "error") return false;
  if (outcome.startsWith("reset")) return resetIsRefusal;
  const http = /^http (\d+)/.exec(outcome);
  if (http) return Number(http[1]) >= 400 && Number(http[1]) < 500;
  return true; // a coded GraphQL error other than INTERNAL_SERVER_ERROR
}

function judge(expect: Expect, outcome: string, resetIsRefusal: boolean): boolean {
  if (expect === "ok") return outcome === "ok";
  if (expect === "refused") return isRefusal(outcome, resetIsRefusal);
  return outcome === "ok" || isRefusal(outcome, resetIsRefusal);
}

async function send(url: string, hostile: Hostile, headers: Record<string, string>, timeoutMs: number, secrets: [string, string][]): Promise<Outcome> {
  const start = now();
  let status: number | null = null;
  let outcome: string;
  let responseBytes = 0;
  let head = "";
  const leaks = new Set<string>();
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: hostile.body, signal: AbortSignal.timeout(timeoutMs) });
    status = response.status;
    const decoder = new TextDecoder();
    const longest = Math.max(...secrets.map(([, secret]) => secret.length));
    let carry = "";
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        responseBytes += value.byteLength;
        const text = decoder.decode(value, { stream: true });
        const window = carry + text;
        for (const [label, secret] of secrets) if (window.includes(secret)) leaks.add(label);
        carry = window.slice(-longest);
        if (head.length < HEAD_BYTES) head += text.slice(0, HEAD_BYTES - head.length);
      }
    }
    const complete = responseBytes <= HEAD_BYTES;
    const code = firstErrorCode(head, complete);
    outcome = code ?? (status === 200 ? "ok" : `http ${status}`);
    if (code === "not json" && status !== 200) outcome = `http ${status}`;
  } catch (error) {
    outcome = failureOf(error);
  }
  const end = now();
  const body = head === "" ? undefined : head;
  let met = judge(hostile.expect, outcome, hostile.resetIsRefusal ?? false);
  const notes = [hostile.note?.(body)];
  if (hostile.followUp && outcome === "ok") {
    const followUp = await hostile.followUp(body);
    if (followUp) {
      met = hostile.expect === "refused" ? followUp.met : met;
      notes.push(followUp.note);
      for (const text of followUp.bodies) for (const [label, secret] of secrets) if (text.includes(secret)) leaks.add(label);
    }
  }
  const note =
    notes
      .filter((text): text is string => text !== undefined)
      .map((text) => redact(text, secrets))
      .join("; ") || undefined;
  return {
    name: hostile.name,
    group: hostile.group,
    expect: hostile.expect,
    write: hostile.write ?? false,
    requestBytes: hostile.body.byteLength,
    status,
    outcome,
    wallMs: round(end - start, 1),
    responseBytes,
    met,
    leaks: [...leaks],
    start,
    end,
    ...(note === undefined ? {} : { note }),
  };
}

function jsonString(literal: string | undefined): string | undefined {
  if (literal === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === "string" ? value : undefined;
  } catch {
    return literal;
  }
}

/** Notes go to the report: never with a secret in them. */
function redact(text: string, secrets: [string, string][]): string {
  let out = text;
  for (const [label, secret] of secrets) out = out.replaceAll(secret, `<${label}>`);
  return out.replace(/[\u0000-\u001f]/g, " ").slice(0, 160);
}

// ---------------------------------------------------------------------------------------
// Statistics and the report.

interface LatencyStats {
  samples: number;
  failures: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

function stats(samples: ProbeSample[]): LatencyStats {
  const ms = samples.map((sample) => sample.end - sample.start).sort((a, b) => a - b);
  const at = (q: number): number | null => (ms.length === 0 ? null : round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)], 1));
  return { samples: ms.length, failures: samples.filter((sample) => !sample.ok).length, p50: at(0.5), p99: at(0.99), max: ms.length ? round(ms[ms.length - 1], 1) : null };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)];
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const show = (value: number | null, digits = 1): string => (value === null ? "n/a" : value.toFixed(digits));

function table(outcomes: Outcome[]): string {
  const rows = [["request", "expect", "status", "code", "wall ms", "resp bytes", ""]];
  for (const o of outcomes) {
    const flags = [o.met ? "" : "UNEXPECTED", o.leaks.length ? `LEAK(${o.leaks.join(",")})` : "", o.note ?? ""].filter(Boolean).join("; ");
    rows.push([o.name, o.expect, o.status === null ? "-" : String(o.status), o.outcome, o.wallMs.toFixed(1), String(o.responseBytes), flags]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows
    .map((row) =>
      row
        .map((cell, c) => (c === 4 || c === 5 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

// ---------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        data: { type: "string" },
        model: { type: "string" },
        out: { type: "string" },
        timeout: { type: "string" },
        port: { type: "string" },
        rounds: { type: "string" },
        quick: { type: "boolean" },
      },
    }),
  );
  const data = movieLens100kFolder(values.data, usage);
  const model = values.model ?? "als";
  const quick = values.quick === true;
  // The list is sent this many times, so that the probe's p99 rests on a few hundred samples.
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new UsageError(`--rounds must be an integer in 1–20\n${usage}`);
  const timeoutMs = Number(values.timeout ?? 30) * 1000;
  if (!(timeoutMs > 0)) throw new UsageError(`--timeout must be a positive number of seconds\n${usage}`);
  const port = values.port !== undefined ? Number(values.port) : await freePort();
  const out = values.out ?? path.join(projectRoot, "results", "bench-abuse.json");
  const loadBefore = loadAverage();
  const date = new Date().toISOString();

  const adminKey = crypto.randomBytes(24).toString("hex");
  const tokenSecret = crypto.randomBytes(32).toString("hex");
  const importRoot = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-abuse-imports-"));
  const env: Record<string, string> = Object.fromEntries(CLEARED_SETTINGS.map((name) => [name, ""]));
  Object.assign(env, {
    NODE_ENV: "production",
    DATA_DIR: data,
    DEFAULT_MODEL: model,
    GRAPHREC_OFFLINE: "1",
    HOST: "127.0.0.1",
    PORT: String(port),
    ADMIN_API_KEY: adminKey,
    IMPORT_ROOT: importRoot,
    USER_TOKEN_SECRET: tokenSecret,
    ANONYMOUS_WRITES: "off",
  });
  const session: BenchSession = await startBenchSession({ env, echo: "until-ready", databasePrefix: "graphrec_abuse" });
  session.onClose(() => fs.rmSync(importRoot, { recursive: true, force: true }));
  const secrets: [string, string][] = [
    ["ADMIN_API_KEY", adminKey],
    ["USER_TOKEN_SECRET", tokenSecret],
    ["DATABASE_URL", session.database.url],
  ];
  const password = new URL(session.database.url).password;
  if (password.length >= 4) secrets.push(["database password", decodeURIComponent(password)]);

  try {
    const started = performance.now();
    await session.server.ready;
    const readyMs = performance.now() - started;
    process.stderr.write(`server ready in ${(readyMs / 1000).toFixed(1)} s (import + training ${model}), pid ${session.server.pid}\n`);
    const base = `http://127.0.0.1:${port}`;
    const graphqlUrl = `${base}/graphql`;

    const client = new pg.Client({ connectionString: session.database.url });
    await client.connect();
    const users = (await client.query<{ external_id: string }>("select external_id from users order by id")).rows.map((r) => r.external_id);
    const items = (await client.query<{ external_id: string }>("select external_id from items order by id")).rows.map((r) => r.external_id);
    await client.end();
    const rng = createRng(13);
    const user = users[rng.int(users.length)];
    const fixture: Fixture = {
      user,
      item: items[rng.int(items.length)],
      profile: items.slice(0, 500).map((itemId, k) => ({ itemId, value: 1 + (k % 5) })),
      catalogItems: items.length,
    };
    const userToken = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(user).setIssuedAt().setExpirationTime("2h").sign(new TextEncoder().encode(tokenSecret));
    const headersFor = (auth: Hostile["auth"]): Record<string, string> => (auth === "admin" ? { "x-api-key": adminKey } : auth === "user" ? { authorization: `Bearer ${userToken}` } : {});

    // The server must answer a normal request before anything is measured.
    const sanity = await fetch(graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "query($u: ID!) { recommendations(userId: $u, first: 10) { edges { node { score item { id title } } } } }", variables: { u: user } }),
    });
    const sanityText = await sanity.text();
    if (sanity.status !== 200 || sanityText.includes('"errors"')) throw new Error(`sanity request failed (${sanity.status}): ${sanityText.slice(0, 300)}`);

    const post = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<string> => {
      const response = await fetch(graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(5_000),
      });
      return response.text();
    };
    const followJob = async (body: string | undefined): Promise<FollowUp | undefined> => {
      const id = body === undefined ? undefined : /"importDataset":\{"id":"([^"]+)"/.exec(body)?.[1];
      if (id === undefined) return undefined;
      const bodies: string[] = [];
      const until = performance.now() + 5_000;
      for (;;) {
        let text: string;
        try {
          text = await post("query($id: ID!) { job(id: $id) { status error errorCode } }", { id }, { "x-api-key": adminKey });
        } catch (error) {
          return { met: false, note: `job ${id}: ${failureOf(error)}`, bodies };
        }
        bodies.push(text);
        const status = /"status":"([A-Z]+)"/.exec(text)?.[1];
        const errorCode = /"errorCode":"([A-Z_]+)"/.exec(text)?.[1];
        const error = jsonString(/"error":("(?:[^"\\]|\\.)*")/.exec(text)?.[1]);
        if ((status !== "QUEUED" && status !== "RUNNING") || performance.now() > until) {
          const refused = status === "FAILED" && errorCode !== undefined && errorCode !== "INTERNAL_SERVER_ERROR" && errorCode !== "TIME_LIMIT";
          // The error text only of a clean refusal: another one may quote what the job read (secrets of this machine).
          const said = error === undefined ? "" : refused ? `: ${error}` : ` (error text of ${error.length} characters, not shown)`;
          return { met: refused, note: `job ${status ?? "?"}${errorCode ? ` ${errorCode}` : ""}${said}`, bodies };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const waitForJobs = async (): Promise<void> => {
      // Import jobs a hostile request may have started: let them end (at most 5 s) so that their errors are in the job list.
      const until = performance.now() + 5_000;
      while (performance.now() < until) {
        try {
          if (/"pendingJobs":0\b/.test(await post("{ health { pendingJobs } }", {}, {}))) return;
        } catch {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    const all = hostileRequests(fixture, { waitForJobs, followJob });
    const list = quick ? all.filter((hostile) => !hostile.heavy) : all;
    process.stderr.write(
      `${list.length} hostile requests${quick ? ` (--quick: ${all.length - list.length} heavy ones skipped)` : ""}, ${(list.reduce((sum, h) => sum + h.body.byteLength, 0) / 1024 / 1024).toFixed(1)} MiB of bodies\n`,
    );

    // Baseline: the probe alone for 2 s; idle RSS from the same window.
    const rss = new RssSampler(session.server.pid, 50).start();
    const probe = new Probe({ healthUrl: `${base}/healthz`, graphqlUrl, users, seed: 7, timeoutMs });
    session.onClose(() => probe.stop());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const attackStart = now();
    const idleRss = median(rss.samples.map((sample) => sample.bytes));

    const outcomes: Outcome[] = [];
    let consecutiveTimeouts = 0;
    let died: string | undefined;
    for (const hostile of Array.from({ length: rounds }, () => list).flat()) {
      if (!session.server.running || interruption()) break;
      if (consecutiveTimeouts >= MAX_CONSECUTIVE_TIMEOUTS) {
        outcomes.push({
          name: hostile.name,
          group: hostile.group,
          expect: hostile.expect,
          write: hostile.write ?? false,
          requestBytes: hostile.body.byteLength,
          status: null,
          outcome: "skipped",
          wallMs: 0,
          responseBytes: 0,
          met: false,
          leaks: [],
          start: now(),
          end: now(),
          note: "server unresponsive",
        });
        continue;
      }
      await hostile.before?.();
      const outcome = await send(graphqlUrl, hostile, headersFor(hostile.auth), timeoutMs, secrets);
      outcomes.push(outcome);
      consecutiveTimeouts = outcome.outcome === "timeout" ? consecutiveTimeouts + 1 : 0;
      process.stderr.write(`  ${outcome.name}: ${outcome.status ?? "-"} ${outcome.outcome} ${outcome.wallMs.toFixed(0)} ms${outcome.met ? "" : " (unexpected)"}\n`);
    }
    // Let the server settle for a moment (RSS after the last response), then stop sampling.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const attackEnd = now();

    // A legitimate admin import while the probe runs (issue 13, row 7: an import must not
    // stall the API): MovieLens 100K again, from the import root (the merge changes no row).
    let importPhase: { seconds: number; status: string; start: number; end: number } | undefined;
    if (session.server.running && !interruption()) {
      const copy = path.join(importRoot, "ml-100k");
      fs.cpSync(data, copy, { recursive: true });
      const started = now();
      const text = await post(`mutation($p: String!) { importDataset(format: movielens_100k, path: $p) { id } }`, { p: copy }, { "x-api-key": adminKey });
      const id = /"importDataset":\{"id":"([^"]+)"/.exec(text)?.[1];
      let status = id === undefined ? `not started: ${text.slice(0, 200)}` : "RUNNING";
      while (id !== undefined && (status === "QUEUED" || status === "RUNNING") && now() - started < 120_000) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const job = await post("query($id: ID!) { job(id: $id) { status } }", { id }, { "x-api-key": adminKey });
        status = /"status":"([A-Z]+)"/.exec(job)?.[1] ?? "?";
      }
      const end = now();
      importPhase = { seconds: (end - started) / 1000, status, start: started, end };
      process.stderr.write(`  admin import of MovieLens 100K: ${status} in ${importPhase.seconds.toFixed(1)} s\n`);
    }
    if (!session.server.running) {
      const { code, signal } = await session.server.exited;
      died = `the server exited (${signal ?? `code ${code}`}) after ${outcomes.length} of ${list.length} hostile requests (last: ${outcomes[outcomes.length - 1]?.name ?? "none"})`;
    }
    await probe.stop();
    rss.stop();
    const loadAfter = loadAverage();
    const interrupted = interruption();
    if (interrupted) throw new Error(`interrupted (${interrupted}); no results written`);

    // Probe samples that overlap a hostile request in flight.
    const overlaps = (sample: ProbeSample): boolean => outcomes.some((o) => o.outcome !== "skipped" && sample.start < o.end && sample.end > o.start);
    const baseline = stats(probe.samples.filter((sample) => sample.end <= attackStart));
    const duringSamples = probe.samples.filter(overlaps);
    const during = stats(duringSamples);
    const attackPhase = stats(probe.samples.filter((sample) => sample.start >= attackStart && sample.start < attackEnd));
    // Which requests slowed the probe: its samples by the group of the request they overlapped.
    const byGroup: Record<string, LatencyStats> = {};
    for (const group of [...new Set(outcomes.map((o) => o.group))]) {
      const inGroup = outcomes.filter((o) => o.group === group && o.outcome !== "skipped");
      byGroup[group] = stats(probe.samples.filter((sample) => inGroup.some((o) => sample.start < o.end && sample.end > o.start)));
    }
    const attackRss = rss.samples.filter((sample) => sample.at >= attackStart && sample.at <= attackEnd).map((sample) => sample.bytes);
    const duringImport = importPhase ? stats(probe.samples.filter((sample) => sample.start < importPhase.end && sample.end > importPhase.start)) : undefined;
    const importRss = importPhase ? rss.samples.filter((sample) => sample.at >= importPhase.start && sample.at <= importPhase.end).map((sample) => sample.bytes) : [];
    const peakRss = attackRss.length > 0 ? Math.max(...attackRss) : idleRss;
    const rssRatio = peakRss / idleRss;
    const sent = outcomes.filter((o) => o.outcome !== "skipped");
    const worst = sent.reduce<Outcome | undefined>((w, o) => (w === undefined || o.wallMs > w.wallMs ? o : w), undefined);
    const leaking = outcomes.filter((o) => o.leaks.length > 0);
    const unexpected = sent.filter((o) => !o.met);
    const p99 = during.p99;
    const worstMs = worst?.wallMs ?? 0;
    const targets = {
      probeP99: { limitMs: TARGETS.probeP99Ms, valueMs: p99, met: p99 !== null && p99 <= TARGETS.probeP99Ms },
      worstRequest: { limitMs: TARGETS.worstRequestMs, valueMs: worstMs, request: worst?.name ?? null, met: worstMs <= TARGETS.worstRequestMs },
      rss: { limitRatio: TARGETS.rssRatio, ratio: round(rssRatio, 2), met: rssRatio <= TARGETS.rssRatio },
      leaks: { limit: 0, count: leaking.length, met: leaking.length === 0 },
    };

    const report = {
      date,
      finishedAt: new Date().toISOString(),
      model,
      data,
      quick,
      rounds,
      machine: machine(),
      node: process.version,
      loadAverage: { before: loadBefore, after: loadAfter },
      timeoutMs,
      server: { readySeconds: round(readyMs / 1000, 1), settingsCleared: CLEARED_SETTINGS, exited: died ?? null },
      targets,
      requests: outcomes.map(({ start, end, ...o }) => ({ ...o, startOffsetMs: round(start - attackStart, 1), endOffsetMs: round(end - attackStart, 1) })),
      unexpected: unexpected.map((o) => o.name),
      skipped: outcomes.filter((o) => o.outcome === "skipped").map((o) => o.name),
      probe: {
        duringHostileRequests: during,
        baseline,
        attackPhase,
        duringHostileRequestsByGroup: byGroup,
        failuresDuringHostileRequests: [...new Set(duringSamples.filter((s) => !s.ok).map((s) => `${s.kind}: ${s.outcome}`))],
        duringAdminImport: duringImport ?? null,
      },
      adminImport: importPhase ? { seconds: round(importPhase.seconds, 1), status: importPhase.status, peakRssBytes: importRss.length ? Math.max(...importRss) : null } : null,
      worstRequest: worst ? { name: worst.name, wallMs: worst.wallMs, outcome: worst.outcome } : null,
      rss: { idleBytes: idleRss, peakBytes: peakRss, ratio: round(rssRatio, 2), samples: rss.samples.length, sampleIntervalMs: 50 },
      leaks: { count: leaking.length, requests: leaking.map((o) => ({ name: o.name, secrets: o.leaks })) },
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);

    const lines = [
      table(outcomes),
      "",
      `${sent.length} hostile requests sent${outcomes.length > sent.length ? `, ${outcomes.length - sent.length} skipped (server unresponsive)` : ""}; ${unexpected.length} not answered as expected${unexpected.length ? `: ${unexpected.map((o) => o.name).join(", ")}` : ""}`,
      `probe while hostile requests were in flight: p50 ${show(during.p50)} ms, p99 ${show(during.p99)} ms, max ${show(during.max)} ms (${during.samples} samples, ${during.failures} failed)`,
      `  by group of the request in flight: ${Object.entries(byGroup)
        .map(([group, s]) => `${group} p99 ${show(s.p99)} ms (${s.samples})`)
        .join(", ")}`,
      `probe baseline (before the attack): p50 ${show(baseline.p50)} ms, p99 ${show(baseline.p99)} ms, max ${show(baseline.max)} ms (${baseline.samples} samples)`,
      `probe during an admin import of MovieLens 100K (${importPhase ? `${importPhase.status}, ${importPhase.seconds.toFixed(1)} s` : "not run"}): ${duringImport ? `p50 ${show(duringImport.p50)} ms, p99 ${show(duringImport.p99)} ms, max ${show(duringImport.max)} ms (${duringImport.samples} samples, ${duringImport.failures} failed)` : "-"}`,
      `longest hostile request: ${worst ? `${worst.name} ${worst.wallMs.toFixed(1)} ms (${worst.outcome})` : "none"}`,
      `server RSS: idle ${mib(idleRss)}, peak during the attack ${mib(peakRss)} (x${rssRatio.toFixed(2)}); now ${session.server.running ? mib(readRssBytes(session.server.pid) ?? 0) : "exited"}`,
      `leaks (responses containing ADMIN_API_KEY, USER_TOKEN_SECRET or DATABASE_URL): ${leaking.length}${leaking.length ? ` (${leaking.map((o) => o.name).join(", ")})` : ""}`,
      `load average: before ${loadBefore.join(" ")}, after ${loadAfter.join(" ")} (${machine()})`,
      `targets: probe p99 <= ${TARGETS.probeP99Ms} ms ${targets.probeP99.met ? "met" : "MISSED"}; worst request <= ${TARGETS.worstRequestMs} ms ${targets.worstRequest.met ? "met" : "MISSED"}; RSS <= ${TARGETS.rssRatio}x idle ${targets.rss.met ? "met" : "MISSED"}; leaks 0 ${targets.leaks.met ? "met" : "MISSED"}`,
      `written to ${path.relative(process.cwd(), out) || out}`,
    ];
    if (died) lines.push(`SERVER DIED: ${died}\n--- last lines of the server log ---\n${session.server.logTail().split("\n").slice(-30).join("\n")}`);
    lines.push(`abuse: probe p99 ${show(p99)} ms, worst request ${worstMs.toFixed(0)} ms, rss x${rssRatio.toFixed(2)}`);
    process.stdout.write(`${lines.join("\n")}\n`);
    if (died) throw new Error(died);
  } finally {
    await session.close();
  }
}

if (process.argv.includes("--probe-child")) runMain(probeChild);
else runMain(main);
