// Approximate maximum-inner-product search over item vectors: an HNSW graph (Malkov & Yashunin,
// "Efficient and robust approximate nearest neighbor search using Hierarchical Navigable Small
// World graphs", TPAMI 2018) from the maintained `usearch` library (native, prebuilt for
// linux-x64). Serving uses it when a catalogue is too large to score in full on every request:
// at 59,047 items × 64 factors a full scan is 3.8M multiply-adds (~3 ms in JavaScript), an HNSW
// search of the same vectors ~0.1 ms. Callers rescore the candidates exactly, so scores stay the
// model's; only which items are candidates is approximate (recall measured in
// test/math/ann.test.ts and by `npm run bench:scale`).
import { createRequire } from "node:module";
import type * as Usearch from "usearch";
import { ValidationError } from "../errors";

// usearch ships CommonJS with a native addon; createRequire loads it the same under tsx, vitest and node.
const usearch = createRequire(import.meta.url)("usearch") as typeof Usearch;

export interface AnnOptions {
  /** Graph degree M (default 16). */
  connectivity?: number;
  /** Candidate list size while building (efConstruction, default 128). */
  expansionAdd?: number;
  /** Candidate list size while searching (ef, default 128; usearch searches at least as many as asked for). */
  expansionSearch?: number;
  /** Threads for building (0: all cores). */
  threads?: number;
}

export const ANN_DEFAULTS = { connectivity: 16, expansionAdd: 128, expansionSearch: 128 } as const;

/** An inner-product HNSW index over `count` rows of `dim` floats; keys are the row numbers. */
export class InnerProductIndex {
  private index: Usearch.Index | undefined;
  readonly buildSeconds: number;

  constructor(
    vectors: Float32Array,
    readonly dim: number,
    readonly count: number,
    options: AnnOptions = {},
  ) {
    if (!(Number.isInteger(dim) && dim > 0) || vectors.length !== dim * count) throw new ValidationError("vectors", `${vectors.length} floats`, `${count} rows × ${dim}`);
    const started = performance.now();
    this.index = new usearch.Index({
      metric: usearch.MetricKind.IP,
      dimensions: dim,
      quantization: usearch.ScalarKind.F32,
      connectivity: options.connectivity ?? ANN_DEFAULTS.connectivity,
      expansion_add: options.expansionAdd ?? ANN_DEFAULTS.expansionAdd,
      expansion_search: options.expansionSearch ?? ANN_DEFAULTS.expansionSearch,
      multi: false,
    });
    if (count > 0)
      this.index.add(
        BigUint64Array.from({ length: count }, (_, row) => BigInt(row)),
        vectors,
        options.threads ?? 0,
      );
    this.buildSeconds = (performance.now() - started) / 1000;
  }

  /** The rows of (about) the `k` largest inner products with `query`, best first. */
  search(query: Float32Array, k: number): Int32Array {
    if (!this.index) throw new Error("the index was disposed");
    const want = Math.min(k, this.count);
    if (want <= 0) return new Int32Array(0);
    // One thread: a request is one query.
    const matches = this.index.search(query, want, 1);
    const rows = new Int32Array(matches.keys.length);
    for (let r = 0; r < rows.length; r++) rows[r] = Number(matches.keys[r]);
    return rows;
  }

  dispose(): void {
    this.index = undefined;
  }
}
