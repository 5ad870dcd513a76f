// The signed-in shopper as React state. `session` (apollo.ts) keeps it in sessionStorage so
// the Apollo link can send the token; this store lets every mounted component re-render
// when someone signs in or out (the sign-in box, the row, the item page's "why this?").
import { useQuery } from "@apollo/client";
import { useSyncExternalStore } from "react";
import { session } from "../apollo";
import { ShopServerInfoDocument } from "../gql/graphql";

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signIn(userId: string, token: string | null): void {
  session.signIn(userId, token);
  listeners.forEach((listener) => listener());
}

export function signOut(): void {
  session.signOut();
  listeners.forEach((listener) => listener());
}

/** The signed-in user's id, or null. */
export function useUserId(): string | null {
  return useSyncExternalStore(subscribe, session.userId);
}

/** Whether this visitor may write as the signed-in user: a token, or a server that accepts anonymous writes. */
export function useHasToken(): boolean {
  return useSyncExternalStore(subscribe, () => session.userToken() !== null);
}

/** The `sub` of a pasted JWT (the user it was issued for), or null when it is not a readable JWT. */
export function tokenSubject(token: string): string | null {
  const payload = token.trim().split(".")[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { sub?: unknown };
    return typeof json.sub === "string" ? json.sub : null;
  } catch {
    return null;
  }
}

/**
 * Whether the signed-in visitor can rate: with a token, or on a server that accepts
 * anonymous writes. Without either the pages stay read-only instead of failing on a click.
 */
export function useCanRate(): boolean {
  const hasToken = useHasToken();
  const info = useQuery(ShopServerInfoDocument).data?.serverInfo;
  return hasToken || (info?.anonymousWrites ?? false);
}
