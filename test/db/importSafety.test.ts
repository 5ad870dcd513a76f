// importDataset in front of the API (issue 13): reads only regular files under the import
// roots (symlinks and `..` resolved), refuses before reading anything, never repeats file
// contents, and a cancelled import leaves the database exactly as it was. Real files, real
// FIFOs and sockets, real PostgreSQL.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkImport } from "../../src/db/bulkImport";
import type { ItemRecord, RatingRecord, UserRecord } from "../../src/db/records";
import { IMPORT_PATH_ALLOWED, importDataset, validateImportRequest, type ImportRequest } from "../../src/services/importService";
import { ParseError, ValidationError } from "../../src/errors";
import { createTestDb, type TestDb } from "../helpers/db";
import { datasetPath } from "../helpers/datasets";
import { writeFiles } from "../helpers/tmp";

async function tableState(t: TestDb) {
  const counts = await t.db.pool.query<{ users: string; items: string; ratings: string; imports: string; checksum: string }>(`
    select (select count(*) from users) as users, (select count(*) from items) as items, (select count(*) from ratings) as ratings,
           (select count(*) from dataset_imports) as imports,
           (select md5(coalesce(string_agg(user_id || ':' || item_id || ':' || value || ':' || coalesce(rated_at::text, '') || ':' || updated_at::text, ',' order by user_id, item_id), ''))
            from ratings) as checksum`);
  return counts.rows[0];
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the import to fail");
    },
    (e: unknown) => e,
  );
}

/** The refusal the API gets: a ValidationError on "path" naming only what was asked and what is allowed. */
function expectRefused(error: unknown, given: string): void {
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: "BAD_USER_INPUT", field: "path", allowed: IMPORT_PATH_ALLOWED });
  expect((error as ValidationError).value).toEqual(given.length <= 200 ? given : expect.any(String));
}

