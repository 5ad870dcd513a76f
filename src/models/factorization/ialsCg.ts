// The conjugate-gradient row solves of implicit ALS (./ials.ts), on the calling thread and on
// worker threads that share the factor tables (SharedArrayBuffer): each row's solve reads the
// fixed side and writes only its own row, so the rows split over threads and the result is the
// same, bit for bit, whatever the number of threads. Written here rather than with a library: no
// maintained JavaScript package runs iALS-CG, and tf.js has no sparse row-wise solve.
//
// The workers run the source text of cgApply and cgSolveRows (Function.prototype.toString), so
// every thread runs this same code. Both must stay free of outer references and of nested
// functions (a transpiler may wrap those with helpers the worker does not define).
import os from "node:os";
import { Worker } from "node:worker_threads";
import { gramUpper, mirrorUpper } from "../../math/linalg";
import type { Interactions } from "../../data/interactions";

/**
 * result = (G + λI) v + Σ_(t∈[start,end)) e_t (y_t·v) y_t, v = vec[offset ..+k], G the full
 * (mirrored) Gram matrix of the fixed side, e_t = extra[t] (or `extraConstant` when extra is empty).
 * Four columns at a time with four partial sums: independent additions instead of one chain.
 */
export function cgApply(
  k: number,
  gram: Float64Array,
  reg: number,
  vec: Float64Array,
  offset: number,
  indices: Int32Array,
  extra: Float64Array,
  extraConstant: number,
  start: number,
  end: number,
  fixed: Float64Array,
  result: Float64Array,
): void {
  const k4 = k - (k % 4);
  for (let a = 0; a < k; a++) {
    const row = a * k;
    let s0 = reg * vec[offset + a];
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let b = 0;
    for (; b < k4; b += 4) {
      s0 += gram[row + b] * vec[offset + b];
      s1 += gram[row + b + 1] * vec[offset + b + 1];
      s2 += gram[row + b + 2] * vec[offset + b + 2];
      s3 += gram[row + b + 3] * vec[offset + b + 3];
    }
    for (; b < k; b++) s0 += gram[row + b] * vec[offset + b];
    result[a] = s0 + s1 + s2 + s3;
  }
  const perEntry = extra.length > 0;
  for (let t = start; t < end; t++) {
    const fo = indices[t] * k;
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let d = 0;
    for (; d < k4; d += 4) {
      d0 += fixed[fo + d] * vec[offset + d];
      d1 += fixed[fo + d + 1] * vec[offset + d + 1];
      d2 += fixed[fo + d + 2] * vec[offset + d + 2];
      d3 += fixed[fo + d + 3] * vec[offset + d + 3];
    }
    for (; d < k; d++) d0 += fixed[fo + d] * vec[offset + d];
    const w = (perEntry ? extra[t] : extraConstant) * (d0 + d1 + d2 + d3);
    if (w === 0) continue;
    for (d = 0; d < k4; d += 4) {
      result[d] += w * fixed[fo + d];
      result[d + 1] += w * fixed[fo + d + 1];
      result[d + 2] += w * fixed[fo + d + 2];
      result[d + 3] += w * fixed[fo + d + 3];
    }
    for (; d < k; d++) result[d] += w * fixed[fo + d];
  }
}

/**
 * Updates rows [rowStart, rowEnd) of `out` by `steps` CG steps each, warm-started from their
 * current values, against the fixed side. `scratch` holds 3k floats (residual, direction, A·p).
 * `apply` is cgApply (passed in, so that a worker can hand over its own compiled copy).
 */
