// Neighbourhood queries on the bipartite graph for explanations and graph-based similar items.
//
// Path weight. An edge (a, b) of weight w_ab counts w_ab / sqrt(s_a s_b), s = strength
// (weighted degree): the entry of the symmetric normalised adjacency Â. A path
// user → item' → user' → item weighs the product of its three edges, so the weights of all such
// paths sum to (Â³)_{user,item}, the three-hop term that LightGCN-style propagation adds to the
// user–item score. An item the user rated "supports" the target with the summed weight of the
// paths through it. Graph-based similar items use the two-hop sum (Â²)_{i,j} over shared users.
//
// They read any PathGraph: the graphology InteractionGraph (analysis, scripts), or the API's
// view of its live catalogue (src/services/catalogGraph.ts), typed arrays over the snapshot's
// CSR: at 25M interactions a graphology graph would take ~5 minutes (11.7 µs per edge,
// results/gowalla-graph-build.json) and several GB to build.
// Cost: Σ over the user's items of their degrees (explanations); Σ over the item's users of their
// degrees (similar items).
import { ValidationError } from "../errors";
import type { InteractionGraph } from "./bipartite";

/** A weighted bipartite graph by dense indices, as the path queries read it. */
export interface PathGraph {
  readonly nUsers: number;
  readonly nItems: number;
  /** The user's items, the user's rating of each, and the edge weights. */
  userNeighbors(user: number): { items: Int32Array; ratings: Float32Array; weights: Float32Array };
  /** The item's users and the edge weights. */
  itemNeighbors(item: number): { users: Int32Array; weights: Float32Array };
  /** Weighted degrees (sums of edge weights). */
  userStrength(user: number): number;
  itemStrength(item: number): number;
  /** The user's own interaction with the item, when there is one. */
  edge(user: number, item: number): { rating: number; timestamp: number | null } | undefined;
}

function checkIndex(field: "user" | "item", index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new ValidationError(field, index, `an index in 0–${size - 1}`);
}

export interface GraphPath {
  /** Dense indices: user → viaItem → viaUser → item. */
  user: number;
  viaItem: number;
  viaUser: number;
  item: number;
  /** Product of the three normalised edge weights. */
  weight: number;
}

export interface SupportingItem {
  /** An item the user interacted with. */
  item: number;
  /** The user's rating (1 for implicit feedback). */
  rating: number;
  /** Summed weight of the paths user → item → user' → target through it. */
  weight: number;
  /** Number of such paths (users who interacted with both items). */
  paths: number;
}

export interface Explanation {
  user: number;
  item: number;
  /** (Â³)_{user,item}: the sum of all path weights (0 when no three-hop path exists). */
  score: number;
  /** Number of distinct three-hop paths. */
  pathCount: number;
  /** The heaviest paths, heaviest first (ties: lower viaItem, then lower viaUser). */
  paths: GraphPath[];
  /** The user's items that support the target most, heaviest first. */
  supportingItems: SupportingItem[];
  /** The user's own interaction with the target, when there is one. */
  direct: { rating: number; timestamp: number | null } | null;
}

export interface ExplainOptions {
  /** Paths to return (default 5, 0–100). */
  maxPaths?: number;
  /** Supporting items to return (default 5, 0–100). */
  maxItems?: number;
}

function checkCount(value: number | undefined, field: string, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0 || v > 100) throw new ValidationError(field, v, "an integer in 0–100");
  return v;
}

/**
 * Why `item` for `user` (dense indices): user → item' → user' → item paths ranked by weight and
 * the user's items that most support `item`.
 */
export function explainPaths(graph: PathGraph, user: number, item: number, options: ExplainOptions = {}): Explanation {
  checkIndex("user", user, graph.nUsers);
  checkIndex("item", item, graph.nItems);
  const maxPaths = checkCount(options.maxPaths, "maxPaths", 5);
  const maxItems = checkCount(options.maxItems, "maxItems", 5);
  const sUser = graph.userStrength(user);
  const sTarget = graph.itemStrength(item);

  // Last hop: every user' of the target with the normalised weight of (user', target) and its strength.
  const lastHop = new Map<number, { weight: number; strength: number }>();
  const audience = graph.itemNeighbors(item);
  for (let p = 0; p < audience.users.length; p++) {
    const other = audience.users[p];
    if (other === user) continue;
    const strength = graph.userStrength(other);
    lastHop.set(other, { weight: audience.weights[p] / Math.sqrt(strength * sTarget), strength });
  }

  const top = new PathHeap(maxPaths);
  const supporting: SupportingItem[] = [];
  let score = 0;
  let pathCount = 0;
  const direct = graph.edge(user, item);
  if (lastHop.size > 0) {
    const history = graph.userNeighbors(user);
    for (let a = 0; a < history.items.length; a++) {
      const via = history.items[a];
      if (via === item) continue;
      const sVia = graph.itemStrength(via);
      const w1 = history.weights[a] / Math.sqrt(sUser * sVia);
      const viaUsers = graph.itemNeighbors(via);
      let weight = 0;
      let paths = 0;
      for (let b = 0; b < viaUsers.users.length; b++) {
        const other = viaUsers.users[b];
        const last = lastHop.get(other);
        if (last === undefined) continue;
        const w = w1 * (viaUsers.weights[b] / Math.sqrt(sVia * last.strength)) * last.weight;
        weight += w;
        paths++;
        top.offer(via, other, w);
      }
      if (paths > 0) {
        supporting.push({ item: via, rating: history.ratings[a], weight, paths });
        score += weight;
        pathCount += paths;
      }
    }
  }
  supporting.sort((a, b) => b.weight - a.weight || a.item - b.item);
  return {
    user,
    item,
    score,
    pathCount,
    paths: top.sorted().map((p) => ({ user, viaItem: p.viaItem, viaUser: p.viaUser, item, weight: p.weight })),
    supportingItems: supporting.slice(0, maxItems),
    direct: direct ? { rating: direct.rating, timestamp: direct.timestamp } : null,
  };
}

