// Real HTTP requests to the running server.
import { ADMIN_KEY } from "./server";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

export async function gql<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, "status">;
  return { status: response.status, ...body };
}

/**
 * Polls `job(id) { <fields> }` every 100 ms until it SUCCEEDED or FAILED, for at most `attempts`
 * polls; `fields` must include `status`. Jobs are admin-only: the test admin key is sent.
 */
export async function waitForJob<T extends { status: string }>(url: string, id: string, fields: string, attempts: number, headers: Record<string, string> = { "x-api-key": ADMIN_KEY }): Promise<T> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const result = await gql<{ job: T }>(url, `query($id: ID!) { job(id: $id) { ${fields} } }`, { id }, headers);
    const job = result.data?.job;
    if (!job) throw new Error(`job ${id}: ${result.errors?.[0]?.message ?? "not found"}`);
    if (job.status === "SUCCEEDED" || job.status === "FAILED") return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not finish`);
}
