// Job records (table `jobs`): what admins see of imports and trainings, shared by every
// process on the database. pg-boss (src/db/queue.ts) only delivers job ids to workers; the
// state a job is in lives here, and each change is one conditional UPDATE so that two
// processes (a worker finishing, an admin cancelling, a reaper failing an orphan) cannot
// both win.
//
// Liveness: a worker holds a session-level advisory lock per job it runs, on a connection
// of its own (JobLeases). When the worker process dies (kill -9, out of memory, power
// loss), PostgreSQL ends its session and the lock is gone at once; any process that then
// finds a RUNNING job whose lock it can take knows the worker is dead (isJobOrphaned).
import os from "node:os";
import pg from "pg";
import type { Db } from "./client";
import type { Job as JobRow, JobKind, JobStatus } from "./generated/client";

export type { JobRow, JobKind, JobStatus };

export interface NewJob {
  id: string;
  kind: JobKind;
  request: Record<string, unknown>;
  trigger: string;
}

export async function createJob(db: Db, job: NewJob): Promise<JobRow> {
  return db.prisma.job.create({ data: { id: job.id, kind: job.kind, request: job.request as object, trigger: job.trigger, message: "queued" } });
}

export async function getJob(db: Db, id: string): Promise<JobRow | null> {
  return db.prisma.job.findUnique({ where: { id } });
}

export async function listJobs(db: Db, options: { take: number; skip?: number }): Promise<JobRow[]> {
  return db.prisma.job.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: options.take, skip: options.skip ?? 0 });
}

/** QUEUED and RUNNING jobs. */
export async function countUnfinishedJobs(db: Db): Promise<number> {
  return db.prisma.job.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });
}

/** Jobs by kind and status (for the metrics gauge). */
export async function countJobsByState(db: Db): Promise<{ kind: JobKind; status: JobStatus; count: number }[]> {
  const groups = await db.prisma.job.groupBy({ by: ["kind", "status"], _count: { _all: true } });
  return groups.map((group) => ({ kind: group.kind, status: group.status, count: group._count._all }));
}

/** QUEUED → RUNNING for `workerId`, unless it was cancelled meanwhile; the row, or null when not claimed. */
export async function claimJob(db: Db, id: string, workerId: string): Promise<JobRow | null> {
  const { count } = await db.prisma.job.updateMany({
    where: { id, status: "QUEUED", cancelRequested: false },
    data: { status: "RUNNING", startedAt: new Date(), workerId, message: "started" },
  });
  return count === 1 ? getJob(db, id) : null;
}

export interface JobProgress {
  progress: number;
  message: string | null;
  modelRunId: number | null;
}

/** Writes a running job's progress; answers whether an admin asked to cancel it (and whether it is still RUNNING). */
export async function reportJobProgress(db: Db, id: string, update: JobProgress): Promise<{ running: boolean; cancelRequested: boolean }> {
  const { rows } = await db.pool.query<{ cancel_requested: boolean }>(
    `update jobs set progress = $2, message = $3, model_run_id = coalesce($4, model_run_id), updated_at = now()
      where id = $1 and status = 'RUNNING' returning cancel_requested`,
    [id, update.progress, update.message, update.modelRunId],
  );
  return rows.length === 0 ? { running: false, cancelRequested: false } : { running: true, cancelRequested: rows[0].cancel_requested };
}

/**
 * The durable result exists: from now on the job cannot be cancelled (a cancel that came in
 * the same instant is ignored; the job reports what is stored). False when it is no longer RUNNING.
 */
export async function markJobFinishing(db: Db, id: string): Promise<boolean> {
  const { count } = await db.prisma.job.updateMany({ where: { id, status: "RUNNING" }, data: { finishing: true } });
  return count === 1;
}

export interface JobOutcome {
  status: "SUCCEEDED" | "FAILED";
  message: string;
  error?: string | null;
  errorCode?: string | null;
  result?: Record<string, unknown> | null;
  modelRunId?: number | null;
}

