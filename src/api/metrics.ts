// Prometheus metrics of one API server (prom-client), on a registry of its own (tests start
// several servers in one process). What is measured:
// - http_request_duration_seconds{route,status}: every HTTP request (route: graphql, healthz,
//   readyz, metrics, other);
// - graphql_operation_duration_seconds{operation,type}: Apollo's part of each GraphQL request;
// - graphql_errors_total{code}: each error in a GraphQL response, by extensions.code;
// - recommendation_duration_seconds{model,source}: the recommender call of recommendations,
//   recommendationsForProfile and nextItems;
// - jobs_total{kind,status}, job_duration_seconds{kind,status}: background jobs this
//   process's worker finished; jobs{kind,status}: every job in the database by state (all
//   processes, read on each scrape);
// - catalog_users, catalog_items, catalog_ratings, served_models: read on each scrape;
// - Node's default metrics (nodejs_eventloop_lag_seconds and the rest).
// Label values from clients are bounded: operation names that are not plain GraphQL names
// of at most 64 characters read "invalid", and past 200 distinct names new ones read "other".
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApolloServerPlugin } from "@apollo/server";
import type { Job } from "../services/jobs";
import type { RecommendationResult, RecommenderService } from "../services/recommender";

export const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_OPERATION_NAME_LENGTH = 64;

export type Route = "graphql" | "healthz" | "readyz" | "metrics" | "web" | "other";

/** What one request carries between the HTTP handler and the Apollo plugin. */
export interface RequestInfo {
  requestId: string;
  /** Label value of the operation, once Apollo resolved it. */
  operation?: string;
}

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<"route" | "status">;
  private readonly operationDuration: Histogram<"operation" | "type">;
  private readonly errors: Counter<"code">;
  private readonly recommendationDuration: Histogram<"model" | "source">;
  private readonly jobs: Counter<"kind" | "status">;
  private readonly jobDuration: Histogram<"kind" | "status">;
  private readonly operationNames = new Set<string>();

  constructor(recommender: RecommenderService, readJobStates?: () => Promise<{ kind: string; status: string; count: number }[]>) {
    const registers = [this.registry];
    this.httpDuration = new Histogram({ name: "http_request_duration_seconds", help: "HTTP requests by route and status code", labelNames: ["route", "status"], registers });
    this.operationDuration = new Histogram({
      name: "graphql_operation_duration_seconds",
      help: "GraphQL operations (Apollo's part of a request) by operation name and type",
      labelNames: ["operation", "type"],
      registers,
    });
    this.errors = new Counter({ name: "graphql_errors_total", help: "Errors in GraphQL responses by extensions.code", labelNames: ["code"], registers });
    this.recommendationDuration = new Histogram({
      name: "recommendation_duration_seconds",
      help: "Recommender calls (recommendations, recommendationsForProfile, nextItems) by model and source",
      labelNames: ["model", "source"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.jobs = new Counter({ name: "jobs_total", help: "Finished background jobs by kind and status", labelNames: ["kind", "status"], registers });
    this.jobDuration = new Histogram({
      name: "job_duration_seconds",
      help: "Background jobs from start (or queueing, when never started) to finish",
      labelNames: ["kind", "status"],
      buckets: [0.1, 1, 5, 15, 60, 300, 900, 3600, 14400],
      registers,
    });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge("catalog_users", "Users in the served catalogue", () => recommender.catalog.nUsers);
    gauge("catalog_items", "Items in the served catalogue", () => recommender.catalog.nItems);
    gauge("catalog_ratings", "Ratings in the served catalogue", () => recommender.catalog.nRatings);
    gauge("served_models", "Models being served", () => recommender.servedModels().length);
    if (readJobStates) {
      new Gauge({
        name: "jobs",
        help: "Background jobs in the database by kind and status (all processes)",
        labelNames: ["kind", "status"],
        registers,
        async collect() {
          this.reset();
          for (const { kind, status, count } of await readJobStates().catch(() => [])) this.set({ kind, status }, count);
        },
      });
    }
    collectDefaultMetrics({ register: this.registry });
  }

  observeRequest(route: Route, status: number, seconds: number): void {
    this.httpDuration.observe({ route, status: String(status) }, seconds);
  }

  /** The label value for a client-chosen operation name (bounded; see the header). */
  operationLabel(name: string | null | undefined): string {
    if (!name) return "anonymous";
    if (name.length > MAX_OPERATION_NAME_LENGTH || !OPERATION_NAME.test(name)) return "invalid";
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return "other";
    this.operationNames.add(name);
    return name;
  }

  countErrors(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): void {
    for (const error of errors ?? []) {
      const code = error.extensions?.code;
      // Codes are ours or Apollo's (a fixed set); anything else is bounded the same way as names.
      this.errors.inc({ code: typeof code === "string" && code.length <= 64 && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : "UNKNOWN" });
    }
  }

  /** Times a recommender call (successful calls only: their model and source are known). */
  timeRecommendation<T extends RecommendationResult>(call: () => T): T {
    const start = process.hrtime.bigint();
    const result = call();
    this.recommendationDuration.observe({ model: result.model, source: result.source }, seconds(start));
    return result;
  }

  jobFinished(job: Job): void {
    this.jobs.inc({ kind: job.kind, status: job.status });
    const from = job.startedAt ?? job.createdAt;
    const end = job.finishedAt ?? new Date();
    this.jobDuration.observe({ kind: job.kind, status: job.status }, Math.max(0, end.getTime() - from.getTime()) / 1000);
  }

  /** Times each GraphQL operation and counts the errors of each response. */
  plugin<Context extends { request?: RequestInfo }>(): ApolloServerPlugin<Context> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const metrics = this;
    return {
      async requestDidStart({ contextValue }) {
        const start = process.hrtime.bigint();
        let operation = "anonymous";
        let type = "unknown";
        return {
          async didResolveOperation({ operation: resolved }) {
            operation = metrics.operationLabel(resolved?.name?.value);
            type = resolved?.operation ?? "unknown";
            if (contextValue.request) contextValue.request.operation = operation;
          },
          async willSendResponse({ response }) {
            metrics.operationDuration.observe({ operation, type }, seconds(start));
            metrics.countErrors(response.body.kind === "single" ? response.body.singleResult.errors : response.body.initialResult.errors);
          },
        };
      },
    };
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export function routeOf(pathname: string): Route {
  if (pathname === "/graphql" || pathname === "/") return "graphql";
  if (pathname === "/healthz") return "healthz";
  if (pathname === "/readyz") return "readyz";
  if (pathname === "/metrics") return "metrics";
  if (pathname === "/explorer" || pathname.startsWith("/assets/")) return "web";
  return "other";
}
