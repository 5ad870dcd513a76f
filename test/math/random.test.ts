import { describe, expect, it } from "vitest";
import { createRng } from "../../src/math/random";

describe("seeded random numbers", () => {
  it("reproduces a stream from a seed and differs across seeds", () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 20 }, () => a.next());
    expect(Array.from({ length: 20 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 20 }, () => c.next())).not.toEqual(sa);
  });

  it("has sane uniform, integer and normal moments", () => {
    const rng = createRng(1);
    const n = 100_000;
    let sum = 0;
    let normalSum = 0;
    let normalSq = 0;
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      buckets[rng.int(10)]++;
      const z = rng.normal();
      normalSum += z;
      normalSq += z * z;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const count of buckets) expect(Math.abs(count - n / 10)).toBeLessThan(n / 100);
    expect(normalSum / n).toBeCloseTo(0, 1);
    expect(normalSq / n).toBeCloseTo(1, 1);
  });

  it("shuffles into a permutation", () => {
    const array = Int32Array.from({ length: 100 }, (_, i) => i);
    createRng(5).shuffle(array);
    expect([...array].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(array)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
