// Shared pieces of the neural models: the validation split carved from the training data,
// validation metrics (RMSE; Recall@k and NDCG@k over the full catalogue), the epoch loop with
// early stopping and progress, and mini-batch helpers over typed arrays.
import { ValidationError } from "../../errors";
import { holdoutSplit, type Split } from "../../data/splits";
import { Interactions } from "../../data/interactions";
import { createRng, type Rng } from "../../math/random";
import { topK } from "../../math/topk";
import type { WeightSet } from "../../tf/weights";
import type { FitContext, FitReport } from "../types";

/** A seeded per-user holdout of `fraction` of the training interactions (users with ≥ 3 give some). */
export function carveValidation(data: Interactions, fraction: number, seed: number): Split | undefined {
  if (fraction <= 0) return undefined;
  const split = holdoutSplit(data, fraction, seed, 3);
  return split.test.nnz > 0 ? split : undefined;
}

/** Users with validation interactions; at most `max` of them (a seeded sample) to bound the cost. */
export function validationUsers(test: Interactions, max: number, rng: Rng): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < test.nUsers; u++) if (test.userDegree(u) > 0) users.push(u);
  const all = Int32Array.from(users);
  if (all.length <= max) return all;
  return rng.shuffle(all).slice(0, max).sort();
}

/**
 * Recall@k (hits / min(k, |test|), as in Liang et al. 2018) and NDCG@k of full-catalogue
 * rankings, training items excluded. `score(users, out)` fills users.length × nItems scores.
 */
export function rankingMetrics(
  score: (users: Int32Array, out: Float32Array) => void,
  train: Interactions,
  test: Interactions,
  users: Int32Array,
  k: number,
  batch = 256,
): Record<string, number> {
  const n = train.nItems;
  let recall = 0;
  let ndcg = 0;
  const scores = new Float32Array(Math.min(batch, users.length) * n);
  const relevant = new Uint8Array(n);
  for (let start = 0; start < users.length; start += batch) {
    const part = users.subarray(start, start + batch);
    score(part, scores);
    for (let r = 0; r < part.length; r++) {
      const u = part[r];
      const row = scores.subarray(r * n, (r + 1) * n);
      const truth = test.userItems(u);
      for (let t = 0; t < truth.length; t++) relevant[truth[t]] = 1;
      const ranked = topK(row, k, { exclude: train.userItems(u) });
      let hits = 0;
      let dcg = 0;
      for (let p = 0; p < ranked.indices.length; p++) {
        if (relevant[ranked.indices[p]] === 1) {
          hits++;
          dcg += 1 / Math.log2(p + 2);
        }
      }
      let idcg = 0;
      const ideal = Math.min(k, truth.length);
      for (let p = 0; p < ideal; p++) idcg += 1 / Math.log2(p + 2);
      recall += hits / ideal;
      ndcg += dcg / idcg;
      for (let t = 0; t < truth.length; t++) relevant[truth[t]] = 0;
    }
  }
  const count = Math.max(1, users.length);
  return { [`recall@${k}`]: recall / count, [`ndcg@${k}`]: ndcg / count };
}

/** Root mean squared error of `predict` on every (user, item, rating) of `test`. */
export function rmseOn(test: Interactions, predict: (users: Int32Array, items: Int32Array, out: Float32Array) => void): number {
  const users = new Int32Array(test.nnz);
  for (let u = 0; u < test.nUsers; u++) users.fill(u, test.indptr[u], test.indptr[u + 1]);
  const out = new Float32Array(test.nnz);
  predict(users, test.indices, out);
  let sum = 0;
  for (let k = 0; k < test.nnz; k++) {
    const e = out[k] - test.values[k];
    sum += e * e;
  }
  return Math.sqrt(sum / Math.max(1, test.nnz));
}

/** The smallest and largest value of a matrix (the rating scale predictions are clipped to). */
export function valueRange(data: Interactions): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < data.nnz; k++) {
    const v = data.values[k];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return data.nnz > 0 ? { min, max } : { min: 0, max: 1 };
}

/** Shuffled mini-batches of 0..n−1: views into one permutation, re-shuffled by each call. */
export function* shuffledBatches(order: Int32Array, batchSize: number, rng: Rng): Generator<Int32Array> {
  rng.shuffle(order);
  for (let start = 0; start < order.length; start += batchSize) yield order.subarray(start, start + batchSize);
}

export function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  return order;
}

/** Row index of every non-zero of a CSR matrix (the COO user column). */
export function rowOfEntries(data: Interactions): Int32Array {
  const rows = new Int32Array(data.nnz);
  for (let u = 0; u < data.nUsers; u++) rows.fill(u, data.indptr[u], data.indptr[u + 1]);
  return rows;
}

export interface Monitor {
  /** Validation metric compared across epochs (e.g. "rmse", "ndcg@20"). */
  metric: string;
  higherIsBetter: boolean;
}

export interface EpochLoopOptions {
  model: string;
  epochs: number;
  /** Validations without improvement before stopping; 0 runs every epoch. */
  patience: number;
  context: FitContext;
  started: number;
  weights: WeightSet;
  /** Runs one epoch, returns its mean training loss. */
  trainEpoch(epoch: number): number;
  /** Validation metrics; undefined when there is no validation split. */
  validate?: () => Record<string, number>;
  monitor: Monitor;
  /** Reported with progress (e.g. "pretraining gmf"). */
  stage?: string;
  /** Learning rate, named in the error when training diverges. */
  lr: number;
}

export interface EpochLoopResult {
  epochs: number;
  lossCurve: number[];
  validationCurve: NonNullable<FitReport["validationCurve"]>;
  epochSeconds: number[];
  bestEpoch: number;
  best?: Record<string, number>;
}

