// npm run download -- <ml-100k|ml-1m|ml-latest-small|gowalla> [--dir <folder>]
import path from "node:path";
import { loadConfig } from "../src/config";
import { REMOTE_DATASETS, downloadDataset } from "../src/services/datasets";
import { UsageError, parseArgs, runMain } from "../src/util/args";

const usage = `usage: npm run download -- <${Object.keys(REMOTE_DATASETS).join("|")}> [--dir <folder>]
Fetches a public data set (needs internet) into .data/datasets/<name> (or --dir).`;

runMain(async () => {
  const argv = process.argv.slice(2);
  const name = argv.find((a) => !a.startsWith("--"));
  if (!name) throw new UsageError(usage);
  const { values } = parseArgs(argv.filter((a) => a !== name), { values: ["dir"], usage });
  const dir = values.get("dir") ?? path.join(loadConfig().homeDir, "datasets");
  const folder = await downloadDataset(name, dir, { log: (m) => process.stderr.write(`${m}\n`) });
  const dataset = REMOTE_DATASETS[name];
  process.stdout.write(`${folder}\nterms: ${dataset.terms}\nimport with: npm run import -- --format ${dataset.format} --path ${folder}\n`);
});
