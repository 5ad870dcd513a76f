import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { openDb, type Db } from "../../src/db/client";
import { listMigrations, migrate, migrationsDir } from "../../src/db/migrate";
import { projectRoot } from "../../src/config";
import { createEmptyDatabase } from "../helpers/db";
import { writeFiles } from "../helpers/tmp";

describe("migrations", () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let db: Db;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    db = openDb(database.url);
  });
  afterAll(async () => {
    await db.close();
    await database.drop();
  });

  it("applies every migration once, then nothing", async () => {
    const names = listMigrations().map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    expect(await migrate(db.pool)).toEqual(names);
    expect(await migrate(db.pool)).toEqual([]);
    const tables = await db.pool.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public' order by 1");
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(["users", "items", "ratings", "model_runs", "model_artifacts", "dataset_imports", "_prisma_migrations"]));
  });

  it("is safe when several processes migrate at once", async () => {
    const other = await createEmptyDatabase();
    const dbs = [openDb(other.url), openDb(other.url), openDb(other.url)];
    try {
      const applied = await Promise.all(dbs.map((d) => migrate(d.pool)));
      expect(applied.flat()).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
      await other.drop();
    }
  });

  it("is recognised by the Prisma CLI (same bookkeeping as prisma migrate deploy)", async () => {
    const { stdout } = await promisify(execFile)(path.join(projectRoot, "node_modules", ".bin", "prisma"), ["migrate", "status"], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: database.url },
    });
    expect(stdout).toMatch(/Database schema is up to date/);
  });

  it("refuses a migration that changed after it was applied", async () => {
    const dir = writeFiles({});
    for (const migration of listMigrations()) {
      fs.mkdirSync(path.join(dir, migration.name));
      fs.writeFileSync(path.join(dir, migration.name, "migration.sql"), `${migration.sql}\n-- edited\n`);
    }
    await expect(migrate(db.pool, dir)).rejects.toThrow(/was changed after it was applied/);
  });

  it("keeps one active run per model (partial unique index)", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query(`insert into model_runs (model, params, status, active) values ('als', '{}', 'SUCCEEDED', true)`);
      await expect(client.query(`insert into model_runs (model, params, status, active) values ('als', '{}', 'SUCCEEDED', true)`)).rejects.toThrow(/one_active_per_model/);
    } finally {
      await client.end();
    }
  });

  it("ships its migrations in prisma/migrations", () => {
    expect(migrationsDir).toBe(path.join(projectRoot, "prisma", "migrations"));
  });
});
