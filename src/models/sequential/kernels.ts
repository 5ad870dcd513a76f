// Hand-written ops for SASRec on the WASM backend, each a tf.customGrad over typed arrays or
// over the fast kernels only. Measured on this 2-core machine (tfjs 4.22 WASM, SIMD, batch
// 128 × 200 positions, d = 50; .scratch timings, medians of 5):
//  - WASM BatchMatMul runs a naive loop (~2 GFLOP/s): QKᵀ and AV for a [128, 200, 200] batch
//    take ~250 ms each, their gradients ~770 ms. The causal attention below, in plain
//    typed-array loops, visits only keys at or before each query and after the padding.
//  - WASM 2-D MatMul is fast (XNNPACK, ~15 GFLOP/s) only without transpose flags; with
//    transposeA or transposeB it drops to the same naive loop (~170 ms vs ~25 ms for
//    [25600, 50]ᵀ × [25600, 150]). `linear` computes its gradients with explicit transposes.
//  - Embedding rows are copied and their gradient summed in typed arrays (`gatherRows`).
import { tf } from "../../tf/backend";

type GradBody = (inputs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] };

/** tf.customGrad over `n` tensor inputs, with the inputs as an array. */
function customOp(n: number, body: GradBody): (...inputs: tf.Tensor[]) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => body(args.slice(0, n) as tf.Tensor[], args[n] as tf.GradSaveFunc));
}

/** Layout of a left-padded batch: `rows` sequences of `width` positions, the last `lengths[r]` real. */
export interface BatchLayout {
  rows: number;
  width: number;
  lengths: Int32Array;
}

/**
 * Causal multi-head attention over flat [rows × width, d] queries, keys and values (heads
 * are column blocks of d / heads). Position t of row r attends to the real positions
 * s ≤ t of the same row: softmax_s(q_t · k_s / sqrt(d_h)) weighted sum of v_s. Padded
 * positions get zero output and zero gradient; future and padded keys are never read.
 */
export function causalAttention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, layout: BatchLayout, heads: number): tf.Tensor2D {
  const d = q.shape[1];
  const op = customOp(3, ([qt, kt, vt], save) => {
    const qs = qt.dataSync() as Float32Array;
    const ks = kt.dataSync() as Float32Array;
    const vs = vt.dataSync() as Float32Array;
    const { out, probs } = attentionForward(qs, ks, vs, layout, d, heads);
    save([qt, kt, vt]);
    return {
      value: tf.tensor2d(out, [layout.rows * layout.width, d]),
      gradFunc: (dy: tf.Tensor) => {
        const grads = attentionBackward(qs, ks, vs, probs, dy.dataSync() as Float32Array, layout, d, heads);
        const shape: [number, number] = [layout.rows * layout.width, d];
        return [tf.tensor2d(grads.dq, shape), tf.tensor2d(grads.dk, shape), tf.tensor2d(grads.dv, shape)];
      },
    };
  });
  return op(q, k, v) as tf.Tensor2D;
}

/**
 * The same causal attention as `causalAttention`, with every product written as a WASM
 * depthwise convolution (XNNPACK, ~10 GFLOP/s here against ~2 for BatchMatMul): with the
 * (row, head) pairs as channels g, S[i,g,j] = Σ_c Q[g,i,c]·K[g,j,c] is a depthwise conv of Q
 * laid out [1, L, d_h, G] with a [1, d_h, G, L] filter (channel multiplier L); P·V, and the
 * four gradient products, are depthwise convs of P (or dS) with V, dO, K or Q as filters.
 * Masked entries get a large negative logit; padded query rows are zeroed.
 */
