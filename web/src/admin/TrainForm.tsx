// Start a training: the model, a form generated from its parameter schema, a seed, the
// activation policy and the held-out switch. Values are checked against the schema before
// anything is sent; a refusal by the server (BAD_USER_INPUT naming e.g. `ials.factors`) is
// shown on the field it names.
import { useApolloClient, useMutation } from "@apollo/client";
import { useRef, useState, type FormEvent } from "react";
import { AdminJobsDocument, AdminTrainModelDocument, type ActivationInput, type ActivationPolicy, type AdminModelsQuery } from "../gql/graphql";
import { apiProblem } from "./errors";
import { ParamField } from "./ParamField";
import { checkDraft, checkSeed, checkTolerance, initialDraft, MAX_SEED, type ParamDraft } from "./paramForm";
import { TrainProgress } from "./TrainProgress";

type Model = AdminModelsQuery["models"][number];
type Policy = ActivationPolicy;

export function TrainForm({ models, initialModel, onSubmitted, onFinished }: { models: Model[]; initialModel: string; onSubmitted: (model: string) => void; onFinished: () => void }) {
  const [name, setName] = useState(initialModel);
  const model = models.find((m) => m.name === name) ?? models[0];
  return (
    <section className="admin-section admin-train" aria-labelledby="admin-train-title">
      <h2 id="admin-train-title">Start a training</h2>
      <label htmlFor="admin-train-model">Model</label>
      <select id="admin-train-model" value={model?.name ?? ""} onChange={(event) => setName(event.target.value)}>
        {models.map((m) => (
          <option key={m.name} value={m.name}>
            {m.name} ({m.family})
          </option>
        ))}
      </select>
      {model ? <p className="admin-hint">{model.description}</p> : null}
      {/* A fresh form per model: its parameters, defaults and errors are the model's own. */}
      {model ? <TrainFields key={model.name} model={model} onSubmitted={onSubmitted} onFinished={onFinished} /> : null}
    </section>
  );
}

