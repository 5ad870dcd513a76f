// Losses of the typed-array models, as functions of one batch: each adds its gradient into a
// caller-owned gradient buffer (only the batch's rows) and returns the batch's summed loss, so a
// model's step is "zero the batch rows, add the losses' gradients, one optimiser step".
//  - BPR: S. Rendle, C. Freudenthaler, Z. Gantner, L. Schmidt-Thieme, "BPR: Bayesian
//    Personalized Ranking from Implicit Feedback", UAI 2009 (LightGCN's and NGCF's objective).
//  - L2 on the rows a batch touches (LightGCN's regulariser on the ego embeddings).

/**
 * BPR loss −ln σ(x_ui − x_uj) of a batch on final embeddings (rows of `final`, items offset by
 * `itemOffset` rows), mean over the batch, plus with `reg` > 0 the L2 term reg·½Σ‖e‖²/B on the
 * batch's rows (each occurrence counts; NGCF's regulariser on final representations) in the same
 * pass. Adds the gradient into `grad` (only the batch rows). Returns the summed (not averaged)
 * loss: Σ BPR + reg·½Σ‖e‖².
 */
export function bprLossAndGrad(final: Float32Array, dim: number, itemOffset: number, users: Int32Array, positives: Int32Array, negatives: Int32Array, grad: Float32Array, reg = 0): number {
  const n = users.length;
  const scale = 1 / n;
  const lambda = reg * scale;
  let loss = 0;
  let squares = 0;
  for (let s = 0; s < n; s++) {
    const u = users[s] * dim;
    const i = (itemOffset + positives[s]) * dim;
    const j = (itemOffset + negatives[s]) * dim;
    let x = 0;
    for (let c = 0; c < dim; c++) x += final[u + c] * (final[i + c] - final[j + c]);
    // −ln σ(x) = softplus(−x), computed stably; its derivative is −σ(−x).
    loss += x > 0 ? Math.log1p(Math.exp(-x)) : -x + Math.log1p(Math.exp(x));
    const g = (-1 / (1 + Math.exp(x))) * scale;
    if (lambda > 0) {
      for (let c = 0; c < dim; c++) {
        const fu = final[u + c];
        const fi = final[i + c];
        const fj = final[j + c];
        squares += fu * fu + fi * fi + fj * fj;
        grad[u + c] += g * (fi - fj) + lambda * fu;
        grad[i + c] += g * fu + lambda * fi;
        grad[j + c] += lambda * fj - g * fu;
      }
      continue;
    }
    if (g === 0) continue;
    for (let c = 0; c < dim; c++) {
      const fu = final[u + c];
      grad[u + c] += g * (final[i + c] - final[j + c]);
      grad[i + c] += g * fu;
      grad[j + c] -= g * fu;
    }
  }
  return loss + 0.5 * reg * squares;
}

/**
 * L2 on a batch's rows of `values` (users, then items from row `itemOffset`; every occurrence
 * counts): adds λ·e to the same rows of `grad` and returns Σ‖e‖² over them.
 */
export function addBatchL2(values: Float32Array, width: number, itemOffset: number, users: Int32Array, positives: Int32Array, negatives: Int32Array, lambda: number, grad: Float32Array): number {
  let squares = 0;
  for (let s = 0; s < users.length; s++) {
    for (let part = 0; part < 3; part++) {
      const o = (part === 0 ? users[s] : itemOffset + (part === 1 ? positives[s] : negatives[s])) * width;
      for (let c = 0; c < width; c++) {
        const e = values[o + c];
        squares += e * e;
        grad[o + c] += lambda * e;
      }
    }
  }
  return squares;
}
