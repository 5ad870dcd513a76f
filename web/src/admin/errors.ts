// What went wrong with a request, in the API's own terms: every error carries
// extensions.code, and input errors name the field and what is allowed (src/api/errors.ts).
// Apollo puts them in graphQLErrors (HTTP 200) or, for refusals at the edge (HTTP 400), in
// the network error's parsed body.
import { ApolloError } from "@apollo/client";

export interface ApiProblem {
  code: string | null;
  message: string;
  /** The argument or hyper-parameter refused (`ials.factors`, `activation.tolerance`, ...). */
  field: string | null;
  allowed: string | null;
}

interface FormattedError {
  message?: unknown;
  extensions?: Record<string, unknown>;
}

function fromFormatted(error: FormattedError): ApiProblem {
  const extensions = error.extensions ?? {};
  const text = (value: unknown) => (typeof value === "string" ? value : null);
  return { code: text(extensions.code), message: text(error.message) ?? "request failed", field: text(extensions.field), allowed: text(extensions.allowed) };
}

export function apiProblem(error: unknown): ApiProblem | null {
  if (!error) return null;
  if (error instanceof ApolloError) {
    if (error.graphQLErrors.length > 0) return fromFormatted(error.graphQLErrors[0]);
    const network = error.networkError as (Error & { result?: unknown }) | null;
    const body = network?.result;
    if (body && typeof body === "object" && Array.isArray((body as { errors?: unknown }).errors)) {
      const first = (body as { errors: FormattedError[] }).errors[0];
      if (first) return fromFormatted(first);
    }
    return { code: null, message: network ? `the server could not be reached (${network.message})` : error.message, field: null, allowed: null };
  }
  return { code: null, message: error instanceof Error ? error.message : String(error), field: null, allowed: null };
}

export function isAuthProblem(problem: ApiProblem | null): boolean {
  return problem?.code === "UNAUTHENTICATED" || problem?.code === "FORBIDDEN";
}

/** A sentence for an admin who typed a key, by code. */
export function authMessage(problem: ApiProblem): string {
  if (problem.code === "FORBIDDEN") {
    return /disabled/.test(problem.message)
      ? "Admin operations are disabled on this server: it runs without ADMIN_API_KEY."
      : "That key was refused (FORBIDDEN): it is not this server's ADMIN_API_KEY.";
  }
  if (problem.code === "UNAUTHENTICATED") return "The server asks for an admin key (UNAUTHENTICATED): enter ADMIN_API_KEY.";
  return problem.message;
}
