// Explanations: why an item suits a user, read from the bipartite interaction graph
// (src/graph, graphology). Paths user → item' → user' → item are weighted by the entries of the
// normalised adjacency Â, so all path weights sum to (Â³)_{user,item}, the three-hop term that
// LightGCN-style propagation adds to the score; "because you rated" lists the user's items whose
// paths carry the most weight. The graph is built on the first explanation from the served
// catalogue (snapshot plus API changes) and kept in step with rateItem/deleteRating, so an
// explanation reflects a rating at once.
import { InteractionGraph, explainPaths } from "../graph";
import { NotFoundError } from "../errors";
import type { CatalogView } from "./liveCatalog";
import type { RecommenderService } from "./recommender";

/** One of the user's rated items that supports the explained item. */
export interface Contribution {
  itemId: string;
  rating: number;
  weight: number;
}

/** An explanation with external ids (the API returns it as it is). */
export interface Explanation {
  userId: string;
  itemId: string;
  score: number | null;
  model: string | null;
  summary: string;
  becauseYouRated: Contribution[];
  paths: { nodes: { kind: "USER" | "ITEM"; id: string; label: string | null }[]; weight: number }[];
}

export class Explainer {
  private graph: InteractionGraph | undefined;
  private builtFor: CatalogView | undefined;

  constructor(private readonly recommender: RecommenderService) {}

  /** The served catalogue's graph (built once per catalogue; rebuilt when the catalogue is reloaded). */
  interactionGraph(): InteractionGraph {
    const catalog = this.recommender.catalog;
    if (this.graph && this.builtFor === catalog) return this.graph;
    const base = catalog.snapshot.interactions;
    return this.adopt(InteractionGraph.fromInteractions(base, this.idsOf(catalog)), catalog);
  }

