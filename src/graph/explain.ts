// Neighbourhood queries on the bipartite graph for explanations and graph-based similar items.
//
// Path weight. An edge (a, b) of weight w_ab counts w_ab / sqrt(s_a s_b), s = strength
// (weighted degree): the entry of the symmetric normalised adjacency Â. A path
// user → item' → user' → item weighs the product of its three edges, so the weights of all such
// paths sum to (Â³)_{user,item}, the three-hop term that LightGCN-style propagation adds to the
// user–item score. An item the user rated "supports" the target with the summed weight of the
// paths through it. Graph-based similar items use the two-hop sum (Â²)_{i,j} over shared users.
//
// These read the graphology graph directly, so they reflect incremental updates at once.
// Cost: Σ over the user's items of their degrees (explanations); Σ over the item's users of their
// degrees (similar items).
import { ValidationError } from "../errors";
import { itemKey, userKey, type InteractionGraph } from "./bipartite";

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
export function explainPaths(graph: InteractionGraph, user: number, item: number, options: ExplainOptions = {}): Explanation {
  graph.checkUser(user);
  graph.checkItem(item);
  const maxPaths = checkCount(options.maxPaths, "maxPaths", 5);
  const maxItems = checkCount(options.maxItems, "maxItems", 5);
  const g = graph.graph;
  const uKey = userKey(user);
  const tKey = itemKey(item);
  const sUser = g.getNodeAttribute(uKey, "strength");
  const sTarget = g.getNodeAttribute(tKey, "strength");

  // Last hop: every user' of the target with the normalised weight of (user', target).
  const lastHop = new Map<number, number>();
  g.forEachEdge(tKey, (_e, attributes, _s, _t, sourceAttributes, targetAttributes) => {
    const other = sourceAttributes.type === "user" ? sourceAttributes : targetAttributes;
    if (other.index === user) return;
    lastHop.set(other.index, attributes.weight / Math.sqrt(other.strength * sTarget));
  });

  const top = new PathHeap(maxPaths);
  const supporting: SupportingItem[] = [];
  let score = 0;
  let pathCount = 0;
  const direct = graph.edge(user, item);
  if (lastHop.size > 0) {
    g.forEachEdge(uKey, (_e, first, _s, _t, sourceAttributes, targetAttributes) => {
      const via = sourceAttributes.type === "item" ? sourceAttributes : targetAttributes;
      if (via.index === item) return;
      const w1 = first.weight / Math.sqrt(sUser * via.strength);
      let weight = 0;
      let paths = 0;
      g.forEachEdge(itemKey(via.index), (_e2, second, _s2, _t2, sa, ta) => {
        const other = sa.type === "user" ? sa : ta;
        const w3 = lastHop.get(other.index);
        if (w3 === undefined) return;
        const w = w1 * (second.weight / Math.sqrt(via.strength * other.strength)) * w3;
        weight += w;
        paths++;
        top.offer(via.index, other.index, w);
      });
      if (paths > 0) {
        supporting.push({ item: via.index, rating: first.rating, weight, paths });
        score += weight;
        pathCount += paths;
      }
    });
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
export function graphSimilarItems(graph: InteractionGraph, item: number, k: number): SimilarItem[] {
  graph.checkItem(item);
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ValidationError("k", k, "an integer in 1–1000");
  const g = graph.graph;
  const key = itemKey(item);
  const sItem = g.getNodeAttribute(key, "strength");
  const scores = new Map<number, { score: number; shared: number }>();
  g.forEachEdge(key, (_e, first, _s, _t, sa, ta) => {
    const u = sa.type === "user" ? sa : ta;
    const w1 = first.weight / Math.sqrt(sItem * u.strength);
    g.forEachEdge(userKey(u.index), (_e2, second, _s2, _t2, sa2, ta2) => {
      const j = sa2.type === "item" ? sa2 : ta2;
      if (j.index === item) return;
      const w = w1 * (second.weight / Math.sqrt(u.strength * j.strength));
      const entry = scores.get(j.index);
      if (entry) {
        entry.score += w;
        entry.shared++;
      } else scores.set(j.index, { score: w, shared: 1 });
    });
  });
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