export function causalAttentionConv(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, masks: AttentionMasks): tf.Tensor2D {
  const { layout, heads, bias, queryMask } = masks;
  const { rows, width: L } = layout;
  const d = q.shape[1];
  const dh = d / heads;
  const G = rows * heads;
  const scale = 1 / Math.sqrt(dh);
  const depthwise = (x: tf.Tensor, filter: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, "valid");
  // [B·L, d] → [B, L, H, dh] → permuted and merged to a 4-D conv operand.
  const operand = (t: tf.Tensor, perm: number[], shape: number[]) => tf.reshape(tf.transpose(tf.reshape(t, [rows, L, heads, dh]), perm), shape);
  // A conv output [1, L, 1, G·dh] (t, g, c) back to [B·L, d].
  const toRows = (t: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(t, [L, rows, heads, dh]), [1, 0, 2, 3]), [rows * L, d]);
  const op = customOp(3, ([qt, kt, vt], save) => {
    const qs = tf.mul(qt, scale);
    const logits = tf.reshape(depthwise(operand(qs, [1, 3, 0, 2], [1, L, dh, G]), operand(kt, [3, 0, 2, 1], [1, dh, G, L])), [L, G, L]);
    const probs = tf.softmax(tf.add(logits, bias));
    // A padded query row attends to masked keys only: its output is zeroed (and so its gradient).
    const out = tf.mul(toRows(depthwise(tf.reshape(tf.transpose(probs, [0, 2, 1]), [1, L, L, G]), operand(vt, [1, 0, 2, 3], [1, L, G, dh]))), queryMask);
    // Tensors made in the forward pass are freed before the backward one unless saved.
    save([qs, kt, vt, probs, queryMask]);
    return {
      value: out,
      gradFunc: (dyRaw: tf.Tensor, saved: tf.Tensor[]) => {
        const [qSaved, kSaved, vSaved, p, savedMask] = saved;
        const dy = tf.mul(dyRaw, savedMask);
        const dv = toRows(depthwise(tf.reshape(tf.transpose(p, [2, 0, 1]), [1, L, L, G]), operand(dy, [1, 0, 2, 3], [1, L, G, dh])));
        const dp = tf.reshape(depthwise(operand(dy, [1, 3, 0, 2], [1, L, dh, G]), operand(vSaved, [3, 0, 2, 1], [1, dh, G, L])), [L, G, L]);
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(p, dp), 2, true)));
        const dq = tf.mul(toRows(depthwise(tf.reshape(tf.transpose(ds, [0, 2, 1]), [1, L, L, G]), operand(kSaved, [1, 0, 2, 3], [1, L, G, dh]))), scale);
        const dk = toRows(depthwise(tf.reshape(tf.transpose(ds, [2, 0, 1]), [1, L, L, G]), operand(qSaved, [1, 0, 2, 3], [1, L, G, dh])));
        return [dq, dk, dv];
      },
    };
  });
  return op(q, k, v) as tf.Tensor2D;
}

const MASKED_LOGIT = -1e9;

/** Masks of one batch, shared by every attention block. Dispose with `disposeMasks`. */
export interface AttentionMasks {
  layout: BatchLayout;
  heads: number;
  /** [L, G, L] logit bias: large negative for future keys (j > i) and padded keys. */
  bias: tf.Tensor3D;
  /** [rows × L, 1]: 1 at real positions. */
  queryMask: tf.Tensor2D;
}

export function attentionMasks(layout: BatchLayout, heads: number): AttentionMasks {
  const { rows, width: L, lengths } = layout;
  const G = rows * heads;
  const queryMask = new Float32Array(rows * L);
  const keyBias = new Float32Array(G * L);
  for (let r = 0; r < rows; r++) {
    const first = L - lengths[r];
    queryMask.fill(1, r * L + first, (r + 1) * L);
    for (let h = 0; h < heads; h++) keyBias.fill(MASKED_LOGIT, (r * heads + h) * L, (r * heads + h) * L + first);
  }
  const causal = new Float32Array(L * L);
  for (let i = 0; i < L; i++) causal.fill(MASKED_LOGIT, i * L + i + 1, (i + 1) * L);
  const bias = tf.tidy(() => tf.add(tf.tensor3d(causal, [L, 1, L]), tf.tensor3d(keyBias, [1, G, L])) as tf.Tensor3D);
  return { layout, heads, bias, queryMask: tf.tensor2d(queryMask, [rows * L, 1]) };
}

/** Offsets of each (row, head) triangle of attention weights: n(n + 1) / 2 entries each. */
function triangleOffsets(layout: BatchLayout, heads: number): Int32Array {
  const offsets = new Int32Array(layout.rows * heads + 1);
  for (let r = 0; r < layout.rows; r++) {
    const n = layout.lengths[r];
    for (let h = 0; h < heads; h++) offsets[r * heads + h + 1] = offsets[r * heads + h] + (n * (n + 1)) / 2;
  }
  return offsets;
}

