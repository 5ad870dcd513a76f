// Hyper-parameter schemas: defaults, types and allowed ranges, checked once at the edge
// (CLI flags, GraphQL arguments) with errors that name the field, the value and the range.
import { ValidationError } from "../errors";

export type ParamSpec =
  | { type: "int"; default: number; min: number; max: number; description: string }
  | { type: "float"; default: number; min: number; max: number; description: string }
  | { type: "bool"; default: boolean; description: string }
  | { type: "enum"; default: string; values: readonly string[]; description: string };

export type ParamSchema = Record<string, ParamSpec>;

export type ParamsOf<S extends ParamSchema> = {
  -readonly [K in keyof S]: S[K] extends { type: "bool" } ? boolean : S[K] extends { type: "enum"; values: readonly (infer V)[] } ? V : number;
};

export function defaultParams<S extends ParamSchema>(schema: S): ParamsOf<S> {
  const params: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(schema)) params[key] = spec.default;
  return params as ParamsOf<S>;
}

/**
 * Validates raw values (numbers, booleans, or strings from a CLI) against the schema and
 * fills defaults. `prefix` names the model in messages ("als.factors").
 */
export function validateParams<S extends ParamSchema>(schema: S, raw: Record<string, unknown>, prefix: string): ParamsOf<S> {
  const params = defaultParams(schema) as Record<string, unknown>;
  for (const [key, value] of Object.entries(raw)) {
    const spec = schema[key];
    const field = `${prefix}.${key}`;
    if (!spec) {
      const known = Object.keys(schema);
      throw new ValidationError(field, value, known.length ? `unknown hyper-parameter; known: ${known.join(", ")}` : "this model has no hyper-parameters");
    }
    params[key] = coerce(spec, value, field);
  }
  return params as ParamsOf<S>;
}

function coerce(spec: ParamSpec, value: unknown, field: string): unknown {
  switch (spec.type) {
    case "bool": {
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      throw new ValidationError(field, value, "true or false");
    }
    case "enum": {
      if (typeof value === "string" && spec.values.includes(value)) return value;
      throw new ValidationError(field, value, `one of ${spec.values.join(", ")}`);
    }
    case "int":
    case "float": {
      const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      const range = `${spec.type === "int" ? "an integer" : "a number"} in ${spec.min}–${spec.max}`;
      if (!Number.isFinite(number) || (spec.type === "int" && !Number.isInteger(number))) throw new ValidationError(field, value, range);
      if (number < spec.min || number > spec.max) throw new ValidationError(field, value, range);
      return number;
    }
  }
}
