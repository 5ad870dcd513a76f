// The harness as a library: split the data for a protocol, train each registry model on each
// training part (fresh model, seeded), evaluate it, and return one report. The CLI
// (scripts/evaluate.ts) and, later, the services call this.
import os from "node:os";
import type { Interactions } from "../data/interactions";
import { holdoutSplit, kFoldSplit, leaveLastOut } from "../data/splits";
import { ValidationError } from "../errors";
import type { ModelDefinition } from "../models/definition";
import { createModel, getDefinition, requireMemoryWithin, resolveParams } from "../models/registry";
import type { FitReport, TrainingProgress } from "../models/types";
import { initTf } from "../tf/backend";
import type { EvalData } from "./data";
import { BINARIZED_RULE, PROTOCOL_INFO, TRAINING_DATA_RULE, selectModels, trainingData, type Protocol } from "./protocols";
import { evaluateFullRanking } from "./ranking";
import { evaluateRatings, valueRange } from "./rating";
import { evaluateSampled, sampleCandidates, type SampledCandidates } from "./sampled";

export interface FoldResult {
  fold: string;
  metrics: Record<string, number>;
  trainSeconds: number;
  evalSeconds: number;
  epochs: number;
}

export interface ModelResult {
  model: string;
  params: Record<string, unknown>;
  /** Lower-case `name@k` keys (rmse, mae without k); the mean over folds for rating-5fold. */
  metrics: Record<string, number>;
  /** Wall seconds of fit (summed over folds). */
  trainSeconds: number;
  /** Wall seconds of scoring and metrics (summed over folds). */
  evalSeconds: number;
  /** Per fold, for multi-fold protocols. */
  folds?: FoldResult[];
  notes: Record<string, unknown>;
  /** Set when training or evaluation failed; metrics are then empty. */
  error?: string;
}

export interface EvaluationReport {
  dataset: string;
  protocol: Protocol;
  results: ModelResult[];
  notes: Record<string, unknown>;
}

export interface EvaluationHooks {
  log?(message: string): void;
  onTrainStart?(model: string, split: string): void;
  onTrainProgress?(model: string, split: string, progress: TrainingProgress): void;
  onTrainEnd?(model: string, split: string, seconds: number, report: FitReport): void;
  onEvalProgress?(model: string, split: string, done: number, total: number): void;
  /** After each model; `partial` is the report so far (notes.pending lists the models still to run). */
  onModelEnd?(result: ModelResult, partial: EvaluationReport): void;
}

export interface EvaluateOptions {
  protocol: Protocol;
  models: readonly string[] | "all";
  /** Cut-offs (ranking protocols); default per protocol. */
  ks?: readonly number[];
  /** Seeds the split, the sampled candidates and every fit. Default 42. */
  seed?: number;
  /** Per-model hyper-parameter overrides, validated by the registry. */
  params?: Record<string, Record<string, unknown>>;
  /** Ranking protocols: only test interactions with value >= this are relevant (default: all test items). */
  minRelevantValue?: number;
  /** loo-sampled: negatives per test user (default 100). */
  negatives?: number;
  /** holdout: test fraction per user (default 0.2). */
  holdoutFraction?: number;
  /** Users per scoreUsers call (default 256). */
  batchSize?: number;
  /** Ranking protocols on explicit data: every model trains on the binarised matrix. */
  binarize?: boolean;
  /**
   * A model whose estimated training memory on a split is over this many bytes is not fitted: its
   * result carries the MEMORY_LIMIT refusal as its error (MODEL_MEMORY_LIMIT_MB). Unset: no check.
   */
  memoryLimitBytes?: number;
  hooks?: EvaluationHooks;
  signal?: AbortSignal;
}

interface PreparedSplit {
  name: string;
  train: Interactions;
  test: Interactions;
  candidates?: SampledCandidates;
}

const TF_FAMILIES = new Set(["neural", "sequential", "graph"]);

/** Validates every option up front, so a bad flag fails before anything trains. */
function validate(options: EvaluateOptions, models: string[]): { ks: number[]; seed: number; overrides: Map<string, Record<string, unknown>> } {
  const info = PROTOCOL_INFO[options.protocol];
  const seed = options.seed ?? 42;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ValidationError("seed", seed, "an integer in 0–4294967295");
  let ks = options.ks ? [...options.ks] : [...info.defaultKs];
  if (info.kind === "rating") {
    if (options.ks && options.ks.length > 0) throw new ValidationError("k", options.ks.join(","), `no cut-off: ${options.protocol} measures rating error (rmse, mae)`);
    ks = [];
  } else {
    if (ks.length === 0) throw new ValidationError("k", "", "one or more integers in 1–1000");
    for (const k of ks) if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ValidationError("k", k, "integers in 1–1000");
    ks = [...new Set(ks)];
  }
  if (options.negatives !== undefined && (!Number.isInteger(options.negatives) || options.negatives < 1 || options.negatives > 100000)) {
    throw new ValidationError("negatives", options.negatives, "an integer in 1–100000");
  }
  if (options.holdoutFraction !== undefined && !(options.holdoutFraction > 0 && options.holdoutFraction < 1)) {
    throw new ValidationError("holdoutFraction", options.holdoutFraction, "a number in (0, 1)");
  }
  if (options.batchSize !== undefined && (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 65536)) {
    throw new ValidationError("batchSize", options.batchSize, "an integer in 1–65536");
  }
  if (options.binarize && info.kind === "rating") throw new ValidationError("binarize", true, `a ranking protocol: ${options.protocol} predicts ratings`);
  if (options.minRelevantValue !== undefined && !Number.isFinite(options.minRelevantValue)) {
    throw new ValidationError("minRelevantValue", options.minRelevantValue, "a finite number");
  }
  const overrides = new Map<string, Record<string, unknown>>();
  for (const [name, raw] of Object.entries(options.params ?? {})) {
    if (!models.includes(name)) throw new ValidationError("params", name, `a model being evaluated: ${models.join(", ")}`);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new ValidationError(`params.${name}`, raw, "an object of hyper-parameters");
    resolveParams(name, raw); // throws ValidationError naming model.param, value and range
    overrides.set(name, raw);
  }
  return { ks, seed, overrides };
}

