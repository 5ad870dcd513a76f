// Explanations: why an item suits a user, read from the bipartite interaction graph of the
// served catalogue (./catalogGraph.ts, walked by src/graph/explain). Paths user → item' → user' → item are weighted by the entries of the
// normalised adjacency Â, so all path weights sum to (Â³)_{user,item}, the three-hop term that
// LightGCN-style propagation adds to the score; "because you rated" lists the user's items whose
// paths carry the most weight. The graph reads the catalogue (snapshot plus API changes), so an
// explanation reflects a rating at once.
import { explainPaths } from "../graph";
import { NotFoundError } from "../errors";
import { CatalogGraph } from "./catalogGraph";
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
  private graph: CatalogGraph | undefined;
  private graphOf: CatalogView | undefined;

  constructor(private readonly recommender: RecommenderService) {}

  /** The served catalogue's graph (a view: nothing to rebuild when the catalogue changes or is reloaded). */
  private catalogGraph(): CatalogGraph {
    const catalog = this.recommender.catalog;
    if (!this.graph || this.graphOf !== catalog) {
      this.graph = new CatalogGraph(catalog);
      this.graphOf = catalog;
    }
    return this.graph;
  }

  explain(userId: string, itemId: string, modelName: string | undefined, maxPaths: number): Explanation {
    const { recommender } = this;
    const { catalog } = recommender;
    const user = recommender.requireUserIndex(userId);
    const item = recommender.requireItemIndex(itemId);
    const explanation = explainPaths(this.catalogGraph(), user, item, { maxPaths, maxItems: 5 });

    const titleOf = (id: string) => catalog.content[catalog.items.index(id) ?? -1]?.title;
    const title = (id: string) => titleOf(id) ?? `item ${id}`;
    const node = (kind: "USER" | "ITEM", id: string) => ({ kind, id, label: kind === "ITEM" ? (titleOf(id) ?? null) : null });
    const paths = explanation.paths.map((p) => ({
      nodes: [node("USER", userId), node("ITEM", catalog.items.id(p.viaItem)), node("USER", catalog.users.id(p.viaUser)), node("ITEM", itemId)],
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
      const titleAt = (index: number) => title(catalog.items.id(index));
      summary = top.length
        ? `Recommended because you rated ${top
            .slice(0, 2)
            .map((s) => `${titleAt(s.item)} (${s.rating})`)
            .join(" and ")}: ${top[0].paths} ${top[0].paths === 1 ? "person" : "people"} who rated ${titleAt(top[0].item)} also rated ${title(itemId)}.`
        : `No rated item of yours shares an audience with ${title(itemId)}; it comes from overall popularity or content.`;
      becauseYouRated = top.map((s) => ({ itemId: catalog.items.id(s.item), rating: s.rating, weight: total > 0 ? s.weight / total : 0 }));
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

  requireKnown(userId: string): void {
    if (this.recommender.catalog.users.index(userId) === undefined) throw new NotFoundError("user", userId);
  }
}
