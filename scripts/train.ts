// npm run train -- --model <name> [--params '{"factors":64}'] [--seed 42] [--no-activate]
// Trains a registry model on the database (DATABASE_URL or the embedded one), stores the
// artifact as a model run and makes it the served version (unless --no-activate).
import { loadConfig } from "../src/config";
import { connect, redactUrl } from "../src/db/client";
import { modelNames } from "../src/models/registry";
import { trainModel } from "../src/services/training";
import { UsageError, parseArgs, requireArg, runMain } from "../src/util/args";
import { progressBar } from "../src/util/progress";

const usage = `usage: npm run train -- --model <${modelNames().join("|")}> [--params '<json>'] [--seed 42] [--no-activate]`;

runMain(async () => {
  const { values, flags } = parseArgs(process.argv.slice(2), { values: ["model", "params", "seed"], booleans: ["no-activate"], usage });
  const model = requireArg(values, "model", usage);
  let params: Record<string, unknown> = {};
  if (values.has("params")) {
    try {
      params = JSON.parse(values.get("params")!) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--params is not valid JSON: ${values.get("params")}\n${usage}`);
    }
  }
  const seed = values.has("seed") ? Number(values.get("seed")) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer\n${usage}`);
  const connection = await connect({ ...loadConfig(), log: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`database: ${redactUrl(connection.db.url)}\n`);
  const bar = progressBar(`train ${model}`);
  try {
    const result = await trainModel(connection.db, {
      model,
      params,
      seed,
      activate: !flags.has("no-activate"),
      onProgress: (p) => {
        const parts = [p.loss !== undefined ? `loss ${p.loss.toPrecision(4)}` : "", ...Object.entries(p.validation ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`), p.message ?? ""];
        bar.update(p.epoch, p.epochs, parts.filter(Boolean).join(" "));
      },
    });
    bar.stop();
    result.model.dispose();
    process.stdout.write(
      `trained ${model} as run ${result.run.id} in ${(result.run.trainSeconds ?? 0).toFixed(2)} s (${result.report.epochs} epochs)${result.run.active ? ", now served" : ""}\n`,
    );
  } finally {
    bar.stop();
    await connection.close();
  }
});
