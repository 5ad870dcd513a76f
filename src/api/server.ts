// Apollo Server on Node's http module (no framework): /graphql for queries and the Apollo
// Sandbox landing page, /healthz for load balancers.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { ApolloServer, HeaderMap, type HTTPGraphQLRequest } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from "@apollo/server/plugin/landingPage/default";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { projectRoot } from "../config";
import { apiKeyFromHeaders } from "./auth";
import { createContext, type ApiContext, type Services } from "./context";
import { depthAndCostLimit } from "./limits";
import { formatError } from "./errors";
import { resolvers } from "./resolvers";

export const schemaPath = path.join(projectRoot, "schema.graphql");

export interface ApiServerOptions {
  services: Services;
  port: number;
  host?: string;
  production?: boolean;
}

export interface ApiServer {
  url: string;
  port: number;
  apollo: ApolloServer<ApiContext>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const production = options.production ?? false;
  const typeDefs = fs.readFileSync(schemaPath, "utf8");
  const schema = makeExecutableSchema({ typeDefs, resolvers: resolvers as never });
  const httpServer = http.createServer();
  const apollo = new ApolloServer<ApiContext>({
    schema,
    introspection: true,
    includeStacktraceInErrorResponses: !production,
    formatError: formatError(production),
    validationRules: [depthAndCostLimit()],
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
    ],
  });
  await apollo.start();

  httpServer.on("request", (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(production ? "internal error" : String((error as Error).stack ?? error));
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true }));
      return;
    }
    if (url.pathname !== "/graphql" && url.pathname !== "/") {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found: the GraphQL endpoint is /graphql\n");
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const body = req.method === "POST" ? await readJsonBody(req, res) : undefined;
    if (body === SKIP) return;
    const request: HTTPGraphQLRequest = { method: (req.method ?? "GET").toUpperCase(), headers, search: url.search, body };
    const response = await apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => createContext(options.services, apiKeyFromHeaders((name) => headers.get(name))) });
    const outHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) outHeaders[key] = value;
    res.writeHead(response.status ?? 200, outHeaders);
    if (response.body.kind === "complete") {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
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
    async close() {
      await apollo.stop();
    },
  };
}

const SKIP = Symbol("response already sent");

async function readJsonBody(req: http.IncomingMessage, res: http.ServerResponse): Promise<unknown | typeof SKIP> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ message: `request body over ${MAX_BODY_BYTES} bytes`, extensions: { code: "BAD_REQUEST" } }] }));
      return SKIP;
    }
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
