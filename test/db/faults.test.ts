// The database under faults, with real parts: a TCP relay in front of the test PostgreSQL
// that can hold every byte (a hung server) or refuse connections, real statement timeouts
// (a table locked by another session), real terminated backends. Timings are only bounded
// generously (a hung database must fail a request well before 10 s, not hang it).
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, openDb, pingDatabase, toDatabaseUnavailable, type Db, type OpenDbOptions } from "../../src/db/client";
import { bulkImport } from "../../src/db/bulkImport";
import { failInterruptedRuns } from "../../src/db/modelRuns";
import { readSnapshot } from "../../src/db/snapshot";
import { AppError } from "../../src/errors";
import { createTestDb, type TestDb } from "../helpers/db";
import { startTcpProxy, type TcpProxy } from "../helpers/tcpProxy";

const BOUND_MS = 10_000;

let t: TestDb;
let proxy: TcpProxy;
const opened: Db[] = [];

beforeAll(async () => {
  t = await createTestDb();
  await t.db.prisma.user.createMany({ data: [{ externalId: "u1" }, { externalId: "u2" }] });
  const target = new URL(t.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
});

afterEach(async () => {
  proxy.resume();
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

afterAll(async () => {
  await proxy?.stop();
  await t?.drop();
});

/** A Db through the proxy with short limits (1 s). */
function throughProxy(options: OpenDbOptions = {}): Db {
  const db = openDb(proxy.rewrite(t.url), { connectTimeoutMs: 1_000, queryTimeoutMs: 1_000, ...options });
  opened.push(db);
  return db;
}

/** Runs `work`, expecting it to fail: returns the error and how long it took. */
async function failure(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error("expected a failure");
}

async function adminSql(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: t.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function expectUnavailable(error: unknown): void {
  expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  const typed = toDatabaseUnavailable(error);
  expect(typed).toBeInstanceOf(AppError);
  expect(typed.code).toBe("DATABASE_UNAVAILABLE");
  expect(typed.message).toBe(DATABASE_UNAVAILABLE_MESSAGE);
  expect(typed.message).not.toContain(t.name);
  expect(typed.message).not.toMatch(/postgres|select|127\.0\.0\.1/i);
}

describe("a hung database (relay paused)", () => {
  it("fails queries with a classified error instead of hanging, and recovers by itself on resume", async () => {
    const db = throughProxy();
    expect(await db.prisma.user.count()).toBe(2);
    expect(await pingDatabase(db, 1_000)).toBe(true);

    proxy.pause();
    // An open pooled connection whose server stops answering: the client-side read timeout.
    const first = await failure(() => db.prisma.user.count());
    expect(first.ms).toBeLessThan(BOUND_MS);
    expectUnavailable(first.error);
    // A new connection to a server that does not answer: the connect timeout.
    const second = await failure(() => db.prisma.user.findMany({ take: 1 }));
    expect(second.ms).toBeLessThan(BOUND_MS);
    expectUnavailable(second.error);
    // Raw SQL, a batch transaction and an interactive one fail the same way.
    expectUnavailable((await failure(() => db.pool.query("select 1"))).error);
    expectUnavailable((await failure(() => db.prisma.$transaction([db.prisma.user.count(), db.prisma.item.count()]))).error);
    expectUnavailable((await failure(() => db.prisma.$transaction(async (tx) => tx.user.count()))).error);

    const started = Date.now();
    expect(await pingDatabase(db, 500)).toBe(false);
    expect(Date.now() - started).toBeLessThan(BOUND_MS);

    proxy.resume();
    expect(await db.prisma.user.count()).toBe(2);
    expect(await db.pool.query("select 1 as one")).toMatchObject({ rows: [{ one: 1 }] });
    expect(await pingDatabase(db, 1_000)).toBe(true);
  });

  it("does not lose pooled clients to a transaction whose connection hangs", async () => {
    // Prisma never releases the client of an interactive transaction whose query timed out;
    // the checkout guard takes it back. With a pool of one, a lost client would fail every later query.
    const db = throughProxy({ max: 1, maxCheckoutMs: 2_000 });
    const { error } = await failure(() =>
      db.prisma.$transaction(async (tx) => {
        await tx.user.count();
        proxy.pause();
        await tx.user.count();
      }),
    );
    expectUnavailable(error);
    proxy.resume();
    await expect.poll(() => db.pool.totalCount, { timeout: BOUND_MS }).toBe(0);
    expect(await db.prisma.user.count()).toBe(2);
    await db.close(); // would wait for ever for a lost client
  });
});

describe("a database that refuses connections (relay stopped)", () => {
  it("fails with a classified error and pings false", async () => {
    const other = await startTcpProxy(new URL(t.url).hostname, Number(new URL(t.url).port || 5432));
    const db = openDb(other.rewrite(t.url), { connectTimeoutMs: 1_000, queryTimeoutMs: 1_000 });
    opened.push(db);
    expect(await db.prisma.user.count()).toBe(2);
    await other.stop();
    const refused = await failure(() => db.prisma.user.count());
    expect(refused.ms).toBeLessThan(BOUND_MS);
    expectUnavailable(refused.error);
    expectUnavailable((await failure(() => db.prisma.$transaction(async (tx) => tx.user.count()))).error);
    expectUnavailable((await failure(() => db.pool.query("select 1"))).error);
    expect(await pingDatabase(db, 1_000)).toBe(false);
  });
});

describe("server-side faults", () => {
  it("a statement over statement_timeout fails with 57014, classified; the pool stays usable", async () => {
    const db = throughProxy({ queryTimeoutMs: 5_000, statementTimeoutMs: 300 });
    const locker = new pg.Client({ connectionString: t.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table users in access exclusive mode");
      const blocked = await failure(() => db.prisma.user.count());
      expect(blocked.ms).toBeLessThan(BOUND_MS);
      expect(JSON.stringify(blocked.error)).toContain("57014");
      expectUnavailable(blocked.error);
      expectUnavailable((await failure(() => db.pool.query("select count(*) from users"))).error);
    } finally {
      await locker.query("rollback");
      await locker.end();
    }
    expect(await db.prisma.user.count()).toBe(2);
  });

  it("a terminated backend (57P01) is classified, and a transaction's dead client is given back", async () => {
    const db = throughProxy({ max: 1 });
    const terminate = () => adminSql(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${t.name}' and pid <> pg_backend_pid()`);
    const { error } = await failure(() =>
      db.prisma.$transaction(async (tx) => {
        await tx.user.count();
        await terminate();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx.user.count();
      }),
    );
    expectUnavailable(error);
    // A lost client would make this wait for the connect timeout and fail (pool of one).
    await expect.poll(() => db.prisma.user.count(), { timeout: BOUND_MS }).toBe(2);

    const sleeping = db.pool.query("select pg_sleep(5)").then(
      () => undefined,
      (failed: unknown) => failed,
    );
    await expect.poll(async () => (await t.db.pool.query(`select count(*)::int as n from pg_stat_activity where datname = '${t.name}' and query like 'select pg_sleep%'`)).rows[0].n).toBe(1);
    await terminate();
    const terminated = await sleeping;
    expect((terminated as { code?: string }).code).toBe("57P01");
    expectUnavailable(terminated);
  });

  it("does not classify ordinary errors", async () => {
    const db = throughProxy();
    const unique = await failure(() => db.prisma.user.create({ data: { externalId: "u1" } }));
    expect(isDatabaseUnavailable(unique.error)).toBe(false);
    const syntax = await failure(() => db.pool.query("selec 1"));
    expect(isDatabaseUnavailable(syntax.error)).toBe(false);
    expect(isDatabaseUnavailable(new Error("boom"))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
    await db.pool.end();
    // A pool this process ended is its own doing, not the database's.
    const ended = await failure(() => db.prisma.user.count());
    expect(isDatabaseUnavailable(ended.error)).toBe(false);
  });
});

describe("bulk work is not cut by the serving timeouts", () => {
  it("runs long statements on the bulk pool, snapshot reads and imports included", async () => {
    const db = throughProxy({ queryTimeoutMs: 300 });
    await expect(db.pool.query("select pg_sleep(0.8)")).rejects.toSatisfy(isDatabaseUnavailable);
    await expect(db.bulkPool.query("select pg_sleep(0.8)")).resolves.toBeDefined();
    const before = await readSnapshot(db);
    const summary = await bulkImport(db, {
      format: "test",
      source: "faults.test",
      users: async function* () {},
      items: async function* () {
        yield { externalId: "i1", title: "One" };
      },
      ratings: async function* () {
        yield { user: "u1", item: "i1", value: 4, time: null };
        yield { user: "u3", item: "i1", value: 5, time: null };
      },
    });
    expect(summary.ratingsInserted).toBe(2);
    const after = await readSnapshot(db);
    expect(after.ratings.values.length).toBe(before.ratings.values.length + 2);
  });
});

describe("failInterruptedRuns", () => {
  it("fails every QUEUED or RUNNING run and leaves finished ones alone", async () => {
    const runs = t.db.prisma.modelRun;
    const running = await runs.create({ data: { model: "popularity", params: {}, status: "RUNNING", startedAt: new Date() } });
    const queued = await runs.create({ data: { model: "popularity", params: {}, status: "QUEUED" } });
    const done = await runs.create({ data: { model: "popularity", params: {}, status: "SUCCEEDED", finishedAt: new Date(0) } });
    const failed = await runs.create({ data: { model: "popularity", params: {}, status: "FAILED", error: "earlier", finishedAt: new Date(0) } });

    expect(await failInterruptedRuns(t.db, "the server stopped while it ran")).toBe(2);
    for (const run of [running, queued]) {
      const row = await runs.findUniqueOrThrow({ where: { id: run.id } });
      expect(row).toMatchObject({ status: "FAILED", error: "interrupted: the server stopped while it ran" });
      expect(row.finishedAt).toBeInstanceOf(Date);
    }
    expect(await runs.findUniqueOrThrow({ where: { id: done.id } })).toMatchObject({ status: "SUCCEEDED", error: null, finishedAt: new Date(0) });
    expect(await runs.findUniqueOrThrow({ where: { id: failed.id } })).toMatchObject({ status: "FAILED", error: "earlier" });
    expect(await failInterruptedRuns(t.db, "again")).toBe(0);
  });
});
