// NGCF — X. Wang, X. He, M. Wang, F. Feng, T.-S. Chua. "Neural Graph Collaborative Filtering".
// SIGIR 2019.
//
// Propagation (paper eq. 7, matrix form, with the reference code's biases):
//   E^(l) = LeakyReLU( (L + I) E^(l−1) W1_l + b1_l + (L E^(l−1) ⊙ E^(l−1)) W2_l + b2_l ),
//   L = D^-1/2 A D^-1/2 over users ∪ items, LeakyReLU slope 0.2, message dropout on E^(l) in
//   training; each layer's output is L2-normalised per row and the final representation is the
//   concatenation [E^(0), Ê^(1), …, Ê^(L)] (d·(L+1) columns); score(u, i) = e_u · e_i.
// Variants (params): `propagation` "gcn" puts the self-loops inside the normalisation,
// Â = D̃^-1/2 (A + I) D̃^-1/2, and the W1 input is Â E alone; "mean" uses the reference code's
// adjacency D̃^-1 (A + I) (the mean over a node's neighbours and itself; not symmetric, so the
// backward runs on its transpose); both take the bi-interaction Â E ⊙ E. `activation` "separate"
// applies LeakyReLU to the W1 and W2 terms separately, as the reference code does.
// Node dropout (training): every user–item edge is dropped with probability p per step and kept
// edges are scaled by 1/(1−p), on both directions at once (self-loops are kept; the reference
// code drops entries of L independently).
// Objective: BPR, mean over the batch of −ln σ(ŷ_ui − ŷ_uj) + λ · ½(‖e_u‖² + ‖e_i‖² + ‖e_j‖²)/B
// on the batch's final (concatenated) representations, as in the reference code.
//
// Implementation: forward and backward written out on typed arrays (NgcfNetwork below), every
// n × d operand in one WebAssembly memory (src/math/sparse.ts SpmmEngine): L·X on the SIMD CSR
// kernel, the W1/W2 products and their gradients (X·W, dZ·Wᵀ, Xᵀ·dZ) on the SIMD dense kernels,
// both on worker threads; the element-wise parts (bi-interaction, bias, LeakyReLU, dropout, row
// normalisation and their gradients) fused into a few JS passes; BPR and Adam on typed arrays.
// Measured on Gowalla (70,839 nodes × 64, 3 layers, batch 32,768, this 2-core machine, idle):
//   before, TensorFlow.js autograd on WASM with a customGrad L·X on the SIMD kernel: ~3 s per
//   step (75–91 s per epoch of 25 steps), dominated by tf's per-op cost and n × d host copies;
//   now 124 ms forward and 381 ms per step (the dense kernels run at 48–50 GFLOP/s on 2 threads
//   for [70,839 × 64]·[64 × 64], a JS loop at 1.3, tf.matMul with its read-back at 40);
//   `npm run bench:graph -- --kernels` (results/gowalla-kernels-ngcf.json).
import { defineModel } from "../definition";
import { BaseRecommender, cosineToAll } from "../base";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData } from "../types";
import { ValidationError } from "../../errors";
import { normalizedAdjacency, randomWalkAdjacency } from "../../graph/adjacency";
import type { CsrMatrix } from "../../math/sparse";
import { SpmmEngine } from "../../math/sparse";
import { createRng, fillNormal } from "../../math/random";
import { initTf } from "../../tf/backend";
import { glorotUniform } from "../../tf/init";
import { BprSampler, DenseAdam, EmbeddingScorer, MONITOR, bprLossAndGrad, modelRng, rankingMetrics, runSteps, usersWithItems, validationSplit } from "./common";
import { dotAll, median, type GraphFitOptions } from "./lightgcn";

