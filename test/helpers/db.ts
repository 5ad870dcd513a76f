// One fresh, migrated database per caller on the test server; dropped afterwards.
import crypto from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { openDb, type Db, type OpenDbOptions } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";

export interface TestDb {
  db: Db;
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function adminUrl(): string {
  return inject("adminDatabaseUrl");
}

export function databaseUrl(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createEmptyDatabase(prefix = "graphrec_test"): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(4).toString("hex")}`;
  await adminQuery(`create database ${name}`);
  return {
    name,
    url: databaseUrl(name),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}

export async function createTestDb(options: OpenDbOptions = {}): Promise<TestDb> {
  const empty = await createEmptyDatabase();
  const db = openDb(empty.url, options);
  await migrate(db.pool);
  return {
    db,
    url: empty.url,
    name: empty.name,
    async drop() {
      await db.close();
      await empty.drop();
    },
  };
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
