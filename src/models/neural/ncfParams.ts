// Settings of the three Neural Collaborative Filtering models (He et al., WWW 2017): the
// parameter schemas gmf.ts, mlp.ts and neumf.ts declare (GMF ignores the MLP's layers, only NeuMF
// pre-trains), the defaults of a directly constructed model, and their shared capabilities.
import { capabilities } from "../definition";
import { validationFractionParam } from "./common";

export type NcfVariant = "gmf" | "mlp" | "neumf";
export const NCF_MODES = ["auto", "explicit", "implicit"] as const;
export type NcfMode = (typeof NCF_MODES)[number];

/** Every setting of the three models. */
export interface NcfConfig {
  mode: NcfMode;
  factors: number;
  layers: number;
  negatives: number;
  epochs: number;
  batchSize: number;
  lr: number;
  l2: number;
  validationFraction: number;
  patience: number;
  validationUsers: number;
  pretrain: boolean;
  alpha: number;
  finetuneLr: number;
}

export const NCF_BASE_PARAMS = {
  mode: { type: "enum", default: "auto", values: NCF_MODES, description: "auto: explicit (MSE on ratings) when the training data are ratings, else implicit (BCE with sampled negatives)" },
  factors: { type: "int", default: 16, min: 1, max: 1024, description: "Predictive factors f: GMF embedding size and the MLP's last layer" },
  negatives: { type: "int", default: 4, min: 1, max: 100, description: "Implicit mode: sampled unobserved items per observed pair, per epoch (paper: 4)" },
  epochs: { type: "int", default: 100, min: 1, max: 10000, description: "Maximum epochs (early stopping on the validation split usually ends sooner)" },
  batchSize: { type: "int", default: 256, min: 1, max: 65536, description: "Training pairs per Adam step" },
  lr: { type: "float", default: 0.001, min: 1e-6, max: 1, description: "Adam learning rate" },
  l2: { type: "float", default: 0, min: 0, max: 10, description: "L2 penalty on the embedding rows of each batch (per pair)" },
  validationFraction: validationFractionParam("Share of each user's training interactions held out for early stopping (RMSE explicit, NDCG@20 implicit); 0 = none, all epochs run"),
  patience: { type: "int", default: 3, min: 0, max: 1000, description: "Epochs without validation improvement before stopping (0 = never stop early); the best epoch's weights are kept" },
  validationUsers: { type: "int", default: 1000, min: 1, max: 1_000_000, description: "Implicit mode: at most this many users (seeded sample) are ranked for validation" },
} as const;

export const NCF_LAYER_PARAMS = {
  layers: { type: "int", default: 3, min: 1, max: 8, description: "MLP hidden layers L; sizes f·2^(L−1), …, 2f, f (embeddings f·2^(L−1) each)" },
} as const;

export const NEUMF_PRETRAIN_PARAMS = {
  pretrain: { type: "bool", default: false, description: "Initialise from separately trained GMF and MLP (paper §3.4.1), then fine-tune with SGD" },
  alpha: { type: "float", default: 0.5, min: 0, max: 1, description: "Pre-training: weight of GMF's output layer against MLP's (1 − α)" },
  finetuneLr: { type: "float", default: 0.05, min: 1e-6, max: 10, description: "Pre-training: SGD learning rate of the fine-tuning phase" },
} as const;

/** Settings of a model constructed with partial parameters (the registry always passes them all). */
export const NCF_DEFAULTS: Omit<NcfConfig, "mode"> = {
  factors: 16,
  layers: 3,
  negatives: 4,
  epochs: 100,
  batchSize: 256,
  lr: 0.001,
  l2: 0,
  validationFraction: 0.1,
  patience: 3,
  validationUsers: 1000,
  pretrain: false,
  alpha: 0.5,
  finetuneLr: 0.05,
};

/** Declared capabilities; a model trained in implicit mode predicts no ratings (NcfRecommender.capabilities). */
export const NCF_CAPABILITIES = capabilities("personalized", "ratingPrediction");
