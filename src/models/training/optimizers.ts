// Optimisers over typed arrays (host memory), for every model that keeps its parameters in
// Float32Arrays: the graph models' embedding tables, NCF's tables and small dense weights.
//  - Adam (Kingma & Ba, ICLR 2015) with bias correction by the global step, in the form
//      θ −= α_t · m / (√v + ε̂),  α_t = lr · √(1 − β2ᵗ) / (1 − β1ᵗ),  ε̂ = ε · √(1 − β2ᵗ)
//    (algebraically Algorithm 1 of the paper; the graph models were tuned with exactly this
//    rounding, so it is the one kept). m and v are stored as float32; the update uses the
//    unrounded double values of this step.
//  - Plain SGD, θ −= lr · g (NeuMF's fine-tuning after pre-training, He et al. 2017 §3.4.1).
// Parameters are registered by name (`add`) and updated in full (`dense`) or by rows (`rows`):
// the "lazy" variant of TF's LazyAdamOptimizer / PyTorch's SparseAdam, where only the rows of
// the batch update their values and moments, duplicate rows summed first, so a step costs
// O(touched rows × width) instead of the whole table. `step(params, grad)` is the shorthand for
// an optimiser of one dense array (register + nextStep + dense in one call).

export interface Optimizer {
  /** Learning rate; settable between steps (decay schedules). */
  lr: number;
  /** Registers a parameter (updated in place by later calls), as rows of `width` values. */
  add(name: string, values: Float32Array, width?: number): void;
  /** Call once per step, before the updates of that step. */
  nextStep(): void;
  /** Full update of a dense parameter with gradient `grad` (same length). */
  dense(name: string, grad: Float32Array): void;
  /** Update of rows `rows` of a table (width from `add`); grad is [rows.length × width]. */
  rows(name: string, rows: Int32Array, grad: Float32Array): void;
  /** One step of an optimiser over a single dense array: nextStep() and a full update of `params`. */
  step(params: Float32Array, grad: Float32Array): void;
}

interface Slot {
  values: Float32Array;
  width: number;
  m?: Float32Array;
  v?: Float32Array;
  /** Scratch for coalescing duplicate rows: position of a row in `unique`, or −1. */
  mark?: Int32Array;
}

/** The per-step scalars an update needs (computed once per dense/rows call). */
interface Factors {
  a: number;
  b: number;
}

abstract class Base implements Optimizer {
  protected readonly slots = new Map<string, Slot>();
  private single: Slot | undefined;
  private unique = new Int32Array(0);
  private summed = new Float32Array(0);

  constructor(public lr: number) {}

  add(name: string, values: Float32Array, width = values.length): void {
    if (this.single) throw new Error("optimizer: step(params, grad) and named parameters cannot be mixed");
    if (width < 1 || values.length % width !== 0) throw new RangeError(`${name}: ${values.length} values are not rows of ${width}`);
    this.slots.set(name, this.makeSlot(values, width));
  }

  abstract nextStep(): void;
  protected abstract makeSlot(values: Float32Array, width: number): Slot;
  protected abstract factors(): Factors;
  protected abstract update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number, f: Factors): void;

  protected slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`optimizer: no parameter ${name}`);
    return slot;
  }

  step(params: Float32Array, grad: Float32Array): void {
    if (this.slots.size > 0) throw new Error("optimizer: step(params, grad) and named parameters cannot be mixed");
    if (grad.length !== params.length) throw new RangeError(`gradient has ${grad.length} values, expected ${params.length}`);
    if (!this.single) this.single = this.makeSlot(params, params.length);
    else if (this.single.values.length !== params.length) throw new RangeError(`step: ${params.length} parameters, this optimizer has state for ${this.single.values.length}`);
    // The array may be a fresh view of the same memory each call (e.g. a WebAssembly buffer).
    this.single.values = params;
    this.nextStep();
    this.update(this.single, 0, grad, 0, grad.length, this.factors());
  }

  dense(name: string, grad: Float32Array): void {
    const slot = this.slot(name);
    if (grad.length !== slot.values.length) throw new RangeError(`${name}: gradient has ${grad.length} values, expected ${slot.values.length}`);
    this.update(slot, 0, grad, 0, grad.length, this.factors());
  }

  rows(name: string, rows: Int32Array, grad: Float32Array): void {
    const slot = this.slot(name);
    const width = slot.width;
    if (grad.length !== rows.length * width) throw new RangeError(`${name}: gradient has ${grad.length} values, expected ${rows.length}×${width}`);
    const mark = (slot.mark ??= new Int32Array(slot.values.length / width).fill(-1));
    if (this.unique.length < rows.length) this.unique = new Int32Array(rows.length);
    if (this.summed.length < rows.length * width) this.summed = new Float32Array(rows.length * width);
    // Sum the gradients of repeated rows, then update each distinct row once.
    let count = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      let position = mark[row];
      const src = r * width;
      if (position < 0) {
        position = count++;
        mark[row] = position;
        this.unique[position] = row;
        this.summed.set(grad.subarray(src, src + width), position * width);
      } else {
        const dst = position * width;
        for (let c = 0; c < width; c++) this.summed[dst + c] += grad[src + c];
      }
    }
    const f = this.factors();
    for (let p = 0; p < count; p++) {
      const row = this.unique[p];
      this.update(slot, row * width, this.summed, p * width, width, f);
      mark[row] = -1;
    }
  }
}