export const ngcfParams = {
  dim: { type: "int", default: 64, min: 4, max: 512, description: "Embedding size (and width of every layer)" },
  layers: { type: "int", default: 3, min: 1, max: 6, description: "Propagation layers L" },
  lr: { type: "float", default: 0.005, min: 1e-6, max: 1, description: "Adam learning rate" },
  egoLrScale: { type: "float", default: 1, min: 0.001, max: 10, description: "Adam rate of the layer-0 embeddings E⁰ relative to lr (the transforms always use lr)" },
  lrDecay: { type: "float", default: 1, min: 0.5, max: 1, description: "Learning rate multiplied by this after every epoch (1: constant)" },
  initStd: { type: "float", default: 0, min: 0, max: 10, description: "Standard deviation of a normal initialisation of E⁰ (0: Glorot uniform over all nodes, as the reference code)" },
  reg: { type: "float", default: 1e-5, min: 0, max: 1, description: "L2 weight λ on the batch's final representations" },
  batchSize: { type: "int", default: 16384, min: 16, max: 1048576, description: "BPR triples per optimisation step (one propagation per step)" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs (an epoch = as many triples as training interactions)" },
  messageDropout: { type: "float", default: 0.1, min: 0, max: 0.9, description: "Dropout on each layer's output in training" },
  nodeDropout: { type: "float", default: 0, min: 0, max: 0.9, description: "Probability of dropping an edge of L per step in training" },
  propagation: { type: "enum", default: "paper", values: ["paper", "gcn", "mean"], description: "W1 input: (L + I)E with L = D^-1/2 A D^-1/2 (paper); or ÂE with the self-loops inside Â: Â = D̃^-1/2 (A + I) D̃^-1/2 (gcn) or D̃^-1 (A + I) (mean, the reference code's adjacency)" },
  activation: { type: "enum", default: "sum", values: ["sum", "separate"], description: "LeakyReLU on the sum of the W1 and W2 terms (paper eq. 7) or on each term (the reference code)" },
  leakySlope: { type: "float", default: 0.2, min: 0, max: 1, description: "LeakyReLU negative slope" },
  sampling: { type: "enum", default: "user", values: ["user", "interaction"], description: "Triple sampling: uniform user then positive, or uniform interaction" },
  evalEvery: { type: "int", default: 5, min: 1, max: 1000, description: "Epochs between validations" },
  patience: { type: "int", default: 5, min: 0, max: 1000, description: "Validations without a better recall@20 before stopping (0: never)" },
  validationFraction: { type: "float", default: 0.1, min: 0, max: 0.5, description: "Per-user fraction of training interactions held out for early stopping (0: none)" },
  validationUsers: { type: "int", default: 10000, min: 0, max: 10000000, description: "Validation users sampled per check (0: all)" },
  maxSeconds: { type: "float", default: 0, min: 0, max: 1e7, description: "Training-time budget in seconds (0: none)" },
  kernel: { type: "enum", default: "auto", values: ["auto", "js"], description: "Sparse kernel: WebAssembly SIMD when available (auto), or the JS loop" },
  threads: { type: "int", default: 2, min: 1, max: 16, description: "Threads per sparse product (worker threads on a shared WebAssembly memory)" },
} as const;

export type NgcfParams = ParamsOf<typeof ngcfParams>;

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: true,
  foldIn: false,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

/** Position of the mirror entry (c, r) of every entry (r, c) of a symmetric CSR matrix. */
export function mirrorPositions(a: CsrMatrix): Int32Array {
  const nnz = a.indptr[a.nRows];
  const mirror = new Int32Array(nnz).fill(-1);
  const cursor = a.indptr.slice(0, a.nRows);
  // Visiting rows in order, the entries (c, r) of row c are met with r ascending, as are the
  // columns of row c: a moving cursor per row finds each mirror in O(1).
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const c = a.indices[k];
      const m = cursor[c]++;
      if (a.indices[m] !== r) throw new ValidationError("matrix", `entry (${r}, ${c})`, "a structurally symmetric matrix with ascending columns");
      mirror[k] = m;
    }
  }
  return mirror;
}

/**
 * The NGCF network on typed arrays: parameters (E⁰, W1_l, b1_l, W2_l, b2_l), forward pass to the
 * final representations, and the exact backward pass of the batch BPR objective. Every n × d
 * operand is a slot of one SpmmEngine (shared WebAssembly memory), the weights live in its
 * extra() region, so no step copies a matrix. Exposed for the gradient tests.
 */
export class NgcfNetwork {
  readonly n: number;
  readonly width: number;
  /** Final representations [n × d(L+1)] of the last forward() (in the engine's memory). */
  readonly final: Float32Array;
  /** ∂loss/∂final of the current batch (zero outside its rows between steps). */
  private readonly gradFinal: Float32Array;
  /** Row norms of each layer's output, for the normalisation's backward. */
  private readonly norms: Float32Array[];
  /** 1 for the rows of the current batch (cleared at the end of each backward). */
  private readonly inBatch: Uint8Array;
  /** Per-thread partial column sums of dz (bias gradients). */
  private readonly biasPartials: Float32Array;
  /** [0]: LeakyReLU slope (f32); from byte 4: one xorshift32 state per thread (i32). */
  private readonly scalars: Float32Array;
  private readonly rngStates: Int32Array;
  private readonly batch: { users: Int32Array; positives: Int32Array; negatives: Int32Array; dots: Float32Array; coef: Float32Array; scalars: Float32Array };
  private readonly engine: SpmmEngine;
  private readonly simd: boolean;
  private readonly slot: {
    ego: number;
    s: number[];
    p: number[];
    q: number[];
    z: number[];
    z2: number[];
    e: number[];
    keep: number[];
    ge: number;
    gprev: number;
    dz: number;
    dz2: number;
    dp: number;
    dq: number;
    ds: number;
    tmp: number;
  };
  /** Packed parameters per layer [W1 (d×d), W2 (d×d), b1 (d), b2 (d)] and their gradients. */
  readonly weights: Float32Array;
  readonly gradWeights: Float32Array;
  /** W1ᵀ, W2ᵀ per layer (refreshed before each backward). */
  private readonly transposed: Float32Array;
  private readonly layerFloats: number;
  private trainingMasks = false;
  /** Â's values, kept while the backward runs on backwardValues (Âᵀ). */
  private forwardValues: Float32Array | undefined;
  /** The slot holding ∂loss/∂E⁰ after the last backward (ge and gprev swap once per layer). */
  private gradEgoSlot = 0;

