import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importDataset, type ImportProgress } from "../../src/services/importService";
import { ParseError } from "../../src/errors";
import { createTestDb, type TestDb } from "../helpers/db";
import { datasetPath } from "../helpers/datasets";
import { writeFiles } from "../helpers/tmp";

async function tableState(t: TestDb) {
  const counts = await t.db.pool.query<{ users: string; items: string; ratings: string; checksum: string }>(`
    select (select count(*) from users) as users, (select count(*) from items) as items, (select count(*) from ratings) as ratings,
           (select md5(coalesce(string_agg(user_id || ':' || item_id || ':' || value || ':' || coalesce(rated_at::text, '') || ':' || updated_at::text, ',' order by user_id, item_id), ''))
            from ratings) as checksum`);
  return counts.rows[0];
}

describe("import into PostgreSQL", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
  });

  const small = () =>
    writeFiles({
      "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,2,3.5,964981247\n2,1,5.0,964982224\n2,2,1.0,964982000\n",
      "movies.csv": 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n2,"Heat, The (1995)",Action|Crime\n3,Unrated (2000),Drama\n',
      "tags.csv": "userId,movieId,tag,timestamp\n1,1,pixar,1\n",
    });

  it("imports users, items with content and ratings, and reports progress", async () => {
    const progress: ImportProgress[] = [];
    const summary = await importDataset(t.db, { format: "movielens-latest", path: small(), onProgress: (p) => progress.push(p) });
    expect(summary).toMatchObject({ usersInserted: 2, itemsInserted: 3, ratingsInserted: 4, ratingsUpdated: 0 });
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(["users", "items", "ratings", "merge"]));
    const last = progress[progress.length - 1];
    expect(last.bytesDone).toBe(last.bytesTotal);
    const item = await t.db.prisma.item.findUniqueOrThrow({ where: { externalId: "2" } });
    expect(item).toMatchObject({ title: "Heat, The (1995)", genres: ["Action", "Crime"], year: 1995 });
    const toy = await t.db.prisma.item.findUniqueOrThrow({ where: { externalId: "1" } });
    expect(toy.tags).toEqual(["pixar"]);
    const rating = await t.db.prisma.rating.findFirstOrThrow({ where: { user: { externalId: "1" }, item: { externalId: "2" } } });
    expect(rating.value).toBe(3.5);
    expect(rating.ratedAt?.getTime()).toBe(964981247_000);
  });

  it("is idempotent: importing the same files again changes no row", async () => {
    const dir = small();
    await importDataset(t.db, { format: "movielens-latest", path: dir });
    const before = await tableState(t);
    const again = await importDataset(t.db, { format: "movielens-latest", path: dir });
    expect(again).toMatchObject({ usersInserted: 0, itemsInserted: 0, itemsUpdated: 0, ratingsInserted: 0, ratingsUpdated: 0 });
    expect(await tableState(t)).toEqual(before);
  });

  it("updates a re-rated pair instead of duplicating it", async () => {
    await importDataset(t.db, { format: "csv", path: path.join(writeFiles({ "r.csv": "user,item,rating\n1,1,2\n" }), "r.csv") });
    const rating = await t.db.prisma.rating.findFirstOrThrow({ where: { user: { externalId: "1" }, item: { externalId: "1" } } });
    expect(rating.value).toBe(2);
    expect(await t.db.prisma.rating.count({ where: { user: { externalId: "1" }, item: { externalId: "1" } } })).toBe(1);
  });

  it("rolls back everything when a row is malformed, and names the file and line", async () => {
    const before = await tableState(t);
    const dir = writeFiles({
      "ratings.csv": `userId,movieId,rating,timestamp\n${Array.from({ length: 5000 }, (_, k) => `${100 + (k % 50)},${k + 1},4.0,1`).join("\n")}\n7,8,4.0\n`,
      "movies.csv": "movieId,title,genres\n500,New movie (2020),Drama\n",
    });
    const error = await importDataset(t.db, { format: "movielens-latest", path: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).message).toBe("ratings.csv:5002: expected 4 comma-separated fields, found 3".replace("ratings.csv", (error as ParseError).file));
    expect((error as ParseError).file.endsWith("ratings.csv")).toBe(true);
    expect(await tableState(t)).toEqual(before);
    expect(await t.db.prisma.item.count({ where: { externalId: "500" } })).toBe(0);
  });

  it("rejects an unknown format and a missing path with BAD_USER_INPUT", async () => {
    await expect(importDataset(t.db, { format: "parquet", path: "." })).rejects.toMatchObject({ code: "BAD_USER_INPUT", field: "format" });
    await expect(importDataset(t.db, { format: "csv", path: "/no/such/file.csv" })).rejects.toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
  });
});

