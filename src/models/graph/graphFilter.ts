// Training-free graph filters (GF-CF gfcf.ts, BSPM bspm.ts, ChebyCF chebycf.ts): what the models share.
// A user is their interaction row x (1 for each item they have) and every filter is a linear function
// of that row alone, written in the block operations of graphFilterDevice.ts: the linear filter x P
// (P = R̃ᵀR̃, the normalised item graph) and the ideal low-pass term x D_i^-e V Vᵀ D_i^e, V the top-k
// right singular vectors of R̃ (math/svd.ts bipartiteSvd, the model's only fitted state besides the
// training rows). So a new rating counts at once: fold-in is the same computation on the row as it
// is now, and a score splits exactly over the row's items (scoreContributions, for explanations).
import { ModelNotReadyError, ValidationError } from "../../errors";
import { bipartiteSvd, bipartiteSvdBytes } from "../../math/svd";
import { capabilities } from "../definition";
import { HistoryRecommender, type History } from "../history";
import { FLOAT32_BYTES, bipartiteGraph, denseMatrix, trainingMatrix, validationScoresMemory, validationSplitMemory, type DataShape, type MemoryTerm } from "../memory";
import { modelRng, rankingValidation, validationSplit, validationUsers } from "../training";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { FILTER_BATCH, FilterDevice, filterDeviceBytes, normalizedGraph, type NormalizedGraph, type Slot } from "./graphFilterDevice";

/** Parameters every filter model has (the rank and its SVD, the choice on validation data, the device's threads). */
export const filterParams = {
  tune: {
    type: "bool",
    default: false,
    description:
      "Choose the rank (rank/16, /8, /4, /2, rank) and the low-pass weight (0, ×1/3, ×1, ×3) by recall@20 on a 10 % per-user validation carve-out of the training rows, then fit on all of them with the choice",
  },
  oversample: { type: "int", default: 16, min: 0, max: 1024, description: "Extra random directions of the randomized SVD beyond the rank" },
  // 8, not 4: closer to the exact SVD the papers use. Gowalla, 4 → 8 iterations: bspm 0.1916 → 0.1922, chebycf
  // 0.1935 → 0.1940 (the authors' 0.1941), gfcf 0.1871 → 0.1864 recall@20, for 30-40 % more fit time.
  powerIterations: { type: "int", default: 8, min: 0, max: 50, description: "Subspace iterations of the randomized SVD (more: closer to the exact top singular vectors)" },
  threads: { type: "int", default: 2, min: 1, max: 16, description: "Threads of the WebAssembly device (products and the SVD)" },
} as const;

/** What the shared fit and scoring read from a filter model's parameters. */
export interface FilterSettings {
  /** Singular vectors kept for the ideal low-pass filter (0: none). */
  rank: number;
  tune: boolean;
  oversample: number;
  powerIterations: number;
  threads: number;
}

export const FILTER_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn");

/** What every filter model's definition declares alike (each adds name, description, paper, parameters). */
export const FILTER_MODEL = { family: "graph", feedback: "implicit", capabilities: FILTER_CAPABILITIES } as const;

/**
 * A filter's fit: the normalised graph in JS, the SVD's device and the filter's device (both
 * counted: the first is freed only when garbage collection gets to it), D_i^-e V beside them; with
 * `tune`, the validation carve-out and its scores.
 */
export function filterMemory(shape: DataShape, p: FilterSettings): MemoryTerm[] {
  const k = Math.max(0, Math.min(p.rank, shape.users, shape.items));
  return [
    trainingMatrix(shape),
    bipartiteGraph(shape),
    { what: `randomized SVD device (rank ${k} + ${p.oversample})`, bytes: bipartiteSvdBytes(shape.users, shape.items, shape.interactions, p.rank, p) },
    { what: `filter device (graph and ${FILTER_BATCH}-user blocks of every node, low-pass factors)`, bytes: filterDeviceBytes(shape.users, shape.items, shape.interactions, k, p.threads) },
    denseMatrix("low-pass factors D_i^-e V (float32)", shape.items, k, FLOAT32_BYTES),
    ...(p.tune ? [...validationSplitMemory(shape, 0.1), validationScoresMemory(shape)] : []),
  ];
}

/** Small settings for contract tests and smoke runs. */
export const FILTER_FAST_PARAMS = { rank: 8, powerIterations: 2, threads: 1 } as const;

/**
 * A training-free graph filter: fit normalises the graph and computes the low-pass factors; a
 * user (trained, folded in, or an item for similar items) is scored by `filter` on the device.
 * The state is the training rows (what a training user is scored from) and V.
 */
export abstract class GraphFilterModel<P extends FilterSettings> extends HistoryRecommender<P> {
  readonly capabilities = FILTER_CAPABILITIES;
  private filterDevice: FilterDevice | undefined;
  private singular: { v: Float32Array; s: Float64Array; k: number } | undefined;
  /** The low-pass weight in use: the parameter's, or the one chosen on validation data. */
  private weight: number | undefined;
  protected override readonly historyNames = ["userIndptr", "userItems"];

