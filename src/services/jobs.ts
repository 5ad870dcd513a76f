// Background jobs for the admin mutations. One queue, one job at a time (a 2-core machine
// gains nothing from parallel training, and imports must not interleave). Imports run on
// the main thread (they mostly wait on COPY); training runs in a worker thread. Job state
// lives in this process; model runs (the durable result) are in the database.
//
// Every job can be stopped: by an admin (cancel) or by its time limit. A queued job is just
// dropped. A running import is aborted through the AbortSignal it was given (the import
// rolls back); a running training's worker is terminated and its model run marked FAILED
// here, since the worker cannot do it any more. A worker that dies by itself (crash, out of
// memory) leaves its run FAILED too. Once the durable result exists (import committed,
// training reported done) a job can no longer be stopped: cancel answers CONFLICT.
// If stopped work does not wind down within `stopGraceMs` (an import stuck on a database
// that stopped answering), the job is reported failed anyway and the queue moves on.
// Job errors are meant for the admin API: typed errors keep their messages (the data
// layer's messages quote at most a short excerpt of input); anything else is cut to one
// line without connection strings, and an unreachable database reads DATABASE_UNAVAILABLE.
import crypto from "node:crypto";
import { Worker, type ResourceLimits } from "node:worker_threads";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, type Db } from "../db/client";
import { failUnfinishedRun, getRun, readArtifact } from "../db/modelRuns";
import { AppError, isAppError, NotFoundError } from "../errors";
import { resolveParams } from "../models/registry";
import { importDataset, type ImportRequest } from "./importService";
import type { RecommenderService } from "./recommender";
import { createTrainingRun } from "./training";
import type { TrainingWorkerInput, TrainingWorkerMessage } from "./trainingWorker";

export type JobKind = "IMPORT" | "TRAIN";
export type JobStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED";

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  progress: number;
  message: string | null;
  error: string | null;
  errorCode: string | null;
  result: Record<string, unknown> | null;
  modelRunId: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobManagerOptions {
  /** Longest an import may run (default 1 hour). */
  importTimeLimitMs?: number;
  /** Longest a training may run, snapshot read included (default 4 hours). */
  trainTimeLimitMs?: number;
  /** After a stop, how long to wait for the work to wind down before reporting the job failed anyway (default 30 s). */
  stopGraceMs?: number;
  /**
   * Heap limits of the training worker thread (node's Worker resourceLimits): a training that
   * outgrows them dies alone (ERR_WORKER_OUT_OF_MEMORY, run FAILED) instead of taking the
   * server with it. Default: node's defaults.
   */
  trainWorkerResourceLimits?: ResourceLimits;
  /** Called once when a job has finished (SUCCEEDED or FAILED), e.g. to count it; errors it throws are ignored. */
  onJobFinished?: (job: Job) => void;
}

/**
 * Further ImportRequest fields the API layer passes through (e.g. `importRoots`); the job
 * manager forwards them to importDataset without interpreting them.
 */
export type ImportExtras = Omit<ImportRequest, "format" | "path" | "encoding" | "onProgress" | "signal">;

export const CANCELLED_MESSAGE = "cancelled by an admin";

const KEEP_FINISHED = 200;
const DEFAULT_IMPORT_TIME_LIMIT_MS = 60 * 60_000;
const DEFAULT_TRAIN_TIME_LIMIT_MS = 4 * 60 * 60_000;
const DEFAULT_STOP_GRACE_MS = 30_000;
/** Longest job error message for errors that are not typed (AppError). */
const MAX_UNTYPED_ERROR = 300;

type StopCode = "CANCELLED" | "TIME_LIMIT";

/** The stop reason, thrown into the work so that it ends with it. */
class JobStopped extends AppError {
  constructor(code: StopCode, message: string) {
    super(code, message);
  }
}

