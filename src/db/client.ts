// Connection set-up: one pg pool shared by Prisma (through the driver adapter) and by the
// few raw SQL paths (COPY for imports, bulk reads of interactions).
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded";
import { migrate } from "./migrate";
import path from "node:path";
import { AppError } from "../errors";

export type Prisma = InstanceType<typeof PrismaClient>;

export interface Db {
  prisma: Prisma;
  pool: pg.Pool;
  url: string;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** Pool size (default 10). */
  max?: number;
  /** Called for every SQL statement Prisma sends (query counting in tests). */
  onQuery?: (sql: string) => void;
}

export function openDb(url: string, options: OpenDbOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, allowExitOnIdle: true });
  // An idle client losing its connection must not crash the process.
  pool.on("error", () => undefined);
  const adapter = new PrismaPg(pool);
  const prisma = new PrismaClient({ adapter, log: options.onQuery ? [{ emit: "event", level: "query" }] : [] });
  if (options.onQuery) {
    const onQuery = options.onQuery;
    // The log option above makes the "query" event available.
    (prisma as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => onQuery(e.query));
  }
  return {
    prisma,
    pool,
    url,
    async close() {
      await prisma.$disconnect();
      // Idempotent: the pool may already be ended (a second close, or a test breaking it).
      if (!pool.ended) await pool.end();
    },
  };
}

export interface ConnectOptions {
  databaseUrl: string | undefined;
  homeDir: string;
  embeddedPgPort: number;
  log?: (message: string) => void;
}

export interface Connected {
  db: Db;
  embedded: EmbeddedPostgresHandle | undefined;
  migrationsApplied: string[];
  close(): Promise<void>;
}

/** DATABASE_URL when given, else the embedded server; then applies pending migrations. */
export async function connect(options: ConnectOptions): Promise<Connected> {
  const log = options.log ?? (() => undefined);
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: path.join(options.homeDir, "postgres"), port: options.embeddedPgPort });
    log(
      `embedded PostgreSQL ${embedded.reused ? "reused" : "started"} on 127.0.0.1:${options.embeddedPgPort} ` +
        `(${embedded.initialised ? "new cluster, " : ""}${embedded.startMs.toFixed(0)} ms, data in ${path.join(options.homeDir, "postgres")})`,
    );
    url = embedded.url;
  }
  const db = openDb(url);
  let migrationsApplied: string[];
  try {
    migrationsApplied = await migrate(db.pool);
  } catch (error) {
    await db.close();
    await embedded?.stop();
    if (error instanceof AppError) throw error;
    throw new AppError("DATABASE_UNAVAILABLE", `cannot reach PostgreSQL at ${redactUrl(url)}: ${(error as Error).message}`, undefined, {
      cause: error,
    });
  }
  if (migrationsApplied.length > 0) log(`applied migrations: ${migrationsApplied.join(", ")}`);
  return {
    db,
    embedded,
    migrationsApplied,
    async close() {
      await db.close();
      await embedded?.stop();
    },
  };
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
