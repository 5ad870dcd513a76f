import { describe, expect, it } from "vitest";
import { IdMap } from "../../src/data/idMap";
import { Interactions } from "../../src/data/interactions";
import {
  InteractionGraph,
  connectedComponents,
  explainPaths,
  explainPathsById,
  graphSimilarItems,
  graphStats,
  itemKey,
  normalizedAdjacency,
  normalizedBipartite,
  parseNodeKey,
  summarizeDegrees,
  userKey,
} from "../../src/graph";
import { createRng } from "../../src/math/random";
import { csrToDense, validateCsr } from "../../src/math/sparse";

function triples(nUsers: number, nItems: number, list: [number, number, number?][]): Interactions {
  return Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(list, (t) => t[0]),
    items: Int32Array.from(list, (t) => t[1]),
    values: Float32Array.from(list, (t) => t[2] ?? 1),
  });
}

function randomInteractions(nUsers: number, nItems: number, perUser: number, seed: number, ratings = false): Interactions {
  const rng = createRng(seed);
  const list: [number, number, number][] = [];
  for (let u = 0; u < nUsers; u++) {
    const seen = new Set<number>();
    for (let t = 0; t < perUser; t++) {
      const i = rng.int(nItems);
      if (seen.has(i)) continue;
      seen.add(i);
      list.push([u, i, ratings ? 1 + rng.int(5) : 1]);
    }
  }
  return triples(nUsers, nItems, list);
}

/** Dense (nU+nI)² adjacency normalised by brute force. */
function bruteAdjacency(data: Interactions, weighted: boolean, loops: boolean): Float64Array {
  const n = data.nUsers + data.nItems;
  const a = new Float64Array(n * n);
  for (let u = 0; u < data.nUsers; u++) {
    for (let k = data.indptr[u]; k < data.indptr[u + 1]; k++) {
      const i = data.nUsers + data.indices[k];
      const w = weighted ? data.values[k] : 1;
      a[u * n + i] = w;
      a[i * n + u] = w;
    }
  }
  if (loops) for (let v = 0; v < n; v++) a[v * n + v] = 1;
  const d = new Float64Array(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) d[r] += a[r * n + c];
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (a[r * n + c] !== 0) a[r * n + c] /= Math.sqrt(d[r] * d[c]);
  return a;
}

function matmul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let k = 0; k < n; k++) {
      const v = a[r * n + k];
      if (v !== 0) for (let c = 0; c < n; c++) out[r * n + c] += v * b[k * n + c];
    }
  return out;
}

describe("normalised adjacency", () => {
  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])("equals D^-1/2 A D^-1/2 by brute force (weighted %s, self-loops %s)", (weighted, selfLoops) => {
    const data = randomInteractions(9, 7, 4, 11, true);
    const m = normalizedAdjacency(data, { weighted, selfLoops });
    validateCsr(m);
    const expected = bruteAdjacency(data, weighted, selfLoops);
    const dense = csrToDense(m);
    const n = data.nUsers + data.nItems;
    for (let k = 0; k < n * n; k++) expect(dense[k]).toBeCloseTo(expected[k], 6);
    // Symmetric, columns ascending within rows.
    for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) expect(dense[r * n + c]).toBeCloseTo(dense[c * n + r], 7);
    for (let r = 0; r < n; r++) for (let k = m.indptr[r] + 1; k < m.indptr[r + 1]; k++) expect(m.indices[k]).toBeGreaterThan(m.indices[k - 1]);
  });

  it("the user→item block with degree vectors is the top-right block of Â", () => {
    const data = randomInteractions(6, 8, 3, 2);
    const block = normalizedBipartite(data);
    const full = csrToDense(normalizedAdjacency(data));
    const n = 14;
    const dense = csrToDense(block.matrix);
    for (let u = 0; u < 6; u++) for (let i = 0; i < 8; i++) expect(dense[u * 8 + i]).toBeCloseTo(full[u * n + 6 + i], 7);
    expect(Array.from(block.userDegrees)).toEqual(Array.from({ length: 6 }, (_, u) => data.userDegree(u)));
    expect(Array.from(block.itemDegrees)).toEqual(Array.from(data.itemDegrees()));
  });

  it("leaves nodes without edges out (no division by zero)", () => {
    const data = triples(3, 3, [[0, 0]]);
    const m = normalizedAdjacency(data);
    expect(m.indptr[6]).toBe(2);
    expect(Array.from(m.values)).toEqual([1, 1]);
  });
});

