// The graph filters (GF-CF, BSPM) against a brute-force dense computation of their definitions on
// small random graphs: R̃ = D_u^-1/2 R D_i^-1/2, P = R̃ᵀR̃ as a dense items × items matrix, the ideal
// low-pass projector from a dense eigendecomposition of P, BSPM's ODEs integrated step by step
// with the textbook RK4 and Euler formulas. Also: the device SVD's singular values against a
// dense decomposition, fold-in of a new rating, and save → load.
import { describe, expect, it } from "vitest";
import { Interactions } from "../../src/data/interactions";
import { symmetricEigen } from "../../src/math/linalg";
import { createRng } from "../../src/math/random";
import { bipartiteSvd } from "../../src/math/svd";
import { chebyshevCoefficients } from "../../src/models/graph/chebycf";
import { normalizedGraph, pathWalkCheaper } from "../../src/models/graph/graphFilterDevice";
import { createModel, deserializeModel, serializeModel } from "../../src/models/registry";
import type { Recommender, TrainingData } from "../../src/models/types";

const CONTEXT = { seed: 11 };

/** A random binary user–item matrix with every user and item connected (values are ratings: ignored by the filters). */
function randomGraph(nUsers: number, nItems: number, density: number, seed: number): Interactions {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.next() < density || i === u % nItems) {
        users.push(u);
        items.push(i);
        values.push(1 + rng.int(5));
      }
    }
  }
  return Interactions.fromTriples(nUsers, nItems, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
}

interface Dense {
  n: number;
  m: number;
  /** R̃, users × items. */
  norm: Float64Array;
  /** P = R̃ᵀR̃, items × items. */
  p: Float64Array;
  itemDegree: Float64Array;
}

function dense(x: Interactions): Dense {
  const n = x.nUsers;
  const m = x.nItems;
  const r = new Float64Array(n * m);
  for (let u = 0; u < n; u++) for (let q = x.indptr[u]; q < x.indptr[u + 1]; q++) r[u * m + x.indices[q]] = 1;
  const du = new Float64Array(n);
  const di = new Float64Array(m);
  for (let u = 0; u < n; u++) for (let i = 0; i < m; i++) ((du[u] += r[u * m + i]), (di[i] += r[u * m + i]));
  const norm = r.map((v, e) => (v === 0 ? 0 : v / Math.sqrt(du[Math.floor(e / m)] * di[e % m])));
  const p = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) for (let u = 0; u < n; u++) p[i * m + j] += norm[u * m + i] * norm[u * m + j];
  return { n, m, norm, p, itemDegree: di };
}

/** Rows x (users × items, binary) of the matrix. */
function rows(x: Interactions): Float64Array[] {
  return Array.from({ length: x.nUsers }, (_, u) => {
    const row = new Float64Array(x.nItems);
    for (let q = x.indptr[u]; q < x.indptr[u + 1]; q++) row[x.indices[q]] = 1;
    return row;
  });
}

function times(row: Float64Array, matrix: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) if (row[i] !== 0) for (let j = 0; j < m; j++) out[j] += row[i] * matrix[i * m + j];
  return out;
}

/** The ideal low-pass matrix D^-e V Vᵀ D^e with V the top-k eigenvectors of P (dense; e = 1/2 for GF-CF and BSPM). */
function idealFilter(d: Dense, k: number, e = 0.5): Float64Array {
  const { m } = d;
  const values = new Float64Array(m);
  const vectors = new Float64Array(m * m);
  symmetricEigen(d.p.slice(), m, values, vectors);
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += vectors[i * m + q] * vectors[j * m + q];
      const di = d.itemDegree[i];
      out[i * m + j] = di > 0 ? (s * Math.pow(d.itemDegree[j], e)) / Math.pow(di, e) : 0;
    }
  }
  return out;
}

async function fitted(name: string, x: Interactions, params: Record<string, unknown>): Promise<Recommender> {
  const model = createModel(name, params);
  const data: TrainingData = { interactions: x, implicit: true };
  await model.fit(data, CONTEXT);
  return model;
}

