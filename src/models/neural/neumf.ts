// NeuMF — Neural Matrix Factorization: X. He, L. Liao, H. Zhang, L. Nie, X. Hu, T.-S. Chua,
// "Neural Collaborative Filtering", WWW 2017, §3.4. logit(u, i) = hᵀ[φ_GMF ; φ_MLP] + b with
// separate GMF and MLP embeddings. Loss: implicit mode, binary cross-entropy over observed pairs
// and `negatives` sampled unobserved items per pair (the paper's); explicit mode, mean squared
// error on ratings with ŷ = μ + b_u + b_i + logit. Both add l2 · Σ‖embedding rows of the batch‖² /
// batch size. `pretrain` follows §3.4.1: GMF and MLP trained first, h = [α h_GMF ; (1 − α) h_MLP],
// then fine-tuning with vanilla SGD. Implementation shared with GMF and MLP in ncf.ts.
import { defineNcf } from "./ncf";
import { NCF_BASE_PARAMS, NCF_LAYER_PARAMS, NEUMF_PRETRAIN_PARAMS } from "./ncfParams";

export const neumf = defineNcf(
  "neumf",
  "NeuMF (NCF): GMF and MLP side by side under one output layer, optionally pre-trained; BCE with sampled negatives, or MSE on ratings",
  { ...NCF_BASE_PARAMS, ...NCF_LAYER_PARAMS, ...NEUMF_PRETRAIN_PARAMS },
  { factors: 8, layers: 2, epochs: 40, batchSize: 64, lr: 0.01, validationFraction: 0 },
);
