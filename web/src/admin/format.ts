// Numbers and dates as the console shows them.

export function formatMetric(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "–";
  return Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(4);
}

export function formatSeconds(value: number | null | undefined): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "–";
  return value >= 100 ? `${value.toFixed(0)} s` : value >= 10 ? `${value.toFixed(1)} s` : `${value.toFixed(2)} s`;
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "–";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatCount(value: number): string {
  return value.toLocaleString();
}
