import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { holdoutSplit, leaveLastOut } from "../../src/data/splits";
import { createRng } from "../../src/math/random";

const triples = {
  users: Int32Array.from([1, 0, 0, 1, 2, 0]),
  items: Int32Array.from([2, 3, 1, 0, 3, 0]),
  values: Float32Array.from([5, 4, 3, 2, 1, 5]),
  times: Float64Array.from([10, 30, 20, NaN, 5, 25]),
};

describe("Interactions (CSR)", () => {
  const m = Interactions.fromTriples(3, 4, triples);

  it("sorts rows by item and supports lookups", () => {
    expect(Array.from(m.indptr)).toEqual([0, 3, 5, 6]);
    expect(Array.from(m.userItems(0))).toEqual([0, 1, 3]);
    expect(m.get(0, 3)).toBe(4);
    expect(m.get(2, 0)).toBeUndefined();
    expect(m.has(1, 2)).toBe(true);
    expect(m.userDegree(2)).toBe(1);
  });

  it("gives time order per user, unknown times last", () => {
    expect(Array.from(m.sequence(0))).toEqual([1, 0, 3]);
    expect(Array.from(m.sequence(1))).toEqual([2, 0]);
  });

  it("transposes (item-major) and back", () => {
    const t = m.transpose();
    expect(t.nUsers).toBe(4);
    expect(Array.from(t.userItems(3))).toEqual([0, 2]);
    expect(t.get(3, 0)).toBe(4);
    expect(Array.from(m.itemDegrees())).toEqual([2, 1, 1, 2]);
    expect(t.transpose()).toBe(m);
  });

  it("keeps the last value of a repeated pair and rejects out-of-range triples", () => {
    const dup = Interactions.fromTriples(1, 2, { users: Int32Array.from([0, 0]), items: Int32Array.from([1, 1]), values: Float32Array.from([1, 4]) });
    expect(dup.nnz).toBe(1);
    expect(dup.get(0, 1)).toBe(4);
    expect(() => Interactions.fromTriples(1, 1, { users: Int32Array.from([0]), items: Int32Array.from([1]), values: Float32Array.from([1]) })).toThrow(/outside/);
  });

  it("has a fingerprint that changes with the data", () => {
    const other = Interactions.fromTriples(3, 4, { ...triples, values: Float32Array.from([5, 4, 3, 2, 1, 4]) });
    expect(m.fingerprint()).toBe(Interactions.fromTriples(3, 4, triples).fingerprint());
    expect(other.fingerprint()).not.toBe(m.fingerprint());
  });
});

describe("splits", () => {
  const n = 50;
  const users = Int32Array.from({ length: n * 10 }, (_, k) => Math.floor(k / 10));
  const items = Int32Array.from({ length: n * 10 }, (_, k) => (k * 7) % 40);
  const big = Interactions.fromTriples(n, 40, { users, items, values: new Float32Array(n * 10).fill(1), times: Float64Array.from(users, (_, k) => k) });

  it("holdout: disjoint, complete, ~20% per user, reproducible", () => {
    const { train, test } = holdoutSplit(big, 0.2, 9);
    expect(train.nnz + test.nnz).toBe(big.nnz);
    for (let u = 0; u < n; u++) {
      expect(test.userDegree(u)).toBe(2);
      for (const i of test.userItems(u)) expect(train.has(u, i)).toBe(false);
    }
    expect(Array.from(holdoutSplit(big, 0.2, 9).test.indices)).toEqual(Array.from(test.indices));
    expect(Array.from(holdoutSplit(big, 0.2, 10).test.indices)).not.toEqual(Array.from(test.indices));
  });

  it("leave-last-out takes each user's latest interaction", () => {
    const { train, test } = leaveLastOut(big);
    for (let u = 0; u < n; u++) {
      const sequence = big.sequence(u);
      expect(Array.from(test.userItems(u))).toEqual([sequence[sequence.length - 1]]);
      expect(train.userDegree(u)).toBe(9);
    }
  });
});

describe("Interactions.fromTriples at any order", () => {
  it("equals a pair-by-pair reference on shuffled triples with repeats (the last occurrence wins), and sorted input takes the same CSR", () => {
    const rng = createRng(11);
    const n = 5_000;
    const nUsers = 70;
    const nItems = 40;
    const users = Int32Array.from({ length: n }, () => rng.int(nUsers));
    const items = Int32Array.from({ length: n }, () => rng.int(nItems));
    const values = Float32Array.from({ length: n }, (_, k) => k);
    const times = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? NaN : rng.int(1000)));
    const m = Interactions.fromTriples(nUsers, nItems, { users, items, values, times });
    const last = new Map<string, number>();
    for (let k = 0; k < n; k++) last.set(`${users[k]},${items[k]}`, k);
    expect(m.nnz).toBe(last.size);
    for (const [pair, k] of last) {
      const [u, i] = pair.split(",").map(Number);
      expect(m.get(u, i)).toBe(values[k]);
    }
    for (let u = 0; u < nUsers; u++) {
      const row = Array.from(m.userItems(u));
      expect(row).toEqual([...row].sort((a, b) => a - b));
    }
    // Re-built from its own (sorted, unique) entries: the fast path gives the same matrix.
    const rowsOf = Int32Array.from({ length: m.nnz }, (_, p) => {
      let u = 0;
      while (m.indptr[u + 1] <= p) u++;
      return u;
    });
    const again = Interactions.fromTriples(nUsers, nItems, { users: rowsOf, items: m.indices, values: m.values, times: m.times });
    expect(again.fingerprint()).toBe(m.fingerprint());
    expect(Array.from(again.times!)).toEqual(Array.from(m.times!));
    // One row's time order is that row of the whole order.
    const whole = Interactions.fromTriples(nUsers, nItems, { users, items, values, times });
    const rows = Array.from({ length: nUsers }, (_, u) => Array.from(whole.rowTimeOrder(u)));
    expect(rows.flat()).toEqual(Array.from(whole.timeOrder()));
  });
});