/** What the manager keeps per unfinished job to stop it. */
interface Control {
  abort: AbortController;
  /** Set by stop(): why the job ends. */
  stopped: JobStopped | undefined;
  /** The durable result exists: the job can no longer be stopped. */
  finishing: boolean;
  /** Stops running work beyond the abort signal (terminates a training worker). */
  halt: (() => void) | undefined;
  /** Rejects `stopGraceMs` after a stop, for work that does not wind down. */
  gaveUp: Promise<never>;
  giveUp: (reason: JobStopped) => void;
  graceTimer: NodeJS.Timeout | undefined;
}

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private readonly controls = new Map<string, Control>();
  private queue: Promise<void> = Promise.resolve();
  private readonly importTimeLimitMs: number;
  private readonly trainTimeLimitMs: number;
  private readonly stopGraceMs: number;
  private readonly trainWorkerResourceLimits: ResourceLimits | undefined;
  private readonly onJobFinished: ((job: Job) => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly recommender: RecommenderService,
    private readonly log: (message: string) => void = () => undefined,
    /** Called after an import changed the catalogue (clears caches of item rows). */
    private readonly onCatalogChanged: () => void = () => undefined,
    options: JobManagerOptions = {},
  ) {
    this.importTimeLimitMs = positive("importTimeLimitMs", options.importTimeLimitMs ?? DEFAULT_IMPORT_TIME_LIMIT_MS);
    this.trainTimeLimitMs = positive("trainTimeLimitMs", options.trainTimeLimitMs ?? DEFAULT_TRAIN_TIME_LIMIT_MS);
    this.stopGraceMs = positive("stopGraceMs", options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
    this.trainWorkerResourceLimits = options.trainWorkerResourceLimits;
    this.onJobFinished = options.onJobFinished;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  list(limit: number): Job[] {
    return [...this.jobs.values()].reverse().slice(0, limit);
  }

  pending(): number {
    return [...this.jobs.values()].filter((job) => job.status === "QUEUED" || job.status === "RUNNING").length;
  }

  /** Resolves when every job queued so far has finished. */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Stops job `id`: a queued job is dropped at once (FAILED, errorCode CANCELLED); a running
   * one is asked to stop and ends FAILED/CANCELLED shortly (the returned job is still
   * RUNNING then; `idle()` or polling shows the end). Unknown id: NotFoundError; a finished
   * job, or one whose result is already stored: CONFLICT.
   */
  cancel(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new NotFoundError("job", id);
    const control = this.controls.get(id);
    if (job.finishedAt !== null || !control) throw new AppError("CONFLICT", `job ${id} has already finished (${job.status})`, { id });
    if (control.finishing) throw new AppError("CONFLICT", `job ${id} is storing its result and can no longer be cancelled`, { id });
    if (control.stopped) return job; // a second cancel, or the time limit came first
    if (job.status === "QUEUED") {
      this.finish(job, "FAILED", "cancelled");
      job.error = CANCELLED_MESSAGE;
      job.errorCode = "CANCELLED";
      this.controls.delete(id);
      return job;
    }
    this.stop(job, control, new JobStopped("CANCELLED", CANCELLED_MESSAGE));
    return job;
  }

  /** `extras` are handed to importDataset as they are (see ImportExtras). */
  startImport(format: string, path: string, encoding?: string, extras: ImportExtras = {}): Job {
    return this.enqueue("IMPORT", async (job, control) => {
      const summary = await importDataset(this.db, {
        ...extras,
        format,
        path,
        encoding,
        signal: control.abort.signal,
        onProgress: ({ phase, bytesDone, bytesTotal }) => {
          if (control.stopped) return;
          job.progress = bytesTotal > 0 ? (0.9 * bytesDone) / bytesTotal : 0;
          job.message = `${phase}: ${(bytesDone / 1048576).toFixed(1)}/${(bytesTotal / 1048576).toFixed(1)} MB`;
        },
      });
      // Committed: from here on the job completes whatever happens.
      control.finishing = true;
      if (job.finishedAt !== null) {
        // Reported stopped after the grace period, yet it committed: serve the new data, leave the job as reported.
        this.log(`job ${job.id}: the import committed after it was reported stopped (import ${summary.importId})`);
        await this.recommender.refreshCatalog();
        this.onCatalogChanged();
        return;
      }
      job.message = "refreshing the served catalogue";
      await this.recommender.refreshCatalog();
      this.onCatalogChanged();
      job.result = { ...summary };
    });
  }

  /** Validates the request at once (a bad parameter is the caller's error, not a failed job). */
  startTraining(model: string, params: Record<string, unknown>, seed: number | undefined, activate: boolean): Job {
    resolveParams(model, params);
    return this.enqueue("TRAIN", (job, control) => this.train(job, control, { databaseUrl: this.db.url, model, params, seed, activate }));
  }

  private async train(job: Job, control: Control, input: TrainingWorkerInput): Promise<void> {
    // The run exists before the worker does, so whatever becomes of the worker, the run can be failed here.
    const created = await createTrainingRun(this.db, input.model, input.params, input.seed);
    const runId = created.id;
    job.modelRunId = runId;
    let outcome: Extract<TrainingWorkerMessage, { type: "done" }>;
    try {
      if (control.stopped) throw control.stopped; // stopped while the run was being created
      outcome = await this.runWorker(job, control, { ...input, runId });
    } catch (error) {
      // The worker could not record the end of its run (never started, terminated, crashed):
      // do it here. A run the worker reported failed itself is left as it wrote it.
      if (!(error instanceof WorkerReportedError)) {
        const message = control.stopped ? control.stopped.message : untypedMessage(error);
        const failed = await failUnfinishedRun(this.db, runId, message).catch((dbError: unknown) => {
          this.log(`job ${job.id}: could not mark model run ${runId} failed: ${untypedMessage(dbError)}`);
          return true;
        });
        if (!failed && control.stopped) {
          // The run finished before the stop took effect: the job reports what is stored.
          const run = await getRun(this.db, runId);
          if (run?.status === "SUCCEEDED") {
            this.log(`job ${job.id}: model run ${runId} finished before the stop took effect`);
            control.stopped = undefined;
            await this.finishTraining(job, runId, { trainSeconds: run.trainSeconds ?? 0, epochs: epochsOf(run.metrics) });
            return;
          }
        }
      }
      throw error instanceof WorkerReportedError ? error.original : error;
    }
    await this.finishTraining(job, outcome.runId, outcome);
  }

  private async finishTraining(job: Job, runId: number, outcome: { trainSeconds: number; epochs: number }): Promise<void> {
    job.modelRunId = runId;
    const run = await getRun(this.db, runId);
    if (run?.active) {
      job.message = "swapping in the new version";
      this.recommender.install(run, await readArtifact(this.db, run.id));
    }
    job.result = { runId, trainSeconds: outcome.trainSeconds, epochs: outcome.epochs, activated: run?.active ?? false };
  }

  /** Runs the training worker; settles when it reported done (resolve) or failed, or ended without a word (reject). */
  private runWorker(job: Job, control: Control, input: TrainingWorkerInput): Promise<Extract<TrainingWorkerMessage, { type: "done" }>> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL("./trainingWorker.bootstrap.mjs", import.meta.url), {
        workerData: input,
        ...(this.trainWorkerResourceLimits ? { resourceLimits: this.trainWorkerResourceLimits } : {}),
      });
      let settled = false;
      const settle = (outcome: { done: Extract<TrainingWorkerMessage, { type: "done" }> } | { error: unknown }) => {
        if (settled) return;
        settled = true;
        control.halt = undefined;
        if ("done" in outcome) resolve(outcome.done);
        else reject(outcome.error);
      };
      control.halt = () => {
        // The run row is failed by train() once the worker is gone.
        void worker.terminate();
      };
      worker.on("message", (message: TrainingWorkerMessage) => {
        if (settled) return;
        if (message.type === "run") job.modelRunId = message.runId;
        else if (message.type === "progress") {
          if (control.stopped) return;
          job.progress = message.epochs > 0 ? Math.min(0.95, message.epoch / message.epochs) : job.progress;
          const loss = message.loss !== undefined ? `, loss ${message.loss.toPrecision(4)}` : "";
          const validation = message.validation ? `, ${Object.entries(message.validation).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}` : "";
          job.message = message.message ?? `epoch ${message.epoch}/${message.epochs}${loss}${validation}`;
        } else if (message.type === "done") {
          // Stored (and activated when asked): too late to stop.
          control.finishing = true;
          settle({ done: message });
        } else {
          settle({ error: new WorkerReportedError(Object.assign(new Error(message.message), { code: message.code })) });
        }
      });
      // An uncaught exception in the worker, or ERR_WORKER_OUT_OF_MEMORY.
      worker.on("error", (error) => settle({ error: new Error(`training worker crashed: ${untypedMessage(error)}`) }));
      worker.on("exit", (code) => {
        settle({ error: control.stopped ?? new Error(`training worker exited with code ${code}`) });
      });
    });
  }

  private enqueue(kind: JobKind, work: (job: Job, control: Control) => Promise<void>): Job {
    const job: Job = {
      id: crypto.randomUUID(),
      kind,
      status: "QUEUED",
      progress: 0,
      message: "queued",
      error: null,
      errorCode: null,
      result: null,
      modelRunId: null,
      createdAt: new Date(),
      startedAt: null,
      finishedAt: null,
    };
    let giveUp: (reason: JobStopped) => void = () => undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      giveUp = reject;
    });
    // Only ever awaited through Promise.race; keeps a rejection after the race from being "unhandled".
    gaveUp.catch(() => undefined);
    const control: Control = { abort: new AbortController(), stopped: undefined, finishing: false, halt: undefined, gaveUp, giveUp, graceTimer: undefined };
    this.jobs.set(job.id, job);
    this.controls.set(job.id, control);
    this.prune();
    this.queue = this.queue.then(() => this.execute(job, control, work));
    return job;
  }

  private async execute(job: Job, control: Control, work: (job: Job, control: Control) => Promise<void>): Promise<void> {
    if (job.status !== "QUEUED") return; // cancelled while it waited
    job.status = "RUNNING";
    job.startedAt = new Date();
    const limitMs = job.kind === "IMPORT" ? this.importTimeLimitMs : this.trainTimeLimitMs;
    const what = job.kind === "IMPORT" ? "import" : "training";
    const limitTimer = setTimeout(() => {
      if (!control.finishing && !control.stopped) {
        this.stop(job, control, new JobStopped("TIME_LIMIT", `stopped by the time limit: a ${what} may run for at most ${formatDuration(limitMs)}`));
      }
    }, limitMs);
    limitTimer.unref();
    try {
      await Promise.race([work(job, control), control.gaveUp]);
      this.finish(job, "SUCCEEDED", "done");
      job.progress = 1;
    } catch (error) {
      const { code, message } = control.stopped ?? describeFailure(error);
      this.finish(job, "FAILED", control.stopped ? (control.stopped.code === "CANCELLED" ? "cancelled" : "stopped by the time limit") : "failed");
      job.error = message;
      job.errorCode = code;
      this.log(`job ${job.id} (${job.kind}) failed: ${message}${control.stopped ? "" : ` [${untypedMessage(error)}]`}`);
    } finally {
      clearTimeout(limitTimer);
      clearTimeout(control.graceTimer);
      this.controls.delete(job.id);
    }
  }

  private stop(job: Job, control: Control, reason: JobStopped): void {
    control.stopped = reason;
    job.message = reason.code === "CANCELLED" ? "cancelling" : "stopping: time limit reached";
    control.abort.abort(reason);
    control.halt?.();
    control.graceTimer = setTimeout(() => {
      this.log(`job ${job.id} (${job.kind}): the work did not stop within ${formatDuration(this.stopGraceMs)}; reporting it stopped anyway`);
      control.giveUp(reason);
    }, this.stopGraceMs);
    control.graceTimer.unref();
  }

  private finish(job: Job, status: "SUCCEEDED" | "FAILED", message: string): void {
    job.status = status;
    job.message = message;
    job.finishedAt = new Date();
    try {
      this.onJobFinished?.(job);
    } catch {
      // an observer's failure is not the job's
    }
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((job) => job.finishedAt !== null);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.id);
  }
}

