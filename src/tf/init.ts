// Seeded initialisers and noise for TensorFlow.js models: values come from the project's
// seeded generator (src/math/random.ts), never from tf.random* (whose seeds are per call and
// whose default stream is unseeded), so a fit with the same seed reproduces.
import { fillNormal, type Rng } from "../math/random";
import { tf } from "./backend";
import { sizeOfShape } from "./weights";

/** Glorot/Xavier uniform: U(−l, l) with l = sqrt(6 / (fanIn + fanOut)), for a [fanIn, fanOut] matrix. */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): Float32Array {
  return uniformValues(fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)), rng);
}

/** `size` values U(−limit, limit) (Glorot limits of fused matrices, e.g. SASRec's q|k|v). */
export function uniformValues(size: number, limit: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  for (let k = 0; k < size; k++) out[k] = (2 * rng.next() - 1) * limit;
  return out;
}

/** N(0, std²) values for a tensor of `shape`. */
export function normalValues(shape: readonly number[], std: number, rng: Rng): Float32Array {
  return fillNormal(new Float32Array(sizeOfShape(shape)), rng, std);
}

/** A standard-normal tensor from the seeded generator (the VAE's reparameterisation noise). */
export function normalTensor(shape: readonly number[], rng: Rng): tf.Tensor {
  return tf.tensor(fillNormal(new Float32Array(sizeOfShape(shape)), rng, 1), [...shape], "float32");
}

/** The autoencoders' default: Glorot-uniform for a [fanIn, fanOut] matrix, zeros for a bias vector. */
export function glorotOrZeros(shape: readonly number[], rng: Rng): Float32Array {
  return shape.length === 2 ? glorotUniform(shape[0], shape[1], rng) : new Float32Array(sizeOfShape(shape));
}
