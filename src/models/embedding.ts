// The base of embedding models: one vector per user (p_u) and per item (q_i), k columns each,
// row-major. A score is a dot product plus optional additive terms,
//   s_ui = offset + b_u + b_i + p_u · q_i,
// (biases and a global offset for the rating models, none for implicit ones); similar items are
// the cosine of item vectors (norms cached until the factors change); the factors are saved in
// ModelState as "userFactors" and "itemFactors" with "k". The factor models keep float64 factors
// (FLOAT64); embedding models with float32 final vectors (the graph models) would pass FLOAT32
// and override scoreUsers with their own batched product.
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../errors";
import { InnerProductIndex, type AnnOptions } from "../math/ann";
import { cosineRowToAll, cosineRowToSome, multiplyRowsByTransposed, rowNorms, type FloatArray } from "../math/linalg";
import { topK } from "../math/topk";
import { BaseRecommender } from "./base";
import type { ModelState, Ranked, RecommendOptions, UserProfile } from "./types";

/** How a model's factor arrays are made and recognised (float64 or float32). */
export interface FactorType<V extends FloatArray> {
  create(length: number): V;
  /** The saved array as this type (itself when it already is one). */
  from(values: ArrayLike<number>): V;
}

export const FLOAT64: FactorType<Float64Array> = {
  create: (length) => new Float64Array(length),
  from: (values) => (values instanceof Float64Array ? values : Float64Array.from(values)),
};

export const FLOAT32: FactorType<Float32Array> = {
  create: (length) => new Float32Array(length),
  from: (values) => (values instanceof Float32Array ? values : Float32Array.from(values)),
};

/** The additive terms of every score: offset + userBias[u] + itemBias[i] (each optional). */
export interface ScoreTerms {
  offset: number;
  userBias?: FloatArray;
  itemBias?: FloatArray;
}

const NO_TERMS: ScoreTerms = Object.freeze({ offset: 0 });

/** Longest candidate list asked of the index (k plus the user's rated items); past it the full scan serves. */
const MAX_INDEX_CANDIDATES = 4_096;

export abstract class EmbeddingRecommender<P extends object, V extends FloatArray = Float64Array> extends BaseRecommender<P> {
  /** Columns of every user and item vector. */
  protected k = 0;
  /** p_u, nUsers × k. */
  protected userFactors: V;
  /** q_i, nItems × k. */
  protected itemFactors: V;
  private itemNorms: Float32Array | undefined;

  /** How the factor arrays are made: FLOAT64 unless given (a float32 model must pass FLOAT32, the type says so). */
  protected readonly floats: FactorType<V>;

  constructor(params: Readonly<P>, ...[floats]: Float64Array extends V ? [FactorType<V>?] : [FactorType<V>]) {
    super(params);
    // Sound: floats is only optional when V is Float64Array (the rest type above).
    this.floats = floats ?? (FLOAT64 as unknown as FactorType<V>);
    this.userFactors = this.floats.create(0);
    this.itemFactors = this.floats.create(0);
  }

  /** The additive terms of a score; none by default (a plain dot product). */
  protected scoreTerms(): ScoreTerms {
    return NO_TERMS;
  }

  /** Takes new factors (at fit or load) with their shape, and drops what was derived from the old ones. */
  protected setFactors(nUsers: number, nItems: number, k: number, users: V, items: V): void {
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.k = k | 0;
    this.userFactors = users;
    this.itemFactors = items;
    this.factorsChanged();
  }

  /** Drops what was derived from the factors; models with caches of their own extend it. */
  protected factorsChanged(): void {
    this.itemNorms = undefined;
    this.dropCandidateIndex();
  }

  // Approximate retrieval ------------------------------------------------------------------------

  private candidateIndex: InnerProductIndex | undefined;

  /**
   * Builds an approximate inner-product index (HNSW, src/math/ann.ts) over the item vectors, the
   * item bias as one more column, for a catalogue too large to score in full per request. Then
   * `recommend` and `recommendForProfile` score exactly only the index's candidates (the scores
   * are the model's; which items are candidates is approximate), and fall back to the full scan
   * for a filtered request, a history too long for one search, or too few candidates left after
   * the exclusions. Dropped when the factors change.
   */
  buildCandidateIndex(options: AnnOptions = {}): InnerProductIndex {
    this.dropCandidateIndex();
    const itemBias = this.scoreTerms().itemBias;
    const dim = this.k + (itemBias ? 1 : 0);
    const vectors = new Float32Array(this.nItems * dim);
    for (let i = 0; i < this.nItems; i++) {
      for (let d = 0; d < this.k; d++) vectors[i * dim + d] = this.itemFactors[i * this.k + d];
      if (itemBias) vectors[i * dim + this.k] = itemBias[i];
    }
    this.candidateIndex = new InnerProductIndex(vectors, dim, this.nItems, options);
    return this.candidateIndex;
  }

