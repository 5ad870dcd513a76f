// Worker-thread entry for training jobs: trains with its own database connection so the
// API's event loop keeps serving while a model fits (CPU-bound JS would block it).
import { parentPort, workerData } from "node:worker_threads";
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable, openDb } from "../db/client";
import { isAppError, type ErrorCode } from "../errors";
import { trainModel, type TrainRequest } from "./training";

export interface TrainingWorkerInput {
  databaseUrl: string;
  model: string;
  params: Record<string, unknown>;
  seed?: number;
  activate: boolean;
  /** Activation policy (default: activate when it succeeds). */
  activation?: TrainRequest["activation"];
  holdout?: TrainRequest["holdout"];
  /** The QUEUED run to train into (see TrainRequest.runId); a new one when absent. */
  runId?: number;
  /** Refuse a model estimated over this many bytes (TrainRequest.memoryLimitBytes). */
  memoryLimitBytes?: number;
}

export type TrainingWorkerMessage =
  | { type: "run"; runId: number }
  | { type: "progress"; epoch: number; epochs: number; loss?: number; validation?: Record<string, number>; elapsed: number; message?: string }
  | { type: "done"; runId: number; trainSeconds: number; epochs: number; notes?: Record<string, unknown>; activation?: Record<string, unknown> }
  | { type: "error"; message: string; code?: ErrorCode };

async function main(): Promise<void> {
  const input = workerData as TrainingWorkerInput;
  const post = (message: TrainingWorkerMessage) => parentPort!.postMessage(message);
  // Longer statement limits than serving: storing a large artifact may take a while. The
  // snapshot read uses the bulk pool (no limit); the job's time limit bounds the whole run.
  const db = openDb(input.databaseUrl, { max: 2, queryTimeoutMs: 60_000 });
  try {
    const result = await trainModel(db, {
      model: input.model,
      params: input.params,
      seed: input.seed,
      activate: input.activate,
      activation: input.activation,
      holdout: input.holdout,
      runId: input.runId,
      memoryLimitBytes: input.memoryLimitBytes,
      onRunCreated: (run) => post({ type: "run", runId: run.id }),
      onProgress: (p) => post({ type: "progress", epoch: p.epoch, epochs: p.epochs, loss: p.loss, validation: p.validation, elapsed: p.elapsed, message: p.message }),
    });
    result.model.dispose();
    post({ type: "done", runId: result.run.id, trainSeconds: result.run.trainSeconds ?? 0, epochs: result.report.epochs, notes: result.report.notes, activation: { ...result.activation } });
  } catch (error) {
    if (isDatabaseUnavailable(error)) post({ type: "error", message: DATABASE_UNAVAILABLE_MESSAGE, code: "DATABASE_UNAVAILABLE" });
    else post({ type: "error", message: error instanceof Error ? error.message : String(error), code: isAppError(error) ? error.code : undefined });
  } finally {
    await db.close();
  }
}

void main();
