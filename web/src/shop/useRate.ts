// Rating an item as the signed-in user, then refetching everything the rating changes:
// the row (fold-in: the next recommendations reflect it without retraining), up next,
// the latest ratings and an open explanation. The refetch is awaited so "busy" covers it.
import { useMutation } from "@apollo/client";
import { useState } from "react";
import { ShopRateItemDocument } from "../gql/graphql";

export interface LastRating {
  itemId: string;
  label: string;
  value: number;
}

const AFFECTED = ["ShopRecommendations", "ShopNextItems", "ShopUserRatings", "ShopExplain"];

export function useRate(userId: string) {
  const [mutate, state] = useMutation(ShopRateItemDocument, { refetchQueries: AFFECTED, awaitRefetchQueries: true });
  const [last, setLast] = useState<LastRating | null>(null);
  async function rate(itemId: string, label: string, value: number): Promise<void> {
    try {
      await mutate({ variables: { userId, itemId, value } });
      setLast({ itemId, label, value });
    } catch {
      // The error is in state.error and shown by the page.
    }
  }
  return { rate, busy: state.loading, error: state.error, last };
}
