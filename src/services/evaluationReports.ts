// The evaluation reports in the project's results/ folder (JSON written by `npm run evaluate`,
// shape: src/eval/run.ts EvaluationReport), read-only, for the admin console's charts.
//
// What a client controls here is only how many reports it wants: the folder is fixed by the
// server, only regular files directly in it are read (no subfolders, no symbolic links:
// opened with O_NOFOLLOW and checked with fstat), each at most `maxFileBytes`, and files that
// do not have the report's shape (benchmarks, curves) are left out. Parsed files are cached
// by size and modification time, so repeated queries only list the folder and stat files.
import fs from "node:fs";
import path from "node:path";

export interface EvaluationReportRow {
  model: string;
  /** Metric name (`ndcg@20`, `rmse`, ...) → value; only finite numbers. */
  metrics: Record<string, number>;
  trainSeconds: number | null;
  evalSeconds: number | null;
  /** Set when the model failed in that evaluation (its metrics are then empty). */
  error: string | null;
}

export interface EvaluationReportSummary {
  /** File name in the results folder (e.g. `ml100k-holdout.json`). */
  name: string;
  /** When the file was last written. */
  date: Date;
  dataset: string;
  protocol: string;
  /** The protocol's description from the report's notes. */
  description: string | null;
  /** Metric names over all rows, in first-seen order. */
  metricNames: string[];
  rows: EvaluationReportRow[];
}

export interface EvaluationReportLimits {
  /** Larger files are skipped unread (the biggest report written so far is ~31 KB). */
  maxFileBytes: number;
  /** JSON files considered per listing (the newest ones). */
  maxFiles: number;
  /** Rows kept per report (the registry has 26 models; one row each). */
  maxRows: number;
  /** Metrics kept per row. */
  maxMetrics: number;
}

export const EVALUATION_REPORT_LIMITS: EvaluationReportLimits = {
  maxFileBytes: 1024 * 1024,
  maxFiles: 200,
  maxRows: 50,
  maxMetrics: 64,
};

/** Plain file names only: no path separators, no leading dot, nothing odd to echo back. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.json$/;
const MAX_TEXT = 1_000;
/** Folder entries looked at (stat) per listing, so a huge folder costs a bounded amount. */
const MAX_ENTRIES = 1_000;

interface CacheEntry {
  size: number;
  mtimeMs: number;
  /** Null: read, but not an evaluation report. */
  report: EvaluationReportSummary | null;
}

export class EvaluationReports {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    readonly dir: string,
    private readonly limits: EvaluationReportLimits = EVALUATION_REPORT_LIMITS,
  ) {}

  /** The newest `first` reports (by modification time, then name). A missing folder has none. */
  async list(first: number): Promise<EvaluationReportSummary[]> {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(this.dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw error;
    }
    // Dirent.isFile() is false for symbolic links and folders: only files directly in the folder.
    const names = entries
      .filter((entry) => entry.isFile() && FILE_NAME.test(entry.name))
      .map((entry) => entry.name)
      .slice(0, MAX_ENTRIES);
    const stats = await Promise.all(names.map(async (name) => ({ name, stat: await fs.promises.lstat(path.join(this.dir, name)).catch(() => null) })));
    const files = stats
      .filter((file): file is { name: string; stat: fs.Stats } => file.stat !== null && file.stat.isFile())
      .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs || a.name.localeCompare(b.name))
      .slice(0, this.limits.maxFiles);
    for (const name of this.cache.keys()) if (!names.includes(name)) this.cache.delete(name);

    const reports: EvaluationReportSummary[] = [];
    for (const { name, stat } of files) {
      if (reports.length >= first) break;
      if (stat.size > this.limits.maxFileBytes) continue;
      const cached = this.cache.get(name);
      const report = cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs ? cached.report : await this.read(name);
      if (report) reports.push(report);
    }
    return reports;
  }

  private async read(name: string): Promise<EvaluationReportSummary | null> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(path.join(this.dir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    } catch {
      return null; // replaced by a link or removed since the listing
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile() || stat.size > this.limits.maxFileBytes) return null;
      // Read at most the cap (+1 to notice a file that grew past it since fstat).
      const buffer = Buffer.alloc(Math.min(stat.size + 1, this.limits.maxFileBytes + 1));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > this.limits.maxFileBytes) return null;
      let json: unknown;
      try {
        json = JSON.parse(buffer.subarray(0, bytesRead).toString("utf8"));
      } catch {
        json = null;
      }
      const report = parseEvaluationReport(name, stat.mtime, json, this.limits);
      this.cache.set(name, { size: stat.size, mtimeMs: stat.mtimeMs, report });
      return report;
    } finally {
      await handle.close();
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value.slice(0, MAX_TEXT) : null;
}

function seconds(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

/**
 * The report's shape as `npm run evaluate` writes it ({ dataset, protocol, results: [{ model,
 * metrics, trainSeconds, evalSeconds, error? }], notes }), or null for any other JSON.
 */
export function parseEvaluationReport(name: string, date: Date, json: unknown, limits: EvaluationReportLimits = EVALUATION_REPORT_LIMITS): EvaluationReportSummary | null {
  if (!isRecord(json) || !Array.isArray(json.results)) return null;
  const dataset = text(json.dataset);
  const protocol = text(json.protocol);
  if (!dataset || !protocol) return null;
  const rows: EvaluationReportRow[] = [];
  const metricNames: string[] = [];
  for (const result of json.results.slice(0, limits.maxRows)) {
    const model = isRecord(result) ? text(result.model) : null;
    if (!isRecord(result) || !model || !isRecord(result.metrics)) return null;
    const metrics: Record<string, number> = {};
    for (const [key, value] of Object.entries(result.metrics).slice(0, limits.maxMetrics)) {
      if (typeof value !== "number" || !Number.isFinite(value) || key.length > 100) continue;
      metrics[key] = value;
      if (!metricNames.includes(key)) metricNames.push(key);
    }
    rows.push({ model, metrics, trainSeconds: seconds(result.trainSeconds), evalSeconds: seconds(result.evalSeconds), error: text(result.error) });
  }
  if (rows.length === 0) return null;
  const description = isRecord(json.notes) ? text(json.notes.protocol) : null;
  return { name, date, dataset, protocol, description, metricNames, rows };
}