/** Every user's scores through scoreUsers and scoreUser, checked against the expected rows. */
function expectScores(model: Recommender, expected: Float64Array[], tolerance: number): void {
  const m = model.nItems;
  const all = new Float32Array(expected.length * m);
  model.scoreUsers(Int32Array.from(expected.keys()), all);
  const one = new Float32Array(m);
  let worst = 0;
  let scale = 0;
  expected.forEach((row, u) => {
    model.scoreUser(u, one);
    for (let j = 0; j < m; j++) {
      worst = Math.max(worst, Math.abs(all[u * m + j] - row[j]), Math.abs(one[j] - row[j]));
      scale = Math.max(scale, Math.abs(row[j]));
    }
  });
  expect(scale).toBeGreaterThan(0);
  expect(worst / scale).toBeLessThan(tolerance);
}

// 300 users: more than one device batch (256), so batching and the partial last batch are covered.
const graph = randomGraph(300, 37, 0.12, 5);
const d = dense(graph);
const userRows = rows(graph);

describe("GF-CF equals its dense definition", () => {
  it.each([
    { rank: 6, alpha: 0.3 },
    { rank: 0, alpha: 0 },
    { rank: 12, alpha: 1.5 },
  ])("rank $rank, α $alpha: x P + α x D^-1/2 V Vᵀ D^1/2 for every user", async ({ rank, alpha }) => {
    // Oversampling up to the 37 items makes the subspace the whole space: the SVD is then exact.
    const model = await fitted("gfcf", graph, { rank, alpha, oversample: 40, powerIterations: 3, threads: 2 });
    const ideal = idealFilter(d, rank);
    const expected = userRows.map((x) => {
      const linear = times(x, d.p, d.m);
      const low = times(x, ideal, d.m);
      return linear.map((v, j) => v + alpha * low[j]);
    });
    expectScores(model, expected, 2e-5);
    model.dispose();
  });
});

/** y ← y + h·f(y) steps or classic RK4 steps of dy/dt = y M. */
function integrate(y0: Float64Array, apply: (y: Float64Array) => Float64Array, time: number, steps: number, solver: "euler" | "rk4"): Float64Array[] {
  const points: Float64Array[] = [];
  let y = y0;
  const h = time / steps;
  const add = (a: Float64Array, b: Float64Array, s: number) => a.map((v, i) => v + s * b[i]);
  for (let s = 0; s < steps; s++) {
    if (solver === "euler") y = add(y, apply(y), h);
    else {
      const k1 = apply(y);
      const k2 = apply(add(y, k1, h / 2));
      const k3 = apply(add(y, k2, h / 2));
      const k4 = apply(add(y, k3, h));
      y = y.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    }
    points.push(y);
  }
  return points;
}

describe("BSPM equals its ODEs integrated step by step", () => {
  it.each([
    { merge: "early", blurSteps: 1, blurSolver: "euler", sharpenSteps: 1, sharpenSolver: "rk4", pointCombination: false },
    { merge: "late", blurSteps: 2, blurSolver: "rk4", sharpenSteps: 3, sharpenSolver: "euler", pointCombination: true },
    { merge: "early", blurSteps: 0, blurSolver: "euler", sharpenSteps: 2, sharpenSolver: "rk4", pointCombination: true },
    { merge: "late", blurSteps: 1, blurSolver: "rk4", sharpenSteps: 1, sharpenSolver: "rk4", pointCombination: false },
  ] as const)("merge $merge, blur $blurSolver×$blurSteps, sharpen $sharpenSolver×$sharpenSteps, points $pointCombination", async (setting) => {
    const params = { rank: 6, idealWeight: 0.2, blurTime: 1, sharpenTime: 2.5, ...setting };
    const model = await fitted("bspm", graph, { ...params, oversample: 40, powerIterations: 3, threads: 2 });
    const ideal = idealFilter(d, params.rank);
    const blurF = (y: Float64Array) => times(y, d.p, d.m).map((v, i) => v - y[i]);
    const sharpenF = (y: Float64Array) => times(y, d.p, d.m).map((v) => -v);
    const expected = userRows.map((x) => {
      const blurred = params.blurSteps > 0 ? integrate(x, blurF, params.blurTime, params.blurSteps, params.blurSolver).at(-1)! : x;
      const low = times(x, ideal, d.m).map((v) => params.idealWeight * v);
      const start = params.merge === "early" ? blurred.map((v, i) => v + low[i]) : blurred;
      const points = integrate(start, sharpenF, params.sharpenTime, params.sharpenSteps, params.sharpenSolver);
      const out = params.pointCombination ? [blurred, ...points].reduce((a, b) => a.map((v, i) => v + b[i] / (points.length + 1)), new Float64Array(d.m)) : points.at(-1)!;
      return params.merge === "late" ? out.map((v, i) => v + low[i]) : out;
    });
    expectScores(model, expected, 2e-5);
    model.dispose();
  });
});

