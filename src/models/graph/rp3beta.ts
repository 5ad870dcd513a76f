// RP3β — B. Paudel, F. Christoffel, C. Newell, A. Bernstein. "Updatable, Accurate, Diverse, and
// Scalable Recommendations for Interactive Applications". ACM Transactions on Interactive
// Intelligent Systems 7(1), 2017.
//
// Rule: a three-step random walk user → item → user → item on the bipartite graph with
// transition probabilities P(u→i) = 1/deg(u), P(i→u) = 1/deg(i), each raised to α, re-ranked by
// dividing the walk's arrival probability at item j by pop(j)^β (β > 0 lifts long-tail items):
//   W_ij = Σ_u P(i→u)^α P(u→j)^α / deg(j)^β,   score(u, j) = Σ_{i ∈ items(u)} W_ij,
// with only the top-k W_ij of each item i kept (sparse). Training-free: fit computes W once
// (src/models/graph/randomWalk.ts); fold-in and similar items read W directly.
import { defineModel } from "../definition";
import { RANDOM_WALK_MODEL, RandomWalkRecommender, randomWalkMemory, randomWalkParams as params } from "./randomWalk";

export const rp3beta = defineModel({
  name: "rp3beta",
  description: "RP3beta: three-step random-walk item similarity re-ranked by popularity^beta; training-free",
  paper: "Paudel et al., Updatable, Accurate, Diverse, and Scalable Recommendations for Interactive Applications, ACM TiiS 2017",
  ...RANDOM_WALK_MODEL,
  params,
  // Training-free: the walk and the kept neighbour lists (randomWalk.ts).
  memory: randomWalkMemory,
  create: (p) => new RandomWalkRecommender("rp3beta", p),
});
