// Named, trainable tf.Variables of one model: created from seeded typed arrays, listed for an
// optimizer, snapshotted and restored (early stopping keeps the best epoch), saved as typed
// arrays (dataSync copies) and rebuilt from them (tf.tensor), and disposed together.
import { ValidationError } from "../errors";
import { tf } from "./backend";

/** A name and the shape of a weight, in a fixed order (also the artifact layout). */
export type WeightShapes = readonly (readonly [string, readonly number[]])[];

// Variable names must be unique per tfjs engine; several models may live side by side.
let counter = 0;

export function sizeOfShape(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export class WeightSet {
  private readonly variables = new Map<string, tf.Variable>();

  /** `owner` names the model in variable names and error messages. */
  constructor(private readonly owner: string) {}

  /** Adds a trainable variable initialised from `values` (copied into the tensor). */
  add(name: string, shape: readonly number[], values: Float32Array): tf.Variable {
    if (this.variables.has(name)) throw new Error(`${this.owner}: weight ${name} exists`);
    if (values.length !== sizeOfShape(shape)) throw new Error(`${this.owner}: weight ${name} has ${values.length} values, expected ${shape.join("×")}`);
    const initial = tf.tensor(values, [...shape], "float32");
    const variable = tf.variable(initial, true, `${this.owner}/${name}/${counter++}`);
    initial.dispose();
    this.variables.set(name, variable);
    return variable;
  }

  get(name: string): tf.Variable {
    const variable = this.variables.get(name);
    if (!variable) throw new Error(`${this.owner}: no weight ${name}`);
    return variable;
  }

  has(name: string): boolean {
    return this.variables.has(name);
  }

  names(): string[] {
    return [...this.variables.keys()];
  }

  /** The variables, in insertion order (for `optimizer.minimize(..., varList)`). */
  list(): tf.Variable[] {
    return [...this.variables.values()];
  }

  get size(): number {
    return this.variables.size;
  }

  /** Copies of every weight's values (for early stopping). */
  snapshot(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [name, variable] of this.variables) out.set(name, (variable.dataSync() as Float32Array).slice());
    return out;
  }

  /** Assigns values taken by `snapshot` (or loaded) back to the variables. */
  restore(values: ReadonlyMap<string, Float32Array>): void {
    for (const [name, variable] of this.variables) {
      const array = values.get(name);
      if (!array) continue;
      const t = tf.tensor(array, variable.shape, "float32");
      variable.assign(t);
      t.dispose();
    }
  }

  /** Every weight as a typed array (a dataSync copy), keyed by name. */
  toArrays(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, variable] of this.variables) out[name] = (variable.dataSync() as Float32Array).slice();
    return out;
  }

  /**
   * Builds the variables of `shapes` from saved arrays; a missing or mis-sized array is a
   * ValidationError naming the artifact field and the expected size.
   */
  static fromArrays(owner: string, shapes: WeightShapes, arrays: Record<string, unknown>): WeightSet {
    const set = new WeightSet(owner);
    try {
      for (const [name, shape] of shapes) {
        const array = arrays[name];
        const expected = sizeOfShape(shape);
        if (!(array instanceof Float32Array) || array.length !== expected) {
          const found = array instanceof Float32Array ? `${array.length} floats` : array === undefined ? "missing" : typeof array;
          throw new ValidationError(`${owner}.state.${name}`, found, `a Float32Array of ${shape.join("×")} = ${expected} values`);
        }
        set.add(name, shape, array);
      }
    } catch (error) {
      set.dispose();
      throw error;
    }
    return set;
  }

  /** Frees every variable; safe to call twice. */
  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}
