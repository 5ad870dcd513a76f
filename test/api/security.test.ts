// The public edge over real HTTP in production mode, against a real PostgreSQL with
// MovieLens 100K (or the synthetic catalogue) and really trained models: each row of issue
// 13's table and each rule — the coded error, and nothing stored (checked in the database).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "../helpers/graphql";
import { startApiServer } from "../../src/api/server";
import { createServices } from "../../src/app";
import { loadConfig } from "../../src/config";
import { openDb } from "../../src/db/client";
import { datasetPath } from "../helpers/datasets";
import { waitForJob } from "../helpers/graphql";
import { ADMIN_KEY, USER_TOKEN_SECRET, startTestServer, type TestServer } from "../helpers/server";
import { startTcpProxy } from "../helpers/tcpProxy";

const ml100k = datasetPath("ml-100k");
let t: TestServer;
let importRoot: string;
let userId: string;
let otherUserId: string;
let itemId: string;
const admin = { "x-api-key": ADMIN_KEY };

async function token(sub: string, options: { secret?: string; expiresIn?: string } = {}): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "5m")
    .sign(new TextEncoder().encode(options.secret ?? USER_TOKEN_SECRET));
}

async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  return { status: response.status, text: await response.text() };
}

async function firstError(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const result = await gql(t.url, query, variables, headers);
  expect(result.errors?.length, JSON.stringify(result)).toBeGreaterThan(0);
  return { ...result.errors![0], status: result.status };
}

async function counts() {
  const { prisma } = t.database.db;
  return { users: await prisma.user.count(), items: await prisma.item.count(), ratings: await prisma.rating.count() };
}

beforeAll(async () => {
  importRoot = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-import-root-"));
  t = await startTestServer({ models: ["popularity", "als"], production: true, anonymousWrites: false, importRoots: [importRoot] });
  const [first, second] = await t.database.db.prisma.user.findMany({ orderBy: { id: "asc" }, take: 2 });
  userId = first.externalId;
  otherUserId = second.externalId;
  itemId = (await t.database.db.prisma.item.findFirstOrThrow({ orderBy: { id: "asc" } })).externalId;
});

afterAll(async () => {
  await t?.close();
  fs.rmSync(importRoot, { recursive: true, force: true });
});

