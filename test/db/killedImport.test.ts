// kill -9 of a real import process in the middle of its merge (users and items already
// merged, ratings being merged): the database must be exactly as before (one transaction;
// PostgreSQL rolls back when the connection dies).
import { spawn } from "node:child_process";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";
import { datasetPath } from "../helpers/datasets";
import { createTestDb, type TestDb } from "../helpers/db";

const ml100k = datasetPath("ml-100k");
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});

afterAll(async () => {
  await t?.drop();
});

async function counts(client: pg.Client) {
  const row = await client.query<{ users: number; items: number; ratings: number; imports: number }>(
    "select (select count(*) from users)::int as users, (select count(*) from items)::int as items, (select count(*) from ratings)::int as ratings, (select count(*) from dataset_imports)::int as imports",
  );
  return row.rows[0];
}

describe("an import killed with SIGKILL", () => {
  it.skipIf(!ml100k)("leaves the database exactly as before", async () => {
    const client = new pg.Client({ connectionString: t.url });
    await client.connect();
    try {
      const before = await counts(client);
      const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, "scripts", "import.ts"), "--format", "movielens-100k", "--path", ml100k!], {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: t.url },
        stdio: "ignore",
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
      // Wait until it merges the ratings (users and items are already merged by then, in the
      // same transaction), then kill it without warning.
      let merging = false;
      for (let attempt = 0; attempt < 3_000 && !merging; attempt++) {
        const active = await client.query("select 1 from pg_stat_activity where datname = $1 and query ilike '%insert into ratings%' and state = 'active'", [t.name]);
        merging = active.rowCount! > 0;
        if (!merging) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(merging).toBe(true);
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      // The server notices the dead connection and rolls its transaction back.
      for (let attempt = 0; attempt < 100; attempt++) {
        const left = await client.query("select 1 from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [t.name]);
        if (left.rowCount === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await counts(client)).toEqual(before);
    } finally {
      await client.end();
    }
  });
});
