// Applies prisma/migrations/*/migration.sql in order, with the same bookkeeping table
// (`_prisma_migrations`, sha256 checksums) as `prisma migrate deploy`, so the Prisma CLI
// and this runner agree (test/db/migrations.test.ts checks `prisma migrate status`).
// Why not spawn the CLI: it adds ~1.5 s and a child process to every start and every
// test database; this runs in milliseconds and takes an advisory lock, so concurrent
// starts against one database are safe.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type pg from "pg";
import { projectRoot } from "../config";
import { AppError } from "../errors";

export const migrationsDir = path.join(projectRoot, "prisma", "migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = migrationsDir): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

// Arbitrary constant: the advisory lock that serialises concurrent migrators.
const MIGRATION_LOCK_KEY = 7_243_911;

/** Applies pending migrations; returns the names applied. */
export async function migrate(pool: pg.Pool, dir = migrationsDir): Promise<string[]> {
  const migrations = listMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await client.query(`
      create table if not exists "_prisma_migrations" (
        "id" varchar(36) primary key not null,
        "checksum" varchar(64) not null,
        "finished_at" timestamptz,
        "migration_name" varchar(255) not null,
        "logs" text,
        "rolled_back_at" timestamptz,
        "started_at" timestamptz not null default now(),
        "applied_steps_count" integer not null default 0
      )`);
    const done = await client.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      `select migration_name, checksum, finished_at from "_prisma_migrations" where rolled_back_at is null`,
    );
    const byName = new Map(done.rows.map((row) => [row.migration_name, row]));
    for (const migration of migrations) {
      const previous = byName.get(migration.name);
      if (previous?.finished_at) {
        if (previous.checksum !== migration.checksum) {
          throw new AppError("INTERNAL", `migration ${migration.name} was changed after it was applied (checksum differs); create a new migration instead`);
        }
        continue;
      }
      if (previous) {
        throw new AppError("INTERNAL", `migration ${migration.name} failed earlier and was not rolled back; fix the database first`);
      }
      const id = crypto.randomUUID();
      await client.query("begin");
      try {
        await client.query(`insert into "_prisma_migrations" (id, checksum, migration_name, started_at) values ($1, $2, $3, now())`, [id, migration.checksum, migration.name]);
        // One simple-protocol query: the script may hold several statements.
        await client.query(migration.sql);
        await client.query(`update "_prisma_migrations" set finished_at = now(), applied_steps_count = 1 where id = $1`, [id]);
        await client.query("commit");
      } catch (error) {
        await client.query("rollback");
        throw new AppError("INTERNAL", `migration ${migration.name} failed: ${(error as Error).message}`, undefined, { cause: error });
      }
      applied.push(migration.name);
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
  return applied;
}
