// npm run evaluate -- --dataset <format> --path <dir-or-file> --protocol <p> --models a,b|all
//   [--k 10,20] [--seed 42] [--out results.json] [--chart file.svg|png] [--params '{"als":{"factors":64}}']
//   [--from-db] [--relevant-min 4] [--negatives 100] [--batch-size 256] [--binarize]
// Thin CLI over src/eval: parses and validates flags, loads the data, shows progress, prints
// the table and writes the JSON report and the chart.
import { execFileSync } from "node:child_process";
import { loadConfig } from "../src/config";
import { connect, redactUrl } from "../src/db/client";
import { DATASET_FORMATS, parseFormat } from "../src/data/formats";
import { AppError, ValidationError } from "../src/errors";
import { PROTOCOLS, formatTable, loadEvalData, loadEvalDataFromDb, parseProtocol, runEvaluation, writeChart, writeReportJson, type EvalData } from "../src/eval";
import { modelNames } from "../src/models/registry";
import type { TrainingProgress } from "../src/models/types";
import { parseArgs } from "node:util";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";
import { progressBar, type ProgressBar } from "../src/util/progress";

const usage = `usage: npm run evaluate -- (--dataset <${DATASET_FORMATS.join("|")}> --path <dir-or-file> | --from-db)
    --protocol <${PROTOCOLS.join("|")}> --models <a,b,c|all>
    [--k 10,20] [--seed 42] [--out results.json] [--chart file.svg|file.png] [--params '{"<model>":{"<param>":value}}']
    [--relevant-min <rating>] [--negatives 100] [--batch-size 256] [--binarize]
  models: ${modelNames().join(", ")}
  --relevant-min  ranking protocols: only test ratings >= this are relevant (default: every test interaction)
  --negatives     loo-sampled: sampled unseen items per test user (default 100)
  --binarize      ranking protocols on ratings: every model trains on the binarised matrix (default: only
                  models declaring feedback "implicit"; the others train on the ratings)`;

function parseIntList(raw: string, field: string, allowed: string, min: number, max: number): number[] {
  const tokens = raw.split(",").map((t) => t.trim());
  if (tokens.length === 0 || tokens.some((t) => t === "")) throw new ValidationError(field, raw, allowed);
  return tokens.map((t) => {
    const value = Number(t);
    if (!/^-?\d+$/.test(t) || !Number.isInteger(value) || value < min || value > max) throw new ValidationError(field, t, allowed);
    return value;
  });
}

function parseIntFlag(raw: string | undefined, field: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  return parseIntList(raw, field, `an integer in ${min}–${max}`, min, max)[0];
}

function parseParams(raw: string | undefined): Record<string, Record<string, unknown>> | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ValidationError("params", raw, `JSON like '{"<model>":{"<param>":value}}'`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new ValidationError("params", raw, `a JSON object keyed by model name`);
  return parsed as Record<string, Record<string, unknown>>;
}

/** The commit the run used, and whether tracked files differed from it (results name their code). */
function codeVersion(): { commit: string; modifiedFiles: number } | undefined {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    const status = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    return { commit, modifiedFiles: status.split("\n").filter(Boolean).length };
  } catch {
    return undefined; // not a git checkout
  }
}

function trainingStatus(p: TrainingProgress): string {
  const parts: string[] = [];
  if (p.loss !== undefined) parts.push(`loss ${p.loss.toPrecision(4)}`);
  for (const [k, v] of Object.entries(p.validation ?? {})) parts.push(`valid ${k} ${v.toFixed(4)}`);
  if (p.epoch > 0 && p.epochs > p.epoch) parts.push(`ETA ≤ ${((p.elapsed / p.epoch) * (p.epochs - p.epoch)).toFixed(0)} s`);
  if (p.message) parts.push(p.message);
  return parts.join(" | ");
}

