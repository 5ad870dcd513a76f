// The offline evaluation reports (results/*.json from `npm run evaluate`, served by the
// admin-only evaluationReports query): one report and one metric as a bar chart, best model
// first, with every metric of that report in a table below.
import { useQuery } from "@apollo/client";
import { useState } from "react";
import { AdminEvaluationReportsDocument, type AdminEvaluationReportsQuery } from "../gql/graphql";
import { BarChart, type Bar } from "./BarChart";
import { apiProblem } from "./errors";
import { formatDate, formatMetric, formatSeconds } from "./format";
import { lowerIsBetter, metricValues } from "./metrics";

type Report = AdminEvaluationReportsQuery["evaluationReports"][number];

/** Metrics the chart opens on, in order of preference (the README's headline numbers). */
const PREFERRED_METRICS = ["ndcg@20", "recall@20", "ndcg@10", "hr@10", "rmse"];

/** The broadest comparison first: most models, then newest. */
function defaultReport(reports: Report[]): Report | undefined {
  return [...reports].sort((a, b) => b.rows.length - a.rows.length)[0];
}

function defaultMetric(report: Report): string {
  return PREFERRED_METRICS.find((name) => report.metricNames.includes(name)) ?? report.metricNames[0] ?? "";
}

export function EvaluationPanel() {
  const { data, error, loading } = useQuery(AdminEvaluationReportsDocument);
  const reports = data?.evaluationReports ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const [metricChoice, setMetricChoice] = useState<string | null>(null);
  const report = reports.find((r) => r.name === chosen) ?? defaultReport(reports);
  const metric = report && metricChoice && report.metricNames.includes(metricChoice) ? metricChoice : report ? defaultMetric(report) : "";
  const problem = apiProblem(error);

  return (
    <section className="admin-section admin-evaluation" aria-labelledby="admin-evaluation-title">
      <h2 id="admin-evaluation-title">Offline evaluation</h2>
      {problem ? (
        <p className="admin-error" role="alert">
          Reports could not be loaded: {problem.message}
        </p>
      ) : null}
      {loading && !data ? <p className="admin-muted">Loading reports…</p> : null}
      {data && reports.length === 0 ? <p className="admin-muted">No evaluation reports in the server&apos;s results/ folder (npm run evaluate writes them).</p> : null}
      {report ? (
        <>
          <div className="admin-inline-fields">
            <div className="admin-field">
              <label htmlFor="admin-report-select">Report</label>
              <select id="admin-report-select" value={report.name} onChange={(event) => setChosen(event.target.value)}>
                {reports.map((r) => (
                  <option key={r.name} value={r.name}>
                    {r.name} — {r.dataset}, {r.protocol}, {r.rows.length} models
                  </option>
                ))}
              </select>
            </div>
            <div className="admin-field">
              <label htmlFor="admin-metric-select">Metric</label>
              <select id="admin-metric-select" value={metric} onChange={(event) => setMetricChoice(event.target.value)}>
                {report.metricNames.map((name) => (
                  <option key={name} value={name}>
                    {name}
                    {lowerIsBetter(name) ? " (lower is better)" : ""}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <ReportChart report={report} metric={metric} />
          <ReportTable report={report} />
        </>
      ) : null}
    </section>
  );
}

function ReportChart({ report, metric }: { report: Report; metric: string }) {
  const lower = lowerIsBetter(metric);
  const bars: Bar[] = report.rows
    .map((row) => ({ label: row.model, value: metricValues(row.metrics)[metric] }))
    .filter((bar): bar is Bar => bar.value !== undefined)
    .sort((a, b) => (lower ? a.value - b.value : b.value - a.value));
  const title = `${metric} by model — ${report.dataset}, ${report.protocol} (${report.name})`;
  const best = bars[0];
  const description = best
    ? `${bars.length} models, best first (${lower ? "lower" : "higher"} is better); best: ${best.label} ${formatMetric(best.value)}. Report written ${formatDate(report.date)}.`
    : `No model has ${metric} in this report.`;
  return (
    <figure className="admin-figure">
      <BarChart title={title} description={description} bars={bars} format={formatMetric} />
      <figcaption className="admin-muted">
        {title}. {description}
        {report.description ? ` Protocol: ${report.description}` : ""}
      </figcaption>
    </figure>
  );
}

function ReportTable({ report }: { report: Report }) {
  return (
    <details className="admin-details">
      <summary>All metrics of {report.name} as a table</summary>
      <div className="admin-table-wrap" tabIndex={0} role="region" aria-label={`Metrics of ${report.name}`}>
        <table className="admin-table">
          <caption>
            {report.dataset}, {report.protocol}: one row per model
          </caption>
          <thead>
            <tr>
              <th scope="col">model</th>
              {report.metricNames.map((name) => (
                <th key={name} scope="col">
                  {name}
                </th>
              ))}
              <th scope="col">train</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => {
              const values = metricValues(row.metrics);
              return (
                <tr key={row.model}>
                  <th scope="row">{row.model}</th>
                  {report.metricNames.map((name) => (
                    <td key={name}>{formatMetric(values[name])}</td>
                  ))}
                  <td>{row.error ? `failed: ${row.error}` : formatSeconds(row.trainSeconds)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </details>
  );
}
