// "Why this?": the signed-in user's rated items that support this item most (shares of the
// interaction-graph paths user → rated item → another user → this item), said as
// "because you rated X ★★★★★", with the strongest paths behind a disclosure.
import { useQuery } from "@apollo/client";
import { href } from "../router";
import { ShopExplainDocument } from "../gql/graphql";
import { ErrorNote } from "./ErrorNote";
import { itemLabel, percent, starString } from "./format";

export function Explanation({ userId, itemId }: { userId: string; itemId: string }) {
  const result = useQuery(ShopExplainDocument, { variables: { userId, itemId } });
  const explanation = result.data?.explain;
  return (
    <section className="shop-why" aria-labelledby="shop-why-title">
      <h2 id="shop-why-title">Why this?</h2>
      <ErrorNote error={result.error} what="the explanation" />
      {result.loading && !explanation ? <p className="shop-muted">Loading…</p> : null}
      {explanation ? (
        <>
          {explanation.becauseYouRated.length ? (
            <ul className="shop-because">
              {explanation.becauseYouRated.map((c) => (
                <li key={c.item.id}>
                  Because you rated <a href={href({ page: "item", id: c.item.id })}>{itemLabel(c.item)}</a>{" "}
                  <span className="shop-stars-text" aria-label={`${c.rating} stars`}>
                    {starString(c.rating)}
                  </span>{" "}
                  <span className="shop-muted">({percent(c.weight)} of the evidence)</span>
                </li>
              ))}
            </ul>
          ) : null}
          <p>{explanation.summary}</p>
          {explanation.score !== null && explanation.score !== undefined ? (
            <p className="shop-muted">
              Score {explanation.score.toFixed(3)} from model {explanation.model}.
            </p>
          ) : null}
          {explanation.paths.length ? (
            <details>
              <summary>How we know: people who share your taste</summary>
              <ol className="shop-paths">
                {explanation.paths.map((path, i) => (
                  <li key={i}>{path.nodes.map((n, j) => (n.kind === "USER" ? (j === 0 ? "you" : `user ${n.id}`) : (n.label ?? `item ${n.id}`))).join(" → ")}</li>
                ))}
              </ol>
            </details>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