runMain(async () => {
  const argv = process.argv.slice(2);
  const text = { type: "string" } as const;
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: argv,
      options: {
        ...HELP,
        dataset: text,
        path: text,
        protocol: text,
        models: text,
        k: text,
        seed: text,
        out: text,
        chart: text,
        params: text,
        "relevant-min": text,
        negatives: text,
        "batch-size": text,
        "from-db": { type: "boolean" },
        binarize: { type: "boolean" },
      },
    }),
  );
  const fromDb = values["from-db"] === true;
  if (fromDb && (values.dataset !== undefined || values.path !== undefined)) throw new UsageError(`--from-db reads the database: leave out --dataset and --path\n${usage}`);
  if (!fromDb && (values.dataset === undefined || values.path === undefined)) throw new UsageError(`--dataset and --path are required (or --from-db)\n${usage}`);
  if (values.protocol === undefined) throw new UsageError(`--protocol is required\n${usage}`);
  if (values.models === undefined) throw new UsageError(`--models is required\n${usage}`);

  const format = fromDb ? undefined : parseFormat(values.dataset!, "dataset");
  const protocol = parseProtocol(values.protocol);
  const modelsRaw = values.models.trim();
  const models = modelsRaw === "all" ? "all" : modelsRaw.split(",").map((m) => m.trim());
  if (models !== "all" && models.some((m) => m === "")) throw new ValidationError("models", modelsRaw, `a comma-separated list of ${modelNames().join(", ")}, or all`);
  const ks = values.k !== undefined ? parseIntList(values.k, "k", "comma-separated integers in 1–1000", 1, 1000) : undefined;
  const seed = parseIntFlag(values.seed, "seed", 0, 0xffffffff);
  const negatives = parseIntFlag(values.negatives, "negatives", 1, 100000);
  const batchSize = parseIntFlag(values["batch-size"], "batch-size", 1, 65536);
  let minRelevantValue: number | undefined;
  const relevantMin = values["relevant-min"];
  if (relevantMin !== undefined) {
    minRelevantValue = Number(relevantMin);
    if (relevantMin.trim() === "" || !Number.isFinite(minRelevantValue)) throw new ValidationError("relevant-min", relevantMin, "a number (a rating)");
  }
  const out = values.out;
  if (out !== undefined && !out.toLowerCase().endsWith(".json")) throw new ValidationError("out", out, "a file name ending in .json");
  const chart = values.chart;
  if (chart !== undefined && !/\.(svg|png)$/i.test(chart)) throw new ValidationError("chart", chart, "a file name ending in .svg or .png");
  const params = parseParams(values.params);

  const log = (message: string) => process.stderr.write(`${message}\n`);
  const loadStart = performance.now();
  let data: EvalData;
  if (fromDb) {
    const connection = await connect({ ...loadConfig(), log });
    try {
      log(`database: ${redactUrl(connection.db.url)}`);
      data = await loadEvalDataFromDb(connection.db);
    } finally {
      await connection.close();
    }
  } else {
    data = await loadEvalData({ format: format!, path: values.path!, protocol });
  }
  const m = data.interactions;
  log(
    `${data.name}: ${m.nUsers} users, ${m.nItems} items, ${m.nnz} interactions (${data.implicit ? "implicit" : "explicit"}), ` +
      `loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s${data.givenSplits ? `; given splits: ${data.givenSplits.map((s) => s.name).join(", ")}` : ""}`,
  );

  const code = codeVersion();
  const command = `npm run evaluate -- ${argv.map((a) => (/[\s'"{}]/.test(a) ? `'${a}'` : a)).join(" ")}`;
  let bar: ProgressBar | undefined;
  const stopBar = () => {
    bar?.stop();
    bar = undefined;
  };
  try {
    const report = await runEvaluation(data, {
      protocol,
      models,
      memoryLimitBytes: loadConfig().jobs.trainMemoryLimitBytes,
      ks,
      seed,
      params,
      minRelevantValue,
      negatives,
      batchSize,
      binarize: values.binarize === true,
      hooks: {
        log: (message) => {
          stopBar();
          log(message);
        },
        onTrainStart: (model, split) => {
          stopBar();
          bar = progressBar(`train ${model} [${split}]`);
        },
        onTrainProgress: (_model, _split, p) => bar?.update(p.epoch, p.epochs, trainingStatus(p)),
        onTrainEnd: (model, split, seconds, fit) => {
          stopBar();
          log(`${model} [${split}]: trained in ${seconds.toFixed(2)} s, ${fit.epochs} epoch${fit.epochs === 1 ? "" : "s"}`);
          bar = progressBar(`eval ${model} [${split}]`);
        },
        onEvalProgress: (_model, _split, done, total) => bar?.update(done, total, "users"),
        onModelEnd: (result, partial) => {
          stopBar();
          log(`${result.model}: ${result.error ? `failed: ${result.error}` : `done (train ${result.trainSeconds.toFixed(2)} s, eval ${result.evalSeconds.toFixed(2)} s)`}`);
          // Long runs keep what is done: the JSON is rewritten after every model (notes.pending until the end).
          if (out) writeReportJson(out, { ...partial, notes: { ...partial.notes, command, code } });
        },
      },
    });
    stopBar();
    report.notes.command = command;
    report.notes.code = code;
    process.stdout.write(`\n${report.dataset} · ${report.protocol}\n${formatTable(report)}\n`);
    if (out) {
      writeReportJson(out, report);
      log(`wrote ${out}`);
    }
    if (chart) {
      await writeChart(chart, report);
      log(`wrote ${chart}`);
    }
    const failed = report.results.filter((r) => r.error);
    if (failed.length > 0) throw new AppError("INTERNAL", `${failed.length} of ${report.results.length} models failed: ${failed.map((r) => r.model).join(", ")} (see above)`);
  } finally {
    stopBar();
  }
});
