// Top-K selection without sorting the catalogue: a bounded min-heap over the scores (the worst
// kept entry at the root), O(n log k), no per-item allocation. Higher scores first; equal scores
// by the lower index; NaN and −∞ are never returned.
//  - topK(scores, k, options): any array-like, with exclusions, candidate lists and predicates
//    (serving, similar items, validation);
//  - RowTopK: rows of one Float32Array score buffer scanned in index order (full-ranking
//    evaluation), buffers reused across rows, and a threshold test that rejects most items with
//    one comparison. Measured on 40,981-item rows, k = 20 (2 cores, other jobs running): topK
//    0.49–0.55 ms per row, RowTopK 0.10 ms per row (wall clock, when it was a separate copy).
// Both share the heap operations below. RowTopK fills the heap with the first k items, then
// scans a subarray view with one comparison per item: CPU time per 40,981-item row, k = 20,
// interleaved with its former hand-inlined copy, 0.053–0.059 ms vs 0.075 ms. The heap keeps
// scores as float64 so float64 input (item–item similarity rows) is compared at full precision;
// float32 input is held exactly.

export interface TopK {
  /** Item indices, best first. */
  indices: Int32Array;
  scores: Float32Array;
}

export interface TopKOptions {
  /** Indices that must not be returned. */
  exclude?: ArrayLike<number> | ReadonlySet<number>;
  /** Only these indices are considered (in any order). */
  candidates?: ArrayLike<number>;
  /** Extra predicate (e.g. a genre filter); false drops the index. */
  accept?: (index: number) => boolean;
}

/**
 * Best `k` entries of `scores` (higher is better). NaN and -Infinity scores are never
 * returned. Reuses an internal exclusion mask, so calls are cheap for serving.
 */
export function topK(scores: ArrayLike<number>, k: number, options: TopKOptions = {}): TopK {
  const n = scores.length;
  const limit = Math.max(0, Math.min(k, options.candidates ? options.candidates.length : n));
  const heapIdx = new Int32Array(limit);
  // Float64: float64 scores (item–item similarity rows) are compared at full precision; float32 ones exactly as given.
  const heapScore = new Float64Array(limit);
  let size = 0;
  const excluded = exclusionMask(n, options.exclude);
  const accept = options.accept;

  const consider = (i: number) => {
    const s = scores[i];
    if (!(s > Number.NEGATIVE_INFINITY)) return; // NaN or -Infinity
    if (excluded !== undefined && excluded[i] === 1) return;
    if (accept && !accept(i)) return;
    // Candidates come in any order, so a full heap compares with the tie rule, not a threshold.
    if (size < limit) heapPush(heapScore, heapIdx, size++, s, i);
    else if (limit > 0 && worse(heapScore[0], heapIdx[0], s, i)) heapReplaceRoot(heapScore, heapIdx, size, s, i);
  };

  if (options.candidates) {
    const candidates = options.candidates;
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c];
      if (i >= 0 && i < n) consider(i);
    }
  } else {
    for (let i = 0; i < n; i++) consider(i);
  }
  if (excluded !== undefined) clearMask(excluded, options.exclude);

  const indices = new Int32Array(size);
  const out = new Float32Array(size);
  heapDrain(heapScore, heapIdx, size, indices, out);
  return { indices, scores: out };
}