  constructor(
    adjacency: CsrMatrix,
    readonly dim: number,
    readonly layers: number,
    private readonly options: { leakySlope: number; messageDropout: number; kernel: "auto" | "js"; threads: number; seed: number; maxBatch?: number; selfTerm?: boolean; backwardValues?: Float32Array; separateActivations?: boolean },
  ) {
    const d = dim;
    const L = layers;
    if (!(options.leakySlope >= 0 && options.leakySlope <= 1)) throw new ValidationError("leakySlope", options.leakySlope, "a slope in 0–1");
    this.n = adjacency.nRows;
    const n = this.n;
    this.width = d * (L + 1);
    this.layerFloats = 2 * d * d + 2 * d;
    const paramFloats = L * this.layerFloats;
    let next = 0;
    const take = () => next++;
    const perLayer = () => Array.from({ length: L }, () => take());
    const ego = take();
    const separate = options.separateActivations ?? false;
    // With separate activations the W2 term keeps its own pre-activation (z2) and gradient (dz2).
    // P = S + E only exists with the self term; otherwise W1 reads S directly.
    const forward = { ego, s: perLayer(), p: (options.selfTerm ?? true) ? perLayer() : [], q: perLayer(), z: perLayer(), z2: separate ? perLayer() : [], e: perLayer(), keep: perLayer(), ge: take(), gprev: take(), dz: take() };
    const dz2 = separate ? take() : forward.dz;
    this.slot = { ...forward, dz2, dp: take(), dq: take(), ds: take(), tmp: take() };
    this.gradEgoSlot = this.slot.ge;
    // extra(): weights, gradients, Wᵀ, final, ∂/∂final, norms, batch flags, bias partials, scalars.
    const layout: [string, number][] = [
      ["weights", paramFloats],
      ["gradWeights", paramFloats],
      ["transposed", 2 * L * d * d],
      ["final", n * this.width],
      ["gradFinal", n * this.width],
      ["norms", L * n],
      ["inBatch", Math.ceil(n / 4)],
      ["biasPartials", 16 * d],
      ["scalars", 1 + 16],
      ["batch", 5 * (options.maxBatch ?? 0) + 2],
    ];
    const offsets = new Map<string, number>();
    let floats = 0;
    for (const [key, size] of layout) {
      offsets.set(key, floats);
      floats += Math.ceil(size / 16) * 16; // 64-byte aligned parts
    }
    this.engine = new SpmmEngine(adjacency, d, next, { backend: options.kernel === "js" ? "js" : undefined, threads: options.threads, extraFloats: floats });
    this.simd = this.engine.backend === "wasm-simd";
    const extra = this.engine.extra();
    const part = (key: string, size: number) => extra.subarray(offsets.get(key) as number, (offsets.get(key) as number) + size);
    this.weights = part("weights", paramFloats);
    this.gradWeights = part("gradWeights", paramFloats);
    this.transposed = part("transposed", 2 * L * d * d);
    this.final = part("final", n * this.width);
    this.gradFinal = part("gradFinal", n * this.width);
    const norms = part("norms", L * n);
    this.norms = Array.from({ length: L }, (_, l) => norms.subarray(l * n, (l + 1) * n));
    const flags = part("inBatch", Math.ceil(n / 4));
    this.inBatch = new Uint8Array(flags.buffer, flags.byteOffset, n);
    this.biasPartials = part("biasPartials", 16 * d);
    this.scalars = part("scalars", 17);
    this.scalars[0] = options.leakySlope;
    this.rngStates = new Int32Array(this.scalars.buffer, this.scalars.byteOffset + 4, 16);
    // Batch triples, e_u·(e_i − e_j) per triple, BPR coefficients, [λ/B, Σ‖e‖²] for the SIMD BPR.
    const maxBatch = options.maxBatch ?? 0;
    const batch = part("batch", 5 * maxBatch + 2);
    const ints = (k: number) => new Int32Array(batch.buffer, batch.byteOffset + k * maxBatch * 4, maxBatch);
    this.batch = { users: ints(0), positives: ints(1), negatives: ints(2), dots: batch.subarray(3 * maxBatch, 4 * maxBatch), coef: batch.subarray(4 * maxBatch, 5 * maxBatch), scalars: batch.subarray(5 * maxBatch, 5 * maxBatch + 2) };
    const seeds = createRng(options.seed);
    for (let t = 0; t < 16; t++) this.rngStates[t] = (seeds.next() * 4294967296) | 0 || 1;
  }

  /** LeakyReLU on each of the W1 and W2 terms (the reference code) instead of on their sum (paper eq. 7). */
  get separate(): boolean {
    return this.options.separateActivations ?? false;
  }

  /** Whether the W1 input is Â·E + E (the paper's (L + I)E) or Â·E alone (Â with its own self-loops). */
  get selfTerm(): boolean {
    return this.options.selfTerm ?? true;
  }

  get kernel(): string {
    return this.engine.backend;
  }

  get threads(): number {
    return this.engine.threads;
  }

  /** E⁰ (n × d), writable. */
  ego(): Float32Array {
    return this.engine.buffer(this.slot.ego);
  }

  /** ∂loss/∂E⁰ of the last backward. */
  gradEgo(): Float32Array {
    return this.engine.buffer(this.gradEgoSlot);
  }

  /** Views of layer l's parameters (0-based) inside `weights` (or a gradient array of its layout). */
  layerWeights(l: number, of: Float32Array = this.weights): { w1: Float32Array; w2: Float32Array; b1: Float32Array; b2: Float32Array } {
    const d = this.dim;
    const o = l * this.layerFloats;
    return {
      w1: of.subarray(o, o + d * d),
      w2: of.subarray(o + d * d, o + 2 * d * d),
      b1: of.subarray(o + 2 * d * d, o + 2 * d * d + d),
      b2: of.subarray(o + 2 * d * d + d, o + 2 * d * d + 2 * d),
    };
  }

  /** Layer l's dropout scales (0 or 1/(1 − rate)) of the last training forward (tests). */
  keepScales(l: number): Float32Array {
    return this.engine.buffer(this.slot.keep[l]).subarray(0, this.n * this.dim);
  }

  /** The adjacency values as the kernels read them (node dropout rewrites them per step). */
  adjacencyValues(): Float32Array {
    return this.engine.values();
  }