/** Ends a job that is still QUEUED or RUNNING (whoever ends it first wins); returns whether this call ended it. */
export async function finishJob(db: Db, id: string, outcome: JobOutcome, from: JobStatus[] = ["RUNNING"]): Promise<boolean> {
  const { count } = await db.prisma.job.updateMany({
    where: { id, status: { in: from } },
    data: {
      status: outcome.status,
      message: outcome.message,
      error: outcome.error ?? null,
      errorCode: outcome.errorCode ?? null,
      ...(outcome.result !== undefined ? { result: (outcome.result ?? undefined) as object | undefined } : {}),
      ...(outcome.modelRunId !== undefined && outcome.modelRunId !== null ? { modelRunId: outcome.modelRunId } : {}),
      ...(outcome.status === "SUCCEEDED" ? { progress: 1 } : {}),
      finishedAt: new Date(),
    },
  });
  return count === 1;
}

/** Asks the worker running job `id` to stop (it polls the flag with its progress). False when the job is not RUNNING or already finishing. */
export async function requestJobCancel(db: Db, id: string): Promise<boolean> {
  const { count } = await db.prisma.job.updateMany({ where: { id, status: "RUNNING", finishing: false }, data: { cancelRequested: true, message: "cancelling" } });
  return count === 1;
}

/**
 * Creates a QUEUED model run for training job `jobId` and records it on the job, in one
 * statement: no moment exists in which the run is unfinished but owned by no job (a process
 * starting then would fail it as interrupted; see failInterruptedRuns).
 */
export async function createJobRun(db: Db, jobId: string, model: string, params: Record<string, unknown>): Promise<number> {
  const { rows } = await db.pool.query<{ id: number }>(
    `with run as (insert into model_runs (model, params, status) values ($2, $3, 'QUEUED') returning id)
     update jobs set model_run_id = (select id from run), updated_at = now() where id = $1 returning (select id from run) as id`,
    [jobId, model, JSON.stringify(params)],
  );
  if (rows.length !== 1) throw new Error(`job ${jobId} vanished before its run could be created`);
  return rows[0].id;
}

export async function runningJobs(db: Db): Promise<Pick<JobRow, "id" | "modelRunId">[]> {
  return db.prisma.job.findMany({ where: { status: "RUNNING" }, select: { id: true, modelRunId: true } });
}

// Arbitrary constant: the first key of the two-key advisory locks that mark a job's worker alive.
const JOB_LEASE_NAMESPACE = 7_243_912;
const LOCK_SQL = "select pg_try_advisory_lock($1, hashtext($2)) as locked";
const UNLOCK_SQL = "select pg_advisory_unlock($1, hashtext($2)) as unlocked";

/** "host:pid", the worker id recorded on the jobs a process runs. */
export function processWorkerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

/**
 * The advisory locks of the jobs this process runs, on one dedicated connection. If that
 * connection breaks, the locks are gone and other processes would take the jobs for
 * orphans: `onLost` is called so that the process stops those jobs itself.
 */
export class JobLeases {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;

  constructor(
    private readonly url: string,
    private readonly onLost: (error: Error) => void,
  ) {}

  /** Takes job `id`'s lease; false when another live session holds it. */
  async acquire(id: string): Promise<boolean> {
    const client = await this.connection();
    const { rows } = await client.query<{ locked: boolean }>(LOCK_SQL, [JOB_LEASE_NAMESPACE, id]);
    return rows[0].locked;
  }

  async release(id: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    await client.query(UNLOCK_SQL, [JOB_LEASE_NAMESPACE, id]).catch(() => undefined);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.connecting = undefined;
    await client?.end().catch(() => undefined);
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.url, application_name: "graphrec-job-lease", connectionTimeoutMillis: 5_000, keepAlive: true });
      client.on("error", (error) => {
        if (this.client !== client) return;
        this.client = undefined;
        this.connecting = undefined;
        this.onLost(error);
      });
      try {
        await client.connect();
      } catch (error) {
        this.connecting = undefined;
        throw error;
      }
      this.client = client;
      return client;
    })();
    return this.connecting;
  }
}

/** Whether no live session holds job `id`'s lease (its worker is gone). Briefly takes the lease itself to find out. */
export async function isJobOrphaned(db: Db, id: string): Promise<boolean> {
  const client = await db.pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>(LOCK_SQL, [JOB_LEASE_NAMESPACE, id]);
    if (!rows[0].locked) return false;
    await client.query(UNLOCK_SQL, [JOB_LEASE_NAMESPACE, id]);
    return true;
  } finally {
    client.release();
  }
}
