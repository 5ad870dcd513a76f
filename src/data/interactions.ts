// The interaction matrix every model trains on: users × items in canonical CSR typed arrays
// (each row sorted by item index). Dense indices only; time order is a cached view.
import crypto from "node:crypto";

export interface InteractionTriples {
  users: Int32Array;
  items: Int32Array;
  values: Float32Array;
  /** Unix seconds; NaN where unknown. Optional. */
  times?: Float64Array;
}

export class Interactions {
  /** Row pointers, length nUsers + 1. */
  readonly indptr: Int32Array;
  /** Item index of each non-zero, grouped by user. */
  readonly indices: Int32Array;
  readonly values: Float32Array;
  /** Unix seconds per non-zero (NaN where unknown), or undefined when no source had times. */
  readonly times: Float64Array | undefined;
  private transposed: Interactions | undefined;

  constructor(
    readonly nUsers: number,
    readonly nItems: number,
    indptr: Int32Array,
    indices: Int32Array,
    values: Float32Array,
    times?: Float64Array,
  ) {
    if (indptr.length !== nUsers + 1) throw new RangeError(`indptr has ${indptr.length} entries, expected ${nUsers + 1}`);
    if (indices.length !== values.length) throw new RangeError("indices and values differ in length");
    this.indptr = indptr;
    this.indices = indices;
    this.values = values;
    this.times = times;
  }

  get nnz(): number {
    return this.indices.length;
  }

  /**
   * Builds the CSR from unordered triples. A repeated (user, item) pair keeps its last occurrence.
   * Typed arrays only (a counting sort by user, then each row sorted by item): at 25M triples a
   * Map of pairs exceeds V8's 2^24 entries and a comparator sort of all of them takes tens of
   * seconds. Triples already in strictly increasing (user, item) order (a database snapshot)
   * are copied straight into the CSR.
   */
  static fromTriples(nUsers: number, nItems: number, triples: InteractionTriples): Interactions {
    const { users, items, values, times } = triples;
    const n = users.length;
    let sorted = true;
    for (let k = 0; k < n; k++) {
      const u = users[k];
      const i = items[k];
      if (u < 0 || u >= nUsers || i < 0 || i >= nItems) {
        throw new RangeError(`triple ${k} (${u}, ${i}) is outside ${nUsers} × ${nItems}`);
      }
      if (k > 0 && sorted && (u < users[k - 1] || (u === users[k - 1] && i <= items[k - 1]))) sorted = false;
    }
    const indptr = new Int32Array(nUsers + 1);
    for (let k = 0; k < n; k++) indptr[users[k] + 1]++;
    for (let u = 0; u < nUsers; u++) indptr[u + 1] += indptr[u];
    if (sorted) {
      return new Interactions(nUsers, nItems, indptr, items.slice(), values.slice(), times?.slice());
    }
    // Stable counting sort by user: within a row the triples keep their input order.
    const order = new Int32Array(n);
    const cursor = indptr.slice(0, nUsers);
    for (let k = 0; k < n; k++) order[cursor[users[k]]++] = k;
    // Each row by (item, input position): key item·n + k is exact in a double (< 2^53 for any real size).
    const keys = new Float64Array(n);
    for (let p = 0; p < n; p++) keys[p] = items[order[p]] * n + order[p];
    const keptIndptr = new Int32Array(nUsers + 1);
    const kept = new Int32Array(n);
    let m = 0;
    for (let u = 0; u < nUsers; u++) {
      const row = keys.subarray(indptr[u], indptr[u + 1]);
      row.sort();
      for (let p = 0; p < row.length; p++) {
        const item = Math.floor(row[p] / n);
        // A later duplicate of the pair follows at once: keep only the last of a run.
        if (p + 1 < row.length && Math.floor(row[p + 1] / n) === item) continue;
        kept[m++] = row[p] - item * n;
      }
      keptIndptr[u + 1] = m;
    }
    const indices = new Int32Array(m);
    const vals = new Float32Array(m);
    const ts = times ? new Float64Array(m) : undefined;
    for (let position = 0; position < m; position++) {
      const k = kept[position];
      indices[position] = items[k];
      vals[position] = values[k];
      if (ts && times) ts[position] = times[k];
    }
    return new Interactions(nUsers, nItems, keptIndptr, indices, vals, ts);
  }

  /** Items of user `u` (a view, ascending item index). */
  userItems(u: number): Int32Array {
    return this.indices.subarray(this.indptr[u], this.indptr[u + 1]);
  }

  userValues(u: number): Float32Array {
    return this.values.subarray(this.indptr[u], this.indptr[u + 1]);
  }

  userDegree(u: number): number {
    return this.indptr[u + 1] - this.indptr[u];
  }

  /** Item-major copy (CSC of this matrix as a CSR over items), cached. */
  transpose(): Interactions {
    if (this.transposed) return this.transposed;
    const { indptr, rows, positions } = this.columnLayout(true);
    const values = new Float32Array(this.nnz);
    const times = this.times ? new Float64Array(this.nnz) : undefined;
    for (let slot = 0; slot < this.nnz; slot++) {
      values[slot] = this.values[positions[slot]];
      if (times && this.times) times[slot] = this.times[positions[slot]];
    }
    this.transposed = new Interactions(this.nItems, this.nUsers, indptr, rows, values, times);
    this.transposed.transposed = this;
    return this.transposed;
  }

