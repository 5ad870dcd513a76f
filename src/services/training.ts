// Training jobs: snapshot the database, measure the configuration on a held-out slice
// (./heldOut.ts), fit a registry model on all of it, store the artifact as a model run, and
// (by default) make it the served version, subject to the activation policy (./activation.ts).
import crypto from "node:crypto";
import type { Db } from "../db/client";
import { activateRun, activeRuns, completeRun, createRun, failRun, getRun, markRunning, updateRunMetrics, type ModelRun } from "../db/modelRuns";
import { createJobRun } from "../db/jobs";
import { readSnapshot } from "../db/snapshot";
import { datasetFromSnapshot, type DbDataset } from "../data/fromSnapshot";
import { AppError, isAppError, NotFoundError } from "../errors";
import { interactionsCopy, type DataShape } from "../models/memory";
import { createModel, requireMemoryWithin, resolveParams, serializeModel } from "../models/registry";
import type { FitReport, Recommender, TrainingData, TrainingProgress } from "../models/types";
import { decideActivation, resolveActivation, type ActivationDecision, type ActivationOptions } from "./activation";
import { evaluateHeldOut, heldOutJson, resolveHoldout, type HeldOut, type HoldoutOptions } from "./heldOut";

export interface TrainRequest {
  model: string;
  params?: Record<string, unknown>;
  seed?: number;
  /** Make the new run the served version when it succeeds (default true), as `activation` decides. */
  activate?: boolean;
  /**
   * When `activate` holds: "always" (default) serves the new run; "ifNotWorse" only when its
   * held-out metric (default ndcg@K) is within `tolerance` (relative, default 0.05) of the active
   * run's. A run not activated stays SUCCEEDED (activateModelRun can still serve it).
   */
  activation?: ActivationOptions;
  /** Held-out evaluation before the final fit (default enabled, K 20); stored as metrics.heldOut. */
  holdout?: HoldoutOptions;
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
  /**
   * Refuse (MEMORY_LIMIT, the run FAILED) when the model's estimated memory on this data is over
   * this many bytes (config jobs.trainMemoryLimitBytes, MODEL_MEMORY_LIMIT_MB); unset: no check.
   */
  memoryLimitBytes?: number;
  /** Reuse an already loaded snapshot of the database. */
  dataset?: DbDataset;
}

export interface TrainResult {
  run: ModelRun;
  model: Recommender;
  report: FitReport;
  dataset: DbDataset;
  /** Undefined when the held-out evaluation was disabled. */
  heldOut?: HeldOut;
  /** Whether the run was made the served version, and why (also stored as metrics.activation). */
  activation: ActivationDecision;
}

export const DEFAULT_SEED = 42;

export async function trainModel(db: Db, request: TrainRequest): Promise<TrainResult> {
  // Validate before creating a run: a bad hyper-parameter or option is the caller's error, not a failed run.
  const params = resolveParams(request.model, request.params ?? {});
  const holdout = resolveHoldout(request.holdout);
  const activation = resolveActivation(request.activation, request.model, holdout);
  const seed = request.seed ?? DEFAULT_SEED;
  const run = request.runId === undefined ? await createRun(db, request.model, { ...params, seed }) : await queuedRun(db, request.runId);
  request.onRunCreated?.(run);
  let model: Recommender | undefined;
  try {
    await markRunning(db, run.id);
    const dataset = request.dataset ?? datasetFromSnapshot(await readSnapshot(db));
    const data: TrainingData = { interactions: dataset.interactions, implicit: dataset.implicit, content: dataset.content };
    // Before either fit allocates anything: the held-out fit runs on a second copy of the rows.
    if (request.memoryLimitBytes !== undefined) {
      const shape: DataShape = { users: data.interactions.nUsers, items: data.interactions.nItems, interactions: data.interactions.nnz };
      requireMemoryWithin(request.model, params, shape, request.memoryLimitBytes, holdout.enabled ? [interactionsCopy("held-out split", shape)] : []);
    }
    const heldOut = holdout.enabled ? await evaluateHeldOut({ model: request.model, params, data, seed, k: holdout.k, signal: request.signal, onProgress: request.onProgress }) : undefined;
    request.signal?.throwIfAborted();
    model = createModel(request.model, params);
    const started = performance.now();
    // With a held-out phase before it, the served fit's messages say which fit they belong to.
    const onProgress =
      heldOut && request.onProgress ? (p: TrainingProgress) => request.onProgress!({ ...p, message: `served model (all data): ${p.message ?? `epoch ${p.epoch}/${p.epochs}`}` }) : request.onProgress;
    const report = await model.fit(data, { seed, onProgress, signal: request.signal });
    const trainSeconds = (performance.now() - started) / 1000;
    const dataFingerprint = catalogFingerprint(dataset);
    const active = (request.activate ?? true) && activation.policy === "ifNotWorse" ? (await activeRuns(db)).find((r) => r.model === request.model) : undefined;
    const decision = decideActivation({ requested: request.activate ?? true, options: activation, heldOut, active, dataFingerprint });
    const metrics: Record<string, unknown> = {
      trainSeconds,
      epochs: report.epochs,
      users: dataset.interactions.nUsers,
      items: dataset.interactions.nItems,
      interactions: dataset.interactions.nnz,
      ...(report.lossCurve?.length ? { finalLoss: report.lossCurve[report.lossCurve.length - 1] } : {}),
      ...(heldOut ? { heldOut: heldOutJson(heldOut) } : {}),
      activation: decision,
    };
    const artifact = serializeModel(model, {
      seed,
      dataFingerprint,
      notes: { snapshot: dataset.version, itemIdsHash: idsHash(dataset.itemDbIds, model.nItems), userIdsHash: idsHash(dataset.userDbIds, model.nUsers), ...report.notes },
    });
    let stored = await completeRun(db, run.id, { metrics, trainSeconds, dataFingerprint, artifact });
    let final = decision;
    if (decision.activated) {
      try {
        // ifNotWorse compared with `active`: activate only if it is still the active run.
        stored = await activateRun(db, run.id, activation.policy === "ifNotWorse" ? { ifActive: active?.id ?? null } : {});
      } catch (error) {
        if (!(isAppError(error) && error.code === "CONFLICT")) throw error;
        final = { ...decision, activated: false, reason: `not activated: ${error.message}; compare again or activate it with activateModelRun` };
        stored = await updateRunMetrics(db, run.id, { ...metrics, activation: final });
      }
    }
    return { run: stored, model, report, dataset, heldOut, activation: final };
  } catch (error) {
    model?.dispose();
    await failRun(db, run.id, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}

/**
 * Creates the QUEUED run trainModel({ runId }) will train into; validates the parameters
 * first. With `jobId`, the run is recorded on that job in the same statement.
 */
export async function createTrainingRun(db: Db, model: string, params: Record<string, unknown>, seed: number | undefined, jobId?: string): Promise<ModelRun> {
  const stored = { ...resolveParams(model, params), seed: seed ?? DEFAULT_SEED };
  if (jobId === undefined) return createRun(db, model, stored);
  const run = await getRun(db, await createJobRun(db, jobId, model, stored));
  if (!run) throw new AppError("INTERNAL", `the run of job ${jobId} vanished`);
  return run;
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
  return crypto
    .createHash("sha256")
    .update(new Uint8Array(prefix.buffer, prefix.byteOffset, prefix.byteLength))
    .digest("hex")
    .slice(0, 16);
}