describe("statistics", () => {
  it("summarises degrees (hand-computed)", () => {
    const s = summarizeDegrees([0, 1, 1, 2, 4, 8]);
    expect(s.count).toBe(6);
    expect(s.isolated).toBe(1);
    expect(s.min).toBe(0);
    expect(s.max).toBe(8);
    expect(s.mean).toBeCloseTo(16 / 6, 10);
    expect(s.median).toBe(1.5);
    // degrees 1,1 → bin 0; 2 → bin 1; 4 → bin 2; 8 → bin 3
    expect(s.log2Histogram).toEqual([2, 1, 1, 1]);
    // Gini of [0,1,1,2,4,8]: Σ(2k−n−1)x / (nΣx) = (−5·0 −3·1 −1·1 +1·2 +3·4 +5·8)/(6·16) = 50/96
    expect(s.gini).toBeCloseTo(50 / 96, 10);
    expect(summarizeDegrees([3, 3, 3]).gini).toBe(0);
  });

  it("finds connected components, density and degree summaries", () => {
    // Component A: users 0,1 items 0,1; component B: user 2, item 2; user 3 and item 3 isolated.
    const data = triples(4, 4, [
      [0, 0],
      [0, 1],
      [1, 1],
      [2, 2],
    ]);
    const { labels, sizes } = connectedComponents(data);
    expect(Array.from(sizes)).toEqual([4, 2]);
    expect(labels[0]).toBe(0);
    expect(labels[1]).toBe(0);
    expect(labels[4 + 0]).toBe(0);
    expect(labels[2]).toBe(1);
    expect(labels[4 + 2]).toBe(1);
    expect(labels[3]).toBe(-1);
    expect(labels[4 + 3]).toBe(-1);
    const stats = graphStats(data);
    expect(stats.edges).toBe(4);
    expect(stats.density).toBe(4 / 16);
    expect(stats.components).toMatchObject({ count: 2, largest: 4, topSizes: [4, 2] });
    expect(stats.components.largestFraction).toBeCloseTo(4 / 6, 10);
    expect(stats.userDegrees.max).toBe(2);
    expect(stats.itemDegrees.isolated).toBe(1);
  });
});

