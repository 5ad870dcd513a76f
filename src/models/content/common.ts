// The content-based scorer shared by `content` (content.ts, where the method and its papers are
// described) and `hybrid`, which blends it with a collaborative model for cold-start items:
// item vectors from title, genres, tags and decade, and the rating-weighted user profile.
import type { ItemContent } from "../../data/dataset";
import { ValidationError } from "../../errors";
import { capabilities } from "../definition";
import { HistoryRecommender, type History } from "../history";
import type { DataShape, MemoryTerm } from "../memory";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData } from "../types";

export const CONTENT_PARAMS = {
  genreWeight: { type: "float", default: 1, min: 0, max: 100, description: "Weight of the genre block" },
  tagWeight: { type: "float", default: 1, min: 0, max: 100, description: "Weight of the tag block (TF-IDF)" },
  titleWeight: { type: "float", default: 0.5, min: 0, max: 100, description: "Weight of the title-word block (TF-IDF)" },
  yearWeight: { type: "float", default: 0.5, min: 0, max: 100, description: "Weight of the decade block" },
  meanShrink: { type: "float", default: 5, min: 0, max: 1e4, description: "Explicit data: ratings pulling each user's mean toward the global mean" },
} as const;

export type ContentParams = ParamsOf<typeof CONTENT_PARAMS>;

export const CONTENT_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn", "coldStartItems", "usesContent");

const BLOCKS = ["g", "t", "w", "y"] as const;
type Block = (typeof BLOCKS)[number];

// Short English (and frequent French/Spanish/German article) stop words for titles.
const STOP_WORDS = new Set("a an and the of in on at to for with from by as is it its or vs la le les l de des du el los las der die das und il".split(" "));

/** Raw (unweighted) features of one item: block → feature name → term count. */
function rawFeatures(content: ItemContent | undefined): Map<string, number> {
  const features = new Map<string, number>();
  if (!content) return features;
  const add = (name: string) => features.set(name, (features.get(name) ?? 0) + 1);
  for (const genre of content.genres) {
    const g = genre.trim().toLowerCase();
    if (g && g !== "unknown" && g !== "(no genres listed)") add(`g:${g}`);
  }
  for (const tag of content.tags) {
    const t = tag.trim().toLowerCase();
    if (t) add(`t:${t}`);
  }
  if (content.title) {
    const title = content.title.replace(/\(\s*\d{4}\s*\)/g, " ").toLowerCase();
    for (const word of title.split(/[^\p{L}\p{N}]+/u)) {
      if (word.length < 2 || STOP_WORDS.has(word) || /^\d+$/.test(word)) continue;
      add(`w:${word}`);
    }
  }
  if (content.year !== null && Number.isFinite(content.year)) add(`y:${Math.floor(content.year / 10) * 10}`);
  return features;
}

/** Sparse, L2-normalised item vectors (CSR over items) with a fixed vocabulary and IDF. */
export class ItemVectors {
  ptr: Int32Array = new Int32Array(1);
  idx: Int32Array = new Int32Array(0);
  val: Float32Array = new Float32Array(0);

  constructor(
    readonly vocabulary: string[],
    readonly idf: Float32Array,
    private readonly weights: Record<Block, number>,
  ) {}

  private lookup: Map<string, number> | undefined;

  get nItems(): number {
    return this.ptr.length - 1;
  }

  get nFeatures(): number {
    return this.vocabulary.length;
  }

  /** Builds the vocabulary and IDF from `content` and vectorises it. */
  static build(content: ItemContent[], weights: Record<Block, number>): ItemVectors {
    const raw = content.map(rawFeatures);
    const df = new Map<string, number>();
    for (const features of raw) for (const name of features.keys()) df.set(name, (df.get(name) ?? 0) + 1);
    const vocabulary = [...df.keys()].sort();
    const n = content.length;
    const idf = Float32Array.from(vocabulary, (name) => Math.log((n + 1) / (df.get(name)! + 1)) + 1);
    const vectors = new ItemVectors(vocabulary, idf, weights);
    vectors.append(raw);
    return vectors;
  }

  /** Adds items (unknown features are ignored: the vocabulary and IDF stay those of training). */
  appendContent(content: ItemContent[]): void {
    this.append(content.map(rawFeatures));
  }

  private append(raw: Map<string, number>[]): void {
    if (!this.lookup) this.lookup = new Map(this.vocabulary.map((name, f) => [name, f]));
    const lookup = this.lookup;
    const ptr = new Int32Array(this.ptr.length + raw.length);
    ptr.set(this.ptr);
    const idx: number[] = Array.from(this.idx);
    const val: number[] = Array.from(this.val);
    for (let r = 0; r < raw.length; r++) {
      const entries: [number, number, Block][] = [];
      const blockNorm: Record<Block, number> = { g: 0, t: 0, w: 0, y: 0 };
      for (const [name, count] of raw[r]) {
        const f = lookup.get(name);
        if (f === undefined) continue;
        const block = name[0] as Block;
        // Genres and decades are one-hot (idf would only reorder them by rarity); tags and title words are TF-IDF.
        const value = block === "t" || block === "w" ? count * this.idf[f] : 1;
        entries.push([f, value, block]);
        blockNorm[block] += value * value;
      }
      let total = 0;
      for (const entry of entries) {
        const norm = Math.sqrt(blockNorm[entry[2]]);
        entry[1] = norm > 0 ? (entry[1] / norm) * this.weights[entry[2]] : 0;
        total += entry[1] * entry[1];
      }
      const scale = total > 0 ? 1 / Math.sqrt(total) : 0;
      entries.sort((a, b) => a[0] - b[0]);
      for (const [f, value] of entries) {
        if (value === 0) continue;
        idx.push(f);
        val.push(value * scale);
      }
      ptr[this.ptr.length + r] = idx.length;
    }
    this.ptr = ptr;
    this.idx = Int32Array.from(idx);
    this.val = Float32Array.from(val);
  }

