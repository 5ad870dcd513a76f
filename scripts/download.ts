// npm run download -- <ml-100k|ml-1m|ml-latest-small|ml-25m|gowalla> [--dir <folder>]
import path from "node:path";
import { loadConfig } from "../src/config";
import { REMOTE_DATASETS, downloadDataset } from "../src/services/datasets";
import { parseArgs } from "node:util";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = `usage: npm run download -- <${Object.keys(REMOTE_DATASETS).join("|")}> [--dir <folder>]
Fetches a public data set (needs internet) into .data/datasets/<name> (or --dir).`;

runMain(async () => {
  const { values, positionals } = parseCli(usage, () => parseArgs({ args: process.argv.slice(2), options: { ...HELP, dir: { type: "string" } }, allowPositionals: true }));
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError(usage);
  if (extra.length > 0) throw new UsageError(`one data set at a time (got ${positionals.join(", ")})\n${usage}`);
  const dir = values.dir ?? path.join(loadConfig().homeDir, "datasets");
  const folder = await downloadDataset(name, dir, { log: (m) => process.stderr.write(`${m}\n`) });
  const dataset = REMOTE_DATASETS[name];
  process.stdout.write(`${folder}\nterms: ${dataset.terms}\nimport with: npm run import -- --format ${dataset.format} --path ${folder}\n`);
});
