// Shared training machinery of the graph models (LightGCN, NGCF): BPR triple sampling on typed
// arrays, a dense Adam over typed arrays, full-catalogue validation (Recall@K / NDCG@K as in the
// LightGCN paper), embedding scoring with one matmul per batch of users, and the step loop with
// progress, time budget, early stopping on validation Recall@20 and best-weights restore.
import { ValidationError } from "../../errors";
import { holdoutSplit } from "../../data/splits";
import type { Interactions } from "../../data/interactions";
import { createRng, type Rng } from "../../math/random";
import { tf } from "../../tf/backend";
import type { FitContext, FitReport } from "../types";

// ---------------------------------------------------------------------------------------------
// BPR sampling

/**
 * Draws (user, positive, negative) triples. "user" mode (the LightGCN reference sampler) picks a
 * user uniformly among those with interactions, then one of their items; "interaction" mode picks
 * a training interaction uniformly. Negatives are uniform over items the user has not interacted
 * with (rejection against the user's sorted row, binary search).
 */
export class BprSampler {
  private readonly activeUsers: Int32Array;
  private readonly rowOfEntry: Int32Array | undefined;

  constructor(
    private readonly train: Interactions,
    private readonly rng: Rng,
    readonly mode: "user" | "interaction" = "user",
  ) {
    const active: number[] = [];
    for (let u = 0; u < train.nUsers; u++) if (train.indptr[u + 1] > train.indptr[u]) active.push(u);
    this.activeUsers = Int32Array.from(active);
    if (mode === "interaction") {
      this.rowOfEntry = new Int32Array(train.nnz);
      for (let u = 0; u < train.nUsers; u++) this.rowOfEntry.fill(u, train.indptr[u], train.indptr[u + 1]);
    }
    if (train.nnz === 0) throw new ValidationError("interactions", 0, "at least one training interaction");
  }

  /** Fills the three arrays (same length) with triples. */
  sample(users: Int32Array, positives: Int32Array, negatives: Int32Array): void {
    const { indptr, indices, nItems } = this.train;
    const rng = this.rng;
    const active = this.activeUsers;
    for (let s = 0; s < users.length; s++) {
      let u: number;
      let pos: number;
      if (this.rowOfEntry) {
        const k = rng.int(this.train.nnz);
        u = this.rowOfEntry[k];
        pos = indices[k];
      } else {
        u = active[rng.int(active.length)];
        const start = indptr[u];
        pos = indices[start + rng.int(indptr[u + 1] - start)];
      }
      const lo0 = indptr[u];
      const hi0 = indptr[u + 1] - 1;
      let neg = rng.int(nItems);
      // A user who has every item gets a positive as "negative" after 64 tries (zero gradient).
      for (let attempt = 0; attempt < 64; attempt++) {
        let lo = lo0;
        let hi = hi0;
        let found = false;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const item = indices[mid];
          if (item === neg) {
            found = true;
            break;
          }
          if (item < neg) lo = mid + 1;
          else hi = mid - 1;
        }
        if (!found) break;
        neg = rng.int(nItems);
      }
      users[s] = u;
      positives[s] = pos;
      negatives[s] = neg;
    }
  }
}

/**
 * BPR loss −ln σ(x_ui − x_uj) of a batch on final embeddings (rows of `final`, items offset by
 * `itemOffset` rows), mean over the batch, plus with `reg` > 0 the L2 term reg·½Σ‖e‖²/B on the
 * batch's rows (each occurrence counts; NGCF's regulariser on final representations) in the same
 * pass. Adds the gradient into `grad` (only the batch rows). Returns the summed (not averaged)
 * loss: Σ BPR + reg·½Σ‖e‖².
 */
