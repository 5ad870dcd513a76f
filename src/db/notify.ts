// PostgreSQL LISTEN/NOTIFY: the transport that keeps several API processes over one database
// in step (the policy, what a notice means, is src/services/replicaSync.ts).
//
// Sending: `publish` runs `select pg_notify(channel, payload)` on the serving pool, after the
// write it announces has committed; `notifyInTransaction` does the same inside a Prisma
// interactive transaction, so the notice is delivered if and only if the transaction commits
// (PostgreSQL queues NOTIFY until COMMIT and drops it on ROLLBACK).
//
// Receiving: `NotificationListener` holds one dedicated pg.Client, outside the pools, because
// LISTEN belongs to a session: a pooled connection would be handed to other queries, and the
// serving pool's statement and idle limits would end it. Notices arrive on that session while
// it is idle. When the session is lost (server restart, pg_terminate_backend, network), notices
// sent meanwhile are lost too, so the listener reconnects with exponential backoff and reports
// each reconnect: the receiver must then re-read what it may have missed. A connection that
// died without a FIN/RST (a vanished peer) is caught by TCP keep-alive and by a periodic
// `select 1` with a client-side timeout (the heartbeat).
import pg from "pg";
import type { Db } from "./client";

/** Channel of model activations: activateRun notifies it inside its transaction. */
export const RUNS_CHANNEL = "graphrec_runs";

/** application_name of the listening session (found in pg_stat_activity by operators and tests). */
export const LISTEN_APPLICATION_NAME = "graphrec-listen";

/** PostgreSQL refuses payloads of 8000 bytes or more; notices carry ids, never row contents. */
export const MAX_PAYLOAD_BYTES = 7_999;

/** Lower-case SQL identifiers only, so a channel never needs quoting rules beyond "…". */
const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

function checkChannel(channel: string): string {
  if (!CHANNEL_PATTERN.test(channel)) throw new RangeError(`notification channel ${JSON.stringify(channel)} must match ${CHANNEL_PATTERN}`);
  return channel;
}

function checkPayload(payload: string): string {
  const bytes = Buffer.byteLength(payload, "utf8");
  if (bytes > MAX_PAYLOAD_BYTES) throw new RangeError(`notification payload of ${bytes} bytes exceeds PostgreSQL's limit (${MAX_PAYLOAD_BYTES})`);
  return payload;
}

/** Sends one notice on the serving pool (its own implicit transaction: sent at once). */
export async function publish(db: Db, channel: string, payload: string): Promise<void> {
  // Raw pg, not Prisma: the notice is plumbing, not one of the statements a request makes.
  await db.pool.query("select pg_notify($1, $2)", [checkChannel(channel), checkPayload(payload)]);
}

/** The part of a Prisma transaction client this module needs. */
export interface RawExecutor {
  $executeRaw(query: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

/** Queues a notice in an open transaction: delivered when it commits, dropped if it rolls back. */
export async function notifyInTransaction(tx: RawExecutor, channel: string, payload: string): Promise<void> {
  await tx.$executeRaw`select pg_notify(${checkChannel(channel)}, ${checkPayload(payload)})`;
}

export interface ListenerOptions {
  url: string;
  channels: readonly string[];
  /** Called for every notice, in the order the server delivers them (commit order). */
  onNotice(channel: string, payload: string): void;
  /**
   * Called each time LISTEN is in place: `reconnect` is false the first time, true after a
   * lost session came back (notices may have been missed in between).
   */
  onListening?(info: { reconnect: boolean }): void;
  /** The session was lost or could not be opened; the listener keeps trying. */
  onError?(error: Error): void;
  applicationName?: string;
  /** First wait before reconnecting; doubles on each failure up to maxBackoffMs. Default 100 ms. */
  initialBackoffMs?: number;
  /** Default 5,000 ms. */
  maxBackoffMs?: number;
  /** How often the idle session is probed with `select 1`; 0: never. Default 15,000 ms. */
  heartbeatMs?: number;
  /** Opening the session, and each heartbeat, give up after this long. Default 3,000 ms. */
  timeoutMs?: number;
}

export class NotificationListener {
  private client: pg.Client | undefined;
  private closed = false;
  private everListened = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** The attempt in progress (start() and close() wait for it). */
  private connecting: Promise<void> | undefined;
  private readonly channels: readonly string[];
  /** Sessions opened, the first included. */
  connections = 0;

  constructor(private readonly options: ListenerOptions) {
    this.channels = options.channels.map(checkChannel);
  }

  /** True while a session with LISTEN on every channel is open. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Opens the session and resolves once LISTEN is in place, or once the first attempt
   * failed (then it keeps retrying in the background and `listening` stays false):
   * a database that is briefly away must not stop a server from starting.
   */
  async start(): Promise<void> {
    if (this.closed) throw new Error("the listener is closed");
    if (this.client || this.connecting) return this.connecting;
    await this.attempt();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.heartbeatTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }

  private attempt(): Promise<void> {
    const attempt = this.connectOnce().finally(() => {
      if (this.connecting === attempt) this.connecting = undefined;
    });
    this.connecting = attempt;
    return attempt;
  }

  private async connectOnce(): Promise<void> {
    const { options } = this;
    const timeoutMs = options.timeoutMs ?? 3_000;
    const client = new pg.Client({
      connectionString: options.url,
      application_name: options.applicationName ?? LISTEN_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: timeoutMs,
    });
    // Registered before connect: an error event without a listener would end the process.
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("the listening session ended")));
    // Registered before LISTEN, so that nothing delivered right after it is dropped.
    client.on("notification", (message) => {
      if (!this.closed) options.onNotice(message.channel, message.payload ?? "");
    });
    try {
      await client.connect();
      for (const channel of this.channels) await client.query(`listen ${client.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.failed(error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connections++;
    this.failures = 0;
    const reconnect = this.everListened;
    this.everListened = true;
    this.startHeartbeat(client);
    options.onListening?.({ reconnect });
  }

  /** The session went away: report it once, then reconnect after the backoff. */
  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return; // an old session, or one still connecting (its attempt fails on its own)
    this.client = undefined;
    clearInterval(this.heartbeatTimer);
    void client.end().catch(() => undefined);
    this.failed(error);
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
    const initial = this.options.initialBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5_000;
    const delay = Math.min(max, initial * 2 ** Math.min(this.failures, 20));
    this.failures++;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed) void this.attempt();
    }, delay);
    // Waiting to reconnect must not keep a process alive that is otherwise done.
    this.retryTimer.unref();
  }

  /**
   * A session whose peer vanished without closing it looks idle for ever: probe it. pg has no
   * per-query timeout on a plain client here, so the probe races a timer and, when the timer
   * wins, the socket is destroyed (the "error"/"end" handlers then reconnect).
   */
  private startHeartbeat(client: pg.Client): void {
    const every = this.options.heartbeatMs ?? 15_000;
    if (every <= 0) return;
    const timeoutMs = this.options.timeoutMs ?? 3_000;
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (this.client !== client) return;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the listening session did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      Promise.race([client.query("select 1"), timedOut])
        .catch((error: unknown) => {
          const stream = (client as unknown as ClientInternals).connection?.stream;
          stream?.destroy();
          this.lost(client, error instanceof Error ? error : new Error(String(error)));
        })
        .finally(() => clearTimeout(timer));
    }, every);
    this.heartbeatTimer.unref();
  }
}

/** The part of pg's Client internals the heartbeat relies on (pg 8.16). */
interface ClientInternals {
  connection?: { stream?: { destroy(): void } };
}