  /** Computes `final`; in training, draws new message-dropout masks. */
  forward(training: boolean): Float32Array {
    const { engine, slot, dim: d, n, width } = this;
    const e = engine;
    const L = this.layers;
    const rate = training ? this.options.messageDropout : 0;
    this.trainingMasks = rate > 0;
    const rowBytes = d * 4;
    const finalRowBytes = width * 4;
    const final = this.final;
    const ego = e.buffer(slot.ego);
    if (this.simd) e.runRows("copyRows", n, (_t, r0, r1) => [e.address(ego), rowBytes, e.address(final), finalRowBytes, r0, r1, rowBytes, 0]);
    else copyRows(ego, d, final, width, n, d, false);
    for (let l = 0; l < L; l++) {
      const prevSlot = l === 0 ? slot.ego : slot.e[l - 1];
      e.multiply(prevSlot, slot.s[l]);
      const [prev, side, product] = [e.buffer(prevSlot), e.buffer(slot.s[l]), e.buffer(slot.q[l])];
      const sum = this.selfTerm ? e.buffer(slot.p[l]) : undefined;
      if (this.simd) e.runRows("sumProduct", n, (_t, r0, r1) => [e.address(side), e.address(prev), sum ? e.address(sum) : 0, e.address(product), r0 * rowBytes, r1 * rowBytes]);
      else sumAndProduct(side, prev, sum, product, n * d);
      const { w1, w2, b1, b2 } = this.layerWeights(l);
      const z = e.buffer(slot.z[l]);
      e.gemm(sum ?? side, w1, z, n, d, d);
      if (this.separate) {
        const z2 = e.buffer(slot.z2[l]);
        e.gemm(product, w2, z2, n, d, d);
        const keep = e.buffer(slot.keep[l]);
        if (rate > 0) this.drawKeepScales(keep, rate);
        activateSeparate(z, b1, z2, b2, this.options.leakySlope, rate > 0 ? keep : undefined, e.buffer(slot.e[l]), this.norms[l], final.subarray((l + 1) * d), width, n, d);
        continue;
      }
      e.gemm(product, w2, z, n, d, d, true);
      const biasSum = this.biasPartials.subarray(0, d);
      for (let c = 0; c < d; c++) biasSum[c] = b1[c] + b2[c];
      const keep = e.buffer(slot.keep[l]);
      if (rate > 0) this.drawKeepScales(keep, rate);
      const out = e.buffer(slot.e[l]);
      const column = final.subarray((l + 1) * d);
      if (this.simd) {
        e.runRows("activate", n, (_t, r0, r1) => [e.address(z), e.address(biasSum), rate > 0 ? e.address(keep) : 0, e.address(out), e.address(column), r0, r1, rowBytes, finalRowBytes, e.address(this.norms[l]), e.address(this.scalars)]);
      } else activate(z, biasSum, this.options.leakySlope, rate > 0 ? keep : undefined, out, this.norms[l], column, width, n, d);
    }
    return final;
  }

  /** keep = 1/(1 − rate) with probability 1 − rate, else 0 (16-bit xorshift32 decisions). */
  private drawKeepScales(keep: Float32Array, rate: number): void {
    const keepBelow = Math.round((1 - rate) * 65536);
    const scale = 1 / (1 - rate);
    const e = this.engine;
    const rowBytes = this.dim * 4;
    if (this.simd) {
      const bits = new Int32Array(Float32Array.of(scale).buffer)[0];
      e.runRows("dropoutMask", this.n, (t, r0, r1) => [e.address(keep), r0 * rowBytes, r1 * rowBytes, e.address(this.rngStates) + 4 * t, keepBelow, bits]);
      return;
    }
    this.rngStates[0] = drawKeepScales(keep, this.n * this.dim, keepBelow, scale, this.rngStates[0]);
  }