export function bprLossAndGrad(
  final: Float32Array,
  dim: number,
  itemOffset: number,
  users: Int32Array,
  positives: Int32Array,
  negatives: Int32Array,
  grad: Float32Array,
  reg = 0,
): number {
  const n = users.length;
  const scale = 1 / n;
  const lambda = reg * scale;
  let loss = 0;
  let squares = 0;
  for (let s = 0; s < n; s++) {
    const u = users[s] * dim;
    const i = (itemOffset + positives[s]) * dim;
    const j = (itemOffset + negatives[s]) * dim;
    let x = 0;
    for (let c = 0; c < dim; c++) x += final[u + c] * (final[i + c] - final[j + c]);
    // −ln σ(x) = softplus(−x), computed stably; its derivative is −σ(−x).
    loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    const g = (-1 / (1 + Math.exp(x))) * scale;
    if (lambda > 0) {
      for (let c = 0; c < dim; c++) {
        const fu = final[u + c];
        const fi = final[i + c];
        const fj = final[j + c];
        squares += fu * fu + fi * fi + fj * fj;
        grad[u + c] += g * (fi - fj) + lambda * fu;
        grad[i + c] += g * fu + lambda * fi;
        grad[j + c] += lambda * fj - g * fu;
      }
      continue;
    }
    if (g === 0) continue;
    for (let c = 0; c < dim; c++) {
      const fu = final[u + c];
      grad[u + c] += g * (final[i + c] - final[j + c]);
      grad[i + c] += g * fu;
      grad[j + c] -= g * fu;
    }
  }
  return loss + 0.5 * reg * squares;
}

/**
 * L2 on a batch's rows of `values` (users, then items from row `itemOffset`; every occurrence
 * counts): adds λ·e to the same rows of `grad` and returns Σ‖e‖² over them.
 */
export function addBatchL2(
  values: Float32Array,
  width: number,
  itemOffset: number,
  users: Int32Array,
  positives: Int32Array,
  negatives: Int32Array,
  lambda: number,
  grad: Float32Array,
): number {
  let squares = 0;
  for (let s = 0; s < users.length; s++) {
    for (let part = 0; part < 3; part++) {
      const o = (part === 0 ? users[s] : itemOffset + (part === 1 ? positives[s] : negatives[s])) * width;
      for (let c = 0; c < width; c++) {
        const e = values[o + c];
        squares += e * e;
        grad[o + c] += lambda * e;
      }
    }
  }
  return squares;
}

// ---------------------------------------------------------------------------------------------
// Adam over one dense typed array (Kingma & Ba 2015, bias-corrected step size).

