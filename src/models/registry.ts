// The one registry of models, used by the API, the training jobs and every script.
// Each family folder exports its definitions; names are a typed union.
import { MEMORY_LIMIT_SETTING } from "../config";
import { MemoryLimitError, ValidationError } from "../errors";
import { decodeArtifact, encodeArtifact, type ArtifactMeta } from "./artifact";
import { baselineModels } from "./baseline";
import { contentModels } from "./content";
import type { ModelDefinition } from "./definition";
import { factorizationModels } from "./factorization";
import { graphModels } from "./graph";
import { FIT_WORKING_SET, largestTerm, totalBytes, type DataShape, type MemoryTerm } from "./memory";
import { neighborhoodModels } from "./neighborhood";
import { neuralModels } from "./neural";
import { validateParams, type ParamSchema } from "./params";
import { sequentialModels } from "./sequential";
import type { Recommender } from "./types";

export const MODEL_DEFINITIONS = [...baselineModels, ...factorizationModels, ...neighborhoodModels, ...contentModels, ...neuralModels, ...graphModels, ...sequentialModels] as const;

export type ModelName = (typeof MODEL_DEFINITIONS)[number]["name"];

const byName = new Map<string, ModelDefinition>(MODEL_DEFINITIONS.map((d) => [d.name, d as unknown as ModelDefinition]));

export function modelNames(): ModelName[] {
  return MODEL_DEFINITIONS.map((d) => d.name);
}

export function getDefinition(name: string, field = "model"): ModelDefinition {
  const definition = byName.get(name);
  if (!definition) throw new ValidationError(field, name, `one of ${modelNames().join(", ")}`);
  return definition;
}

/** Validated parameters with defaults filled in. */
export function resolveParams(name: string, raw: Record<string, unknown> = {}): Record<string, unknown> {
  const definition = getDefinition(name);
  return validateParams(definition.params as ParamSchema, raw, name);
}

export function createModel(name: string, raw: Record<string, unknown> = {}): Recommender {
  const definition = getDefinition(name);
  return definition.create(resolveParams(name, raw) as never);
}

/**
 * The dominant allocations of fitting `name` with these (raw, validated here) parameters on data
 * of this shape, the model's own and the working set every fit has; undefined for a model without an estimate.
 */
export function trainingMemory(name: string, raw: Record<string, unknown>, shape: DataShape): MemoryTerm[] | undefined {
  const terms = getDefinition(name).memory?.(shape, resolveParams(name, raw) as never);
  return terms && [...terms, FIT_WORKING_SET];
}

/**
 * Refuses (MemoryLimitError, code MEMORY_LIMIT) a fit whose estimate, with `extra` terms the
 * caller allocates beside it (a held-out split), is over `limitBytes`; call it before anything
 * large is allocated. The error lists, in registry order, the personalised models that need
 * nothing but the interactions and fit within the limit at their default settings.
 */
export function requireMemoryWithin(name: string, raw: Record<string, unknown>, shape: DataShape, limitBytes: number, extra: readonly MemoryTerm[] = []): void {
  const terms = trainingMemory(name, raw, shape);
  if (!terms) return;
  const all = [...terms, ...extra];
  const estimateBytes = totalBytes(all);
  if (estimateBytes <= limitBytes) return;
  const within = MODEL_DEFINITIONS.filter((d) => d.name !== name && d.capabilities.personalized && !d.capabilities.usesContent)
    .filter((d) => totalBytes([...(trainingMemory(d.name, {}, shape) ?? []), ...extra]) <= limitBytes)
    .map((d) => d.name);
  throw new MemoryLimitError({ model: name, estimateBytes, mostlyFor: largestTerm(all)!.what, shape, limitBytes, setting: MEMORY_LIMIT_SETTING, within });
}

export interface SaveMeta {
  seed: number;
  dataFingerprint: string;
  metrics?: Record<string, number>;
  notes?: Record<string, unknown>;
}

export function serializeModel(model: Recommender, meta: SaveMeta): Uint8Array {
  return encodeArtifact({
    model: model.name,
    params: { ...model.params },
    seed: meta.seed,
    dataFingerprint: meta.dataFingerprint,
    nUsers: model.nUsers,
    nItems: model.nItems,
    metrics: meta.metrics,
    notes: meta.notes,
    createdAt: new Date().toISOString(),
    state: model.saveState(),
  });
}

export function deserializeModel(bytes: Uint8Array): { model: Recommender; meta: ArtifactMeta } {
  const { state, ...meta } = decodeArtifact(bytes);
  const model = createModel(meta.model, meta.params);
  model.loadState(state, { nUsers: meta.nUsers, nItems: meta.nItems });
  return { model, meta };
}
