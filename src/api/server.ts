// Apollo Server on Node's http module (no framework): /graphql for queries and the Apollo
// Sandbox landing page, /healthz (liveness) and /readyz (readiness) for load balancers.
// The public edge, in the order a request meets it: CORS (the `cors` package), a body-size
// limit, the document guard (tokens, repeated fields), graphql-armor's validation rules
// (aliases, directives, depth, no field suggestions in production), the input bounds and
// the cost estimate (with the variables' values), execution, and a response-size cap.
// GET /metrics serves Prometheus metrics (metrics.ts) to whom METRICS_TOKEN allows; every
// request gets an id (x-request-id) and, at debug level, one log line.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLRequest } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { loadWebApp, type WebApp } from "./webApp";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { makeExecutableSchema } from "@graphql-tools/schema";
import cors from "cors";
import { GraphQLError, Kind, type FragmentDefinitionNode, type ValidationContext } from "graphql";
import { DEFAULT_LIMITS, projectRoot, type EdgeLimits } from "../config";
import { isAppError } from "../errors";
import { silentLogger, type Logger } from "../util/log";
import { credentialsFromHeaders, safeEqual } from "./auth";
import { createContext, type ApiContext, type Services } from "./context";
import { operationCost } from "./cost";
import { documentGuard, limitError } from "./documentGuard";
import { formatError } from "./errors";
import { checkOperationInputs } from "./inputBounds";
import { ApiMetrics, routeOf, type RequestInfo } from "./metrics";
import { resolvers } from "./resolvers";

export const schemaPath = path.join(projectRoot, "schema.graphql");

export interface ApiServerOptions {
  services: Services;
  port: number;
  host?: string;
  production?: boolean;
  limits?: Partial<EdgeLimits>;
  /** Browser origins allowed by CORS ("*" any; "http://host:*" any port). Default: none. */
  corsOrigins?: string[];
  /** Default: on in development, off in production. */
  introspection?: boolean;
  /** Where the metrics go (pass one to count jobs too: JobManager's onJobFinished). Default: a new one. */
  metrics?: ApiMetrics;
  /** Bearer token for GET /metrics; unset: loopback clients only in production, anyone in development. */
  metricsToken?: string;
  /** Request lines at debug level. Default: silent. */
  logger?: Logger;
  /** The web app and explorer pages (default: web/dist as built by `npm run build:web`). */
  webApp?: WebApp;
}

export interface ApiServer {
  url: string;
  port: number;
  apollo: ApolloServer<ApiContext>;
  metrics: ApiMetrics;
  close(): Promise<void>;
}

