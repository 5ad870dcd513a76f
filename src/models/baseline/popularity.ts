// Most-popular baseline: scores every item by how many users interacted with it.
// Non-personalised; the usual floor for ranking metrics and the cold-start fallback.
// Objective: none (a count). With `minValue`, only interactions >= minValue count
// (e.g. 4 to count "liked" ratings only).
import { capabilities, defineModel } from "../definition";
import { BaseRecommender } from "../base";
import { FLOAT32_BYTES, trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import type { FitReport, ModelState, TrainingData, UserProfile } from "../types";

const params = {
  minValue: { type: "float", default: 0, min: -1e9, max: 1e9, description: "Only interactions with value >= minValue count" },
} as const;

type Params = ParamsOf<typeof params>;

// Fold-in: a new history gets the same counts.
const POPULARITY_CAPABILITIES = capabilities("foldIn");

export class Popularity extends BaseRecommender<Params> {
  readonly name = "popularity";
  readonly capabilities = POPULARITY_CAPABILITIES;
  private counts: Float32Array = new Float32Array(0);

  async fit(data: TrainingData): Promise<FitReport> {
    const started = performance.now();
    const { interactions } = data;
    this.nUsers = interactions.nUsers;
    this.nItems = interactions.nItems;
    this.counts = new Float32Array(this.nItems);
    for (let k = 0; k < interactions.nnz; k++) {
      if (interactions.values[k] >= this.params.minValue) this.counts[interactions.indices[k]]++;
    }
    return { epochs: 1, seconds: (performance.now() - started) / 1000 };
  }

  scoreUser(_user: number, out: Float32Array): void {
    out.set(this.counts);
  }

  override scoreProfile(_profile: UserProfile, out: Float32Array): void {
    out.set(this.counts);
  }

  saveState(): ModelState {
    return { json: {}, arrays: { counts: this.counts } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.counts = state.arrays.counts as Float32Array;
  }
}

export const popularity = defineModel({
  name: "popularity",
  family: "baseline",
  description: "Most popular items (interaction counts); non-personalised baseline and cold-start fallback",
  feedback: "both",
  capabilities: POPULARITY_CAPABILITIES,
  params,
  // One count per item beside the training matrix.
  memory: (shape) => [trainingMatrix(shape), { what: "item counts (float32)", bytes: FLOAT32_BYTES * shape.items }],
  create: (p) => new Popularity(p),
});
