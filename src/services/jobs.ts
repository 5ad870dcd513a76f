// Background jobs as every API process sees them: submitted into the database (table `jobs`)
// and the durable queue (pg-boss), run by whichever worker process fetches them
// (src/services/jobRunner.ts: `npm run worker`, or the worker inside `npm start`), listed,
// read and cancelled from any process. A restart loses nothing: the jobs are rows.
//
// Cancel: a QUEUED job is failed at once (errorCode CANCELLED) and its delivery dropped; a
// RUNNING one gets a flag its worker reads with its next progress report (≤ 1 s) and stops
// on, the job ending FAILED/CANCELLED shortly after; once the durable result exists
// (import committed, run stored) cancel answers CONFLICT.
//
// Orphans: every process with a JobManager runs the reaper every `reapIntervalMs`. A RUNNING
// job whose worker no longer holds its lease (the worker process died: kill -9, out of
// memory, lost machine) is failed with WORKER_LOST, its model run failed with it, so no job
// or run stays RUNNING for a worker that is gone; the served versions do not change.
// Deliveries are not retried: an admin (or the schedule) starts the training again.
import crypto from "node:crypto";
import type { Db } from "../db/client";
import { createJob, countUnfinishedJobs, finishJob, getJob, isJobOrphaned, listJobs, requestJobCancel, runningJobs, type JobKind, type JobRow, type JobStatus } from "../db/jobs";
import { failUnfinishedRun } from "../db/modelRuns";
import type { JobQueue } from "../db/queue";
import { createTrainingJobUnlessPending } from "../db/retrain";
import { AppError, NotFoundError } from "../errors";
import { resolveParams } from "../models/registry";
import { resolveActivation, type ActivationOptions } from "./activation";
import { resolveHoldout, type HoldoutOptions } from "./heldOut";
import { PeriodicTask } from "./periodicTask";