export function attentionForward(q: Float32Array, k: Float32Array, v: Float32Array, layout: BatchLayout, d: number, heads: number): { out: Float32Array; probs: Float32Array } {
  const { rows, width, lengths } = layout;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const offsets = triangleOffsets(layout, heads);
  const probs = new Float32Array(offsets[offsets.length - 1]);
  const out = new Float32Array(rows * width * d);
  const scores = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const n = lengths[r];
    const first = r * width + width - n; // flat position of the row's first real item
    for (let h = 0; h < heads; h++) {
      const column = h * dh;
      let p = offsets[r * heads + h];
      for (let i = 0; i < n; i++) {
        const qi = (first + i) * d + column;
        let max = Number.NEGATIVE_INFINITY;
        for (let j = 0; j <= i; j++) {
          const kj = (first + j) * d + column;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += q[qi + c] * k[kj + c];
          dot *= scale;
          scores[j] = dot;
          if (dot > max) max = dot;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) {
          const e = Math.exp(scores[j] - max);
          scores[j] = e;
          sum += e;
        }
        const oi = qi;
        for (let j = 0; j <= i; j++) {
          const weight = scores[j] / sum;
          probs[p + j] = weight;
          const vj = (first + j) * d + column;
          for (let c = 0; c < dh; c++) out[oi + c] += weight * v[vj + c];
        }
        p += i + 1;
      }
    }
  }
  return { out, probs };
}

function attentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  probs: Float32Array,
  dy: Float32Array,
  layout: BatchLayout,
  d: number,
  heads: number,
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { rows, width, lengths } = layout;
  const dh = d / heads;
  const scale = 1 / Math.sqrt(dh);
  const offsets = triangleOffsets(layout, heads);
  const dq = new Float32Array(q.length);
  const dk = new Float32Array(k.length);
  const dv = new Float32Array(v.length);
  const dScores = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const n = lengths[r];
    const first = r * width + width - n;
    for (let h = 0; h < heads; h++) {
      const column = h * dh;
      let p = offsets[r * heads + h];
      for (let i = 0; i < n; i++) {
        const qi = (first + i) * d + column;
        // dP_j = dy_i · v_j; dV_j += P_ij dy_i; then the softmax Jacobian.
        let weighted = 0;
        for (let j = 0; j <= i; j++) {
          const vj = (first + j) * d + column;
          const weight = probs[p + j];
          let dot = 0;
          for (let c = 0; c < dh; c++) {
            dot += dy[qi + c] * v[vj + c];
            dv[vj + c] += weight * dy[qi + c];
          }
          dScores[j] = dot;
          weighted += weight * dot;
        }
        for (let j = 0; j <= i; j++) {
          const g = probs[p + j] * (dScores[j] - weighted) * scale;
          if (g === 0) continue;
          const kj = (first + j) * d + column;
          for (let c = 0; c < dh; c++) {
            dq[qi + c] += g * k[kj + c];
            dk[kj + c] += g * q[qi + c];
          }
        }
        p += i + 1;
      }
    }
  }
  return { dq, dk, dv };
}

/**
 * x·W + b (optionally ReLU) on the fast 2-D MatMul; gradients dx = dz·Wᵀ and dW = xᵀ·dz
 * through explicit transposes (WASM's transposed MatMul is ~7× slower).
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, relu = false): tf.Tensor2D {
  const op = customOp(3, ([xt, wt, bt], save) => {
    const value = tf.fused.matMul({ a: xt as tf.Tensor2D, b: wt as tf.Tensor2D, bias: bt, activation: relu ? "relu" : "linear" });
    save([xt, wt, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, ys] = saved;
        const dz = relu ? tf.mul(dy, tf.step(ys)) : dy;
        // Column sums as ones·dz: WASM's reduction over axis 0 is ~20× slower than this MatMul.
        const [n, m] = dz.shape as [number, number];
        const columnSums = tf.reshape(tf.matMul(tf.ones([1, n]), dz as tf.Tensor2D), [m]);
        return [tf.matMul(dz as tf.Tensor2D, tf.transpose(ws) as tf.Tensor2D), tf.matMul(tf.transpose(xs) as tf.Tensor2D, dz as tf.Tensor2D), columnSums];
      },
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}

/** a·b on the fast 2-D MatMul; gradients da = dy·bᵀ and db = aᵀ·dy through explicit transposes. */
export function matMulFast(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const op = customOp(2, ([at, bt], save) => {
    save([at, bt]);
    return {
      value: tf.matMul(at as tf.Tensor2D, bt as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]) as tf.Tensor2D), tf.matMul(tf.transpose(saved[0]) as tf.Tensor2D, dy as tf.Tensor2D)],
    };
  });
  return op(a, b) as tf.Tensor2D;
}

