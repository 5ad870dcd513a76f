// Diversity re-ranking by maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998):
// repeatedly pick argmax (1 − λ)·relevance(i) − λ·max_{j picked} similarity(i, j), with
// relevance min–max normalised over the candidate pool. Similarity comes from the model's
// item embeddings/graph when it has them, else from genre overlap (Jaccard).
import type { ItemContent } from "../data/dataset";
import type { Ranked, Recommender } from "../models/types";

export function rerankByDiversity(pool: Ranked, want: number, lambda: number, model: Recommender, content: readonly ItemContent[]): Ranked {
  const n = pool.items.length;
  const take = Math.min(want, n);
  if (n === 0 || lambda <= 0) return { items: pool.items.slice(0, take), scores: pool.scores.slice(0, take) };
  let min = Infinity;
  let max = -Infinity;
  for (const s of pool.scores) {
    if (s < min) min = s;
    if (s > max) max = s;
  }
  const relevance = Float32Array.from(pool.scores, (s) => (max > min ? (s - min) / (max - min) : 1));
  // maxSimilarity[c]: the candidate's highest similarity to anything picked so far.
  const maxSimilarity = new Float32Array(n);
  const picked = new Uint8Array(n);
  const items = new Int32Array(take);
  const scores = new Float32Array(take);
  const useModel = model.capabilities.similarItems;
  // Per-pair models compare a pick with the pool only (n items, not the catalogue): measured
  // on MovieLens 100K with ALS, first: 100 at diversity 1 re-ranked in ~1/5 of the time.
  const among = useModel && model.itemSimilaritiesAmong ? model.itemSimilaritiesAmong.bind(model) : undefined;
  const similarities = useModel ? new Float32Array(among ? n : model.nItems) : undefined;
  for (let r = 0; r < take; r++) {
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < n; c++) {
      if (picked[c]) continue;
      const value = (1 - lambda) * relevance[c] - lambda * maxSimilarity[c];
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    picked[best] = 1;
    items[r] = pool.items[best];
    scores[r] = pool.scores[best];
    const chosen = pool.items[best];
    if (among && similarities) among(chosen, pool.items, similarities);
    else if (similarities) model.itemSimilarities(chosen, similarities);
    for (let c = 0; c < n; c++) {
      if (picked[c]) continue;
      const other = pool.items[c];
      const similarity = similarities ? similarities[among ? c : other] : genreJaccard(content[chosen], content[other]);
      if (similarity > maxSimilarity[c]) maxSimilarity[c] = similarity;
    }
  }
  return { items, scores };
}

function genreJaccard(a: ItemContent | undefined, b: ItemContent | undefined): number {
  if (!a || !b || a.genres.length === 0 || b.genres.length === 0) return 0;
  let shared = 0;
  for (const genre of a.genres) if (b.genres.includes(genre)) shared++;
  return shared / (a.genres.length + b.genres.length - shared);
}
