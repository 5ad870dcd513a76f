// npm run plot:curves -- --reports results/gowalla-lightgcn.json,results/gowalla-ngcf.json
//   [--metric recall] [--references 'LightGCN paper=0.1830,target=0.175'] [--out results/gowalla-curves.svg]
//
// Draws the training curves of bench:graph --train reports (a test metric at every checkpoint
// against training seconds) as one SVG line chart.
import fs from "node:fs";
import path from "node:path";
import { ValidationError } from "../src/errors";
import { renderCurveSvg, type CurveSeries } from "../src/eval";
import { parseArgs } from "node:util";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = "usage: npm run plot:curves -- --reports a.json,b.json [--metric recall|ndcg] [--references 'label=value,...'] [--out file.svg]";

interface CurveReport {
  model: string;
  dataset: string;
  params: Record<string, unknown>;
  curve: { trainSeconds: number; recall: number; ndcg: number }[];
}

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({ args: process.argv.slice(2), options: { ...HELP, reports: { type: "string" }, metric: { type: "string" }, references: { type: "string" }, out: { type: "string" } } }),
  );
  const files = values.reports?.split(",").filter(Boolean);
  if (!files?.length) throw new UsageError(usage);
  const metric = values.metric ?? "recall";
  if (metric !== "recall" && metric !== "ndcg") throw new ValidationError("metric", metric, "recall or ndcg");
  const series: CurveSeries[] = [];
  let dataset = "";
  for (const file of files) {
    if (!fs.existsSync(file)) throw new ValidationError("reports", file, "existing bench:graph reports");
    const report = JSON.parse(fs.readFileSync(file, "utf8")) as CurveReport;
    if (!Array.isArray(report.curve) || report.curve.length === 0) throw new ValidationError("reports", file, "a report with a non-empty curve");
    dataset = report.dataset;
    const p = report.params;
    const label = `${report.model} (lr ${p.lr}${p.lrDecay !== undefined && p.lrDecay !== 1 ? ` ×${p.lrDecay}/epoch` : ""}, batch ${p.batchSize})`;
    series.push({ name: label, points: report.curve.map((c) => [c.trainSeconds, c[metric]] as [number, number]) });
  }
  const references = (values.references ?? "")
    .split(",")
    .filter(Boolean)
    .map((pair) => {
      const [label, raw] = pair.split("=");
      const y = Number(raw);
      if (!label || !Number.isFinite(y)) throw new ValidationError("references", pair, "label=number");
      return { label, y };
    });
  const out = values.out ?? path.join("results", `${dataset}-curves.svg`);
  const svg = renderCurveSvg({
    title: `${dataset} · ${metric}@20 on the test split during training`,
    subtitle: "x: training seconds on the 2-core machine (test evaluations excluded); one point per checkpoint",
    xLabel: "training seconds",
    yLabel: `${metric}@20`,
    series,
    references,
  });
  fs.writeFileSync(out, svg);
  console.log(`wrote ${out}`);
});
