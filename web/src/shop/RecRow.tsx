// A ranked row of recommendations with where it came from (model and source). The list is
// an aria-live region, busy while it refetches, so a screen reader hears the new row once
// a rating has changed it.
import type { RecommendationSource, ShopRecItemFragment } from "../gql/graphql";
import { RecCard } from "./RecCard";
import { SOURCE_TEXT } from "./format";

interface Props {
  heading: string;
  headingId: string;
  recs: ShopRecItemFragment[];
  model: string | undefined;
  source: RecommendationSource | undefined;
  loading: boolean;
  onRate?: (itemId: string, label: string, value: number) => void;
  busy?: boolean;
}

export function RecRow({ heading, headingId, recs, model, source, loading, onRate, busy }: Props) {
  return (
    <section className="shop-row" aria-labelledby={headingId}>
      <div className="shop-row-head">
        <h2 id={headingId}>{heading}</h2>
        {source && model ? (
          <p className="shop-source" data-source={source}>
            <span className="shop-badge">{source}</span> from model <strong>{model}</strong>: {SOURCE_TEXT[source]}
          </p>
        ) : null}
      </div>
      <ol className="shop-cards" aria-live="polite" aria-busy={loading} aria-labelledby={headingId}>
        {recs.map((rec) => (
          <RecCard key={rec.item.id} rec={rec} onRate={onRate} busy={busy} />
        ))}
      </ol>
      {loading ? <p className="shop-muted">{recs.length ? "Updating…" : "Loading…"}</p> : null}
      {!loading && recs.length === 0 ? <p className="shop-muted">Nothing matches these filters.</p> : null}
    </section>
  );
}
