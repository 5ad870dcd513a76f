import type { DataShape, MemoryTerm } from "./memory";
import type { ParamSchema, ParamsOf } from "./params";
import type { Capabilities, ModelFamily, Recommender } from "./types";

/** Which feedback a model is meant for; the evaluation harness uses it to pick protocols. */
export type Feedback = "explicit" | "implicit" | "both";

export interface ModelDefinition<N extends string = string, S extends ParamSchema = ParamSchema> {
  name: N;
  family: ModelFamily;
  /** One line for `models` in the API and the CLI. */
  description: string;
  /** Paper reference (authors, venue, year). */
  paper?: string;
  feedback: Feedback;
  capabilities: Capabilities;
  params: S;
  /** Small, fast settings for contract tests and smoke runs (tiny data, few epochs). */
  fastParams?: Partial<ParamsOf<S>>;
  /**
   * The dominant allocations of a fit on data of this shape with these (resolved) parameters, at
   * its peak and beyond the process's baseline (src/models/memory.ts): trainModel and the
   * evaluation harness refuse a model whose total is over the configured limit before fitting.
   * Every registry model has one (test/models/memory.test.ts).
   */
  memory?(shape: DataShape, params: ParamsOf<S>): MemoryTerm[];
  create(params: ParamsOf<S>): Recommender;
}

/** Keeps literal names and parameter types when declaring a model. */
export function defineModel<N extends string, S extends ParamSchema>(definition: ModelDefinition<N, S>): ModelDefinition<N, S> {
  return definition;
}

/**
 * A model's capabilities from the ones it has: every capability not named is false, so a model
 * file states only what it can do (`capabilities("personalized", "similarItems", "foldIn")`).
 */
export function capabilities(...present: (keyof Capabilities)[]): Capabilities {
  const all: Capabilities = {
    personalized: false,
    ratingPrediction: false,
    similarItems: false,
    foldIn: false,
    sequential: false,
    coldStartItems: false,
    usesContent: false,
  };
  for (const name of present) all[name] = true;
  return Object.freeze(all);
}