  /**
   * Batch BPR objective on the last forward's `final` (mean over the batch + λ·½Σ‖e‖²/B over the
   * batch's rows) and its exact gradient w.r.t. E⁰ (gradEgo) and the weights (gradWeights).
   * Returns the summed BPR loss plus B × the L2 term (what the step loop averages).
   */
  lossAndBackward(nUsers: number, users: Int32Array, positives: Int32Array, negatives: Int32Array, reg: number): number {
    const { engine: e, slot, dim: d, n, width, final } = this;
    const L = this.layers;
    const gradFinal = this.gradFinal;
    const rowBytes = d * 4;
    const finalRowBytes = width * 4;
    // Rows of the batch: the only rows where ∂loss/∂final is non-zero.
    const inBatch = this.inBatch;
    for (let s = 0; s < users.length; s++) {
      inBatch[users[s]] = 1;
      inBatch[nUsers + positives[s]] = 1;
      inBatch[nUsers + negatives[s]] = 1;
    }
    const loss = this.simd && users.length <= this.batch.users.length ? this.bprOnEngine(nUsers, users, positives, negatives, reg) : bprLossAndGrad(final, width, nUsers, users, positives, negatives, gradFinal, reg);
    const keepOf = (l: number) => (this.trainingMasks ? e.buffer(slot.keep[l]) : undefined);
    this.gradWeights.fill(0);
    for (let l = 0; l < L; l++) {
      const { w1, w2 } = this.layerWeights(l);
      const [t1, t2] = this.transposedWeights(l);
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          t1[b * d + a] = w1[a * d + b];
          t2[b * d + a] = w2[a * d + b];
        }
      }
    }
    // A non-symmetric Â: its transpose on the same structure for the backward products.
    const values = this.options.backwardValues ? e.values() : undefined;
    if (values && this.options.backwardValues) {
      this.forwardValues ??= new Float32Array(values.length);
      this.forwardValues.set(values);
      values.set(this.options.backwardValues);
    }
    let ge = slot.ge;
    let gprev = slot.gprev;
    e.buffer(ge).fill(0);
    const biasGrad = new Float64Array(d);
    for (let l = L - 1; l >= 0; l--) {
      const gE = e.buffer(ge);
      const z = e.buffer(slot.z[l]);
      const dz = e.buffer(slot.dz);
      const dz2 = e.buffer(slot.dz2);
      const keep = keepOf(l);
      const norms = this.norms[l];
      const grads = this.layerWeights(l, this.gradWeights);
      const column = final.subarray((l + 1) * d);
      const gradColumn = gradFinal.subarray((l + 1) * d);
      if (this.separate) {
        if (this.simd) e.runRows("normBack", n, (_t, r0, r1) => [e.address(column), e.address(gradColumn), finalRowBytes, e.address(norms), e.address(inBatch), e.address(gE), r0, r1, rowBytes]);
        else normalizeBackward(column, gradColumn, width, norms, inBatch, gE, n, d);
        activateSeparateBackward(gE, keep, z, e.buffer(slot.z2[l]), this.options.leakySlope, dz, dz2, grads.b1, grads.b2, n, d);
      } else {
        if (this.simd) {
          e.runRows("normBack", n, (_t, r0, r1) => [e.address(column), e.address(gradColumn), finalRowBytes, e.address(norms), e.address(inBatch), e.address(gE), r0, r1, rowBytes]);
          const partials = this.biasPartials;
          partials.fill(0, 0, e.threads * d);
          e.runRows("activateBack", n, (t, r0, r1) => [e.address(gE), keep ? e.address(keep) : 0, e.address(z), e.address(dz), e.address(partials) + t * rowBytes, r0, r1, rowBytes, e.address(this.scalars)]);
          biasGrad.fill(0);
          for (let t = 0; t < e.threads; t++) for (let c = 0; c < d; c++) biasGrad[c] += partials[t * d + c];
        } else {
          normalizeBackward(column, gradColumn, width, norms, inBatch, gE, n, d);
          biasGrad.fill(0);
          activateBackward(gE, keep, z, this.options.leakySlope, dz, biasGrad, n, d);
        }
        for (let c = 0; c < d; c++) {
          grads.b1[c] = biasGrad[c];
          grads.b2[c] = biasGrad[c];
        }
      }
      const w1Input = e.buffer(this.selfTerm ? slot.p[l] : slot.s[l]);
      const product = e.buffer(slot.q[l]);
      e.gemmTransposedA(w1Input, dz, grads.w1, n, d, d);
      e.gemmTransposedA(product, dz2, grads.w2, n, d, d);
      const [t1, t2] = this.transposedWeights(l);
      const dp = e.buffer(slot.dp);
      const dq = e.buffer(slot.dq);
      e.gemm(dz, t1, dp, n, d, d);
      e.gemm(dz2, t2, dq, n, d, d);
      // P = S + E (or S without the self term), Q = S ⊙ E, S = Â·E:
      // ∂/∂E = dP (self term only) + dQ ⊙ S + Âᵀ·(dP + dQ ⊙ E).
      const prev = e.buffer(l === 0 ? slot.ego : slot.e[l - 1]);
      const side = e.buffer(slot.s[l]);
      const gPrev = e.buffer(gprev);
      const ds = e.buffer(slot.ds);
      if (this.simd) {
        e.runRows("sumProductBack", n, (_t, r0, r1) => [e.address(dp), e.address(dq), e.address(side), e.address(prev), e.address(gPrev), e.address(ds), r0 * rowBytes, r1 * rowBytes]);
      } else sumAndProductBackward(dp, dq, side, prev, gPrev, ds, n * d);
      // Without the self term P = S: ∂/∂E loses its direct dP part. (A pass of its own: folding it
      // into sumProductBack changes the rounding and so the measured Gowalla trajectory.)
      if (!this.selfTerm) for (let x = 0; x < n * d; x++) gPrev[x] -= dp[x];
      e.multiply(slot.ds, slot.tmp, gprev);
      [ge, gprev] = [gprev, ge];
    }
    // The layer-0 block of the final representation is E⁰ itself.
    const gEgo = e.buffer(ge);
    if (this.simd) e.runRows("copyRows", n, (_t, r0, r1) => [e.address(gradFinal), finalRowBytes, e.address(gEgo), rowBytes, r0, r1, rowBytes, 1]);
    else copyRows(gradFinal, width, gEgo, d, n, d, true);
    // Clear the batch rows of ∂loss/∂final and the flags for the next step.
    for (let r = 0; r < n; r++) {
      if (inBatch[r] === 0) continue;
      inBatch[r] = 0;
      gradFinal.fill(0, r * width, (r + 1) * width);
    }
    this.gradEgoSlot = ge;
    if (values && this.forwardValues) values.set(this.forwardValues);
    return loss;
  }

  /** bprLossAndGrad (same value and gradient) with the row products on the SIMD kernels. */
  private bprOnEngine(nUsers: number, users: Int32Array, positives: Int32Array, negatives: Int32Array, reg: number): number {
    const { engine: e, final, gradFinal, batch } = this;
    const B = users.length;
    batch.users.set(users);
    batch.positives.set(positives);
    batch.negatives.set(negatives);
    const rowBytes = this.width * 4;
    const itemBase = nUsers * rowBytes;
    const triples = [e.address(batch.users), e.address(batch.positives), e.address(batch.negatives)];
    e.runRows("bprDots", B, (_t, s0, s1) => [e.address(final), ...triples, s0, s1, itemBase, rowBytes, e.address(batch.dots)]);
    const scale = 1 / B;
    let loss = 0;
    for (let s = 0; s < B; s++) {
      const x = batch.dots[s];
      // −ln σ(x) = softplus(−x), computed stably; its derivative is −σ(−x).
      loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
      batch.coef[s] = (-1 / (1 + Math.exp(x))) * scale;
    }
    batch.scalars[0] = reg * scale;
    batch.scalars[1] = 0;
    e.runRows("bprGrad", B, (_t, s0, s1) => [e.address(final), e.address(gradFinal), ...triples, e.address(batch.coef), s0, s1, itemBase, rowBytes, e.address(batch.scalars)], { singleThread: true });
    return loss + 0.5 * reg * batch.scalars[1];
  }

  private transposedWeights(l: number): [Float32Array, Float32Array] {
    const dd = this.dim * this.dim;
    return [this.transposed.subarray(2 * l * dd, (2 * l + 1) * dd), this.transposed.subarray((2 * l + 1) * dd, (2 * l + 2) * dd)];
  }

  dispose(): void {
    this.engine.dispose();
  }
}

