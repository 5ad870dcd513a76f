// A real API server over a fresh test database: data imported (MovieLens 100K when
// DATASETS_DIR has it, else the synthetic catalogue), models trained for real, HTTP on a
// random port. Counts the SQL statements Prisma sends, for the DataLoader checks.
import os from "node:os";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import { ApiMetrics } from "../../src/api/metrics";
import { startApiServer, type ApiServer } from "../../src/api/server";
import { createServices } from "../../src/app";
import { loadConfig, type EdgeLimits, type SecurityConfig } from "../../src/config";
import { importDataset } from "../../src/services/importService";
import { ItemCache } from "../../src/services/itemCache";
import { countJobsByState } from "../../src/db/jobs";
import { JobQueue } from "../../src/db/queue";
import { JobRunner } from "../../src/services/jobRunner";
import { JobManager } from "../../src/services/jobs";
import { RecommenderService } from "../../src/services/recommender";
import { trainModel } from "../../src/services/training";
import { createTestDb, type TestDb } from "./db";
import { datasetPath } from "./datasets";

export const ADMIN_KEY = "test-admin-key";
export const USER_TOKEN_SECRET = "test-user-token-secret-0123456789abcdef";

export interface TestServer {
  url: string;
  database: TestDb;
  recommender: RecommenderService;
  jobs: JobManager;
  itemCache: ItemCache;
  server: ApiServer;
  /** SQL statements sent by Prisma since the last reset. */
  queries: string[];
  dataset: "ml-100k" | "synthetic";
  close(): Promise<void>;
}

/** A registry model to train before the server starts, with optional hyper-parameters. */
export type TestModel = string | { model: string; params?: Record<string, unknown> };

export interface TestServerOptions {
  /** Trained in order; the first is the default model. */
  models?: TestModel[];
  production?: boolean;
  adminApiKey?: string | null;
  /** Default: on, so tests of other behaviour may write without tokens; the security tests turn it off. */
  anonymousWrites?: boolean;
  importRoots?: string[];
  corsOrigins?: string[];
  introspection?: boolean;
  ratingScale?: [number, number];
  limits?: Partial<EdgeLimits>;
  /** GET /metrics needs `Authorization: Bearer <metricsToken>` when set. */
  metricsToken?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const queries: string[] = [];
  const database = await createTestDb({ onQuery: (sql) => queries.push(sql) });
  const ml100k = datasetPath("ml-100k");
  if (ml100k) {
    await importDataset(database.db, { format: "movielens-100k", path: ml100k });
  } else {
    await importSyntheticCatalogue(database.db, { users: 300, items: 400 }, "test");
  }
  const models = (options.models ?? ["popularity"]).map((m) => (typeof m === "string" ? { model: m } : m));
  for (const request of models) {
    // Tests of other behaviour skip the held-out evaluation (test/services/training.test.ts covers it).
    const result = await trainModel(database.db, { ...request, holdout: { enabled: false } });
    result.model.dispose();
  }
  const recommender = new RecommenderService(database.db, models[0].model);
  await recommender.init();
  const itemCache = new ItemCache();
  const metrics = new ApiMetrics(recommender, () => countJobsByState(database.db));
  const queue = new JobQueue(database.url, { schedule: false });
  await queue.start();
  const jobs = new JobManager(database.db, queue);
  jobs.start();
  // The configuration a real server would load, with the test's choices on top.
  const base = loadConfig({ NODE_ENV: options.production ? "production" : "development" }).security;
  const security: SecurityConfig = {
    ...base,
    adminApiKey: options.adminApiKey === null ? undefined : (options.adminApiKey ?? ADMIN_KEY),
    userTokenSecret: USER_TOKEN_SECRET,
    anonymousWrites: options.anonymousWrites === false ? "off" : "on",
    importRoots: options.importRoots ?? [os.tmpdir()],
    ratingScale: options.ratingScale,
    corsOrigins: options.corsOrigins ?? [],
    introspection: options.introspection ?? base.introspection,
    limits: { ...base.limits, ...options.limits },
  };
  const services = createServices(database.db, recommender, jobs, itemCache, security);
  // The in-process worker, as `npm start` runs it.
  const runner = new JobRunner(
    database.db,
    queue,
    { importRoots: security.importRoots },
    {
      onImported: async () => {
        await recommender.refreshCatalog();
        itemCache.clear();
      },
      onRunStored: (run, artifact) => recommender.serveIfActive(run, artifact),
      onJobFinished: (job) => metrics.jobFinished(job),
    },
  );
  await runner.start();
  const server = await startApiServer({
    services,
    port: 0,
    host: "127.0.0.1",
    production: options.production ?? false,
    limits: security.limits,
    corsOrigins: security.corsOrigins,
    introspection: security.introspection,
    metrics,
    metricsToken: options.metricsToken,
  });
  return {
    url: server.url,
    database,
    recommender,
    jobs,
    itemCache,
    server,
    queries,
    dataset: ml100k ? "ml-100k" : "synthetic",
    async close() {
      await server.close();
      await runner.stop();
      await jobs.stop();
      await queue.stop();
      for (const served of recommender.servedModels()) served.model.dispose();
      await database.drop();
    },
  };
}
