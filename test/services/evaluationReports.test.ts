// The results-folder reader behind `evaluationReports`: only evaluation reports, only regular
// files directly in the folder, size-capped, newest first, re-read when a file changes.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EVALUATION_REPORT_LIMITS, EvaluationReports } from "../../src/services/evaluationReports";
import { writeFiles } from "../helpers/tmp";

const report = (dataset: string, models: string[]) =>
  JSON.stringify({
    dataset,
    protocol: "holdout",
    results: models.map((model, i) => ({ model, params: {}, metrics: { "recall@20": 0.1 * (i + 1), "ndcg@20": 0.05 * (i + 1), bad: "x" }, trainSeconds: 1.5, evalSeconds: 0.5, notes: {} })),
    notes: { protocol: "per-user random 80/20 holdout" },
  });

function touch(file: string, secondsAgo: number): void {
  const when = new Date(Date.now() - secondsAgo * 1000);
  fs.utimesSync(file, when, when);
}

describe("EvaluationReports", () => {
  it("lists only evaluation reports, newest first, with their rows and metric names", async () => {
    const dir = writeFiles({
      "old.json": report("movielens-100k", ["popularity", "ials"]),
      "new.json": report("gowalla", ["lightgcn"]),
      "bench.json": JSON.stringify({ date: "2026-12-03", results: [{ query: "x", requestsPerSecond: 1 }] }),
      "broken.json": "{ not json",
      "notes.txt": report("txt", ["popularity"]),
      "sub/inner.json": report("inner", ["popularity"]),
    });
    touch(path.join(dir, "old.json"), 100);
    touch(path.join(dir, "new.json"), 10);
    const reports = await new EvaluationReports(dir).list(10);
    expect(reports.map((r) => r.name)).toEqual(["new.json", "old.json"]);
    const old = reports[1];
    expect(old.dataset).toBe("movielens-100k");
    expect(old.protocol).toBe("holdout");
    expect(old.description).toBe("per-user random 80/20 holdout");
    expect(old.metricNames).toEqual(["recall@20", "ndcg@20"]);
    expect(old.rows.map((r) => r.model)).toEqual(["popularity", "ials"]);
    expect(old.rows[1].metrics).toEqual({ "recall@20": 0.2, "ndcg@20": 0.1 });
    expect(old.date).toBeInstanceOf(Date);
    expect(await new EvaluationReports(dir).list(1)).toHaveLength(1);
  });

  it("skips symbolic links and files over the size cap, and a missing folder has no reports", async () => {
    const outside = writeFiles({ "secret.json": report("outside", ["popularity"]) });
    const dir = writeFiles({ "big.json": report("big", ["popularity"]).padEnd(EVALUATION_REPORT_LIMITS.maxFileBytes + 10, " "), "ok.json": report("ok", ["ials"]) });
    fs.symlinkSync(path.join(outside, "secret.json"), path.join(dir, "link.json"));
    const reports = await new EvaluationReports(dir).list(10);
    expect(reports.map((r) => r.name)).toEqual(["ok.json"]);
    expect(await new EvaluationReports(path.join(dir, "missing")).list(10)).toEqual([]);
  });

  it("re-reads a file when it changes", async () => {
    const dir = writeFiles({ "r.json": report("first", ["popularity"]) });
    const reader = new EvaluationReports(dir);
    expect((await reader.list(10))[0].dataset).toBe("first");
    fs.writeFileSync(path.join(dir, "r.json"), report("second-version", ["popularity"]));
    touch(path.join(dir, "r.json"), -5);
    expect((await reader.list(10))[0].dataset).toBe("second-version");
  });
});
