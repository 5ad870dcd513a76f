// The protocols end to end on small synthetic data with the popularity model, each checked
// against an independent brute-force computation (full sort of the catalogue).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ItemContent } from "../../src/data/dataset";
import { IdMap } from "../../src/data/idMap";
import { Interactions } from "../../src/data/interactions";
import { holdoutSplit, leaveLastOut } from "../../src/data/splits";
import { ValidationError } from "../../src/errors";
import { loadEvalData, loadEvalDataFromDb, type EvalData } from "../../src/eval/data";
import { chartMetrics, niceMax, renderChartSvg, writeChart } from "../../src/eval/chart";
import { rankingScores, sampledRank, selfInformation } from "../../src/eval/metrics";
import { evaluateRatings } from "../../src/eval/rating";
import { formatTable } from "../../src/eval/report";
import { runEvaluation, type EvaluationReport } from "../../src/eval/run";
import { sampleCandidates } from "../../src/eval/sampled";
import { selectModels } from "../../src/eval/protocols";
import { createRng } from "../../src/math/random";
import { BaseRecommender } from "../../src/models/base";
import type { ModelDefinition } from "../../src/models/definition";
import { totalBytes } from "../../src/models/memory";
import { MODEL_DEFINITIONS, trainingMemory } from "../../src/models/registry";
import type { Capabilities, FitReport, ModelState, TrainingData } from "../../src/models/types";
import { importDataset } from "../../src/services/importService";
import { createTestDb } from "../helpers/db";

const EMPTY: ItemContent = { title: null, genres: [], tags: [], year: null };

/** Users rate 6–15 items, popular (low-index) items more often; ratings 1–5; increasing times. */
function synthetic(options: { implicit?: boolean; nUsers?: number; nItems?: number; seed?: number } = {}): EvalData {
  const { implicit = false, nUsers = 60, nItems = 40, seed = 11 } = options;
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const degree = 6 + rng.int(10);
    const chosen = new Set<number>();
    while (chosen.size < degree) chosen.add(Math.floor(nItems * rng.next() ** 2));
    let t = 1_000_000 + u * 1000;
    for (const item of chosen) {
      users.push(u);
      items.push(item);
      values.push(implicit ? 1 : 1 + rng.int(5));
      times.push(t++);
    }
  }
  const interactions = Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: Float32Array.from(values),
    times: Float64Array.from(times),
  });
  return {
    name: "synthetic",
    implicit,
    interactions,
    users: IdMap.from(Array.from({ length: nUsers }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: nItems }, (_, i) => `i${i}`)),
    content: Array.from({ length: nItems }, () => EMPTY),
    source: { synthetic: true },
  };
}

/** Popularity's ranking of the items a user has not trained on, by a full sort. */
function popularityRanking(train: Interactions, u: number): number[] {
  const counts = train.itemDegrees();
  const seen = new Set(train.userItems(u));
  return Array.from({ length: train.nItems }, (_, i) => i)
    .filter((i) => !seen.has(i))
    .sort((a, b) => counts[b] - counts[a] || a - b);
}

function expectReportShape(report: EvaluationReport, metricKeys: string[]): void {
  expect(Object.keys(report).sort()).toEqual(["dataset", "notes", "protocol", "results"]);
  for (const result of report.results) {
    expect(result.error).toBeUndefined();
    expect(typeof result.model).toBe("string");
    expect(result.params).toBeTypeOf("object");
    expect(Object.keys(result.metrics).sort()).toEqual([...metricKeys].sort());
    for (const value of Object.values(result.metrics)) expect(Number.isFinite(value)).toBe(true);
    expect(result.trainSeconds).toBeGreaterThanOrEqual(0);
    expect(result.evalSeconds).toBeGreaterThanOrEqual(0);
  }
  // Survives JSON unchanged (what --out writes).
  expect(JSON.parse(JSON.stringify(report))).toEqual(report);
}

