// The API edge: typed service errors become GraphQL errors with extensions.code; anything
// unexpected becomes INTERNAL_SERVER_ERROR without internals in production.
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { isAppError } from "../errors";

export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (isAppError(original)) {
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: original.code, ...(original.details ?? {}) },
      };
    }
    const code = formatted.extensions?.code;
    // Apollo's own codes (GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT for variable errors, ...).
    if (code && code !== "INTERNAL_SERVER_ERROR") {
      return production ? { ...formatted, extensions: { code } } : formatted;
    }
    if (original instanceof GraphQLError) return formatted;
    if (production) return { message: "Internal server error", locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
    return formatted;
  };
}