export class Adam extends Base {
  private t = 0;

  constructor(
    lr: number,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {
    super(lr);
  }

  /** Steps taken so far (the t of the bias correction). */
  get steps(): number {
    return this.t;
  }

  nextStep(): void {
    this.t++;
  }

  protected makeSlot(values: Float32Array, width: number): Slot {
    return { values, width, m: new Float32Array(values.length), v: new Float32Array(values.length) };
  }

  /** a = α_t = lr·√(1 − β2ᵗ)/(1 − β1ᵗ), b = ε̂ = ε·√(1 − β2ᵗ). */
  protected factors(): Factors {
    if (this.t === 0) throw new Error("optimizer: nextStep() must come before the first update");
    const correction2 = 1 - Math.pow(this.beta2, this.t);
    return { a: (this.lr * Math.sqrt(correction2)) / (1 - Math.pow(this.beta1, this.t)), b: this.epsilon * Math.sqrt(correction2) };
  }

  protected update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number, f: Factors): void {
    const values = slot.values;
    const m = slot.m!;
    const v = slot.v!;
    const { beta1, beta2 } = this;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const stepSize = f.a;
    const eps = f.b;
    if (offset === 0 && gradOffset === 0 && length === values.length) {
      adamDense(values, m, v, grad, beta1, beta2, stepSize, eps);
      return;
    }
    for (let k = 0; k < length; k++) {
      const g = grad[gradOffset + k];
      const i = offset + k;
      const mk = beta1 * m[i] + c1 * g;
      const vk = beta2 * v[i] + c2 * g * g;
      m[i] = mk;
      v[i] = vk;
      values[i] -= (stepSize * mk) / (Math.sqrt(vk) + eps);
    }
  }
}

/**
 * Whole-array Adam update (the graph models' hot path, millions of values per step): the same
 * arithmetic as Adam.update without index offsets, in a small monomorphic function. Measured on
 * 4.5M values (Gowalla's 70,839 × 64), interleaved with the former DenseAdam: equal speed; the
 * general offset loop was ~8–10% slower.
 */
function adamDense(values: Float32Array, m: Float32Array, v: Float32Array, grad: Float32Array, beta1: number, beta2: number, stepSize: number, eps: number): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = values.length;
  for (let k = 0; k < n; k++) {
    const g = grad[k];
    const mk = beta1 * m[k] + c1 * g;
    const vk = beta2 * v[k] + c2 * g * g;
    m[k] = mk;
    v[k] = vk;
    values[k] -= (stepSize * mk) / (Math.sqrt(vk) + eps);
  }
}

export class Sgd extends Base {
  nextStep(): void {}

  protected makeSlot(values: Float32Array, width: number): Slot {
    return { values, width };
  }

  protected factors(): Factors {
    return { a: this.lr, b: 0 };
  }

  protected update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number, f: Factors): void {
    const values = slot.values;
    const lr = f.a;
    for (let k = 0; k < length; k++) values[offset + k] -= lr * grad[gradOffset + k];
  }
}
