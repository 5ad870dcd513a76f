// Items to rate during onboarding: the most rated first (the `items` order), or a title
// search for a film the visitor knows.
import { useQuery } from "@apollo/client";
import { useState } from "react";
import { ShopPopularItemsDocument } from "../gql/graphql";
import { ErrorNote } from "./ErrorNote";
import { Stars } from "./Stars";
import { itemLabel } from "./format";

export interface ProfileRating {
  itemId: string;
  label: string;
  value: number;
}

interface Props {
  ratings: ProfileRating[];
  onRate: (rating: ProfileRating) => void;
}

export function PopularPicker({ ratings, onRate }: Props) {
  const [search, setSearch] = useState("");
  const result = useQuery(ShopPopularItemsDocument, { variables: { search: search.trim() || null, first: 12 } });
  const items = (result.data ?? result.previousData)?.items.edges.map((e) => e.node) ?? [];
  const valueOf = (itemId: string) => ratings.find((r) => r.itemId === itemId)?.value;
  return (
    <section aria-labelledby="shop-pick-title">
      <h2 id="shop-pick-title">{search.trim() ? "Matching titles" : "Popular right now"}</h2>
      <label className="shop-search">
        Find a title you know
        <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. star wars" />
      </label>
      <ErrorNote error={result.error} what="items" />
      <ul className="shop-cards">
        {items.map((item) => {
          const label = itemLabel(item);
          return (
            <li key={item.id} className="shop-card">
              <span className="shop-title">{label}</span>
              <span className="shop-meta">{item.genres.join(", ")}</span>
              <span className="shop-score">{item.ratingCount.toLocaleString()} ratings</span>
              <Stars label={label} value={valueOf(item.id)} onRate={(value) => onRate({ itemId: item.id, label, value })} />
            </li>
          );
        })}
      </ul>
    </section>
  );
}
