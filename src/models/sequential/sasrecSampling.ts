// SASRec's training and validation data (the model is sasrec.ts): the paper's protocol holds
// out each user's last training item for validation and ranks it against sampled unseen items
// (HR@10, NDCG@10); an epoch is every user's sequence once, in shuffled batches (optionally
// bucketed by length so short histories are not padded to the longest), and each position's
// next item is a positive with one sampled unseen item as its negative.
import type { Rng } from "../../math/random";
import type { TrainingStep } from "./sasrecNetwork";

/** A held-out last item. */
export interface ValidationItem {
  user: number;
  item: number;
}

/** Training sequences, with each user's last item held out when `holdOut` and at least two remain to train on. */
export function holdOutLastItems(histories: Int32Array[], holdOut: boolean): { trainSeqs: Int32Array[]; validation: ValidationItem[] } {
  const trainSeqs: Int32Array[] = [];
  const validation: ValidationItem[] = [];
  histories.forEach((history, u) => {
    if (holdOut && history.length >= 3) {
      trainSeqs.push(history.subarray(0, history.length - 1));
      validation.push({ user: u, item: history[history.length - 1] });
    } else {
      trainSeqs.push(history);
    }
  });
  return { trainSeqs, validation };
}

/** Users in batches: shuffled, or (bucket) sorted by length in shuffled batches. */
export function* epochBatches(users: Int32Array, seqs: Int32Array[], rng: Rng, size: number, bucket: boolean, maxLength: number): Generator<Int32Array> {
  const order = rng.shuffle(users.slice());
  if (bucket) {
    const length = (u: number) => Math.min(seqs[u].length - 1, maxLength);
    // Stable sort of a shuffled list: ties in random order.
    const sorted = Array.from(order).sort((a, b) => length(a) - length(b));
    const starts = rng.shuffle(Int32Array.from({ length: Math.ceil(sorted.length / size) }, (_, b) => b * size));
    for (const start of starts) yield Int32Array.from(sorted.slice(start, start + size));
  } else {
    for (let start = 0; start < order.length; start += size) yield order.subarray(start, start + size);
  }
}

/**
 * Inputs s_0..s_{n−2} predict s_1..s_{n−1}, right-aligned, last maxLength positions; one
 * negative per position, uniform over the items the user never interacted with. `seen` is an
 * all-zero scratch of nItems, left all zero.
 */
export function buildTrainingStep(users: Int32Array, seqs: Int32Array[], histories: Int32Array[], maxLength: number, nItems: number, rng: Rng, seen: Uint8Array): TrainingStep {
  let width = 0;
  for (const u of users) width = Math.max(width, Math.min(seqs[u].length - 1, maxLength));
  const rowsCount = users.length;
  const ids = new Int32Array(rowsCount * width);
  const rows: number[] = [];
  const positives: number[] = [];
  const negatives: number[] = [];
  users.forEach((u, r) => {
    const seq = seqs[u];
    const length = Math.min(seq.length - 1, maxLength);
    const history = histories[u];
    for (let k = 0; k < history.length; k++) seen[history[k]] = 1;
    const canSample = history.length < nItems;
    for (let t = 0; t < length; t++) {
      const column = width - length + t;
      const source = seq.length - 1 - length + t;
      ids[r * width + column] = seq[source] + 1;
      rows.push(r * width + column);
      positives.push(seq[source + 1] + 1);
      let negative = rng.int(nItems);
      if (canSample) while (seen[negative] === 1) negative = rng.int(nItems);
      negatives.push(negative + 1);
    }
    for (let k = 0; k < history.length; k++) seen[history[k]] = 0;
  });
  return { batch: { ids, rows: rowsCount, width }, rows: Int32Array.from(rows), positives: Int32Array.from(positives), negatives: Int32Array.from(negatives) };
}

/** For each validation user: model ids (item + 1) of [item, distinct negatives unseen by the user], flattened. */
export function sampleValidationCandidates(validation: ValidationItem[], histories: Int32Array[], nItems: number, negatives: number, rng: Rng, seen: Uint8Array): Int32Array {
  const width = negatives + 1;
  const out = new Int32Array(validation.length * width);
  validation.forEach((v, r) => {
    const history = histories[v.user];
    for (let k = 0; k < history.length; k++) seen[history[k]] = 1;
    // Distinct unseen negatives while they last, then unseen ones again.
    let unseen = nItems - history.length;
    out[r * width] = v.item + 1;
    for (let c = 1; c < width; c++) {
      let item = rng.int(nItems);
      if (unseen > 0) {
        while (seen[item] !== 0) item = rng.int(nItems);
        seen[item] = 2;
        unseen--;
      } else if (history.length < nItems) {
        while (seen[item] === 1) item = rng.int(nItems);
      }
      out[r * width + c] = item + 1;
    }
    for (let k = 0; k < history.length; k++) seen[history[k]] = 0;
    for (let c = 1; c < width; c++) seen[out[r * width + c] - 1] = 0;
  });
  return out;
}

/**
 * HR@10 and NDCG@10 of each row's first candidate among its `width` candidates, scored as
 * states[r] · table[id] (a tie counts against the held-out item).
 */
export function sampledRanking(states: Float32Array, table: Float32Array, d: number, candidates: Int32Array, width: number): Record<string, number> {
  const count = candidates.length / width;
  const score = (r: number, id: number) => {
    let dot = 0;
    for (let c = 0; c < d; c++) dot += states[r * d + c] * table[id * d + c];
    return dot;
  };
  let hits = 0;
  let ndcg = 0;
  for (let r = 0; r < count; r++) {
    const positive = score(r, candidates[r * width]);
    let rank = 0;
    for (let c = 1; c < width; c++) if (score(r, candidates[r * width + c]) >= positive) rank++;
    if (rank < 10) {
      hits++;
      ndcg += 1 / Math.log2(rank + 2);
    }
  }
  return { "hr@10": hits / count, "ndcg@10": ndcg / count };
}
