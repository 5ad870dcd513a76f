// The main job: database (embedded by default), data, trained default model, GraphQL server.
import { loadConfig, type AppConfig } from "./config";
import { connect, redactUrl, type Connected } from "./db/client";
import { startApiServer, type ApiServer } from "./api/server";
import { ensureData, ensureTrained } from "./services/bootstrap";
import { Explainer } from "./services/explain";
import { ItemCache } from "./services/itemCache";
import { JobManager } from "./services/jobs";
import { RecommenderService } from "./services/recommender";

export interface App {
  config: AppConfig;
  connection: Connected;
  recommender: RecommenderService;
  jobs: JobManager;
  server: ApiServer;
  close(): Promise<void>;
}

export interface StartOptions {
  config?: AppConfig;
  offline?: boolean;
  log?: (message: string) => void;
}

export async function startApp(options: StartOptions = {}): Promise<App> {
  const config = options.config ?? loadConfig();
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const connection = await connect({ ...config, log });
  try {
    log(`database: ${redactUrl(connection.db.url)}`);
    await ensureData(connection.db, { ...config, offline: options.offline, log });
    await ensureTrained(connection.db, [...new Set(["popularity", config.defaultModel])], log);
    const recommender = new RecommenderService(connection.db, config.defaultModel, log);
    await recommender.init();
    const itemCache = new ItemCache();
    const jobs = new JobManager(connection.db, recommender, log, () => itemCache.clear());
    const services = { db: connection.db, recommender, jobs, explainer: new Explainer(recommender), itemCache, adminApiKey: config.adminApiKey };
    const server = await startApiServer({ services, port: config.port, host: config.host, production: config.production });
    log(`GraphQL API ready at ${server.url} (Apollo Sandbox: open it in a browser)`);
    return {
      config,
      connection,
      recommender,
      jobs,
      server,
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
