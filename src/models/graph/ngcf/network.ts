// The NGCF network on typed arrays (the model and its maths: model.ts): forward and backward
// written out, every n × d operand in one WebAssembly memory (src/math/wasmDevice.ts WasmDevice):
// L·X on the SIMD CSR kernel, the W1/W2 products and their gradients (X·W, dZ·Wᵀ, Xᵀ·dZ) on the
// SIMD dense kernels, both on worker threads; the element-wise parts (bi-interaction, bias,
// LeakyReLU, dropout, row normalisation and their gradients) fused into a few passes on NGCF's own
// kernels (kernels.ts; JS reference and "js" path: reference.ts); BPR on the SIMD row products.
// Measured on Gowalla (70,839 nodes × 64, 3 layers, batch 32,768, this 2-core machine, idle):
//   before, TensorFlow.js autograd on WASM with a customGrad L·X on the SIMD kernel: ~3 s per
//   step (75–91 s per epoch of 25 steps), dominated by tf's per-op cost and n × d host copies;
//   now 124 ms forward and 381 ms per step (the dense kernels run at 48–50 GFLOP/s on 2 threads
//   for [70,839 × 64]·[64 × 64], a JS loop at 1.3, tf.matMul with its read-back at 40);
//   `npm run bench:graph -- --kernels` (results/gowalla-kernels-ngcf.json).
import { ValidationError } from "../../../errors";
import { createRng } from "../../../math/random";
import type { CsrMatrix } from "../../../math/sparse";
import { WasmDevice, wasmDeviceBytes } from "../../../math/wasmDevice";
import { bprLossAndGrad } from "../../training";
import { NGCF_KERNELS, type NgcfKernelName } from "./kernels";
import { activate, activateBackward, activateSeparate, activateSeparateBackward, copyRows, drawKeepScales, normalizeBackward, sumAndProduct, sumAndProductBackward } from "./reference";

/** Slot numbers of the device buffers (n × d each) the network's forward and backward use. */
interface SlotLayout {
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
}

/** The options of a network that decide its device's layout. */
interface LayoutOptions {
  maxBatch?: number;
  selfTerm?: boolean;
  separateActivations?: boolean;
}

/**
 * The device's layout for n nodes, width d and L layers: the slots (n × d buffers) and the parts
 * of the extra() region (weights, gradients, Wᵀ, final, ∂/∂final, norms, batch flags, bias
 * partials, scalars, the batch), each 64-byte aligned. The network is built on it and
 * ngcfDeviceBytes sizes it before a fit.
 */
function deviceLayout(n: number, d: number, L: number, options: LayoutOptions): { slot: SlotLayout; slots: number; offsets: Map<string, number>; extraFloats: number } {
  const paramFloats = L * (2 * d * d + 2 * d);
  let next = 0;
  const take = () => next++;
  const perLayer = () => Array.from({ length: L }, () => take());
  const ego = take();
  const separate = options.separateActivations ?? false;
  // With separate activations the W2 term keeps its own pre-activation (z2) and gradient (dz2).
  // P = S + E only exists with the self term; otherwise W1 reads S directly.
  const forward = {
    ego,
    s: perLayer(),
    p: (options.selfTerm ?? true) ? perLayer() : [],
    q: perLayer(),
    z: perLayer(),
    z2: separate ? perLayer() : [],
    e: perLayer(),
    keep: perLayer(),
    ge: take(),
    gprev: take(),
    dz: take(),
  };
  const dz2 = separate ? take() : forward.dz;
  const slot = { ...forward, dz2, dp: take(), dq: take(), ds: take(), tmp: take() };
  const width = d * (L + 1);
  const parts: [string, number][] = [
    ["weights", paramFloats],
    ["gradWeights", paramFloats],
    ["transposed", 2 * L * d * d],
    ["final", n * width],
    ["gradFinal", n * width],
    ["norms", L * n],
    ["inBatch", Math.ceil(n / 4)],
    ["biasPartials", 16 * d],
    ["scalars", 1 + 16],
    ["batch", 5 * (options.maxBatch ?? 0) + 2],
  ];
  const offsets = new Map<string, number>();
  let floats = 0;
  for (const [key, size] of parts) {
    offsets.set(key, floats);
    floats += Math.ceil(size / 16) * 16; // 64-byte aligned parts
  }
  return { slot, slots: next, offsets, extraFloats: floats };
}

/** What the network's device takes for a graph of n nodes and nnz stored entries (before it exists: memory estimates). */
export function ngcfDeviceBytes(n: number, nnz: number, d: number, L: number, options: LayoutOptions & { threads: number }): number {
  const layout = deviceLayout(n, d, L, options);
  return wasmDeviceBytes(n, nnz, d, layout.slots, { extraFloats: layout.extraFloats, threads: options.threads });
}

