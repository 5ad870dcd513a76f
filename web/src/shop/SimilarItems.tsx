// Items like this one, from the first served model that has item similarities.
import { useQuery } from "@apollo/client";
import { href } from "../router";
import { ShopSimilarItemsDocument } from "../gql/graphql";
import { ErrorNote } from "./ErrorNote";
import { itemLabel } from "./format";

export function SimilarItems({ itemId }: { itemId: string }) {
  const result = useQuery(ShopSimilarItemsDocument, { variables: { id: itemId, first: 8 } });
  const similar = result.data?.similarItems ?? [];
  return (
    <section className="shop-similar" aria-labelledby="shop-similar-title">
      <h2 id="shop-similar-title">Similar items{similar[0] ? <span className="shop-muted"> (model {similar[0].model})</span> : null}</h2>
      <ErrorNote error={result.error} what="similar items" />
      <ul className="shop-cards">
        {similar.map((s) => (
          <li key={s.item.id} className="shop-card">
            <a className="shop-title" href={href({ page: "item", id: s.item.id })}>
              {itemLabel(s.item)}
            </a>
            <span className="shop-meta">{s.item.genres.join(", ")}</span>
            <span className="shop-score">similarity {s.score.toFixed(3)}</span>
          </li>
        ))}
      </ul>
      {!result.loading && !result.error && similar.length === 0 ? <p className="shop-muted">No similar items.</p> : null}
    </section>
  );
}