describe("holdout (full ranking)", () => {
  const data = synthetic();

  it("returns the report shape and matches a brute-force evaluation", async () => {
    const report = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [5, 10], seed: 3, batchSize: 7 });
    const keys = ["precision", "recall", "ndcg", "hr", "mrr", "map", "coverage", "novelty"].flatMap((m) => [`${m}@5`, `${m}@10`]);
    expectReportShape(report, keys);
    expect(report).toMatchObject({ dataset: "synthetic", protocol: "holdout" });
    const metrics = report.results[0].metrics;

    const { train, test } = holdoutSplit(data.interactions, 0.2, 3);
    const degrees = train.itemDegrees();
    for (const k of [5, 10]) {
      const sums = { precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 };
      const recommended = new Set<number>();
      let info = 0;
      let count = 0;
      let users = 0;
      for (let u = 0; u < data.interactions.nUsers; u++) {
        if (test.userDegree(u) === 0) continue;
        users++;
        const top = popularityRanking(train, u).slice(0, k);
        const s = rankingScores(top, new Set(test.userItems(u)), k);
        for (const key of Object.keys(sums) as (keyof typeof sums)[]) sums[key] += s[key];
        for (const item of top) {
          recommended.add(item);
          info += selfInformation(degrees[item], train.nUsers);
          count++;
        }
      }
      for (const key of Object.keys(sums) as (keyof typeof sums)[]) expect(metrics[`${key}@${k}`]).toBeCloseTo(sums[key] / users, 10);
      expect(metrics[`coverage@${k}`]).toBeCloseTo(recommended.size / data.interactions.nItems, 10);
      expect(metrics[`novelty@${k}`]).toBeCloseTo(info / count, 10);
    }
    expect(report.results[0].notes.evaluatedUsers).toBeGreaterThan(0);
    expect(String(report.notes.relevance)).toMatch(/every test interaction/);
  });

  it("with minRelevantValue only high ratings are relevant, and the rule is stated", async () => {
    const all = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], seed: 3 });
    const liked = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], seed: 3, minRelevantValue: 4 });
    expect(liked.results[0].notes.evaluatedUsers as number).toBeLessThan(all.results[0].notes.evaluatedUsers as number);
    expect(String(liked.notes.relevance)).toMatch(/>= 4/);
    expect(liked.results[0].metrics["recall@10"]).not.toBe(all.results[0].metrics["recall@10"]);
  });

  it("trains on ratings by default and on the binarised matrix with binarize", async () => {
    // popularity counts values >= minValue: with ratings some count, binarised (all 1) none do.
    const options = { protocol: "holdout", models: ["popularity"], ks: [10], seed: 3, params: { popularity: { minValue: 2 } } } as const;
    const ratings = await runEvaluation(data, options);
    const binary = await runEvaluation(data, { ...options, binarize: true });
    expect(ratings.results[0].notes.trainedOn).toBe("ratings");
    expect(binary.results[0].notes.trainedOn).toBe("binarised matrix");
    expect(String(binary.notes.trainingData)).toMatch(/binarised for every model/);
    // All-zero counts rank by item index only: other lists than the rating counts give.
    expect(binary.results[0].metrics["recall@10"]).not.toBe(ratings.results[0].metrics["recall@10"]);
    await expect(runEvaluation(data, { protocol: "rating-5fold", models: "all", binarize: true })).rejects.toThrow(/^binarize/);
  });

  it("hands the report so far to onModelEnd, with the models still pending", async () => {
    const seen: { model: string; done: number; pending: unknown }[] = [];
    const report = await runEvaluation(data, {
      protocol: "holdout",
      // A second model when the registry has the bias baseline (fast): pending then shrinks 1 → 0.
      models: MODEL_DEFINITIONS.some((d) => d.name === "bias") ? ["popularity", "bias"] : ["popularity"],
      ks: [10],
      hooks: { onModelEnd: (result, partial) => seen.push({ model: result.model, done: partial.results.length, pending: partial.notes.pending }) },
    });
    expect(seen.map((s) => s.done)).toEqual(report.results.map((_, k) => k + 1));
    expect(seen.at(-1)!.pending).toEqual([]);
    if (seen.length > 1) expect(seen[0].pending).toEqual(report.results.slice(1).map((r) => r.model));
    expect(report.notes.pending).toBeUndefined();
  });

  it("reproduces with the same seed", async () => {
    const a = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], seed: 8 });
    const b = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], seed: 8 });
    const c = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], seed: 9 });
    expect(b.results[0].metrics).toEqual(a.results[0].metrics);
    expect(c.results[0].metrics).not.toEqual(a.results[0].metrics);
  });
});