describe("InteractionGraph", () => {
  const userIds = ["1", "2", "3"];
  const itemIds = ["1", "50", "181", "7"];
  const data = Interactions.fromTriples(3, 4, {
    users: Int32Array.from([0, 0, 1, 1, 2]),
    items: Int32Array.from([0, 1, 1, 2, 2]),
    values: Float32Array.from([5, 3, 4, 2, 1]),
    times: Float64Array.from([100, 200, Number.NaN, 300, 400]),
  });

  it("builds typed nodes (user 1 and item 1 are distinct) with rating and timestamp on the edges", () => {
    const g = InteractionGraph.fromDataset({ interactions: data, users: IdMap.from(userIds), items: IdMap.from(itemIds) });
    expect(g.graph.order).toBe(7);
    expect(g.nEdges).toBe(5);
    expect(g.graph.getNodeAttributes(userKey(0))).toEqual({ type: "user", id: "1", index: 0, strength: 2 });
    expect(g.graph.getNodeAttributes(itemKey(0))).toEqual({ type: "item", id: "1", index: 0, strength: 1 });
    expect(parseNodeKey(itemKey(3))).toEqual({ type: "item", index: 3 });
    expect(parseNodeKey(userKey(2))).toEqual({ type: "user", index: 2 });
    expect(g.edge(0, 1)).toEqual({ rating: 3, timestamp: 200, weight: 1 });
    expect(g.edge(1, 1)).toEqual({ rating: 4, timestamp: null, weight: 1 });
    expect(g.edge(2, 0)).toBeUndefined();
    expect(g.itemStrength(3)).toBe(0);
    const n = g.userNeighbors(1);
    expect([...n.items].sort()).toEqual([1, 2]);
    expect(g.requireItem("50")).toBe(1);
    expect(() => g.requireUser("nobody")).toThrow(/does not exist/);
    // The CSR of a fresh graph is the input itself.
    expect(g.toInteractions()).toBe(data);
  });

  it("weights edges by rating when asked, and Â follows", () => {
    const g = InteractionGraph.fromInteractions(data, { weighting: "rating" });
    expect(g.userStrength(0)).toBe(8);
    const expected = bruteAdjacency(data, true, false);
    const dense = csrToDense(g.normalizedAdjacency());
    for (let k = 0; k < dense.length; k++) expect(dense[k]).toBeCloseTo(expected[k], 6);
    expect(() => InteractionGraph.fromInteractions(data, { weighting: "log" as never })).toThrow(/weighting/);
  });

  it("updates incrementally: new edge, new user and item, changed rating, removal; caches follow", () => {
    const g = InteractionGraph.fromInteractions(data, { weighting: "rating", userIds, itemIds });
    const before = g.stats();
    const adjacencyBefore = g.normalizedAdjacency();
    expect(g.stats()).toBe(before); // cached while nothing changes

    const added = g.upsertInteraction("3", "7", 4, 500);
    expect(added).toMatchObject({ user: 2, item: 3, created: true, newUser: false, newItem: false });
    expect(g.stats()).not.toBe(before);
    expect(g.stats().edges).toBe(6);
    expect(g.itemStrength(3)).toBe(4);
    expect(g.normalizedAdjacency()).not.toBe(adjacencyBefore);

    const changed = g.upsertInteraction("1", "50", 5, 600);
    expect(changed).toMatchObject({ created: false, previous: 3 });
    expect(g.userStrength(0)).toBe(10);
    expect(g.itemStrength(1)).toBe(9);

    const fresh = g.upsertInteraction("alice", "new-1", 2);
    expect(fresh).toMatchObject({ user: 3, item: 4, created: true, newUser: true, newItem: true });
    expect(g.removeInteraction("2", "181")).toBe(true);
    expect(g.removeInteraction("2", "181")).toBe(false);
    expect(g.removeInteraction("ghost", "181")).toBe(false);
    expect(g.itemStrength(2)).toBe(1);

    // The rebuilt CSR and Â equal those of a graph built from scratch with the same edges.
    const csr = g.toInteractions();
    expect(csr.nUsers).toBe(4);
    expect(csr.nItems).toBe(5);
    expect(csr.get(0, 1)).toBe(5);
    expect(csr.get(1, 2)).toBeUndefined();
    expect(csr.get(3, 4)).toBe(2);
    expect(csr.times?.[csr.find(2, 3)]).toBe(500);
    const scratch = InteractionGraph.fromInteractions(csr, { weighting: "rating" });
    const a = csrToDense(g.normalizedAdjacency());
    const b = csrToDense(scratch.normalizedAdjacency());
    expect(Array.from(a)).toEqual(Array.from(b));
    for (let u = 0; u < 4; u++) expect(g.userStrength(u)).toBe(scratch.userStrength(u));
    expect(() => g.upsertInteraction("1", "1", 0)).toThrow(/rating/);
  });
});

