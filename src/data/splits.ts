// Train/test splits on the CSR interaction matrix. All seeded; all keep the catalogue
// (nUsers × nItems) of the input, so indices stay valid across the parts.
import { ValidationError } from "../errors";
import { createRng } from "../math/random";
import { Interactions } from "./interactions";

export interface Split {
  train: Interactions;
  test: Interactions;
}

/** Builds a matrix of the same shape from the positions (into `source`) that `keep` selects. */
export function subset(source: Interactions, keep: (position: number, user: number) => boolean): Interactions {
  const indptr = new Int32Array(source.nUsers + 1);
  const positions: number[] = [];
  for (let u = 0; u < source.nUsers; u++) {
    for (let k = source.indptr[u]; k < source.indptr[u + 1]; k++) {
      if (keep(k, u)) positions.push(k);
    }
    indptr[u + 1] = positions.length;
  }
  const indices = new Int32Array(positions.length);
  const values = new Float32Array(positions.length);
  const times = source.times ? new Float64Array(positions.length) : undefined;
  positions.forEach((k, p) => {
    indices[p] = source.indices[k];
    values[p] = source.values[k];
    if (times && source.times) times[p] = source.times[k];
  });
  return new Interactions(source.nUsers, source.nItems, indptr, indices, values, times);
}

/**
 * Per-user random holdout: each user with at least `minInteractions` gives round(fraction × n)
 * of their interactions (at least 1) to the test part; others stay entirely in train.
 */
export function holdoutSplit(data: Interactions, fraction: number, seed: number, minInteractions = 2): Split {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`fraction must be in (0, 1), got ${fraction}`);
  const rng = createRng(seed);
  const inTest = new Uint8Array(data.nnz);
  for (let u = 0; u < data.nUsers; u++) {
    const start = data.indptr[u];
    const n = data.indptr[u + 1] - start;
    if (n < minInteractions) continue;
    const take = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, k) => start + k));
    for (let t = 0; t < take; t++) inTest[order[t]] = 1;
  }
  return { train: subset(data, (k) => inTest[k] === 0), test: subset(data, (k) => inTest[k] === 1) };
}

/**
 * Leave-last-out: each user's latest `count` interactions (by time; item order when times
 * are unknown) go to test, for users with more than `count` interactions.
 */
export function leaveLastOut(data: Interactions, count = 1): Split {
  const order = data.timeOrder();
  const inTest = new Uint8Array(data.nnz);
  for (let u = 0; u < data.nUsers; u++) {
    const start = data.indptr[u];
    const end = data.indptr[u + 1];
    if (end - start <= count) continue;
    for (let k = end - count; k < end; k++) inTest[order[k]] = 1;
  }
  return { train: subset(data, (k) => inTest[k] === 0), test: subset(data, (k) => inTest[k] === 1) };
}

/**
 * Seeded k-fold split of the interactions (not of users): every interaction lands in exactly
 * one test fold, fold sizes differ by at most one. Fold f trains on the other k − 1 folds, so a
 * user or item can appear in a test fold with no training data (cold indices).
 */
export function kFoldSplit(data: Interactions, folds: number, seed: number): Split[] {
  if (!Number.isInteger(folds) || folds < 2 || folds > 255) throw new ValidationError("folds", folds, "an integer in 2–255");
  if (folds > data.nnz) throw new ValidationError("folds", folds, `at most the number of interactions (${data.nnz})`);
  const order = createRng(seed).shuffle(Int32Array.from({ length: data.nnz }, (_, k) => k));
  const foldOf = new Uint8Array(data.nnz);
  for (let j = 0; j < order.length; j++) foldOf[order[j]] = j % folds;
  return Array.from({ length: folds }, (_, f) => ({
    train: subset(data, (k) => foldOf[k] !== f),
    test: subset(data, (k) => foldOf[k] === f),
  }));
}

export interface ValidationSplit extends Split {
  validation: Interactions;
}

/**
 * Leave-last-out with a validation item (the SASRec paper's protocol): in each user's time
 * order (item order when times are unknown) the latest interaction goes to test and the one
 * before it to validation. Users with 2 interactions give only a test item; users with 1 keep
 * it in train. train + validation + test is the input, with no overlap.
 */
export function leaveLastOutValidation(data: Interactions): ValidationSplit {
  const order = data.timeOrder();
  // 0 train, 1 validation, 2 test
  const part = new Uint8Array(data.nnz);
  for (let u = 0; u < data.nUsers; u++) {
    const start = data.indptr[u];
    const end = data.indptr[u + 1];
    const n = end - start;
    if (n >= 2) part[order[end - 1]] = 2;
    if (n >= 3) part[order[end - 2]] = 1;
  }
  return {
    train: subset(data, (k) => part[k] === 0),
    validation: subset(data, (k) => part[k] === 1),
    test: subset(data, (k) => part[k] === 2),
  };
}