describe("loo-sampled", () => {
  it("samples unseen, distinct negatives reproducibly", () => {
    const data = synthetic({ nItems: 300, seed: 4 });
    const all = data.interactions;
    const { test } = leaveLastOut(all);
    const a = sampleCandidates(all, test, 100, 5);
    expect(a.users.length).toBe(all.nUsers);
    for (let r = 0; r < a.users.length; r++) {
      const negatives = Array.from(a.negatives.subarray(a.indptr[r], a.indptr[r + 1]));
      expect(negatives).toHaveLength(100);
      expect(new Set(negatives).size).toBe(100);
      for (const item of negatives) expect(all.has(a.users[r], item)).toBe(false);
      expect(a.targets[r]).toBe(test.indices[test.indptr[a.users[r]]]);
    }
    expect(Array.from(sampleCandidates(all, test, 100, 5).negatives)).toEqual(Array.from(a.negatives));
    expect(Array.from(sampleCandidates(all, test, 100, 6).negatives)).not.toEqual(Array.from(a.negatives));
    // Fewer unseen items than asked: all of them.
    const small = synthetic({ nItems: 40 });
    const s = sampleCandidates(small.interactions, leaveLastOut(small.interactions).test, 100, 5);
    expect(s.indptr[1] - s.indptr[0]).toBe(40 - small.interactions.userDegree(s.users[0]));
  });

  it("returns hr@k and ndcg@k matching a brute-force rank", async () => {
    const data = synthetic({ nItems: 300, seed: 4 });
    const report = await runEvaluation(data, { protocol: "loo-sampled", models: ["popularity"], seed: 42, negatives: 50 });
    expectReportShape(report, ["hr@10", "ndcg@10"]);
    const { train, test } = leaveLastOut(data.interactions);
    const candidates = sampleCandidates(data.interactions, test, 50, 43);
    const counts = train.itemDegrees();
    let hr = 0;
    let ndcg = 0;
    for (let r = 0; r < candidates.users.length; r++) {
      const negatives = Array.from(candidates.negatives.subarray(candidates.indptr[r], candidates.indptr[r + 1]), (i) => counts[i]);
      const rank = sampledRank(counts[candidates.targets[r]], negatives);
      if (rank < 10) {
        hr++;
        ndcg += 1 / Math.log2(rank + 2);
      }
    }
    expect(report.results[0].metrics["hr@10"]).toBeCloseTo(hr / candidates.users.length, 10);
    expect(report.results[0].metrics["ndcg@10"]).toBeCloseTo(ndcg / candidates.users.length, 10);
    expect(report.notes).toMatchObject({ negatives: 50, candidateSeed: 43 });
  });
});

describe("given-split", () => {
  it("uses the given files' split and reports recall and ndcg only", async () => {
    const base = synthetic({ implicit: true });
    const { train, test } = holdoutSplit(base.interactions, 0.3, 1);
    const data: EvalData = { ...base, givenSplits: [{ name: "test", train, test }] };
    const report = await runEvaluation(data, { protocol: "given-split", models: ["popularity"] });
    expectReportShape(report, ["recall@20", "ndcg@20"]);
    let recall = 0;
    let users = 0;
    for (let u = 0; u < train.nUsers; u++) {
      if (test.userDegree(u) === 0) continue;
      users++;
      recall += rankingScores(popularityRanking(train, u).slice(0, 20), new Set(test.userItems(u)), 20).recall;
    }
    expect(report.results[0].metrics["recall@20"]).toBeCloseTo(recall / users, 10);
  });

  it("refuses data without a given split", async () => {
    await expect(runEvaluation(synthetic(), { protocol: "given-split", models: ["popularity"] })).rejects.toThrow(/given train\/test split/);
  });
});

