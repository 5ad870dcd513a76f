// Follows one training job until it ends: its progress and message every second, then the
// new version and whether it became the served one (and why, from metrics.activation).
import { useQuery } from "@apollo/client";
import { useEffect, useRef } from "react";
import { AdminJobDocument } from "../gql/graphql";
import { apiProblem } from "./errors";
import { isUnfinished, shortId } from "./jobs";
import { activationOf } from "./metrics";
import { ProgressBar } from "./ProgressBar";
import { StatusBadge } from "./StatusBadge";

export function TrainProgress({ jobId, onFinished }: { jobId: string; onFinished: () => void }) {
  const { data, error, startPolling, stopPolling } = useQuery(AdminJobDocument, { variables: { id: jobId }, fetchPolicy: "network-only" });
  const job = data?.job ?? null;
  const running = !job || isUnfinished(job);
  useEffect(() => {
    if (!running) return;
    startPolling(1_000);
    return () => stopPolling();
  }, [running, startPolling, stopPolling]);

  // Once per job: the served versions may have changed.
  const reported = useRef<string | null>(null);
  useEffect(() => {
    if (job && !isUnfinished(job) && reported.current !== job.id) {
      reported.current = job.id;
      onFinished();
    }
  }, [job, onFinished]);

  const problem = apiProblem(error);
  if (problem) return <p className="admin-error" role="alert">Job {shortId(jobId)} could not be read: {problem.message}</p>;
  if (!job) return <p className="admin-muted" role="status">Job {shortId(jobId)} submitted…</p>;
  const decision = activationOf(job.modelRun?.metrics);
  return (
    <div className="admin-train-progress" role="status" aria-label="Training progress">
      <div className="admin-row-head">
        <p>
          Job <span title={job.id}>{shortId(job.id)}</span>
          {job.modelRun ? ` · version #${job.modelRun.id}` : ""}
        </p>
        <StatusBadge status={job.status} />
      </div>
      <ProgressBar value={job.progress} label={`Progress of training job ${shortId(job.id)}`} />
      {job.message ? <p className="admin-job-message">{job.message}</p> : null}
      {job.status === "SUCCEEDED" && job.modelRun ? (
        <p className={job.modelRun.active ? "admin-ok" : "admin-warn"}>
          {job.modelRun.active ? `Version #${job.modelRun.id} of ${job.modelRun.model} is now active.` : `Version #${job.modelRun.id} was not activated.`}
          {decision ? ` Reason: ${decision.reason}.` : ""}
        </p>
      ) : null}
      {job.status === "FAILED" ? (
        <p className="admin-error">
          {job.errorCode ? `${job.errorCode}: ` : ""}
          {job.error}
        </p>
      ) : null}
    </div>
  );
}
