// `npm run worker`: a process that runs background jobs (imports, trainings, scheduled
// retrainings) from the database's queue and serves no API. Start any number, on any
// machine that reaches the database (and, for imports, the files under IMPORT_ROOT).
// Activations reach the API processes through PostgreSQL NOTIFY (activateRun), imports
// through a catalogue-reload notice; the workers also reap jobs whose worker died.
//
// With WORKER_PORT set it answers GET /healthz (the job it runs) and GET /metrics
// (prom-client: jobs_total and job_duration_seconds of this worker, Node's defaults).
import http from "node:http";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import { loadConfig, type AppConfig } from "./config";
import { connect, redactUrl, type Connected } from "./db/client";
import { JobQueue } from "./db/queue";
import { AppError } from "./errors";
import { startWorkers } from "./app";
import { JobManager } from "./services/jobs";
import { publishCatalogReload } from "./services/replicaNotices";
import { createLogger, type Logger } from "./util/log";

export interface WorkerProcess {
  logger: Logger;
  connection: Connected;
  /** The metrics server's URL (WORKER_PORT), when it runs. */
  url: string | undefined;
  close(): Promise<void>;
}

export async function startWorkerProcess(options: { config?: AppConfig; logger?: Logger } = {}): Promise<WorkerProcess> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger({ production: config.production, level: config.observability.logLevel });
  const log = (message: string) => logger.info(message);
  if (!config.databaseUrl) {
    throw new AppError("BAD_USER_INPUT", "npm run worker needs DATABASE_URL: the PostgreSQL database the API processes use (the embedded database is private to npm start)");
  }
  const connection = await connect({ ...config, ...config.database, log });
  const { db } = connection;
  log(`worker: database ${redactUrl(db.url)}`);
  const queue = new JobQueue(db.url, { schedule: true, onError: (error) => logger.warn(`job queue: ${error.message}`) });
  let stopWorkers: (() => Promise<void>) | undefined;
  let server: http.Server | undefined;
  const jobs = new JobManager(db, queue, { ...config.jobs, log });
  try {
    await queue.start();
    jobs.start();
    const registry = new Registry();
    const finished = new Counter({ name: "jobs_total", help: "Background jobs this worker finished, by kind and status", labelNames: ["kind", "status"], registers: [registry] });
    const duration = new Histogram({
      name: "job_duration_seconds",
      help: "Background jobs this worker ran, from start to finish",
      labelNames: ["kind", "status"],
      buckets: [0.1, 1, 5, 15, 60, 300, 900, 3600, 14400],
      registers: [registry],
    });
    collectDefaultMetrics({ register: registry });
    const workers = await startWorkers(
      db,
      queue,
      jobs,
      config,
      {
        // The API processes re-read the catalogue when they get this notice.
        onImported: () => publishCatalogReload(db),
        onJobFinished: (job, seconds) => {
          finished.inc({ kind: job.kind, status: job.status });
          duration.observe({ kind: job.kind, status: job.status }, seconds);
        },
      },
      log,
    );
    stopWorkers = workers.stop;
    const port = config.jobs.workerPort;
    if (port !== undefined) {
      server = http.createServer((request, response) => {
        const path = (request.url ?? "/").split("?")[0];
        if (request.method === "GET" && path === "/metrics") {
          void registry.metrics().then((text) => response.writeHead(200, { "content-type": registry.contentType }).end(text));
        } else if (request.method === "GET" && path === "/healthz") {
          const job = workers.runner.current();
          response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, worker: workers.runner.workerId, job: job ? { id: job.id, kind: job.kind } : null }));
        } else {
          response.writeHead(404).end();
        }
      });
      await new Promise<void>((resolve) => server!.listen(port, config.host, resolve));
    }
    log(`worker ${workers.runner.workerId} ready: running jobs from the queue${server ? ` (metrics on port ${port})` : ""}`);
    return {
      logger,
      connection,
      url: server ? `http://127.0.0.1:${port}` : undefined,
      async close() {
        await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        await stopWorkers?.();
        await jobs.stop();
        await queue.stop();
        await connection.close();
      },
    };
  } catch (error) {
    await stopWorkers?.().catch(() => undefined);
    await jobs.stop();
    await queue.stop().catch(() => undefined);
    await connection.close();
    throw error;
  }
}
