// Small display helpers shared by the shop pages.
import type { RecommendationSource } from "../gql/graphql";

/** "Toy Story (1995)": MovieLens titles already carry the year; others get it appended. */
export function itemLabel(item: { id: string; title?: string | null; year?: number | null }): string {
  const title = item.title ?? `Item ${item.id}`;
  if (item.year && !title.includes(`(${item.year})`)) return `${title} (${item.year})`;
  return title;
}

/** A rating as filled and empty stars: 4 → "★★★★☆" (half values round to the nearest star). */
export function starString(value: number, max = 5): string {
  const filled = Math.max(0, Math.min(max, Math.round(value)));
  return "★".repeat(filled) + "☆".repeat(max - filled);
}

/** What each source means to a shopper, not to an engineer. */
export const SOURCE_TEXT: Record<RecommendationSource, string> = {
  MODEL: "scored by the model as it learned you",
  FOLD_IN: "your latest ratings folded in at once, no retraining",
  POPULARITY_FALLBACK: "most popular items: the model cannot score you yet",
};

/** A year field's value as a filter bound: only complete 4-digit years count, so typing "19" does not refilter. */
export function yearBound(text: string): number | undefined {
  return /^\d{4}$/.test(text.trim()) ? Number(text.trim()) : undefined;
}

export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}
