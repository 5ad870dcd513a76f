// The main job: database (embedded by default), data, trained default model, GraphQL server.
import fs from "node:fs";
import path from "node:path";
import { loadConfig, projectRoot, type AppConfig, type SecurityConfig } from "./config";
import { connect, pingDatabase, redactUrl, type Connected, type Db } from "./db/client";
import { failInterruptedRuns } from "./db/modelRuns";
import { Authenticator } from "./api/auth";
import type { Readiness, Services } from "./api/context";
import { ApiMetrics } from "./api/metrics";
import { startApiServer, type ApiServer } from "./api/server";
import { MODEL_DEFINITIONS } from "./models/registry";
import { CatalogReader } from "./services/catalog";
import { CatalogWriter } from "./services/catalogWrites";
import { FALLBACK_MODEL } from "./services/recommender";
import { ensureData, ensureTrained } from "./services/bootstrap";
import { EvaluationReports } from "./services/evaluationReports";
import { Explainer } from "./services/explain";
import { ItemCache } from "./services/itemCache";
import { countJobsByState } from "./db/jobs";
import { JobQueue } from "./db/queue";
import { JobRunner, type JobRunnerHooks } from "./services/jobRunner";
import { JobManager } from "./services/jobs";
import { ModelRunService } from "./services/modelRuns";
import { RetrainScheduler } from "./services/retrain";
import { RecommenderService } from "./services/recommender";
import { ReplicaSync } from "./services/replicaSync";
import { createLogger, loggerFromSink, type Logger } from "./util/log";

export interface App {
  config: AppConfig;
  connection: Connected;
  recommender: RecommenderService;
  jobs: JobManager;
  /** The in-process worker (absent with IN_PROCESS_WORKER=off). */
  runner: JobRunner | undefined;
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
  // What to stop, newest first, if start-up fails half-way.
  const started: (() => Promise<void>)[] = [];
  try {
    log(`database: ${redactUrl(connection.db.url)}`);
    // Runs a crashed or killed process left QUEUED/RUNNING outside any job will never finish:
    // say so. Runs of unfinished jobs are the reaper's (their worker may be alive elsewhere).
    const interrupted = await failInterruptedRuns(connection.db, "the server stopped while it ran");
    if (interrupted > 0) log(`marked ${interrupted} interrupted model run(s) as failed`);
    await ensureData(connection.db, { ...config, offline: options.offline, log });
    await ensureTrained(connection.db, [...new Set([FALLBACK_MODEL, config.defaultModel])], log, { memoryLimitBytes: config.jobs.trainMemoryLimitBytes });
    const recommender = new RecommenderService(connection.db, config.defaultModel, log, config.annMinItems);
    await recommender.init();
    const itemCache = new ItemCache();
    const metrics = new ApiMetrics(recommender, () => countJobsByState(connection.db));
    const queue = new JobQueue(connection.db.url, { schedule: config.jobs.inProcessWorker, onError: (error) => logger.warn(`job queue: ${error.message}`) });
    await queue.start();
    started.push(() => queue.stop());
    const jobs = new JobManager(connection.db, queue, { ...config.jobs, log });
    jobs.start();
    started.push(() => jobs.stop());
    const services = createServices(connection.db, recommender, jobs, itemCache, config.security);
    // Other API processes over this database: their writes and model activations reach this one (LISTEN/NOTIFY).
    const replicaSync = new ReplicaSync({ db: connection.db, recommender, writer: services.catalogWriter, log });
    await replicaSync.start();
    started.push(() => replicaSync.stop());
    services.probes = { queue: () => queue.healthy(2_000), listening: () => replicaSync.state().listening };
    const db = connection.db;
    const hooks: JobRunnerHooks = {
      // The served catalogue and item cache follow; the other API processes reload too.
      onImported: () => services.catalogWriter.reloadAfterImport(),
      // The API process serves what its own worker activated before the job reads done.
      onRunStored: (run, artifact) => recommender.serveIfActive(run, artifact),
      onJobFinished: (job) => metrics.jobFinished(job),
    };
    const worker = config.jobs.inProcessWorker ? await startWorkers(db, queue, jobs, config, hooks, log) : undefined;
    if (worker) started.push(() => worker.stop());
    if (!worker) log("in-process worker off (IN_PROCESS_WORKER=off): jobs run in `npm run worker` processes");
    recommender.catalog.prepareItemIndex();
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
    const origin = server.url.replace(/\/graphql$/, "");
    log(`GraphQL API ready at ${server.url}; web app at ${origin}/, GraphQL explorer (offline) at ${origin}/explorer, Apollo Sandbox (online) at ${server.url}`);
    return {
      config,
      connection,
      recommender,
      jobs,
      runner: worker?.runner,
      server,
      logger,
      async close() {
        await server.close();
        await replicaSync.stop();
        await worker?.stop();
        await jobs.stop();
        await queue.stop();
        for (const served of recommender.servedModels()) served.model.dispose();
        await connection.close();
      },
    };
  } catch (error) {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
    await connection.close();
    throw error;
  }
}