describe("ChebyCF equals its dense definition", () => {
  it("its coefficients interpolate the plateau values at the K + 1 Chebyshev nodes", () => {
    for (const [order, flatness] of [
      [8, 1.5],
      [5, 15],
      [1, 1],
    ]) {
      const c = chebyshevCoefficients(order, flatness);
      for (let m = 1; m <= order + 1; m++) {
        const x = Math.cos(((order + 1 + 0.5 - m) / (order + 1)) * Math.PI);
        const t = Math.round(Math.cos(((order - (m - 1)) / order) * Math.PI) * 1000) / 1000;
        const target = Math.round((t < 0 ? 0.5 + 0.5 * Math.pow(-t, flatness) : 0.5 - 0.5 * Math.pow(t, flatness)) * 1000) / 1000;
        let value = 0;
        for (let n = 0; n <= order; n++) value += c[n] * Math.cos(n * Math.acos(x));
        expect(value).toBeCloseTo(target, 10);
      }
    }
  });

  it.each([
    { order: 8, flatness: 1.5, rank: 6, idealWeight: 0.2, degreeExponent: 0.4 },
    { order: 3, flatness: 4, rank: 0, idealWeight: 0, degreeExponent: 0 },
  ])("order $order, φ $flatness, rank $rank, α $idealWeight, β $degreeExponent: every user", async (params) => {
    const model = await fitted("chebycf", graph, { ...params, oversample: 40, powerIterations: 3, threads: 2 });
    const c = chebyshevCoefficients(params.order, params.flatness);
    const ideal = idealFilter(d, params.rank, params.degreeExponent);
    const laplacianTimes = (y: Float64Array) => times(y, d.p, d.m).map((v, i) => y[i] - 2 * v);
    const expected = userRows.map((x) => {
      const s = x.map((v, i) => v * Math.pow(d.itemDegree[i], -params.degreeExponent));
      let older = s;
      let newer = laplacianTimes(s);
      const sum = s.map((v, i) => c[0] * v + c[1] * newer[i]);
      for (let n = 2; n <= params.order; n++) {
        const next = laplacianTimes(newer).map((v, i) => 2 * v - older[i]);
        for (let i = 0; i < d.m; i++) sum[i] += c[n] * next[i];
        [older, newer] = [newer, next];
      }
      const low = times(x, ideal, d.m);
      return sum.map((v, i) => v * Math.pow(d.itemDegree[i], params.degreeExponent) + params.idealWeight * low[i]);
    });
    expectScores(model, expected, 2e-5);
    model.dispose();
  });
});

describe("the device SVD of a normalised graph", () => {
  it("matches the dense singular values and spans the same top subspace", () => {
    const x = randomGraph(90, 60, 0.1, 9);
    const dd = dense(x);
    const g = normalizedGraph(x);
    const k = 10;
    const svd = bipartiteSvd(g.bipartite, x.nUsers, k, { rng: createRng(3), oversample: 12, powerIterations: 6, threads: 2 });
    const values = new Float64Array(dd.m);
    const vectors = new Float64Array(dd.m * dd.m);
    symmetricEigen(dd.p.slice(), dd.m, values, vectors);
    // Randomized: 22 of 60 directions, 6 iterations; the error shrinks with the spectral gap.
    for (let q = 0; q < k; q++) expect(Math.abs(svd.s[q] - Math.sqrt(values[q]))).toBeLessThan(5e-4);
    // The largest singular value of a normalised bipartite graph is 1 (eigenvector D_i^1/2 1).
    expect(svd.s[0]).toBeCloseTo(1, 5);
    // Each dense top-k eigenvector lies in the span of V: ‖Vᵀ e‖ = 1.
    for (let q = 0; q < k; q++) {
      let norm = 0;
      for (let c = 0; c < k; c++) {
        let dot = 0;
        for (let i = 0; i < dd.m; i++) dot += svd.v[i * k + c] * vectors[i * dd.m + q];
        norm += dot * dot;
      }
      expect(norm).toBeGreaterThan(0.99);
    }
  });

  it("is exact (to single precision) when the sampled subspace is the whole space", () => {
    const x = randomGraph(50, 24, 0.15, 4);
    const dd = dense(x);
    const svd = bipartiteSvd(normalizedGraph(x).bipartite, x.nUsers, 8, { rng: createRng(5), oversample: 30, powerIterations: 1, threads: 1 });
    const values = new Float64Array(dd.m);
    symmetricEigen(dd.p.slice(), dd.m, values, new Float64Array(dd.m * dd.m));
    for (let q = 0; q < 8; q++) expect(Math.abs(svd.s[q] - Math.sqrt(values[q]))).toBeLessThan(1e-5);
  });
});

