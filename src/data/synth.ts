// A deterministic synthetic catalogue of any size with the shape of real rating data, written in the
// MovieLens "latest" format (ratings.csv, movies.csv) that the importer and the evaluation read, so
// scale can be measured offline (`npm run synth`).
//
// Shape, all drawn from one seeded generator (same options and seed → the same bytes):
//  - item popularity follows a power law: item of popularity rank r is drawn with weight 1 / r^s
//    (s = popularityExponent, default 1, Zipf's law), the ranks a seeded permutation of the ids;
//  - user activity is long-tailed: each user's share of the ratings is log-normal (σ = activitySigma),
//    every user has at least one rating and at most half the catalogue;
//  - a user's items are distinct, drawn by popularity (weighted sampling without replacement);
//  - ratings 0.5–5 in half stars around an item quality and a user bias (mean near 3.5);
//  - timestamps: each user rates over a span inside [start, start + years], in time order;
//  - each item has one to three of MovieLens' 18 genres (skewed towards the common ones) and a year.
// Memory is O(users + items): rows are generated user by user and streamed to the files.
import fs from "node:fs";
import path from "node:path";
import { ValidationError } from "../errors";
import { createRng, type Rng } from "../math/random";

export interface SynthOptions {
  users: number;
  items: number;
  ratings: number;
  seed?: number;
  /** s of the item popularity power law 1 / rank^s (default 1). */
  popularityExponent?: number;
  /** σ of the log-normal user activity (default 1.2). */
  activitySigma?: number;
  /** First timestamp, Unix seconds (default 2000-01-01). */
  start?: number;
  /** Years the timestamps span (default 20). */
  years?: number;
}

export interface SynthSummary {
  users: number;
  items: number;
  ratings: number;
  seed: number;
  /** Share of the ratings on the 1 % most rated items. */
  topItemShare: number;
  /** Ratings of the least and the most active user, and the median. */
  userRatings: { min: number; median: number; max: number };
  files: string[];
}

const GENRES = [
  "Drama",
  "Comedy",
  "Thriller",
  "Action",
  "Romance",
  "Adventure",
  "Crime",
  "Sci-Fi",
  "Horror",
  "Fantasy",
  "Children",
  "Animation",
  "Mystery",
  "Documentary",
  "War",
  "Musical",
  "Western",
  "Film-Noir",
];

/** Most rows the generator writes (a bound on hostile sizes; MovieLens 32M has 32,000,204). */
export const SYNTH_MAX_RATINGS = 200_000_000;

function checkOptions(o: SynthOptions): Required<SynthOptions> {
  const int = (field: keyof SynthOptions, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) throw new ValidationError(field, value, `an integer in ${min}–${max}`);
  };
  int("users", o.users, 1, 50_000_000);
  int("items", o.items, 2, 10_000_000);
  int("ratings", o.ratings, o.users, SYNTH_MAX_RATINGS);
  // At most half the catalogue per user, so that distinct items can always be drawn.
  const capacity = o.users * Math.floor(o.items / 2);
  if (o.ratings > capacity) throw new ValidationError("ratings", o.ratings, `at most users × ⌊items / 2⌋ = ${capacity} (half the catalogue per user)`);
  const full: Required<SynthOptions> = {
    users: o.users,
    items: o.items,
    ratings: o.ratings,
    seed: o.seed ?? 42,
    popularityExponent: o.popularityExponent ?? 1,
    activitySigma: o.activitySigma ?? 1.2,
    start: o.start ?? 946_684_800,
    years: o.years ?? 20,
  };
  int("seed", full.seed, 0, 2 ** 32 - 1);
  if (!(full.popularityExponent >= 0 && full.popularityExponent <= 3)) throw new ValidationError("popularityExponent", full.popularityExponent, "a number in 0–3");
  if (!(full.activitySigma >= 0 && full.activitySigma <= 3)) throw new ValidationError("activitySigma", full.activitySigma, "a number in 0–3");
  int("start", full.start, 0, 4_000_000_000);
  if (!(full.years > 0 && full.years <= 100)) throw new ValidationError("years", full.years, "a number in (0, 100]");
  return full;
}

/** Ratings per user: 1 + a log-normal share of the rest, capped at half the catalogue, summing to `ratings`. */
function userCounts(o: Required<SynthOptions>, rng: Rng): Int32Array {
  const cap = Math.floor(o.items / 2);
  const weights = Float64Array.from({ length: o.users }, () => Math.exp(o.activitySigma * rng.normal()));
  let total = 0;
  for (const w of weights) total += w;
  const counts = new Int32Array(o.users);
  const rest = o.ratings - o.users;
  let assigned = 0;
  for (let u = 0; u < o.users; u++) {
    counts[u] = Math.min(cap, 1 + Math.floor((rest * weights[u]) / total));
    assigned += counts[u];
  }
  // The remainder (rounding, capped users) goes to seeded users below the cap.
  while (assigned < o.ratings) {
    const u = rng.int(o.users);
    if (counts[u] < cap) {
      counts[u]++;
      assigned++;
    }
  }
  return counts;
}

