import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { holdoutSplit, kFoldSplit, leaveLastOut, leaveLastOutValidation, subset } from "../../src/data/splits";
import { ValidationError } from "../../src/errors";
import { createRng } from "../../src/math/random";

/** Users 0..n−1 with 1..12 interactions each, random items and times (seeded). */
function randomData(nUsers = 40, nItems = 30, seed = 5): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const degree = 1 + (u % 12);
    const picked = rng.shuffle(Int32Array.from({ length: nItems }, (_, i) => i)).subarray(0, degree);
    for (const item of picked) {
      users.push(u);
      items.push(item);
      values.push(1 + rng.int(5));
      times.push(1_000_000 + rng.int(100_000));
    }
  }
  return Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: Float32Array.from(values),
    times: Float64Array.from(times),
  });
}

/** Every (user, item, value) of a matrix as strings, for set comparisons. */
function cells(m: Interactions): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.nUsers; u++) for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) out.push(`${u}:${m.indices[k]}:${m.values[k]}`);
  return out;
}

const data = randomData();

describe("kFoldSplit", () => {
  it("puts every interaction in exactly one test fold, with fold sizes within one", () => {
    const folds = kFoldSplit(data, 5, 42);
    expect(folds).toHaveLength(5);
    const sizes = folds.map((f) => f.test.nnz);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(data.nnz);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    const allTest = folds.flatMap((f) => cells(f.test));
    expect(new Set(allTest).size).toBe(data.nnz);
    expect(allTest.sort()).toEqual(cells(data).sort());
    for (const fold of folds) {
      expect(fold.train.nUsers).toBe(data.nUsers);
      expect(fold.train.nItems).toBe(data.nItems);
      expect(fold.train.nnz + fold.test.nnz).toBe(data.nnz);
      const train = new Set(cells(fold.train));
      for (const c of cells(fold.test)) expect(train.has(c)).toBe(false);
      expect(fold.test.times).toBeDefined();
    }
  });

  it("reproduces with a seed and changes with another", () => {
    const a = kFoldSplit(data, 5, 42).map((f) => cells(f.test));
    expect(kFoldSplit(data, 5, 42).map((f) => cells(f.test))).toEqual(a);
    expect(kFoldSplit(data, 5, 43).map((f) => cells(f.test))).not.toEqual(a);
  });

  it("rejects a bad fold count with a ValidationError naming the field", () => {
    expect(() => kFoldSplit(data, 1, 1)).toThrow(ValidationError);
    expect(() => kFoldSplit(data, 2.5, 1)).toThrow(/folds/);
    expect(() => kFoldSplit(data, data.nnz + 1, 1)).toThrow(/at most the number of interactions/);
  });
});

describe("leaveLastOutValidation", () => {
  const split = leaveLastOutValidation(data);

  it("test = latest, validation = second latest by time; short histories give less", () => {
    for (let u = 0; u < data.nUsers; u++) {
      const sequence = data.sequence(u);
      const n = sequence.length;
      if (n >= 2) expect(Array.from(split.test.userItems(u))).toEqual([sequence[n - 1]]);
      else expect(split.test.userDegree(u)).toBe(0);
      if (n >= 3) expect(Array.from(split.validation.userItems(u))).toEqual([sequence[n - 2]]);
      else expect(split.validation.userDegree(u)).toBe(0);
      expect(split.train.userDegree(u)).toBe(n >= 3 ? n - 2 : n >= 2 ? n - 1 : 1);
      // Training items all come before the validation item in time.
      const trainItems = new Set(split.train.userItems(u));
      expect(sequence.slice(0, trainItems.size).every((i) => trainItems.has(i))).toBe(true);
    }
  });

  it("partitions the data with no overlap", () => {
    const parts = [...cells(split.train), ...cells(split.validation), ...cells(split.test)];
    expect(new Set(parts).size).toBe(data.nnz);
    expect(parts.sort()).toEqual(cells(data).sort());
  });

  it("agrees with leaveLastOut on the test part", () => {
    expect(cells(leaveLastOut(data).test)).toEqual(cells(split.test));
  });
});

describe("existing exports keep working", () => {
  it("holdoutSplit and subset", () => {
    const { train, test } = holdoutSplit(data, 0.2, 9);
    expect(train.nnz + test.nnz).toBe(data.nnz);
    const odd = subset(data, (_k, u) => u % 2 === 1);
    for (let u = 0; u < data.nUsers; u++) expect(odd.userDegree(u)).toBe(u % 2 === 1 ? data.userDegree(u) : 0);
  });
});
