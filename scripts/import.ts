// npm run import -- --format <fmt> --path <dir-or-file> [--encoding utf-8|latin1]
import { loadConfig } from "../src/config";
import { connect, redactUrl } from "../src/db/client";
import { DATASET_FORMATS } from "../src/data/formats";
import { importDataset } from "../src/services/importService";
import { parseArgs } from "node:util";
import { HELP, parseCli, required, runMain } from "./lib/cli";
import { progressBar } from "../src/util/progress";

const usage = `usage: npm run import -- --format <${DATASET_FORMATS.join("|")}> --path <dir-or-file> [--encoding utf-8|latin1]
Imports a data set into the database (DATABASE_URL, or the embedded one) in one transaction.`;

runMain(async () => {
  const { values } = parseCli(usage, () => parseArgs({ args: process.argv.slice(2), options: { ...HELP, format: { type: "string" }, path: { type: "string" }, encoding: { type: "string" } } }));
  const format = required(values.format, "format", usage);
  const target = required(values.path, "path", usage);
  const config = loadConfig();
  const connection = await connect({ ...config, log: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`database: ${redactUrl(connection.db.url)}\n`);
  const bar = progressBar(`import ${format}`, "bytes");
  try {
    const summary = await importDataset(connection.db, {
      format,
      path: target,
      encoding: values.encoding,
      onProgress: ({ phase, bytesDone, bytesTotal }) => bar.update(bytesDone, bytesTotal, phase),
    });
    bar.stop();
    process.stdout.write(
      `imported ${target} (${format}) in ${summary.seconds.toFixed(2)} s: ` +
        `users +${summary.usersInserted} (~${summary.usersUpdated}), items +${summary.itemsInserted} (~${summary.itemsUpdated}), ` +
        `ratings +${summary.ratingsInserted} (~${summary.ratingsUpdated} updated) from ${summary.ratingsRead} rows\n`,
    );
  } catch (error) {
    bar.stop();
    throw error;
  } finally {
    await connection.close();
  }
});