/** The job runner and the retraining schedules of one process (`npm start`'s in-process worker, or `npm run worker`). */
export async function startWorkers(
  db: Db,
  queue: JobQueue,
  jobs: JobManager,
  config: AppConfig,
  hooks: JobRunnerHooks,
  log: (message: string) => void,
): Promise<{ runner: JobRunner; scheduler: RetrainScheduler; stop(): Promise<void> }> {
  const scheduler = new RetrainScheduler(db, queue, jobs, config.jobs.retrain, { checkIntervalMs: config.jobs.retrainCheckIntervalMs, log });
  const runner = new JobRunner(db, queue, { ...config.jobs, importRoots: config.security.importRoots, log }, hooks);
  await runner.start();
  await scheduler.start();
  return {
    runner,
    scheduler,
    async stop() {
      await scheduler.stop();
      await runner.stop();
    },
  };
}

/** What the API needs, built from the configuration's security part. */
export function createServices(
  db: Db,
  recommender: RecommenderService,
  jobs: JobManager,
  itemCache: ItemCache,
  security: SecurityConfig,
  // The project's results/ folder (what `npm run evaluate` writes); tests may point elsewhere.
  resultsDir: string = path.join(projectRoot, "results"),
): Services {
  const explainer = new Explainer(recommender);
  const services: Services = {
    catalogReader: new CatalogReader(db),
    recommender,
    modelRuns: new ModelRunService(db, recommender),
    jobs,
    explainer,
    itemCache,
    catalogWriter: new CatalogWriter(db, recommender, { ratingScale: security.ratingScale, itemCache }),
    authenticator: new Authenticator(security),
    adminConfigured: security.adminApiKey !== undefined,
    importRoots: security.importRoots,
    modelCount: MODEL_DEFINITIONS.length,
    evaluationReports: new EvaluationReports(resultsDir),
    readiness: () => readiness(db, services),
  };
  return services;
}

/**
 * Ready: the database answers (within 2 s), the job queue answers (where there is one), and
 * the default model and the fallback are served. `listening` (the replica sync's session) is
 * reported, not required: without it the process still serves, catching up by its periodic check.
 */
export async function readiness(db: Db, services: Pick<Services, "recommender" | "probes">): Promise<Readiness> {
  const [database, queue] = await Promise.all([pingDatabase(db, 2_000), services.probes?.queue?.()]);
  const servedModels = services.recommender.servedModels().map((served) => served.name);
  const models = servedModels.includes(services.recommender.defaultModel) && servedModels.includes(FALLBACK_MODEL);
  const listening = services.probes?.listening?.();
  return { ready: database && models && queue !== false, database, models, servedModels, ...(queue !== undefined ? { queue } : {}), ...(listening !== undefined ? { listening } : {}) };
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