/** A failure the training worker reported itself (it has already marked its run FAILED). */
class WorkerReportedError extends Error {
  constructor(readonly original: Error & { code?: string }) {
    super(original.message);
  }
}

/** Code and message a job shows for a failure (see the header). */
function describeFailure(error: unknown): { code: string; message: string } {
  if (isDatabaseUnavailable(error)) return { code: "DATABASE_UNAVAILABLE", message: DATABASE_UNAVAILABLE_MESSAGE };
  if (isAppError(error)) return { code: error.code, message: error.message };
  const code = (error as { code?: unknown } | null)?.code;
  return { code: typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : "INTERNAL", message: untypedMessage(error) };
}

/** First line, connection strings blanked, at most MAX_UNTYPED_ERROR characters. */
function untypedMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const line =
    raw
      .split("\n")
      .map((part) => part.trim())
      .find((part) => part !== "") ?? "unknown error";
  const clean = line.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>");
  return clean.length > MAX_UNTYPED_ERROR ? `${clean.slice(0, MAX_UNTYPED_ERROR)}…` : clean;
}

function epochsOf(metrics: unknown): number {
  const epochs = (metrics as { epochs?: unknown } | null)?.epochs;
  return typeof epochs === "number" ? epochs : 0;
}

/** "250 ms", "90 s", "2 min", "1 h", "1 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}