describe("rating-5fold", () => {
  class MeanPredictor extends BaseRecommender<Record<string, never>> {
    readonly name = "mean";
    readonly capabilities: Capabilities = { personalized: false, ratingPrediction: true, similarItems: false, foldIn: false, sequential: false, coldStartItems: false, usesContent: false };
    constructor(private readonly value: number) {
      super({});
    }
    async fit(data: TrainingData): Promise<FitReport> {
      this.nUsers = data.interactions.nUsers;
      this.nItems = data.interactions.nItems;
      return { epochs: 1, seconds: 0 };
    }
    scoreUser(_u: number, out: Float32Array): void {
      out.fill(this.value);
    }
    override predict(): number {
      return this.value;
    }
    saveState(): ModelState {
      return { json: {}, arrays: {} };
    }
    loadState(): void {}
  }

  it("evaluateRatings: rmse and mae by hand, predictions clipped to the training range", async () => {
    const test = Interactions.fromTriples(2, 2, { users: Int32Array.from([0, 1]), items: Int32Array.from([0, 1]), values: Float32Array.from([1, 5]) });
    const model = new MeanPredictor(4);
    await model.fit({ interactions: test, implicit: false });
    // errors 3 and −1: rmse sqrt(5), mae 2
    const r = evaluateRatings(model, test, [1, 5]);
    expect(r.metrics.rmse).toBeCloseTo(Math.sqrt(5), 10);
    expect(r.metrics.mae).toBeCloseTo(2, 10);
    expect(r.clipped).toBe(0);
    // Prediction 7 clipped to 5: errors 4 and 0 → rmse sqrt(8), mae 2
    const high = new MeanPredictor(7);
    await high.fit({ interactions: test, implicit: false });
    const clipped = evaluateRatings(high, test, [1, 5]);
    expect(clipped.metrics.rmse).toBeCloseTo(Math.sqrt(8), 10);
    expect(clipped.clipped).toBe(2);
    const broken = new MeanPredictor(Number.NaN);
    await broken.fit({ interactions: test, implicit: false });
    expect(() => evaluateRatings(broken, test, [1, 5])).toThrow(/predicted NaN/);
  });

  it("refuses models that cannot predict ratings, and implicit data", async () => {
    await expect(runEvaluation(synthetic(), { protocol: "rating-5fold", models: ["popularity"] })).rejects.toThrow(ValidationError);
    await expect(runEvaluation(synthetic({ implicit: true }), { protocol: "rating-5fold", models: "all" })).rejects.toThrow(/protocol/);
  });

  it("'all' selects exactly the registry's rating predictors", () => {
    const raters = (MODEL_DEFINITIONS as readonly ModelDefinition[]).filter((d) => d.capabilities.ratingPrediction).map((d) => d.name);
    if (raters.length === 0) {
      expect(() => selectModels("rating-5fold", "all", synthetic())).toThrow(ValidationError);
      return;
    }
    const selection = selectModels("rating-5fold", "all", synthetic());
    expect(selection.models).toEqual(raters);
    expect(selection.skipped.map((s) => s.model)).toContain("popularity");
  });

  const rater = (MODEL_DEFINITIONS as readonly ModelDefinition[]).find((d) => d.capabilities.ratingPrediction && (d.family === "baseline" || d.family === "factorization"));
  it.runIf(rater !== undefined)("runs a registry rating model over 5 seeded folds (mean = average of folds)", async () => {
    const definition = rater!;
    const report = await runEvaluation(synthetic(), {
      protocol: "rating-5fold",
      models: [definition.name],
      seed: 1,
      params: { [definition.name]: (definition.fastParams ?? {}) as Record<string, unknown> },
    });
    expectReportShape(report, ["rmse", "mae"]);
    const result = report.results[0];
    expect(result.folds).toHaveLength(5);
    const mean = result.folds!.reduce((sum, f) => sum + f.metrics.rmse, 0) / 5;
    expect(result.metrics.rmse).toBeCloseTo(mean, 12);
    expect(result.metrics.rmse).toBeGreaterThanOrEqual(result.metrics.mae);
    expect(result.metrics.rmse).toBeLessThan(3);
  });
});

