// EASE^R: H. Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019.
//   min_B ‖X − X B‖²_F + λ ‖B‖²_F   subject to diag(B) = 0
// Closed form: P = (XᵀX + λI)⁻¹,  B = I − P · diagMat(1 / diag(P)), i.e. B_ij = −P_ij / P_jj (i ≠ j).
// Scores: s_u = x_u B (the user's row times B). The item Gram is dense nItems × nItems, so the
// model refuses catalogues above EASE_MAX_ITEMS. The inverse is computed by recursive 2×2 block
// inversion (Schur complements) whose large products run as TensorFlow.js matmuls (float32);
// blocks up to 128 rows are inverted by Cholesky in float64 on typed arrays (128 measured ~12 %
// faster than 256 for 1,682 items: more of the work runs in the WASM matmuls).
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { invertSpdUpper } from "../../math/linalg";
import { initTf } from "../../tf/backend";
import { defineModel } from "../definition";
import { FLOAT32_BYTES, denseMatrix, trainingMatrix } from "../memory";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, TrainingData } from "../types";
import { ITEM_ITEM_CAPABILITIES, ItemItemRecommender } from "./itemItem";

/**
 * Largest catalogue EASE accepts: the Gram matrix, its inverse and B are dense float32
 * nItems² arrays (12,000 items: 576 MB each) and the block inversion holds about four of them
 * at once in the TensorFlow.js WASM heap, which cannot exceed 4 GiB.
 */
export const EASE_MAX_ITEMS = 12_000;
const BLOCK = 128;

const params = {
  lambda: { type: "float", default: 250, min: 0.001, max: 1e7, description: "λ: L2 penalty on B (added to the Gram diagonal)" },
  binary: { type: "bool", default: true, description: "Train and score on 1 for every interaction (else on its value)" },
} as const;

export class Ease extends ItemItemRecommender<ParamsOf<typeof params>> {
  readonly name = "ease";
  /** W = B, dense row-major nItems × nItems (row i: what item i contributes to every item). */
  protected readonly matrixNames = ["weights"] as const;

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    const n = x.nItems;
    if (n > EASE_MAX_ITEMS) throw new ValidationError("ease.nItems", n, `at most ${EASE_MAX_ITEMS} items (EASE keeps dense nItems × nItems matrices)`);
    await initTf();
    this.useTraining(x);
    const binary = this.params.binary;
    // Gram XᵀX from the user rows (upper triangle, then mirrored), plus λ on the diagonal.
    const gram = new Float32Array(n * n);
    for (let u = 0; u < x.nUsers; u++) {
      const start = x.indptr[u];
      const end = x.indptr[u + 1];
      for (let p = start; p < end; p++) {
        const i = x.indices[p];
        const vi = binary ? 1 : x.values[p];
        const row = i * n;
        // Rows are sorted by item index, so j ≥ i for q ≥ p: the upper triangle.
        for (let q = p; q < end; q++) gram[row + x.indices[q]] += vi * (binary ? 1 : x.values[q]);
      }
    }
    for (let i = 0; i < n; i++) {
      gram[i * n + i] += this.params.lambda;
      for (let j = i + 1; j < n; j++) gram[j * n + i] = gram[i * n + j];
    }
    const gramSeconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 0, epochs: 1, elapsed: gramSeconds, message: "item Gram built" });
    const t0 = performance.now();
    const inverse = invertSpd(gram, n);
    const inverseSeconds = (performance.now() - t0) / 1000;
    // B_ij = −P_ij / P_jj, B_ii = 0.
    const diag = new Float32Array(n);
    for (let j = 0; j < n; j++) diag[j] = inverse[j * n + j];
    for (let i = 0; i < n; i++) {
      const row = i * n;
      for (let j = 0; j < n; j++) inverse[row + j] = i === j ? 0 : -inverse[row + j] / diag[j];
    }
    this.weights = inverse;
    const seconds = (performance.now() - started) / 1000;
    context.onProgress?.({ epoch: 1, epochs: 1, elapsed: seconds, message: "closed form solved" });
    return { epochs: 1, seconds, notes: { gramSeconds, inverseSeconds, backend: tf.getBackend() } };
  }

  protected binaryHistory(): boolean {
    return this.params.binary;
  }
}

