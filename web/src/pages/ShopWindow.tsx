// The shop window (#/): sign in, then a row of 10 recommendations with where they came
// from, stars that re-rank the row at once, filters and diversity, and "up next".
import { useQuery } from "@apollo/client";
import { useMemo, useState } from "react";
import { href } from "../router";
import { ShopRecommendationsDocument, type RecommendationFilter } from "../gql/graphql";
import { ErrorNote } from "../shop/ErrorNote";
import { Filters, NO_FILTERS, type FilterState } from "../shop/Filters";
import { RecRow } from "../shop/RecRow";
import { RecentRatings } from "../shop/RecentRatings";
import { SignIn } from "../shop/SignIn";
import { UpNext } from "../shop/UpNext";
import { starString, yearBound } from "../shop/format";
import { useRate } from "../shop/useRate";
import { useCanRate, useUserId } from "../shop/user";

export function ShopWindow() {
  const userId = useUserId();
  return (
    <div className="shop">
      <h1>For you</h1>
      <SignIn />
      {/* key: a different user starts with fresh filters and no "you rated" note. */}
      {userId ? (
        <ForUser key={userId} userId={userId} />
      ) : (
        <p>
          Sign in as a user to see their recommendations, or <a href={href({ page: "welcome" })}>start fresh by rating a few films</a>.
        </p>
      )}
    </div>
  );
}

/** The API's filter from the form; undefined when nothing narrows the row. */
function toFilter(f: FilterState): RecommendationFilter | undefined {
  const from = yearBound(f.yearFrom);
  const to = yearBound(f.yearTo);
  if (!f.genre && from === undefined && to === undefined) return undefined;
  return {
    ...(f.genre ? { genres: [f.genre] } : {}),
    ...(from !== undefined || to !== undefined ? { yearRange: { from, to } } : {}),
  };
}

function ForUser({ userId }: { userId: string }) {
  const [filters, setFilters] = useState<FilterState>(NO_FILTERS);
  const filter = useMemo(() => toFilter(filters), [filters]);
  const recs = useQuery(ShopRecommendationsDocument, {
    variables: { userId, first: 10, filter, diversity: filters.diversity },
    notifyOnNetworkStatusChange: true,
  });
  const rating = useRate(userId);
  const canRate = useCanRate();
  // Keep showing the previous row while a new one loads (no flash of an empty list).
  const data = (recs.data ?? recs.previousData)?.recommendations;
  return (
    <>
      <Filters value={filters} onChange={setFilters} />
      <ErrorNote error={recs.error} what="recommendations" />
      <ErrorNote error={rating.error} what="your rating" />
      <p className="shop-status" role="status">
        {rating.last ? `You rated ${rating.last.label} ${starString(rating.last.value)}; the row below now reflects it.` : ""}
      </p>
      <RecRow
        heading="Recommended for you"
        headingId="shop-row-title"
        recs={data?.edges.map((e) => e.node) ?? []}
        model={data?.model}
        source={data?.source}
        loading={recs.loading || rating.busy}
        onRate={canRate ? (itemId, label, value) => void rating.rate(itemId, label, value) : undefined}
        busy={rating.busy}
      />
      <UpNext userId={userId} />
      <RecentRatings userId={userId} />
    </>
  );
}