function prepareSplits(protocol: Protocol, data: EvalData, seed: number, options: EvaluateOptions): PreparedSplit[] {
  const all = data.interactions;
  switch (protocol) {
    case "rating-5fold":
      if (data.givenSplits && data.givenSplits.length > 0) return data.givenSplits.map((s) => ({ ...s }));
      return kFoldSplit(all, 5, seed).map((s, f) => ({ name: `fold${f + 1}`, ...s }));
    case "holdout":
      return [{ name: "holdout", ...holdoutSplit(all, options.holdoutFraction ?? 0.2, seed) }];
    case "loo-sampled": {
      const split = leaveLastOut(all, 1);
      return [{ name: "loo", ...split, candidates: sampleCandidates(all, split.test, options.negatives ?? 100, (seed + 1) >>> 0) }];
    }
    case "given-split":
      if (!data.givenSplits || data.givenSplits.length !== 1) {
        throw new ValidationError("protocol", protocol, "a data set with one given train/test split (a LightGCN folder with train.txt and test.txt; not --from-db)");
      }
      return [{ ...data.givenSplits[0] }];
  }
}

function splitNotes(splits: PreparedSplit[]): Record<string, unknown>[] {
  return splits.map((s) => ({
    name: s.name,
    trainInteractions: s.train.nnz,
    testInteractions: s.test.nnz,
    ...(s.candidates ? { testUsers: s.candidates.users.length, sampledNegatives: s.candidates.negatives.length } : {}),
  }));
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runEvaluation(data: EvalData, options: EvaluateOptions): Promise<EvaluationReport> {
  const hooks = options.hooks ?? {};
  const log = hooks.log ?? (() => undefined);
  const { protocol } = options;
  const info = PROTOCOL_INFO[protocol];
  const selection = selectModels(protocol, options.models, data);
  const { ks, seed, overrides } = validate(options, selection.models);
  for (const s of selection.skipped) log(`skipping ${s.model}: ${s.reason}`);

  const splits = prepareSplits(protocol, data, seed, options);
  const definitions = selection.models.map((name) => getDefinition(name, "models"));
  let backend: string | undefined;
  if (definitions.some((d) => TF_FAMILIES.has(d.family))) backend = await initTf({ log });
  const loadBefore = os.loadavg();
  const relevance =
    info.kind === "ranking"
      ? options.minRelevantValue !== undefined
        ? `relevant = test interactions with value >= ${options.minRelevantValue}; users without one are not evaluated`
        : "relevant = every test interaction of the user (explicit ratings are not thresholded)"
      : info.kind === "sampled"
        ? "relevant = the held-out (latest) interaction"
        : undefined;
  const machine = (): Record<string, unknown> => ({
    cpus: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    loadAverageAtStart: loadBefore.map((l) => +l.toFixed(2)),
    loadAverageNow: os.loadavg().map((l) => +l.toFixed(2)),
  });
  const report: EvaluationReport = {
    dataset: data.name,
    protocol,
    results: [],
    notes: {
      protocol: info.description,
      seed,
      ...(ks.length ? { ks } : {}),
      ...(relevance ? { relevance } : {}),
      ...(protocol === "loo-sampled" ? { negatives: options.negatives ?? 100, candidateSeed: (seed + 1) >>> 0 } : {}),
      ...(protocol === "holdout" ? { holdoutFraction: options.holdoutFraction ?? 0.2 } : {}),
      trainingData: options.binarize && !data.implicit ? BINARIZED_RULE : TRAINING_DATA_RULE,
      feedback: data.implicit ? "implicit" : "explicit",
      users: data.interactions.nUsers,
      items: data.interactions.nItems,
      interactions: data.interactions.nnz,
      splits: splitNotes(splits),
      ...(selection.skipped.length ? { skipped: selection.skipped } : {}),
      ...(backend ? { tfBackend: backend } : {}),
      source: data.source,
      machine: machine(),
      timing: "wall-clock seconds on this machine; other processes sharing the CPU make them noisy",
      pending: definitions.map((d) => d.name),
    },
  };

  for (const definition of definitions) {
    options.signal?.throwIfAborted();
    const result = await evaluateModel(definition, data, splits, { ...options, ks, seed, raw: overrides.get(definition.name) ?? {}, hooks });
    report.results.push(result);
    report.notes.machine = machine();
    report.notes.pending = definitions.slice(report.results.length).map((d) => d.name);
    hooks.onModelEnd?.(result, report);
  }
  delete report.notes.pending;
  return report;
}

async function evaluateModel(
  definition: ModelDefinition,
  data: EvalData,
  splits: PreparedSplit[],
  options: EvaluateOptions & { ks: number[]; seed: number; raw: Record<string, unknown>; hooks: EvaluationHooks },
): Promise<ModelResult> {
  const { protocol, ks, seed, raw, hooks } = options;
  const name = definition.name;
  const params = resolveParams(name, raw);
  const kind = PROTOCOL_INFO[protocol].kind;
  const folds: FoldResult[] = [];
  const notes: Record<string, unknown> = {};
  let trainSeconds = 0;
  let evalSeconds = 0;
  let epochs = 0;
  let fitSeconds = 0;
  let phase = "training";
  let current = splits[0]?.name ?? "";
  try {
    for (const split of splits) {
      current = split.name;
      phase = "training";
      if (options.memoryLimitBytes !== undefined) {
        requireMemoryWithin(name, raw, { users: split.train.nUsers, items: split.train.nItems, interactions: split.train.nnz }, options.memoryLimitBytes);
      }
      const model = createModel(name, raw);
      try {
        const training = trainingData(definition, protocol, split.train, data, options.binarize);
        notes.trainedOn = training.binarized ? "binarised matrix" : data.implicit ? "implicit interactions" : "ratings";
        hooks.onTrainStart?.(name, split.name);
        const t0 = performance.now();
        const report = await model.fit(training.data, {
          seed,
          signal: options.signal,
          log: hooks.log,
          onProgress: (p) => hooks.onTrainProgress?.(name, split.name, p),
        });
        const fitWall = (performance.now() - t0) / 1000;
        hooks.onTrainEnd?.(name, split.name, fitWall, report);
        if (model.nItems !== split.train.nItems || model.nUsers !== split.train.nUsers) {
          throw new Error(`after fit the model has ${model.nUsers} × ${model.nItems}, the data ${split.train.nUsers} × ${split.train.nItems}`);
        }
        epochs += report.epochs;
        fitSeconds += report.seconds;
        if (report.notes) notes.fit = report.notes;
        const best = report.validationCurve?.at(-1);
        if (best) notes.lastValidation = { epoch: best.epoch, ...best.metrics };

        phase = "evaluation";
        const t1 = performance.now();
        const onProgress = (done: number, total: number) => hooks.onEvalProgress?.(name, split.name, done, total);
        let metrics: Record<string, number>;
        if (kind === "rating") {
          const r = evaluateRatings(model, split.test, valueRange(split.train));
          metrics = { ...r.metrics };
          notes.clippedPredictions = ((notes.clippedPredictions as number | undefined) ?? 0) + r.clipped;
        } else if (kind === "sampled") {
          const r = await evaluateSampled(model, split.candidates!, { ks, batchSize: options.batchSize, onProgress });
          metrics = r.metrics;
          notes.evaluatedUsers = r.users;
        } else {
          const r = await evaluateFullRanking(model, split.train, split.test, {
            ks,
            metrics: protocol === "given-split" ? ["recall", "ndcg"] : undefined,
            beyondAccuracy: protocol === "holdout",
            minRelevantValue: options.minRelevantValue,
            batchSize: options.batchSize,
            onProgress,
          });
          metrics = r.metrics;
          notes.evaluatedUsers = r.users;
          if (r.shortLists > 0) notes.shortLists = r.shortLists;
        }
        const evalWall = (performance.now() - t1) / 1000;
        trainSeconds += fitWall;
        evalSeconds += evalWall;
        folds.push({ fold: split.name, metrics, trainSeconds: fitWall, evalSeconds: evalWall, epochs: report.epochs });
      } finally {
        model.dispose();
      }
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const message = `${phase} failed on ${current}: ${describeError(error)}`;
    hooks.log?.(`${name}: ${message}`);
    return { model: name, params, metrics: {}, trainSeconds, evalSeconds, notes, error: message };
  }

  const keys = Object.keys(folds[0]?.metrics ?? {});
  const metrics: Record<string, number> = {};
  for (const key of keys) metrics[key] = mean(folds.map((f) => f.metrics[key]));
  notes.epochs = splits.length > 1 ? folds.map((f) => f.epochs) : epochs;
  if (epochs > 0) notes.secondsPerEpoch = +(fitSeconds / epochs).toFixed(4);
  return {
    model: name,
    params,
    metrics,
    trainSeconds,
    evalSeconds,
    ...(splits.length > 1 ? { folds } : {}),
    notes,
  };
}
