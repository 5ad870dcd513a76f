// Runs the jobs the queue delivers, one at a time per process: `npm run worker` (any number
// of processes, on any machine that reaches the database) and, by default, inside
// `npm start`. Imports run on the main thread (they mostly wait on COPY); trainings run in
// a worker thread, so the process keeps answering (progress, cancel, the API when it is
// in-process) while a model fits.
//
// While it runs a job the runner holds the job's lease (src/db/jobs.ts) and writes the job's
// progress every `progressIntervalMs`; the same write reads the cancel flag. A job stops on
// cancel, on its time limit, or when this process shuts down; a stopped import rolls back,
// a stopped training's run is marked FAILED. Work that does not wind down within
// `stopGraceMs` (an import stuck on a database that stopped answering) is reported failed
// anyway. Job errors are meant for the admin API: typed errors keep their messages (the
// data layer quotes at most a short excerpt of input); anything else is cut to one line
// without connection strings, and an unreachable database reads DATABASE_UNAVAILABLE.
import { Worker, type ResourceLimits } from "node:worker_threads";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, type Db } from "../db/client";
import { claimJob, finishJob, JobLeases, markJobFinishing, processWorkerId, reportJobProgress, type JobOutcome } from "../db/jobs";
import { failUnfinishedRun, getRun, readArtifact, type ModelRun } from "../db/modelRuns";
import type { JobDelivery, JobQueue } from "../db/queue";
import { AppError, isAppError } from "../errors";
import type { ImportSummary } from "../db/bulkImport";
import { importDataset } from "./importService";
import {
  CANCELLED_MESSAGE,
  DEFAULT_IMPORT_TIME_LIMIT_MS,
  DEFAULT_STOP_GRACE_MS,
  DEFAULT_TRAIN_TIME_LIMIT_MS,
  toJob,
  type ImportJobRequest,
  type Job,
  type JobLimits,
  type TrainJobRequest,
} from "./jobs";
import { createTrainingRun } from "./training";
import type { TrainingWorkerInput, TrainingWorkerMessage } from "./trainingWorker";

export interface JobRunnerHooks {
  /** After an import committed (refresh the served catalogue, tell the replicas). */
  onImported?: (summary: ImportSummary) => Promise<void>;
  /** After a training stored its run, before the job is reported done (the API process swaps an activated run in here). */
  onRunStored?: (run: ModelRun, artifact: () => Promise<Uint8Array>) => Promise<void>;
  /** Once per finished job (metrics); errors it throws are ignored. */
  onJobFinished?: (job: Job, seconds: number) => void;
}

export interface JobRunnerOptions extends JobLimits {
  /** importDataset reads only under these folders (this process's IMPORT_ROOT). */
  importRoots: readonly string[];
  /** How often a running job's progress is written and its cancel flag read (default 500 ms). */
  progressIntervalMs?: number;
  /** A training estimated to need more memory than this (bytes) is refused before it fits (MEMORY_LIMIT; config jobs.trainMemoryLimitBytes). */
  trainMemoryLimitBytes?: number;
  /** Heap limits of the training worker thread: a training that outgrows them dies alone (run FAILED). */
  trainWorkerResourceLimits?: ResourceLimits;
  log?: (message: string) => void;
}

type StopCode = "CANCELLED" | "TIME_LIMIT" | "SHUTDOWN" | "WORKER_LOST";

/** The stop reason, thrown into the work so that it ends with it. */
class JobStopped extends AppError {
  constructor(code: StopCode, message: string) {
    super(code, message);
  }
}

/** What the runner keeps per running job to stop it. */
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

interface Running {
  job: Job;
  control: Control;
  done: Promise<void>;
}

/** Longest job error message for errors that are not typed (AppError). */
const MAX_UNTYPED_ERROR = 300;

