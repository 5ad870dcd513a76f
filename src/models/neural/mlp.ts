// MLP (NCF): X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua, "Neural Collaborative
// Filtering", WWW 2017, §3.3. logit(u, i) = hᵀ ReLU(W_L ⋯ ReLU(W_1 [p_u ; q_i] + b_1) ⋯ + b_L) + b,
// a tower halving from f·2^(L−1) to f. Loss: implicit mode, binary cross-entropy over observed
// pairs and `negatives` sampled unobserved items per pair (the paper's); explicit mode, mean
// squared error on ratings with ŷ = μ + b_u + b_i + logit. Both add l2 · Σ‖embedding rows of the
// batch‖² / batch size. Implementation shared with GMF and NeuMF in ncf.ts.
import { defineNcf } from "./ncf";
import { NCF_BASE_PARAMS, NCF_LAYER_PARAMS } from "./ncfParams";

export const mlp = defineNcf(
  "mlp",
  "MLP (NCF): a ReLU tower over concatenated user and item embeddings; BCE with sampled negatives, or MSE on ratings",
  { ...NCF_BASE_PARAMS, ...NCF_LAYER_PARAMS },
  { factors: 8, layers: 2, epochs: 40, batchSize: 64, lr: 0.01, validationFraction: 0 },
);