/**
 * Runs epochs until `epochs`, an abort, or `patience` validations without improvement of the
 * monitored metric; then restores the weights of the best validated epoch. Reports progress
 * after every epoch and yields to the event loop between epochs.
 */
export async function runEpochs(o: EpochLoopOptions): Promise<EpochLoopResult> {
  const lossCurve: number[] = [];
  const validationCurve: EpochLoopResult["validationCurve"] = [];
  const epochSeconds: number[] = [];
  let best: { value: number; epoch: number; metrics?: Record<string, number>; snapshot?: Map<string, Float32Array> } = {
    value: o.monitor.higherIsBetter ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
    epoch: 0,
  };
  let stale = 0;
  let epoch = 0;
  for (epoch = 1; epoch <= o.epochs; epoch++) {
    o.context.signal?.throwIfAborted();
    const epochStart = performance.now();
    const loss = o.trainEpoch(epoch);
    epochSeconds.push((performance.now() - epochStart) / 1000);
    if (!Number.isFinite(loss)) {
      throw new ValidationError(`${o.model}.lr`, o.lr, `a smaller learning rate: training diverged (loss ${loss} at epoch ${epoch}${o.stage ? `, ${o.stage}` : ""})`);
    }
    lossCurve.push(loss);
    let metrics: Record<string, number> | undefined;
    if (o.validate) {
      metrics = o.validate();
      const value = metrics[o.monitor.metric];
      validationCurve.push({ epoch, seconds: (performance.now() - o.started) / 1000, metrics });
      const better = o.monitor.higherIsBetter ? value > best.value : value < best.value;
      if (better) {
        best = { value, epoch, metrics, snapshot: o.weights.snapshot() };
        stale = 0;
      } else {
        stale++;
      }
    }
    o.context.onProgress?.({
      epoch,
      epochs: o.epochs,
      loss,
      validation: metrics,
      elapsed: (performance.now() - o.started) / 1000,
      message: `${o.stage ? `${o.stage}: ` : ""}epoch ${epoch} in ${epochSeconds[epochSeconds.length - 1].toFixed(2)} s`,
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (o.validate && o.patience > 0 && stale >= o.patience) {
      o.context.log?.(`${o.model}: early stop at epoch ${epoch}; best ${o.monitor.metric} ${best.value.toFixed(4)} at epoch ${best.epoch}`);
      break;
    }
  }
  const epochsRun = Math.min(epoch, o.epochs);
  if (best.snapshot) o.weights.restore(best.snapshot);
  return { epochs: epochsRun, lossCurve, validationCurve, epochSeconds, bestEpoch: best.snapshot ? best.epoch : epochsRun, best: best.metrics };
}

/** A seeded generator per purpose, derived from the fit seed. */
export function seededStreams(seed: number): { init: Rng; split: number; sample: Rng; noise: Rng; validation: Rng } {
  const root = createRng(seed);
  return { init: root.fork(), split: (root.next() * 2 ** 31) | 0, sample: root.fork(), noise: root.fork(), validation: root.fork() };
}

export interface DenseRowOptions {
  /** Every stored entry counts as 1 (implicit feedback) instead of its value. */
  binary?: boolean;
  /** Divide each row by its L2 norm (before dropout). */
  normalize?: boolean;
  /** Input dropout: each stored entry is zeroed with this probability, kept ones scaled by 1/(1 − rate). */
  dropRate?: number;
  rng?: Rng;
}

/**
 * Rows `rows` of a CSR matrix as a dense row-major block in `out` (width = nItems), with the
 * entry transformations of the autoencoders. Only stored entries are visited (dropout of a zero
 * is a no-op), so corrupting a batch costs O(nnz), not O(rows × nItems).
 */
export function denseRows(data: Interactions, rows: ArrayLike<number>, out: Float32Array, options: DenseRowOptions = {}): void {
  const width = data.nItems;
  out.fill(0, 0, rows.length * width);
  const rate = options.dropRate ?? 0;
  const keepScale = rate > 0 ? 1 / (1 - rate) : 1;
  const rng = options.rng;
  if (rate > 0 && !rng) throw new Error("denseRows: dropout needs a seeded generator");
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    const start = data.indptr[row];
    const end = data.indptr[row + 1];
    let scale = keepScale;
    if (options.normalize) {
      let norm = 0;
      for (let k = start; k < end; k++) {
        const v = options.binary ? 1 : data.values[k];
        norm += v * v;
      }
      if (norm > 0) scale /= Math.sqrt(norm);
    }
    const base = r * width;
    for (let k = start; k < end; k++) {
      if (rate > 0 && rng!.next() < rate) continue;
      out[base + data.indices[k]] = (options.binary ? 1 : data.values[k]) * scale;
    }
  }
}

/** A user history given for fold-in, checked and turned into a one-row CSR matrix. */
export function profileRow(items: Int32Array, values: Float32Array, nItems: number, model: string): Interactions {
  for (let k = 0; k < items.length; k++) {
    const item = items[k];
    if (!Number.isInteger(item) || item < 0 || item >= nItems) throw new ValidationError("profile.items", item, `item indices in 0–${nItems - 1} (${model})`);
  }
  const order = Array.from(items.keys()).sort((a, b) => items[a] - items[b]);
  const sortedItems: number[] = [];
  const sortedValues: number[] = [];
  for (const k of order) {
    // A repeated item keeps its last value.
    if (sortedItems.length > 0 && sortedItems[sortedItems.length - 1] === items[k]) sortedValues[sortedValues.length - 1] = values[k] ?? 1;
    else {
      sortedItems.push(items[k]);
      sortedValues.push(values[k] ?? 1);
    }
  }
  return new Interactions(1, nItems, Int32Array.of(0, sortedItems.length), Int32Array.from(sortedItems), Float32Array.from(sortedValues));
}
