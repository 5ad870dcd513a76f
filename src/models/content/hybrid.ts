// Weighted hybrid of a collaborative factor model and the content model: R. Burke, "Hybrid
// Recommender Systems: Survey and Experiments", User Modeling and User-Adapted Interaction
// 12(4), 2002 (the "weighted" design), with the weight set per user and item from how much
// collaborative evidence exists (the cold-start motivation of A. Schein, A. Popescul, L. Ungar,
// D. Pennock, "Methods and Metrics for Cold-Start Recommendations", SIGIR 2002):
//   w_ui = n_u / (n_u + γ_u) · n_i / (n_i + γ_i)      (n = training interactions; 0 for new items)
//   s_ui = w_ui · z_cf(u, i) + (1 − w_ui) · z_content(u, i)
// where z_· are the scores standardised per user over the catalogue (zero mean, unit variance),
// so the two scales are comparable. A new item (no interactions) is scored by content alone; a
// user with few ratings leans on content; a heavy user on the collaborative model.
// The collaborative part is implicit ALS (default) or explicit ALS (chosen). On ratings, implicit
// ALS trains on each user's liked items only (rating ≥ the user's mean), so a 1-star rating is not
// read as positive evidence; fold-in profiles are filtered the same way. (Explicit ALS predicts
// ratings well but ranks poorly over the full catalogue: ML-100K holdout recall@20 0.03.)
import type { ItemContent } from "../../data/dataset";
import type { Interactions } from "../../data/interactions";
import { subset } from "../../data/splits";
import { ALS_PARAMS, ExplicitAls } from "../factorization/als";
import { ImplicitAls, IALS_PARAMS, ialsMemory } from "../factorization/ials";
import { biasedFactorMemory } from "../factorization/common";
import { interactionsCopy, trainingMatrix } from "../memory";
import { BaseRecommender } from "../base";
import { defineModel } from "../definition";
import { defaultParams, type ParamsOf } from "../params";
import type { ArrayState, FitContext, FitReport, ModelState, Recommender, TrainingData, UserProfile } from "../types";
import { CONTENT_CAPABILITIES, CONTENT_PARAMS, ContentBased, contentMemory } from "./common";

const params = {
  collaborative: {
    type: "enum",
    default: "ials",
    values: ["ials", "als"] as const,
    description: "Collaborative component: implicit ALS (on ratings: on each user's liked items) or explicit ALS",
  },
  // Defaults and ranges of implicit ALS (explicit ALS is trained with the same values).
  factors: { ...IALS_PARAMS.factors, description: "Latent dimensions of the collaborative model" },
  iterations: { ...IALS_PARAMS.iterations, description: "Iterations of the collaborative model" },
  cfReg: { type: "float", default: 0, min: 0, max: 1e5, description: "λ of the collaborative model (0: that model's default)" },
  alpha: { ...IALS_PARAMS.alpha, description: "Confidence slope α of implicit ALS" },
  userShrink: { type: "float", default: 10, min: 0, max: 1e6, description: "γ_u: user interactions at which collaborative and content weigh equally" },
  itemShrink: { type: "float", default: 10, min: 0, max: 1e6, description: "γ_i: item interactions at which collaborative and content weigh equally" },
} as const;

type Params = ParamsOf<typeof params>;

export class Hybrid extends BaseRecommender<Params> {
  readonly name = "hybrid";
  readonly capabilities = CONTENT_CAPABILITIES;
  private cf: ImplicitAls | ExplicitAls | undefined;
  private content: ContentBased | undefined;
  private userCounts: Int32Array = new Int32Array(0);
  private itemCounts: Int32Array = new Int32Array(0);
  private cfItems = 0;
  private cfScores: Float32Array = new Float32Array(0);
  private contentScores: Float32Array = new Float32Array(0);

  /** Ratings data with implicit ALS: train and fold in on liked items (value ≥ the user's mean) only. */
  private likedOnly = false;