/** Partial top-K over rows of a Float32Array score buffer, buffers reused across rows. */
export class RowTopK {
  private readonly heapIdx: Int32Array;
  private readonly heapScore: Float64Array;
  /** Best-first item indices of the last `select` (a view of length `size`). */
  indices: Int32Array;
  scores: Float32Array;
  private readonly outIdx: Int32Array;
  private readonly outScore: Float32Array;

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
    this.heapIdx = new Int32Array(k);
    this.heapScore = new Float64Array(k);
    this.outIdx = new Int32Array(k);
    this.outScore = new Float32Array(k);
    this.indices = this.outIdx.subarray(0, 0);
    this.scores = this.outScore.subarray(0, 0);
  }

  /** Best k of scores[offset .. offset + n) (indices relative to offset); returns how many. */
  select(scores: Float32Array, offset: number, n: number): number {
    const k = this.k;
    const heapIdx = this.heapIdx;
    const heapScore = this.heapScore;
    let size = 0;
    const row = scores.subarray(offset, offset + n);
    let i = 0;
    // Fill the heap with the first k scorable items (NaN and −∞ fail the test).
    for (; i < n && size < k; i++) {
      const s = row[i];
      if (s > Number.NEGATIVE_INFINITY) heapPush(heapScore, heapIdx, size++, s, i);
    }
    // Then an item must beat the worst kept score strictly: an equal score comes from a higher
    // index (rows are scanned in index order), which ranks lower. One comparison rejects most.
    let threshold = heapScore[0];
    for (; i < n; i++) {
      const s = row[i];
      if (s > threshold) {
        heapReplaceRoot(heapScore, heapIdx, size, s, i);
        threshold = heapScore[0];
      }
    }
    heapDrain(heapScore, heapIdx, size, this.outIdx, this.outScore);
    this.indices = this.outIdx.subarray(0, size);
    this.scores = this.outScore.subarray(0, size);
    return size;
  }
}

/** True when (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Adds (s, i) to a min-heap of `size` entries (sift up); the caller counts it. */
function heapPush(heapScore: Float64Array, heapIdx: Int32Array, size: number, s: number, i: number): void {
  let pos = size;
  while (pos > 0) {
    const parent = (pos - 1) >> 1;
    if (worse(heapScore[parent], heapIdx[parent], s, i)) break;
    heapScore[pos] = heapScore[parent];
    heapIdx[pos] = heapIdx[parent];
    pos = parent;
  }
  heapScore[pos] = s;
  heapIdx[pos] = i;
}

/** Replaces the root (the worst kept entry) of a heap of `size` entries by (s, i) and sifts it down. */
function heapReplaceRoot(heapScore: Float64Array, heapIdx: Int32Array, size: number, s: number, i: number): void {
  let pos = 0;
  for (;;) {
    const left = 2 * pos + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && worse(heapScore[right], heapIdx[right], heapScore[left], heapIdx[left]) ? right : left;
    if (!worse(heapScore[child], heapIdx[child], s, i)) break;
    heapScore[pos] = heapScore[child];
    heapIdx[pos] = heapIdx[child];
    pos = child;
  }
  heapScore[pos] = s;
  heapIdx[pos] = i;
}

/** Pops a heap of `size` entries into outIdx/outScore[0..size), best first (the heap is consumed). */
function heapDrain(heapScore: Float64Array, heapIdx: Int32Array, size: number, outIdx: Int32Array, outScore: Float32Array): void {
  for (let end = size - 1; end >= 0; end--) {
    outIdx[end] = heapIdx[0];
    outScore[end] = heapScore[0];
    // The last entry moves to the root of the heap shrunk to `end` entries.
    heapReplaceRoot(heapScore, heapIdx, end, heapScore[end], heapIdx[end]);
  }
}
// One shared mask per catalogue size: set for the excluded indices, cleared after use.
let sharedMask: Uint8Array = new Uint8Array(0);

function exclusionMask(n: number, exclude: TopKOptions["exclude"]): Uint8Array | undefined {
  if (!exclude) return undefined;
  if (sharedMask.length < n) sharedMask = new Uint8Array(n);
  forEachIndex(exclude, (i) => {
    if (i >= 0 && i < n) sharedMask[i] = 1;
  });
  return sharedMask;
}

function clearMask(mask: Uint8Array, exclude: TopKOptions["exclude"]): void {
  if (!exclude) return;
  forEachIndex(exclude, (i) => {
    if (i >= 0 && i < mask.length) mask[i] = 0;
  });
}

function forEachIndex(indices: ArrayLike<number> | ReadonlySet<number>, fn: (i: number) => void): void {
  if (isSet(indices)) for (const i of indices) fn(i);
  else for (let k = 0; k < indices.length; k++) fn(indices[k]);
}

function isSet(value: ArrayLike<number> | ReadonlySet<number>): value is ReadonlySet<number> {
  return typeof (value as ReadonlySet<number>).has === "function";
}
