// Line chart of training curves (a metric against training time), e.g. Gowalla Recall@20 of
// LightGCN and NGCF per checkpoint. Hand-written SVG like chart.ts; optional horizontal
// reference lines (published results, targets).
import { ValidationError } from "../errors";
import { COLORS, escapeXml, niceMax } from "./chart";

export interface CurveSeries {
  name: string;
  /** [x, y] points in drawing order. */
  points: [number, number][];
}

export interface CurveChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: CurveSeries[];
  /** Dashed horizontal lines with a label. */
  references?: { label: string; y: number }[];
}

const round = (v: number) => Math.round(v * 10) / 10;

/** Canvas size and margins in px (the right margin holds the reference labels). */
const LAYOUT = { width: 760, height: 420, left: 64, right: 180, top: 64, bottom: 48 };

export function renderCurveSvg(chart: CurveChart): string {
  const points = chart.series.flatMap((s) => s.points);
  if (points.length === 0) throw new ValidationError("series", 0, "at least one point");
  for (const [x, y] of points) if (!Number.isFinite(x) || !Number.isFinite(y)) throw new ValidationError("points", `${x},${y}`, "finite numbers");
  const { width, height, left, right, top, bottom } = LAYOUT;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const xMax = niceMax(Math.max(...points.map((p) => p[0])));
  const yValues = [...points.map((p) => p[1]), ...(chart.references ?? []).map((r) => r.y)];
  const yMax = niceMax(Math.max(...yValues));
  const yMin = Math.max(0, Math.floor((Math.min(...yValues) * 0.9) / (yMax / 10)) * (yMax / 10));
  const sx = (x: number) => left + (x / xMax) * plotW;
  const sy = (y: number) => top + plotH - ((y - yMin) / (yMax - yMin || 1)) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="24" font-size="16" font-weight="bold" fill="#222">${escapeXml(chart.title)}</text>`);
  if (chart.subtitle) out.push(`<text x="${left}" y="44" font-size="12" fill="#555">${escapeXml(chart.subtitle)}</text>`);
  for (let k = 0; k <= 5; k++) {
    const y = yMin + ((yMax - yMin) * k) / 5;
    out.push(`<line x1="${left}" y1="${round(sy(y))}" x2="${left + plotW}" y2="${round(sy(y))}" stroke="${k === 0 ? "#444" : "#e3e3e3"}" stroke-width="1"/>`);
    out.push(`<text x="${left - 8}" y="${round(sy(y)) + 4}" font-size="11" fill="#444" text-anchor="end">${y.toFixed(3)}</text>`);
    const x = (xMax * k) / 5;
    out.push(`<text x="${round(sx(x))}" y="${top + plotH + 16}" font-size="11" fill="#444" text-anchor="middle">${x.toFixed(0)}</text>`);
  }
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#444" stroke-width="1"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${height - 10}" font-size="12" fill="#222" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`);
  out.push(`<text x="16" y="${top + plotH / 2}" font-size="12" fill="#222" text-anchor="middle" transform="rotate(-90 16 ${top + plotH / 2})">${escapeXml(chart.yLabel)}</text>`);
  for (const ref of chart.references ?? []) {
    out.push(`<line x1="${left}" y1="${round(sy(ref.y))}" x2="${left + plotW}" y2="${round(sy(ref.y))}" stroke="#888" stroke-width="1" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${left + plotW + 6}" y="${round(sy(ref.y)) + 4}" font-size="11" fill="#555">${escapeXml(ref.label)}</text>`);
  }
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    const path = s.points.map(([x, y], j) => `${j === 0 ? "M" : "L"}${round(sx(x))},${round(sy(y))}`).join(" ");
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of s.points)
      out.push(`<circle cx="${round(sx(x))}" cy="${round(sy(y))}" r="2.5" fill="${color}"><title>${escapeXml(`${s.name}: ${x.toFixed(0)}, ${y.toFixed(4)}`)}</title></circle>`);
    out.push(`<rect x="${left + 12}" y="${top + 8 + k * 18}" width="14" height="3" fill="${color}"/>`);
    out.push(`<text x="${left + 32}" y="${top + 14 + k * 18}" font-size="12" fill="#222">${escapeXml(s.name)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
