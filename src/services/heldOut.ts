// Held-out quality of a training: before the served model fits on everything, a copy with the
// same hyper-parameters and seed fits on a per-user time-ordered holdout of the same snapshot
// and is scored there. The numbers are stored with the run (metrics.heldOut) so that runs can
// be compared and an activation policy can refuse a worse one (./activation.ts).
//
// The split and the metrics are the evaluation harness's own (src/data/splits.ts leaveLastOut,
// src/eval evaluateFullRanking / evaluateRatings), so "recall@20", "ndcg@20" and "rmse" mean
// exactly what they mean in `npm run evaluate` reports: full ranking over every item the user
// has no training interaction with, every held-out interaction relevant (ratings are not
// thresholded), binary-gain NDCG; RMSE of predict() clipped to the training rating range.
// Unlike the harness, the copy trains on the data exactly as the served model will (no
// binarising for feedback "implicit" models): the point is to measure this configuration.
import { leaveLastOut } from "../data/splits";
import type { TrainingData, TrainingProgress } from "../models/types";
import { ValidationError } from "../errors";
import { evaluateFullRanking } from "../eval/ranking";
import { evaluateRatings, valueRange } from "../eval/rating";
import { createModel, getDefinition } from "../models/registry";

export interface HoldoutOptions {
  /** Default true. Off for quick trainings (tests, start-up) where the extra fit is not wanted. */
  enabled: boolean;
  /** Cut-off K of recall@K and ndcg@K (default 20). */
  k?: number;
}

export const DEFAULT_HOLDOUT_K = 20;
/** How many of each user's latest interactions are held out; users with no more than this keep all in train. */
const HELD_OUT_PER_USER = 1;

export interface HeldOut {
  /** Names the split; runs are only compared when it is the same. */
  protocol: string;
  k: number;
  /** Users with a held-out interaction (the users averaged over). */
  users: number;
  trainInteractions: number;
  testInteractions: number;
  /** Harness metric names: `recall@K`, `ndcg@K`, and `rmse`, `mae` for rating predictors on explicit data. */
  metrics: Record<string, number>;
  /** Epochs the held-out copy ran (it may stop early where the served model does not). */
  epochs: number;
  fitSeconds: number;
  evalSeconds: number;
  /** Wall seconds the held-out evaluation added to the training (fit + scoring). */
  seconds: number;
  /** Set when nothing could be evaluated (no user has two or more interactions). */
  skipped?: string;
}

/** Significant digits kept of each held-out metric (far below the sampling noise of any holdout). */
const METRIC_DIGITS = 6;

/** Metrics where lower is better; every other held-out metric is better when higher. */
const LOWER_IS_BETTER = new Set(["rmse", "mae"]);

export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.has(metric);
}

/** Validated holdout options with defaults (k 20, enabled). */
export function resolveHoldout(options: HoldoutOptions | undefined): { enabled: boolean; k: number } {
  const enabled = options?.enabled ?? true;
  if (typeof enabled !== "boolean") throw new ValidationError("holdout.enabled", enabled, "true or false");
  const k = options?.k ?? DEFAULT_HOLDOUT_K;
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ValidationError("holdout.k", k, "an integer in 1–1000");
  return { enabled, k };
}

/**
 * The held-out metric names a model can have at cut-off k. rmse and mae only for models that
 * predict ratings (and then only on explicit data, which is known once the snapshot is read).
 */
export function heldOutMetricNames(model: string, k: number): string[] {
  const names = [`recall@${k}`, `ndcg@${k}`];
  if (getDefinition(model).capabilities.ratingPrediction) names.push("rmse", "mae");
  return names;
}

export function holdoutProtocol(hasTimes: boolean): string {
  return hasTimes ? `per-user latest-${HELD_OUT_PER_USER} (time-ordered)` : `per-user latest-${HELD_OUT_PER_USER} (item order: no timestamps)`;
}

export interface HeldOutInput {
  model: string;
  params: Record<string, unknown>;
  /** What the served model trains on; the copy trains on its training slice. */
  data: TrainingData;
  seed: number;
  k: number;
  signal?: AbortSignal;
  onProgress?: (progress: TrainingProgress) => void;
}