export type { JobKind, JobStatus };

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  /** admin, schedule (cron) or interactions (retrain after N new interactions). */
  trigger: string;
  progress: number;
  message: string | null;
  error: string | null;
  errorCode: string | null;
  result: Record<string, unknown> | null;
  modelRunId: number | null;
  /** host:pid of the worker process that ran it. */
  workerId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What an import job does (stored as the job's request). */
export interface ImportJobRequest {
  format: string;
  path: string;
  encoding?: string;
}

/** What a training job does (stored as the job's request). */
export interface TrainJobRequest {
  model: string;
  params: Record<string, unknown>;
  seed?: number;
  activate: boolean;
  /** How the finished run becomes the served version (default: always, when `activate`). */
  activation?: ActivationOptions;
  /** The held-out evaluation (default: on, K = 20). */
  holdout?: HoldoutOptions;
}

export interface JobLimits {
  /** Longest an import may run (default 1 hour). */
  importTimeLimitMs?: number;
  /** Longest a training may run, snapshot read included (default 4 hours). */
  trainTimeLimitMs?: number;
  /** After a stop, how long to wait for the work to wind down before reporting the job failed anyway (default 30 s). */
  stopGraceMs?: number;
}

export interface JobManagerOptions extends JobLimits {
  /** How often to look for jobs whose worker died (default 2 s; 0: never). */
  reapIntervalMs?: number;
  log?: (message: string) => void;
}

export const CANCELLED_MESSAGE = "cancelled by an admin";
export const WORKER_LOST_MESSAGE = "the worker process running it stopped (it exited, was killed or lost the database)";
export const DEFAULT_IMPORT_TIME_LIMIT_MS = 60 * 60_000;
export const DEFAULT_TRAIN_TIME_LIMIT_MS = 4 * 60 * 60_000;
export const DEFAULT_STOP_GRACE_MS = 30_000;

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    trigger: row.trigger,
    progress: row.progress,
    message: row.message,
    error: row.error,
    errorCode: row.errorCode,
    result: (row.result as Record<string, unknown> | null) ?? null,
    modelRunId: row.modelRunId,
    workerId: row.workerId,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export class JobManager {
  private readonly importTimeLimitMs: number;
  private readonly trainTimeLimitMs: number;
  private readonly stopGraceMs: number;
  private readonly reapIntervalMs: number;
  private readonly log: (message: string) => void;
  private readonly reaper: PeriodicTask;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    options: JobManagerOptions = {},
  ) {
    this.importTimeLimitMs = positive("importTimeLimitMs", options.importTimeLimitMs ?? DEFAULT_IMPORT_TIME_LIMIT_MS);
    this.trainTimeLimitMs = positive("trainTimeLimitMs", options.trainTimeLimitMs ?? DEFAULT_TRAIN_TIME_LIMIT_MS);
    this.stopGraceMs = positive("stopGraceMs", options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    this.reapIntervalMs = options.reapIntervalMs ?? 2_000;
    this.log = options.log ?? (() => undefined);
    this.reaper = new PeriodicTask(
      () => this.reap(),
      (error) => this.log(`job reaper: ${(error as Error).message}`),
    );
  }

  /** Starts the reaper (see the header). */
  start(): void {
    if (this.reapIntervalMs > 0) this.reaper.start(this.reapIntervalMs);
  }

  async stop(): Promise<void> {
    await this.reaper.stop();
  }

  async get(id: string): Promise<Job | null> {
    if (!isUuid(id)) return null;
    const row = await getJob(this.db, id);
    return row ? toJob(row) : null;
  }

  async list(limit: number, offset = 0): Promise<Job[]> {
    return (await listJobs(this.db, { take: limit, skip: offset })).map(toJob);
  }

  /** QUEUED and RUNNING jobs, over all processes. */
  pending(): Promise<number> {
    return countUnfinishedJobs(this.db);
  }

  /** Queues an import; the path was validated by the caller (validateImportRequest) and is checked again by the worker. */
  submitImport(request: ImportJobRequest, trigger = "admin"): Promise<Job> {
    return this.submit("IMPORT", { ...request }, trigger, this.importTimeLimitMs);
  }

  /** Validates the parameters at once (a bad parameter is the caller's error, not a failed job), then queues the training. */
  submitTraining(request: TrainJobRequest, trigger = "admin"): Promise<Job> {
    validateTraining(request);
    return this.submit("TRAIN", { ...request }, trigger, this.trainTimeLimitMs);
  }

  /**
   * Queues a training of `request.model` unless one is already queued or running (any
   * process): what schedules use, so that a slow training is not stacked up. Null when skipped.
   */
  async submitTrainingUnlessPending(request: TrainJobRequest, trigger: string): Promise<Job | null> {
    validateTraining(request);
    const id = crypto.randomUUID();
    if (!(await createTrainingJobUnlessPending(this.db, { id, kind: "TRAIN", request: { ...request }, trigger }, request.model))) return null;
    await this.enqueue(id, this.trainTimeLimitMs);
    return this.require(id);
  }

  /** See the header. Unknown id: NOT_FOUND; a finished job, or one whose result is already stored: CONFLICT. */
  async cancel(id: string): Promise<Job> {
    const row = isUuid(id) ? await getJob(this.db, id) : null;
    if (!row) throw new NotFoundError("job", id);
    if (row.status === "QUEUED") {
      const dropped = await finishJob(this.db, id, { status: "FAILED", message: "cancelled", error: CANCELLED_MESSAGE, errorCode: "CANCELLED" }, ["QUEUED"]);
      if (dropped) {
        await this.queue.cancel(id).catch((error: unknown) => this.log(`job ${id}: could not drop its queued delivery: ${(error as Error).message}`));
        return this.require(id);
      }
      // A worker claimed it meanwhile: cancel it as a running job.
    }
    if (await requestJobCancel(this.db, id)) return this.require(id);
    const now = await this.require(id);
    if (now.finishedAt !== null) throw new AppError("CONFLICT", `job ${id} has already finished (${now.status})`, { id });
    throw new AppError("CONFLICT", `job ${id} is storing its result and can no longer be cancelled`, { id });
  }

  /** One pass of the reaper; returns the ids of the jobs it failed. */
  async reap(): Promise<string[]> {
    const reaped: string[] = [];
    for (const job of await runningJobs(this.db)) {
      if (!(await isJobOrphaned(this.db, job.id))) continue;
      const failed = await finishJob(this.db, job.id, { status: "FAILED", message: "failed", error: WORKER_LOST_MESSAGE, errorCode: "WORKER_LOST" });
      if (!failed) continue; // it finished while we looked
      reaped.push(job.id);
      if (job.modelRunId !== null) await failUnfinishedRun(this.db, job.modelRunId, `interrupted: ${WORKER_LOST_MESSAGE}`);
      await this.queue.fail(job.id, WORKER_LOST_MESSAGE).catch(() => undefined);
      this.log(`job ${job.id} failed: ${WORKER_LOST_MESSAGE}`);
    }
    return reaped;
  }

  private async submit(kind: JobKind, request: Record<string, unknown>, trigger: string, limitMs: number): Promise<Job> {
    const id = crypto.randomUUID();
    const row = await createJob(this.db, { id, kind, request, trigger });
    await this.enqueue(id, limitMs);
    return toJob(row);
  }

  private async enqueue(id: string, limitMs: number): Promise<void> {
    try {
      // pg-boss fails a delivery nobody finished by then; the worker's own limit (plus its grace) comes first.
      await this.queue.send(id, (limitMs + this.stopGraceMs) / 1000 + 60);
    } catch (error) {
      await finishJob(this.db, id, { status: "FAILED", message: "failed", error: "could not be queued", errorCode: "INTERNAL" }, ["QUEUED"]).catch(() => undefined);
      throw error;
    }
    this.queue.wake();
  }

  private async require(id: string): Promise<Job> {
    const row = await getJob(this.db, id);
    if (!row) throw new NotFoundError("job", id);
    return toJob(row);
  }
}

/** Hyper-parameters, the holdout and the activation policy, checked before anything is queued. */
function validateTraining(request: TrainJobRequest): void {
  resolveParams(request.model, request.params);
  resolveActivation(request.activation, request.model, resolveHoldout(request.holdout));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Job ids are UUIDs; anything else is unknown (and never reaches a uuid column). */
function isUuid(id: string): boolean {
  return UUID.test(id);
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
