// Reading a model run's metrics JSON (src/services/heldOut.ts heldOutJson and
// src/services/activation.ts decideActivation write it). It comes from the database as JSON,
// so every field is checked before it is shown.

export interface HeldOutSummary {
  recall: number | undefined;
  ndcg: number | undefined;
  rmse: number | undefined;
  /** The cut-off of recall@K / ndcg@K (20 unless the server says otherwise). */
  k: number;
  /** Why nothing was measured, when the server skipped it. */
  skipped: string | undefined;
}

export interface ActivationSummary {
  activated: boolean | undefined;
  policy: string | undefined;
  reason: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function heldOutOf(metrics: unknown): HeldOutSummary | null {
  if (!isRecord(metrics) || !isRecord(metrics.heldOut)) return null;
  const heldOut = metrics.heldOut;
  const k = num(heldOut.k) ?? 20;
  return {
    recall: num(heldOut[`recall@${k}`]),
    ndcg: num(heldOut[`ndcg@${k}`]),
    rmse: num(heldOut.rmse),
    k,
    skipped: typeof heldOut.skipped === "string" ? heldOut.skipped : undefined,
  };
}

export function activationOf(metrics: unknown): ActivationSummary | null {
  if (!isRecord(metrics) || !isRecord(metrics.activation)) return null;
  const activation = metrics.activation;
  if (typeof activation.reason !== "string") return null;
  return {
    activated: typeof activation.activated === "boolean" ? activation.activated : undefined,
    policy: typeof activation.policy === "string" ? activation.policy : undefined,
    reason: activation.reason,
  };
}

/** A report row's metrics (JSON from the server): only finite numbers. */
export function metricValues(metrics: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isRecord(metrics)) return out;
  for (const [key, value] of Object.entries(metrics)) if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  return out;
}

/** Error metrics (rmse, mae) are better when lower; recall, ndcg, hr, ... when higher. */
export function lowerIsBetter(metric: string): boolean {
  return metric === "rmse" || metric === "mae";
}