describe("one user's products", () => {
  it.each(["gfcf", "bspm", "chebycf"])("%s: a user scored alone (path walk or gather kernel) equals the batch (SpMM) on a sparse graph", async (name) => {
    // Few items per user and few users per item: most rows take the path walk, a few the dense kernel.
    const sparse = randomGraph(2000, 400, 0.004, 8);
    const g = normalizedGraph(sparse);
    const row = (u: number) => ({ items: sparse.indices, values: sparse.values, start: sparse.indptr[u], end: sparse.indptr[u + 1] });
    const walks = Array.from({ length: sparse.nUsers }, (_, u) => pathWalkCheaper(g, row(u)));
    expect(walks.filter(Boolean).length).toBeGreaterThan(sparse.nUsers / 2);
    // On the denser test graph (the dense checks above) most rows take the dense kernel.
    const dense = Array.from({ length: graph.nUsers }, (_, u) =>
      pathWalkCheaper(normalizedGraph(graph), { items: graph.indices, values: graph.values, start: graph.indptr[u], end: graph.indptr[u + 1] }),
    );
    expect(dense.filter((w) => !w).length).toBeGreaterThan(graph.nUsers / 2);
    const model = await fitted(name, sparse, { rank: 8, oversample: 8, powerIterations: 2, threads: 2 });
    const users = Int32Array.from({ length: 300 }, (_, k) => k * 6);
    const batch = new Float32Array(users.length * sparse.nItems);
    model.scoreUsers(users, batch);
    const one = new Float32Array(sparse.nItems);
    users.forEach((u, r) => {
      model.scoreUser(u, one);
      for (let j = 0; j < sparse.nItems; j++) expect(one[j]).toBeCloseTo(batch[r * sparse.nItems + j], 5);
    });
    model.dispose();
  });
});

describe("choosing the rank and weight on validation data", () => {
  it("scores the grid on a carve-out, then equals a plain fit with the chosen values (saved with the state)", async () => {
    const model = createModel("gfcf", { rank: 16, alpha: 0.3, tune: true, oversample: 8, powerIterations: 3, threads: 1 });
    const report = await model.fit({ interactions: graph, implicit: true }, CONTEXT);
    const tuning = report.notes!.tuning as { grid: { rank: number; weight: number; "recall@20": number }[]; chosen: { rank: number; weight: number } };
    expect(tuning.grid.map((g) => [g.rank, g.weight])).toEqual([1, 2, 4, 8, 16].flatMap((r) => [0, 0.1, 0.3, 0.9].map((w) => [r, expect.closeTo(w, 10)])));
    const best = Math.max(...tuning.grid.map((g) => g["recall@20"]));
    expect(tuning.grid.find((g) => g.rank === tuning.chosen.rank && g.weight === tuning.chosen.weight)!["recall@20"]).toBe(best);
    expect(report.notes).toMatchObject({ rank: tuning.chosen.rank, lowPassWeight: tuning.chosen.weight });
    const plain = await fitted("gfcf", graph, { rank: tuning.chosen.rank, alpha: tuning.chosen.weight, oversample: 8, powerIterations: 3, threads: 1 });
    const users = Int32Array.from({ length: graph.nUsers }, (_, u) => u);
    const a = new Float32Array(users.length * d.m);
    const b = new Float32Array(users.length * d.m);
    model.scoreUsers(users, a);
    plain.scoreUsers(users, b);
    expect(a).toEqual(b);
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 11, dataFingerprint: "test" }));
    loaded.scoreUsers(users, b);
    expect(b).toEqual(a);
    for (const m of [model, plain, loaded]) m.dispose();
  });
});

