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
  if (problem)
    return (
      <p className="admin-error" role="alert">
        Job {shortId(jobId)} could not be read: {problem.message}
      </p>
    );
  if (!job)
    return (
      <p className="admin-muted" role="status">
        Job {shortId(jobId)} submitted…
      </p>
    );
  const decision = activationOf(job.modelRun?.metrics);
  const outcome =
    job.status === "SUCCEEDED" && job.modelRun
      ? {
          className: job.modelRun.active ? "admin-ok" : "admin-warn",
          text: `${job.modelRun.active ? `Version #${job.modelRun.id} of ${job.modelRun.model} is now active.` : `Version #${job.modelRun.id} was not activated.`}${decision ? ` Reason: ${decision.reason}.` : ""}`,
        }
      : job.status === "FAILED"
        ? { className: "admin-error", text: `${job.errorCode ? `${job.errorCode}: ` : ""}${job.error ?? "failed"}` }
        : null;
  // Live regions only where the text changes on a state change: the per-epoch message and the
  // percentage would otherwise be read out every second.
  return (
    <div className="admin-train-progress" role="group" aria-label="Training progress">
      <div className="admin-row-head" role="status">
        <p>
          Job <span title={job.id}>{shortId(job.id)}</span>
          {job.modelRun ? ` · version #${job.modelRun.id}` : ""}
        </p>
        <StatusBadge status={job.status} />
      </div>
      <ProgressBar value={job.progress} label={`Progress of training job ${shortId(job.id)}`} />
      {job.message ? <p className="admin-job-message">{job.message}</p> : null}
      <div role="status">{outcome ? <p className={outcome.className}>{outcome.text}</p> : null}</div>
    </div>
  );
}
