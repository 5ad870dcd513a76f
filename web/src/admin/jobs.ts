// Job states the console acts on.
import type { AdminJobFieldsFragment } from "../gql/graphql";

export type AdminJob = AdminJobFieldsFragment;

export function isUnfinished(job: Pick<AdminJob, "status">): boolean {
  return job.status === "QUEUED" || job.status === "RUNNING";
}

/** "Training ials" / "Import"; a queued training has no run yet, so no model name. */
export function jobTitle(job: AdminJob): string {
  if (job.kind === "IMPORT") return "Import";
  return job.modelRun ? `Training ${job.modelRun.model}` : "Training";
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