  dropCandidateIndex(): void {
    this.candidateIndex?.dispose();
    this.candidateIndex = undefined;
  }

  get hasCandidateIndex(): boolean {
    return this.candidateIndex !== undefined;
  }

  override recommend(user: number, k: number, options: RecommendOptions = {}): Ranked {
    if (this.candidateIndex && Number.isInteger(user) && user >= 0 && user < this.nUsers) {
      const terms = this.scoreTerms();
      const ranked = this.recommendFromIndex(this.userFactors, user * this.k, terms.offset + (terms.userBias ? terms.userBias[user] : 0), k, options);
      if (ranked) return ranked;
    }
    return super.recommend(user, k, options);
  }

  override recommendForProfile(profile: UserProfile, k: number, options: RecommendOptions = {}): Ranked {
    const vector = this.candidateIndex ? this.profileVector(profile) : undefined;
    const ranked = vector ? this.recommendFromIndex(vector, 0, this.scoreTerms().offset, k, options) : undefined;
    return ranked ?? super.recommendForProfile(profile, k, options);
  }

  /**
   * The vector a profile is scored with (`scoreProfile` = constant + b_i + vector · q_i), for the
   * candidate index; undefined when the model folds in some other way (then the full scan serves).
   */
  protected profileVector(_profile: UserProfile): FloatArray | undefined {
    return undefined;
  }

  /** Top-k of the index's candidates for `vector` (exact scores), or undefined to fall back to the full scan. */
  private recommendFromIndex(vector: FloatArray, offset: number, constant: number, k: number, options: RecommendOptions): Ranked | undefined {
    const index = this.candidateIndex!;
    if (options.accept || options.candidates) return undefined;
    const exclude = options.exclude;
    const excluded = exclude === undefined ? 0 : "size" in exclude ? exclude.size : exclude.length;
    const want = k + excluded;
    if (want > MAX_INDEX_CANDIDATES || want >= this.nItems) return undefined;
    const query = new Float32Array(index.dim);
    for (let d = 0; d < this.k; d++) query[d] = vector[offset + d];
    if (index.dim > this.k) query[this.k] = 1;
    const candidates = index.search(query, want);
    const itemBias = this.scoreTerms().itemBias;
    const scores = this.scratchScores();
    for (const item of candidates) {
      const o = item * this.k;
      let s = constant + (itemBias ? itemBias[item] : 0);
      for (let d = 0; d < this.k; d++) s += vector[offset + d] * this.itemFactors[o + d];
      scores[item] = s;
    }
    const best = topK(scores, k, { candidates, exclude });
    // Fewer than k left after the exclusions (repeats among them, or a short search): scan instead.
    if (best.indices.length < k) return undefined;
    return { items: best.indices, scores: best.scores };
  }

  scoreUser(user: number, out: Float32Array): void {
    const terms = this.scoreTerms();
    const constant = terms.offset + (terms.userBias ? terms.userBias[user] : 0);
    scoreVector(this.userFactors, user * this.k, this.itemFactors, this.k, this.nItems, out, terms.itemBias, constant);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const terms = this.scoreTerms();
    scoreFactorBatch(users, this.userFactors, this.itemFactors, this.k, this.nItems, out, terms.userBias, terms.itemBias, terms.offset);
  }