  private makeParts(): { cf: ImplicitAls | ExplicitAls; content: ContentBased } {
    const p = this.params;
    let cf: ImplicitAls | ExplicitAls;
    if (p.collaborative === "ials") {
      const base = defaultParams(IALS_PARAMS);
      cf = new ImplicitAls({ ...base, factors: p.factors, iterations: p.iterations, alpha: p.alpha, reg: p.cfReg > 0 ? p.cfReg : base.reg });
    } else {
      const base = defaultParams(ALS_PARAMS);
      cf = new ExplicitAls({ ...base, factors: p.factors, iterations: p.iterations, reg: p.cfReg > 0 ? p.cfReg : base.reg });
    }
    return { cf, content: new ContentBased(defaultParams(CONTENT_PARAMS)) };
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    this.likedOnly = this.params.collaborative === "ials" && !data.implicit;
    const parts = this.makeParts();
    const contentReport = await parts.content.fit(data, { ...context, onProgress: undefined });
    const cfData = this.likedOnly ? { interactions: likedSubset(x), implicit: true } : data;
    const cfReport = await parts.cf.fit(cfData, context);
    this.cf = parts.cf;
    this.content = parts.content;
    this.nUsers = x.nUsers;
    this.nItems = x.nItems;
    this.cfItems = x.nItems;
    this.userCounts = new Int32Array(x.nUsers);
    for (let u = 0; u < x.nUsers; u++) this.userCounts[u] = x.indptr[u + 1] - x.indptr[u];
    this.itemCounts = x.itemDegrees();
    const seconds = (performance.now() - started) / 1000;
    return {
      epochs: cfReport.epochs,
      seconds,
      lossCurve: cfReport.lossCurve,
      notes: { collaborative: this.params.collaborative, likedOnly: this.likedOnly, cfSeconds: cfReport.seconds, contentSeconds: contentReport.seconds },
    };
  }

  private parts(): { cf: Recommender; content: ContentBased } {
    if (!this.cf || !this.content) throw new Error("hybrid: fit or load the model first");
    return { cf: this.cf, content: this.content };
  }

  private buffers(): { cf: Float32Array; content: Float32Array } {
    if (this.cfScores.length !== this.cfItems) this.cfScores = new Float32Array(this.cfItems);
    if (this.contentScores.length !== this.nItems) this.contentScores = new Float32Array(this.nItems);
    return { cf: this.cfScores, content: this.contentScores };
  }

