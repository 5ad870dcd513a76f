// An item's page (#/item/<id>): details, the signed-in user's stars and "why this?", and
// similar items.
import { useQuery } from "@apollo/client";
import { href } from "../router";
import { ShopItemDocument } from "../gql/graphql";
import { ErrorNote } from "../shop/ErrorNote";
import { Explanation } from "../shop/Explanation";
import { SimilarItems } from "../shop/SimilarItems";
import { Stars } from "../shop/Stars";
import { itemLabel, starString } from "../shop/format";
import { useRate } from "../shop/useRate";
import { useCanRate, useUserId } from "../shop/user";

export function ItemPage({ id }: { id: string }) {
  const result = useQuery(ShopItemDocument, { variables: { id } });
  const userId = useUserId();
  const canRate = useCanRate();
  const item = result.data?.item;
  if (result.error) return <ErrorNote error={result.error} what={`item ${id}`} />;
  if (!item) return <p>{result.loading ? "Loading…" : `There is no item "${id}".`}</p>;
  const label = itemLabel(item);
  return (
    <div className="shop shop-item">
      <p>
        <a href={href({ page: "shop" })}>← Back to your recommendations</a>
      </p>
      <h1>{label}</h1>
      <dl className="shop-details">
        <dt>Year</dt>
        <dd>{item.year ?? "unknown"}</dd>
        <dt>Genres</dt>
        <dd>{item.genres.join(", ") || "none"}</dd>
        {item.tags.length ? (
          <>
            <dt>Tags</dt>
            <dd>{item.tags.slice(0, 12).join(", ")}</dd>
          </>
        ) : null}
        <dt>Ratings</dt>
        <dd>
          {item.averageRating !== null && item.averageRating !== undefined ? `${starString(item.averageRating)} ${item.averageRating.toFixed(2)} average from ` : ""}
          {item.ratingCount.toLocaleString()} rating{item.ratingCount === 1 ? "" : "s"}
        </dd>
      </dl>
      {userId ? (
        <>
          {canRate ? <RateThis userId={userId} itemId={item.id} label={label} /> : null}
          <Explanation userId={userId} itemId={item.id} />
        </>
      ) : (
        <p>
          <a href={href({ page: "shop" })}>Sign in</a> to rate it and see why it is recommended to you.
        </p>
      )}
      <SimilarItems itemId={item.id} />
    </div>
  );
}

function RateThis({ userId, itemId, label }: { userId: string; itemId: string; label: string }) {
  const rating = useRate(userId);
  return (
    <div className="shop-rate-this">
      <span>Your rating</span>
      <Stars label={label} value={rating.last?.value} disabled={rating.busy} onRate={(value) => void rating.rate(itemId, label, value)} />
      <span role="status">{rating.last ? `Saved: ${starString(rating.last.value)}` : ""}</span>
      <ErrorNote error={rating.error} what="your rating" />
    </div>
  );
}
