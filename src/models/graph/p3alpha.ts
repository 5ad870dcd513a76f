// P3α — C. Cooper, S. H. Lee, T. Radzik, Y. Siantos. "Random Walks in Recommender Systems: Exact
// Computation and Simulations". WWW 2014 (companion, RAPIDS workshop).
//
// Rule: the probability that a three-step random walk user → item → user → item arrives at item j,
// with each transition probability (1/degree) raised to the power α:
//   W_ij = Σ_u P(i→u)^α P(u→j)^α,   score(u, j) = Σ_{i ∈ items(u)} W_ij,
// the top-k W_ij of each item kept. It is RP3β with β = 0 (src/models/graph/randomWalk.ts).
import { defineModel } from "../definition";
import { RANDOM_WALK_MODEL, RandomWalkRecommender, randomWalkMemory, randomWalkParams } from "./randomWalk";

// No β: the walk's β is 0.
const { beta: _beta, ...params } = randomWalkParams;

export const p3alpha = defineModel({
  name: "p3alpha",
  description: "P3alpha: three-step random-walk item similarity with transition probabilities raised to alpha; training-free",
  paper: "Cooper et al., Random Walks in Recommender Systems: Exact Computation and Simulations, WWW 2014 companion",
  ...RANDOM_WALK_MODEL,
  params,
  // Training-free: the walk and the kept neighbour lists (randomWalk.ts).
  memory: randomWalkMemory,
  create: (p) => new RandomWalkRecommender("p3alpha", p),
});
