// MLP (NCF): X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua, "Neural Collaborative
// Filtering", WWW 2017, §3.3. logit(u, i) = hᵀ ReLU(W_L ⋯ ReLU(W_1 [p_u ; q_i] + b_1) ⋯ + b_L) + b,
// a tower halving from f·2^(L−1) to f. Loss: implicit mode, binary cross-entropy over observed
// pairs and `negatives` sampled unobserved items per pair (the paper's); explicit mode, mean
// squared error on ratings with ŷ = μ + b_u + b_i + logit. Both add l2 · Σ‖embedding rows of the
// batch‖² / batch size. Implementation shared with GMF and NeuMF in ncf.ts.
import { defineModel } from "../definition";
import { NCF_BASE_PARAMS, NCF_LAYER_PARAMS, NcfRecommender, ncfCapabilities } from "./ncf";

const params = { ...NCF_BASE_PARAMS, ...NCF_LAYER_PARAMS } as const;

export const mlp = defineModel({
  name: "mlp",
  family: "neural",
  description: "MLP (NCF): a ReLU tower over concatenated user and item embeddings; BCE with sampled negatives, or MSE on ratings",
  paper: "X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua. Neural Collaborative Filtering. WWW 2017",
  feedback: "both",
  capabilities: ncfCapabilities(),
  params,
  fastParams: { factors: 8, layers: 2, epochs: 40, batchSize: 64, lr: 0.01, validationFraction: 0 },
  create: (p) => new NcfRecommender("mlp", p),
});