/**
 * Inverse of a symmetric positive definite n×n matrix (row-major float32), by recursive block
 * inversion: for M = [[A, B], [Bᵀ, D]], with A⁻¹, S = D − Bᵀ A⁻¹ B and X = A⁻¹ B S⁻¹,
 * M⁻¹ = [[A⁻¹ + X (A⁻¹B)ᵀ, −X], [−Xᵀ, S⁻¹]]. About n³ flops in matmuls; all tensors are freed.
 */
export function invertSpd(m: Float32Array, n: number): Float32Array {
  if (n <= BLOCK) return invertSmall(m, n);
  // The typed array is read outside tf.tidy: tidy walks returned containers element by element.
  const result = tf.tidy(() => invertTensor(tf.tensor2d(m, [n, n])));
  try {
    return result.dataSync() as Float32Array;
  } finally {
    result.dispose();
  }
}

function invertSmall(m: Float32Array, n: number): Float32Array {
  const a = Float64Array.from(m);
  const inv = new Float64Array(n * n);
  if (!invertSpdUpper(a, n, inv)) throw new ValidationError("ease.lambda", "Gram + λI", "a positive definite matrix (raise λ)");
  return Float32Array.from(inv);
}

function invertTensor(m: tf.Tensor2D): tf.Tensor2D {
  const n = m.shape[0];
  if (n <= BLOCK) return tf.tensor2d(invertSmall(m.dataSync() as Float32Array, n), [n, n]);
  return tf.tidy(() => {
    const h = Math.floor(n / 2);
    const a = m.slice([0, 0], [h, h]);
    const b = m.slice([0, h], [h, n - h]);
    const d = m.slice([h, h], [n - h, n - h]);
    const ai = invertTensor(a);
    const aib = tf.matMul(ai, b);
    const schur = d.sub(tf.matMul(b, aib, true, false));
    const si = invertTensor(schur.add(schur.transpose()).mul(0.5) as tf.Tensor2D);
    const x = tf.matMul(aib, si);
    const topLeft = ai.add(tf.matMul(x, aib, false, true));
    const top = tf.concat([topLeft, x.neg()], 1);
    const bottom = tf.concat([x.transpose().neg(), si], 1);
    return tf.concat([top, bottom], 0) as tf.Tensor2D;
  });
}

export const ease = defineModel({
  name: "ease",
  family: "neighborhood",
  description: "EASE: closed-form item-item weights B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹ (dense; catalogues up to 12,000 items)",
  paper: "H. Steck. Embarrassingly Shallow Autoencoders for Sparse Data. WWW 2019",
  feedback: "implicit",
  capabilities: ITEM_ITEM_CAPABILITIES,
  params,
  fastParams: { lambda: 10 },
  // Dense items × items float32: the Gram (kept during the fit), the block inversion's tensors in the
  // TensorFlow.js heap (the top-level step holds M, its blocks, A⁻¹, A⁻¹B, S, S⁻¹, X and the
  // concatenated result at once, about 7 n² floats, and the heap grows in steps up to 20 % over
  // what is asked and never shrinks: 10 n², measured 8.3 n² on 9,724 items) and the inverse read back as B.
  memory: (shape) => [
    trainingMatrix(shape),
    denseMatrix("item–item Gram (float32)", shape.items, shape.items, FLOAT32_BYTES),
    denseMatrix("dense item–item block inversion in the TensorFlow.js heap (float32)", shape.items, shape.items, FLOAT32_BYTES, 10),
    denseMatrix("item–item weights B (float32)", shape.items, shape.items, FLOAT32_BYTES),
  ],
  create: (p) => new Ease(p),
});