  /**
   * The model's filter for the histories loaded in slot 0 (the block width set): the scores end
   * in the returned slot. Slots 1 … FILTER_SLOTS − 1 are the model's to use; the low-pass term's
   * weight is `lowPassWeight`.
   */
  protected abstract filter(device: FilterDevice, histories: readonly History[]): Slot;

  /** The low-pass weight parameter (GF-CF's α, BSPM's β). */
  protected abstract weightParam(): number;

  /** e of the low-pass term x D_i^-e V Vᵀ D_i^e (1/2 unless a model says otherwise). */
  protected lowPassExponent(): number {
    return 0.5;
  }

  protected get lowPassWeight(): number {
    return this.weight ?? this.weightParam();
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    this.dispose();
    const p = this.params;
    let rank = p.rank;
    this.weight = undefined;
    let tuning: Record<string, unknown> | undefined;
    if (p.tune && p.rank > 0) {
      const chosen = this.choose(data, context);
      rank = chosen.rank;
      this.weight = chosen.weight;
      tuning = chosen.notes;
      this.dispose();
    }
    this.useTraining(data.interactions);
    const graph = normalizedGraph(this.training());
    context.onProgress?.({ epoch: 0, epochs: 1, elapsed: (performance.now() - started) / 1000, message: `normalised graph: ${graph.bipartite.indptr[graph.nUsers]} edges` });
    context.signal?.throwIfAborted();
    const svdStarted = performance.now();
    const svd = this.lowPassFactors(graph, rank, context.seed);
    const svdSeconds = (performance.now() - svdStarted) / 1000;
    this.singular = svd;
    this.filterDevice = new FilterDevice(graph, svd.v, svd.k, p.threads, this.lowPassExponent());
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: `rank ${svd.k} low-pass filter in ${svdSeconds.toFixed(1)} s` });
    return {
      epochs: 1,
      seconds,
      notes: {
        rank: svd.k,
        lowPassWeight: this.lowPassWeight,
        svdSeconds,
        sigmaFirst: svd.s[0] ?? null,
        sigmaLast: svd.s[svd.k - 1] ?? null,
        edges: graph.bipartite.indptr[graph.nUsers],
        kernel: this.filterDevice.device.backend,
        threads: this.filterDevice.device.threads,
        ...(tuning ? { tuning } : {}),
      },
    };
  }

  private lowPassFactors(graph: NormalizedGraph, rank: number, seed: number): { v: Float32Array; s: Float64Array; k: number } {
    const p = this.params;
    if (rank <= 0) return { v: new Float32Array(0), s: new Float64Array(0), k: 0 };
    return bipartiteSvd(graph.bipartite, graph.nUsers, rank, { rng: modelRng(seed, 1), oversample: p.oversample, powerIterations: p.powerIterations, threads: p.threads });
  }

  /**
   * The rank and low-pass weight with the best recall@20 on a validation carve-out: one SVD at the
   * largest rank (the leading columns are the smaller ranks' vectors), every pair scored on up to
   * 2,000 validation users.
   */
  private choose(data: TrainingData, context: FitContext): { rank: number; weight: number; notes: Record<string, unknown> } {
    const p = this.params;
    const base = this.weightParam();
    const { train, validation } = validationSplit(data.interactions, { fraction: 0.1, seed: context.seed });
    if (!validation) return { rank: p.rank, weight: base, notes: { skipped: "no validation interactions" } };
    const users = validationUsers(validation, 2000, modelRng(context.seed, 3));
    this.useTraining(train);
    const graph = normalizedGraph(train);
    const full = this.lowPassFactors(graph, p.rank, context.seed);
    const ranks = [...new Set([16, 8, 4, 2, 1].map((d) => Math.max(1, Math.round(full.k / d))))];
    const weights = [0, base / 3, base, base * 3];
    const grid: { rank: number; weight: number; "recall@20": number; "ndcg@20": number }[] = [];
    let best = { rank: p.rank, weight: base, recall: -1 };
    for (const rank of ranks) {
      const v = new Float32Array(graph.nItems * rank);
      for (let i = 0; i < graph.nItems; i++) v.set(full.v.subarray(i * full.k, i * full.k + rank), i * rank);
      this.filterDevice?.dispose();
      this.filterDevice = new FilterDevice(graph, v, rank, p.threads, this.lowPassExponent());
      for (const weight of weights) {
        context.signal?.throwIfAborted();
        this.weight = weight;
        const metrics = rankingValidation((u, out) => this.scoreUsers(u, out), train, validation, users, 20);
        grid.push({ rank, weight, "recall@20": metrics["recall@20"], "ndcg@20": metrics["ndcg@20"] });
        if (metrics["recall@20"] > best.recall) best = { rank, weight, recall: metrics["recall@20"] };
        context.onProgress?.({ epoch: 0, epochs: 1, elapsed: 0, validation: metrics, message: `validation: rank ${rank}, weight ${weight}: recall@20 ${metrics["recall@20"].toFixed(4)}` });
      }
    }
    return { rank: best.rank, weight: best.weight, notes: { validationUsers: users.length, grid, chosen: { rank: best.rank, weight: best.weight } } };
  }

  /** The device of the fitted (or loaded) model. */
  private filterOn(): FilterDevice {
    if (!this.filterDevice) {
      const s = this.singular;
      if (!s) throw new ModelNotReadyError(this.name, "fit or load the model first");
      this.filterDevice = new FilterDevice(normalizedGraph(this.training()), s.v, s.k, this.params.threads, this.lowPassExponent());
    }
    return this.filterDevice;
  }

  /** Loads the histories (at most FILTER_BATCH, each item once) as one batch and runs the filter: its scores are in the returned block. */
  private filterBatch(histories: readonly History[]): { device: FilterDevice; slot: Slot } {
    const device = this.filterOn();
    device.beginBatch(histories.length);
    device.loadRows(histories, 0);
    return { device, slot: this.filter(device, histories) };
  }

  protected scoreHistory(history: History, out: Float32Array): void {
    const { device, slot } = this.filterBatch([this.uniqueItems(history)]);
    device.readScores(slot, 1, out);
  }

  /** The history with each item once (x is binary; a fold-in profile may list an item twice). */
  private uniqueItems(history: History): History {
    const seen = new Set<number>();
    let repeated = false;
    for (let p = history.start; p < history.end && !repeated; p++) {
      repeated = seen.has(history.items[p]);
      seen.add(history.items[p]);
    }
    if (!repeated) return history;
    const items = Int32Array.from(new Set(Array.from({ length: history.end - history.start }, (_, k) => history.items[history.start + k])));
    return { items, values: new Float32Array(items.length).fill(1), start: 0, end: items.length, user: history.user };
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const x = this.training();
    for (let start = 0; start < users.length; start += FILTER_BATCH) {
      const end = Math.min(users.length, start + FILTER_BATCH);
      const histories: History[] = [];
      for (let r = start; r < end; r++) {
        const u = users[r];
        this.checkUser(u);
        histories.push({ items: x.indices, values: x.values, start: x.indptr[u], end: x.indptr[u + 1], user: u });
      }
      const { device, slot } = this.filterBatch(histories);
      device.readScores(slot, histories.length, out.subarray(start * this.nItems, end * this.nItems));
    }
  }

  /** Similar items: the filter applied to a history of the one item (its row of the item–item filter). */
  override itemSimilarities(item: number, out: Float32Array): void {
    this.scoreHistory({ items: [item], values: [1], start: 0, end: 1 }, out);
  }

  /**
   * Every filter here is linear in the row x, so the score of `item` is the sum over the history's
   * items of their one-item scores: each history item is a column of one batch (FILTER_BATCH at a time).
   */
  scoreContributions(profile: UserProfile, item: number, out: Float32Array): void {
    if (!(Number.isInteger(item) && item >= 0 && item < this.nItems)) throw new RangeError(`item ${item} is outside 0..${this.nItems - 1}`);
    const n = profile.items.length;
    for (let start = 0; start < n; start += FILTER_BATCH) {
      const end = Math.min(n, start + FILTER_BATCH);
      const histories: History[] = [];
      for (let p = start; p < end; p++) histories.push({ items: profile.items, values: profile.values, start: p, end: p + 1 });
      const { device, slot } = this.filterBatch(histories);
      const block = device.block(slot);
      const w = device.blockWidth;
      for (let b = 0; b < histories.length; b++) out[start + b] = block[item * w + b];
    }
    // An item listed again carries nothing more (x is binary): its later entries get 0.
    const seen = new Set<number>();
    for (let p = 0; p < n; p++) {
      if (seen.has(profile.items[p])) out[p] = 0;
      seen.add(profile.items[p]);
    }
  }

  saveState(): ModelState {
    const s = this.singular;
    if (!s) throw new ModelNotReadyError(this.name, "fit or load the model first");
    return { json: { rank: s.k, lowPassWeight: this.lowPassWeight }, arrays: { ...this.historyArrays(), lowPass: s.v, singularValues: s.s } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const k = state.json.rank;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 0) throw new ValidationError("state.rank", k, "a non-negative integer");
    const v = state.arrays.lowPass;
    const s = state.arrays.singularValues;
    if (!(v instanceof Float32Array) || v.length !== shape.nItems * k) throw new ValidationError("state.lowPass", v?.length, `${shape.nItems}×${k} floats`);
    if (!(s instanceof Float64Array) || s.length !== k) throw new ValidationError("state.singularValues", s?.length, `${k} values`);
    this.dispose();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.loadHistory(state.arrays, shape.nUsers, shape.nItems);
    this.singular = { v, s, k };
    const weight = state.json.lowPassWeight;
    this.weight = typeof weight === "number" && Number.isFinite(weight) ? weight : undefined;
  }

  override dispose(): void {
    this.filterDevice?.dispose();
    this.filterDevice = undefined;
    super.dispose();
  }
}