function TrainFields({ model, onSubmitted, onFinished }: { model: Model; onSubmitted: (model: string) => void; onFinished: () => void }) {
  const client = useApolloClient();
  const [draft, setDraft] = useState<ParamDraft>(() => initialDraft(model.parameters));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [seed, setSeed] = useState("");
  const [policy, setPolicy] = useState<Policy>("ALWAYS");
  const [tolerance, setTolerance] = useState("0.05");
  const [metric, setMetric] = useState("ndcg@20");
  const [heldOut, setHeldOut] = useState(true);
  const [summary, setSummary] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [train, training] = useMutation(AdminTrainModelDocument);
  const formRef = useRef<HTMLFormElement>(null);
  const metrics = model.capabilities.ratingPrediction ? ["ndcg@20", "recall@20", "rmse", "mae"] : ["ndcg@20", "recall@20"];

  const fail = (found: Record<string, string>, message: string) => {
    setErrors(found);
    setSummary(message);
    // Focus the first field in error, so keyboard and screen-reader users land on it.
    requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>("[aria-invalid='true']")?.focus());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { values, errors: found } = checkDraft(model.parameters, draft);
    const checkedSeed = checkSeed(seed);
    if (!checkedSeed.ok) found.seed = checkedSeed.error;
    const checkedTolerance = policy === "IF_NOT_WORSE" ? checkTolerance(tolerance) : ({ ok: true, value: null } as const);
    if (!checkedTolerance.ok) found.tolerance = checkedTolerance.error;
    if (policy === "IF_NOT_WORSE" && !heldOut) found.heldOut = "IF_NOT_WORSE compares held-out quality: keep the held-out evaluation on, or activate ALWAYS";
    const count = Object.keys(found).length;
    if (count > 0) return fail(found, `Not sent: fix ${count === 1 ? "1 field" : `${count} fields`} first.`);
    setErrors({});
    setSummary(null);
    // Narrowed again for the compiler: both checks passed when nothing was found.
    const seedValue = checkedSeed.ok ? checkedSeed.value : null;
    const toleranceValue = checkedTolerance.ok ? checkedTolerance.value : null;
    const activation: ActivationInput = policy === "IF_NOT_WORSE" ? { policy, metric, ...(toleranceValue !== null ? { tolerance: toleranceValue } : {}) } : { policy: "ALWAYS" };
    try {
      const result = await train({ variables: { model: model.name, params: values, seed: seedValue, activation, heldOut } });
      const job = result.data?.trainModel;
      if (!job) return;
      setJobId(job.id);
      onSubmitted(model.name);
      await client.refetchQueries({ include: [AdminJobsDocument] });
    } catch (error) {
      const problem = apiProblem(error);
      if (!problem) return;
      // The server names `<model>.<parameter>`, `seed` or `activation.<field>`: put it on that input.
      const field = problem.field ?? "";
      const param = field.startsWith(`${model.name}.`) ? field.slice(model.name.length + 1) : null;
      const key = param ?? (field.startsWith("activation.") ? field.slice("activation.".length) : field);
      fail(key ? { [key]: problem.message } : {}, `The server refused the training${problem.code ? ` (${problem.code})` : ""}: ${problem.message}`);
    }
  };

  return (
    <form ref={formRef} onSubmit={(event) => void submit(event)} noValidate aria-label={`Train ${model.name}`}>
      <fieldset className="admin-params">
        <legend>Hyper-parameters of {model.name}</legend>
        {model.parameters.length === 0 ? <p className="admin-muted">This model has no hyper-parameters.</p> : null}
        {model.parameters.map((spec) => (
          <ParamField key={spec.name} spec={spec} value={draft[spec.name] ?? ""} error={errors[spec.name]} onChange={(value) => setDraft({ ...draft, [spec.name]: value })} />
        ))}
      </fieldset>
      <fieldset className="admin-params">
        <legend>Run</legend>
        <div className="admin-field">
          <label htmlFor="admin-train-seed">Seed (optional)</label>
          <input
            id="admin-train-seed"
            type="text"
            inputMode="numeric"
            value={seed}
            onChange={(event) => setSeed(event.target.value)}
            aria-invalid={errors.seed ? true : undefined}
            aria-describedby={errors.seed ? "admin-train-seed-error admin-train-seed-hint" : "admin-train-seed-hint"}
          />
          <p id="admin-train-seed-hint" className="admin-hint">
            An integer in 0–{MAX_SEED.toLocaleString("en-US")}; empty: the server's default seed.
          </p>
          {errors.seed ? (
            <p id="admin-train-seed-error" className="admin-error admin-field-error">
              {errors.seed}
            </p>
          ) : null}
        </div>
        <div className="admin-field admin-field-check">
          <input
            id="admin-train-heldout"
            type="checkbox"
            checked={heldOut}
            onChange={(event) => setHeldOut(event.target.checked)}
            aria-invalid={errors.heldOut ? true : undefined}
            aria-describedby="admin-train-heldout-hint"
          />
          <label htmlFor="admin-train-heldout">Measure held-out quality first</label>
          <p id="admin-train-heldout-hint" className="admin-hint">
            Fits a copy without each user&apos;s latest interaction and stores recall@20, ndcg@20 (RMSE for rating predictors); roughly doubles the training time.
          </p>
          {errors.heldOut ? <p className="admin-error admin-field-error">{errors.heldOut}</p> : null}
        </div>
        <div className="admin-field" role="radiogroup" aria-labelledby="admin-train-policy-label">
          <span id="admin-train-policy-label" className="admin-label">
            Activation
          </span>
          <div className="admin-radios">
            <label>
              <input type="radio" name="policy" value="ALWAYS" checked={policy === "ALWAYS"} onChange={() => setPolicy("ALWAYS")} /> Always serve the new version
            </label>
            <label>
              <input type="radio" name="policy" value="IF_NOT_WORSE" checked={policy === "IF_NOT_WORSE"} onChange={() => setPolicy("IF_NOT_WORSE")} /> Only if not worse than the active one
            </label>
          </div>
        </div>
        {policy === "IF_NOT_WORSE" ? (
          <div className="admin-inline-fields">
            <div className="admin-field">
              <label htmlFor="admin-train-tolerance">Tolerance</label>
              <input
                id="admin-train-tolerance"
                type="text"
                inputMode="decimal"
                value={tolerance}
                onChange={(event) => setTolerance(event.target.value)}
                aria-invalid={errors.tolerance ? true : undefined}
                aria-describedby="admin-train-tolerance-hint"
              />
              <p id="admin-train-tolerance-hint" className="admin-hint">
                0–1: how much worse (relative) it may be; 0.05 = 5 %.
              </p>
              {errors.tolerance ? <p className="admin-error admin-field-error">{errors.tolerance}</p> : null}
            </div>
            <div className="admin-field">
              <label htmlFor="admin-train-metric">Compared on</label>
              <select id="admin-train-metric" value={metric} onChange={(event) => setMetric(event.target.value)} aria-invalid={errors.metric ? true : undefined}>
                {metrics.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
              {errors.metric ? <p className="admin-error admin-field-error">{errors.metric}</p> : null}
            </div>
          </div>
        ) : null}
      </fieldset>
      <div className="admin-inline">
        <button type="submit" className="primary" disabled={training.loading}>
          Train {model.name}
        </button>
        {training.loading ? <span className="admin-muted">Submitting…</span> : null}
      </div>
      {summary ? (
        <p className="admin-error" role="alert">
          {summary}
        </p>
      ) : null}
      {jobId ? <TrainProgress jobId={jobId} onFinished={onFinished} /> : null}
    </form>
  );
}
