// Activation policy of a training: "always" serves every successful run (the behaviour before
// held-out metrics existed); "ifNotWorse" serves a run only when its held-out metric is no
// worse than the served run's, within a relative tolerance, so a retraining with bad
// parameters (or on data that no longer suits them) does not silently replace a good model.
// The decision is a pure function of the two runs' stored numbers; trainModel records it.
//
// The comparison uses the numbers each run stored when it trained. When the data changed in
// between, both were measured on a latest-interaction holdout of different snapshots: close,
// not identical, which is what the tolerance is for (the decision says whether the data was
// the same).
import { ValidationError } from "../errors";
import { heldOutMetricNames, lowerIsBetter, storedHeldOut, type HeldOut } from "./heldOut";

export const ACTIVATION_POLICIES = ["always", "ifNotWorse"] as const;
export type ActivationPolicy = (typeof ACTIVATION_POLICIES)[number];

export interface ActivationOptions {
  policy: ActivationPolicy;
  /** Relative: "ifNotWorse" accepts new ≥ active × (1 − tolerance) (≤ active × (1 + tolerance) for rmse, mae). Default 0.05. */
  tolerance?: number;
  /** Held-out metric compared (default `ndcg@K`, K the holdout cut-off). */
  metric?: string;
}

export interface ResolvedActivation {
  policy: ActivationPolicy;
  tolerance: number;
  metric: string;
}

export const DEFAULT_TOLERANCE = 0.05;

export interface ActivationDecision {
  activated: boolean;
  /** "not requested" when the training was asked not to activate at all. */
  policy: ActivationPolicy | "not requested";
  reason: string;
  metric?: string;
  value?: number;
  tolerance?: number;
  /** The active run compared with, when there was one with the metric. */
  comparedWith?: number;
  activeValue?: number;
  /** Whether the active run was trained on the same data (fingerprint) as the new one. */
  sameData?: boolean;
}

/** Validates the options against the model and holdout settings; defaults: "always", tolerance 0.05, ndcg@K. */
export function resolveActivation(options: ActivationOptions | undefined, model: string, holdout: { enabled: boolean; k: number }): ResolvedActivation {
  const policy = options?.policy ?? "always";
  if (!(ACTIVATION_POLICIES as readonly string[]).includes(policy)) throw new ValidationError("activation.policy", policy, `one of ${ACTIVATION_POLICIES.join(", ")}`);
  const tolerance = options?.tolerance ?? DEFAULT_TOLERANCE;
  if (typeof tolerance !== "number" || !(tolerance >= 0 && tolerance <= 1)) {
    throw new ValidationError("activation.tolerance", tolerance, "a relative tolerance in [0, 1], e.g. 0.05 for 5 %");
  }
  const metric = options?.metric ?? `ndcg@${holdout.k}`;
  const names = heldOutMetricNames(model, holdout.k);
  if (!names.includes(metric)) throw new ValidationError("activation.metric", metric, `a held-out metric of ${model} at k ${holdout.k}: ${names.join(", ")}`);
  // Comparing needs the new run's held-out numbers; say so now rather than activate blindly.
  if (policy === "ifNotWorse" && !holdout.enabled) throw new ValidationError("activation.policy", policy, '"always" while holdout.enabled is false: ifNotWorse compares held-out metrics');
  return { policy, tolerance, metric };
}

export interface ActiveRunInfo {
  id: number;
  metrics: unknown;
  dataFingerprint: string | null;
}

export interface DecideInput {
  /** request.activate: false means never, whatever the policy. */
  requested: boolean;
  options: ResolvedActivation;
  heldOut: HeldOut | undefined;
  /** The currently active run of the same model, if any. */
  active: ActiveRunInfo | undefined;
  dataFingerprint: string;
}

export function decideActivation(input: DecideInput): ActivationDecision {
  const { options, heldOut, active } = input;
  if (!input.requested) return { activated: false, policy: "not requested", reason: "activation was not requested (activate: false)" };
  if (options.policy === "always") return { activated: true, policy: "always", reason: "policy always" };

  const { metric, tolerance } = options;
  const common = { policy: options.policy, metric, tolerance } as const;
  const value = heldOut?.metrics[metric];
  if (value === undefined || !Number.isFinite(value)) {
    // Nothing to judge the new run by (no user with two interactions, or rmse on implicit data): as with an unmeasured active run, activate.
    return { ...common, activated: true, reason: `the new run has no held-out ${metric}${heldOut?.skipped ? ` (${heldOut.skipped})` : ""}; nothing to compare` };
  }
  if (!active) return { ...common, activated: true, value, reason: "no run of this model is active" };
  const sameData = active.dataFingerprint === input.dataFingerprint;
  const stored = storedHeldOut(active.metrics);
  const activeValue = stored?.values[metric];
  if (!stored || activeValue === undefined) {
    return { ...common, activated: true, value, sameData, reason: `the active run ${active.id} has no held-out ${metric}` };
  }
  if (heldOut && stored.protocol !== heldOut.protocol) {
    return { ...common, activated: true, value, sameData, reason: `the active run ${active.id}'s held-out split (${stored.protocol}) differs from this one's (${heldOut.protocol}); not comparable` };
  }

  const lower = lowerIsBetter(metric);
  const ok = lower ? value <= activeValue * (1 + tolerance) : value >= activeValue * (1 - tolerance);
  const comparison = describe(value, activeValue, lower);
  const data = sameData ? "" : " (measured on different data)";
  const reason = `held-out ${metric} ${fmt(value)} ${comparison} the active run ${active.id}'s ${fmt(activeValue)}${data} (tolerance ${pct(tolerance)})`;
  return { ...common, activated: ok, value, comparedWith: active.id, activeValue, sameData, reason };
}

/** "is 45% below", "is 3% above (worse than)", "equals". */
function describe(value: number, activeValue: number, lower: boolean): string {
  if (value === activeValue) return "equals";
  if (activeValue === 0) return value > 0 ? "is above" : "is below";
  const relative = Math.abs(value - activeValue) / Math.abs(activeValue);
  const direction = value > activeValue ? "above" : "below";
  const better = lower ? value < activeValue : value > activeValue;
  return `is ${pct(relative)} ${direction}${better ? " (better than)" : lower ? " (worse than)" : ""}`;
}

function fmt(value: number): string {
  return Number(value.toPrecision(4)).toString();
}

function pct(fraction: number): string {
  const percent = fraction * 100;
  return `${percent >= 10 ? percent.toFixed(0) : Number(percent.toPrecision(2))}%`;
}
