// The synthetic catalogue generator: deterministic, the requested sizes, distinct pairs, a power-law
// popularity and long-tailed activity, readable by the MovieLens "latest" reader the importer uses,
// and coded errors for sizes it cannot honour.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDataset } from "../../src/data/formats";
import { writeSyntheticDataset, type SynthOptions } from "../../src/data/synth";
import { ValidationError } from "../../src/errors";

const dirs: string[] = [];
const fresh = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-synth-"));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const OPTIONS: SynthOptions = { users: 400, items: 600, ratings: 12_000, seed: 7 };

async function ratingsOf(dir: string): Promise<{ user: string; item: string; value: number; ratedAt: number }[]> {
  const rows: { user: string; item: string; value: number; ratedAt: number }[] = [];
  for await (const r of openDataset("movielens-latest", dir).ratings()) rows.push({ user: r.user, item: r.item, value: r.value, ratedAt: r.time ?? 0 });
  return rows;
}

describe("writeSyntheticDataset", () => {
  it("writes the same bytes for the same options and seed, other bytes for another seed", async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    await writeSyntheticDataset(a, OPTIONS);
    await writeSyntheticDataset(b, OPTIONS);
    await writeSyntheticDataset(c, { ...OPTIONS, seed: 8 });
    for (const file of ["ratings.csv", "movies.csv"]) expect(fs.readFileSync(path.join(b, file))).toEqual(fs.readFileSync(path.join(a, file)));
    expect(fs.readFileSync(path.join(c, "ratings.csv"))).not.toEqual(fs.readFileSync(path.join(a, "ratings.csv")));
  });

  it("has the requested sizes, distinct pairs, valid values, and reads back through the importer's reader", async () => {
    const dir = fresh();
    const summary = await writeSyntheticDataset(dir, OPTIONS);
    const rows = await ratingsOf(dir);
    expect(rows).toHaveLength(OPTIONS.ratings);
    expect(new Set(rows.map((r) => r.user)).size).toBe(OPTIONS.users);
    expect(new Set(rows.map((r) => `${r.user}:${r.item}`)).size).toBe(OPTIONS.ratings);
    for (const r of rows) {
      expect(r.value * 2).toBe(Math.round(r.value * 2));
      expect(r.value).toBeGreaterThanOrEqual(0.5);
      expect(r.value).toBeLessThanOrEqual(5);
    }
    const items = [];
    for await (const item of openDataset("movielens-latest", dir).items()) items.push(item);
    expect(items).toHaveLength(OPTIONS.items);
    for (const item of items) {
      expect(item.genres?.length).toBeGreaterThanOrEqual(1);
      expect(item.year).toBeGreaterThan(1900);
    }
    expect(summary).toMatchObject({ users: OPTIONS.users, items: OPTIONS.items, ratings: OPTIONS.ratings });
    // Each user's ratings are in time order.
    const last = new Map<string, number>();
    for (const r of rows) {
      expect(r.ratedAt).toBeGreaterThan(last.get(r.user) ?? 0);
      last.set(r.user, r.ratedAt);
    }
  });

  it("skews popularity by a power law and activity by a long tail", async () => {
    const dir = fresh();
    const summary = await writeSyntheticDataset(dir, { users: 2000, items: 2000, ratings: 60_000, seed: 3 });
    const rows = await ratingsOf(dir);
    const perItem = new Map<string, number>();
    for (const r of rows) perItem.set(r.item, (perItem.get(r.item) ?? 0) + 1);
    const counts = [...perItem.values()].sort((a, b) => b - a);
    const share = (k: number) => counts.slice(0, k).reduce((a, b) => a + b, 0) / rows.length;
    // Zipf (s = 1) over 2,000 items: the top 1 % carry far more than 1 %, the top 10 % over a third.
    expect(share(20)).toBeGreaterThan(0.15);
    expect(share(200)).toBeGreaterThan(0.35);
    expect(summary.topItemShare).toBeCloseTo(share(20), 10);
    // Flatter with exponent 0: the top 1 % hold about 1 %.
    const flat = await writeSyntheticDataset(fresh(), { users: 2000, items: 2000, ratings: 60_000, seed: 3, popularityExponent: 0 });
    expect(flat.topItemShare).toBeLessThan(0.03);
    // Long-tailed activity: the most active user rates many times the median.
    expect(summary.userRatings.max).toBeGreaterThan(8 * summary.userRatings.median);
    expect(summary.userRatings.min).toBeGreaterThanOrEqual(1);
  });

  it("refuses sizes it cannot honour with a coded error naming the field and the limit", async () => {
    const refused = async (options: SynthOptions) => {
      const error = await writeSyntheticDataset(fresh(), options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      return error as ValidationError;
    };
    expect((await refused({ users: 10, items: 10, ratings: 51 })).field).toBe("ratings");
    expect((await refused({ users: 10, items: 10, ratings: 51 })).message).toContain("at most users × ⌊items / 2⌋ = 50");
    expect((await refused({ users: 10, items: 100, ratings: 5 })).field).toBe("ratings");
    expect((await refused({ users: 0, items: 100, ratings: 5 })).field).toBe("users");
    expect((await refused({ users: 10, items: 100, ratings: 50, popularityExponent: 9 })).field).toBe("popularityExponent");
  });
});
