// Optimisers over host typed arrays, for models whose parameters are mostly embedding tables
// touched a few rows per step (NCF). tf.train.adam updates every variable in full on every
// step (~12 kernels per variable, all of each table); here a step costs O(touched rows × width)
// for a table and O(size) for a small dense parameter, in plain loops.
//  - Adam (Kingma & Ba, ICLR 2015) with bias correction by the global step. For tables, the
//    "lazy" variant (as TF's LazyAdamOptimizer, PyTorch's SparseAdam): only the rows in the
//    batch update their moments and values; duplicate rows are summed first.
//  - Plain SGD (NeuMF's fine-tuning after pre-training, He et al. 2017 §3.4.1).

export interface HostOptimizer {
  /** Registers a parameter (updated in place by later calls). */
  add(name: string, values: Float32Array, width?: number): void;
  /** Call once per step, before the updates of that step. */
  nextStep(): void;
  /** Full update of a dense parameter with gradient `grad` (same length). */
  dense(name: string, grad: Float32Array): void;
  /** Update of rows `rows` of a table (width from `add`); grad is [rows.length × width]. */
  rows(name: string, rows: Int32Array, grad: Float32Array): void;
}

interface Slot {
  values: Float32Array;
  width: number;
  m?: Float32Array;
  v?: Float32Array;
  /** Scratch for coalescing duplicate rows: position of a row in `unique`, or −1. */
  mark?: Int32Array;
}

abstract class Base implements HostOptimizer {
  protected readonly slots = new Map<string, Slot>();
  private unique = new Int32Array(0);
  private summed = new Float32Array(0);

  add(name: string, values: Float32Array, width = values.length): void {
    if (values.length % width !== 0) throw new RangeError(`${name}: ${values.length} values are not rows of ${width}`);
    this.slots.set(name, this.makeSlot(values, width));
  }

  abstract nextStep(): void;
  protected abstract makeSlot(values: Float32Array, width: number): Slot;
  protected abstract update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number): void;

  protected slot(name: string): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`optimizer: no parameter ${name}`);
    return slot;
  }

  dense(name: string, grad: Float32Array): void {
    const slot = this.slot(name);
    if (grad.length !== slot.values.length) throw new RangeError(`${name}: gradient has ${grad.length} values, expected ${slot.values.length}`);
    this.update(slot, 0, grad, 0, grad.length);
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
    for (let p = 0; p < count; p++) {
      const row = this.unique[p];
      this.update(slot, row * width, this.summed, p * width, width);
      mark[row] = -1;
    }
  }
}

export class HostAdam extends Base {
  private t = 0;
  private correction1 = 1;
  private correction2 = 1;

  constructor(
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    super();
  }

  protected makeSlot(values: Float32Array, width: number): Slot {
    return { values, width, m: new Float32Array(values.length), v: new Float32Array(values.length) };
  }

  nextStep(): void {
    this.t++;
    this.correction1 = 1 - this.beta1 ** this.t;
    this.correction2 = 1 - this.beta2 ** this.t;
  }

  protected update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number): void {
    const { values } = slot;
    const m = slot.m!;
    const v = slot.v!;
    const { beta1, beta2, epsilon } = this;
    const step = this.lr / this.correction1;
    const root = Math.sqrt(this.correction2);
    for (let k = 0; k < length; k++) {
      const g = grad[gradOffset + k];
      const i = offset + k;
      const mi = beta1 * m[i] + (1 - beta1) * g;
      const vi = beta2 * v[i] + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      values[i] -= (step * mi) / (Math.sqrt(vi) / root + epsilon);
    }
  }
}

export class HostSgd extends Base {
  constructor(private readonly lr: number) {
    super();
  }

  protected makeSlot(values: Float32Array, width: number): Slot {
    return { values, width };
  }

  nextStep(): void {}

  protected update(slot: Slot, offset: number, grad: Float32Array, gradOffset: number, length: number): void {
    const { values } = slot;
    for (let k = 0; k < length; k++) values[offset + k] -= this.lr * grad[gradOffset + k];
  }
}
