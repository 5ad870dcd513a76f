// GMF — Generalized Matrix Factorization: X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua,
// "Neural Collaborative Filtering", WWW 2017, §3.2. logit(u, i) = hᵀ(p_u ⊙ q_i) + b.
// Loss: implicit mode, binary cross-entropy over observed pairs and `negatives` sampled
// unobserved items per pair (the paper's); explicit mode, mean squared error on ratings with
// ŷ = μ + b_u + b_i + logit. Both add l2 · Σ‖embedding rows of the batch‖² / batch size.
// Implementation shared with MLP and NeuMF in ncf.ts.
import { defineNcf } from "./ncf";
import { NCF_BASE_PARAMS } from "./ncfParams";

export const gmf = defineNcf(
  "gmf",
  "GMF (NCF): learned weighting of the element-wise product of user and item embeddings; BCE with sampled negatives, or MSE on ratings",
  { ...NCF_BASE_PARAMS },
  { factors: 8, epochs: 40, batchSize: 64, lr: 0.01, validationFraction: 0 },
);
