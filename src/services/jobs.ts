// Background jobs for the admin mutations. One queue, one job at a time (a 2-core machine
// gains nothing from parallel training, and imports must not interleave). Imports run on
// the main thread (they mostly wait on COPY); training runs in a worker thread. Job state
// lives in this process; model runs (the durable result) are in the database.
import crypto from "node:crypto";
import { Worker } from "node:worker_threads";
import type { Db } from "../db/client";
import { getRun, readArtifact } from "../db/modelRuns";
import { isAppError } from "../errors";
import { resolveParams } from "../models/registry";
import { importDataset } from "./importService";
import type { RecommenderService } from "./recommender";
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

const KEEP_FINISHED = 200;

export class JobManager {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly recommender: RecommenderService,
    private readonly log: (message: string) => void = () => undefined,
    /** Called after an import changed the catalogue (clears caches of item rows). */
    private readonly onCatalogChanged: () => void = () => undefined,
  ) {}

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

  startImport(format: string, path: string, encoding?: string): Job {
    return this.enqueue("IMPORT", async (job) => {
      const summary = await importDataset(this.db, {
        format,
        path,
        encoding,
        onProgress: ({ phase, bytesDone, bytesTotal }) => {
          job.progress = bytesTotal > 0 ? (0.9 * bytesDone) / bytesTotal : 0;
          job.message = `${phase}: ${(bytesDone / 1048576).toFixed(1)}/${(bytesTotal / 1048576).toFixed(1)} MB`;
        },
      });
      job.message = "refreshing the served catalogue";
      await this.recommender.refreshCatalog();
      this.onCatalogChanged();
      job.result = { ...summary };
    });
  }

  /** Validates the request at once (a bad parameter is the caller's error, not a failed job). */
  startTraining(model: string, params: Record<string, unknown>, seed: number | undefined, activate: boolean): Job {
    resolveParams(model, params);
    return this.enqueue("TRAIN", (job) => this.train(job, { databaseUrl: this.db.url, model, params, seed, activate }));
  }

  private async train(job: Job, input: TrainingWorkerInput): Promise<void> {
    const outcome = await new Promise<Extract<TrainingWorkerMessage, { type: "done" }>>((resolve, reject) => {
      const worker = new Worker(new URL("./trainingWorker.bootstrap.mjs", import.meta.url), { workerData: input });
      let settled = false;
      worker.on("message", (message: TrainingWorkerMessage) => {
        if (message.type === "run") job.modelRunId = message.runId;
        else if (message.type === "progress") {
          job.progress = message.epochs > 0 ? Math.min(0.95, message.epoch / message.epochs) : job.progress;
          const loss = message.loss !== undefined ? `, loss ${message.loss.toPrecision(4)}` : "";
          const validation = message.validation ? `, ${Object.entries(message.validation).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(", ")}` : "";
          job.message = message.message ?? `epoch ${message.epoch}/${message.epochs}${loss}${validation}`;
        } else if (message.type === "done") {
          settled = true;
          resolve(message);
        } else {
          settled = true;
          reject(Object.assign(new Error(message.message), { code: message.code }));
        }
      });
      worker.on("error", (error) => {
        if (!settled) reject(error);
        settled = true;
      });
      worker.on("exit", (code) => {
        if (!settled) reject(new Error(`training worker exited with code ${code}`));
      });
    });
    job.modelRunId = outcome.runId;
    const run = await getRun(this.db, outcome.runId);
    if (run?.active) {
      job.message = "swapping in the new version";
      this.recommender.install(run, await readArtifact(this.db, run.id));
    }
    job.result = { runId: outcome.runId, trainSeconds: outcome.trainSeconds, epochs: outcome.epochs, activated: run?.active ?? false };
  }

  private enqueue(kind: JobKind, work: (job: Job) => Promise<void>): Job {
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
    this.jobs.set(job.id, job);
    this.prune();
    this.queue = this.queue.then(async () => {
      job.status = "RUNNING";
      job.startedAt = new Date();
      try {
        await work(job);
        job.status = "SUCCEEDED";
        job.progress = 1;
        job.message = "done";
      } catch (error) {
        job.status = "FAILED";
        job.error = error instanceof Error ? error.message : String(error);
        job.errorCode = isAppError(error) ? error.code : ((error as { code?: string }).code ?? "INTERNAL");
        job.message = "failed";
        this.log(`job ${job.id} (${kind}) failed: ${job.error}`);
      } finally {
        job.finishedAt = new Date();
      }
    });
    return job;
  }

  private prune(): void {
    const finished = [...this.jobs.values()].filter((job) => job.finishedAt !== null);
    for (const job of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) this.jobs.delete(job.id);
  }
}