  /**
   * The item-major layout of the non-zeros without copying values: per item a range of
   * `indptr`, and in it the users (`rows`, ascending) and, with `withPositions`, each entry's
   * position in this matrix's arrays. A counting sort by item. `transpose()` gathers the values
   * through it; the API's catalogue keeps only `indptr` and `rows` (8 bytes per rating).
   */
  columnLayout(withPositions: true): { indptr: Int32Array; rows: Int32Array; positions: Int32Array };
  columnLayout(withPositions?: false): { indptr: Int32Array; rows: Int32Array };
  columnLayout(withPositions = false): { indptr: Int32Array; rows: Int32Array; positions?: Int32Array } {
    const indptr = new Int32Array(this.nItems + 1);
    for (let k = 0; k < this.nnz; k++) indptr[this.indices[k] + 1]++;
    for (let i = 0; i < this.nItems; i++) indptr[i + 1] += indptr[i];
    const cursor = indptr.slice(0, this.nItems);
    const rows = new Int32Array(this.nnz);
    const positions = withPositions ? new Int32Array(this.nnz) : undefined;
    for (let u = 0; u < this.nUsers; u++) {
      for (let k = this.indptr[u]; k < this.indptr[u + 1]; k++) {
        const slot = cursor[this.indices[k]]++;
        rows[slot] = u;
        if (positions) positions[slot] = k;
      }
    }
    return { indptr, rows, positions };
  }

  /** Number of interactions per item. */
  itemDegrees(): Int32Array {
    const degrees = new Int32Array(this.nItems);
    for (let k = 0; k < this.nnz; k++) degrees[this.indices[k]]++;
    return degrees;
  }

  /** Same matrix with every value set to 1 (implicit view of explicit ratings). */
  binarized(): Interactions {
    return new Interactions(this.nUsers, this.nItems, this.indptr, this.indices, new Float32Array(this.nnz).fill(1), this.times);
  }

  /** Value of (u, i), or undefined when absent. */
  get(u: number, i: number): number | undefined {
    const position = this.find(u, i);
    return position < 0 ? undefined : this.values[position];
  }

  has(u: number, i: number): boolean {
    return this.find(u, i) >= 0;
  }

  /** Position of (u, i) in indices/values, or -1 (binary search in the sorted row). */
  find(u: number, i: number): number {
    let lo = this.indptr[u];
    let hi = this.indptr[u + 1] - 1;
    const indices = this.indices;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const item = indices[mid];
      if (item === i) return mid;
      if (item < i) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private chronological: Int32Array | undefined;
  /**
   * Positions of all non-zeros, row by row, in time order (unknown times last; ties by
   * item index). `sequence(u)` uses it; sequential models and leave-last-out splits read it.
   */
  timeOrder(): Int32Array {
    if (this.chronological) return this.chronological;
    const order = new Int32Array(this.nnz);
    for (let u = 0; u < this.nUsers; u++) order.set(this.rowTimeOrder(u), this.indptr[u]);
    this.chronological = order;
    return order;
  }

  /**
   * Positions of user `u`'s non-zeros in time order (a new array; the order of `timeOrder`). One
   * row on demand: serving needs one user's history, and the whole order costs ~5 s at 25M.
   */
  rowTimeOrder(u: number): Int32Array {
    if (this.chronological) return this.chronological.slice(this.indptr[u], this.indptr[u + 1]);
    const start = this.indptr[u];
    const end = this.indptr[u + 1];
    const row = Array.from({ length: end - start }, (_, k) => start + k);
    const times = this.times;
    if (times) {
      row.sort((a, b) => {
        const ta = times[a];
        const tb = times[b];
        const na = Number.isNaN(ta);
        const nb = Number.isNaN(tb);
        if (na !== nb) return na ? 1 : -1;
        return (na ? 0 : ta - tb) || a - b;
      });
    }
    return Int32Array.from(row);
  }

  /** Items of user `u` in time order (a new array). */
  sequence(u: number): Int32Array {
    const order = this.timeOrder();
    const start = this.indptr[u];
    const out = new Int32Array(this.indptr[u + 1] - start);
    for (let k = 0; k < out.length; k++) out[k] = this.indices[order[start + k]];
    return out;
  }

  /** Stable content hash: identifies the data a model was trained on. */
  fingerprint(): string {
    const hash = crypto.createHash("sha256");
    hash.update(`${this.nUsers}x${this.nItems}:${this.nnz}`);
    hash.update(new Uint8Array(this.indptr.buffer, this.indptr.byteOffset, this.indptr.byteLength));
    hash.update(new Uint8Array(this.indices.buffer, this.indices.byteOffset, this.indices.byteLength));
    hash.update(new Uint8Array(this.values.buffer, this.values.byteOffset, this.values.byteLength));
    return hash.digest("hex").slice(0, 16);
  }
}