/** A path or supporting item with external ids (for the API). */
export interface ExplanationById {
  userId: string;
  itemId: string;
  score: number;
  pathCount: number;
  paths: { nodes: [{ kind: "user"; id: string }, { kind: "item"; id: string }, { kind: "user"; id: string }, { kind: "item"; id: string }]; weight: number }[];
  supportingItems: { itemId: string; rating: number; weight: number; paths: number }[];
  direct: { rating: number; timestamp: number | null } | null;
}

/** explainPaths by external ids; NotFoundError for an unknown user or item. */
export function explainPathsById(graph: InteractionGraph, userId: string, itemId: string, options: ExplainOptions = {}): ExplanationById {
  const e = explainPaths(graph, graph.requireUser(userId), graph.requireItem(itemId), options);
  return {
    userId,
    itemId,
    score: e.score,
    pathCount: e.pathCount,
    paths: e.paths.map((p) => ({
      nodes: [
        { kind: "user", id: userId },
        { kind: "item", id: graph.items.id(p.viaItem) },
        { kind: "user", id: graph.users.id(p.viaUser) },
        { kind: "item", id: itemId },
      ],
      weight: p.weight,
    })),
    supportingItems: e.supportingItems.map((s) => ({ itemId: graph.items.id(s.item), rating: s.rating, weight: s.weight, paths: s.paths })),
    direct: e.direct,
  };
}

export interface SimilarItem {
  item: number;
  /** (Â²)_{item,j} = Σ_u ŵ(item,u) ŵ(u,j) over shared users u. */
  score: number;
  /** Users who interacted with both. */
  sharedUsers: number;
}

/**
 * Items most connected to `item` through shared users (two-hop paths), best first, without
 * `item` itself. Ties break by lower index.
 */
export function graphSimilarItems(graph: PathGraph, item: number, k: number): SimilarItem[] {
  checkIndex("item", item, graph.nItems);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ValidationError("k", k, "an integer in 1–1000");
  const sItem = graph.itemStrength(item);
  const scores = new Map<number, { score: number; shared: number }>();
  const audience = graph.itemNeighbors(item);
  for (let a = 0; a < audience.users.length; a++) {
    const u = audience.users[a];
    const sUser = graph.userStrength(u);
    const w1 = audience.weights[a] / Math.sqrt(sItem * sUser);
    const history = graph.userNeighbors(u);
    for (let b = 0; b < history.items.length; b++) {
      const j = history.items[b];
      if (j === item) continue;
      const w = w1 * (history.weights[b] / Math.sqrt(sUser * graph.itemStrength(j)));
      const entry = scores.get(j);
      if (entry) {
        entry.score += w;
        entry.shared++;
      } else scores.set(j, { score: w, shared: 1 });
    }
  }
  return [...scores]
    .map(([j, e]) => ({ item: j, score: e.score, sharedUsers: e.shared }))
    .sort((a, b) => b.score - a.score || a.item - b.item)
    .slice(0, k);
}

/** Keeps the `limit` heaviest paths (min-heap on weight; ties keep lower viaItem, viaUser). */
class PathHeap {
  private readonly items: { viaItem: number; viaUser: number; weight: number }[] = [];
  constructor(private readonly limit: number) {}

  /** True when a ranks below b. */
  private static worse(a: { viaItem: number; viaUser: number; weight: number }, b: { viaItem: number; viaUser: number; weight: number }): boolean {
    if (a.weight !== b.weight) return a.weight < b.weight;
    if (a.viaItem !== b.viaItem) return a.viaItem > b.viaItem;
    return a.viaUser > b.viaUser;
  }

  offer(viaItem: number, viaUser: number, weight: number): void {
    if (this.limit === 0) return;
    const entry = { viaItem, viaUser, weight };
    const h = this.items;
    if (h.length < this.limit) {
      h.push(entry);
      let p = h.length - 1;
      while (p > 0) {
        const parent = (p - 1) >> 1;
        if (!PathHeap.worse(h[p], h[parent])) break;
        [h[p], h[parent]] = [h[parent], h[p]];
        p = parent;
      }
      return;
    }
    if (!PathHeap.worse(h[0], entry)) return;
    h[0] = entry;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < h.length && PathHeap.worse(h[l], h[m])) m = l;
      if (r < h.length && PathHeap.worse(h[r], h[m])) m = r;
      if (m === p) break;
      [h[p], h[m]] = [h[m], h[p]];
      p = m;
    }
  }

  sorted(): { viaItem: number; viaUser: number; weight: number }[] {
    return [...this.items].sort((a, b) => (PathHeap.worse(a, b) ? 1 : PathHeap.worse(b, a) ? -1 : 0));
  }
}
