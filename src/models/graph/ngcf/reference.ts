// NGCF's element-wise passes in JS (the network's parts besides the sparse and dense products):
// the path of NgcfNetwork (network.ts) for the "js" kernel, and the reference of the WebAssembly
// kernels of the same names in kernels.ts (test/models/ngcf-network.test.ts runs both paths).

/** dst row r (dstWidth floats per row) (+)= src row r (srcWidth per row), first d floats. */
export function copyRows(src: Float32Array, srcWidth: number, dst: Float32Array, dstWidth: number, rows: number, d: number, accumulate: boolean): void {
  for (let r = 0; r < rows; r++) {
    const s = r * srcWidth;
    const o = r * dstWidth;
    for (let c = 0; c < d; c++) dst[o + c] = (accumulate ? dst[o + c] : 0) + src[s + c];
  }
}

/** P = S + E (when `sum` is given), Q = S ⊙ E. */
export function sumAndProduct(side: Float32Array, prev: Float32Array, sum: Float32Array | undefined, product: Float32Array, size: number): void {
  for (let x = 0; x < size; x++) {
    if (sum) sum[x] = side[x] + prev[x];
    product[x] = side[x] * prev[x];
  }
}

/** ∂/∂E = dP + dQ ⊙ S (into gPrev) and ∂/∂S = dP + dQ ⊙ E (into ds). */
export function sumAndProductBackward(dp: Float32Array, dq: Float32Array, side: Float32Array, prev: Float32Array, gPrev: Float32Array, ds: Float32Array, size: number): void {
  for (let x = 0; x < size; x++) {
    gPrev[x] = dp[x] + dq[x] * side[x];
    ds[x] = dp[x] + dq[x] * prev[x];
  }
}

/** Dropout scales from a xorshift32 stream, two 16-bit decisions per draw; returns the state. */
export function drawKeepScales(keep: Float32Array, size: number, keepBelow: number, scale: number, state: number): number {
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

/** Where an activation writes a layer: its output rows, their norms, and the normalised rows into a column block of `final` (`width` floats per row). */
export interface LayerOutput {
  out: Float32Array;
  norms: Float32Array;
  column: Float32Array;
  width: number;
}

/**
 * z += bias; out = LeakyReLU(z) (⊙ keep); norms[r] = ‖out_r‖; row r of `column` (a view of final
 * from the layer's first column, width floats per row) = out_r / max(‖out_r‖, 1e-12).
 */
export function activate(z: Float32Array, bias: Float32Array, slope: number, keep: Float32Array | undefined, output: LayerOutput, n: number, d: number): void {
  const { out } = output;
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
    normalizedRow(output, r, squares, d);
  }
}

/** norms[r] = ‖out_r‖ (from its sum of squares); row r of `column` = out_r / max(‖out_r‖, 1e-12). */
export function normalizedRow({ out, norms, column, width }: LayerOutput, r: number, squares: number, d: number): void {
  const norm = Math.sqrt(squares);
  norms[r] = norm;
  const inv = 1 / Math.max(norm, 1e-12);
  for (let c = 0; c < d; c++) column[r * width + c] = out[r * d + c] * inv;
}

/**
 * The reference code's layer output: out = (LeakyReLU(z1 + b1) + LeakyReLU(z2 + b2)) (⊙ keep), with
 * z1, z2 keeping the biased pre-activations; norms and the normalised rows into `column` as activate().
 */
export function activateSeparate(
  z1: Float32Array,
  b1: Float32Array,
  z2: Float32Array,
  b2: Float32Array,
  slope: number,
  keep: Float32Array | undefined,
  output: LayerOutput,
  n: number,
  d: number,
): void {
  const { out } = output;
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
    normalizedRow(output, r, squares, d);
  }
}

/** activateSeparate backward: dz1 = g ⊙ LeakyReLU'(z1), dz2 = g ⊙ LeakyReLU'(z2) (g = gE ⊙ keep); bias gradients = column sums. */
export function activateSeparateBackward(
  gE: Float32Array,
  keep: Float32Array | undefined,
  z1: Float32Array,
  z2: Float32Array,
  slope: number,
  dz1: Float32Array,
  dz2: Float32Array,
  gradB1: Float32Array,
  gradB2: Float32Array,
  n: number,
  d: number,
): void {
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
export function normalizeBackward(column: Float32Array, gradColumn: Float32Array, width: number, norms: Float32Array, inBatch: Uint8Array, gE: Float32Array, n: number, d: number): void {
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
export function activateBackward(gE: Float32Array, keep: Float32Array | undefined, z: Float32Array, slope: number, dz: Float32Array, biasGrad: Float64Array, n: number, d: number): void {
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
