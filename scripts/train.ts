// npm run train -- --model <name> [--params '{"factors":64}'] [--seed 42] [--no-activate]
//   [--activation always|ifNotWorse] [--tolerance 0.05] [--metric ndcg@20] [--holdout-k 20] [--no-holdout]
// Trains a registry model on the database (DATABASE_URL or the embedded one), measures it on a
// per-user latest-interaction holdout first (unless --no-holdout), stores the artifact as a
// model run and makes it the served version (unless --no-activate; with --activation
// ifNotWorse only when its held-out metric is not worse than the served run's).
import { loadConfig } from "../src/config";
import { connect, redactUrl } from "../src/db/client";
import { modelNames } from "../src/models/registry";
import { ACTIVATION_POLICIES, type ActivationPolicy } from "../src/services/activation";
import { trainModel } from "../src/services/training";
import { parseArgs } from "node:util";
import { HELP, UsageError, parseCli, required, runMain } from "./lib/cli";
import { progressBar } from "../src/util/progress";

const usage =
  `usage: npm run train -- --model <${modelNames().join("|")}> [--params '<json>'] [--seed 42] [--no-activate]\n` +
  `  [--activation ${ACTIVATION_POLICIES.join("|")}] [--tolerance 0.05] [--metric ndcg@20|recall@20|rmse|mae] [--holdout-k 20] [--no-holdout]`;

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        model: { type: "string" },
        params: { type: "string" },
        seed: { type: "string" },
        activation: { type: "string" },
        tolerance: { type: "string" },
        metric: { type: "string" },
        "holdout-k": { type: "string" },
        "no-activate": { type: "boolean" },
        "no-holdout": { type: "boolean" },
      },
    }),
  );
  const model = required(values.model, "model", usage);
  let params: Record<string, unknown> = {};
  if (values.params !== undefined) {
    try {
      params = JSON.parse(values.params) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--params is not valid JSON: ${values.params}\n${usage}`);
    }
  }
  const seed = values.seed !== undefined ? Number(values.seed) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be an integer\n${usage}`);
  const policy = values.activation;
  if (policy !== undefined && !(ACTIVATION_POLICIES as readonly string[]).includes(policy)) throw new UsageError(`--activation must be one of ${ACTIVATION_POLICIES.join(", ")}\n${usage}`);
  if (policy === undefined && (values.tolerance !== undefined || values.metric !== undefined)) throw new UsageError(`--tolerance and --metric need --activation ifNotWorse\n${usage}`);
  // Ranges (tolerance in [0, 1], k in 1–1000, metric names) are checked by trainModel, which names the field.
  const tolerance = values.tolerance !== undefined ? Number(values.tolerance) : undefined;
  const holdoutK = values["holdout-k"] !== undefined ? Number(values["holdout-k"]) : undefined;
  const config = loadConfig();
  const connection = await connect({ ...config, log: (m) => process.stderr.write(`${m}\n`) });
  process.stderr.write(`database: ${redactUrl(connection.db.url)}\n`);
  const bar = progressBar(`train ${model}`);
  try {
    const result = await trainModel(connection.db, {
      model,
      params,
      seed,
      activate: !values["no-activate"],
      holdout: { enabled: !values["no-holdout"], k: holdoutK },
      activation: policy === undefined ? undefined : { policy: policy as ActivationPolicy, tolerance, metric: values.metric },
      memoryLimitBytes: config.jobs.trainMemoryLimitBytes,
      onProgress: (p) => {
        const parts = [p.loss !== undefined ? `loss ${p.loss.toPrecision(4)}` : "", ...Object.entries(p.validation ?? {}).map(([k, v]) => `${k} ${v.toFixed(4)}`), p.message ?? ""];
        bar.update(p.epoch, p.epochs, parts.filter(Boolean).join(" "));
      },
    });
    bar.stop();
    result.model.dispose();
    process.stdout.write(`trained ${model} as run ${result.run.id} in ${(result.run.trainSeconds ?? 0).toFixed(2)} s (${result.report.epochs} epochs)${result.run.active ? ", now served" : ""}\n`);
    const heldOut = result.heldOut;
    if (heldOut) {
      const numbers = Object.entries(heldOut.metrics).map(([name, value]) => `${name} ${value.toFixed(4)}`);
      process.stdout.write(
        `held-out (${heldOut.protocol}, ${heldOut.users} users): ${heldOut.skipped ?? numbers.join(", ")}; ` +
          `+${heldOut.seconds.toFixed(2)} s (fit ${heldOut.fitSeconds.toFixed(2)} s, scoring ${heldOut.evalSeconds.toFixed(2)} s)\n`,
      );
    }
    process.stdout.write(`${result.activation.activated ? "activated" : "not activated"}: ${result.activation.reason}\n`);
  } finally {
    bar.stop();
    await connection.close();
  }
});
