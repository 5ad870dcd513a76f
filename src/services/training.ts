// Training jobs: snapshot the database, fit a registry model, store the artifact as a
// model run, and (by default) make it the served version.
import crypto from "node:crypto";
import type { Db } from "../db/client";
import { activateRun, completeRun, createRun, failRun, getRun, markRunning, type ModelRun } from "../db/modelRuns";
import { readSnapshot } from "../db/snapshot";
import { datasetFromSnapshot, type DbDataset } from "../data/fromSnapshot";
import { AppError, NotFoundError } from "../errors";
import { createModel, resolveParams, serializeModel } from "../models/registry";
import type { FitReport, Recommender, TrainingProgress } from "../models/types";

export interface TrainRequest {
  model: string;
  params?: Record<string, unknown>;
  seed?: number;
  /** Make the new run the served version when it succeeds (default true). */
  activate?: boolean;
  onProgress?: (progress: TrainingProgress) => void;
  /** Called once the run row exists (jobs use it to report the run id). */
  onRunCreated?: (run: ModelRun) => void;
  /**
   * Train into this QUEUED run (made by createTrainingRun) instead of creating one: the job
   * manager creates the run before its worker starts, so that it can mark the run FAILED
   * whatever happens to the worker.
   */
  runId?: number;
  signal?: AbortSignal;
  /** Reuse an already loaded snapshot of the database. */
  dataset?: DbDataset;
}

export interface TrainResult {
  run: ModelRun;
  model: Recommender;
  report: FitReport;
  dataset: DbDataset;
}

export const DEFAULT_SEED = 42;

export async function trainModel(db: Db, request: TrainRequest): Promise<TrainResult> {
  // Validate before creating a run: a bad hyper-parameter is the caller's error, not a failed run.
  const params = resolveParams(request.model, request.params ?? {});
  const seed = request.seed ?? DEFAULT_SEED;
  const run = request.runId === undefined ? await createRun(db, request.model, { ...params, seed }) : await queuedRun(db, request.runId);
  request.onRunCreated?.(run);
  let model: Recommender | undefined;
  try {
    await markRunning(db, run.id);
    const dataset = request.dataset ?? datasetFromSnapshot(await readSnapshot(db));
    model = createModel(request.model, params);
    const started = performance.now();
    const report = await model.fit(
      { interactions: dataset.interactions, implicit: dataset.implicit, content: dataset.content },
      { seed, onProgress: request.onProgress, signal: request.signal },
    );
    const trainSeconds = (performance.now() - started) / 1000;
    const dataFingerprint = catalogFingerprint(dataset);
    const metrics: Record<string, unknown> = {
      trainSeconds,
      epochs: report.epochs,
      users: dataset.interactions.nUsers,
      items: dataset.interactions.nItems,
      interactions: dataset.interactions.nnz,
      ...(report.lossCurve?.length ? { finalLoss: report.lossCurve[report.lossCurve.length - 1] } : {}),
    };
    const artifact = serializeModel(model, {
      seed,
      dataFingerprint,
      notes: { snapshot: dataset.version, itemIdsHash: idsHash(dataset.itemDbIds, model.nItems), userIdsHash: idsHash(dataset.userDbIds, model.nUsers), ...report.notes },
    });
    let stored = await completeRun(db, run.id, { metrics, trainSeconds, dataFingerprint, artifact });
    if (request.activate ?? true) stored = await activateRun(db, run.id);
    return { run: stored, model, report, dataset };
  } catch (error) {
    model?.dispose();
    await failRun(db, run.id, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}

/** Creates the QUEUED run trainModel({ runId }) will train into; validates the parameters first. */
export async function createTrainingRun(db: Db, model: string, params: Record<string, unknown>, seed: number | undefined): Promise<ModelRun> {
  return createRun(db, model, { ...resolveParams(model, params), seed: seed ?? DEFAULT_SEED });
}

async function queuedRun(db: Db, id: number): Promise<ModelRun> {
  const run = await getRun(db, id);
  if (!run) throw new NotFoundError("model run", id);
  if (run.status !== "QUEUED") throw new AppError("CONFLICT", `model run ${id} is ${run.status}; only a QUEUED run can be trained`, { id });
  return run;
}

/** Identifies the catalogue and interactions a model saw. */
export function catalogFingerprint(dataset: DbDataset): string {
  return `${dataset.interactions.fingerprint()}-${idsHash(dataset.itemDbIds, dataset.itemDbIds.length)}`;
}

/**
 * Hash of the first `n` database ids: a model's item/user indices are only valid for a
 * catalogue whose first n ids are the same (catalogues only grow at the end).
 */
export function idsHash(ids: Int32Array, n: number): string {
  const prefix = ids.subarray(0, n);
  return crypto.createHash("sha256").update(new Uint8Array(prefix.buffer, prefix.byteOffset, prefix.byteLength)).digest("hex").slice(0, 16);
}
