// Training-sample generation on typed arrays, shared by the model families:
//  - BprSampler: (user, positive, negative) triples for pairwise BPR (Rendle et al., UAI 2009),
//    the LightGCN reference sampler by default;
//  - PairSampler: every observed pair plus `negatives` sampled unobserved items per pair, for
//    pointwise objectives (NCF's BCE, He et al. WWW 2017 §3.1);
//  - mini-batch order helpers (shuffled views of one permutation, COO row indices).
// Each draws only from the generator it is given, in a fixed order, so a seed reproduces a run.
import { ValidationError } from "../../errors";
import type { Interactions } from "../../data/interactions";
import type { Rng } from "../../math/random";

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
    if (mode === "interaction") this.rowOfEntry = rowOfEntries(train);
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
 * Training pairs of an epoch for pointwise objectives: every observed pair of `train` (label =
 * its value when `negatives` is 0, else 1) and, when `negatives` > 0, that many items per pair
 * drawn uniformly from the items the user has no interaction with in `all` (label 0), redrawn by
 * each `draw`. `order` is the identity permutation of the `count` pairs, for shuffledBatches.
 */
export class PairSampler {
  readonly users: Int32Array;
  readonly items: Int32Array;
  readonly labels: Float32Array;
  readonly order: Int32Array;
  readonly count: number;
  private readonly seen: Uint8Array;

  constructor(
    private readonly all: Interactions,
    private readonly train: Interactions,
    private readonly negatives: number,
  ) {
    this.count = train.nnz * (1 + negatives);
    this.users = new Int32Array(this.count);
    this.items = new Int32Array(this.count);
    this.labels = new Float32Array(this.count);
    this.order = identityOrder(this.count);
    this.seen = new Uint8Array(train.nItems);
    this.users.set(rowOfEntries(train));
    this.items.set(train.indices);
    if (negatives === 0) this.labels.set(train.values);
    else this.labels.fill(1, 0, train.nnz);
  }

  /** Redraws the negative pairs (slots nnz..count); a no-op without negatives. */
  draw(rng: Rng): void {
    if (this.negatives === 0) return;
    const { all, train, seen } = this;
    const nItems = train.nItems;
    let slot = train.nnz;
    for (let u = 0; u < train.nUsers; u++) {
      const positives = train.userDegree(u) * this.negatives;
      if (positives === 0) continue;
      const known = all.userItems(u);
      for (let k = 0; k < known.length; k++) seen[known[k]] = 1;
      // A user who has every item keeps uniform draws (labelled 0 anyway).
      const canSample = known.length < nItems;
      for (let t = 0; t < positives; t++) {
        let j = rng.int(nItems);
        if (canSample) while (seen[j] === 1) j = rng.int(nItems);
        this.users[slot] = u;
        this.items[slot] = j;
        slot++;
      }
      for (let k = 0; k < known.length; k++) seen[known[k]] = 0;
    }
  }
}

/** Shuffled mini-batches of 0..n−1: views into one permutation, re-shuffled by each call. */
export function* shuffledBatches(order: Int32Array, batchSize: number, rng: Rng): Generator<Int32Array> {
  rng.shuffle(order);
  for (let start = 0; start < order.length; start += batchSize) yield order.subarray(start, start + batchSize);
}

/** 0, 1, …, n−1. */
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
