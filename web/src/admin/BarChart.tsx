// A horizontal bar chart in plain SVG (no chart library: nothing to load from another host).
// One bar per label, best first; the SVG is one labelled image for assistive technology,
// the page gives the same numbers as a table beside it.
import { useId } from "react";
import { useElementWidth } from "./useElementWidth";

export interface Bar {
  label: string;
  value: number;
}

const BAR_HEIGHT = 20;
const BAR_GAP = 8;
const TOP = 8;
const AXIS = 28;
const FONT = 13;

export function BarChart({ title, description, bars, format }: { title: string; description: string; bars: Bar[]; format: (value: number) => string }) {
  const { ref, width: measured } = useElementWidth<HTMLDivElement>(640);
  const id = useId();
  const width = Math.max(280, measured);
  const labelWidth = Math.min(130, Math.round(width * 0.3));
  const valueWidth = 64;
  const plot = width - labelWidth - valueWidth - 8;
  const height = TOP + bars.length * (BAR_HEIGHT + BAR_GAP) + AXIS;
  const { max, ticks } = niceScale(Math.max(...bars.map((bar) => bar.value), 0), width < 480 ? 3 : 5);
  const x = (value: number) => labelWidth + (Math.max(0, value) / max) * plot;
  const axisY = TOP + bars.length * (BAR_HEIGHT + BAR_GAP);
  return (
    <div ref={ref} className="admin-chart">
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`} fontSize={FONT}>
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={x(tick)} x2={x(tick)} y1={TOP - 4} y2={axisY} className="admin-chart-grid" />
            <text x={x(tick)} y={axisY + 18} textAnchor="middle" className="admin-chart-axis">
              {Number(tick.toPrecision(3))}
            </text>
          </g>
        ))}
        {bars.map((bar, i) => {
          const y = TOP + i * (BAR_HEIGHT + BAR_GAP);
          return (
            <g key={bar.label}>
              <text x={labelWidth - 6} y={y + BAR_HEIGHT / 2} dominantBaseline="central" textAnchor="end" className="admin-chart-label">
                {bar.label}
              </text>
              <rect className="admin-bar" x={labelWidth} y={y} width={Math.max(1, x(bar.value) - labelWidth)} height={BAR_HEIGHT} rx={2}>
                <title>{`${bar.label}: ${format(bar.value)}`}</title>
              </rect>
              <text x={x(bar.value) + 4} y={y + BAR_HEIGHT / 2} dominantBaseline="central" className="admin-chart-value">
                {format(bar.value)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}

/** Axis ticks at round steps (1, 2 or 5 × 10^n) from 0 past the largest value, about `count` of them. */
export function niceScale(largest: number, count: number): { max: number; ticks: number[] } {
  if (!(largest > 0)) return { max: 1, ticks: [0, 1] };
  const rough = largest / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough) ?? 10 * power;
  const max = Math.ceil(largest / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; i * step <= max + step / 2; i++) ticks.push(i * step);
  return { max, ticks };
}