// The element-wise passes of NgcfNetwork in JS: the path for the "js" kernel, and the reference
// of the SIMD kernels of the same names in src/math/simd.ts.

/** dst row r (dstWidth floats per row) (+)= src row r (srcWidth per row), first d floats. */
function copyRows(src: Float32Array, srcWidth: number, dst: Float32Array, dstWidth: number, rows: number, d: number, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcWidth;
    const o = r * dstWidth;
    for (let c = 0; c < d; c++) dst[o + c] = (accumulate ? dst[o + c] : 0) + src[s + c];
  }
}

/** P = S + E (when `sum` is given), Q = S ⊙ E. */
function sumAndProduct(side: Float32Array, prev: Float32Array, sum: Float32Array | undefined, product: Float32Array, size: number): void {
  for (let x = 0; x < size; x++) {
    if (sum) sum[x] = side[x] + prev[x];
    product[x] = side[x] * prev[x];
  }
}

/** ∂/∂E = dP + dQ ⊙ S (into gPrev) and ∂/∂S = dP + dQ ⊙ E (into ds). */
function sumAndProductBackward(dp: Float32Array, dq: Float32Array, side: Float32Array, prev: Float32Array, gPrev: Float32Array, ds: Float32Array, size: number): void {
  for (let x = 0; x < size; x++) {
    gPrev[x] = dp[x] + dq[x] * side[x];
    ds[x] = dp[x] + dq[x] * prev[x];
  }
}

/** Dropout scales from a xorshift32 stream, two 16-bit decisions per draw; returns the state. */
function drawKeepScales(keep: Float32Array, size: number, keepBelow: number, scale: number, state: number): number {
  let s = state | 0;
  for (let x = 0; x < size; x += 2) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    keep[x] = (s & 0xffff) < keepBelow ? scale : 0;
    if (x + 1 < size) keep[x + 1] = s >>> 16 < keepBelow ? scale : 0;
  }
  return s;
}

/**
 * z += bias; out = LeakyReLU(z) (⊙ keep); norms[r] = ‖out_r‖; row r of `column` (a view of final
 * from the layer's first column, width floats per row) = out_r / max(‖out_r‖, 1e-12).
 */
function activate(z: Float32Array, bias: Float32Array, slope: number, keep: Float32Array | undefined, out: Float32Array, norms: Float32Array, column: Float32Array, width: number, n: number, d: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let squares = 0;
    for (let c = 0; c < d; c++) {
      const zv = z[o + c] + bias[c];
      z[o + c] = zv;
      let h = zv > 0 ? zv : slope * zv;
      if (keep) h *= keep[o + c];
      out[o + c] = h;
      squares += h * h;
    }
    normalizedRow(out, r, squares, norms, column, width, d);
  }
}

/** norms[r] = ‖out_r‖ (from its sum of squares); row r of `column` = out_r / max(‖out_r‖, 1e-12). */
function normalizedRow(out: Float32Array, r: number, squares: number, norms: Float32Array, column: Float32Array, width: number, d: number): void {
  const norm = Math.sqrt(squares);
  norms[r] = norm;
  const inv = 1 / Math.max(norm, 1e-12);
  for (let c = 0; c < d; c++) column[r * width + c] = out[r * d + c] * inv;
}

/**
 * The reference code's layer output: out = (LeakyReLU(z1 + b1) + LeakyReLU(z2 + b2)) (⊙ keep), with
 * z1, z2 keeping the biased pre-activations; norms and the normalised rows into `column` as activate().
 */
function activateSeparate(z1: Float32Array, b1: Float32Array, z2: Float32Array, b2: Float32Array, slope: number, keep: Float32Array | undefined, out: Float32Array, norms: Float32Array, column: Float32Array, width: number, n: number, d: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    let squares = 0;
    for (let c = 0; c < d; c++) {
      const a = z1[o + c] + b1[c];
      const b = z2[o + c] + b2[c];
      z1[o + c] = a;
      z2[o + c] = b;
      let h = (a > 0 ? a : slope * a) + (b > 0 ? b : slope * b);
      if (keep) h *= keep[o + c];
      out[o + c] = h;
      squares += h * h;
    }
    normalizedRow(out, r, squares, norms, column, width, d);
  }
}