export function cgSolveRows(
  apply: typeof cgApply,
  k: number,
  gram: Float64Array,
  reg: number,
  steps: number,
  indptr: Int32Array,
  indices: Int32Array,
  extra: Float64Array,
  extraConstant: number,
  fixed: Float64Array,
  out: Float64Array,
  rowStart: number,
  rowEnd: number,
  scratch: Float64Array,
): void {
  const r = scratch.subarray(0, k);
  const p = scratch.subarray(k, 2 * k);
  const ap = scratch.subarray(2 * k, 3 * k);
  const perEntry = extra.length > 0;
  for (let row = rowStart; row < rowEnd; row++) {
    const start = indptr[row];
    const end = indptr[row + 1];
    const o = row * k;
    if (start === end) {
      out.fill(0, o, o + k);
      continue;
    }
    // r = b − A x, with b = Σ (1 + e_t) y_t
    apply(k, gram, reg, out, o, indices, extra, extraConstant, start, end, fixed, ap);
    for (let d = 0; d < k; d++) r[d] = -ap[d];
    for (let t = start; t < end; t++) {
      const c = 1 + (perEntry ? extra[t] : extraConstant);
      const fo = indices[t] * k;
      for (let d = 0; d < k; d++) r[d] += c * fixed[fo + d];
    }
    let rr = 0;
    for (let d = 0; d < k; d++) {
      p[d] = r[d];
      rr += r[d] * r[d];
    }
    for (let s = 0; s < steps && rr > 1e-20; s++) {
      apply(k, gram, reg, p, 0, indices, extra, extraConstant, start, end, fixed, ap);
      let pap = 0;
      for (let d = 0; d < k; d++) pap += p[d] * ap[d];
      if (!(pap > 0)) break;
      const step = rr / pap;
      let rrNew = 0;
      for (let d = 0; d < k; d++) {
        out[o + d] += step * p[d];
        r[d] -= step * ap[d];
        rrNew += r[d] * r[d];
      }
      const beta = rrNew / rr;
      for (let d = 0; d < k; d++) p[d] = r[d] + beta * p[d];
      rr = rrNew;
    }
  }
}

/** One side of the alternation: the rows to solve and their confidences. */
interface Side {
  indptr: Int32Array;
  indices: Int32Array;
  /** c − 1 per entry, or empty when every entry has `extraConstant`. */
  extra: Float64Array;
}