/** Rows `ids` of a [n, d] table; the gradient is summed into the rows in typed arrays. */
export function gatherRows(table: tf.Tensor2D, ids: Int32Array): tf.Tensor2D {
  const [n, d] = table.shape;
  const op = customOp(1, ([t]) => {
    const values = t.dataSync() as Float32Array;
    const out = new Float32Array(ids.length * d);
    for (let r = 0; r < ids.length; r++) out.set(values.subarray(ids[r] * d, ids[r] * d + d), r * d);
    return {
      value: tf.tensor2d(out, [ids.length, d]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const grad = new Float32Array(n * d);
        for (let r = 0; r < ids.length; r++) {
          const dst = ids[r] * d;
          const src = r * d;
          for (let c = 0; c < d; c++) grad[dst + c] += g[src + c];
        }
        return tf.tensor2d(grad, [n, d]);
      },
    };
  });
  return op(table) as tf.Tensor2D;
}

/**
 * Layer normalisation over the last axis of [n, d]: (x − μ)/sqrt(σ² + ε)·gain + bias, forward
 * and backward in typed arrays (the tf composite is ~10 kernels and allocates ones-tensors
 * for the gradient of each mean).
 */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D, epsilon: number): tf.Tensor2D {
  const [n, d] = x.shape;
  const op = customOp(3, ([xt, gt, bt]) => {
    const xs = xt.dataSync() as Float32Array;
    const g = gt.dataSync() as Float32Array;
    const b = bt.dataSync() as Float32Array;
    const normed = new Float32Array(n * d);
    const inverse = new Float32Array(n);
    const out = new Float32Array(n * d);
    for (let r = 0; r < n; r++) {
      const base = r * d;
      let mean = 0;
      for (let c = 0; c < d; c++) mean += xs[base + c];
      mean /= d;
      let variance = 0;
      for (let c = 0; c < d; c++) {
        const centred = xs[base + c] - mean;
        variance += centred * centred;
      }
      const inv = 1 / Math.sqrt(variance / d + epsilon);
      inverse[r] = inv;
      for (let c = 0; c < d; c++) {
        const value = (xs[base + c] - mean) * inv;
        normed[base + c] = value;
        out[base + c] = value * g[c] + b[c];
      }
    }
    return {
      value: tf.tensor2d(out, [n, d]),
      gradFunc: (dyT: tf.Tensor) => {
        const dy = dyT.dataSync() as Float32Array;
        const dx = new Float32Array(n * d);
        const dg = new Float64Array(d);
        const db = new Float64Array(d);
        for (let r = 0; r < n; r++) {
          const base = r * d;
          let meanDxhat = 0;
          let meanDxhatXhat = 0;
          for (let c = 0; c < d; c++) {
            const gy = dy[base + c];
            const xhat = normed[base + c];
            dg[c] += gy * xhat;
            db[c] += gy;
            const dxhat = gy * g[c];
            meanDxhat += dxhat;
            meanDxhatXhat += dxhat * xhat;
          }
          meanDxhat /= d;
          meanDxhatXhat /= d;
          const inv = inverse[r];
          for (let c = 0; c < d; c++) dx[base + c] = inv * (dy[base + c] * g[c] - meanDxhat - normed[base + c] * meanDxhatXhat);
        }
        return [tf.tensor2d(dx, [n, d]), tf.tensor1d(Float32Array.from(dg)), tf.tensor1d(Float32Array.from(db))];
      },
    };
  });
  return op(x, gain, bias) as tf.Tensor2D;
}