  /** Scores a vector that is not a trained user's (a fold-in): constant + b_i + vector · q_i. */
  protected scoreVectorAgainstItems(vector: FloatArray, constant: number, out: Float32Array): void {
    scoreVector(vector, 0, this.itemFactors, this.k, this.nItems, out, this.scoreTerms().itemBias, constant);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.k);
    cosineRowToAll(this.itemFactors, this.k, item, this.itemNorms, out);
  }

  itemSimilaritiesAmong(item: number, candidates: ArrayLike<number>, out: Float32Array): void {
    this.itemNorms ??= rowNorms(this.itemFactors, this.nItems, this.k);
    cosineRowToSome(this.itemFactors, this.k, item, this.itemNorms, candidates, out);
  }

  /** The factors (row-major, read-only views) and k, for models that build on them (hybrid). */
  factors(): { k: number; users: V; items: V } {
    return { k: this.k, users: this.userFactors, items: this.itemFactors };
  }

  /** k and the two factor matrices; models with more state add theirs to the returned object. */
  saveState(): ModelState {
    return { json: { k: this.k }, arrays: { userFactors: this.userFactors, itemFactors: this.itemFactors } };
  }

  /** Restores k and the factors (checked against the shape); models with more state restore theirs after. */
  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const k = (state.json.k as number) | 0;
    const users = this.loadArray(state, "userFactors", shape.nUsers * k);
    const items = this.loadArray(state, "itemFactors", shape.nItems * k);
    this.setFactors(shape.nUsers, shape.nItems, k, users, items);
  }

  /** A saved array in this model's float type (of the expected length, when given). */
  protected loadArray(state: ModelState, name: string, length?: number): V {
    const values = state.arrays[name];
    if (!values) throw new Error(`model state lacks the array ${name}`);
    if (length !== undefined && values.length !== length) throw new ValidationError(`state.${name}`, values.length, `${length} numbers`);
    return this.floats.from(values);
  }

  override dispose(): void {
    super.dispose();
    this.userFactors = this.floats.create(0);
    this.itemFactors = this.floats.create(0);
    this.factorsChanged();
  }
}

/**
 * Batches at least this large (users × items × k multiply-adds) run as one TensorFlow.js matmul
 * when a WASM or native backend is active: Gowalla full ranking (29,858 users × 40,981 items,
 * k = 64) took 329 s of scoring in the JS loop under load.
 */
const TF_BATCH_WORK = 1 << 24;

/** True when TensorFlow.js already runs on a fast backend (never initialises one itself). */
function fastTfBackend(): boolean {
  const name = tf.engine().backendName as string | null;
  return name === "wasm" || name === "tensorflow";
}

/**
 * out[r, i] = offset + userBias[u] + itemBias[i] + p_u · q_i for users[r] (row-major), the batch
 * form of scoreUser: one matrix product (tfjs float32 for large batches on a fast backend, else a
 * blocked JS loop in float64), then the additive terms.
 */
export function scoreFactorBatch(
  users: Int32Array,
  userFactors: FloatArray,
  itemFactors: FloatArray,
  k: number,
  nItems: number,
  out: Float32Array,
  userBias?: FloatArray,
  itemBias?: FloatArray,
  offset = 0,
): void {
  if (users.length * nItems * k >= TF_BATCH_WORK && fastTfBackend()) {
    const m = users.length;
    const left = new Float32Array(m * k);
    for (let r = 0; r < m; r++) for (let d = 0; d < k; d++) left[r * k + d] = userFactors[users[r] * k + d];
    // Items transposed to k × nItems, so the matmul needs no transposed operand.
    const right = new Float32Array(k * nItems);
    for (let i = 0; i < nItems; i++) for (let d = 0; d < k; d++) right[d * nItems + i] = itemFactors[i * k + d];
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(left, [m, k]), tf.tensor2d(right, [k, nItems])));
    try {
      out.set(product.dataSync() as Float32Array);
    } finally {
      product.dispose();
    }
  } else {
    multiplyRowsByTransposed(userFactors, k, users, itemFactors, k, nItems, k, out);
  }
  if (!userBias && !itemBias && offset === 0) return;
  for (let r = 0; r < users.length; r++) {
    const base = offset + (userBias ? userBias[users[r]] : 0);
    const row = r * nItems;
    for (let i = 0; i < nItems; i++) out[row + i] += base + (itemBias ? itemBias[i] : 0);
  }
}

/** constant + itemBias[i] + user · q_i for every item into out (user = vector[userOffset ..+k]). */
export function scoreVector(user: FloatArray, userOffset: number, itemFactors: FloatArray, k: number, nItems: number, out: Float32Array, itemBias?: FloatArray, constant = 0): void {
  for (let i = 0; i < nItems; i++) {
    const o = i * k;
    let s = constant + (itemBias ? itemBias[i] : 0);
    for (let d = 0; d < k; d++) s += user[userOffset + d] * itemFactors[o + d];
    out[i] = s;
  }
}