describe("import roots", () => {
  let t: TestDb;
  let root: string;
  let outside: string;
  beforeAll(async () => {
    t = await createTestDb();
    root = writeFiles({
      "ok/r.csv": "user,item,rating\nu1,i1,4\nu2,i1,5\n",
      "ml/u.data": "1\t10\t4\t881250949\n",
      "sub/.keep": "",
    });
    outside = writeFiles({ "secret.csv": "user,item\nSECRET-OUTSIDE-1,x\n", "u.data": "1\t1\t5\t1\n" });
  });
  afterAll(async () => {
    await t.drop();
  });

  const request = (format: string, target: string, extra: Partial<ImportRequest> = {}): ImportRequest => ({ format, path: target, importRoots: [root], ...extra });

  it("imports a regular file under the root, also through `..` that stays inside and through a symlinked root", async () => {
    const summary = await importDataset(t.db, request("csv", path.join(root, "sub", "..", "ok", "r.csv")));
    expect(summary).toMatchObject({ usersInserted: 2, itemsInserted: 1, ratingsInserted: 2 });
    const link = path.join(writeFiles({}), "root-link");
    fs.symlinkSync(root, link);
    const again = await importDataset(t.db, { format: "csv", path: path.join(link, "ok", "r.csv"), importRoots: [link] });
    expect(again).toMatchObject({ usersInserted: 0, ratingsInserted: 0 });
    expect(await importDataset(t.db, request("movielens-100k", path.join(root, "ml")))).toMatchObject({ ratingsInserted: 1 });
  });

  it("refuses a path outside, a `..` escape and a symlink inside that points outside, before reading and without changes", async () => {
    const before = await tableState(t);
    const escape = path.join(root, "..", path.basename(outside), "secret.csv");
    const link = path.join(root, "innocent.csv");
    fs.symlinkSync(path.join(outside, "secret.csv"), link);
    const folderLink = path.join(root, "folder-link");
    fs.symlinkSync(outside, folderLink);
    for (const target of [path.join(outside, "secret.csv"), escape, link, path.join(folderLink, "secret.csv")]) {
      const error = await errorOf(importDataset(t.db, request("csv", target)));
      expectRefused(error, target);
      expect((error as Error).message).not.toContain("SECRET-OUTSIDE");
    }
    // A folder under the root whose data file is a symlink out: the reader's files are checked too.
    const ml = path.join(root, "ml-linked");
    fs.mkdirSync(ml);
    fs.symlinkSync(path.join(outside, "u.data"), path.join(ml, "u.data"));
    expectRefused(await errorOf(importDataset(t.db, request("movielens-100k", ml))), ml);
    // u.genre is read too, so it is checked too.
    const genre = path.join(root, "ml-genre");
    fs.mkdirSync(genre);
    fs.writeFileSync(path.join(genre, "u.data"), "1\t1\t5\t1\n");
    fs.symlinkSync("/etc/passwd", path.join(genre, "u.genre"));
    expectRefused(await errorOf(importDataset(t.db, request("movielens-100k", genre))), genre);
    expect(await tableState(t)).toEqual(before);
  });

  it("refuses what is not a regular file: /dev/zero, a device under the root, a FIFO, a socket, a folder for csv, a missing file", async () => {
    const before = await tableState(t);
    expectRefused(await errorOf(importDataset(t.db, request("csv", "/dev/zero"))), "/dev/zero");
    // With /dev itself as a root, /dev/zero is still no regular file.
    expectRefused(await errorOf(importDataset(t.db, { format: "csv", path: "/dev/zero", importRoots: ["/dev"] })), "/dev/zero");
    const zeroLink = path.join(root, "zero.csv");
    fs.symlinkSync("/dev/zero", zeroLink);
    expectRefused(await errorOf(importDataset(t.db, { format: "csv", path: zeroLink, importRoots: [root, "/dev"] })), zeroLink);

    // A FIFO blocks whoever opens it until a writer comes: refusing must not open it.
    const fifo = path.join(root, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    expectRefused(await errorOf(importDataset(t.db, request("csv", fifo))), fifo);

    const socketPath = path.join(root, "s.csv");
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      expectRefused(await errorOf(importDataset(t.db, request("csv", socketPath))), socketPath);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    expectRefused(await errorOf(importDataset(t.db, request("csv", path.join(root, "ok")))), path.join(root, "ok"));
    expectRefused(await errorOf(importDataset(t.db, request("csv", path.join(root, "missing.csv")))), path.join(root, "missing.csv"));
    // No roots that exist: nothing is allowed.
    expectRefused(await errorOf(importDataset(t.db, { format: "csv", path: path.join(root, "ok", "r.csv"), importRoots: [] })), path.join(root, "ok", "r.csv"));
    expect(await tableState(t)).toEqual(before);
  });

  it("validateImportRequest makes the same checks at once, without reading or touching the database", () => {
    expect(() => validateImportRequest(request("csv", path.join(root, "ok", "r.csv")))).not.toThrow();
    expect(() => validateImportRequest(request("movielens-100k", path.join(root, "ml")))).not.toThrow();
    for (const target of ["/etc/passwd", "/dev/zero", path.join(root, "..")]) {
      let error: unknown;
      try {
        validateImportRequest(request("csv", target));
      } catch (e) {
        error = e;
      }
      expectRefused(error, target);
    }
    expect(() => validateImportRequest(request("parquet", root))).toThrow(ValidationError);
    expect(() => validateImportRequest(request("csv", path.join(root, "ok", "r.csv"), { encoding: "ebcdic" }))).toThrow(/encoding/);
  });

  it("repeats a long or odd path only as a short escaped excerpt", async () => {
    const given = `${root}/${"x".repeat(300)}\u0000\n/etc/shadow`;
    const error = (await errorOf(importDataset(t.db, request("csv", given)))) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.field).toBe("path");
    expect(String(error.value).length).toBeLessThanOrEqual(201);
    expect(String(error.value).endsWith("…")).toBe(true);
    expect(error.message).not.toContain("shadow");
  });

  it("without roots (CLI, bootstrap) reads any path, and /proc/self/environ fails on its header without echoing it", async () => {
    if (!fs.existsSync("/proc/self/environ")) return;
    const before = await tableState(t);
    const error = await errorOf(importDataset(t.db, { format: "csv", path: "/proc/self/environ" }));
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).problem).toMatch(/^header column 1 contains a control character/);
    for (const value of Object.values(process.env)) if (value && value.length > 8) expect((error as Error).message).not.toContain(value);
    expect(await tableState(t)).toEqual(before);
  });
});

