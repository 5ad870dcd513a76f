// Recent jobs of every process, polled every second while one is queued or running (every
// 10 s otherwise, so jobs started elsewhere — cron retraining, another admin — show up too).
import { useMutation, useQuery } from "@apollo/client";
import { useEffect, useRef } from "react";
import { AdminCancelJobDocument, AdminJobsDocument } from "../gql/graphql";
import { apiProblem } from "./errors";
import { formatDate } from "./format";
import { isUnfinished, jobTitle, shortId, type AdminJob } from "./jobs";
import { ProgressBar } from "./ProgressBar";
import { StatusBadge } from "./StatusBadge";

const BUSY_POLL_MS = 1_000;
const IDLE_POLL_MS = 10_000;

export function JobsPanel({ onJobFinished }: { onJobFinished: () => void }) {
  const { data, error, startPolling, stopPolling } = useQuery(AdminJobsDocument, { fetchPolicy: "cache-and-network" });
  const jobs = data?.jobs ?? [];
  const busy = jobs.some(isUnfinished);

  useEffect(() => {
    startPolling(busy ? BUSY_POLL_MS : IDLE_POLL_MS);
    return () => stopPolling();
  }, [busy, startPolling, stopPolling]);

  // A job seen unfinished that has now finished may have changed the served versions.
  const unfinished = useRef(new Set<string>());
  useEffect(() => {
    let finished = false;
    for (const job of jobs) {
      if (isUnfinished(job)) unfinished.current.add(job.id);
      else if (unfinished.current.delete(job.id)) finished = true;
    }
    if (finished) onJobFinished();
  }, [jobs, onJobFinished]);

  const problem = apiProblem(error);
  return (
    <section className="admin-section admin-jobs" aria-labelledby="admin-jobs-title">
      <h2 id="admin-jobs-title">Jobs</h2>
      {problem ? (
        <p className="admin-error" role="alert">
          Jobs could not be loaded: {problem.message}
        </p>
      ) : null}
      {data && jobs.length === 0 ? <p className="admin-muted">No jobs yet.</p> : null}
      <ul className="admin-list" aria-live="polite" aria-relevant="additions">
        {jobs.map((job) => (
          <JobRow key={job.id} job={job} />
        ))}
      </ul>
    </section>
  );
}

function JobRow({ job }: { job: AdminJob }) {
  const [cancel, cancelling] = useMutation(AdminCancelJobDocument);
  const problem = apiProblem(cancelling.error);
  const titleId = `admin-job-${job.id}`;
  return (
    <li className="admin-job" aria-labelledby={titleId} data-job-id={job.id} data-status={job.status}>
      <div className="admin-row-head">
        <h3 id={titleId}>
          {jobTitle(job)}{" "}
          <span className="admin-muted" title={job.id}>
            · job {shortId(job.id)}
          </span>
        </h3>
        <StatusBadge status={job.status} />
      </div>
      <ProgressBar value={job.progress} label={`Progress of ${jobTitle(job).toLowerCase()} job ${shortId(job.id)}`} />
      {job.message ? <p className="admin-job-message">{job.message}</p> : null}
      {job.error ? (
        <p className="admin-error">
          {job.errorCode ? <strong>{job.errorCode}: </strong> : null}
          {job.error}
        </p>
      ) : null}
      <dl className="admin-facts">
        <div>
          <dt>Trigger</dt>
          <dd>{job.trigger}</dd>
        </div>
        <div>
          <dt>Worker</dt>
          <dd>{job.worker ?? "–"}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDate(job.createdAt)}</dd>
        </div>
        {job.modelRun ? (
          <div>
            <dt>Version</dt>
            <dd>
              #{job.modelRun.id}
              {job.modelRun.active ? " (active)" : ""}
            </dd>
          </div>
        ) : null}
      </dl>
      {isUnfinished(job) ? (
        <button type="button" onClick={() => void cancel({ variables: { id: job.id } }).catch(() => undefined)} disabled={cancelling.loading}>
          Cancel {jobTitle(job).toLowerCase()}
        </button>
      ) : null}
      {problem ? (
        <p className="admin-error" role="alert">
          Cancel refused: {problem.message}
        </p>
      ) : null}
    </li>
  );
}
