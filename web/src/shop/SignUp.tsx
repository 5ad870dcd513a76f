// Keeping the onboarding profile: create the user, sign in (a demo token while anonymous
// writes are on), then store each rating, and go to the shop window. Where anonymous
// writes are off only the site's own sign-up (which issues the token) can create a user.
import { useApolloClient, useQuery } from "@apollo/client";
import { useState, type FormEvent } from "react";
import { href } from "../router";
import { ShopCreateUserDocument, ShopDemoTokenDocument, ShopRateItemDocument, ShopServerInfoDocument } from "../gql/graphql";
import type { ProfileRating } from "./PopularPicker";
import { signIn } from "./user";

export function SignUp({ ratings }: { ratings: ProfileRating[] }) {
  const client = useApolloClient();
  const info = useQuery(ShopServerInfoDocument).data?.serverInfo;
  const [id, setId] = useState("");
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (info && !info.anonymousWrites) {
    return <p className="shop-muted">Creating an account needs this site's sign-up, which issues your user token.</p>;
  }

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    const userId = id.trim();
    if (!userId) return setError("choose a user id");
    setError(null);
    try {
      setProgress("Creating your account…");
      await client.mutate({ mutation: ShopCreateUserDocument, variables: { id: userId } });
      const demo = await client.mutate({ mutation: ShopDemoTokenDocument, variables: { userId } });
      // Signed in before rating, so the ratings go out with the new user's token.
      signIn(userId, demo.data?.demoUserToken ?? null);
      for (const [i, r] of ratings.entries()) {
        setProgress(`Saving your ratings (${i + 1} of ${ratings.length})…`);
        await client.mutate({ mutation: ShopRateItemDocument, variables: { userId, itemId: r.itemId, value: r.value } });
      }
      window.location.hash = href({ page: "shop" });
    } catch (e) {
      setProgress(null);
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <form className="shop-signin" onSubmit={(e) => void create(e)} aria-labelledby="shop-signup-title">
      <h2 id="shop-signup-title">Keep these recommendations</h2>
      <div className="shop-fields">
        <label>
          Choose a user id
          <input value={id} onChange={(e) => setId(e.target.value)} autoComplete="username" />
        </label>
        <button type="submit" className="primary" disabled={progress !== null}>
          Create my account
        </button>
      </div>
      <p role="status">{progress ?? ""}</p>
      {error ? (
        <p className="shop-error" role="alert">
          Could not create the account: {error}
        </p>
      ) : null}
    </form>
  );
}