describe("fold-in and state", () => {
  it("a new rating changes a user's scores by the item's row of the filter, and a refit agrees on the ranking", async () => {
    const params = { rank: 6, alpha: 0.3, oversample: 40, powerIterations: 3, threads: 2 };
    const model = await fitted("gfcf", graph, params);
    const user = 4;
    const row = userRows[user];
    const newItem = row.findIndex((v) => v === 0);
    const before = new Float32Array(d.m);
    model.scoreUser(user, before);
    const items = [...Array.from(graph.indices.subarray(graph.indptr[user], graph.indptr[user + 1])), newItem];
    const after = new Float32Array(d.m);
    model.scoreProfile({ items: Int32Array.from(items), values: new Float32Array(items.length).fill(5) }, after);
    // Linear in the row: the change is exactly the new item's row of the filter (its similar-items scores).
    const itemRow = new Float32Array(d.m);
    model.itemSimilarities(newItem, itemRow);
    for (let j = 0; j < d.m; j++) expect(after[j] - before[j]).toBeCloseTo(itemRow[j], 5);
    // And as the dense definition says for the new row.
    const expected = times(
      Float64Array.from(row, (v, i) => (i === newItem ? 1 : v)),
      d.p,
      d.m,
    );
    const ideal = times(
      Float64Array.from(row, (v, i) => (i === newItem ? 1 : v)),
      idealFilter(d, 6),
      d.m,
    );
    for (let j = 0; j < d.m; j++) expect(after[j]).toBeCloseTo(expected[j] + 0.3 * ideal[j], 4);

    // A refit with the rating in the graph also renormalises by the new degrees (d_u + 1, d_i + 1):
    // scores move by O(1/degree), the ranking of the unrated items stays.
    const triples = { users: [] as number[], items: [] as number[], values: [] as number[] };
    for (let u = 0; u < graph.nUsers; u++) for (let q = graph.indptr[u]; q < graph.indptr[u + 1]; q++) (triples.users.push(u), triples.items.push(graph.indices[q]), triples.values.push(1));
    triples.users.push(user);
    triples.items.push(newItem);
    triples.values.push(1);
    const updated = Interactions.fromTriples(graph.nUsers, graph.nItems, { users: Int32Array.from(triples.users), items: Int32Array.from(triples.items), values: Float32Array.from(triples.values) });
    const refit = await fitted("gfcf", updated, params);
    const exclude = new Set(items);
    const folded = Array.from(model.recommendForProfile({ items: Int32Array.from(items), values: new Float32Array(items.length).fill(1) }, 5, { exclude }).items);
    const refitted = Array.from(refit.recommend(user, 5, { exclude }).items);
    expect(folded).toEqual(refitted);
    model.dispose();
    refit.dispose();
  });

  it.each(["gfcf", "bspm", "chebycf"])("%s: the score's parts over the history's items sum to the score (an item listed twice carries nothing more)", async (name) => {
    const model = await fitted(name, graph, { rank: 6, oversample: 8, powerIterations: 2, threads: 1 });
    const items = Int32Array.from([3, 8, 8, 21, 30]);
    const profile = { items, values: new Float32Array(items.length).fill(1) };
    const scores = new Float32Array(d.m);
    model.scoreProfile(profile, scores);
    for (const item of [0, 8, 17, 36]) {
      const parts = new Float32Array(items.length);
      model.scoreContributions!(profile, item, parts);
      expect(parts[2]).toBe(0);
      expect(parts.reduce((a, b) => a + b, 0)).toBeCloseTo(scores[item], 5);
    }
    model.dispose();
  });

  it.each(["gfcf", "bspm", "chebycf"])("%s: save → load scores every user identically, a new profile too", async (name) => {
    const model = await fitted(name, graph, { rank: 6, oversample: 8, powerIterations: 2, threads: 1 });
    const { model: loaded } = deserializeModel(serializeModel(model, { seed: 11, dataFingerprint: "test" }));
    const users = Int32Array.from({ length: graph.nUsers }, (_, u) => u);
    const a = new Float32Array(users.length * d.m);
    const b = new Float32Array(users.length * d.m);
    model.scoreUsers(users, a);
    loaded.scoreUsers(users, b);
    expect(b).toEqual(a);
    const profile = { items: Int32Array.from([1, 5, 9]), values: Float32Array.from([1, 1, 1]) };
    // An item listed twice is one edge of the row: the same scores.
    const repeated = new Float32Array(d.m);
    model.scoreProfile({ items: Int32Array.from([1, 5, 9, 5]), values: Float32Array.from([1, 1, 1, 1]) }, repeated);
    const pa = new Float32Array(d.m);
    const pb = new Float32Array(d.m);
    model.scoreProfile(profile, pa);
    loaded.scoreProfile(profile, pb);
    expect(pb).toEqual(pa);
    for (let j = 0; j < d.m; j++) expect(repeated[j]).toBeCloseTo(pa[j], 5);
    model.dispose();
    loaded.dispose();
  });
});
