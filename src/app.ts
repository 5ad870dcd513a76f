// The main job: database (embedded by default), data, trained default model, GraphQL server.
import fs from "node:fs";
import { loadConfig, type AppConfig, type SecurityConfig } from "./config";
import { connect, pingDatabase, redactUrl, type Connected, type Db } from "./db/client";
import { failInterruptedRuns } from "./db/modelRuns";
import { Authenticator } from "./api/auth";
import type { Readiness, Services } from "./api/context";
import { ApiMetrics } from "./api/metrics";
import { startApiServer, type ApiServer } from "./api/server";
import { MODEL_DEFINITIONS } from "./models/registry";
import { CatalogWriter } from "./services/catalogWrites";
import { FALLBACK_MODEL } from "./services/recommender";
import { ensureData, ensureTrained } from "./services/bootstrap";
import { Explainer } from "./services/explain";
import { ItemCache } from "./services/itemCache";
import { JobManager } from "./services/jobs";
import { RecommenderService } from "./services/recommender";
import { createLogger, loggerFromSink, type Logger } from "./util/log";

export interface App {
  config: AppConfig;
  connection: Connected;
  recommender: RecommenderService;
  jobs: JobManager;
  server: ApiServer;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: AppConfig;
  offline?: boolean;
  /** Where log messages go instead of the logger (tests pass `() => undefined`). */
  log?: (message: string) => void;
  /** Default: pino on stderr, JSON in production, readable in development, at LOG_LEVEL. */
  logger?: Logger;
}

export async function startApp(options: StartOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  const { observability } = config;
  const logger = options.logger ?? (options.log ? loggerFromSink(options.log, observability.logLevel) : createLogger({ production: config.production, level: observability.logLevel }));
  const log = (message: string) => logger.info(message);
  const connection = await connect({ ...config, ...config.database, log });
  try {
    log(`database: ${redactUrl(connection.db.url)}`);
    // Runs a crashed or killed process left QUEUED/RUNNING will never finish: say so.
    const interrupted = await failInterruptedRuns(connection.db, "the server stopped while it ran");
    if (interrupted > 0) log(`marked ${interrupted} interrupted model run(s) as failed`);
    await ensureData(connection.db, { ...config, offline: options.offline, log });
    await ensureTrained(connection.db, [...new Set([FALLBACK_MODEL, config.defaultModel])], log);
    const recommender = new RecommenderService(connection.db, config.defaultModel, log);
    await recommender.init();
    const itemCache = new ItemCache();
    // After an import: drop cached item rows and rebuild the explanation graph at once, in
    // slices, so that no request pays for the rebuild (~300 ms in one block for MovieLens 100K).
    let services: Services | undefined;
    const onCatalogChanged = () => {
      itemCache.clear();
      void services?.explainer.rebuildInSlices();
    };
    const metrics = new ApiMetrics(recommender);
    const jobs = new JobManager(connection.db, recommender, log, onCatalogChanged, { ...config.jobs, onJobFinished: (job) => metrics.jobFinished(job) });
    services = createServices(connection.db, recommender, jobs, itemCache, config.security);
    services.explainer.interactionGraph();
    fs.mkdirSync(config.security.importRoots[0], { recursive: true });
    const { security } = config;
    logSecurity(config, logger);
    const server = await startApiServer({
      services,
      port: config.port,
      host: config.host,
      production: config.production,
      limits: security.limits,
      corsOrigins: security.corsOrigins,
      introspection: security.introspection,
      metrics,
      metricsToken: observability.metricsToken,
      logger,
    });
    log(`GraphQL API ready at ${server.url} (Apollo Sandbox: open it in a browser)`);
    return {
      config,
      connection,
      recommender,
      jobs,
      server,
      logger,
      async close() {
        await server.close();
        await jobs.idle();
        for (const served of recommender.servedModels()) served.model.dispose();
        await connection.close();
      },
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}

/** What the API needs, built from the configuration's security part. */
export function createServices(db: Db, recommender: RecommenderService, jobs: JobManager, itemCache: ItemCache, security: SecurityConfig): Services {
  const explainer = new Explainer(recommender);
  const services: Services = {
    db,
    recommender,
    jobs,
    explainer,
    itemCache,
    catalogWriter: new CatalogWriter(db, recommender, explainer, security.ratingScale),
    authenticator: new Authenticator(security),
    adminConfigured: security.adminApiKey !== undefined,
    importRoots: security.importRoots,
    modelCount: MODEL_DEFINITIONS.length,
    readiness: () => readiness(services),
  };
  return services;
}

/** Ready: the database answers (within 2 s) and the default model and the fallback are served. */
export async function readiness(services: Pick<Services, "db" | "recommender">): Promise<Readiness> {
  const database = await pingDatabase(services.db, 2_000);
  const servedModels = services.recommender.servedModels().map((served) => served.name);
  const models = servedModels.includes(services.recommender.defaultModel) && servedModels.includes(FALLBACK_MODEL);
  return { ready: database && models, database, models, servedModels };
}

/** What a person deploying this should notice: risky settings at warn level. */
function logSecurity(config: AppConfig, logger: Logger): void {
  const { security } = config;
  if (security.anonymousWrites === "on") {
    logger.warn(
      `anonymous writes are ON (${security.anonymousWritesSource}): anyone may create users and rate as any user; ` +
        "set ANONYMOUS_WRITES=off and issue user tokens (USER_TOKEN_SECRET) before exposing this server",
    );
  }
  if (!security.adminApiKey) logger.info("admin operations are disabled (ADMIN_API_KEY is not set)");
  if (security.corsOrigins.length > 0) logger.info(`CORS: allowed origins ${security.corsOrigins.join(", ")}`);
  logger.info(`imports read only under ${security.importRoots.join(", ")} (IMPORT_ROOT)`);
}