export async function evaluateHeldOut(input: HeldOutInput): Promise<HeldOut> {
  const started = performance.now();
  const { data, k, signal } = input;
  const all = data.interactions;
  const hasTimes = all.times !== undefined && all.times.some((t) => !Number.isNaN(t));
  const split = leaveLastOut(all, HELD_OUT_PER_USER);
  const base = { protocol: holdoutProtocol(hasTimes), k, trainInteractions: split.train.nnz, testInteractions: split.test.nnz };
  if (split.test.nnz === 0) {
    return {
      ...base,
      users: 0,
      metrics: {},
      epochs: 0,
      fitSeconds: 0,
      evalSeconds: 0,
      seconds: (performance.now() - started) / 1000,
      skipped: `no user has more than ${HELD_OUT_PER_USER} interaction`,
    };
  }
  const report = (progress: TrainingProgress) => input.onProgress?.(progress);
  report({ epoch: 0, epochs: 0, elapsed: 0, message: `held-out evaluation: fitting on ${split.train.nnz} interactions (${split.test.nnz} held out)` });
  const model = createModel(input.model, input.params);
  try {
    const fitStarted = performance.now();
    const fit = await model.fit(
      { ...data, interactions: split.train },
      {
        seed: input.seed,
        signal,
        // The phase is named in every message, so a job's progress line says which fit it is.
        onProgress: (p) => report({ ...p, message: `held-out fit: ${p.message ?? `epoch ${p.epoch}/${p.epochs}`}` }),
      },
    );
    const fitSeconds = (performance.now() - fitStarted) / 1000;
    // A fit that ignores the signal between epochs still stops here, before scoring.
    signal?.throwIfAborted();
    if (model.nUsers !== all.nUsers || model.nItems !== all.nItems) {
      throw new Error(`held-out fit: the model has ${model.nUsers} × ${model.nItems}, the data ${all.nUsers} × ${all.nItems}`);
    }
    const evalStarted = performance.now();
    const ranking = await evaluateFullRanking(model, split.train, split.test, {
      ks: [k],
      metrics: ["recall", "ndcg"],
      onProgress: (done, total) => {
        // Throwing here stops the scoring between batches of users.
        signal?.throwIfAborted();
        report({ epoch: done, epochs: total, elapsed: (performance.now() - started) / 1000, message: `held-out evaluation: scored ${done}/${total} users` });
      },
    });
    const metrics: Record<string, number> = { ...ranking.metrics };
    // As in the harness: rating error only where a model predicts ratings and there are ratings.
    if (model.capabilities.ratingPrediction && !data.implicit) {
      const rating = evaluateRatings(model, split.test, valueRange(split.train));
      metrics.rmse = rating.metrics.rmse;
      metrics.mae = rating.metrics.mae;
    }
    // Rounded once, here, so the numbers compared (./activation.ts) are the ones stored: the
    // last digits of a double do not survive the trip through the database's JSON column.
    for (const name of Object.keys(metrics)) metrics[name] = Number(metrics[name].toPrecision(METRIC_DIGITS));
    const evalSeconds = (performance.now() - evalStarted) / 1000;
    return { ...base, users: ranking.users, metrics, epochs: fit.epochs, fitSeconds, evalSeconds, seconds: (performance.now() - started) / 1000 };
  } finally {
    model.dispose();
  }
}

/** The JSON stored as metrics.heldOut: flat, metric names at the top level beside the split's description. */
export function heldOutJson(heldOut: HeldOut): Record<string, unknown> {
  return {
    protocol: heldOut.protocol,
    k: heldOut.k,
    users: heldOut.users,
    ...heldOut.metrics,
    trainInteractions: heldOut.trainInteractions,
    testInteractions: heldOut.testInteractions,
    epochs: heldOut.epochs,
    fitSeconds: round(heldOut.fitSeconds),
    evalSeconds: round(heldOut.evalSeconds),
    seconds: round(heldOut.seconds),
    ...(heldOut.skipped ? { skipped: heldOut.skipped } : {}),
  };
}

/** What a stored run says about its held-out evaluation (metrics.heldOut), read defensively: it is JSON from the database. */
export function storedHeldOut(metrics: unknown): { protocol: string; k: number; values: Record<string, number> } | undefined {
  if (!isRecord(metrics) || !isRecord(metrics.heldOut)) return undefined;
  const heldOut = metrics.heldOut;
  if (typeof heldOut.protocol !== "string" || typeof heldOut.k !== "number") return undefined;
  const values: Record<string, number> = {};
  for (const [key, value] of Object.entries(heldOut)) {
    if ((key.includes("@") || LOWER_IS_BETTER.has(key)) && typeof value === "number" && Number.isFinite(value)) values[key] = value;
  }
  return { protocol: heldOut.protocol, k: heldOut.k, values };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
