// The graph layer: the bipartite user–item graph (graphology) and its CSR exports, statistics
// and neighbourhood queries. Models import the CSR helpers; services and the API the graph.
export {
  InteractionGraph,
  itemKey,
  parseNodeKey,
  userKey,
  type BipartiteGraph,
  type EdgeWeighting,
  type GraphEdgeAttributes,
  type GraphNodeAttributes,
  type GraphOptions,
  type NodeKind,
  type UpsertResult,
} from "./bipartite";
export { degrees, normalizedAdjacency, normalizedBipartite, randomWalkAdjacency, type AdjacencyOptions, type NormalizedBipartite } from "./adjacency";
export { connectedComponents, graphStats, summarizeDegrees, type ComponentSummary, type DegreeSummary, type GraphStats } from "./stats";
export {
  explainPaths,
  explainPathsById,
  graphSimilarItems,
  type ExplainOptions,
  type PathGraph,
  type Explanation,
  type ExplanationById,
  type GraphPath,
  type SimilarItem,
  type SupportingItem,
} from "./explain";