/** activateSeparate backward: dz1 = g ⊙ LeakyReLU'(z1), dz2 = g ⊙ LeakyReLU'(z2) (g = gE ⊙ keep); bias gradients = column sums. */
function activateSeparateBackward(gE: Float32Array, keep: Float32Array | undefined, z1: Float32Array, z2: Float32Array, slope: number, dz1: Float32Array, dz2: Float32Array, gradB1: Float32Array, gradB2: Float32Array, n: number, d: number): void {
  const sum1 = new Float64Array(d);
  const sum2 = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let c = 0; c < d; c++) {
      const g = keep ? gE[o + c] * keep[o + c] : gE[o + c];
      const g1 = z1[o + c] > 0 ? g : slope * g;
      const g2 = z2[o + c] > 0 ? g : slope * g;
      dz1[o + c] = g1;
      dz2[o + c] = g2;
      sum1[c] += g1;
      sum2[c] += g2;
    }
  }
  for (let c = 0; c < d; c++) {
    gradB1[c] = sum1[c];
    gradB2[c] = sum2[c];
  }
}

/** Row normalisation ê = e/‖e‖ backward for the batch rows: gE += (g − ê (ê·g)) / ‖e‖. */
function normalizeBackward(column: Float32Array, gradColumn: Float32Array, width: number, norms: Float32Array, inBatch: Uint8Array, gE: Float32Array, n: number, d: number): void {
  for (let r = 0; r < n; r++) {
    if (inBatch[r] === 0) continue;
    const o = r * d;
    const f = r * width;
    let dot = 0;
    for (let c = 0; c < d; c++) dot += column[f + c] * gradColumn[f + c];
    if (!(norms[r] > 1e-12)) dot = 0;
    const inv = 1 / Math.max(norms[r], 1e-12);
    for (let c = 0; c < d; c++) gE[o + c] += (gradColumn[f + c] - column[f + c] * dot) * inv;
  }
}

/** dz = gE (⊙ keep) ⊙ LeakyReLU'(z); biasGrad += column sums of dz. */
function activateBackward(gE: Float32Array, keep: Float32Array | undefined, z: Float32Array, slope: number, dz: Float32Array, biasGrad: Float64Array, n: number, d: number): void {
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let c = 0; c < d; c++) {
      let g = gE[o + c];
      if (keep) g *= keep[o + c];
      if (!(z[o + c] > 0)) g *= slope;
      dz[o + c] = g;
      biasGrad[c] += g;
    }
  }
}

export class Ngcf extends BaseRecommender<NgcfParams> {
  readonly name = "ngcf";
  readonly capabilities = capabilities;
  private userFinal: Float32Array = new Float32Array(0);
  private itemFinal: Float32Array = new Float32Array(0);
  private scorer: EmbeddingScorer | undefined;
  private rows: Float32Array = new Float32Array(0);

  /** Width of the final representation: dim × (layers + 1). */
  get width(): number {
    return this.params.dim * (this.params.layers + 1);
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    return this.fitWith(data, context, {});
  }