const ml100k = datasetPath("ml-100k");

describe.skipIf(!ml100k)("import of MovieLens 100K", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
  });

  it("imports 943 users, 1,682 items and 100,000 ratings, then nothing on a second import", async () => {
    const summary = await importDataset(t.db, { format: "movielens-100k", path: ml100k! });
    expect(summary).toMatchObject({ usersInserted: 943, itemsInserted: 1682, ratingsInserted: 100000, ratingsUpdated: 0 });
    process.stderr.write(`ml-100k import: ${summary.seconds.toFixed(2)} s\n`);
    const state = await tableState(t);
    expect(state).toMatchObject({ users: "943", items: "1682", ratings: "100000" });
    const misérables = await t.db.prisma.item.findFirstOrThrow({ where: { title: { startsWith: "Misérables" } } });
    expect(misérables.genres.length).toBeGreaterThan(0);
    const again = await importDataset(t.db, { format: "movielens-100k", path: ml100k! });
    expect(again).toMatchObject({ usersInserted: 0, usersUpdated: 0, itemsInserted: 0, itemsUpdated: 0, ratingsInserted: 0, ratingsUpdated: 0 });
    expect(await tableState(t)).toEqual(state);
  });
});

describe("a large first import (the primary key, indexes and foreign keys rebuilt after a plain insert)", () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t.drop();
  });

  const schemaOfRatings = async () =>
    (
      await t.db.pool.query<{ name: string }>(
        `select indexname as name from pg_indexes where tablename = 'ratings'
         union all select conname from pg_constraint where conrelid = 'ratings'::regclass order by 1`,
      )
    ).rows.map((r) => r.name);

  it("keeps the last of a repeated pair, restores every index and constraint, and a re-import changes nothing", async () => {
    const before = await schemaOfRatings();
    const lines = ["user,item,rating"];
    for (let u = 0; u < 700; u++) for (let i = 0; i < 80; i++) lines.push(`u${u},i${(u * 7 + i) % 300},${1 + ((u + i) % 5)}`);
    lines.push("u3,i21,5", "u3,i21,2"); // a pair already above, twice more: the last line wins
    const file = path.join(writeFiles({ "r.csv": `${lines.join("\n")}\n` }), "r.csv");
    const first = await importDataset(t.db, { format: "csv", path: file });
    expect(first).toMatchObject({ ratingsInserted: 56_000, ratingsUpdated: 0, ratingsRead: 56_002 });
    expect(await schemaOfRatings()).toEqual(before);
    const pair = await t.db.pool.query<{ value: number }>(
      "select r.value from ratings r join users u on u.id = r.user_id join items i on i.id = r.item_id where u.external_id = 'u3' and i.external_id = 'i21'",
    );
    expect(pair.rows).toEqual([{ value: 2 }]);
    const state = await tableState(t);
    expect(await importDataset(t.db, { format: "csv", path: file })).toMatchObject({ ratingsInserted: 0, ratingsUpdated: 0 });
    expect(await tableState(t)).toEqual(state);
    // The key is back: a duplicate pair is refused by the database itself.
    await expect(t.db.pool.query("insert into ratings (user_id, item_id, value) select user_id, item_id, value from ratings limit 1")).rejects.toThrow(/duplicate key/);
  });
});
