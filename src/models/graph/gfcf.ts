// GF-CF — Y. Shen, Y. Wu, Y. Zhang, C. Shan, J. Zhang, K. B. Letaief, D. Li. "How Powerful is Graph
// Convolution for Recommendation?" CIKM 2021.
//
// Filter: with R̃ = D_u^-1/2 R D_i^-1/2 the normalised user–item graph and V its top-k right
// singular vectors, a user with interaction row x scores
//   s(x) = x R̃ᵀR̃  +  α · x D_i^-1/2 V Vᵀ D_i^1/2,
// a linear low-pass filter (the graph convolution LightGCN learns, computed in closed form) plus an
// ideal low-pass filter keeping the k smoothest graph frequencies. No training: fit is the
// normalisation and a randomized truncated SVD (math/svd.ts), and every score is a function of the
// row as it is now, so a new rating is folded in at once. The paper's setting for Gowalla, Yelp
// and Amazon-Book is k = 256, α = 0.3 (the defaults). The shared machinery (never a dense
// items × items matrix; the device; fold-in; similar items as the filter's row): graphFilter.ts.
import { defineModel } from "../definition";
import type { History } from "../history";
import { FILTER_FAST_PARAMS, FILTER_MODEL, GraphFilterModel, filterMemory, filterParams } from "./graphFilter";
import type { FilterDevice, Slot } from "./graphFilterDevice";

const params = {
  alpha: { type: "float", default: 0.3, min: 0, max: 100, description: "Weight α of the ideal low-pass term (0: the linear filter alone)" },
  rank: { type: "int", default: 256, min: 0, max: 4096, description: "Singular vectors k of the ideal low-pass filter (clipped to min(users, items); 0: none)" },
  ...filterParams,
} as const;

type GfcfParams = { alpha: number; rank: number; tune: boolean; oversample: number; powerIterations: number; threads: number };

export class GfcfRecommender extends GraphFilterModel<GfcfParams> {
  readonly name = "gfcf";

  protected filter(device: FilterDevice, histories: readonly History[]): Slot {
    device.propagateRows(histories, 1);
    if (device.k > 0 && this.lowPassWeight !== 0) device.lowPass(histories, 1, this.lowPassWeight);
    return 1;
  }

  protected weightParam(): number {
    return this.params.alpha;
  }
}

export const gfcf = defineModel({
  name: "gfcf",
  description: "GF-CF: closed-form graph filter (normalised item-item filter plus an ideal low-pass from a truncated SVD); training-free, instant fold-in",
  paper: "Shen et al., How Powerful is Graph Convolution for Recommendation?, CIKM 2021",
  ...FILTER_MODEL,
  params,
  fastParams: FILTER_FAST_PARAMS,
  // Training-free: the graph, the SVD of rank p.rank and the filter device (graphFilter.ts).
  memory: filterMemory,
  create: (p) => new GfcfRecommender(p),
});