describe("bounded work per request", () => {
  it("refuses a document over the token budget before validation (row 1: 32,000 repeated fields)", async () => {
    const query = `{ health { ${Array(32_000).fill("ok").join(" ")} } }`;
    const error = await firstError(query);
    expect(error.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxTokens", limit: 1000 });
    expect(error.status).toBe(400);
  });

  it("refuses repeated response names under the token budget (quadratic validation)", async () => {
    const error = await firstError(`{ health { ${Array(500).fill("ok").join(" ")} } }`);
    expect(error.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxSameResponseName", limit: 20, found: 500 });
    // Verdicts are cached per document text: the same document is refused the same way again.
    expect((await firstError(`{ health { ${Array(500).fill("ok").join(" ")} } }`)).extensions).toEqual(error.extensions);
    const inline = await firstError(`{ health { ${Array(100).fill("... on Health { ok }").join(" ")} } }`);
    expect(inline.extensions).toMatchObject({ rule: "maxSameResponseName" });
  });

  it("refuses bodies over the size limit with 413 (row 1: ~1 MB body)", async () => {
    const response = await post(JSON.stringify({ query: `{ health { ok } }`, variables: { pad: "x".repeat(1 << 20) } }));
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text).errors[0].extensions).toMatchObject({ code: "PAYLOAD_TOO_LARGE", limit: 131072 });
  });

  // The ranking costs scale with the catalogue: the numbers below are MovieLens 100K's (1,682 items).
  it("limits aliases (row 2)", async () => {
    const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: health { ok }`).join(" ");
    expect((await firstError(`{ ${aliases} }`)).extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxAliases", limit: 20, found: 21 });
  });

  it.skipIf(!ml100k)("charges ranking fields for the items they score and re-rank; aliases add up (row 2)", async () => {
    const heavy = Array.from({ length: 20 }, (_, i) => `r${i}: recommendations(userId: "${userId}", first: 100, diversity: 1) { model }`).join(" ");
    const refused = await firstError(`{ ${heavy} }`);
    expect(refused.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxCost", limit: 20000 });
    expect(refused.extensions!.found as number).toBeGreaterThan(20000);
    // The same through variables: the estimate reads the values sent.
    const viaVariables = await firstError(
      `query($n: Int, $d: Float) { ${Array.from({ length: 20 }, (_, i) => `r${i}: recommendations(userId: "${userId}", first: $n, diversity: $d) { model }`).join(" ")} }`,
      { n: 100, d: 1 },
    );
    expect(viaVariables.extensions).toMatchObject({ rule: "maxCost" });
    // Without diversity the same 20 lists are cheap enough to run.
    const light = Array.from({ length: 20 }, (_, i) => `r${i}: recommendations(userId: "${userId}", first: 100) { model }`).join(" ");
    const allowed = await gql(t.url, `{ ${light} }`);
    expect(allowed.errors).toBeUndefined();
  });

  it.skipIf(!ml100k)("bounds what one field does without yielding (a deep diversity page)", async () => {
    const after = Buffer.from("offset:399").toString("base64url");
    const error = await firstError(`query($c: String) { recommendations(userId: "${userId}", first: 100, after: $c, diversity: 1) { model } }`, { c: after });
    expect(error.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxFieldCost", limit: 2500 });
    // The first page with full diversity is within the bound.
    expect((await gql(t.url, `{ recommendations(userId: "${userId}", first: 100, diversity: 1) { model } }`)).errors).toBeUndefined();
  });

  it("refuses too deep a query with its rule and limit (not a bare GRAPHQL_VALIDATION_FAILED)", async () => {
    const deep = `{ user(id: "${userId}") { ratings { edges { node { user { ratings { edges { node { user { ratings { edges { node { item { id } } } } } } } } } } } } } }`;
    expect((await firstError(deep)).extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxDepth", limit: 12 });
  });

  it("pages rankings at most 1,000 deep; cursors stay in range", async () => {
    const deepCursor = Buffer.from("offset:995").toString("base64url");
    const error = await firstError(`query($c: String) { recommendations(userId: "${userId}", first: 10, after: $c) { model } }`, { c: deepCursor });
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const forged = Buffer.from("offset:99999999999999999999999").toString("base64url");
    const forgedError = await firstError(`query($c: String) { users(first: 5, after: $c) { totalCount } }`, { c: forged });
    expect(forgedError.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });

  it("caps the response size (row 3: amplification)", async () => {
    // With a 64 KiB cap a page of 100 items with all their fields still fits, 20 aliases of it do not.
    const small = await startTestServer({ models: ["popularity"], production: true, limits: { maxResponseBytes: 64 * 1024 } });
    try {
      const one = await gql(small.url, `{ items(first: 100) { edges { node { id title genres tags year } } } }`);
      expect(one.errors).toBeUndefined();
      const many = Array.from({ length: 20 }, (_, i) => `a${i}: items(first: 100) { edges { node { id title genres tags year metadata } } }`).join(" ");
      const refused = await gql(small.url, `{ ${many} }`);
      expect(refused.errors?.[0].extensions).toMatchObject({ code: "RESPONSE_TOO_LARGE", limit: 65536 });
    } finally {
      await small.close();
    }
  });
});

describe("who may write what", () => {
  it("createItem is admin-only; anonymous writes are refused when off; nothing is stored", async () => {
    const before = await counts();
    expect((await firstError(`mutation { createItem(input: { id: "anon-item", title: "x" }) { id } }`)).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await firstError(`mutation { createItem(input: { id: "user-item", title: "x" }) { id } }`, {}, { authorization: `Bearer ${await token(userId)}` })).extensions?.code).toBe(
      "UNAUTHENTICATED",
    );
    expect((await firstError(`mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 1) { value } }`)).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await firstError(`mutation { createUser(input: { id: "anon-user" }) { id } }`)).extensions?.code).toBe("UNAUTHENTICATED");
    // No demo sign-in where anonymous writes are off; serverInfo tells frontends so.
    expect((await firstError(`mutation { demoUserToken(userId: "${userId}") }`)).extensions?.code).toBe("FORBIDDEN");
    expect((await gql(t.url, `{ serverInfo { anonymousWrites userTokens adminEnabled } }`)).data).toEqual({ serverInfo: { anonymousWrites: false, userTokens: true, adminEnabled: true } });
    expect(await counts()).toEqual(before);
  });

  it("a user token lets that user rate, not others; bad tokens are refused (row 5)", async () => {
    const rating = () => t.database.db.prisma.rating.findFirst({ where: { user: { externalId: userId }, item: { externalId: itemId } } });
    const before = await rating();
    const mine = { authorization: `Bearer ${await token(userId)}` };
    const poisoned = await firstError(`mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 1e38) { value } }`, {}, mine);
    expect(poisoned.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "value" });
    expect(String(poisoned.extensions!.allowed)).toContain("1–5");
    expect(await rating()).toEqual(before);

    const other = await firstError(`mutation { rateItem(userId: "${otherUserId}", itemId: "${itemId}", value: 4) { value } }`, {}, mine);
    expect(other.extensions?.code).toBe("FORBIDDEN");
    const forged = await firstError(
      `mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 4) { value } }`,
      {},
      { authorization: `Bearer ${await token(userId, { secret: "not-the-secret-0123456789abcdefghij" })}` },
    );
    expect(forged.extensions?.code).toBe("UNAUTHENTICATED");
    expect(forged.message).toContain("bad signature");
    const expired = await firstError(
      `mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 4) { value } }`,
      {},
      { authorization: `Bearer ${await token(userId, { expiresIn: "-1m" })}` },
    );
    expect(expired.message).toContain("expired");
    expect(await rating()).toEqual(before);

    const ok = await gql<{ rateItem: { value: number } }>(t.url, `mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 4) { value } }`, {}, mine);
    expect(ok.errors).toBeUndefined();
    expect((await rating())?.value).toBe(4);
    const removed = await gql<{ deleteRating: boolean }>(t.url, `mutation { deleteRating(userId: "${userId}", itemId: "${itemId}") }`, {}, mine);
    expect(removed.data?.deleteRating).toBe(true);
  });

  it("200 concurrent rateItem on one pair leave one row, and the served catalogue agrees with the database", async () => {
    const mine = { authorization: `Bearer ${await token(otherUserId)}` };
    const values = Array.from({ length: 200 }, (_, i) => 1 + (i % 5));
    const results = await Promise.all(values.map((value) => gql(t.url, `mutation($v: Float!) { rateItem(userId: "${otherUserId}", itemId: "${itemId}", value: $v) { value } }`, { v: value }, mine)));
    expect(results.filter((r) => r.errors).map((r) => r.errors![0].extensions?.code)).toEqual([]);
    const rows = await t.database.db.prisma.rating.findMany({ where: { user: { externalId: otherUserId }, item: { externalId: itemId } } });
    expect(rows).toHaveLength(1);
    const { catalog } = t.recommender;
    const history = catalog.history(catalog.users.index(otherUserId)!);
    const position = Array.from(history.items).indexOf(catalog.items.index(itemId)!);
    expect(history.values[position]).toBe(rows[0].value);
  });

  it("jobs are admin-only", async () => {
    expect((await firstError(`{ jobs { id error } }`)).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await firstError(`{ job(id: "x") { id } }`)).extensions?.code).toBe("UNAUTHENTICATED");
    expect((await gql(t.url, `{ jobs { id } }`, {}, admin)).errors).toBeUndefined();
  });
});

describe("input bounds with coded errors (row 9, row 11)", () => {
  it("NUL and control characters in ids, search, titles and attributes", async () => {
    const before = await counts();
    const cases: [string, Record<string, unknown>][] = [
      [`query($id: ID!) { user(id: $id) { id } }`, { id: "19\u00006" }],
      [`query($s: String) { items(search: $s) { totalCount } }`, { s: "star\u0000" }],
      [`mutation($t: String) { createItem(input: { id: "nul-item", title: $t }) { id } }`, { t: "a\u0000b" }],
      [`mutation($a: JSON) { createUser(input: { id: "nul-user", attributes: $a }) { id } }`, { a: { name: "x\u0000" } }],
      [`mutation { rateItem(userId: "${userId}", itemId: "${itemId}\\u0000", value: 3) { value } }`, {}],
    ];
    for (const [query, variables] of cases) {
      const error = await firstError(query, variables, admin);
      expect(error.extensions?.code, query).toBe("BAD_USER_INPUT");
    }
    expect(await counts()).toEqual(before);
  });

  it("rating values within the scale, strict dates within range, run ids within range", async () => {
    const before = await counts();
    for (const value of ["1e39", "1e-50", "0", "6", "-1"]) {
      const error = await firstError(`mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: ${value}) { value } }`, {}, admin);
      expect(error.extensions?.code, value).toBe("BAD_USER_INPUT");
    }
    for (const ratedAt of ["1", "99999-01-01T00:00:00Z", "2001-02-30", "yesterday", "-000001-01-01T00:00:00Z", "3000-01-01T00:00:00Z"]) {
      const error = await firstError(`mutation($at: DateTime) { rateItem(userId: "${userId}", itemId: "${itemId}", value: 3, ratedAt: $at) { value } }`, { at: ratedAt }, admin);
      expect(error.extensions?.code, ratedAt).toBe("BAD_USER_INPUT");
    }
    const profile = await firstError(`{ recommendationsForProfile(ratings: [{ itemId: "${itemId}", value: 1e38 }]) { model } }`);
    expect(profile.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "ratings[0].value" });
    const run = await firstError(`mutation { activateModelRun(id: "99999999999") { id } }`, {}, admin);
    expect(run.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    expect(await counts()).toEqual(before);
    const accepted = await gql(t.url, `mutation { rateItem(userId: "${userId}", itemId: "${itemId}", value: 3, ratedAt: "1998-03-04T05:06:07Z") { ratedAt } }`, {}, admin);
    expect(accepted.data).toEqual({ rateItem: { ratedAt: "1998-03-04T05:06:07.000Z" } });
  });

  it("JSON depth and size, strings and lists anywhere", async () => {
    // 5,000 levels: written by hand, JSON.stringify itself would overflow the stack.
    const deepJson = `${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`;
    const query = `mutation($a: JSON) { createUser(input: { id: "deep-user", attributes: $a }) { id } }`;
    const nested = await post(`{"query":${JSON.stringify(query)},"variables":{"a":${deepJson}}}`, admin);
    expect(JSON.parse(nested.text).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const literal = await firstError(`mutation { createUser(input: { id: "deep-user", attributes: ${"{ a: ".repeat(5_000)}1${" }".repeat(5_000)} }) { id } }`, {}, admin);
    expect(literal.extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxTokens" });
    const literalNine = await firstError(`mutation { createUser(input: { id: "deep-user", attributes: ${"{ a: ".repeat(12)}1${" }".repeat(12)} }) { id } }`, {}, admin);
    expect(literalNine.extensions?.code).toBe("BAD_USER_INPUT");
    let nine: unknown = 1;
    for (let i = 0; i < 9; i++) nine = { a: nine };
    const tooDeep = await firstError(`mutation($a: JSON) { createUser(input: { id: "deep-user", attributes: $a }) { id } }`, { a: nine }, admin);
    expect(tooDeep.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.attributes" });
    const big = await firstError(`mutation($a: JSON) { createUser(input: { id: "big-user", attributes: $a }) { id } }`, { a: { list: Array(1_000).fill("x".repeat(30)) } }, admin);
    expect(big.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.attributes" });
    const longString = await firstError(`query($id: ID!) { item(id: $id) { id } }`, { id: "x".repeat(5_000) });
    expect(longString.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "$id" });
    const longList = await firstError(`query($g: [String!]) { items(genres: $g) { totalCount } }`, { g: Array(2_000).fill("Drama") });
    expect(longList.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await t.database.db.prisma.user.count({ where: { externalId: { in: ["deep-user", "big-user"] } } })).toBe(0);
  });

  it("titles, genres and tags are bounded; LIKE wildcards match themselves", async () => {
    const long = await firstError(`mutation($t: String) { createItem(input: { id: "long-title", title: $t }) { id } }`, { t: "x".repeat(1_001) }, admin);
    expect(long.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.title" });
    const many = await firstError(`mutation($g: [String!]) { createItem(input: { id: "many-genres", genres: $g }) { id } }`, { g: Array.from({ length: 101 }, (_, i) => `g${i}`) }, admin);
    expect(many.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.genres" });
    const blank = await firstError(`mutation { createItem(input: { id: "blank-genre", genres: ["  "] }) { id } }`, {}, admin);
    expect(blank.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "input.genres[0]" });
    expect(await t.database.db.prisma.item.count({ where: { externalId: { in: ["long-title", "many-genres", "blank-genre"] } } })).toBe(0);

    const all = await gql<{ items: { totalCount: number } }>(t.url, `{ items { totalCount } }`);
    const percent = await gql<{ items: { totalCount: number } }>(t.url, `{ items(search: "%") { totalCount } }`);
    const [{ n: withPercent }] = await t.database.db.prisma.$queryRaw<{ n: number }[]>`select count(*)::int as n from items where strpos(title, '%') > 0`;
    expect(percent.data!.items.totalCount).toBe(withPercent);
    expect(percent.data!.items.totalCount).toBeLessThan(all.data!.items.totalCount);
    const genres = await gql<{ genres: unknown[] }>(t.url, `{ genres(first: 3) { genre items } }`);
    expect(genres.data!.genres.length).toBeLessThanOrEqual(3);
  });

  it("introspection is off in production unless configured", async () => {
    const error = await firstError(`{ __schema { types { name } } }`);
    expect(error.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("no leaks (rows 4, 7, 10)", () => {
  it("importDataset reads only under the import root", async () => {
    for (const target of ["/proc/self/environ", "/dev/zero", "/etc/passwd", path.join(importRoot, "..", "etc"), path.join(importRoot, "..")]) {
      const result = await gql(t.url, `mutation($p: String!) { importDataset(format: csv, path: $p) { id } }`, { p: target }, admin);
      expect(result.errors, target).toBeDefined();
      const error = result.errors![0];
      expect(error.extensions, target).toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
    }
    fs.symlinkSync("/etc/passwd", path.join(importRoot, "link.csv"));
    const linked = await firstError(`mutation($p: String!) { importDataset(format: csv, path: $p) { id } }`, { p: path.join(importRoot, "link.csv") }, admin);
    expect(linked.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
  });

  it("a file that is not its format fails the job with file:line and no file contents; nothing is imported", async () => {
    const before = await counts();
    const secret = "SECRET_TOKEN=abcdefghijklmnopqrstuvwxyz0123456789-the-part-that-must-not-leak";
    fs.writeFileSync(path.join(importRoot, "env.csv"), `${secret},PATH=/usr/bin\nA=1,B=2\n`);
    fs.writeFileSync(path.join(importRoot, "passwd.txt"), fs.readFileSync("/etc/passwd"));
    fs.writeFileSync(path.join(importRoot, "zero.csv"), Buffer.alloc(3 << 20));
    for (const [format, file] of [
      ["csv", "env.csv"],
      ["interactions_txt", "passwd.txt"],
      ["csv", "zero.csv"],
    ]) {
      const started = await gql<{ importDataset: { id: string } }>(t.url, `mutation($p: String!) { importDataset(format: ${format}, path: $p) { id } }`, { p: path.join(importRoot, file) }, admin);
      expect(started.errors, file).toBeUndefined();
      const job = await waitForJob<{ status: string; error: string; errorCode: string }>(t.url, started.data!.importDataset.id, "status error errorCode", 600, admin);
      expect(job.status, file).toBe("FAILED");
      expect(job.errorCode, file).toBe("PARSE_ERROR");
      expect(job.error).toContain(`${file}:1`);
      expect(job.error).not.toContain("must-not-leak");
      expect(job.error).not.toContain("root:x:0");
      expect(job.error.length).toBeLessThan(300);
    }
    expect(await counts()).toEqual(before);
  });
});

describe("what held before and must keep holding", () => {
  it("directives are bounded; fragment cycles, batches and simple cross-site requests are refused", async () => {
    const directives = Array.from({ length: 11 }, () => "@include(if: true)").join(" ");
    expect((await firstError(`{ health ${directives} { ok } }`)).extensions).toMatchObject({ code: "QUERY_TOO_COMPLEX", rule: "maxDirectives", limit: 10 });
    const cycle = await firstError(`query { health { ...A } } fragment A on Health { ...B } fragment B on Health { ...A }`);
    expect(cycle.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    const batch = await post(JSON.stringify([{ query: "{ health { ok } }" }, { query: "{ health { ok } }" }]));
    expect(batch.status).toBe(400);
    // CSRF prevention: a GET without a preflight-forcing header is refused; with one it runs.
    const simpleGet = await fetch(`${t.url}?query=${encodeURIComponent("{ health { ok } }")}`);
    expect(simpleGet.status).toBe(400);
    const preflighted = await fetch(`${t.url}?query=${encodeURIComponent("{ health { ok } }")}`, { headers: { "apollo-require-preflight": "true" } });
    expect(preflighted.status).toBe(200);
  });
});

describe("the edge itself", () => {
  it("answers CORS preflights for configured origins only", async () => {
    const withCors = await startTestServer({ models: ["popularity"], production: true, corsOrigins: ["https://shop.example", "http://localhost:*"] });
    try {
      const preflight = (origin: string) =>
        fetch(withCors.url, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,authorization" } });
      const allowed = await preflight("https://shop.example");
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get("access-control-allow-origin")).toBe("https://shop.example");
      expect(allowed.headers.get("access-control-allow-headers")).toContain("authorization");
      expect((await preflight("http://localhost:5173")).headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
      expect((await preflight("https://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await withCors.close();
    }
    // None configured (the production default): no CORS headers at all.
    const none = await fetch(t.url, { method: "OPTIONS", headers: { origin: "https://shop.example", "access-control-request-method": "POST" } });
    expect(none.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("/readyz checks the database and the served models; /healthz is liveness", async () => {
    const ready = await fetch(t.url.replace("/graphql", "/readyz"));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: true, models: true, servedModels: expect.arrayContaining(["popularity", "als"]) });
    expect((await fetch(t.url.replace("/graphql", "/healthz"))).status).toBe(200);
  });

  it("a hung database gives DATABASE_UNAVAILABLE within seconds and /readyz 503; the server recovers (row 8)", async () => {
    const target = new URL(t.database.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const db = openDb(proxy.rewrite(t.database.url), { connectTimeoutMs: 1_000, queryTimeoutMs: 1_500 });
    const security = { ...loadConfig({ NODE_ENV: "production" }).security, adminApiKey: ADMIN_KEY };
    const server = await startApiServer({ services: createServices(db, t.recommender, t.jobs, t.itemCache, security), port: 0, host: "127.0.0.1", production: true });
    const readyz = server.url.replace("/graphql", "/readyz");
    try {
      const query = `{ users(first: 1) { totalCount } }`;
      expect((await gql(server.url, query)).errors).toBeUndefined();
      proxy.pause();
      const started = Date.now();
      const hung = await gql(server.url, query);
      expect(hung.errors?.[0]).toMatchObject({ extensions: { code: "DATABASE_UNAVAILABLE" } });
      expect(JSON.stringify(hung.errors)).not.toContain(target.host);
      expect(Date.now() - started).toBeLessThan(10_000);
      const notReady = await fetch(readyz);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ ready: false, database: false });
      // Liveness stays: the process answers.
      expect((await fetch(server.url.replace("/graphql", "/healthz"))).status).toBe(200);
      proxy.resume();
      let recovered = false;
      for (let attempt = 0; attempt < 50 && !recovered; attempt++) {
        recovered = (await gql(server.url, query)).errors === undefined;
        if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(recovered).toBe(true);
      expect((await fetch(readyz)).status).toBe(200);
    } finally {
      proxy.resume();
      await server.close();
      await db.close();
      await proxy.stop();
    }
  });
});
