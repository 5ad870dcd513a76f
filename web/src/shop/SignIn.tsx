// Who is shopping: a user id (or a random one from `users`). While the server accepts
// anonymous writes, signing in asks it for a demo token (demoUserToken); otherwise the
// visitor pastes a token issued by the site's own backend, or browses read-only.
import { useApolloClient, useQuery } from "@apollo/client";
import { useState, type FormEvent } from "react";
import { ShopDemoTokenDocument, ShopServerInfoDocument, ShopUserExistsDocument, ShopUserIdsDocument } from "../gql/graphql";
import { signIn, signOut, tokenSubject, useHasToken, useUserId } from "./user";

export function SignIn() {
  const client = useApolloClient();
  const info = useQuery(ShopServerInfoDocument).data?.serverInfo;
  const userId = useUserId();
  const hasToken = useHasToken();
  const [idText, setIdText] = useState("");
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const needsToken = info ? !info.anonymousWrites : false;

  async function signInAs(id: string, pasted: string): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const found = await client.query({ query: ShopUserExistsDocument, variables: { id }, fetchPolicy: "network-only" });
      if (!found.data.user) throw new Error(`there is no user "${id}"`);
      let issued: string | null = pasted || null;
      if (info?.anonymousWrites) {
        const demo = await client.mutate({ mutation: ShopDemoTokenDocument, variables: { userId: id } });
        issued = demo.data?.demoUserToken ?? null;
      }
      signIn(id, issued);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent): void {
    event.preventDefault();
    // A pasted token names its user: the id field may stay empty.
    const id = idText.trim() || tokenSubject(token) || "";
    if (!id) return setError("enter a user id");
    void signInAs(id, token.trim());
  }

  async function randomUser(): Promise<void> {
    const page = await client.query({ query: ShopUserIdsDocument, variables: { first: 100 } });
    const ids = page.data.users.edges.map((e) => e.node.id);
    if (!ids.length) return setError("the catalogue has no users yet");
    const id = ids[Math.floor(Math.random() * ids.length)];
    setIdText(id);
    await signInAs(id, token.trim());
  }

  function leave(): void {
    // The fields would otherwise still hold the last user's id and token.
    setIdText("");
    setToken("");
    signOut();
  }

  if (userId) {
    const readOnly = needsToken && !hasToken;
    return (
      <div className="shop-signin shop-signed">
        <p>
          Signed in as <strong>user {userId}</strong>
          {readOnly ? " (read-only: paste a token to rate)" : ""}
        </p>
        <button type="button" onClick={leave}>
          Sign out
        </button>
      </div>
    );
  }

  return (
    <form className="shop-signin" onSubmit={submit} aria-labelledby="shop-signin-title">
      <h2 id="shop-signin-title">Who's shopping?</h2>
      <div className="shop-fields">
        <label>
          User id
          <input value={idText} onChange={(e) => setIdText(e.target.value)} autoComplete="username" placeholder="e.g. 196" />
        </label>
        {needsToken ? (
          <label>
            User token
            <input value={token} onChange={(e) => setToken(e.target.value)} type="password" autoComplete="off" placeholder="paste the token your site issued" />
          </label>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <button type="button" onClick={() => void randomUser()} disabled={busy}>
          Random user
        </button>
      </div>
      {needsToken ? <p className="shop-muted">This server needs a user token to rate; without one you can browse.</p> : null}
      {error ? (
        <p className="shop-error" role="alert">
          Could not sign in: {error}
        </p>
      ) : null}
    </form>
  );
}