describe("cancelling an import", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    await importDataset(t.db, { format: "csv", path: path.join(writeFiles({ "seed.csv": "user,item,rating\nu1,i1,4\nu2,i2,3\nu1,i2,5\n" }), "seed.csv") });
  });
  afterAll(async () => {
    await t.drop();
  });

  // 60,000 ratings (about 1 MB, 16 chunks of 64 KiB), some re-rating the seeded ones.
  const bigCsv = () =>
    path.join(writeFiles({ "big.csv": `user,item,rating\nu1,i1,1\n${Array.from({ length: 60_000 }, (_, k) => `user-${k % 997},item-${k % 1499},${1 + (k % 5)}`).join("\n")}\n` }), "big.csv");

  it("aborted while ratings stream: rejects with the abort reason, database exactly as before", async () => {
    const before = await tableState(t);
    const controller = new AbortController();
    const reason = new Error("import cancelled by the test");
    let abortedAt: { bytesDone: number; bytesTotal: number } | undefined;
    const error = await errorOf(
      importDataset(t.db, {
        format: "csv",
        path: bigCsv(),
        signal: controller.signal,
        onProgress: ({ phase, bytesDone, bytesTotal }) => {
          if (phase === "ratings" && bytesDone > 0 && !abortedAt) {
            abortedAt = { bytesDone, bytesTotal };
            controller.abort(reason);
          }
        },
      }),
    );
    expect(error).toBe(reason);
    expect(abortedAt).toBeDefined();
    expect(abortedAt!.bytesDone).toBeLessThan(abortedAt!.bytesTotal);
    expect(await tableState(t)).toEqual(before);
  });

  it("aborted when the merge begins (everything already read): rejects with the reason and rolls back", async () => {
    const before = await tableState(t);
    const controller = new AbortController();
    const error = await errorOf(
      importDataset(t.db, {
        format: "csv",
        path: bigCsv(),
        signal: controller.signal,
        onProgress: ({ phase }) => {
          if (phase === "merge") controller.abort();
        },
      }),
    );
    expect(error).toBe(controller.signal.reason);
    expect((error as Error).name).toBe("AbortError");
    expect(await tableState(t)).toEqual(before);
  });

  it("bulkImport stops a source that never ends when the signal is aborted inside the COPY loop", async () => {
    const before = await tableState(t);
    const controller = new AbortController();
    const reason = new Error("stop the endless source");
    let produced = 0;
    async function* endless(): AsyncGenerator<RatingRecord> {
      for (;;) {
        produced++;
        if (produced === 5_000) controller.abort(reason);
        yield { user: `endless-${produced % 100}`, item: `e-${produced}`, value: 1, time: null };
      }
    }
    async function* noUsers(): AsyncGenerator<UserRecord> {}
    async function* noItems(): AsyncGenerator<ItemRecord> {}
    const source = { format: "csv", source: "endless", users: noUsers, items: noItems, ratings: endless };
    await expect(bulkImport(t.db, source, { signal: controller.signal })).rejects.toBe(reason);
    expect(produced).toBeLessThan(5_010);
    expect(await tableState(t)).toEqual(before);
  });

  it("an already aborted signal reads nothing; the same import without abort then succeeds", async () => {
    const before = await tableState(t);
    const reason = new Error("cancelled before start");
    await expect(importDataset(t.db, { format: "csv", path: bigCsv(), signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(await tableState(t)).toEqual(before);
    const summary = await importDataset(t.db, { format: "csv", path: bigCsv(), signal: new AbortController().signal });
    expect(summary.ratingsRead).toBe(60_001);
  });
});

const ml100k = datasetPath("ml-100k");

describe.skipIf(!ml100k)("MovieLens 100K under an import root", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("imports 943 users, 1,682 items and 100,000 ratings with the checks on", async () => {
    const summary = await importDataset(t.db, { format: "movielens-100k", path: ml100k!, importRoots: [path.dirname(ml100k!)] });
    expect(summary).toMatchObject({ usersInserted: 943, itemsInserted: 1682, ratingsInserted: 100000 });
  });
});
