// One recommended item: title (to its page), year, genres, score, and optionally stars.
import { href } from "../router";
import type { ShopRecItemFragment } from "../gql/graphql";
import { itemLabel } from "./format";
import { Stars } from "./Stars";

interface Props {
  rec: ShopRecItemFragment;
  /** Present when the visitor may rate from the card. */
  onRate?: (itemId: string, label: string, value: number) => void;
  rated?: number;
  busy?: boolean;
}

export function RecCard({ rec, onRate, rated, busy }: Props) {
  const { item } = rec;
  const label = itemLabel(item);
  return (
    <li className="shop-card">
      <span className="shop-rank" aria-hidden="true">
        {rec.rank}
      </span>
      <a className="shop-title" href={href({ page: "item", id: item.id })}>
        {label}
      </a>
      <span className="shop-meta">
        {item.year ?? "year unknown"}
        {item.genres.length ? ` · ${item.genres.join(", ")}` : ""}
      </span>
      <span className="shop-score">score {rec.score.toFixed(3)}</span>
      {onRate ? <Stars label={label} value={rated} disabled={busy} onRate={(value) => onRate(item.id, label, value)} /> : null}
    </li>
  );
}
