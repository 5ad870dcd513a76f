// Connection set-up: one pg pool shared by Prisma (through the driver adapter) and by
// short raw SQL, and a second pool for long bulk work (COPY imports, snapshot reads,
// migrations).
//
// Why two pools: the serving pool bounds every statement (statement_timeout on the server,
// query_timeout on the client as the backstop for a server that does not answer at all),
// so a hung or overloaded database gives requests a coded error within seconds instead of
// hanging them. pg applies a client's query_timeout to every query it runs, submittables
// included (pg/lib/client.js: `config.query_timeout || connectionParameters.query_timeout`,
// so a per-query 0 cannot switch it off), which would cut a COPY of a million ratings after
// five seconds. The bulk pool therefore has the connect timeout but no statement or query
// timeout; the jobs that use it have their own time limits (src/services/jobs.ts).
//
// Recovery: a client whose query timed out on the client side still has that query in
// flight (pg keeps it as activeQuery), so it is useless until the server answers. When such
// a client is released, it is ended instead of going back to the pool, and the pool opens a
// fresh connection next time; once the database answers again, requests succeed again.
// Clients that are never released (Prisma's interactive transactions on a dead or hung
// connection) are taken back by guardCheckouts. isDatabaseUnavailable tells these faults
// from bugs, for the API's DATABASE_UNAVAILABLE; pingDatabase is the readiness check.
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
  /** Serving pool (Prisma's): every statement bounded by the timeouts. */
  pool: pg.Pool;
  /** Long bulk work (COPY, snapshot reads, migrations): connect timeout only. */
  bulkPool: pg.Pool;
  url: string;
  timeouts: Required<DbTimeouts>;
  close(): Promise<void>;
}

/** Milliseconds; 0 switches a limit off. */
export interface DbTimeouts {
  /**
   * Opening a connection, and waiting for a free pooled client when the pool is busy
   * (pg Pool `connectionTimeoutMillis`). Default 3,000.
   */
  connectTimeoutMs?: number;
  /**
   * Client side (pg `query_timeout`): a statement with no answer after this long fails
   * with "Query read timeout", even when the server is hung. Default 5,000. pg's timer gets
   * 250 ms more, so that with equal limits the server's own cancel (which keeps the
   * connection usable) normally arrives first.
   */
  queryTimeoutMs?: number;
  /** Server side (`statement_timeout`, SQLSTATE 57014 when hit). Default: queryTimeoutMs. */
  statementTimeoutMs?: number;
  /**
   * Server side (`idle_in_transaction_session_timeout`): ends a session that sits in an open
   * transaction doing nothing (a leaked client). Default 60,000.
   */
  idleInTransactionTimeoutMs?: number;
}

export const DEFAULT_DB_TIMEOUTS: Required<DbTimeouts> = {
  connectTimeoutMs: 3_000,
  queryTimeoutMs: 5_000,
  statementTimeoutMs: 5_000,
  idleInTransactionTimeoutMs: 60_000,
};

/** Extra time pg's client-side timer waits beyond queryTimeoutMs (see DbTimeouts). */
const CLIENT_TIMEOUT_GRACE_MS = 250;
/** Bulk sessions may sit between statements while a reader prepares the next batch. */
const BULK_IDLE_IN_TRANSACTION_MS = 10 * 60_000;

export interface OpenDbOptions extends DbTimeouts {
  /** Pool size (default 10). */
  max?: number;
  /** Called for every SQL statement Prisma sends (query counting in tests). */
  onQuery?: (sql: string) => void;
  /**
   * Longest a serving-pool client may stay checked out before it is taken back (see
   * guardCheckouts). Default: three statement limits, at least 15 s; 0: no limit.
   */
  maxCheckoutMs?: number;
}

export function resolveTimeouts(options: DbTimeouts = {}): Required<DbTimeouts> {
  const queryTimeoutMs = nonNegative("queryTimeoutMs", options.queryTimeoutMs ?? DEFAULT_DB_TIMEOUTS.queryTimeoutMs);
  return {
    connectTimeoutMs: nonNegative("connectTimeoutMs", options.connectTimeoutMs ?? DEFAULT_DB_TIMEOUTS.connectTimeoutMs),
    queryTimeoutMs,
    statementTimeoutMs: nonNegative("statementTimeoutMs", options.statementTimeoutMs ?? queryTimeoutMs),
    idleInTransactionTimeoutMs: nonNegative("idleInTransactionTimeoutMs", options.idleInTransactionTimeoutMs ?? DEFAULT_DB_TIMEOUTS.idleInTransactionTimeoutMs),
  };
}

/**
 * Longest a serving-pool client may stay checked out: a few statement lengths (an
 * interactive transaction runs several), at least 15 s; none when statements are unbounded.
 */
