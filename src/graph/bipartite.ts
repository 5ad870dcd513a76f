// The bipartite user–item graph (graphology), the source of truth for the graph side:
// construction from a Dataset or an Interactions matrix, neighbourhoods, incremental updates
// when a rating is added, changed or removed, and flattening to CSR typed arrays (Interactions,
// Â) for the maths. Statistics and the CSR are cached per graph version and rebuilt lazily
// after an update (an update costs O(1) graphology work plus a version bump).
//
// Node keys. Users and items live in one graphology graph, so their keys must not collide
// (MovieLens has a user "1" and an item "1"). Keys are integer strings: user index u → "2u",
// item index i → "2i+1"; the external id and the kind are node attributes (`id`, `type`) and
// the IdMaps give index ↔ id. Integer-like keys are stored by V8 as array indices, not as
// named properties: building Gowalla train+test (1,027,370 edges) measured 40 µs per edge with
// "u:<id>"/"i:<id>" keys against 8–24 µs per edge with integer keys (2 cores, loaded machine;
// `npm run bench:graph -- --build` reproduces the build time).
import { UndirectedGraph } from "graphology";
import type { Dataset } from "../data/dataset";
import { IdMap } from "../data/idMap";
import { Interactions } from "../data/interactions";
import { NotFoundError, ValidationError } from "../errors";
import type { CsrMatrix } from "../math/sparse";
import { normalizedAdjacency, normalizedBipartite, type AdjacencyOptions, type NormalizedBipartite } from "./adjacency";
import { graphStats, type GraphStats } from "./stats";

export type NodeKind = "user" | "item";

export interface GraphNodeAttributes {
  type: NodeKind;
  /** External id (the data set's own). */
  id: string;
  /** Dense index (row of the interaction matrix for users, column for items). */
  index: number;
  /** Weighted degree: sum of the weights of the node's edges. */
  strength: number;
}

export interface GraphEdgeAttributes {
  /** The interaction value: a rating, or 1 for implicit feedback. */
  rating: number;
  /** Unix seconds, or null when unknown. */
  timestamp: number | null;
  /** Weight used by the normalised adjacency and path weights (1, or the rating). */
  weight: number;
}

/** "none": every edge weighs 1; "rating": an edge weighs its rating value. */
export type EdgeWeighting = "none" | "rating";

export interface GraphOptions {
  weighting?: EdgeWeighting;
}

export type BipartiteGraph = UndirectedGraph<GraphNodeAttributes, GraphEdgeAttributes>;

export function userKey(index: number): string {
  return String(2 * index);
}

export function itemKey(index: number): string {
  return String(2 * index + 1);
}

/** Kind and dense index of a node key. */
export function parseNodeKey(key: string): { type: NodeKind; index: number } {
  const n = Number(key);
  return n % 2 === 0 ? { type: "user", index: n / 2 } : { type: "item", index: (n - 1) / 2 };
}

export interface UpsertResult {
  user: number;
  item: number;
  /** True when the edge is new (false: its rating/timestamp were updated). */
  created: boolean;
  /** The previous rating when the edge existed. */
  previous?: number;
  newUser: boolean;
  newItem: boolean;
}

export class InteractionGraph {
  readonly graph: BipartiteGraph;
  readonly users: IdMap;
  readonly items: IdMap;
  readonly weighting: EdgeWeighting;
  private versionNumber = 0;
  private csr: { version: number; interactions: Interactions } | undefined;
  private statsCache: { version: number; stats: GraphStats } | undefined;
  private adjacencyCache = new Map<string, { version: number; matrix: CsrMatrix }>();

  private constructor(users: IdMap, items: IdMap, weighting: EdgeWeighting) {
    this.graph = new UndirectedGraph<GraphNodeAttributes, GraphEdgeAttributes>({ multi: false, allowSelfLoops: false });
    this.users = users;
    this.items = items;
    this.weighting = weighting;
  }

  /** The graph of a data set (its id maps are copied: later updates do not touch the Dataset). */
  static fromDataset(dataset: Pick<Dataset, "interactions" | "users" | "items">, options: GraphOptions = {}): InteractionGraph {
    return InteractionGraph.fromInteractions(dataset.interactions, { ...options, userIds: dataset.users.toArray(), itemIds: dataset.items.toArray() });
  }

