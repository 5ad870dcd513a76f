// The admin console (#/admin): the admin key, then the catalogue, jobs with live progress,
// model versions (activate / roll back), a training form generated from each model's
// parameter schema, and the offline evaluation reports as a chart. The parts live in
// web/src/admin; this page only holds what they share (the key, the chosen model) and
// refreshes the served versions when a job ends or a version is activated.
import { useApolloClient, useQuery } from "@apollo/client";
import { useCallback, useEffect, useState } from "react";
import { session } from "../apollo";
import { CatalogueCounts } from "../admin/CatalogueCounts";
import { apiProblem, authMessage, isAuthProblem } from "../admin/errors";
import { EvaluationPanel } from "../admin/EvaluationPanel";
import { JobsPanel } from "../admin/JobsPanel";
import { KeyForm } from "../admin/KeyForm";
import { ModelVersions } from "../admin/ModelVersions";
import { TrainForm } from "../admin/TrainForm";
import "../admin/admin.css";
import { AdminKeyCheckDocument, AdminModelRunsDocument, AdminModelsDocument, AdminOverviewDocument, HealthDocument, type AdminOverviewQuery } from "../gql/graphql";

type KeyState = { state: "none" } | { state: "checking" } | { state: "ok" } | { state: "unchecked"; message: string };

export function AdminConsole() {
  const client = useApolloClient();
  const [key, setKey] = useState<string | null>(() => session.adminKey());
  const [keyState, setKeyState] = useState<KeyState>({ state: "none" });
  const [keyProblem, setKeyProblem] = useState<string | null>(null);
  const overview = useQuery(AdminOverviewDocument);

  // Every admin query fails with a wrong key, so the key is checked once (a one-job admin
  // query, never cached) before the panels load; a refused key is forgotten at once.
  useEffect(() => {
    if (!key) return;
    let current = true;
    setKeyState({ state: "checking" });
    client
      .query({ query: AdminKeyCheckDocument, fetchPolicy: "network-only" })
      .then(() => current && setKeyState({ state: "ok" }))
      .catch((error: unknown) => {
        if (!current) return;
        const problem = apiProblem(error);
        if (problem && isAuthProblem(problem)) {
          session.setAdminKey(null);
          setKey(null);
          setKeyProblem(authMessage(problem));
          setKeyState({ state: "none" });
        } else {
          setKeyState({ state: "unchecked", message: problem?.message ?? "unknown error" });
        }
      });
    return () => {
      current = false;
    };
  }, [key, client]);

  const enter = (value: string) => {
    session.setAdminKey(value);
    setKeyProblem(null);
    setKey(value);
  };
  const forget = () => {
    session.setAdminKey(null);
    setKey(null);
    setKeyState({ state: "none" });
  };

  const adminDisabled = overview.data && !overview.data.serverInfo.adminEnabled;
  return (
    <div className="admin">
      <div className="admin-head">
        <h1>Admin console</h1>
        {key ? (
          <button type="button" onClick={forget}>
            Forget key
          </button>
        ) : null}
      </div>
      {adminDisabled ? (
        <p className="admin-warn" role="status">
          Admin operations are disabled on this server: it runs without ADMIN_API_KEY.
        </p>
      ) : null}
      {!key ? <KeyForm onKey={enter} problem={keyProblem} /> : null}
      {key && keyState.state === "checking" ? <p role="status">Checking the key…</p> : null}
      {key && keyState.state === "unchecked" ? (
        <p className="admin-error" role="alert">
          The key could not be checked: {keyState.message}
        </p>
      ) : null}
      {key && keyState.state === "ok" ? <Panels overview={overview.data} /> : null}
    </div>
  );
}

function Panels({ overview }: { overview: AdminOverviewQuery | undefined }) {
  const client = useApolloClient();
  const models = useQuery(AdminModelsDocument);
  const [selected, setSelected] = useState<string | null>(null);
  const list = models.data?.models ?? [];
  const defaultModel = overview?.health.defaultModel ?? list[0]?.name ?? "";
  const current = selected ?? defaultModel;

  // A training or an activation changes which version is served, the counts and the header's catalogue line.
  const refresh = useCallback(() => {
    void client.refetchQueries({ include: [AdminModelsDocument, AdminModelRunsDocument, AdminOverviewDocument, HealthDocument] });
  }, [client]);

  const problem = apiProblem(models.error);
  return (
    <>
      {overview ? <CatalogueCounts overview={overview} /> : null}
      {problem ? (
        <p className="admin-error" role="alert">
          Models could not be loaded: {problem.message}
        </p>
      ) : null}
      <div className="admin-grid">
        <div className="admin-column">
          {list.length > 0 ? <ModelVersions models={list} selected={current} onSelect={setSelected} onActivated={refresh} /> : null}
          <JobsPanel onJobFinished={refresh} />
        </div>
        <div className="admin-column">{list.length > 0 ? <TrainForm models={list} initialModel={current} onSubmitted={setSelected} onFinished={refresh} /> : null}</div>
      </div>
      <EvaluationPanel />
    </>
  );
}
