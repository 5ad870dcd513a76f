// evaluationReports over HTTP: admin-only, and it serves the project's own results/ reports
// (the files `npm run evaluate` wrote, as the README's tables quote them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gql } from "../helpers/graphql";
import { ADMIN_KEY, startTestServer, type TestServer } from "../helpers/server";

let t: TestServer;

const QUERY = `query Reports($first: Int) {
  evaluationReports(first: $first) {
    name date dataset protocol description metricNames
    rows { model metrics trainSeconds evalSeconds error }
  }
}`;

interface Report {
  name: string;
  date: string;
  dataset: string;
  protocol: string;
  description: string | null;
  metricNames: string[];
  rows: { model: string; metrics: Record<string, number>; trainSeconds: number | null; evalSeconds: number | null; error: string | null }[];
}

beforeAll(async () => {
  t = await startTestServer({ models: ["popularity"] });
});

afterAll(async () => {
  await t?.close();
});

describe("evaluationReports", () => {
  it("is admin-only: UNAUTHENTICATED without a key, FORBIDDEN with a wrong one", async () => {
    const anonymous = await gql(t.url, QUERY);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const wrong = await gql(t.url, QUERY, {}, { "x-api-key": "not-the-key" });
    expect(wrong.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });

  it("returns the evaluation reports of results/ (and only those), within the cost limits", async () => {
    const result = await gql<{ evaluationReports: Report[] }>(t.url, QUERY, { first: 20 }, { "x-api-key": ADMIN_KEY });
    expect(result.errors).toBeUndefined();
    const reports = result.data!.evaluationReports;
    expect(reports.length).toBeGreaterThan(0);
    const names = reports.map((r) => r.name);
    // Benchmarks in the same folder are not evaluation reports.
    expect(names).not.toContain("bench-api.json");
    expect(names).not.toContain("gowalla-lightgcn.json");
    const holdout = reports.find((r) => r.name === "ml100k-holdout.json");
    expect(holdout).toBeDefined();
    expect(holdout!.dataset).toBe("ml-100k");
    expect(holdout!.protocol).toBe("holdout");
    expect(holdout!.metricNames).toContain("ndcg@20");
    const ials = holdout!.rows.find((row) => row.model === "ials");
    // The README's table: iALS recall@20 0.3715, ndcg@20 0.4506.
    expect(ials!.metrics["recall@20"]).toBeCloseTo(0.3715, 4);
    expect(ials!.metrics["ndcg@20"]).toBeCloseTo(0.4506, 4);
    expect(Number.isNaN(Date.parse(holdout!.date))).toBe(false);
  });

  it("refuses page sizes outside 1–20", async () => {
    const result = await gql(t.url, QUERY, { first: 21 }, { "x-api-key": ADMIN_KEY });
    expect(result.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.extensions?.field).toBe("first");
  });
});
