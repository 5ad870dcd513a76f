// npm run worker: runs background jobs from the database's queue (see src/worker.ts).
import { startWorkerProcess } from "../src/worker";
import { runMain } from "./lib/cli";

runMain(async () => {
  const worker = await startWorkerProcess();
  const shutdown = async (signal: string) => {
    worker.logger.info(`${signal}: stopping (a running job ends FAILED/SHUTDOWN, an import rolls back)`);
    await worker.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await new Promise(() => undefined); // work until a signal arrives
});