export class DenseAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    readonly size: number,
    public lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  get steps(): number {
    return this.t;
  }

  step(params: Float32Array, grad: Float32Array): void {
    this.t++;
    const { m, v, beta1, beta2 } = this;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const correction2 = 1 - Math.pow(beta2, this.t);
    const stepSize = (this.lr * Math.sqrt(correction2)) / (1 - Math.pow(beta1, this.t));
    const eps = this.epsilon * Math.sqrt(correction2);
    const n = params.length;
    for (let k = 0; k < n; k++) {
      const g = grad[k];
      const mk = beta1 * m[k] + c1 * g;
      const vk = beta2 * v[k] + c2 * g * g;
      m[k] = mk;
      v[k] = vk;
      params[k] -= (stepSize * mk) / (Math.sqrt(vk) + eps);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Scoring and validation

/**
 * Scores users against every item with one tf matmul per batch: out[r, i] = userRows[r] · items[i].
 * Holds one tensor (the item matrix), freed by dispose().
 */
export class EmbeddingScorer {
  private items: tf.Tensor2D | undefined;

  constructor(
    private readonly itemVectors: Float32Array,
    readonly nItems: number,
    readonly dim: number,
  ) {}

  score(userRows: Float32Array, rows: number, out: Float32Array): void {
    if (rows === 0) return;
    this.items ??= tf.tensor2d(this.itemVectors, [this.nItems, this.dim]);
    const items = this.items;
    const result = tf.tidy(() => tf.matMul(tf.tensor2d(userRows.subarray(0, rows * this.dim), [rows, this.dim]), items, false, true));
    try {
      out.set(result.dataSync() as Float32Array);
    } finally {
      result.dispose();
    }
  }

  dispose(): void {
    this.items?.dispose();
    this.items = undefined;
  }
}

/** Best k of row (excluding `exclude` entries marked in the mask) into outIdx; returns the count. */
function selectTopK(row: Float32Array, k: number, mask: Uint8Array, outIdx: Int32Array, outScore: Float32Array): number {
  let size = 0;
  let threshold = Number.NEGATIVE_INFINITY;
  const n = row.length;
  for (let i = 0; i < n; i++) {
    const s = row[i];
    if (!(s > threshold) || mask[i] === 1) continue;
    // insertion into a sorted (descending) buffer; k is small (≤ 100)
    let p = size < k ? size++ : k - 1;
    while (p > 0 && outScore[p - 1] < s) {
      outScore[p] = outScore[p - 1];
      outIdx[p] = outIdx[p - 1];
      p--;
    }
    outScore[p] = s;
    outIdx[p] = i;
    if (size === k) threshold = outScore[k - 1];
  }
  return size;
}

/**
 * Mean Recall@k (hits / |relevant|, the LightGCN/NGCF definition) and NDCG@k (binary gains,
 * IDCG over min(|relevant|, k)) of full-catalogue rankings for `users`, training items excluded.
 */
export function rankingMetrics(
  score: (users: Int32Array, out: Float32Array) => void,
  train: Interactions,
  heldOut: Interactions,
  users: Int32Array,
  k: number,
  batch = 512,
): { recall: number; ndcg: number } {
  const n = train.nItems;
  const scores = new Float32Array(Math.min(batch, Math.max(1, users.length)) * n);
  const mask = new Uint8Array(n);
  const relevant = new Uint8Array(n);
  const topIdx = new Int32Array(k);
  const topScore = new Float32Array(k);
  let recall = 0;
  let ndcg = 0;
  for (let start = 0; start < users.length; start += batch) {
    const part = users.subarray(start, start + batch);
    score(part, scores);
    for (let r = 0; r < part.length; r++) {
      const u = part[r];
      const seen = train.userItems(u);
      const truth = heldOut.userItems(u);
      for (let t = 0; t < seen.length; t++) mask[seen[t]] = 1;
      for (let t = 0; t < truth.length; t++) relevant[truth[t]] = 1;
      const count = selectTopK(scores.subarray(r * n, (r + 1) * n), k, mask, topIdx, topScore);
      let hits = 0;
      let dcg = 0;
      for (let p = 0; p < count; p++) {
        if (relevant[topIdx[p]] === 1) {
          hits++;
          dcg += 1 / Math.log2(p + 2);
        }
      }
      let idcg = 0;
      for (let p = 0; p < Math.min(k, truth.length); p++) idcg += 1 / Math.log2(p + 2);
      recall += truth.length > 0 ? hits / truth.length : 0;
      ndcg += idcg > 0 ? dcg / idcg : 0;
      for (let t = 0; t < seen.length; t++) mask[seen[t]] = 0;
      for (let t = 0; t < truth.length; t++) relevant[truth[t]] = 0;
    }
  }
  const count = Math.max(1, users.length);
  return { recall: recall / count, ndcg: ndcg / count };
}

/** Users with held-out interactions; at most `max` of them (a seeded sample, ascending). */
export function usersWithItems(heldOut: Interactions, max: number, rng: Rng): Int32Array {
  const users: number[] = [];
  for (let u = 0; u < heldOut.nUsers; u++) if (heldOut.indptr[u + 1] > heldOut.indptr[u]) users.push(u);
  const all = Int32Array.from(users);
  if (max <= 0 || all.length <= max) return all;
  return rng.shuffle(all).slice(0, max).sort();
}

// ---------------------------------------------------------------------------------------------
// The step loop

export interface LoopParams {
  epochs: number;
  batchSize: number;
  /** Epochs between validations (and early-stopping checks). */
  evalEvery: number;
  /** Validations without improvement of recall@20 before stopping (0: never stop early). */
  patience: number;
  /** Training-time budget in seconds (0: none). */
  maxSeconds: number;
}

export interface LoopHooks {
  /**
   * Called after every `evalEvery` epochs and at the end, with the model scorable. Its time is
   * not counted as training time (used by benchmarks to trace test metrics over time).
   */
  onCheckpoint?: (info: { epoch: number; trainSeconds: number; loss: number; validation?: Record<string, number> }) => void | Promise<void>;
}

export interface StepLoop {
  model: string;
  params: LoopParams;
  context: FitContext;
  /** Training interactions per epoch (steps per epoch = ceil(samples / batchSize)). */
  samplesPerEpoch: number;
  /** One optimisation step; returns the summed loss of its batch. */
  step(): number;
  /** Makes the current weights scorable (recomputes final embeddings). */
  refresh(): void;
  validate?: () => Record<string, number>;
  snapshot(): void;
  restore(): void;
  lr: number;
  hooks?: LoopHooks;
}

export interface StepLoopResult {
  epochs: number;
  trainSeconds: number;
  lossCurve: number[];
  validationCurve: NonNullable<FitReport["validationCurve"]>;
  epochSeconds: number[];
  bestEpoch: number;
  best?: Record<string, number>;
  stoppedBy: "epochs" | "early-stopping" | "time-budget";
}

export const MONITOR = "recall@20";

/**
 * Runs epochs of `step()` until `epochs`, the time budget, or `patience` validations without a
 * better Recall@20; restores the best validated weights. Progress after every epoch.
 */
export async function runSteps(o: StepLoop): Promise<StepLoopResult> {
  const p = o.params;
  const steps = Math.max(1, Math.ceil(o.samplesPerEpoch / p.batchSize));
  const started = performance.now();
  let excluded = 0; // hook time, not training
  const trainSeconds = () => (performance.now() - started - excluded) / 1000;
  const lossCurve: number[] = [];
  const epochSeconds: number[] = [];
  const validationCurve: StepLoopResult["validationCurve"] = [];
  let best = { value: Number.NEGATIVE_INFINITY, epoch: 0, metrics: undefined as Record<string, number> | undefined };
  let stale = 0;
  let stoppedBy: StepLoopResult["stoppedBy"] = "epochs";
  let epoch = 0;
  while (epoch < p.epochs) {
    o.context.signal?.throwIfAborted();
    epoch++;
    const t0 = performance.now();
    let loss = 0;
    for (let s = 0; s < steps; s++) loss += o.step();
    loss /= steps * p.batchSize;
    epochSeconds.push((performance.now() - t0) / 1000);
    if (!Number.isFinite(loss)) {
      throw new ValidationError(`${o.model}.lr`, o.lr, `a smaller learning rate: training diverged (loss ${loss} at epoch ${epoch})`);
    }
    lossCurve.push(loss);
    const outOfTime = p.maxSeconds > 0 && trainSeconds() >= p.maxSeconds;
    const checkpoint = epoch % p.evalEvery === 0 || epoch === p.epochs || outOfTime;
    let metrics: Record<string, number> | undefined;
    if (checkpoint) {
      o.refresh();
      if (o.validate) {
        metrics = o.validate();
        validationCurve.push({ epoch, seconds: trainSeconds(), metrics });
        const value = metrics[MONITOR];
        if (value > best.value) {
          best = { value, epoch, metrics };
          o.snapshot();
          stale = 0;
        } else stale++;
      }
      if (o.hooks?.onCheckpoint) {
        const h0 = performance.now();
        await o.hooks.onCheckpoint({ epoch, trainSeconds: trainSeconds(), loss, validation: metrics });
        excluded += performance.now() - h0;
      }
    }
    o.context.onProgress?.({
      epoch,
      epochs: p.epochs,
      loss,
      validation: metrics,
      elapsed: trainSeconds(),
      message: `epoch ${epoch} in ${epochSeconds[epochSeconds.length - 1].toFixed(2)} s (${steps} steps)`,
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (outOfTime) {
      stoppedBy = "time-budget";
      break;
    }
    if (o.validate && p.patience > 0 && stale >= p.patience) {
      stoppedBy = "early-stopping";
      o.context.log?.(`${o.model}: early stop at epoch ${epoch}; best ${MONITOR} ${best.value.toFixed(4)} at epoch ${best.epoch}`);
      break;
    }
  }
  if (o.validate && best.epoch > 0 && best.epoch !== epoch) {
    o.restore();
    o.refresh();
  }
  return {
    epochs: epoch,
    trainSeconds: trainSeconds(),
    lossCurve,
    validationCurve,
    epochSeconds,
    bestEpoch: o.validate ? best.epoch : epoch,
    best: best.metrics,
    stoppedBy,
  };
}

/** The validation part: an explicit matrix, or a seeded per-user holdout carved from train. */
export function validationSplit(
  train: Interactions,
  options: { validation?: Interactions; fraction: number; seed: number },
): { train: Interactions; validation: Interactions | undefined } {
  if (options.validation) {
    const v = options.validation;
    if (v.nUsers !== train.nUsers || v.nItems !== train.nItems) {
      throw new ValidationError("validation", `${v.nUsers}×${v.nItems}`, `the training shape ${train.nUsers}×${train.nItems}`);
    }
    return { train, validation: v };
  }
  if (options.fraction <= 0) return { train, validation: undefined };
  const split = holdoutSplit(train, options.fraction, options.seed, 3);
  return split.test.nnz > 0 ? { train: split.train, validation: split.test } : { train, validation: undefined };
}

/** Seeded generator for a model: one stream per purpose, derived from the fit seed. */
export function modelRng(seed: number, purpose: number): Rng {
  return createRng((seed * 0x9e3779b1 + purpose * 0x85ebca6b) >>> 0);
}