  /** out[j] = x_j · dense for every item. */
  dotAll(dense: Float64Array, out: Float32Array, scale = 1): void {
    const { ptr, idx, val } = this;
    for (let j = 0; j < ptr.length - 1; j++) {
      let s = 0;
      for (let p = ptr[j]; p < ptr[j + 1]; p++) s += val[p] * dense[idx[p]];
      out[j] = s * scale;
    }
  }

  /** dense += w · x_i. */
  addTo(dense: Float64Array, item: number, w: number): void {
    for (let p = this.ptr[item]; p < this.ptr[item + 1]; p++) dense[this.idx[p]] += w * this.val[p];
  }

  static restore(vocabulary: string[], idf: Float32Array, weights: Record<Block, number>, ptr: Int32Array, idx: Int32Array, val: Float32Array): ItemVectors {
    const vectors = new ItemVectors(vocabulary, idf, weights);
    vectors.ptr = ptr;
    vectors.idx = idx;
    vectors.val = val;
    return vectors;
  }
}

/**
 * The item vectors of a content fit: each item's raw features as a JS Map of strings (title words,
 * genres, tags, decade) while the vocabulary is built, then the sparse vectors; ~4 KiB per item
 * at MovieLens' tag counts.
 */
export function contentMemory(shape: DataShape): MemoryTerm {
  return { what: "item feature maps and vectors", bytes: 4096 * shape.items };
}

export function requireContent(data: TrainingData, model: string): ItemContent[] {
  const content = data.content;
  if (!content || content.length !== data.interactions.nItems) {
    throw new ValidationError(`${model}.content`, content ? `${content.length} items` : "missing", `item content for all ${data.interactions.nItems} items`);
  }
  return content;
}

export class ContentBased extends HistoryRecommender<ContentParams> {
  readonly name: string = "content";
  readonly capabilities = CONTENT_CAPABILITIES;
  private vectors: ItemVectors | undefined;
  private implicit = false;
  private mu = 0;
  private profileBuffer: Float64Array = new Float64Array(0);

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const content = requireContent(data, this.name);
    const x = data.interactions;
    this.useTraining(x);
    this.implicit = data.implicit;
    let sum = 0;
    for (let p = 0; p < x.nnz; p++) sum += x.values[p];
    this.mu = x.nnz ? sum / x.nnz : 0;
    this.vectors = ItemVectors.build(content, this.blockWeights());
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: `${this.vectors.nFeatures} content features` });
    return { epochs: 1, seconds, notes: { features: this.vectors.nFeatures } };
  }

  private blockWeights(): Record<Block, number> {
    const p = this.params;
    return { g: p.genreWeight, t: p.tagWeight, w: p.titleWeight, y: p.yearWeight };
  }

  private requireVectors(): ItemVectors {
    if (!this.vectors) throw new Error("content: fit or load the model first");
    return this.vectors;
  }

  /** Cosine of the history's profile vector with every item (weights mean-centred for explicit ratings). */
  protected scoreHistory({ items, values, start, end }: History, out: Float32Array): void {
    const vectors = this.requireVectors();
    if (this.profileBuffer.length !== vectors.nFeatures) this.profileBuffer = new Float64Array(vectors.nFeatures);
    const profile = this.profileBuffer;
    profile.fill(0);
    let baseline = 0;
    if (!this.implicit) {
      let sum = 0;
      for (let t = start; t < end; t++) sum += values[t];
      baseline = (sum + this.params.meanShrink * this.mu) / (end - start + this.params.meanShrink || 1);
    }
    for (let t = start; t < end; t++) {
      const item = items[t];
      if (item < 0 || item >= vectors.nItems) continue;
      const w = this.implicit ? values[t] : values[t] - baseline;
      if (w !== 0) vectors.addTo(profile, item, w);
    }
    let norm = 0;
    for (let f = 0; f < profile.length; f++) norm += profile[f] * profile[f];
    norm = Math.sqrt(norm);
    vectors.dotAll(profile, out, norm > 0 ? 1 / norm : 0);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    const vectors = this.requireVectors();
    if (this.profileBuffer.length !== vectors.nFeatures) this.profileBuffer = new Float64Array(vectors.nFeatures);
    const dense = this.profileBuffer;
    dense.fill(0);
    vectors.addTo(dense, item, 1);
    vectors.dotAll(dense, out);
  }

  extendItems(content: ItemContent[]): void {
    const vectors = this.requireVectors();
    vectors.appendContent(content);
    this.nItems = vectors.nItems;
  }

  saveState(): ModelState {
    const vectors = this.requireVectors();
    return {
      json: { vocabulary: vectors.vocabulary, implicit: this.implicit, mu: this.mu, trainItems: this.training().nItems },
      arrays: { idf: vectors.idf, itemPtr: vectors.ptr, itemIdx: vectors.idx, itemVal: vectors.val, ...this.historyArrays() },
    };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const a = state.arrays;
    this.vectors = ItemVectors.restore(state.json.vocabulary as string[], a.idf as Float32Array, this.blockWeights(), a.itemPtr as Int32Array, a.itemIdx as Int32Array, a.itemVal as Float32Array);
    this.implicit = state.json.implicit as boolean;
    this.mu = state.json.mu as number;
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.loadHistory(a, shape.nUsers, (state.json.trainItems as number | undefined) ?? shape.nItems);
  }

  override dispose(): void {
    super.dispose();
    this.vectors = undefined;
    this.profileBuffer = new Float64Array(0);
  }
}
