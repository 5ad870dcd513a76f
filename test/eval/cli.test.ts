// `npm run evaluate` as a process: flag errors, a run on MovieLens 100K (with DATASETS_DIR),
// and --from-db against a test database.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";
import { importDataset } from "../../src/services/importService";
import { datasetPath } from "../helpers/datasets";
import { createTestDb } from "../helpers/db";

const tsx = path.join(projectRoot, "node_modules", ".bin", "tsx");

function evaluate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, ["scripts/evaluate.ts", ...args], { cwd: projectRoot, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-eval-cli-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("npm run evaluate", () => {
  it("rejects bad flags naming the flag and the allowed values", async () => {
    const protocol = await evaluate(["--dataset", "movielens-100k", "--path", dir, "--protocol", "nope", "--models", "popularity"]);
    expect(protocol.code).toBe(1);
    expect(protocol.stderr).toContain(`protocol: "nope" is not allowed (one of rating-5fold, holdout, loo-sampled, given-split)`);
    const k = await evaluate(["--dataset", "movielens-100k", "--path", dir, "--protocol", "holdout", "--models", "popularity", "--k", "10,x"]);
    expect(k.code).toBe(1);
    expect(k.stderr).toContain(`k: "x" is not allowed (comma-separated integers in 1–1000)`);
    const unknown = await evaluate(["--from-db", "--protocol", "holdout", "--models", "popularity", "--nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--nope'");
    expect(unknown.stderr).toContain("usage: npm run evaluate");
  });

  it.runIf(datasetPath("ml-100k") !== undefined)("runs holdout on MovieLens 100K with popularity and writes the JSON and a PNG chart", async () => {
    const out = path.join(dir, "ml100k.json");
    const chart = path.join(dir, "ml100k.png");
    const run = await evaluate(["--dataset", "movielens-100k", "--path", datasetPath("ml-100k")!, "--protocol", "holdout", "--models", "popularity", "--k", "10", "--out", out, "--chart", chart]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/popularity\s+0\.\d{4}/);
    const report = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(report).toMatchObject({ dataset: "ml-100k", protocol: "holdout" });
    expect(report.notes.users).toBe(943);
    expect(report.notes.items).toBe(1682);
    const [result] = report.results;
    expect(result.model).toBe("popularity");
    expect(Object.keys(result.metrics)).toEqual(["precision@10", "recall@10", "ndcg@10", "hr@10", "mrr@10", "map@10", "coverage@10", "novelty@10"]);
    // Popularity is a real baseline: better than a random ranking (precision ≈ 0.013 at 21 test items of ~1,600).
    expect(result.metrics["precision@10"]).toBeGreaterThan(0.05);
    expect(fs.statSync(chart).size).toBeGreaterThan(1000);
  });

  it("--from-db evaluates what the database holds", async () => {
    const testDb = await createTestDb();
    try {
      const file = path.join(dir, "ratings.csv");
      const lines = ["user,item,rating,timestamp"];
      for (let u = 0; u < 30; u++) for (let i = 0; i < 20; i++) if ((u * 7 + i * 3) % 5 < 2) lines.push(`u${u},i${i},${1 + ((u + i) % 5)},${1000 + u * 50 + i}`);
      fs.writeFileSync(file, `${lines.join("\n")}\n`);
      await importDataset(testDb.db, { format: "csv", path: file });
      const out = path.join(dir, "db.json");
      const run = await evaluate(["--from-db", "--protocol", "loo-sampled", "--models", "popularity", "--seed", "7", "--out", out], { DATABASE_URL: testDb.url });
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(fs.readFileSync(out, "utf8"));
      expect(report.dataset).toBe("database");
      expect(report.notes.interactions).toBe(lines.length - 1);
      expect(Object.keys(report.results[0].metrics)).toEqual(["hr@10", "ndcg@10"]);
      expect(report.notes.seed).toBe(7);
    } finally {
      await testDb.drop();
    }
  });
});