  /**
   * Rebuilds the graph for the current catalogue in slices, awaiting the event loop between
   * them (after an import; a request meanwhile waits for it through `ready()`).
   */
  rebuildInSlices(): Promise<void> {
    const catalog = this.recommender.catalog;
    if (this.graph && this.builtFor === catalog) return Promise.resolve();
    const building = InteractionGraph.fromInteractionsInSlices(catalog.snapshot.interactions, this.idsOf(catalog)).then((graph) => {
      if (this.recommender.catalog === catalog) this.adopt(graph, catalog);
    });
    const pending: Promise<void> = building.finally(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    this.pending = pending;
    return pending;
  }

  /** Resolves when no rebuild is in progress. */
  ready(): Promise<void> {
    return this.pending ?? Promise.resolve();
  }

  private pending: Promise<void> | undefined;

  private idsOf(catalog: CatalogView): { userIds: string[]; itemIds: string[] } {
    const base = catalog.snapshot.interactions;
    return {
      userIds: Array.from({ length: base.nUsers }, (_, u) => catalog.users.id(u)),
      itemIds: Array.from({ length: base.nItems }, (_, i) => catalog.items.id(i)),
    };
  }

  /** Adds what the API changed since the snapshot, then serves `graph`. */
  private adopt(graph: InteractionGraph, catalog: CatalogView): InteractionGraph {
    const base = catalog.snapshot.interactions;
    // Users and items added through the API since the snapshot, then changed histories.
    for (let u = base.nUsers; u < catalog.nUsers; u++) graph.addUser(catalog.users.id(u));
    for (let i = base.nItems; i < catalog.nItems; i++) graph.addItem(catalog.items.id(i));
    for (const user of catalog.changedUsers()) this.syncUser(graph, catalog, user);
    this.graph = graph;
    this.builtFor = catalog;
    return graph;
  }

  /** `explain` once no graph rebuild is in progress (a request during a rebuild waits for it). */
  async explainWhenReady(userId: string, itemId: string, modelName: string | undefined, maxPaths: number): Promise<Explanation> {
    await this.ready();
    return this.explain(userId, itemId, modelName, maxPaths);
  }

  explain(userId: string, itemId: string, modelName: string | undefined, maxPaths: number): Explanation {
    const { recommender } = this;
    const { catalog } = recommender;
    const user = recommender.requireUserIndex(userId);
    const item = recommender.requireItemIndex(itemId);
    const graph = this.interactionGraph();
    // Users and items created through the API after the build join the graph as isolated nodes.
    const gUser = graph.addUser(userId);
    const gItem = graph.addItem(itemId);
    const explanation = explainPaths(graph, gUser, gItem, { maxPaths, maxItems: 5 });

    const titleOf = (id: string) => catalog.content[catalog.items.index(id) ?? -1]?.title;
    const title = (id: string) => titleOf(id) ?? `item ${id}`;
    const node = (kind: "USER" | "ITEM", id: string) => ({ kind, id, label: kind === "ITEM" ? (titleOf(id) ?? null) : null });
    const paths = explanation.paths.map((p) => ({
      nodes: [node("USER", userId), node("ITEM", graph.items.id(p.viaItem)), node("USER", graph.users.id(p.viaUser)), node("ITEM", itemId)],
      weight: p.weight,
    }));

    let score: number | null = null;
    let model: string | null = null;
    const served = modelName ?? (recommender.getServed(recommender.defaultModel) ? recommender.defaultModel : undefined);
    if (served) {
      const pair = recommender.scorePair(user, item, served);
      score = pair.score;
      model = pair.model;
    }
    // A model whose score is a sum over the user's items says itself which items carry it;
    // otherwise the paths of the interaction graph do.
    const fromModel = served ? this.modelContributions(user, item, served) : null;
    let summary: string;
    let becauseYouRated: Contribution[];
    if (fromModel) {
      const lead = fromModel.slice(0, 2);
      const share = Math.round(100 * lead.reduce((sum, c) => sum + c.weight, 0));
      summary = `Recommended because you rated ${lead.map((c) => `${title(c.itemId)} (${c.rating})`).join(" and ")}: ${lead.length === 1 ? "it carries" : "they carry"} ${share} % of ${model}'s score for ${title(itemId)}.`;
      becauseYouRated = fromModel;
    } else {
      const top = explanation.supportingItems;
      const total = top.reduce((sum, s) => sum + s.weight, 0);
      const titleAt = (graphItem: number) => title(graph.items.id(graphItem));
      summary = top.length
        ? `Recommended because you rated ${top
            .slice(0, 2)
            .map((s) => `${titleAt(s.item)} (${s.rating})`)
            .join(" and ")}: ${top[0].paths} ${top[0].paths === 1 ? "person" : "people"} who rated ${titleAt(top[0].item)} also rated ${title(itemId)}.`
        : `No rated item of yours shares an audience with ${title(itemId)}; it comes from overall popularity or content.`;
      becauseYouRated = top.map((s) => ({ itemId: graph.items.id(s.item), rating: s.rating, weight: total > 0 ? s.weight / total : 0 }));
    }
    return { userId, itemId, score, model, summary, becauseYouRated, paths };
  }

  /**
   * The five history items carrying the most of the model's score for the item, as shares of the
   * positive parts (null when the model's score is not a sum over the history, or nothing is positive).
   */
  private modelContributions(user: number, item: number, modelName: string): Contribution[] | null {
    const parts = this.recommender.scoreContributions(user, item, modelName);
    if (!parts) return null;
    const { catalog } = this.recommender;
    const history = catalog.history(user);
    const ratingOf = new Map<number, number>();
    history.items.forEach((it, p) => ratingOf.set(it, history.values[p]));
    const order = Array.from(parts.items.keys())
      .filter((p) => parts.contributions[p] > 0)
      .sort((a, b) => parts.contributions[b] - parts.contributions[a] || parts.items[a] - parts.items[b]);
    const positive = order.reduce((sum, p) => sum + parts.contributions[p], 0);
    if (!(positive > 0)) return null;
    return order.slice(0, 5).map((p) => ({ itemId: catalog.items.id(parts.items[p]), rating: ratingOf.get(parts.items[p]) ?? 0, weight: parts.contributions[p] / positive }));
  }

  /** A rating written through the API (catalogue indices): the graph follows at once. */
  onRating(user: number, item: number, value: number): void {
    const graph = this.current();
    if (!graph) return;
    const catalog = this.recommender.catalog;
    graph.upsertInteraction(catalog.users.id(user), catalog.items.id(item), value, Math.floor(Date.now() / 1000));
  }

  onRatingDeleted(user: number, item: number): void {
    const graph = this.current();
    if (!graph) return;
    const catalog = this.recommender.catalog;
    graph.removeInteraction(catalog.users.id(user), catalog.items.id(item));
  }

  /** The graph when it was built for the catalogue now served (else it is rebuilt on demand). */
  private current(): InteractionGraph | undefined {
    return this.graph && this.builtFor === this.recommender.catalog ? this.graph : undefined;
  }

  /** Makes the user's edges equal to the catalogue's current history. */
  private syncUser(graph: InteractionGraph, catalog: CatalogView, user: number): void {
    const userId = catalog.users.id(user);
    const current = catalog.history(user);
    const keep = new Set<number>(current.items);
    const gUser = graph.userIndex(userId);
    if (gUser !== undefined) {
      for (const gItem of graph.userNeighbors(gUser).items) {
        const itemId = graph.items.id(gItem);
        const index = catalog.items.index(itemId);
        if (index === undefined || !keep.has(index)) graph.removeInteraction(userId, itemId);
      }
    }
    for (let k = 0; k < current.items.length; k++) graph.upsertInteraction(userId, catalog.items.id(current.items[k]), current.values[k]);
  }

  requireKnown(userId: string): void {
    if (this.recommender.catalog.users.index(userId) === undefined) throw new NotFoundError("user", userId);
  }
}