// Control words shared with the workers: [0] generation (bumped per task), [1] workers done,
// [2] side (0: solve users against items, 1: items against users), [3] stop, then per worker
// [4 + 2w] row start and [5 + 2w] row end.
const GENERATION = 0;
const DONE = 1;
const SIDE = 2;
const STOP = 3;
const RANGES = 4;

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const __name = (target) => target;
const cgApply = ${cgApply.toString()};
const cgSolveRows = ${cgSolveRows.toString()};
const { control, slot, k, steps, reg, extraConstant, gram, users, items, sides } = workerData;
const views = sides.map((s) => ({ indptr: new Int32Array(s.indptr), indices: new Int32Array(s.indices), extra: new Float64Array(s.extra) }));
const ctrl = new Int32Array(control);
const g = new Float64Array(gram);
const u = new Float64Array(users);
const i = new Float64Array(items);
const scratch = new Float64Array(3 * k);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${GENERATION}, seen);
  seen = Atomics.load(ctrl, ${GENERATION});
  if (Atomics.load(ctrl, ${STOP}) === 1) break;
  const side = Atomics.load(ctrl, ${SIDE});
  const view = views[side];
  cgSolveRows(cgApply, k, g, reg, steps, view.indptr, view.indices, view.extra, extraConstant, side === 0 ? i : u, side === 0 ? u : i,
    ctrl[${RANGES} + 2 * slot], ctrl[${RANGES + 1} + 2 * slot], scratch);
  Atomics.add(ctrl, ${DONE}, 1);
  Atomics.notify(ctrl, ${DONE});
}
`;

/** A Float64Array on shared memory (readable by the workers), with `values` copied in. */
function sharedFloat64(values: ArrayLike<number> | number): Float64Array {
  const length = typeof values === "number" ? values : values.length;
  const array = new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));
  if (typeof values !== "number") array.set(values);
  return array;
}

function sharedInt32(values: Int32Array): Int32Array {
  const array = new Int32Array(new SharedArrayBuffer(values.length * Int32Array.BYTES_PER_ELEMENT));
  array.set(values);
  return array;
}

/** The threads a fit uses by default: all cores (the fit is the machine's main work while it runs). */
export function defaultCgThreads(): number {
  return Math.max(1, typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
}

/**
 * The iALS solver of one fit: user and item factors on shared memory, the two sides' rows and
 * confidences, and threads − 1 workers (this thread is one of the threads). `close()` ends the workers.
 */
export class CgSolver {
  readonly users: Float64Array;
  readonly items: Float64Array;
  readonly gram: Float64Array;
  private readonly sides: [Side, Side];
  private readonly scratch: Float64Array;
  private readonly control: Int32Array;
  private readonly workers: Worker[] = [];

  constructor(
    private readonly k: number,
    private readonly reg: number,
    private readonly steps: number,
    users: Float64Array,
    items: Float64Array,
    x: Interactions,
    xt: Interactions,
    extra: { x: Float64Array; xt: Float64Array } | number,
    threads: number,
  ) {
    const parallel = Math.max(1, Math.min(threads, x.nUsers, x.nItems)) > 1;
    const share = (values: Float64Array) => (parallel ? sharedFloat64(values) : values);
    const shareInt = (values: Int32Array) => (parallel ? sharedInt32(values) : values);
    this.users = share(users);
    this.items = share(items);
    this.gram = parallel ? sharedFloat64(k * k) : new Float64Array(k * k);
    const empty = new Float64Array(0);
    this.extraConstant = typeof extra === "number" ? extra : 0;
    this.sides = [
      { indptr: shareInt(x.indptr), indices: shareInt(x.indices), extra: typeof extra === "number" ? empty : share(extra.x) },
      { indptr: shareInt(xt.indptr), indices: shareInt(xt.indices), extra: typeof extra === "number" ? empty : share(extra.xt) },
    ];
    this.scratch = new Float64Array(3 * k);
    const workers = parallel ? Math.min(threads, x.nUsers, x.nItems) - 1 : 0;
    this.control = new Int32Array(new SharedArrayBuffer((RANGES + 2 * workers) * Int32Array.BYTES_PER_ELEMENT));
    for (let slot = 0; slot < workers; slot++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          control: this.control.buffer,
          slot,
          k,
          steps,
          reg,
          extraConstant: this.extraConstant,
          gram: this.gram.buffer,
          users: this.users.buffer,
          items: this.items.buffer,
          sides: this.sides.map((s) => ({ indptr: s.indptr.buffer, indices: s.indices.buffer, extra: s.extra.buffer })),
        },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  private readonly extraConstant: number;

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Solves every row of `side` (0: users against the items, 1: items against the users). */
  half(side: 0 | 1): void {
    const { k } = this;
    const [fixed, out] = side === 0 ? [this.items, this.users] : [this.users, this.items];
    gramUpper(this.gram, k, fixed, k, fixed.length / k);
    mirrorUpper(this.gram, k);
    const rows = this.sides[side];
    const bounds = splitRows(rows.indptr, k, this.threads);
    const ctrl = this.control;
    if (this.workers.length > 0) {
      Atomics.store(ctrl, SIDE, side);
      Atomics.store(ctrl, DONE, 0);
      for (let w = 0; w < this.workers.length; w++) {
        Atomics.store(ctrl, RANGES + 2 * w, bounds[w + 1]);
        Atomics.store(ctrl, RANGES + 2 * w + 1, bounds[w + 2]);
      }
      Atomics.add(ctrl, GENERATION, 1);
      Atomics.notify(ctrl, GENERATION);
    }
    cgSolveRows(cgApply, k, this.gram, this.reg, this.steps, rows.indptr, rows.indices, rows.extra, this.extraConstant, fixed, out, bounds[0], bounds[1], this.scratch);
    // The calling thread blocks until the workers are done: the fit is synchronous, and nothing else may touch the factors meanwhile.
    for (let done = Atomics.load(ctrl, DONE); done < this.workers.length; done = Atomics.load(ctrl, DONE)) Atomics.wait(ctrl, DONE, done, 1_000);
  }

  /** Stops the workers. Idempotent. */
  close(): void {
    if (this.workers.length === 0) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}

/**
 * Row boundaries [b0 = 0, b1, …, b_threads = rows] that give each thread about the same work:
 * a row costs ~k² (the Gram product) plus ~2k per entry, per CG step.
 */
export function splitRows(indptr: Int32Array, k: number, threads: number): number[] {
  const rows = indptr.length - 1;
  const cost = (row: number) => row * k + 2 * indptr[row];
  const total = cost(rows);
  const bounds = [0];
  let row = 0;
  for (let t = 1; t < threads; t++) {
    const target = (total * t) / threads;
    while (row < rows && cost(row) < target) row++;
    bounds.push(row);
  }
  bounds.push(rows);
  return bounds;
}
