// The evaluation protocols, which models each one takes, and what each model trains on.
import type { Interactions } from "../data/interactions";
import { ValidationError } from "../errors";
import type { ModelDefinition } from "../models/definition";
import { MODEL_DEFINITIONS, getDefinition } from "../models/registry";
import type { TrainingData } from "../models/types";
import type { EvalData } from "./data";

export const PROTOCOLS = ["rating-5fold", "holdout", "loo-sampled", "given-split"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface ProtocolInfo {
  kind: "rating" | "ranking" | "sampled";
  /** Cut-offs used when none are given. */
  defaultKs: readonly number[];
  description: string;
}

export const PROTOCOL_INFO: Record<Protocol, ProtocolInfo> = {
  "rating-5fold": {
    kind: "rating",
    defaultKs: [],
    description:
      "RMSE and MAE of predict() on held-out ratings, 5 folds (MovieLens 100K's u1..u5.base/test when the folder has them, " +
      "else a seeded random 5-fold split of the ratings); predictions clipped to the training rating range; mean and per fold",
  },
  holdout: {
    kind: "ranking",
    defaultKs: [10, 20],
    description:
      "per-user random 80/20 holdout (seeded; users with one interaction stay in train); full ranking of every item the user " +
      "has no training interaction with; precision, recall, ndcg, hr, mrr, map, coverage and novelty @K, averaged over users with a relevant test item",
  },
  "loo-sampled": {
    kind: "sampled",
    defaultKs: [10],
    description:
      "leave-last-out by timestamp (item order where times are unknown or tied); the held-out item ranked among 100 items the " +
      "user never interacted with, sampled uniformly without replacement (seeded, the same for every model); ties count against the held-out item",
  },
  "given-split": {
    kind: "ranking",
    defaultKs: [20],
    description:
      "train/test files as given (LightGCN format); full ranking of every item the user has no training interaction with; " +
      "recall@K = hits / |test items|, ndcg@K with binary relevance and IDCG over min(|test|, K), averaged over users with test items",
  },
};

export function parseProtocol(value: string, field = "protocol"): Protocol {
  if ((PROTOCOLS as readonly string[]).includes(value)) return value as Protocol;
  throw new ValidationError(field, value, `one of ${PROTOCOLS.join(", ")}`);
}

export interface ModelSelection {
  models: string[];
  /** Models `all` left out, with the reason. */
  skipped: { model: string; reason: string }[];
}

function hasContent(data: EvalData): boolean {
  return data.content.some((c) => c.title !== null || c.genres.length > 0 || c.tags.length > 0);
}

function hasTimes(data: EvalData): boolean {
  const times = data.interactions.times;
  return times !== undefined && times.some((t) => !Number.isNaN(t));
}

/**
 * Which models run. `all`: rating protocols take every model that declares ratingPrediction;
 * ranking protocols take every model, except ones that need item content when the data set
 * has none, and sequential models when the data has no timestamps (no order to learn).
 * Named models run as asked, except a model that cannot predict ratings under a rating protocol.
 */
export function selectModels(protocol: Protocol, requested: readonly string[] | "all", data: EvalData): ModelSelection {
  const kind = PROTOCOL_INFO[protocol].kind;
  if (kind === "rating" && data.implicit) {
    throw new ValidationError("protocol", protocol, "a ranking protocol (holdout, loo-sampled, given-split): this data set is implicit feedback, with no ratings to predict");
  }
  const definitions = MODEL_DEFINITIONS as readonly ModelDefinition[];
  const raters = definitions.filter((d) => d.capabilities.ratingPrediction).map((d) => d.name);
  if (requested !== "all") {
    const models = [...new Set(requested)];
    for (const name of models) {
      const definition = getDefinition(name, "models");
      if (kind === "rating" && !definition.capabilities.ratingPrediction) {
        throw new ValidationError("models", name, `a model that predicts ratings for ${protocol}: ${raters.length ? raters.join(", ") : "none in the registry"}`);
      }
    }
    return { models, skipped: [] };
  }
  const models: string[] = [];
  const skipped: ModelSelection["skipped"] = [];
  const content = hasContent(data);
  const times = hasTimes(data);
  for (const d of definitions) {
    if (kind === "rating" && !d.capabilities.ratingPrediction) skipped.push({ model: d.name, reason: "does not predict ratings" });
    else if (kind !== "rating" && d.capabilities.usesContent && !content) skipped.push({ model: d.name, reason: "needs item content; the data set has none" });
    else if (kind !== "rating" && d.capabilities.sequential && !times) skipped.push({ model: d.name, reason: "sequential; the data set has no timestamps" });
    else models.push(d.name);
  }
  if (models.length === 0) {
    throw new ValidationError("models", "all", `models that fit ${protocol}; none in the registry does (${skipped.map((s) => `${s.model}: ${s.reason}`).join("; ")})`);
  }
  return { models, skipped };
}

/**
 * What a model trains on. Implicit data: as is. Explicit data: rating protocols train on the
 * ratings; ranking protocols train on the ratings too, except models whose definition says
 * feedback "implicit", which get the binarised matrix (every rating an interaction of weight 1).
 * With `binarize` (ranking protocols only) every model gets the binarised matrix, as in the
 * NCF and SASRec papers' treatment of MovieLens.
 */
export function trainingData(definition: ModelDefinition, protocol: Protocol, train: Interactions, data: EvalData, binarize = false): { data: TrainingData; binarized: boolean } {
  if (data.implicit) return { data: { interactions: train, implicit: true, content: data.content }, binarized: false };
  if (PROTOCOL_INFO[protocol].kind !== "rating" && (binarize || definition.feedback === "implicit")) {
    return { data: { interactions: train.binarized(), implicit: true, content: data.content }, binarized: true };
  }
  return { data: { interactions: train, implicit: false, content: data.content }, binarized: false };
}

export const TRAINING_DATA_RULE =
  'implicit data as is; explicit data: ratings as given, except models with feedback "implicit" under ranking protocols, which train on the binarised matrix (every rating = 1)';
export const BINARIZED_RULE = "explicit data binarised for every model (--binarize): every rating is an interaction of weight 1";
