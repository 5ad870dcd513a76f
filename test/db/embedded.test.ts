import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../src/db/embedded";
import { connect } from "../../src/db/client";

// A port away from the test server's and the app's defaults.
const PORT = 54391;

function stateDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-embedded-"));
  fs.chmodSync(dir, 0o755); // the server may run as the postgres user
  return dir;
}

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe("embedded PostgreSQL", () => {
  const handles: EmbeddedPostgresHandle[] = [];
  afterAll(async () => {
    for (const handle of handles.reverse()) await handle.stop();
  });

  it("initialises a cluster, keeps data across a restart, and reuses a running server", async () => {
    const dir = stateDir();
    const dataDir = path.join(dir, "postgres");
    const first = await startEmbeddedPostgres({ dataDir, port: PORT });
    expect(first.initialised).toBe(true);
    expect(first.reused).toBe(false);
    process.stderr.write(`embedded first start (initdb + start): ${first.startMs.toFixed(0)} ms\n`);
    await query(first.url, "create table kept (v int); insert into kept values (42)");

    // A second process pointed at the same folder finds the live server and reuses it.
    const second = await startEmbeddedPostgres({ dataDir, port: PORT });
    expect(second.reused).toBe(true);
    await second.stop(); // not ours: must not stop the server
    expect((await query(first.url, "select v from kept")).rows).toEqual([{ v: 42 }]);

    await first.stop();
    const restarted = await startEmbeddedPostgres({ dataDir, port: PORT });
    handles.push(restarted);
    expect(restarted.initialised).toBe(false);
    expect(restarted.reused).toBe(false);
    process.stderr.write(`embedded restart: ${restarted.startMs.toFixed(0)} ms\n`);
    expect((await query(restarted.url, "select v from kept")).rows).toEqual([{ v: 42 }]);
  });

  it("migrates on connect when DATABASE_URL is unset", async () => {
    await handles.pop()?.stop();
    const dir = stateDir();
    const connection = await connect({ databaseUrl: undefined, homeDir: dir, embeddedPgPort: PORT });
    try {
      expect(connection.embedded).toBeDefined();
      expect(connection.migrationsApplied.length).toBeGreaterThan(0);
      expect(await connection.db.prisma.user.count()).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it("refuses a folder that is not a cluster", async () => {
    const dir = stateDir();
    fs.mkdirSync(path.join(dir, "postgres"));
    fs.writeFileSync(path.join(dir, "postgres", "notes.txt"), "mine");
    await expect(startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), port: PORT })).rejects.toThrow(/is not a PostgreSQL cluster/);
  });

  it.skipIf(process.getuid?.() !== 0)("as root, explains when the postgres user cannot reach the data folder", async () => {
    const locked = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-locked-")); // mode 0700, owned by root
    await expect(startEmbeddedPostgres({ dataDir: path.join(locked, "state", "postgres"), port: PORT })).rejects.toThrow(
      new RegExp(`cannot enter ${locked.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(mode 700\\).*DATABASE_URL`),
    );
  });
});
