// npm run results:table -- --report <report.json> [--metrics rmse,mae] [--sort rmse] [--desc] [--chart file.svg|png]
//
// Prints a Markdown table of an evaluation report (npm run evaluate --out): one row per model
// with the chosen metrics, training seconds per fit and seconds per epoch/iteration, so the
// README's tables are pasted from measured reports, not typed. --chart redraws the report's bar
// chart with just those metrics (and that model order).
import fs from "node:fs";
import { ValidationError } from "../src/errors";
import { writeChart, type EvaluationReport } from "../src/eval";
import { parseArgs } from "node:util";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = "usage: npm run results:table -- --report <report.json> [--metrics rmse,mae] [--sort <metric>] [--desc] [--chart file.svg|png]";

interface ReportRow {
  model: string;
  metrics: Record<string, number>;
  trainSeconds: number;
  folds?: unknown[];
  notes?: { secondsPerEpoch?: number; epochs?: number };
}

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: { ...HELP, report: { type: "string" }, metrics: { type: "string" }, sort: { type: "string" }, chart: { type: "string" }, desc: { type: "boolean" } },
    }),
  );
  const file = values.report;
  if (!file) throw new UsageError(usage);
  if (!fs.existsSync(file)) throw new ValidationError("report", file, "an existing JSON report");
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as EvaluationReport & { results: ReportRow[] };
  if (!Array.isArray(report.results)) throw new ValidationError("report", file, "a report with a results array");
  const available = [...new Set(report.results.flatMap((r) => Object.keys(r.metrics)))];
  const metrics = values.metrics?.split(",") ?? available;
  for (const m of metrics) if (!available.includes(m)) throw new ValidationError("metrics", m, `one of ${available.join(", ")}`);
  const rows = [...report.results];
  const sort = values.sort;
  if (sort) {
    if (!available.includes(sort)) throw new ValidationError("sort", sort, `a metric: ${available.join(", ")}`);
    const sign = values.desc ? -1 : 1;
    rows.sort((a, b) => sign * ((a.metrics[sort] ?? -Infinity) - (b.metrics[sort] ?? -Infinity)));
  }
  const fmt = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits));
  console.log(`| model | ${metrics.join(" | ")} | train s / fit | s / epoch |`);
  console.log(`|---|${metrics.map(() => "---:|").join("")}---:|---:|`);
  for (const r of rows) {
    const fits = Math.max(1, r.folds?.length ?? 1);
    const perEpoch = r.notes?.secondsPerEpoch;
    console.log(
      `| \`${r.model}\` | ${metrics.map((m) => fmt(r.metrics[m], 4)).join(" | ")} | ${fmt(r.trainSeconds / fits, 1)} | ${perEpoch === undefined ? "–" : perEpoch < 0.1 ? perEpoch.toFixed(4) : perEpoch.toFixed(2)} |`,
    );
  }
  const chart = values.chart;
  if (chart) {
    await writeChart(chart, { ...report, results: rows }, values.metrics ? metrics : undefined);
    console.error(`wrote ${chart}`);
  }
});