  /**
   * The graph of an interaction matrix. External ids default to the indices as strings.
   * Every user and item becomes a node, also those without interactions.
   */
  static fromInteractions(interactions: Interactions, options: GraphOptions & { userIds?: readonly string[]; itemIds?: readonly string[] } = {}): InteractionGraph {
    const weighting = options.weighting ?? "none";
    if (weighting !== "none" && weighting !== "rating") throw new ValidationError("weighting", weighting, "none or rating");
    const userIds = options.userIds ?? Array.from({ length: interactions.nUsers }, (_, u) => String(u));
    const itemIds = options.itemIds ?? Array.from({ length: interactions.nItems }, (_, i) => String(i));
    if (userIds.length !== interactions.nUsers) throw new ValidationError("userIds.length", userIds.length, `nUsers = ${interactions.nUsers}`);
    if (itemIds.length !== interactions.nItems) throw new ValidationError("itemIds.length", itemIds.length, `nItems = ${interactions.nItems}`);
    const g = new InteractionGraph(IdMap.from(userIds), IdMap.from(itemIds), weighting);
    if (g.users.size !== userIds.length || g.items.size !== itemIds.length) throw new ValidationError("ids", "duplicates", "distinct external ids");
    const graph = g.graph;
    const { indptr, indices, values, times } = interactions;
    const userStrength = new Float64Array(interactions.nUsers);
    const itemStrength = new Float64Array(interactions.nItems);
    for (let u = 0; u < interactions.nUsers; u++) {
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const w = g.weightOf(values[k]);
        userStrength[u] += w;
        itemStrength[indices[k]] += w;
      }
    }
    for (let u = 0; u < interactions.nUsers; u++) graph.addNode(userKey(u), { type: "user", id: userIds[u], index: u, strength: userStrength[u] });
    for (let i = 0; i < interactions.nItems; i++) graph.addNode(itemKey(i), { type: "item", id: itemIds[i], index: i, strength: itemStrength[i] });
    for (let u = 0; u < interactions.nUsers; u++) {
      const source = userKey(u);
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const t = times ? times[k] : Number.NaN;
        graph.addEdge(source, itemKey(indices[k]), { rating: values[k], timestamp: Number.isNaN(t) ? null : t, weight: g.weightOf(values[k]) });
      }
    }
    // The input is already the canonical CSR of this graph.
    g.csr = { version: 0, interactions };
    return g;
  }

  /** Bumped by every update; caches keyed by it are rebuilt lazily. */
  get version(): number {
    return this.versionNumber;
  }

  get nUsers(): number {
    return this.users.size;
  }

  get nItems(): number {
    return this.items.size;
  }

  get nEdges(): number {
    return this.graph.size;
  }

  weightOf(rating: number): number {
    return this.weighting === "rating" ? rating : 1;
  }

  userIndex(id: string): number | undefined {
    return this.users.index(id);
  }

  itemIndex(id: string): number | undefined {
    return this.items.index(id);
  }

  /** Index of a known user; NotFoundError otherwise. */
  requireUser(id: string): number {
    const index = this.users.index(id);
    if (index === undefined) throw new NotFoundError("user", id);
    return index;
  }

  requireItem(id: string): number {
    const index = this.items.index(id);
    if (index === undefined) throw new NotFoundError("item", id);
    return index;
  }

  checkUser(user: number): void {
    if (!Number.isInteger(user) || user < 0 || user >= this.nUsers) throw new ValidationError("user", user, `an index in 0–${this.nUsers - 1}`);
  }

  checkItem(item: number): void {
    if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new ValidationError("item", item, `an index in 0–${this.nItems - 1}`);
  }

  /** Weighted degree of a user (sum of its edge weights). */
  userStrength(user: number): number {
    this.checkUser(user);
    return this.graph.getNodeAttribute(userKey(user), "strength");
  }

  itemStrength(item: number): number {
    this.checkItem(item);
    return this.graph.getNodeAttribute(itemKey(item), "strength");
  }

  /** The edge (user, item), or undefined. */
  edge(user: number, item: number): GraphEdgeAttributes | undefined {
    const key = this.graph.edge(userKey(user), itemKey(item));
    return key === undefined ? undefined : this.graph.getEdgeAttributes(key);
  }

  /** Items of a user with their edge attributes (graph order, not sorted). */
  userNeighbors(user: number): { items: Int32Array; ratings: Float32Array; weights: Float32Array } {
    this.checkUser(user);
    return this.neighbors(userKey(user), "user");
  }

  /** Users of an item with their edge attributes. */
  itemNeighbors(item: number): { users: Int32Array; ratings: Float32Array; weights: Float32Array } {
    this.checkItem(item);
    const n = this.neighbors(itemKey(item), "item");
    return { users: n.items, ratings: n.ratings, weights: n.weights };
  }

  private neighbors(key: string, kind: NodeKind): { items: Int32Array; ratings: Float32Array; weights: Float32Array } {
    const degree = this.graph.degree(key);
    const items = new Int32Array(degree);
    const ratings = new Float32Array(degree);
    const weights = new Float32Array(degree);
    let p = 0;
    this.graph.forEachEdge(key, (_edge, attributes, _source, _target, sourceAttributes, targetAttributes) => {
      const other = sourceAttributes.type === kind ? targetAttributes : sourceAttributes;
      items[p] = other.index;
      ratings[p] = attributes.rating;
      weights[p++] = attributes.weight;
    });
    return { items, ratings, weights };
  }

  /** Adds a user node when the id is new; returns its index. */
  addUser(id: string): number {
    return this.addNode("user", this.users, userKey, id);
  }

  /** Adds an item node when the id is new; returns its index. */
  addItem(id: string): number {
    return this.addNode("item", this.items, itemKey, id);
  }

  private addNode(type: NodeKind, ids: IdMap, key: (index: number) => string, id: string): number {
    const known = ids.index(id);
    if (known !== undefined) return known;
    const index = ids.add(id);
    this.graph.addNode(key(index), { type, id, index, strength: 0 });
    this.touch();
    return index;
  }

  /**
   * Adds the interaction (user, item) or updates its rating and timestamp. Unknown ids become
   * new nodes (indices continue from nUsers / nItems). Strengths stay exact; the CSR, the
   * adjacency and the statistics are invalidated (rebuilt on next use).
   */
  upsertInteraction(userId: string, itemId: string, rating = 1, timestamp: number | null = null): UpsertResult {
    if (!Number.isFinite(rating)) throw new ValidationError("rating", rating, "a finite number");
    if (this.weighting === "rating" && !(rating > 0)) throw new ValidationError("rating", rating, "a positive number (edges are weighted by rating)");
    const newUser = !this.users.has(userId);
    const newItem = !this.items.has(itemId);
    const user = this.addUser(userId);
    const item = this.addItem(itemId);
    const uKey = userKey(user);
    const iKey = itemKey(item);
    const weight = this.weightOf(rating);
    const existing = this.graph.edge(uKey, iKey);
    let previous: number | undefined;
    let delta = weight;
    if (existing === undefined) {
      this.graph.addEdge(uKey, iKey, { rating, timestamp, weight });
    } else {
      const old = this.graph.getEdgeAttributes(existing);
      previous = old.rating;
      delta = weight - old.weight;
      this.graph.replaceEdgeAttributes(existing, { rating, timestamp, weight });
    }
    if (delta !== 0) {
      this.graph.updateNodeAttribute(uKey, "strength", (s) => (s ?? 0) + delta);
      this.graph.updateNodeAttribute(iKey, "strength", (s) => (s ?? 0) + delta);
    }
    this.touch();
    return { user, item, created: existing === undefined, previous, newUser, newItem };
  }

  /** Removes the interaction; false when it did not exist. Nodes stay (indices are stable). */
  removeInteraction(userId: string, itemId: string): boolean {
    const user = this.users.index(userId);
    const item = this.items.index(itemId);
    if (user === undefined || item === undefined) return false;
    const uKey = userKey(user);
    const iKey = itemKey(item);
    const existing = this.graph.edge(uKey, iKey);
    if (existing === undefined) return false;
    const weight = this.graph.getEdgeAttribute(existing, "weight");
    this.graph.dropEdge(existing);
    this.graph.updateNodeAttribute(uKey, "strength", (s) => (s ?? 0) - weight);
    this.graph.updateNodeAttribute(iKey, "strength", (s) => (s ?? 0) - weight);
    this.touch();
    return true;
  }

  private touch(): void {
    this.versionNumber++;
  }

  /** The graph as a canonical CSR interaction matrix (values = ratings), cached per version. */
  toInteractions(): Interactions {
    if (this.csr && this.csr.version === this.versionNumber) return this.csr.interactions;
    const nUsers = this.nUsers;
    const m = this.nEdges;
    const users = new Int32Array(m);
    const items = new Int32Array(m);
    const values = new Float32Array(m);
    const times = new Float64Array(m);
    let anyTime = false;
    let p = 0;
    this.graph.forEachEdge((_edge, attributes, _source, _target, sourceAttributes, targetAttributes) => {
      const [user, item] = sourceAttributes.type === "user" ? [sourceAttributes, targetAttributes] : [targetAttributes, sourceAttributes];
      users[p] = user.index;
      items[p] = item.index;
      values[p] = attributes.rating;
      times[p++] = attributes.timestamp ?? Number.NaN;
      if (attributes.timestamp !== null) anyTime = true;
    });
    const interactions = Interactions.fromTriples(nUsers, this.nItems, { users, items, values, times: anyTime ? times : undefined });
    this.csr = { version: this.versionNumber, interactions };
    return interactions;
  }

  /** Â = D^-1/2 A D^-1/2 over users ∪ items (users first), weighted as the graph is; cached per version. */
  normalizedAdjacency(options: Pick<AdjacencyOptions, "selfLoops"> = {}): CsrMatrix {
    const key = `loops=${options.selfLoops ?? false}`;
    const cached = this.adjacencyCache.get(key);
    if (cached && cached.version === this.versionNumber) return cached.matrix;
    const matrix = normalizedAdjacency(this.toInteractions(), { weighted: this.weighting === "rating", selfLoops: options.selfLoops });
    this.adjacencyCache.set(key, { version: this.versionNumber, matrix });
    return matrix;
  }

  /** The user→item block of Â with the degree vectors. */
  normalizedBipartite(): NormalizedBipartite {
    return normalizedBipartite(this.toInteractions(), { weighted: this.weighting === "rating" });
  }

  /** Degree distributions, density, components (cached per version). */
  stats(): GraphStats {
    if (this.statsCache && this.statsCache.version === this.versionNumber) return this.statsCache.stats;
    const stats = graphStats(this.toInteractions());
    this.statsCache = { version: this.versionNumber, stats };
    return stats;
  }
}
