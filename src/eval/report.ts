// Presenting a report: a fixed-width table for the terminal and the JSON file.
import fs from "node:fs";
import path from "node:path";
import type { EvaluationReport } from "./run";

/** Metric keys in first-seen order over all results. */
export function metricKeys(report: EvaluationReport): string[] {
  const keys: string[] = [];
  for (const r of report.results) for (const key of Object.keys(r.metrics)) if (!keys.includes(key)) keys.push(key);
  return keys;
}

function formatMetric(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "-";
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

function formatSeconds(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** One row per model: the metrics, then train and eval seconds; failed models show their error. */
export function formatTable(report: EvaluationReport): string {
  const keys = metricKeys(report);
  const header = ["model", ...keys, "train s", "eval s"];
  const rows = report.results.map((r) =>
    r.error
      ? [r.model, ...keys.map(() => "-"), formatSeconds(r.trainSeconds), formatSeconds(r.evalSeconds)]
      : [r.model, ...keys.map((k) => formatMetric(r.metrics[k])), formatSeconds(r.trainSeconds), formatSeconds(r.evalSeconds)],
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)];
  for (const r of report.results) if (r.error) out.push(`${r.model}: ${r.error}`);
  for (const r of report.results) {
    if (!r.folds) continue;
    out.push(
      `${r.model} per fold: ${r.folds
        .map(
          (f) =>
            `${f.fold} ${Object.entries(f.metrics)
              .map(([k, v]) => `${k} ${formatMetric(v)}`)
              .join(" ")}`,
        )
        .join(" | ")}`,
    );
  }
  return out.join("\n");
}

export function writeReportJson(file: string, report: EvaluationReport): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
