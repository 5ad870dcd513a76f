// A deterministic synthetic demo catalogue for offline first starts: movies with genres,
// years and titles; users whose tastes mix a few genres; ratings drawn from a latent
// factor model (taste · item profile + biases + noise) with popularity skew, so that
// recommenders have real structure to find.
import type { ItemRecord, RatingRecord, UserRecord } from "../db/records";
import { createRng, type Rng } from "../math/random";
import { ML100K_GENRES } from "./formats/movielens100k";

export interface SyntheticOptions {
  users?: number;
  items?: number;
  seed?: number;
}

export interface SyntheticCatalogue {
  users: UserRecord[];
  items: ItemRecord[];
  ratings: RatingRecord[];
}

/** MovieLens 100K's genres without its "unknown". */
const GENRES = ML100K_GENRES.slice(1);
const ADJECTIVES = [
  "Silent",
  "Last",
  "Golden",
  "Broken",
  "Hidden",
  "Crimson",
  "Lonely",
  "Electric",
  "Frozen",
  "Wild",
  "Secret",
  "Distant",
  "Burning",
  "Midnight",
  "Lost",
  "Iron",
  "Velvet",
  "Restless",
  "Forgotten",
  "Bright",
];
const NOUNS = [
  "Harbor",
  "Kingdom",
  "Detective",
  "Garden",
  "Frontier",
  "Voyage",
  "Machine",
  "Summer",
  "Shadow",
  "River",
  "Empire",
  "Letter",
  "Orchestra",
  "Island",
  "Stranger",
  "Mountain",
  "Circus",
  "Promise",
  "Station",
  "Horizon",
];
const OCCUPATIONS = ["student", "engineer", "artist", "educator", "writer", "programmer", "scientist", "retired", "healthcare", "other"];

const DIM = GENRES.length;

export function generateSyntheticCatalogue(options: SyntheticOptions = {}): SyntheticCatalogue {
  const rng = createRng(options.seed ?? 2024);
  const nUsers = options.users ?? 600;
  const nItems = options.items ?? 1200;

  // Items: 1–3 genres (common genres more often), a profile over genres, quality and popularity.
  const genreWeight = GENRES.map((_, g) => 1 / (1 + g * 0.25));
  const itemProfiles = new Float32Array(nItems * DIM);
  const itemBias = new Float32Array(nItems);
  const itemPopularity = new Float64Array(nItems);
  const items: ItemRecord[] = [];
  const usedTitles = new Set<string>();
  for (let i = 0; i < nItems; i++) {
    const count = 1 + Math.min(2, Math.floor(-Math.log(1 - rng.next()) * 0.9));
    const genres = new Set<number>();
    while (genres.size < count) genres.add(pickWeighted(rng, genreWeight));
    for (const g of genres) itemProfiles[i * DIM + g] = 1 / Math.sqrt(genres.size);
    for (let d = 0; d < DIM; d++) itemProfiles[i * DIM + d] += rng.normal() * 0.15;
    itemBias[i] = rng.normal() * 0.45;
    itemPopularity[i] = Math.exp(rng.normal() * 1.1);
    const year = 1950 + Math.floor(Math.pow(rng.next(), 0.6) * 71);
    let title: string;
    do {
      title = `The ${ADJECTIVES[rng.int(ADJECTIVES.length)]} ${NOUNS[rng.int(NOUNS.length)]}`;
      if (usedTitles.has(title)) title += ` ${["II", "III", "Returns", "Rising", "Forever"][rng.int(5)]}`;
    } while (usedTitles.has(title));
    usedTitles.add(title);
    items.push({
      externalId: String(i + 1),
      title: `${title} (${year})`,
      genres: [...genres].sort((a, b) => a - b).map((g) => GENRES[g]),
      year,
      metadata: { synthetic: true },
    });
  }

  // Users: tastes concentrated on 1–3 genres, a rating bias and an activity level.
  const users: UserRecord[] = [];
  const ratings: RatingRecord[] = [];
  const start = Date.UTC(2020, 0, 1) / 1000;
  const taste = new Float32Array(DIM);
  const weights = new Float64Array(nItems);
  for (let u = 0; u < nUsers; u++) {
    taste.fill(0);
    const liked = 1 + rng.int(3);
    for (let l = 0; l < liked; l++) taste[pickWeighted(rng, genreWeight)] += 1.6 / liked;
    for (let d = 0; d < DIM; d++) taste[d] += rng.normal() * 0.25;
    const userBias = rng.normal() * 0.35;
    const activity = Math.min(250, Math.round(20 + Math.exp(3 + rng.normal() * 0.8)));
    users.push({
      externalId: String(u + 1),
      attributes: { age: 16 + rng.int(55), occupation: OCCUPATIONS[rng.int(OCCUPATIONS.length)], synthetic: true },
    });
    const affinity = (i: number) => {
      let dot = 0;
      for (let d = 0; d < DIM; d++) dot += taste[d] * itemProfiles[i * DIM + d];
      return dot;
    };
    for (let i = 0; i < nItems; i++) weights[i] = itemPopularity[i] * Math.exp(2.2 * affinity(i));
    let time = start + rng.int(365 * 86400);
    for (let r = 0; r < activity; r++) {
      const i = pickWeighted(rng, weights);
      weights[i] = 0; // without replacement
      const value = 3.3 + userBias + itemBias[i] + 1.4 * affinity(i) + rng.normal() * 0.55;
      time += 60 + rng.int(3 * 86400);
      ratings.push({ user: String(u + 1), item: String(i + 1), value: Math.min(5, Math.max(1, Math.round(value))), time });
    }
  }
  return { users, items, ratings };
}

function pickWeighted(rng: Rng, weights: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let target = rng.next() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i];
    if (target < 0) return i;
  }
  return weights.length - 1;
}
