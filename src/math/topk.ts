// Top-K selection without sorting the catalogue: a bounded min-heap over the scores,
// O(n log k), no per-item allocation. Ties are broken by the lower index.

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
  const heapScore = new Float32Array(limit);
  let size = 0;
  const excluded = exclusionMask(n, options.exclude);
  const accept = options.accept;

  const consider = (i: number) => {
    const s = scores[i];
    if (!(s > Number.NEGATIVE_INFINITY)) return; // NaN or -Infinity
    if (excluded !== undefined && excluded[i] === 1) return;
    if (accept && !accept(i)) return;
    if (size < limit) {
      // sift up
      let pos = size++;
      while (pos > 0) {
        const parent = (pos - 1) >> 1;
        if (worse(heapScore[parent], heapIdx[parent], s, i)) break;
        heapScore[pos] = heapScore[parent];
        heapIdx[pos] = heapIdx[parent];
        pos = parent;
      }
      heapScore[pos] = s;
      heapIdx[pos] = i;
    } else if (limit > 0 && worse(heapScore[0], heapIdx[0], s, i)) {
      // replace the root (the worst kept) and sift down
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

  // Pop the heap into best-first order.
  const indices = new Int32Array(size);
  const out = new Float32Array(size);
  for (let end = size - 1; end >= 0; end--) {
    indices[end] = heapIdx[0];
    out[end] = heapScore[0];
    const lastScore = heapScore[end];
    const lastIdx = heapIdx[end];
    let pos = 0;
    for (;;) {
      const left = 2 * pos + 1;
      if (left >= end) break;
      const right = left + 1;
      const child = right < end && worse(heapScore[right], heapIdx[right], heapScore[left], heapIdx[left]) ? right : left;
      if (!worse(heapScore[child], heapIdx[child], lastScore, lastIdx)) break;
      heapScore[pos] = heapScore[child];
      heapIdx[pos] = heapIdx[child];
      pos = child;
    }
    heapScore[pos] = lastScore;
    heapIdx[pos] = lastIdx;
  }
  return { indices, scores: out };
}

/** True when (sa, ia) ranks below (sb, ib): lower score, or equal score and higher index. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
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