  scoreUser(user: number, out: Float32Array): void {
    const parts = this.parts();
    const buffers = this.buffers();
    parts.cf.scoreUser(user, buffers.cf);
    parts.content.scoreUser(user, buffers.content);
    this.blend(this.userCounts[user], buffers.cf, buffers.content, out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const parts = this.parts();
    const buffers = this.buffers();
    parts.cf.scoreProfile(this.likedOnly ? likedProfile(profile) : profile, buffers.cf);
    parts.content.scoreProfile(profile, buffers.content);
    let n = 0;
    for (let t = 0; t < profile.items.length; t++) if (profile.items[t] >= 0 && profile.items[t] < this.cfItems) n++;
    this.blend(n, buffers.cf, buffers.content, out);
  }

  /** out = w_ui z_cf + (1 − w_ui) z_content; items beyond the collaborative catalogue get content only. */
  private blend(userCount: number, cf: Float32Array, content: Float32Array, out: Float32Array): void {
    const { userShrink, itemShrink } = this.params;
    const wu = userCount + userShrink > 0 ? userCount / (userCount + userShrink) : 0;
    const cfStats = moments(cf, this.cfItems);
    const contentStats = moments(content, this.nItems);
    for (let i = 0; i < this.nItems; i++) {
      const zContent = (content[i] - contentStats.mean) * contentStats.inverseStd;
      if (i >= this.cfItems) {
        out[i] = zContent;
        continue;
      }
      const ni = this.itemCounts[i];
      const w = wu * (ni + itemShrink > 0 ? ni / (ni + itemShrink) : 0);
      out[i] = w * (cf[i] - cfStats.mean) * cfStats.inverseStd + (1 - w) * zContent;
    }
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    const parts = this.parts();
    const buffers = this.buffers();
    parts.content.itemSimilarities(item, buffers.content);
    if (item >= this.cfItems) {
      out.set(buffers.content.subarray(0, this.nItems));
      return;
    }
    parts.cf.itemSimilarities(item, buffers.cf);
    const shrink = this.params.itemShrink;
    const wq = this.itemCounts[item] / (this.itemCounts[item] + shrink || 1);
    for (let i = 0; i < this.nItems; i++) {
      if (i >= this.cfItems) {
        out[i] = buffers.content[i];
        continue;
      }
      const w = wq * (this.itemCounts[i] / (this.itemCounts[i] + shrink || 1));
      out[i] = w * buffers.cf[i] + (1 - w) * buffers.content[i];
    }
  }

  extendItems(content: ItemContent[]): void {
    const parts = this.parts();
    parts.content.extendItems(content);
    this.nItems = parts.content.nItems;
  }

  saveState(): ModelState {
    const parts = this.parts();
    const cf = parts.cf.saveState();
    const content = parts.content.saveState();
    const arrays: ArrayState = { userCounts: this.userCounts, itemCounts: this.itemCounts };
    for (const [name, array] of Object.entries(cf.arrays)) arrays[`cf.${name}`] = array;
    for (const [name, array] of Object.entries(content.arrays)) arrays[`content.${name}`] = array;
    return { json: { likedOnly: this.likedOnly, cf: cf.json, content: content.json, cfItems: this.cfItems, cfUsers: parts.cf.nUsers }, arrays };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const pick = (prefix: string): ArrayState => {
      const out: ArrayState = {};
      for (const [name, array] of Object.entries(state.arrays)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = array;
      return out;
    };
    this.likedOnly = state.json.likedOnly as boolean;
    const parts = this.makeParts();
    const cfItems = state.json.cfItems as number;
    parts.cf.loadState({ json: state.json.cf as Record<string, unknown>, arrays: pick("cf.") }, { nUsers: state.json.cfUsers as number, nItems: cfItems });
    parts.content.loadState({ json: state.json.content as Record<string, unknown>, arrays: pick("content.") }, shape);
    this.cf = parts.cf;
    this.content = parts.content;
    this.cfItems = cfItems;
    this.userCounts = state.arrays.userCounts as Int32Array;
    this.itemCounts = state.arrays.itemCounts as Int32Array;
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
  }

  override dispose(): void {
    super.dispose();
    this.cf?.dispose();
    this.content?.dispose();
    this.cf = undefined;
    this.content = undefined;
  }
}

/** The interactions with value ≥ their user's mean value (every row keeps at least its best). */
function likedSubset(x: Interactions): Interactions {
  const means = new Float64Array(x.nUsers);
  for (let u = 0; u < x.nUsers; u++) {
    let sum = 0;
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) sum += x.values[p];
    means[u] = x.indptr[u + 1] > x.indptr[u] ? sum / (x.indptr[u + 1] - x.indptr[u]) : 0;
  }
  return subset(x, (p, u) => x.values[p] >= means[u]);
}

function likedProfile(profile: UserProfile): UserProfile {
  let sum = 0;
  for (let t = 0; t < profile.values.length; t++) sum += profile.values[t];
  const mean = profile.values.length ? sum / profile.values.length : 0;
  const keep: number[] = [];
  for (let t = 0; t < profile.items.length; t++) if (profile.values[t] >= mean) keep.push(t);
  return { items: Int32Array.from(keep, (t) => profile.items[t]), values: Float32Array.from(keep, (t) => profile.values[t]) };
}

/** Mean and 1/std of the first n values (1/std = 0 when constant). */
function moments(values: Float32Array, n: number): { mean: number; inverseStd: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = n ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) * (values[i] - mean);
  const std = n ? Math.sqrt(ss / n) : 0;
  return { mean, inverseStd: std > 1e-12 ? 1 / std : 0 };
}

export const hybrid = defineModel({
  name: "hybrid",
  family: "content",
  description: "Weighted hybrid: implicit ALS (or explicit ALS) blended with the content model, weight from user and item interaction counts",
  paper: "R. Burke. Hybrid Recommender Systems: Survey and Experiments. UMUAI 2002",
  feedback: "both",
  capabilities: CONTENT_CAPABILITIES,
  params,
  fastParams: { factors: 4, iterations: 8, userShrink: 2, itemShrink: 2 },
  // Both parts at once; with implicit ALS the liked-items subset (and its transpose) is a copy of the rows.
  memory: (shape, p) => [
    trainingMatrix(shape),
    contentMemory(shape),
    ...(p.collaborative === "ials"
      ? [...ialsMemory(shape, { ...defaultParams(IALS_PARAMS), factors: p.factors }), interactionsCopy("liked-items subset", shape)]
      : [biasedFactorMemory(shape, p.factors)]),
  ],
  create: (p) => new Hybrid(p),
});
