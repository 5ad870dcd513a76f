// npm run synth -- --users <n> --items <n> --ratings <n> --out <dir> [--seed 42] [--popularity-exponent 1] [--activity-sigma 1.2]
// Writes a deterministic synthetic catalogue (src/data/synth.ts) in the MovieLens "latest" format:
// import it with `npm run import -- --format movielens-latest --path <dir>` or evaluate on it.
import { parseArgs } from "node:util";
import { writeSyntheticDataset } from "../src/data/synth";
import { HELP, UsageError, parseCli, required, runMain } from "./lib/cli";

const usage = `usage: npm run synth -- --users <n> --items <n> --ratings <n> --out <dir>
    [--seed 42] [--popularity-exponent 1] [--activity-sigma 1.2]
  e.g. MovieLens 25M's size: --users 162541 --items 59047 --ratings 25000095`;

function number(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${name}: ${raw} is not a number\n${usage}`);
  return value;
}

runMain(async () => {
  const text = { type: "string" } as const;
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: { ...HELP, users: text, items: text, ratings: text, out: text, seed: text, "popularity-exponent": text, "activity-sigma": text },
    }),
  );
  const out = required(values.out, "out", usage);
  const started = performance.now();
  const summary = await writeSyntheticDataset(out, {
    users: number(required(values.users, "users", usage), "users")!,
    items: number(required(values.items, "items", usage), "items")!,
    ratings: number(required(values.ratings, "ratings", usage), "ratings")!,
    seed: number(values.seed, "seed"),
    popularityExponent: number(values["popularity-exponent"], "popularity-exponent"),
    activitySigma: number(values["activity-sigma"], "activity-sigma"),
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `synth ${summary.ratings} ratings (${summary.users} users, ${summary.items} items) into ${out} in ${seconds.toFixed(1)} s: ` +
      `top 1 % of items hold ${(100 * summary.topItemShare).toFixed(1)} % of the ratings; ratings per user min ${summary.userRatings.min}, median ${summary.userRatings.median}, max ${summary.userRatings.max}\n`,
  );
});