  async fitWith(data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<FitReport> {
    const started = performance.now();
    const p = this.params;
    // tf only scores (EmbeddingScorer); training runs on typed arrays.
    const backend = await initTf({ log: context.log });
    const all = data.interactions;
    this.nUsers = all.nUsers;
    this.nItems = all.nItems;
    const { train, validation } = validationSplit(all, { validation: options.validation, fraction: p.validationFraction, seed: context.seed });
    const nU = train.nUsers;
    const n = nU + train.nItems;
    const d = p.dim;
    const selfLoops = p.propagation !== "paper";
    const walk = p.propagation === "mean" ? randomWalkAdjacency(train) : undefined;
    const adjacency = walk ? walk.matrix : normalizedAdjacency(train, { selfLoops });
    const nnz = adjacency.indptr[n];
    const mirror = p.nodeDropout > 0 ? mirrorPositions(adjacency) : undefined;
    const network = new NgcfNetwork(adjacency, d, p.layers, {
      leakySlope: p.leakySlope,
      messageDropout: p.messageDropout,
      kernel: p.kernel,
      threads: p.threads,
      seed: modelRng(context.seed, 4).int(2 ** 31),
      maxBatch: Math.min(p.batchSize, Math.max(1, train.nnz)),
      selfTerm: !selfLoops,
      backwardValues: walk?.transposedValues,
      separateActivations: p.activation === "separate",
    });
    try {
      const initRng = modelRng(context.seed, 1);
      const noiseRng = modelRng(context.seed, 5);
      if (p.initStd > 0) fillNormal(network.ego(), initRng, p.initStd);
      else network.ego().set(glorotUniform(n, d, initRng));
      for (let l = 0; l < p.layers; l++) {
        const w = network.layerWeights(l);
        w.w1.set(glorotUniform(d, d, initRng));
        w.b1.set(glorotUniform(1, d, initRng));
        w.w2.set(glorotUniform(d, d, initRng));
        w.b2.set(glorotUniform(1, d, initRng));
      }
      const egoAdam = new DenseAdam(n * d, p.lr * p.egoLrScale);
      const weightAdam = new DenseAdam(network.weights.length, p.lr);
      const bestEgo = new Float32Array(n * d);
      const bestWeights = new Float32Array(network.weights.length);
      const values = network.adjacencyValues();
      // A non-symmetric Â (mean) also has its transpose's values to mask, the same edges dropped.
      const backwardValues = walk?.transposedValues;
      const backwardBase = backwardValues?.slice();

      const setDropout = (training: boolean) => {
        if (!mirror) return;
        if (!training) {
          values.set(adjacency.values.subarray(0, nnz));
          if (backwardValues && backwardBase) backwardValues.set(backwardBase);
          return;
        }
        const keep = 1 - p.nodeDropout;
        // Each user–item edge is dropped in both directions; self-loops are always kept.
        for (let r = 0; r < nU; r++) {
          for (let k = adjacency.indptr[r]; k < adjacency.indptr[r + 1]; k++) {
            if (adjacency.indices[k] === r) continue;
            const scale = noiseRng.next() < keep ? 1 / keep : 0;
            const m = mirror[k];
            values[k] = adjacency.values[k] * scale;
            values[m] = adjacency.values[m] * scale;
            if (backwardValues && backwardBase) {
              backwardValues[k] = backwardBase[k] * scale;
              backwardValues[m] = backwardBase[m] * scale;
            }
          }
        }
      };

      const sampler = new BprSampler(train, modelRng(context.seed, 2), p.sampling);
      const B = Math.min(p.batchSize, Math.max(1, train.nnz));
      const users = new Int32Array(B);
      const positives = new Int32Array(B);
      const negatives = new Int32Array(B);
      const stepsPerEpoch = Math.max(1, Math.ceil(train.nnz / B));

      const step = (): number => {
        if (p.lrDecay < 1) {
          const lr = p.lr * Math.pow(p.lrDecay, Math.floor(egoAdam.steps / stepsPerEpoch));
          egoAdam.lr = lr * p.egoLrScale;
          weightAdam.lr = lr;
        }
        sampler.sample(users, positives, negatives);
        setDropout(true);
        network.forward(true);
        const loss = network.lossAndBackward(nU, users, positives, negatives, p.reg);
        egoAdam.step(network.ego(), network.gradEgo());
        weightAdam.step(network.weights, network.gradWeights);
        return loss;
      };

      const refresh = () => {
        setDropout(false);
        const final = network.forward(false);
        const w = this.width;
        this.setEmbeddings(final.slice(0, nU * w), final.slice(nU * w, n * w));
      };
      const validationUsers = validation ? usersWithItems(validation, p.validationUsers, modelRng(context.seed, 3)) : undefined;
      const loop = await runSteps({
        model: this.name,
        params: p,
        context,
        samplesPerEpoch: train.nnz,
        lr: p.lr,
        step,
        refresh,
        validate:
          validation && validationUsers && validationUsers.length > 0
            ? () => {
                const m = rankingMetrics((uu, out) => this.scoreUsers(uu, out), train, validation, validationUsers, 20);
                return { [MONITOR]: m.recall, "ndcg@20": m.ndcg };
              }
            : undefined,
        snapshot: () => {
          bestEgo.set(network.ego());
          bestWeights.set(network.weights);
        },
        restore: () => {
          network.ego().set(bestEgo);
          network.weights.set(bestWeights);
        },
        hooks: options.hooks,
      });
      return {
        epochs: loop.epochs,
        seconds: (performance.now() - started) / 1000,
        lossCurve: loop.lossCurve,
        validationCurve: loop.validationCurve,
        notes: {
          backend: `typed arrays (${network.kernel}); scoring on tf ${backend}`,
          kernel: network.kernel,
          threads: network.threads,
          adjacencyNnz: nnz,
          stepsPerEpoch,
          secondsPerEpoch: median(loop.epochSeconds),
          trainSeconds: loop.trainSeconds,
          bestEpoch: loop.bestEpoch,
          stoppedBy: loop.stoppedBy,
          validation: validation ? (options.validation ? "given" : `carved ${p.validationFraction} per user`) : "none",
          ...(loop.best ? { bestValidation: loop.best } : {}),
        },
      };
    } finally {
      network.dispose();
    }
  }

  private setEmbeddings(users: Float32Array, items: Float32Array): void {
    this.userFinal = users;
    this.itemFinal = items;
    this.scorer?.dispose();
    this.scorer = undefined;
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    dotAll(this.userFinal, user * this.width, this.itemFinal, this.width, out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const w = this.width;
    if (this.rows.length < users.length * w) this.rows = new Float32Array(users.length * w);
    for (let r = 0; r < users.length; r++) {
      this.checkUser(users[r]);
      this.rows.set(this.userFinal.subarray(users[r] * w, (users[r] + 1) * w), r * w);
    }
    this.scorer ??= new EmbeddingScorer(this.itemFinal, this.nItems, w);
    this.scorer.score(this.rows, users.length, out);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    cosineToAll(this.itemFinal, this.width, item, out);
  }

  saveState(): ModelState {
    return { json: { dim: this.params.dim, layers: this.params.layers }, arrays: { userFinal: this.userFinal, itemFinal: this.itemFinal } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const w = this.width;
    const a = state.arrays;
    for (const [key, rows] of [
      ["userFinal", shape.nUsers],
      ["itemFinal", shape.nItems],
    ] as const) {
      if (!(a[key] instanceof Float32Array) || a[key].length !== rows * w) throw new ValidationError(`state.${key}`, a[key]?.length, `${rows}×${w} floats`);
    }
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.setEmbeddings(a.userFinal as Float32Array, a.itemFinal as Float32Array);
  }

  override dispose(): void {
    this.scorer?.dispose();
    this.scorer = undefined;
    super.dispose();
  }
}

export const ngcf = defineModel({
  name: "ngcf",
  family: "graph",
  description: "NGCF: graph propagation with W1/W2 transforms, LeakyReLU, bi-interaction messages, dropout, concatenated layers, BPR",
  paper: "Wang et al., Neural Graph Collaborative Filtering, SIGIR 2019",
  feedback: "implicit",
  capabilities,
  params: ngcfParams,
  fastParams: { dim: 16, layers: 2, batchSize: 256, epochs: 40, lr: 0.01, evalEvery: 10, validationFraction: 0, messageDropout: 0.1, nodeDropout: 0.1 },
  create: (p) => new Ngcf(p),
});
