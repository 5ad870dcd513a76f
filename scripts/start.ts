// npm start: embedded database (unless DATABASE_URL), data, default model, GraphQL server.
import { startApp } from "../src/app";
import { loadConfig, withDevelopmentDefaults } from "../src/config";
import { runMain } from "./lib/cli";

runMain(async () => {
  // The two-command demo: development mode turns anonymous writes on (and says so in the log).
  const app = await startApp({ config: withDevelopmentDefaults(loadConfig()), offline: process.env.GRAPHREC_OFFLINE === "1" });
  const shutdown = async (signal: string) => {
    app.logger.info(`${signal}: shutting down`);
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  await new Promise(() => undefined); // serve until a signal arrives
});
