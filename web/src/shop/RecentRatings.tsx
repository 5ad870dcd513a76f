// The user's latest ratings, newest first: the history the row is built from.
import { useQuery } from "@apollo/client";
import { href } from "../router";
import { ShopUserRatingsDocument } from "../gql/graphql";
import { itemLabel, starString } from "./format";

export function RecentRatings({ userId }: { userId: string }) {
  const user = useQuery(ShopUserRatingsDocument, { variables: { id: userId } }).data?.user;
  if (!user) return null;
  return (
    <section className="shop-recent" aria-labelledby="shop-recent-title">
      <h2 id="shop-recent-title">Your latest ratings ({user.ratingCount})</h2>
      <ul>
        {user.ratings.edges.map(({ node }) => (
          <li key={node.item.id}>
            <a href={href({ page: "item", id: node.item.id })}>{itemLabel(node.item)}</a>{" "}
            <span className="shop-stars-text" aria-label={`${node.value} stars`}>
              {starString(node.value)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
