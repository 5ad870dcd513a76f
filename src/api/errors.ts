// The API edge: typed service errors become GraphQL errors with extensions.code and their
// details (field, limit, ...); refusals of the edge's own limits keep their rule and limit;
// a database that does not answer becomes DATABASE_UNAVAILABLE; anything unexpected becomes
// INTERNAL_SERVER_ERROR without internals in production.
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { isAppError, type AppError } from "../errors";
import { isDatabaseUnavailable } from "../services/databaseErrors";

/** Extension keys a client may see in production (no stack traces, no internals). */
const PUBLIC_EXTENSIONS = ["code", "field", "value", "allowed", "limit", "found", "rule", "cost", "what", "id", "model", "file", "line", "problem", "estimateBytes", "limitBytes", "setting"];

function publicExtensions(extensions: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PUBLIC_EXTENSIONS) if (extensions?.[key] !== undefined) out[key] = extensions[key];
  return out;
}

/** The error and the errors it wraps (Apollo's and graphql-js's wrappers, `cause`), outermost first, at most five. */
function* wrapped(error: unknown): Generator<unknown> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    yield current;
    current = current instanceof GraphQLError ? current.originalError : current instanceof Error ? current.cause : undefined;
  }
}

/** The outermost typed error behind Apollo's and graphql-js's wrappers, if any. */
function appErrorIn(error: unknown): AppError | undefined {
  for (const current of wrapped(error)) if (isAppError(current)) return current;
  return undefined;
}

function databaseErrorIn(error: unknown): boolean {
  for (const current of wrapped(error)) if (isDatabaseUnavailable(current)) return true;
  return false;
}

export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const where = { locations: formatted.locations, path: formatted.path };
    const typed = appErrorIn(error);
    if (typed) {
      // graphql-js prefixes variable and literal coercion failures with the variable's name: keep its message.
      const message = formatted.message.includes(typed.message) ? formatted.message : typed.message;
      return { message, ...where, extensions: { ...publicExtensions(typed.details), code: typed.code } };
    }
    if (databaseErrorIn(error)) {
      return { message: "the database did not answer in time; try again", ...where, extensions: { code: "DATABASE_UNAVAILABLE" } };
    }
    const extensions = formatted.extensions;
    const code = extensions?.code;
    // The edge's limits (document guard, armor rules, cost): Apollo sets GRAPHQL_VALIDATION_FAILED; ours is kept in rule/limit.
    if (extensions?.rule !== undefined && extensions.limit !== undefined) {
      return { message: formatted.message, ...where, extensions: { ...publicExtensions(extensions), code: "QUERY_TOO_COMPLEX" } };
    }
    if (code === "GRAPHQL_PARSE_FAILED" && /tokens/.test(formatted.message)) {
      return { message: formatted.message, ...where, extensions: { code: "QUERY_TOO_COMPLEX", rule: "maxTokens" } };
    }
    // Apollo's own codes (GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT for variable errors, ...).
    if (code && code !== "INTERNAL_SERVER_ERROR") {
      return production ? { message: formatted.message, ...where, extensions: publicExtensions(extensions) } : formatted;
    }
    if (production) return { message: "Internal server error", ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
    return formatted;
  };
}