export class JobRunner {
  readonly workerId = processWorkerId();
  private readonly leases: JobLeases;
  private readonly importTimeLimitMs: number;
  private readonly trainTimeLimitMs: number;
  private readonly stopGraceMs: number;
  private readonly progressIntervalMs: number;
  private readonly log: (message: string) => void;
  private running: Running | undefined;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly options: JobRunnerOptions,
    private readonly hooks: JobRunnerHooks = {},
  ) {
    this.importTimeLimitMs = options.importTimeLimitMs ?? DEFAULT_IMPORT_TIME_LIMIT_MS;
    this.trainTimeLimitMs = options.trainTimeLimitMs ?? DEFAULT_TRAIN_TIME_LIMIT_MS;
    this.stopGraceMs = options.stopGraceMs ?? DEFAULT_STOP_GRACE_MS;
    this.progressIntervalMs = options.progressIntervalMs ?? 500;
    this.log = options.log ?? (() => undefined);
    this.leases = new JobLeases(db.url, (error) => {
      // Our leases are gone: other processes will fail our jobs as orphans. Stop them here too.
      this.log(`job lease connection lost: ${untypedMessage(error)}`);
      this.stopCurrent("WORKER_LOST", "this worker lost its database connection");
    });
  }

  /** Starts fetching jobs. */
  async start(): Promise<void> {
    await this.queue.work((delivery) => this.handle(delivery));
  }

  /** The job this process is running now. */
  current(): Job | undefined {
    return this.running?.job;
  }

  /** Stops fetching, stops the running job (it ends FAILED/SHUTDOWN), waits for it to wind down. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.stopWorking();
    this.stopCurrent("SHUTDOWN", "stopped: the worker process shut down");
    await this.running?.done;
    await this.leases.close();
  }

  private stopCurrent(code: StopCode, message: string): void {
    const running = this.running;
    if (running && !running.control.finishing && !running.control.stopped) this.stop1(running, new JobStopped(code, message));
  }

  private async handle({ jobId }: JobDelivery): Promise<void> {
    if (this.stopping) throw new Error("the worker is shutting down");
    // Lease first, then claim: a RUNNING job without a held lease is an orphan to every reaper.
    if (!(await this.leases.acquire(jobId))) return; // another live process has it
    try {
      const row = await claimJob(this.db, jobId, this.workerId);
      if (!row) return; // cancelled before it started, or already taken
      const job = toJob(row);
      let settle: () => void = () => undefined;
      const running: Running = { job, control: newControl(), done: new Promise((resolve) => (settle = resolve)) };
      this.running = running;
      try {
        await this.execute(running, row.request as Record<string, unknown>);
      } finally {
        this.running = undefined;
        settle();
      }
    } finally {
      await this.leases.release(jobId);
    }
  }

  private async execute(running: Running, request: Record<string, unknown>): Promise<void> {
    const { job, control } = running;
    const started = performance.now();
    const limitMs = job.kind === "IMPORT" ? this.importTimeLimitMs : this.trainTimeLimitMs;
    const what = job.kind === "IMPORT" ? "import" : "training";
    const limitTimer = setTimeout(() => {
      if (!control.finishing && !control.stopped) {
        this.stop1(running, new JobStopped("TIME_LIMIT", `stopped by the time limit: a ${what} may run for at most ${formatDuration(limitMs)}`));
      }
    }, limitMs);
    limitTimer.unref();
    const reporter = setInterval(() => void this.report(running), this.progressIntervalMs);
    reporter.unref();
    let outcome: JobOutcome;
    try {
      const work = job.kind === "IMPORT" ? this.runImport(running, request as unknown as ImportJobRequest) : this.runTraining(running, request as unknown as TrainJobRequest);
      await Promise.race([work, control.gaveUp]);
      outcome = { status: "SUCCEEDED", message: "done", result: job.result, modelRunId: job.modelRunId };
    } catch (error) {
      const stop = control.stopped;
      const { code, message } = stop ?? describeFailure(error);
      const status = stop ? { CANCELLED: "cancelled", TIME_LIMIT: "stopped by the time limit", SHUTDOWN: "stopped", WORKER_LOST: "stopped" }[stop.code as StopCode] : "failed";
      outcome = { status: "FAILED", message: status, error: message, errorCode: code, modelRunId: job.modelRunId };
      this.log(`job ${job.id} (${job.kind}) failed: ${message}${stop ? "" : ` [${untypedMessage(error)}]`}`);
    } finally {
      clearTimeout(limitTimer);
      clearInterval(reporter);
      clearTimeout(control.graceTimer);
    }
    const ended = await finishJob(this.db, job.id, outcome).catch((error: unknown) => {
      this.log(`job ${job.id}: could not record its end: ${untypedMessage(error)}`);
      return false;
    });
    if (!ended) this.log(`job ${job.id}: another process had already ended it (reaped as an orphan?); its outcome here: ${outcome.status}`);
    Object.assign(job, { status: outcome.status, message: outcome.message, error: outcome.error ?? null, errorCode: outcome.errorCode ?? null, finishedAt: new Date() });
    if (outcome.status === "SUCCEEDED") job.progress = 1;
    try {
      this.hooks.onJobFinished?.(job, (performance.now() - started) / 1000);
    } catch {
      // an observer's failure is not the job's
    }
  }

  /** Writes progress; stops the job when an admin asked to cancel it or when it is no longer ours. */
  private async report(running: Running): Promise<void> {
    const { job, control } = running;
    if (control.stopped) return;
    try {
      const state = await reportJobProgress(this.db, job.id, { progress: job.progress, message: job.message, modelRunId: job.modelRunId });
      if (control.stopped || control.finishing) return;
      if (state.cancelRequested) this.stop1(running, new JobStopped("CANCELLED", CANCELLED_MESSAGE));
      else if (!state.running) this.stop1(running, new JobStopped("WORKER_LOST", "another process ended this job"));
    } catch {
      // A missed report is retried at the next tick; the database being away is the work's problem.
    }
  }

  private async markFinishing(running: Running): Promise<void> {
    running.control.finishing = true;
    await markJobFinishing(this.db, running.job.id).catch(() => undefined);
  }

  private async runImport(running: Running, request: ImportJobRequest): Promise<void> {
    const { job, control } = running;
    const summary = await importDataset(this.db, {
      format: request.format,
      path: request.path,
      encoding: request.encoding,
      importRoots: this.options.importRoots,
      signal: control.abort.signal,
      onProgress: ({ phase, bytesDone, bytesTotal }) => {
        if (control.stopped) return;
        job.progress = bytesTotal > 0 ? (0.9 * bytesDone) / bytesTotal : 0;
        job.message = `${phase}: ${(bytesDone / 1048576).toFixed(1)}/${(bytesTotal / 1048576).toFixed(1)} MB`;
      },
    });
    // Committed: from here on the job completes whatever happens.
    await this.markFinishing(running);
    job.message = "refreshing the served catalogue";
    await this.hooks.onImported?.(summary);
    job.result = { ...summary };
  }

  private async runTraining(running: Running, request: TrainJobRequest): Promise<void> {
    const { job, control } = running;
    // The run exists before the thread does, so whatever becomes of the thread, the run can be failed here.
    const run = await createTrainingRun(this.db, request.model, request.params, request.seed, job.id);
    job.modelRunId = run.id;
    const input: TrainingWorkerInput = {
      databaseUrl: this.db.url,
      model: request.model,
      params: request.params,
      seed: request.seed,
      activate: request.activate,
      activation: request.activation,
      holdout: request.holdout,
      runId: run.id,
      memoryLimitBytes: this.options.trainMemoryLimitBytes,
    };
    let outcome: Extract<TrainingWorkerMessage, { type: "done" }>;
    try {
      if (control.stopped) throw control.stopped; // stopped while the run was being created
      outcome = await this.runThread(running, input);
    } catch (error) {
      // The thread could not record the end of its run (never started, terminated, crashed):
      // do it here. A run the thread reported failed itself is left as it wrote it.
      if (!(error instanceof WorkerReportedError)) {
        const message = control.stopped ? control.stopped.message : untypedMessage(error);
        const failed = await failUnfinishedRun(this.db, run.id, message).catch((dbError: unknown) => {
          this.log(`job ${job.id}: could not mark model run ${run.id} failed: ${untypedMessage(dbError)}`);
          return true;
        });
        if (!failed && control.stopped) {
          // The run finished before the stop took effect: the job reports what is stored.
          const stored = await getRun(this.db, run.id);
          if (stored?.status === "SUCCEEDED") {
            this.log(`job ${job.id}: model run ${run.id} finished before the stop took effect`);
            control.stopped = undefined;
            await this.finishTraining(running, stored, { trainSeconds: stored.trainSeconds ?? 0, epochs: epochsOf(stored.metrics) });
            return;
          }
        }
      }
      throw error instanceof WorkerReportedError ? error.original : error;
    }
    const stored = await getRun(this.db, outcome.runId);
    if (!stored) throw new AppError("INTERNAL", `model run ${outcome.runId} vanished after training`);
    await this.finishTraining(running, stored, outcome);
  }

  private async finishTraining(running: Running, run: ModelRun, outcome: { trainSeconds: number; epochs: number; activation?: Record<string, unknown> }): Promise<void> {
    const { job } = running;
    job.modelRunId = run.id;
    if (run.active) job.message = "swapping in the new version";
    await this.hooks.onRunStored?.(run, () => readArtifact(this.db, run.id));
    job.result = { runId: run.id, trainSeconds: outcome.trainSeconds, epochs: outcome.epochs, activated: run.active, ...(outcome.activation ? { activation: outcome.activation } : {}) };
  }

  /** Runs the training thread; settles when it reported done (resolve) or failed, or ended without a word (reject). */
  private runThread(running: Running, input: TrainingWorkerInput): Promise<Extract<TrainingWorkerMessage, { type: "done" }>> {
    const { job, control } = running;
    return new Promise((resolve, reject) => {
      const worker = new Worker(new URL("./trainingWorker.bootstrap.mjs", import.meta.url), {
        workerData: input,
        ...(this.options.trainWorkerResourceLimits ? { resourceLimits: this.options.trainWorkerResourceLimits } : {}),
      });
      let settled = false;
      const settle = (result: { done: Extract<TrainingWorkerMessage, { type: "done" }> } | { error: unknown }) => {
        if (settled) return;
        settled = true;
        control.halt = undefined;
        if ("done" in result) resolve(result.done);
        else reject(result.error);
      };
      control.halt = () => {
        // The run row is failed by runTraining() once the thread is gone.
        void worker.terminate();
      };
      worker.on("message", (message: TrainingWorkerMessage) => {
        if (settled) return;
        if (message.type === "run") job.modelRunId = message.runId;
        else if (message.type === "progress") {
          if (control.stopped) return;
          job.progress = message.epochs > 0 ? Math.min(0.95, message.epoch / message.epochs) : job.progress;
          const loss = message.loss !== undefined ? `, loss ${message.loss.toPrecision(4)}` : "";
          const validation = message.validation
            ? `, ${Object.entries(message.validation)
                .map(([k, v]) => `${k} ${v.toFixed(4)}`)
                .join(", ")}`
            : "";
          job.message = message.message ?? `epoch ${message.epoch}/${message.epochs}${loss}${validation}`;
        } else if (message.type === "done") {
          // Stored (and activated when asked): too late to stop.
          void this.markFinishing(running);
          settle({ done: message });
        } else {
          // A typed error of the thread keeps its code and whole message, as in-process ones do (a MEMORY_LIMIT refusal runs past 300 characters).
          settle({ error: new WorkerReportedError(message.code ? new AppError(message.code, message.message) : new Error(message.message)) });
        }
      });
      // An uncaught exception in the thread, or ERR_WORKER_OUT_OF_MEMORY.
      worker.on("error", (error) => settle({ error: new Error(`training worker crashed: ${untypedMessage(error)}`) }));
      worker.on("exit", (code) => {
        settle({ error: control.stopped ?? new Error(`training worker exited with code ${code}`) });
      });
    });
  }

  private stop1(running: Running, reason: JobStopped): void {
    const { job, control } = running;
    control.stopped = reason;
    job.message = reason.code === "CANCELLED" ? "cancelling" : reason.code === "TIME_LIMIT" ? "stopping: time limit reached" : "stopping";
    control.abort.abort(reason);
    control.halt?.();
    control.graceTimer = setTimeout(() => {
      this.log(`job ${job.id} (${job.kind}): the work did not stop within ${formatDuration(this.stopGraceMs)}; reporting it stopped anyway`);
      control.giveUp(reason);
    }, this.stopGraceMs);
    control.graceTimer.unref();
  }
}

function newControl(): Control {
  let giveUp: (reason: JobStopped) => void = () => undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  // Only ever awaited through Promise.race; keeps a rejection after the race from being "unhandled".
  gaveUp.catch(() => undefined);
  return { abort: new AbortController(), stopped: undefined, finishing: false, halt: undefined, gaveUp, giveUp, graceTimer: undefined };
}

/** A failure the training thread reported itself (it has already marked its run FAILED). */
class WorkerReportedError extends Error {
  constructor(readonly original: Error) {
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
export function untypedMessage(error: unknown): string {
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