function defaultMaxCheckoutMs(timeouts: Required<DbTimeouts>): number {
  const statement = Math.max(timeouts.queryTimeoutMs, timeouts.statementTimeoutMs);
  return statement > 0 ? Math.max(15_000, 3 * (statement + CLIENT_TIMEOUT_GRACE_MS)) : 0;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number of milliseconds, got ${value}`);
  return Math.round(value);
}

export function openDb(url: string, options: OpenDbOptions = {}): Db {
  const timeouts = resolveTimeouts(options);
  const shared: pg.PoolConfig = {
    connectionString: url,
    allowExitOnIdle: true,
    // Lets the kernel notice a peer that vanished without closing the connection.
    keepAlive: true,
    ...(timeouts.connectTimeoutMs > 0 ? { connectionTimeoutMillis: timeouts.connectTimeoutMs } : {}),
  };
  const pool = new pg.Pool({
    ...shared,
    max: options.max ?? 10,
    // pg sends these in the startup packet only when truthy, so 0 leaves the server default.
    ...(timeouts.queryTimeoutMs > 0 ? { query_timeout: timeouts.queryTimeoutMs + CLIENT_TIMEOUT_GRACE_MS } : {}),
    ...(timeouts.statementTimeoutMs > 0 ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
    ...(timeouts.idleInTransactionTimeoutMs > 0 ? { idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs } : {}),
  });
  const bulkPool = new pg.Pool({
    ...shared,
    // As many as the serving pool: connectTimeoutMs also bounds waiting for a free client.
    max: options.max ?? 10,
    idle_in_transaction_session_timeout: BULK_IDLE_IN_TRANSACTION_MS,
  });
  for (const p of [pool, bulkPool]) {
    // An idle client losing its connection must not crash the process.
    p.on("error", () => undefined);
    p.on("release", (error, client) => discardIfStuck(error, client));
  }
  guardCheckouts(pool, options.maxCheckoutMs ?? defaultMaxCheckoutMs(timeouts));
  // Bulk work holds a client for as long as a COPY takes: only dead connections are reclaimed.
  guardCheckouts(bulkPool, 0);
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
    bulkPool,
    url,
    timeouts,
    async close() {
      await prisma.$disconnect();
      // Idempotent: a pool may already be ended (a second close, or a test breaking it).
      await Promise.all([pool, bulkPool].map(async (p) => (p.ended || p.ending ? undefined : p.end())));
    },
  };
}

/** The parts of pg's Client this module relies on beyond its typings (pg 8.16). */
interface ClientInternals {
  activeQuery?: unknown;
}

/**
 * A client released while a query is still in flight (its client-side query_timeout fired,
 * the server never answered) cannot run anything until that answer comes. Ending it here
 * (synchronously sets `_ending`, so pg-pool drops it instead of keeping it idle; end()
 * destroys the socket because a query is active) makes the pool open a fresh connection.
 */
function discardIfStuck(error: Error | undefined, client: pg.PoolClient): void {
  if (error) return; // pg-pool removes and ends it already
  if ((client as unknown as ClientInternals).activeQuery) void client.end().catch(() => undefined);
}

/** How long a checked-out client whose connection died may wait for its holder to release it. */
const DEAD_CLIENT_GRACE_MS = 1_000;

/**
 * Makes sure checked-out clients come back. Measured with Prisma 6.19 and
 * @prisma/adapter-pg 7.10: when the connection of an interactive transaction dies (server
 * terminated it) or hangs (query read timeout), Prisma's rollback fails and it never
 * releases the client, so every such fault costs the pool one slot for ever (and
 * pool.end() then waits for ever). The guard force-releases, with an error (pg-pool then
 * ends and drops the client), a client whose connection ended and that its holder did not
 * release within a second, and a client held longer than `maxCheckoutMs`. The holder's own
 * later release() is then a no-op. It also gives every checked-out client an "error"
 * listener: without one, a connection error on a client held by raw SQL code would be an
 * unhandled "error" event and end the process.
 */
function guardCheckouts(pool: pg.Pool, maxCheckoutMs: number): void {
  interface Checkout {
    onDead: () => void;
    limitTimer: NodeJS.Timeout | undefined;
    deadTimer: NodeJS.Timeout | undefined;
  }
  const held = new Map<pg.PoolClient, Checkout>();
  const forceRelease = (client: pg.PoolClient, reason: string) => {
    if (!held.has(client)) return;
    const release = client.release.bind(client);
    client.release = () => undefined;
    release(new Error(reason));
  };
  pool.on("acquire", (client) => {
    const checkout: Checkout = {
      limitTimer: maxCheckoutMs > 0 ? setTimeout(() => forceRelease(client, `checked out for more than ${maxCheckoutMs} ms`), maxCheckoutMs).unref() : undefined,
      deadTimer: undefined,
      onDead: () => {
        checkout.deadTimer ??= setTimeout(() => forceRelease(client, "connection lost while checked out"), DEAD_CLIENT_GRACE_MS).unref();
      },
    };
    client.on("error", checkout.onDead);
    client.on("end", checkout.onDead);
    held.set(client, checkout);
  });
  pool.on("release", (_error, client) => {
    const checkout = held.get(client);
    if (!checkout) return;
    held.delete(client);
    clearTimeout(checkout.limitTimer);
    clearTimeout(checkout.deadTimer);
    client.removeListener("error", checkout.onDead);
    client.removeListener("end", checkout.onDead);
  });
}

/**
 * Whether the database is reachable and answering, for a readiness check: `select 1` on the
 * serving pool, bounded by `timeoutMs` whatever happens (a hung server, a pool whose
 * clients are all busy, an ended pool). Resolves false instead of throwing.
 */
export async function pingDatabase(db: Db, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  // pg reads query_timeout from the query config too (not in @types/pg's QueryConfig).
  const config: pg.QueryConfig & { query_timeout: number } = { text: "select 1", query_timeout: Math.max(1, timeoutMs) };
  const answered = db.pool.query(config).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([answered, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** SQLSTATEs that mean "not answering / went away", not "your statement is wrong". */
const UNAVAILABLE_SQLSTATES = new Set([
  "57014", // query_canceled: statement_timeout (or a cancel request)
  "57P01", // admin_shutdown (pg_terminate_backend, fast shutdown)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up, recovering)
  "57P05", // idle_session_timeout
  "25P03", // idle_in_transaction_session_timeout ended the session
  "53300", // too_many_connections
]);
/** Node socket errors on the way to the server. */
const UNAVAILABLE_SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** Prisma's codes for an unreachable or slow server (P2024: no pooled connection in time). */
const UNAVAILABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);
/** @prisma/adapter-pg's kinds for socket errors (convertDriverError). */
const UNAVAILABLE_ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);
/**
 * pg and pg-pool raise these as plain Errors (no code); Prisma rethrows them as they are
 * (with a clientVersion added) when the adapter does not recognise them. pg 8.16 wording.
 */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // "... unexpectedly", "... due to connection timeout"
  /^timeout exceeded when trying to connect$/, // pool: no free client within connectionTimeoutMillis
  /^Query read timeout$/, // client-side query_timeout
  /is not queryable$/, // "Client has encountered a connection error and is not queryable", "Client was closed ..."
];

/**
 * Whether `error` means the database did not answer (refused, reset, hung, timed out,
 * restarting, shut down) rather than a bug or a bad statement. Looks through `cause`
 * chains, AggregateError (node's connect tries every address) and Prisma's wrappers
 * (PrismaClientKnownRequestError.meta.driverAdapterError.cause, DriverAdapterError.cause),
 * as measured with Prisma 6.19 and @prisma/adapter-pg 7.10 (test/db/faults.test.ts).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (node: unknown, depth: number): boolean => {
    if (depth > 8 || node === null || typeof node !== "object" || seen.has(node)) return false;
    seen.add(node);
    if (node instanceof AppError) return node.code === "DATABASE_UNAVAILABLE" || visit(node.cause, depth + 1);
    const fields = node as { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: unknown; errors?: unknown };
    for (const code of [fields.code, fields.originalCode]) {
      if (typeof code !== "string") continue;
      if (UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
      if (UNAVAILABLE_SOCKET_CODES.has(code) || UNAVAILABLE_PRISMA_CODES.has(code)) return true;
    }
    if (typeof fields.kind === "string" && UNAVAILABLE_ADAPTER_KINDS.has(fields.kind)) return true;
    if (typeof fields.message === "string" && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(fields.message as string))) return true;
    const meta = fields.meta as { driverAdapterError?: unknown } | undefined;
    if (meta && typeof meta === "object" && visit(meta.driverAdapterError, depth + 1)) return true;
    if (Array.isArray(fields.errors) && fields.errors.some((inner) => visit(inner, depth + 1))) return true;
    return visit(fields.cause, depth + 1);
  };
  return visit(error, 0);
}

/**
 * The error to show a caller for an unavailable database: a fixed message (never the
 * connection URL, the SQL or the driver's text); the original stays in `cause` for logs.
 */
export function toDatabaseUnavailable(error: unknown): AppError {
  if (error instanceof AppError && error.code === "DATABASE_UNAVAILABLE" && error.message === DATABASE_UNAVAILABLE_MESSAGE) return error;
  return new AppError("DATABASE_UNAVAILABLE", DATABASE_UNAVAILABLE_MESSAGE, undefined, { cause: error });
}

export const DATABASE_UNAVAILABLE_MESSAGE = "the database did not answer in time; try again";

export interface ConnectOptions extends DbTimeouts {
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
  const db = openDb(url, {
    connectTimeoutMs: options.connectTimeoutMs,
    queryTimeoutMs: options.queryTimeoutMs,
    statementTimeoutMs: options.statementTimeoutMs,
    idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs,
  });
  let migrationsApplied: string[];
  try {
    // The bulk pool: a migration may rewrite a large table for longer than a request may take.
    migrationsApplied = await migrate(db.bulkPool);
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