describe("explanations and graph similar items", () => {
  const data = randomInteractions(12, 10, 4, 21, true);

  it.each(["none", "rating"] as const)("path weights sum to (Â³)_ui; supporting items sum to the score (weighting %s)", (weighting) => {
    const g = InteractionGraph.fromInteractions(data, { weighting });
    const n = 22;
    const a = bruteAdjacency(data, weighting === "rating", false);
    const a3 = matmul(matmul(a, a, n), a, n);
    let checked = 0;
    for (let u = 0; u < 12; u++) {
      for (let i = 0; i < 10; i++) {
        const e = explainPaths(g, u, i, { maxPaths: 100, maxItems: 100 });
        // (Â³)_ui also counts walks u→i→u→i through the direct edge and back-tracking walks;
        // explanations count only paths with distinct nodes, so compare with those removed.
        let expected = 0;
        for (let j = 0; j < 10; j++) {
          if (j === i) continue;
          for (let v = 0; v < 12; v++) {
            if (v === u) continue;
            expected += a[u * n + 12 + j] * a[(12 + j) * n + v] * a[v * n + 12 + i];
          }
        }
        expect(e.score).toBeCloseTo(expected, 10);
        if (!data.has(u, i)) expect(e.score).toBeCloseTo(a3[u * n + 12 + i], 10);
        expect(e.supportingItems.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(e.score, 10);
        expect(e.paths.reduce((s, x) => s + x.weight, 0)).toBeCloseTo(e.score, 10);
        expect(e.paths.length).toBe(e.pathCount);
        for (let p = 1; p < e.paths.length; p++) expect(e.paths[p - 1].weight).toBeGreaterThanOrEqual(e.paths[p].weight);
        for (const p of e.paths) {
          expect(data.has(u, p.viaItem)).toBe(true);
          expect(data.has(p.viaUser, p.viaItem)).toBe(true);
          expect(data.has(p.viaUser, i)).toBe(true);
        }
        expect(e.direct === null).toBe(!data.has(u, i));
        checked += e.pathCount > 0 ? 1 : 0;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("keeps the heaviest paths when truncating, and validates counts", () => {
    const g = InteractionGraph.fromInteractions(data);
    const all = explainPaths(g, 0, 3, { maxPaths: 100, maxItems: 100 });
    const top = explainPaths(g, 0, 3, { maxPaths: 2, maxItems: 1 });
    expect(top.paths).toEqual(all.paths.slice(0, 2));
    expect(top.supportingItems).toEqual(all.supportingItems.slice(0, 1));
    expect(() => explainPaths(g, 0, 3, { maxPaths: 101 })).toThrow(/maxPaths/);
    expect(() => explainPaths(g, 99, 3)).toThrow(/user/);
  });

  it("explains by external ids", () => {
    const g = InteractionGraph.fromInteractions(
      triples(3, 3, [
        [0, 0],
        [1, 0],
        [1, 1],
        [2, 1],
      ]),
      { userIds: ["ann", "bob", "cy"], itemIds: ["a", "b", "c"] },
    );
    const e = explainPathsById(g, "ann", "b");
    expect(e.paths).toHaveLength(1);
    expect(e.paths[0].nodes.map((x) => x.id)).toEqual(["ann", "a", "bob", "b"]);
    expect(e.supportingItems).toEqual([{ itemId: "a", rating: 1, weight: e.score, paths: 1 }]);
    // degrees: ann 1, a 2, bob 2, b 2 → 1/√2 · 1/√4 · 1/√4
    expect(e.score).toBeCloseTo(1 / Math.sqrt(2) / 2 / 2, 12);
    expect(() => explainPathsById(g, "ann", "zzz")).toThrow(/item "zzz" does not exist/);
    // An update shows at once (no rebuild needed).
    g.upsertInteraction("cy", "a");
    expect(explainPathsById(g, "ann", "b").pathCount).toBe(2);
  });

  it("graph similar items are the row of Â² without the item itself", () => {
    const g = InteractionGraph.fromInteractions(data);
    const n = 22;
    const a = bruteAdjacency(data, false, false);
    const a2 = matmul(a, a, n);
    for (const item of [0, 4, 9]) {
      const similar = graphSimilarItems(g, item, 10);
      expect(similar.map((s) => s.item)).not.toContain(item);
      for (const s of similar) expect(s.score).toBeCloseTo(a2[(12 + item) * n + 12 + s.item], 10);
      for (let p = 1; p < similar.length; p++) expect(similar[p - 1].score).toBeGreaterThanOrEqual(similar[p].score);
      const positive = Array.from({ length: 10 }, (_, j) => j).filter((j) => j !== item && a2[(12 + item) * n + 12 + j] > 0);
      expect(similar.length).toBe(Math.min(10, positive.length));
    }
    expect(() => graphSimilarItems(g, 0, 0)).toThrow(/k/);
  });
});
