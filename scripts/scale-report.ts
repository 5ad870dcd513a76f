// npm run scale:report -- [--reports results/scale-1000000.json,...] [--out results/scale.svg]
// The cost curve of `npm run bench:scale` runs: a Markdown table (the README's Scaling section)
// with each cost's ratio to the smallest run, and an SVG chart of those ratios against the
// catalogue's size, beside the line of linear growth.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../src/config";
import { renderCurveSvg, type CurveSeries } from "../src/eval";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = "usage: npm run scale:report -- [--reports a.json,b.json] [--out results/scale.svg]   (default: every results/scale-<N>.json)";

interface Load {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
}

interface ScaleReport {
  loadAverage: { before: number[]; after: number[] };
  data: { users: number; items: number; ratings: number };
  import: { seconds: number; rowsPerSecond: number };
  reimport: { seconds: number; changedRows: boolean };
  train: Record<string, { secondsPerIteration?: number; threads?: number } | { seconds: number }>;
  model: string;
  api: {
    readySeconds: number;
    readyRssMb: number;
    peakRssMb: number;
    loads: Load[];
    foldIn: { rateMs: number; recommendMs: number };
    servedThroughIndex?: boolean;
    retrieval?: { recallAt10: number; buildSeconds: number; indexMs: number; exactMs: number };
  };
}

runMain(async () => {
  const { values } = parseCli(usage, () => parseArgs({ args: process.argv.slice(2), options: { ...HELP, reports: { type: "string" }, out: { type: "string" } } }));
  const results = path.join(projectRoot, "results");
  const files =
    values.reports?.split(",").filter(Boolean) ??
    fs
      .readdirSync(results)
      .filter((f) => /^scale-\d+\.json$/.test(f))
      .map((f) => path.join(results, f));
  if (files.length === 0) throw new UsageError(`no scale reports found\n${usage}`);
  const reports = files.map((file) => JSON.parse(fs.readFileSync(file, "utf8")) as ScaleReport).sort((a, b) => a.data.ratings - b.data.ratings);
  const base = reports[0];
  const perIteration = (r: ScaleReport) => (r.train[r.model] as { secondsPerIteration: number }).secondsPerIteration;
  const costs: { name: string; of: (r: ScaleReport) => number }[] = [
    { name: "import s", of: (r) => r.import.seconds },
    { name: "ready s", of: (r) => r.api.readySeconds },
    { name: "API RSS (peak)", of: (r) => r.api.peakRssMb },
    { name: "train s/iter", of: perIteration },
  ];
  const ratio = (r: ScaleReport, of: (r: ScaleReport) => number) => of(r) / of(base);
  const mega = (r: ScaleReport) => r.data.ratings / 1e6;

  const rows = reports.map((r) => {
    const [recommendations, similar] = r.api.loads;
    const times = (of: (r: ScaleReport) => number) => (r === base ? "" : ` (×${ratio(r, of).toFixed(1)})`);
    return [
      `${mega(r)}M`,
      `${r.data.users.toLocaleString("en")} / ${r.data.items.toLocaleString("en")}`,
      `${r.import.seconds.toFixed(1)}${times(costs[0].of)}`,
      `${(r.import.rowsPerSecond / 1000).toFixed(0)}k`,
      `${r.reimport.seconds.toFixed(1)}${r.reimport.changedRows ? " (changed rows!)" : ""}`,
      `${r.api.readySeconds.toFixed(1)}${times(costs[1].of)}`,
      `${r.api.readyRssMb.toFixed(0)} / ${r.api.peakRssMb.toFixed(0)}${times(costs[2].of)}`,
      `${perIteration(r).toFixed(2)}${times(costs[3].of)}`,
      `${recommendations.requestsPerSecond.toFixed(0)}, ${recommendations.latencyMs.p99}`,
      `${similar.requestsPerSecond.toFixed(0)}, ${similar.latencyMs.p99}`,
      `${r.api.foldIn.rateMs.toFixed(0)} + ${r.api.foldIn.recommendMs.toFixed(0)}`,
      r.api.retrieval
        ? `${r.api.retrieval.recallAt10.toFixed(3)}, ${r.api.retrieval.indexMs.toFixed(2)} vs ${r.api.retrieval.exactMs.toFixed(2)} ms${r.api.servedThroughIndex ? "" : " (not served)"}`
        : "–",
      `${r.loadAverage.before[0]}→${r.loadAverage.after[0]}`,
    ];
  });
  const header = [
    "ratings",
    "users / items",
    "import s",
    "rows/s",
    "re-import s",
    "ready s",
    "API RSS MB ready / peak",
    "train s/iter",
    "recommendations req/s, p99 ms",
    "similarItems req/s, p99 ms",
    "fold-in ms (rate + recommend)",
    "index recall@10, ms vs exact scan",
    "load avg",
  ];
  process.stdout.write(`| ${header.join(" | ")} |\n|${header.map((_, k) => (k < 2 ? "---" : "---:")).join("|")}|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(" | ")} |\n`);

  const series: CurveSeries[] = [
    { name: "linear (ratings ÷ smallest)", points: reports.map((r) => [mega(r), r.data.ratings / base.data.ratings]) },
    ...costs.map((cost) => ({ name: cost.name, points: reports.map((r): [number, number] => [mega(r), ratio(r, cost.of)]) })),
  ];
  const out = values.out ?? path.join(results, "scale.svg");
  fs.writeFileSync(
    out,
    renderCurveSvg({
      title: "Cost against catalogue size (npm run bench:scale)",
      subtitle: `each cost ÷ its value at ${mega(base)}M ratings; synthetic catalogues of MovieLens 25M's shape`,
      xLabel: "ratings (millions)",
      yLabel: `× the ${mega(base)}M cost`,
      series,
    }),
  );
  process.stdout.write(`wrote ${out}\n`);
});