/**
 * The NGCF network on typed arrays: parameters (E⁰, W1_l, b1_l, W2_l, b2_l), forward pass to the
 * final representations, and the exact backward pass of the batch BPR objective. Every n × d
 * operand is a slot of one WasmDevice (shared WebAssembly memory), the weights live in its
 * extra() region, so no step copies a matrix. Exposed for the gradient tests.
 */
export class NgcfNetwork {
  readonly n: number;
  readonly width: number;
  /** Final representations [n × d(L+1)] of the last forward() (in the device's memory). */
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
  private readonly device: WasmDevice<NgcfKernelName>;
  private readonly simd: boolean;
  private readonly slot: SlotLayout;
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
    private readonly options: {
      leakySlope: number;
      messageDropout: number;
      kernel: "auto" | "js";
      threads: number;
      seed: number;
      maxBatch?: number;
      selfTerm?: boolean;
      backwardValues?: Float32Array;
      separateActivations?: boolean;
    },
  ) {
    const d = dim;
    const L = layers;
    if (!(options.leakySlope >= 0 && options.leakySlope <= 1)) throw new ValidationError("leakySlope", options.leakySlope, "a slope in 0–1");
    this.n = adjacency.nRows;
    const n = this.n;
    this.width = d * (L + 1);
    this.layerFloats = 2 * d * d + 2 * d;
    const paramFloats = L * this.layerFloats;
    const layout = deviceLayout(this.n, d, L, options);
    this.slot = layout.slot;
    this.gradEgoSlot = this.slot.ge;
    const offsets = layout.offsets;
    this.device = new WasmDevice(adjacency, d, layout.slots, { backend: options.kernel === "js" ? "js" : undefined, threads: options.threads, extraFloats: layout.extraFloats, kernels: NGCF_KERNELS });
    this.simd = this.device.backend === "wasm-simd";
    const extra = this.device.extra();
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
    this.batch = {
      users: ints(0),
      positives: ints(1),
      negatives: ints(2),
      dots: batch.subarray(3 * maxBatch, 4 * maxBatch),
      coef: batch.subarray(4 * maxBatch, 5 * maxBatch),
      scalars: batch.subarray(5 * maxBatch, 5 * maxBatch + 2),
    };
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
    return this.device.backend;
  }

  get threads(): number {
    return this.device.threads;
  }

  /** E⁰ (n × d), writable. */
  ego(): Float32Array {
    return this.device.buffer(this.slot.ego);
  }

  /** ∂loss/∂E⁰ of the last backward. */
  gradEgo(): Float32Array {
    return this.device.buffer(this.gradEgoSlot);
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
    return this.device.buffer(this.slot.keep[l]).subarray(0, this.n * this.dim);
  }

  /** The adjacency values as the kernels read them (node dropout rewrites them per step). */
  adjacencyValues(): Float32Array {
    return this.device.values();
  }

  /** Computes `final`; in training, draws new message-dropout masks. */
  forward(training: boolean): Float32Array {
    const { device: e, slot, dim: d, n, width } = this;
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
        activateSeparate(z, b1, z2, b2, this.options.leakySlope, rate > 0 ? keep : undefined, { out: e.buffer(slot.e[l]), norms: this.norms[l], column: final.subarray((l + 1) * d), width }, n, d);
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
        e.runRows("activate", n, (_t, r0, r1) => [
          e.address(z),
          e.address(biasSum),
          rate > 0 ? e.address(keep) : 0,
          e.address(out),
          e.address(column),
          r0,
          r1,
          rowBytes,
          finalRowBytes,
          e.address(this.norms[l]),
          e.address(this.scalars),
        ]);
      } else activate(z, biasSum, this.options.leakySlope, rate > 0 ? keep : undefined, { out, norms: this.norms[l], column, width }, n, d);
    }
    return final;
  }

  /** keep = 1/(1 − rate) with probability 1 − rate, else 0 (16-bit xorshift32 decisions). */
  private drawKeepScales(keep: Float32Array, rate: number): void {
    const keepBelow = Math.round((1 - rate) * 65536);
    const scale = 1 / (1 - rate);
    const e = this.device;
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
    const { device: e, slot, dim: d, n, width, final } = this;
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
    const loss =
      this.simd && users.length <= this.batch.users.length
        ? this.bprOnDevice(nUsers, users, positives, negatives, reg)
        : bprLossAndGrad(final, width, nUsers, users, positives, negatives, gradFinal, reg);
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
          e.runRows("activateBack", n, (t, r0, r1) => [
            e.address(gE),
            keep ? e.address(keep) : 0,
            e.address(z),
            e.address(dz),
            e.address(partials) + t * rowBytes,
            r0,
            r1,
            rowBytes,
            e.address(this.scalars),
          ]);
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
  private bprOnDevice(nUsers: number, users: Int32Array, positives: Int32Array, negatives: Int32Array, reg: number): number {
    const { device: e, final, gradFinal, batch } = this;
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
    this.device.dispose();
  }
}
