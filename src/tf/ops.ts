// Differentiable helpers with cheaper gradients than the tf composites on WASM.
import { tf } from "./backend";

const squaredNormOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const save = args[1] as tf.GradSaveFunc;
  save([x]);
  return {
    value: tf.sum(tf.square(x)) as tf.Scalar,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0], tf.mul(dy, 2)),
  };
});

/**
 * Σ x², with the gradient 2·x·dy computed directly. The composite tf.sum(tf.square(x)) builds
 * its gradient from a broadcast of dy to x's shape, a Square gradient and a Mul: for the weight
 * decay of two [943, 500] matrices that backward pass took ~20 ms per step here against ~1 ms
 * (WASM, I-AutoRec step 57 → 38 ms measured with variableGrads, mean of 20).
 */
export function squaredNorm(x: tf.Tensor): tf.Scalar {
  return squaredNormOp(x) as tf.Scalar;
}
