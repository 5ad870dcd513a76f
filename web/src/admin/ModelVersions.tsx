// The trained versions of one model: the served one, the newest ten with their held-out
// quality and activation decision, and switching (activate a newer one, roll back to an older one).
import { useMutation, useQuery } from "@apollo/client";
import { AdminActivateRunDocument, AdminModelRunsDocument, type AdminModelsQuery, type AdminModelRunsQuery } from "../gql/graphql";
import { apiProblem } from "./errors";
import { formatDate, formatSeconds } from "./format";
import { HeldOut } from "./HeldOut";
import { activationOf } from "./metrics";
import { StatusBadge } from "./StatusBadge";

type Model = AdminModelsQuery["models"][number];
type Run = AdminModelRunsQuery["modelRuns"]["edges"][number]["node"];

const RUNS_SHOWN = 10;

export function ModelVersions({ models, selected, onSelect, onActivated }: { models: Model[]; selected: string; onSelect: (name: string) => void; onActivated: () => void }) {
  const model = models.find((m) => m.name === selected) ?? models[0];
  const runs = useQuery(AdminModelRunsDocument, { variables: { model: model?.name, first: RUNS_SHOWN }, skip: !model, fetchPolicy: "cache-and-network" });
  const [activate, activation] = useMutation(AdminActivateRunDocument);
  const problem = apiProblem(activation.error) ?? apiProblem(runs.error);
  if (!model) return null;
  const active = model.activeRun;
  const activeId = active ? Number(active.id) : null;

  const onActivate = (run: Run) => {
    void activate({ variables: { id: run.id } })
      .then(onActivated)
      .catch(() => undefined); // shown from activation.error
  };

  return (
    <section className="admin-section admin-models" aria-labelledby="admin-models-title">
      <h2 id="admin-models-title">Model versions</h2>
      <label htmlFor="admin-models-select">Model</label>
      <select id="admin-models-select" value={model.name} onChange={(event) => onSelect(event.target.value)}>
        {models.map((m) => (
          <option key={m.name} value={m.name}>
            {m.name} ({m.family}){m.activeRun ? ` · serving #${m.activeRun.id}` : ""}
          </option>
        ))}
      </select>
      <div className="admin-active" aria-live="polite">
        {active ? (
          <>
            <p>
              Active version: <strong data-run-id={active.id}>#{active.id}</strong>{" "}
              <span className="admin-muted">
                trained {formatDate(active.finishedAt)} in {formatSeconds(active.trainSeconds)}
              </span>
            </p>
            <HeldOut metrics={active.metrics} />
          </>
        ) : (
          <p>No active version: {model.name} is not served (train it below).</p>
        )}
      </div>
      {problem ? (
        <p className="admin-error" role="alert">
          {problem.code ? `${problem.code}: ` : ""}
          {problem.message}
        </p>
      ) : null}
      <h3 className="admin-subtitle">Recent versions</h3>
      {runs.data && runs.data.modelRuns.edges.length === 0 ? <p className="admin-muted">No versions of {model.name} yet.</p> : null}
      <ul className="admin-list">
        {(runs.data?.modelRuns.edges ?? []).map(({ node: run }) => (
          <RunRow key={run.id} run={run} activeId={activeId} busy={activation.loading} onActivate={onActivate} />
        ))}
      </ul>
    </section>
  );
}

function RunRow({ run, activeId, busy, onActivate }: { run: Run; activeId: number | null; busy: boolean; onActivate: (run: Run) => void }) {
  const decision = activationOf(run.metrics);
  const id = Number(run.id);
  // An older version than the served one is a rollback; a newer one (e.g. kept back by IF_NOT_WORSE) a switch.
  const action = activeId !== null && id < activeId ? "Roll back to" : "Activate";
  const titleId = `admin-run-${run.id}`;
  return (
    <li className={`admin-run${run.active ? " admin-run-active" : ""}`} aria-labelledby={titleId}>
      <div className="admin-row-head">
        <h4 id={titleId}>
          #{run.id} {run.active ? <span className="admin-badge admin-badge-active">ACTIVE</span> : null}
        </h4>
        <StatusBadge status={run.status} />
      </div>
      <p className="admin-muted">
        {formatDate(run.finishedAt ?? run.createdAt)} · {formatSeconds(run.trainSeconds)}
      </p>
      <HeldOut metrics={run.metrics} />
      {decision ? (
        <p className="admin-decision">
          <strong>{decision.activated === false ? "Not activated" : "Activation"}</strong>
          {decision.policy ? ` (${decision.policy})` : ""}: {decision.reason}
        </p>
      ) : null}
      {run.error ? <p className="admin-error">{run.error}</p> : null}
      {run.status === "SUCCEEDED" && !run.active ? (
        <button type="button" onClick={() => onActivate(run)} disabled={busy}>
          {action} #{run.id}
        </button>
      ) : null}
    </li>
  );
}