describe("validation", () => {
  const data = synthetic();
  it("names the field, the value and what is allowed", async () => {
    await expect(runEvaluation(data, { protocol: "holdout", models: ["nope"] })).rejects.toThrow(/models: "nope" is not allowed \(one of .*popularity/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [0] })).rejects.toThrow(/^k: 0/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], seed: -1 })).rejects.toThrow(/^seed/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], params: { sasrec: { dim: 8 } } })).rejects.toThrow(/^params: "sasrec"/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], params: { popularity: { minValue: "x" } } })).rejects.toThrow(/popularity\.minValue/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], params: { popularity: { nope: 1 } } })).rejects.toThrow(/unknown hyper-parameter/);
    await expect(runEvaluation(data, { protocol: "holdout", models: ["popularity"], negatives: 0 })).rejects.toThrow(/^negatives/);
  });

  it("applies --params overrides (validated) to the model", async () => {
    const report = await runEvaluation(data, { protocol: "holdout", models: ["popularity"], ks: [10], params: { popularity: { minValue: 4 } } });
    expect(report.results[0].params).toEqual({ minValue: 4 });
  });

  it("refuses a model over the memory limit (MODEL_MEMORY_LIMIT_MB) in its result, and still runs the others", async () => {
    // Between popularity's estimate on the holdout's training part and EASE's (its item–item matrices).
    const train = holdoutSplit(data.interactions, 0.2, 42).train;
    const shape = { users: train.nUsers, items: train.nItems, interactions: train.nnz };
    const [popularityBytes, easeBytes] = ["popularity", "ease"].map((model) => totalBytes(trainingMemory(model, {}, shape)!));
    expect(easeBytes).toBeGreaterThan(popularityBytes);
    const memoryLimitBytes = Math.floor((popularityBytes + easeBytes) / 2);
    const report = await runEvaluation(data, { protocol: "holdout", models: ["popularity", "ease"], ks: [10], memoryLimitBytes });
    const [popularity, ease] = report.results;
    expect(popularity.error).toBeUndefined();
    expect(ease.metrics).toEqual({});
    expect(ease.error).toMatch(/^training failed on holdout: ease needs ~.* over the training memory limit of [\d.]+ MiB \(MODEL_MEMORY_LIMIT_MB\)/);
  });
});

describe("loading data sets from files", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-eval-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("given-split: one catalogue for train.txt and test.txt; a test-only item has no training data", async () => {
    const folder = path.join(dir, "lightgcn");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "train.txt"), "0 1 2 3\n1 2 3\n2 1\n");
    fs.writeFileSync(path.join(folder, "test.txt"), "0 4\n1 1 9\n2 3\n");
    const data = await loadEvalData({ format: "interactions-txt", path: folder, protocol: "given-split" });
    const split = data.givenSplits![0];
    expect(split.train.nItems).toBe(data.items.size);
    expect(split.test.nItems).toBe(data.items.size);
    expect(split.train.nnz).toBe(6);
    expect(split.test.nnz).toBe(4);
    const nine = data.items.index("9")!;
    expect(split.train.itemDegrees()[nine]).toBe(0);
    expect(split.test.has(data.users.index("1")!, nine)).toBe(true);
    expect(data.interactions.nnz).toBe(10);
    expect(data.implicit).toBe(true);
    await expect(loadEvalData({ format: "csv", path: folder, protocol: "given-split" })).rejects.toThrow(/^dataset/);
    await expect(loadEvalData({ format: "interactions-txt", path: dir, protocol: "given-split" })).rejects.toThrow(/^path/);
  });

  it("rating-5fold on a MovieLens 100K folder uses u1..u5 with one id map per folder", async () => {
    const folder = path.join(dir, "ml");
    fs.mkdirSync(folder);
    const line = (u: number, i: number, r: number, t: number) => `${u}\t${i}\t${r}\t${t}\n`;
    const all: string[] = [];
    for (let u = 1; u <= 6; u++) for (let i = 1; i <= 5; i++) if ((u + i) % 3 !== 0) all.push(line(u, i, 1 + ((u * i) % 5), 880000000 + u * 10 + i));
    fs.writeFileSync(path.join(folder, "u.data"), all.join(""));
    for (let f = 1; f <= 5; f++) {
      const testLines = all.filter((_, k) => k % 5 === f - 1);
      fs.writeFileSync(path.join(folder, `u${f}.test`), testLines.join("") + (f === 1 ? line(77, 88, 3, 890000000) : ""));
      fs.writeFileSync(path.join(folder, `u${f}.base`), all.filter((_, k) => k % 5 !== f - 1).join(""));
    }
    const data = await loadEvalData({ format: "movielens-100k", path: folder, protocol: "rating-5fold" });
    expect(data.givenSplits!.map((s) => s.name)).toEqual(["u1", "u2", "u3", "u4", "u5"]);
    // User 77 and item 88 appear only in u1.test: indexed, in every fold's catalogue, never trained on.
    const u77 = data.users.index("77")!;
    const i88 = data.items.index("88")!;
    for (const split of data.givenSplits!) {
      expect(split.train.nUsers).toBe(data.users.size);
      expect(split.train.nItems).toBe(data.items.size);
      expect(split.train.userDegree(u77)).toBe(0);
    }
    expect(data.givenSplits![0].test.has(u77, i88)).toBe(true);
    expect(data.interactions.nUsers).toBe(data.users.size);
    expect(data.content).toHaveLength(data.items.size);
    // Other protocols read the folder as one data set.
    const whole = await loadEvalData({ format: "movielens-100k", path: folder, protocol: "holdout" });
    expect(whole.givenSplits).toBeUndefined();
    expect(whole.interactions.nnz).toBe(all.length);
  });
});

