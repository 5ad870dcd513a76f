// ChebyCF — C. Kim, J. Sung, Y. Han, J. Lee. "Graph Spectral Filtering with Chebyshev Interpolation for
// Recommendation." SIGIR 2025.
//
// Filter: with P = R̃ᵀR̃ (graphFilter.ts; spectrum in [0, 1]) the item Laplacian L = I − P is rescaled to
// L̃ = 2L − I = I − 2P (spectrum in [−1, 1]). A user's row x, normalised by item degree as s = x D_i^-β, scores
//   ( Σ_(n ≤ K) c_n s T_n(L̃)  +  α · s V Vᵀ ) D_i^β,
// with T_n the Chebyshev polynomials (T_0 = I, T_1 = L̃, T_n = 2 L̃ T_(n−1) − T_(n−2)), V the top-η right
// singular vectors of R̃ (an ideal pass filter), and c_n the Chebyshev interpolation of a "plateau" transfer
// function of flatness φ over L̃'s spectrum t:
//   h(t) = ½ + ½ (−t)^φ for t < 0,   h(t) = ½ − ½ t^φ for t ≥ 0,
// which keeps the smooth graph signals (t = −1, P's eigenvalue 1) and removes the rough ones (t = 1)
// with a flat top instead of GF-CF's hard cut-off. As in the authors' code, h is taken at the K + 1
// points cos((K − j)π / K) (j = 0 … K, rounded to three decimals, h rounded too) and interpolated at the
// K + 1 Chebyshev nodes of the first kind: c_n = 2/(K+1) Σ_k h_k T_n(x_k), c_0 halved. A user costs K
// products with P and the rank-η product. The authors' Gowalla setting is the default (K 8, φ 1.5,
// η 512, α 0.2, β 0.4); their reported Gowalla figures: Recall@20 0.1941, NDCG@20 0.1616.
import { defineModel } from "../definition";
import type { History } from "../history";
import { FILTER_FAST_PARAMS, FILTER_MODEL, GraphFilterModel, filterMemory, filterParams } from "./graphFilter";
import { itemPower, type FilterDevice, type Slot } from "./graphFilterDevice";

const params = {
  order: { type: "int", default: 8, min: 1, max: 64, description: "Order K of the Chebyshev interpolation (K products with the item graph per user)" },
  flatness: { type: "float", default: 1.5, min: 0.01, max: 100, description: "Flatness φ of the plateau transfer function (larger: closer to a step)" },
  rank: { type: "int", default: 512, min: 0, max: 4096, description: "Singular vectors η of the ideal pass filter (clipped to min(users, items); 0: none)" },
  idealWeight: { type: "float", default: 0.2, min: 0, max: 100, description: "Weight α of the ideal pass filter" },
  degreeExponent: { type: "float", default: 0.4, min: 0, max: 2, description: "β of the degree normalisation: the row is scaled by d_i^-β before filtering and the scores by d_i^β after" },
  ...filterParams,
} as const;

interface ChebycfParams {
  order: number;
  flatness: number;
  rank: number;
  idealWeight: number;
  degreeExponent: number;
  tune: boolean;
  oversample: number;
  powerIterations: number;
  threads: number;
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** The interpolation coefficients c_0 … c_K of the plateau function (see the header). */
export function chebyshevCoefficients(order: number, flatness: number): Float64Array {
  const k = order;
  const target = Array.from({ length: k + 1 }, (_, j) => {
    const t = round3(Math.cos(((k - j) / k) * Math.PI));
    return round3(t < 0 ? 0.5 + 0.5 * Math.pow(-t, flatness) : 0.5 - 0.5 * Math.pow(t, flatness));
  });
  const nodes = Array.from({ length: k + 1 }, (_, m) => Math.cos(((k + 1 + 0.5 - (m + 1)) / (k + 1)) * Math.PI));
  const coefficients = new Float64Array(k + 1);
  nodes.forEach((x, m) => {
    // T_n(x) by the recurrence.
    let previous = 1;
    let current = x;
    for (let n = 0; n <= k; n++) {
      const value = n === 0 ? 1 : n === 1 ? x : 2 * x * current - previous;
      if (n >= 2) {
        previous = current;
        current = value;
      }
      coefficients[n] += target[m] * value;
    }
  });
  for (let n = 0; n <= k; n++) coefficients[n] *= 2 / (k + 1);
  coefficients[0] /= 2;
  return coefficients;
}

/** Slots: 0 and 1 hold T_(n−2) and T_(n−1) in turn, 2 the product with P, 3 the sum. */
const [PRODUCT, SUM] = [2, 3];

export class ChebycfRecommender extends GraphFilterModel<ChebycfParams> {
  readonly name = "chebycf";
  private coefficients: Float64Array | undefined;
  /** d_i^-β and d_i^β of the graph on `device` (recomputed for another device: a refit, the validation graph). */
  private degrees: { device: FilterDevice; pre: Float32Array; post: Float32Array } | undefined;

  protected filter(device: FilterDevice, histories: readonly History[]): Slot {
    const p = this.params;
    this.coefficients ??= chebyshevCoefficients(p.order, p.flatness);
    const c = this.coefficients;
    if (this.degrees?.device !== device) this.degrees = { device, pre: itemPower(device.graph, -p.degreeExponent), post: itemPower(device.graph, p.degreeExponent) };
    const { pre, post } = this.degrees;
    // s = x D^-β in slot 0 (T_0); T_1 = s − 2 s P in slot 1.
    device.scaleItems(0, pre);
    device.combine(SUM, c[0], 0, 0, 0);
    device.propagateRows(histories, PRODUCT, pre);
    device.combine(1, 1, 0, -2, PRODUCT);
    device.combine(SUM, 1, SUM, c[1], 1);
    let [older, newer] = [0, 1];
    for (let n = 2; n <= p.order; n++) {
      // T_n = 2 T_(n−1) − 4 T_(n−1) P − T_(n−2), into T_(n−2)'s slot.
      device.propagate(newer, PRODUCT);
      device.combine(PRODUCT, 2, newer, -4, PRODUCT);
      device.combine(older, 1, PRODUCT, -1, older);
      device.combine(SUM, 1, SUM, c[n], older);
      [older, newer] = [newer, older];
    }
    device.scaleItems(SUM, post);
    // The ideal pass on s, scaled back: α x D^-β V Vᵀ D^β (the low-pass term with exponent β).
    if (device.k > 0 && this.lowPassWeight !== 0) device.lowPass(histories, SUM, this.lowPassWeight);
    return SUM;
  }

  protected weightParam(): number {
    return this.params.idealWeight;
  }

  protected override lowPassExponent(): number {
    return this.params.degreeExponent;
  }
}

export const chebycf = defineModel({
  name: "chebycf",
  description: "ChebyCF: Chebyshev-interpolated plateau low-pass filter of the item graph plus an ideal pass filter, with degree normalisation; training-free, instant fold-in",
  paper: "Kim et al., Graph Spectral Filtering with Chebyshev Interpolation for Recommendation, SIGIR 2025",
  ...FILTER_MODEL,
  params,
  fastParams: { ...FILTER_FAST_PARAMS, order: 4 },
  // Training-free: the graph, the SVD of rank p.rank and the filter device (graphFilter.ts).
  memory: filterMemory,
  create: (p) => new ChebycfRecommender(p),
});
