// Content-based filtering with a vector-space item profile: M. Pazzani, D. Billsus,
// "Content-Based Recommendation Systems", in The Adaptive Web, LNCS 4321, 2007; TF-IDF weighting
// as in G. Salton, C. Buckley, "Term-Weighting Approaches in Automatic Text Retrieval",
// Information Processing & Management 24(5), 1988.
// Item vector x_i: four blocks, each L2-normalised, scaled by its weight, then the whole vector
// L2-normalised:
//   genres (one-hot) | tags (TF-IDF) | title words (TF-IDF, stop words and the "(year)" removed) | decade (one-hot)
//   idf(f) = ln((N + 1) / (df(f) + 1)) + 1 over the N training items.
// User profile: v_u = Σ_(i∈R(u)) w_ui x_i with w_ui = r_ui − b̄_u for explicit ratings (b̄_u: the
// user's mean shrunk toward the global mean, so a user who rated everything 5 still has a
// positive profile) and w_ui = r_ui (usually 1) for implicit data. Score: cos(v_u, x_j) = v_u·x_j/‖v_u‖.
// No collaborative signal: items need only content, so brand-new items are scored at once
// (extendItems), and any history folds in.
import { defineModel } from "../definition";
import { trainingMatrix } from "../memory";
import { CONTENT_CAPABILITIES, CONTENT_PARAMS, ContentBased, contentMemory } from "./common";

export const content = defineModel({
  name: "content",
  family: "content",
  description: "Content-based: TF-IDF/one-hot item vectors (genres, tags, title words, decade); user profile = rating-weighted sum; cosine",
  paper: "M. Pazzani, D. Billsus. Content-Based Recommendation Systems. The Adaptive Web, 2007",
  feedback: "both",
  capabilities: CONTENT_CAPABILITIES,
  params: CONTENT_PARAMS,
  fastParams: {},
  // The item vectors; the training rows are kept as they are (no copy).
  memory: (shape) => [trainingMatrix(shape), contentMemory(shape)],
  create: (p) => new ContentBased(p),
});