describe("from the database", () => {
  it("reads a snapshot into the same structure", async () => {
    const testDb = await createTestDb();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-eval-db-"));
    try {
      const file = path.join(dir, "ratings.csv");
      fs.writeFileSync(file, "user,item,rating,timestamp\na,x,5,100\na,y,3,200\nb,x,4,150\nb,z,2,160\nc,y,1,300\n");
      await importDataset(testDb.db, { format: "csv", path: file });
      const data = await loadEvalDataFromDb(testDb.db);
      expect(data.interactions.nnz).toBe(5);
      expect(data.implicit).toBe(false);
      expect(data.interactions.get(data.users.index("a")!, data.items.index("x")!)).toBe(5);
      expect(data.source).toMatchObject({ source: "database" });
      const report = await runEvaluation(data, { protocol: "loo-sampled", models: ["popularity"], negatives: 2 });
      expect(report.results[0].notes.evaluatedUsers).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await testDb.drop();
    }
  });
});

describe("output", () => {
  it("table, SVG chart and PNG chart", async () => {
    const report = await runEvaluation(synthetic(), { protocol: "holdout", models: ["popularity"], ks: [10, 20] });
    const table = formatTable(report);
    expect(table.split("\n")[0]).toMatch(/^model\s+precision@10 .*train s\s+eval s$/);
    expect(table).toContain(report.results[0].metrics["recall@10"].toFixed(4));
    expect(chartMetrics(report)).toEqual(["precision@10", "recall@10", "ndcg@10", "hr@10", "mrr@10", "map@10", "coverage@10"]);
    const svg = renderChartSvg(report);
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain(">popularity</text>");
    expect(svg).toContain(`>${report.results[0].metrics["hr@10"].toFixed(3)}</text>`);
    expect(svg).not.toContain("novelty@10</text>");
    expect(niceMax(0.76)).toBe(1);
    expect(niceMax(0.9312)).toBe(1);
    expect(niceMax(1.2)).toBe(2);
    expect(niceMax(0.042)).toBe(0.05);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-chart-"));
    try {
      await writeChart(path.join(dir, "c.png"), report);
      const png = fs.readFileSync(path.join(dir, "c.png"));
      expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      await writeChart(path.join(dir, "c.svg"), report);
      expect(fs.readFileSync(path.join(dir, "c.svg"), "utf8")).toBe(svg);
      await expect(writeChart(path.join(dir, "c.jpg"), report)).rejects.toThrow(/^chart/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