/** Cumulative popularity weights over item ids (rank r ↦ 1 / r^s, ranks a seeded permutation). */
function popularity(o: Required<SynthOptions>, rng: Rng): { cumulative: Float64Array; weight: Float64Array } {
  const rankOf = rng.shuffle(Int32Array.from({ length: o.items }, (_, i) => i));
  const weight = Float64Array.from(rankOf, (r) => 1 / Math.pow(r + 1, o.popularityExponent));
  const cumulative = new Float64Array(o.items);
  let sum = 0;
  for (let i = 0; i < o.items; i++) cumulative[i] = sum += weight[i];
  return { cumulative, weight };
}

/** An item drawn by popularity (binary search of a uniform point in the cumulative weights). */
function drawItem(cumulative: Float64Array, rng: Rng): number {
  const target = rng.next() * cumulative[cumulative.length - 1];
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Buffered writes with backpressure. */
class Output {
  private chunks: string[] = [];
  private size = 0;
  private readonly stream: fs.WriteStream;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file, { encoding: "utf-8" });
  }

  async line(text: string): Promise<void> {
    this.chunks.push(text, "\n");
    this.size += text.length + 1;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const data = this.chunks.join("");
    this.chunks = [];
    this.size = 0;
    if (!this.stream.write(data)) await new Promise<void>((resolve) => this.stream.once("drain", () => resolve()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

/** Writes movies.csv and ratings.csv (and synth.json, the options and summary) into `dir`. */
export async function writeSyntheticDataset(dir: string, options: SynthOptions): Promise<SynthSummary> {
  const o = checkOptions(options);
  fs.mkdirSync(dir, { recursive: true });
  const root = createRng(o.seed);
  const [countsRng, popularityRng, itemRng, ratingRng] = [root.fork(), root.fork(), root.fork(), root.fork()];
  const counts = userCounts(o, countsRng);
  const { cumulative, weight } = popularity(o, popularityRng);

  // Items: ids 1 … items, genres, year, a quality around which they are rated.
  const quality = new Float64Array(o.items);
  const movies = new Output(path.join(dir, "movies.csv"));
  await movies.line("movieId,title,genres");
  for (let i = 0; i < o.items; i++) {
    quality[i] = 3.5 + 0.5 * itemRng.normal();
    const genres = new Set<string>();
    const n = 1 + itemRng.int(3);
    // Skewed towards the front of the list (Drama, Comedy, …) as in MovieLens.
    while (genres.size < n) genres.add(GENRES[Math.floor(GENRES.length * Math.pow(itemRng.next(), 2))]);
    const year = 2023 - Math.floor(90 * Math.pow(itemRng.next(), 2));
    await movies.line(`${i + 1},Synthetic Item ${i + 1} (${year}),${[...genres].join("|")}`);
  }
  await movies.close();

  const ratings = new Output(path.join(dir, "ratings.csv"));
  await ratings.line("userId,movieId,rating,timestamp");
  const stamp = new Int32Array(o.items).fill(-1);
  const itemRatings = new Float64Array(o.items);
  const span = o.years * 365.25 * 86_400;
  const picked: number[] = [];
  for (let u = 0; u < o.users; u++) {
    const count = counts[u];
    picked.length = 0;
    if (count * 8 <= o.items) {
      // Light users: draw by popularity, redraw the few repeats.
      while (picked.length < count) {
        const i = drawItem(cumulative, ratingRng);
        if (stamp[i] === u) continue;
        stamp[i] = u;
        picked.push(i);
      }
    } else {
      // Heavy users: weighted sampling without replacement by exponential keys (Efraimidis–Spirakis).
      const keys = Float64Array.from(weight, (w) => -Math.log(1 - ratingRng.next()) / w);
      const order = Int32Array.from({ length: o.items }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
      for (let k = 0; k < count; k++) picked.push(order[k]);
    }
    const bias = 0.4 * ratingRng.normal();
    const userSpan = span * Math.min(1, 0.05 + ratingRng.next() * 0.5);
    let t = o.start + Math.floor(ratingRng.next() * (span - userSpan));
    const step = Math.max(1, Math.floor(userSpan / count));
    for (const i of picked) {
      const value = Math.min(5, Math.max(0.5, Math.round((quality[i] + bias + 0.8 * ratingRng.normal()) * 2) / 2));
      t += 1 + ratingRng.int(2 * step);
      itemRatings[i]++;
      await ratings.line(`${u + 1},${i + 1},${value.toFixed(1)},${t}`);
    }
  }
  await ratings.close();

  const sortedItems = Float64Array.from(itemRatings).sort().reverse();
  const top = Math.max(1, Math.floor(o.items / 100));
  let topSum = 0;
  for (let k = 0; k < top; k++) topSum += sortedItems[k];
  const sortedUsers = Int32Array.from(counts).sort();
  const summary: SynthSummary = {
    users: o.users,
    items: o.items,
    ratings: o.ratings,
    seed: o.seed,
    topItemShare: topSum / o.ratings,
    userRatings: { min: sortedUsers[0], median: sortedUsers[sortedUsers.length >> 1], max: sortedUsers[sortedUsers.length - 1] },
    files: ["movies.csv", "ratings.csv"],
  };
  fs.writeFileSync(path.join(dir, "synth.json"), `${JSON.stringify({ options: o, summary }, null, 2)}\n`);
  return summary;
}
