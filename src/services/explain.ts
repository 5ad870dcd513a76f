// Explanations: why an item suits a user, from the user–item interaction graph.
// "Because you rated": the user's items whose audiences overlap most with the item's
// (co-occurrence cosine). Paths: user → item they rated → another user → the item, ranked
// by random-walk probability (1/deg at every step).
import { NotFoundError } from "../errors";
import type { ExplanationModel } from "../api/mappers";
import type { RecommenderService } from "./recommender";

export class Explainer {
  constructor(private readonly recommender: RecommenderService) {}

  explain(userId: string, itemId: string, modelName: string | undefined, maxPaths: number): ExplanationModel {
    const { recommender } = this;
    const { catalog } = recommender;
    const user = recommender.requireUserIndex(userId);
    const item = recommender.requireItemIndex(itemId);
    const history = catalog.history(user);
    const byItem = catalog.snapshot.interactions.transpose();
    const audience = item < byItem.nUsers ? byItem.userItems(item) : new Int32Array(0);
    const userDegree = (u: number) => (u < catalog.snapshot.interactions.nUsers ? catalog.snapshot.interactions.userDegree(u) : 0);

    const supports: { item: number; rating: number; similarity: number; shared: Int32Array }[] = [];
    for (let k = 0; k < history.items.length; k++) {
      const rated = history.items[k];
      if (rated === item || rated >= byItem.nUsers) continue;
      const raters = byItem.userItems(rated);
      const shared = intersectSorted(audience, raters, user);
      if (shared.length === 0) continue;
      supports.push({ item: rated, rating: history.values[k], similarity: shared.length / Math.sqrt(audience.length * raters.length), shared });
    }
    supports.sort((a, b) => b.similarity - a.similarity || a.item - b.item);
    const top = supports.slice(0, 5);
    const total = top.reduce((sum, s) => sum + s.similarity, 0);

    const paths: ExplanationModel["paths"] = [];
    const candidates: { via: number; other: number; weight: number }[] = [];
    const historyLength = Math.max(1, history.items.length);
    for (const support of supports.slice(0, 20)) {
      const viaDegree = byItem.userDegree(support.item);
      for (const other of support.shared) {
        candidates.push({ via: support.item, other, weight: (1 / historyLength) * (1 / viaDegree) * (1 / Math.max(1, userDegree(other))) });
      }
    }
    candidates.sort((a, b) => b.weight - a.weight || a.via - b.via || a.other - b.other);
    const node = (kind: "USER" | "ITEM", index: number) =>
      kind === "USER" ? { kind, id: catalog.users.id(index), label: null } : { kind, id: catalog.items.id(index), label: catalog.content[index]?.title ?? null };
    for (const candidate of candidates.slice(0, maxPaths)) {
      paths.push({ nodes: [node("USER", user), node("ITEM", candidate.via), node("USER", candidate.other), node("ITEM", item)], weight: candidate.weight });
    }

    let score: number | null = null;
    let model: string | null = null;
    const served = modelName ?? (recommender.getServed(recommender.defaultModel) ? recommender.defaultModel : undefined);
    if (served) {
      const pair = recommender.scorePair(user, item, served);
      score = pair.score;
      model = pair.model;
    }
    const title = (index: number) => catalog.content[index]?.title ?? `item ${catalog.items.id(index)}`;
    const summary = top.length
      ? `Recommended because you rated ${top
          .slice(0, 2)
          .map((s) => `${title(s.item)} (${s.rating})`)
          .join(" and ")}: ${top[0].shared.length} ${top[0].shared.length === 1 ? "person" : "people"} who rated ${title(top[0].item)} also rated ${title(item)}.`
      : `No rated item of yours shares an audience with ${title(item)}; it comes from overall popularity or content.`;
    return {
      userId,
      itemId,
      score,
      model,
      summary,
      becauseYouRated: top.map((s) => ({ itemId: catalog.items.id(s.item), rating: s.rating, weight: total > 0 ? s.similarity / total : 0 })),
      paths,
    };
  }

  onRating(_user: number, _item: number, _value: number): void {}

  onRatingDeleted(_user: number, _item: number): void {}

  requireKnown(userId: string): void {
    if (this.recommender.catalog.users.index(userId) === undefined) throw new NotFoundError("user", userId);
  }
}

/** Sorted-list intersection, leaving out `skip`. */
function intersectSorted(a: Int32Array, b: Int32Array, skip: number): Int32Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      if (a[i] !== skip) out.push(a[i]);
      i++;
      j++;
    } else if (a[i] < b[j]) i++;
    else j++;
  }
  return Int32Array.from(out);
}
