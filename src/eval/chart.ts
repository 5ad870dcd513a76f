// Grouped bar chart of a report's main metrics: one group per model, one bar per metric,
// the value printed above each bar. Written as SVG by hand; PNG through @resvg/resvg-js.
import fs from "node:fs";
import path from "node:path";
import { ValidationError } from "../errors";
import { PROTOCOL_INFO } from "./protocols";
import type { EvaluationReport } from "./run";

/** Series colours (Tableau 10), shared by the bar and curve charts. */
export const COLORS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f", "#bab0ac", "#ff9da7"];
const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";

/** The metrics drawn: rmse/mae, or every metric at the first cut-off except novelty (bits, another scale). */
export function chartMetrics(report: EvaluationReport): string[] {
  const keys: string[] = [];
  for (const r of report.results) for (const key of Object.keys(r.metrics)) if (!keys.includes(key)) keys.push(key);
  if (PROTOCOL_INFO[report.protocol].kind === "rating") return keys.filter((k) => k === "rmse" || k === "mae");
  const firstK = keys.map((k) => k.split("@")[1]).find((k) => k !== undefined);
  return keys.filter((k) => k.split("@")[1] === firstK && !k.startsWith("novelty@"));
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Smallest "nice" number (1, 2, 2.5, 5 × 10^n) at least `value`. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value * 1.0000001) return step * power;
  return 10 * power;
}

function formatValue(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(2) : value.toFixed(3);
}

export function renderChartSvg(report: EvaluationReport, only?: readonly string[]): string {
  const metrics = only && only.length > 0 ? [...only] : chartMetrics(report);
  const models = report.results.filter((r) => !r.error);
  // Bars narrow (down to 12 px) as the bar count grows, so a wide comparison stays readable.
  const barW = Math.max(12, Math.min(36, Math.floor(1200 / Math.max(1, models.length * metrics.length))));
  const barGap = barW >= 24 ? 4 : 2;
  const groupW = Math.max(1, metrics.length) * barW + Math.max(0, metrics.length - 1) * barGap;
  const left = 64;
  const right = 24;
  const groups = Math.max(models.length, 1);
  // At least 32 px between groups; a narrow chart widens its gaps to fill 520 px.
  const plotW = Math.max(groups * groupW + (groups + 1) * 32, 520 - left - right);
  const groupGap = (plotW - groups * groupW) / (groups + 1);
  const width = left + plotW + right;
  const longestName = Math.max(0, ...models.map((m) => m.model.length));
  const rotateNames = longestName * 7.5 > groupW + groupGap - 6;

  // Legend rows (wrapped to the width).
  const legend: { x: number; y: number; metric: string; color: string }[] = [];
  let lx = left;
  let ly = 62;
  metrics.forEach((metric, j) => {
    const w = 22 + metric.length * 7.5 + 18;
    if (lx + w > width - right && lx > left) {
      lx = left;
      ly += 20;
    }
    legend.push({ x: lx, y: ly, metric, color: COLORS[j % COLORS.length] });
    lx += w;
  });
  const top = ly + 34;
  const plotH = 300;
  const bottom = rotateNames ? 40 + longestName * 5.5 : 48;
  const height = top + plotH + bottom;

  const max = niceMax(Math.max(0, ...models.flatMap((m) => metrics.map((k) => m.metrics[k] ?? 0))));
  const y = (v: number) => top + plotH - (Math.max(0, v) / max) * plotH;
  const lowerBetter = PROTOCOL_INFO[report.protocol].kind === "rating";
  const subtitle = lowerBetter
    ? "rating error, lower is better (mean over folds)"
    : `higher is better${metrics.some((k) => k.startsWith("coverage@")) ? "; novelty (bits) is in the JSON, not drawn" : ""}`;

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="24" font-size="16" font-weight="bold" fill="#222">${escapeXml(`${report.dataset} · ${report.protocol}`)}</text>`);
  parts.push(`<text x="${left}" y="44" font-size="12" fill="#555">${escapeXml(subtitle)}</text>`);
  for (const l of legend) {
    parts.push(`<rect x="${l.x}" y="${l.y - 11}" width="14" height="14" fill="${l.color}"/>`);
    parts.push(`<text x="${l.x + 20}" y="${l.y}" font-size="12" fill="#222">${escapeXml(l.metric)}</text>`);
  }
  // Axis, grid and tick labels.
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const value = (max * t) / ticks;
    const ty = y(value);
    parts.push(`<line x1="${left}" y1="${ty.toFixed(1)}" x2="${(left + plotW).toFixed(1)}" y2="${ty.toFixed(1)}" stroke="${t === 0 ? "#444" : "#e3e3e3"}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 8}" y="${(ty + 4).toFixed(1)}" font-size="11" fill="#444" text-anchor="end">${escapeXml(formatTick(value, max))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#444" stroke-width="1"/>`);
  // Bars with their values.
  models.forEach((m, g) => {
    const gx = left + groupGap + g * (groupW + groupGap);
    metrics.forEach((metric, j) => {
      const value = m.metrics[metric];
      if (value === undefined || !Number.isFinite(value)) return;
      const x = +(gx + j * (barW + barGap)).toFixed(1);
      const by = y(value);
      parts.push(
        `<rect x="${x}" y="${by.toFixed(1)}" width="${barW}" height="${(top + plotH - by).toFixed(1)}" fill="${COLORS[j % COLORS.length]}"><title>${escapeXml(`${m.model} ${metric} ${value}`)}</title></rect>`,
      );
      parts.push(`<text x="${x + barW / 2}" y="${(by - 4).toFixed(1)}" font-size="10" fill="#222" text-anchor="middle">${formatValue(value)}</text>`);
    });
    const cx = +(gx + groupW / 2).toFixed(1);
    const ny = top + plotH + 18;
    parts.push(
      rotateNames
        ? `<text x="${cx}" y="${ny}" font-size="12" fill="#222" text-anchor="end" transform="rotate(-30 ${cx} ${ny})">${escapeXml(m.model)}</text>`
        : `<text x="${cx}" y="${ny}" font-size="12" fill="#222" text-anchor="middle">${escapeXml(m.model)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function formatTick(value: number, max: number): string {
  const decimals = max >= 10 ? 0 : max >= 1 ? 1 : max >= 0.1 ? 2 : 3;
  return value.toFixed(decimals);
}

/** Writes the chart (of `metrics`, default chartMetrics) as SVG, or PNG (rendered at 2× with @resvg/resvg-js) for a .png name. */
export async function writeChart(file: string, report: EvaluationReport, metrics?: readonly string[]): Promise<void> {
  const extension = path.extname(file).toLowerCase();
  if (extension !== ".svg" && extension !== ".png") throw new ValidationError("chart", file, "a file name ending in .svg or .png");
  const svg = renderChartSvg(report, metrics);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  if (extension === ".svg") {
    fs.writeFileSync(file, svg);
    return;
  }
  const { Resvg } = await import("@resvg/resvg-js");
  const png = new Resvg(svg, { fitTo: { mode: "zoom", value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
  fs.writeFileSync(file, png);
}
