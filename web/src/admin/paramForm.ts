// The training form's rules, from the model's own parameter schema (`models { parameters }`:
// type int/float/bool/enum, default, min, max, values). Checked in the browser so that an
// out-of-range value is refused before anything is sent; the server checks again
// (src/models/params.ts) and its BAD_USER_INPUT names the same field.

export interface ParamSpec {
  name: string;
  type: string;
  default: unknown;
  min?: number | null;
  max?: number | null;
  values?: readonly string[] | null;
  description: string;
}

/** What the inputs hold: text for numbers and enums, a flag for booleans. */
export type ParamDraft = Record<string, string | boolean>;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** The largest seed GraphQL's Int carries. */
export const MAX_SEED = 2_147_483_647;

export function initialDraft(params: readonly ParamSpec[]): ParamDraft {
  const draft: ParamDraft = {};
  for (const spec of params) draft[spec.name] = spec.type === "bool" ? spec.default === true : String(spec.default ?? "");
  return draft;
}

export function formatBound(value: number): string {
  return Math.abs(value) >= 1e6 ? value.toExponential().replace("e+", "e") : value.toLocaleString("en-US", { maximumFractionDigits: 10 });
}

/** "an integer in 1–1024", as the server phrases it. */
export function rangeText(spec: Pick<ParamSpec, "type" | "min" | "max">): string {
  const what = spec.type === "int" ? "an integer" : "a number";
  if (spec.min === null || spec.min === undefined || spec.max === null || spec.max === undefined) return what;
  return `${what} in ${formatBound(spec.min)}–${formatBound(spec.max)}`;
}

export function checkNumber(raw: string, spec: Pick<ParamSpec, "type" | "min" | "max">, label: string): Checked<number> {
  const text = raw.trim();
  const value = text === "" ? Number.NaN : Number(text);
  const allowed = rangeText(spec);
  if (!Number.isFinite(value) || (spec.type === "int" && !Number.isInteger(value))) return { ok: false, error: `${label} must be ${allowed}` };
  if ((spec.min !== null && spec.min !== undefined && value < spec.min) || (spec.max !== null && spec.max !== undefined && value > spec.max)) {
    return { ok: false, error: `${label} must be ${allowed}; ${formatBound(value)} is out of range` };
  }
  return { ok: true, value };
}

export function checkParam(spec: ParamSpec, raw: string | boolean): Checked<unknown> {
  switch (spec.type) {
    case "bool":
      return { ok: true, value: raw === true };
    case "enum": {
      const values = spec.values ?? [];
      return typeof raw === "string" && values.includes(raw) ? { ok: true, value: raw } : { ok: false, error: `${spec.name} must be one of ${values.join(", ")}` };
    }
    default:
      return checkNumber(typeof raw === "string" ? raw : "", spec, spec.name);
  }
}

/** Every parameter checked: the values to send, or the errors by parameter name. */
export function checkDraft(params: readonly ParamSpec[], draft: ParamDraft): { values: Record<string, unknown>; errors: Record<string, string> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const spec of params) {
    const checked = checkParam(spec, draft[spec.name] ?? "");
    if (checked.ok) values[spec.name] = checked.value;
    else errors[spec.name] = checked.error;
  }
  return { values, errors };
}

/** Optional seed: empty means the server's default. */
export function checkSeed(raw: string): Checked<number | null> {
  if (raw.trim() === "") return { ok: true, value: null };
  return checkNumber(raw, { type: "int", min: 0, max: MAX_SEED }, "seed");
}

export function checkTolerance(raw: string): Checked<number | null> {
  if (raw.trim() === "") return { ok: true, value: null };
  return checkNumber(raw, { type: "float", min: 0, max: 1 }, "tolerance");
}