/** How long a client may take to send its headers / its whole request (slow-loris bound). */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const production = options.production ?? false;
  const limits: EdgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const introspection = options.introspection ?? !production;
  const typeDefs = fs.readFileSync(schemaPath, "utf8");
  const schema = makeExecutableSchema({ typeDefs, resolvers: resolvers as never });
  const httpServer = http.createServer({ headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS });
  const authenticator = options.services.authenticator;
  const metrics = options.metrics ?? new ApiMetrics(options.services.recommender);
  const logger = options.logger ?? silentLogger();
  const webApp = options.webApp ?? loadWebApp();
  const guard = documentGuard({ maxTokens: limits.maxTokens });
  const armor = new ApolloArmor({
    // Tokens are bounded before Apollo sees the document (documentGuard); the cost estimate
    // is argument-aware (cost.ts). Armor bounds the rest.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    maxAliases: { n: limits.maxAliases, propagateOnRejection: false, onReject: [report("maxAliases", limits.maxAliases)] },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: [report("maxDirectives", limits.maxDirectives)] },
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, propagateOnRejection: false, onReject: [report("maxDepth", limits.maxDepth)] },
    blockFieldSuggestion: { enabled: production },
  }).protect();

  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection,
    allowBatchedHttpRequests: false,
    // Every document goes through the guard above; a hash-only (persisted) query would skip it.
    persistedQueries: false,
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production),
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: armor.validationRules,
    plugins: [
      metrics.plugin<ApiContext>(),
      ...armor.plugins,
      operationLimits(limits, options.services),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production
        ? introspection
          ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
          : ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
    ],
  });
  await apollo.start();

  const corsHandler = cors({
    origin: corsOrigin(options.corsOrigins ?? []),
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type", "authorization", "x-api-key", "apollo-require-preflight", "x-apollo-operation-name"],
    exposedHeaders: ["x-request-id"],
    maxAge: 600,
  });

  httpServer.on("request", (req, res) => {
    const start = process.hrtime.bigint();
    const info: RequestInfo = { requestId: requestIdOf(req.headers["x-request-id"]) };
    res.setHeader("x-request-id", info.requestId);
    const route = routeOf(new URL(req.url ?? "/", "http://localhost").pathname);
    res.once("finish", () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observeRequest(route, res.statusCode, seconds);
      // Never the body, variables or credentials: what was asked for is the operation's name.
      logger.debug({ reqId: info.requestId, method: req.method, route, status: res.statusCode, durationMs: Math.round(seconds * 1e6) / 1e3, operation: info.operation }, "request");
    });
    corsHandler(req, res, (corsError?: unknown) => {
      if (corsError) {
        sendJson(res, 500, { errors: [{ message: "CORS check failed", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        return;
      }
      handle(req, res, info).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(production ? "internal error" : String((error as Error).stack ?? error));
      });
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, info: RequestInfo): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/metrics") {
      await serveMetrics(req, res);
      return;
    }
    if (url.pathname === "/healthz") {
      sendJson(res, 200, { ok: true });
      return;
    }
    if (url.pathname === "/readyz") {
      const readiness = await options.services.readiness();
      sendJson(res, readiness.ready ? 200 : 503, readiness);
      return;
    }
    // The web app at / and /explorer (GraphQL stays at /graphql, and at / for POST and GET ?query=).
    if (webApp.serve(req, res, url)) return;
    if (url.pathname !== "/graphql" && url.pathname !== "/") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: the GraphQL endpoint is /graphql\n");
      return;
    }
    if (url.search.length > limits.maxBodyBytes) {
      sendJson(res, 414, { errors: [{ message: `query string over ${limits.maxBodyBytes} bytes`, extensions: { code: "PAYLOAD_TOO_LARGE", limit: limits.maxBodyBytes } }] });
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const body = req.method === "POST" ? await readJsonBody(req, res, limits.maxBodyBytes) : undefined;
    if (body === SKIP) return;
    const query = graphqlQueryOf(body, url);
    if (query !== undefined) {
      const refusal = guard(query);
      if (refusal) {
        metrics.countErrors([refusal]);
        sendJson(res, 400, { errors: [{ message: refusal.message, extensions: withoutHttp(refusal.extensions) }] });
        return;
      }
    }
    const request: HTTPGraphQLRequest = { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body };
    const credentials = credentialsFromHeaders((name) => headers.get(name));
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => ({ ...createContext(options.services, await authenticator.identify(credentials)), metrics, request: info }),
    });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) outHeaders[key] = value;
    if (response.body.kind === "complete") {
      const text = response.body.string;
      if (text.length > limits.maxResponseBytes / 4 && Buffer.byteLength(text) > limits.maxResponseBytes) {
        metrics.countErrors([{ extensions: { code: "RESPONSE_TOO_LARGE" } }]);
        sendJson(res, 200, {
          errors: [
            {
              message: `the response would be larger than ${limits.maxResponseBytes} bytes; ask for fewer or smaller fields`,
              extensions: { code: "RESPONSE_TOO_LARGE", limit: limits.maxResponseBytes },
            },
          ],
          data: null,
        });
        return;
      }
      res.writeHead(response.status ?? 200, outHeaders);
      res.end(text);
    } else {
      res.writeHead(response.status ?? 200, outHeaders);
      let written = 0;
      for await (const chunk of response.body.asyncIterator) {
        written += Buffer.byteLength(chunk);
        if (written > limits.maxResponseBytes) break; // incremental delivery: stop at the cap
        res.write(chunk);
      }
      res.end();
    }
  }

  /** Prometheus text to whom METRICS_TOKEN allows (see ApiServerOptions.metricsToken). */
  async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { "content-type": "text/plain", allow: "GET, HEAD" });
      res.end("method not allowed\n");
      return;
    }
    if (options.metricsToken !== undefined) {
      // The same bearer parsing as every other credential (credentialsFromHeaders).
      const { bearer } = credentialsFromHeaders((name) => (typeof req.headers[name] === "string" ? (req.headers[name] as string) : undefined));
      if (bearer === undefined) {
        res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' });
        res.end("metrics need Authorization: Bearer <METRICS_TOKEN>\n");
        return;
      }
      if (!safeEqual(bearer, options.metricsToken)) {
        res.writeHead(403, { "content-type": "text/plain" });
        res.end("wrong metrics token\n");
        return;
      }
    } else if (production && !isLoopback(req.socket.remoteAddress)) {
      res.writeHead(403, { "content-type": "text/plain" });
      res.end("metrics are served to loopback clients only (set METRICS_TOKEN to serve them to others)\n");
      return;
    }
    const text = await metrics.text();
    res.writeHead(200, { "content-type": metrics.contentType(), "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : text);
  }

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = options.host && options.host !== "0.0.0.0" ? options.host : "localhost";
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    apollo,
    metrics,
    async close() {
      await apollo.stop();
    },
  };
}

