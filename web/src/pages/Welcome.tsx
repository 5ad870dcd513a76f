// Onboarding (#/welcome): a new visitor rates a few popular items and sees recommendations
// for that profile (recommendationsForProfile: nothing is stored), then may keep them by
// creating a user.
import { useQuery } from "@apollo/client";
import { useState } from "react";
import { ShopProfileRecommendationsDocument } from "../gql/graphql";
import { ErrorNote } from "../shop/ErrorNote";
import { PopularPicker, type ProfileRating } from "../shop/PopularPicker";
import { RecRow } from "../shop/RecRow";
import { SignUp } from "../shop/SignUp";

/** Ratings before the profile's recommendations are shown: fewer says little about a taste. */
const ENOUGH = 3;

export function Welcome() {
  const [ratings, setRatings] = useState<ProfileRating[]>([]);
  const rate = (rating: ProfileRating) => setRatings((old) => [...old.filter((r) => r.itemId !== rating.itemId), rating]);
  const enough = ratings.length >= ENOUGH;
  return (
    <div className="shop">
      <h1>New here?</h1>
      <p>
        Rate {ENOUGH} or more films you have seen and get recommendations at once, no account needed.{" "}
        <span role="status">
          {ratings.length} rated{enough ? "" : ` (${ENOUGH - ratings.length} to go)`}.
        </span>
      </p>
      {/* Two columns when wide: the profile's row beside the picker, so nothing moves under the pointer. */}
      <div className="shop-welcome">
        <PopularPicker ratings={ratings} onRate={rate} />
        <div className="shop-welcome-side">
          {enough ? (
            <>
              <ProfileRow ratings={ratings} />
              <SignUp ratings={ratings} />
            </>
          ) : (
            <p className="shop-muted shop-placeholder">Your recommendations appear here once you have rated {ENOUGH} films.</p>
          )}
        </div>
      </div>
    </div>
  );
}

function ProfileRow({ ratings }: { ratings: ProfileRating[] }) {
  const result = useQuery(ShopProfileRecommendationsDocument, {
    variables: { ratings: ratings.map((r) => ({ itemId: r.itemId, value: r.value })), first: 10 },
    notifyOnNetworkStatusChange: true,
  });
  const data = (result.data ?? result.previousData)?.recommendationsForProfile;
  return (
    <>
      <ErrorNote error={result.error} what="recommendations" />
      <RecRow heading="Recommended for your ratings" headingId="shop-profile-title" recs={data?.edges.map((e) => e.node) ?? []} model={data?.model} source={data?.source} loading={result.loading} />
    </>
  );
}
