// P3α — C. Cooper, S. H. Lee, T. Radzik, Y. Siantos. "Random Walks in Recommender Systems: Exact
// Computation and Simulations". WWW 2014 (companion, RAPIDS workshop).
//
// Rule: the probability that a three-step random walk user → item → user → item arrives at item j,
// with each transition probability (1/degree) raised to the power α:
//   W_ij = Σ_u P(i→u)^α P(u→j)^α,   score(u, j) = Σ_{i ∈ items(u)} W_ij,
// the top-k W_ij of each item kept. It is RP3β with β = 0 (src/models/graph/randomWalk.ts).
import { defineModel } from "../definition";
import type { ParamsOf } from "../params";
import { RandomWalkRecommender, randomWalkParams } from "./randomWalk";

const { beta: _beta, ...withoutBeta } = randomWalkParams;
export const p3alphaParams = withoutBeta;

export class P3Alpha extends RandomWalkRecommender<ParamsOf<typeof p3alphaParams>> {
  readonly name = "p3alpha";
}

export const p3alpha = defineModel({
  name: "p3alpha",
  family: "graph",
  description: "P3alpha: three-step random-walk item similarity with transition probabilities raised to alpha; training-free",
  paper: "Cooper et al., Random Walks in Recommender Systems: Exact Computation and Simulations, WWW 2014 companion",
  feedback: "implicit",
  capabilities: {
    personalized: true,
    ratingPrediction: false,
    similarItems: true,
    foldIn: true,
    sequential: false,
    coldStartItems: false,
    usesContent: false,
  },
  params: p3alphaParams,
  fastParams: { topK: 20 },
  create: (p: ParamsOf<typeof p3alphaParams>) => new P3Alpha(p),
});