/** Armor's rejection as our coded error (Apollo keeps these extensions, sets its own code; formatError restores ours). */
function report(rule: string, limit: number) {
  return (context: ValidationContext | null, error: GraphQLError): void => {
    const found = /found (\d+)/.exec(error.message);
    context?.reportError(limitError(`${rule}: limit of ${limit} exceeded${found ? `, found ${found[1]}` : ""}`, rule, limit, found ? Number(found[1]) : undefined));
  };
}

/** Input bounds and the cost estimate, once the operation and its variables are known. */
function operationLimits(limits: EdgeLimits, services: Services): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, operation, schema }) {
          if (!operation) return; // Apollo reports a missing operation itself
          try {
            checkOperationInputs(document, operation, request.variables);
          } catch (error) {
            if (isAppError(error)) throw new GraphQLError(error.message, { extensions: { code: error.code, ...error.details, http: { status: 400 } } });
            throw error;
          }
          const fragments: Record<string, FragmentDefinitionNode> = {};
          for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
          const { catalog } = services.recommender;
          const cost = operationCost(schema, operation, fragments, request.variables ?? {}, {
            catalogItems: catalog.nItems,
            models: services.modelCount,
            explainSteps: (userId) => {
              const user = catalog.users.index(userId);
              return user === undefined ? 0 : catalog.neighbourhoodSize(user);
            },
          });
          if (cost.total > limits.maxCost) {
            throw limitError(
              `estimated cost ${cost.total} exceeds the limit of ${limits.maxCost} (ask for fewer items, fewer aliases, or no diversity re-ranking)`,
              "maxCost",
              limits.maxCost,
              cost.total,
            );
          }
          if (cost.maxField > limits.maxFieldCost) {
            throw limitError(
              `field ${cost.maxFieldName} alone would cost ${cost.maxField}, over the limit of ${limits.maxFieldCost} for one field (ask for a shallower page or less diversity re-ranking)`,
              "maxFieldCost",
              limits.maxFieldCost,
              cost.maxField,
            );
          }
        },
      };
    },
  };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The client's x-request-id when it is a short safe token, else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === "string" && REQUEST_ID.test(header) ? header : crypto.randomUUID();
}

function isLoopback(address: string | undefined): boolean {
  return address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
}

function corsOrigin(origins: string[]): boolean | (string | RegExp)[] {
  if (origins.length === 0) return false;
  if (origins.includes("*")) return true;
  return origins.map((origin) => (origin.endsWith(":*") ? new RegExp(`^${escapeRegExp(origin.slice(0, -2))}(:\\d+)?$`) : origin));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function graphqlQueryOf(body: unknown, url: URL): string | undefined {
  if (body !== null && typeof body === "object" && !Array.isArray(body)) {
    const query = (body as { query?: unknown }).query;
    return typeof query === "string" ? query : undefined;
  }
  return url.searchParams.get("query") ?? undefined;
}

function withoutHttp(extensions: Record<string, unknown>): Record<string, unknown> {
  const { http: _http, ...rest } = extensions;
  void _http;
  return rest;
}

function sendJson(res: http.ServerResponse, status: number, payload: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}

const SKIP = Symbol("response already sent");

async function readJsonBody(req: http.IncomingMessage, res: http.ServerResponse, maxBytes: number): Promise<unknown | typeof SKIP> {
  const tooLarge = () => {
    res.writeHead(413, { "content-type": "application/json", connection: "close" });
    res.end(JSON.stringify({ errors: [{ message: `request body over ${maxBytes} bytes`, extensions: { code: "PAYLOAD_TOO_LARGE", limit: maxBytes } }] }));
    // Discard the rest (bounded by REQUEST_TIMEOUT_MS) so that the client reads the 413
    // instead of a connection reset; nothing of it is kept.
    req.resume();
    return SKIP;
  };
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBytes) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) return tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    res.writeHead(400, { "content-type": "application/json" });
    res.end(JSON.stringify({ errors: [{ message: "request body is not valid JSON", extensions: { code: "BAD_REQUEST" } }] }));
    return SKIP;
  }
}
