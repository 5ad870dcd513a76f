// npx tsx scripts/measure-model-memory.ts [--models ease,ials] [--out results/model-memory-estimates.json]
// Checks the training-memory estimates (src/models/memory.ts, each model's `memory`) against what
// fits really take: each model fits in a process of its own (one at a time), on a data set read
// with src/data, and the peak resident memory of the fit is read from Linux's VmHWM after
// resetting it (/proc/self/clear_refs) once the data is loaded and garbage collected. Compared:
// the estimate minus the matrix already loaded at that point, against the peak above it.
// Epochs and iterations are capped: a fit's peak is reached in its first epoch (the same arrays
// are reused every epoch), and validation runs once so its buffers count.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadEvalData } from "../src/eval";
import { FIT_WORKING_SET, totalBytes, type DataShape } from "../src/models/memory";
import { createModel, resolveParams, trainingMemory } from "../src/models/registry";
import { initTf } from "../src/tf/backend";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const DATASETS = {
  "ml-latest-small": { format: "movielens-latest", path: "ml-latest-small" },
  gowalla: { format: "interactions-txt", path: "gowalla" },
} as const;
type DatasetName = keyof typeof DATASETS;

/** What is measured: models of every family, on the data set each is usually run on, with short fits. */
const PLAN: { model: string; dataset: DatasetName; params?: Record<string, unknown> }[] = [
  { model: "popularity", dataset: "gowalla" },
  { model: "ials", dataset: "gowalla", params: { iterations: 2 } },
  { model: "mf", dataset: "ml-latest-small", params: { epochs: 2 } },
  { model: "svd", dataset: "ml-latest-small" },
  { model: "itemknn", dataset: "gowalla" },
  { model: "ease", dataset: "ml-latest-small" },
  { model: "rp3beta", dataset: "gowalla" },
  { model: "content", dataset: "ml-latest-small" },
  { model: "gfcf", dataset: "gowalla" },
  { model: "lightgcn", dataset: "gowalla", params: { epochs: 1, evalEvery: 1 } },
  { model: "ngcf", dataset: "ml-latest-small", params: { epochs: 1, evalEvery: 1 } },
  { model: "multvae", dataset: "ml-latest-small", params: { epochs: 2 } },
  { model: "cdae", dataset: "ml-latest-small", params: { epochs: 2 } },
  { model: "autorec", dataset: "ml-latest-small", params: { epochs: 2 } },
  { model: "neumf", dataset: "ml-latest-small", params: { epochs: 1 } },
  { model: "sasrec", dataset: "ml-latest-small", params: { epochs: 1, evalEvery: 1 } },
];

interface Measurement {
  model: string;
  dataset: DatasetName;
  shape: DataShape;
  /** Overrides of the defaults (capped epochs); the estimate is for the same settings. */
  params: Record<string, unknown>;
  estimateMB: number;
  /** The part of the estimate already resident before the fit: the loaded CSR (indices, values, times, row pointers). */
  loadedMatrixMB: number;
  /** The estimate minus the loaded matrix: what the fit is expected to add. */
  estimateAboveLoadedMB: number;
  /** Peak RSS during the fit minus the RSS before it (data loaded, garbage collected). */
  measuredPeakAboveLoadedMB: number;
  /** estimateAboveLoaded / measured: below 1 is an underestimate. */
  ratio: number;
  /** The same without the fixed working set every estimate adds (FIT_WORKING_SET): how close the model's own terms come. */
  ratioWithoutWorkingSet: number;
  fitSeconds: number;
  terms: { what: string; MB: number }[];
}

const MB = 1024 * 1024;
const round = (value: number) => Math.round(value * 10) / 10;

function statusKb(field: "VmRSS" | "VmHWM"): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync("/proc/self/status", "utf8"));
  if (!match) throw new Error(`/proc/self/status has no ${field} (this measurement needs Linux)`);
  return Number(match[1]);
}

/** One model in this process: prints its Measurement as one JSON line. */
async function measureOne(model: string, dataset: DatasetName, params: Record<string, unknown>): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new UsageError("run with node --expose-gc (the default mode starts each model so)");
  const root = process.env.DATASETS_DIR ?? "/work/shared/datasets";
  await initTf({ log: () => undefined });
  const source = DATASETS[dataset];
  const data = await loadEvalData({ format: source.format, path: path.join(root, source.path), protocol: "holdout" });
  const x = data.interactions;
  const shape: DataShape = { users: x.nUsers, items: x.nItems, interactions: x.nnz };
  const terms = trainingMemory(model, params, shape) ?? [];
  const estimate = totalBytes(terms);
  const loaded = x.indptr.byteLength + x.indices.byteLength + x.values.byteLength + (x.times?.byteLength ?? 0);
  const recommender = createModel(model, resolveParams(model, params));
  collect();
  collect();
  fs.writeFileSync("/proc/self/clear_refs", "5"); // VmHWM := VmRSS
  const before = statusKb("VmRSS");
  const started = performance.now();
  await recommender.fit({ interactions: x, implicit: data.implicit, content: data.content }, { seed: 42 });
  const fitSeconds = (performance.now() - started) / 1000;
  const measured = ((statusKb("VmHWM") - before) * 1024) / MB;
  recommender.dispose();
  const above = (estimate - loaded) / MB;
  const result: Measurement = {
    model,
    dataset,
    shape,
    params,
    estimateMB: round(estimate / MB),
    loadedMatrixMB: round(loaded / MB),
    estimateAboveLoadedMB: round(above),
    measuredPeakAboveLoadedMB: round(measured),
    ratio: Math.round((above / Math.max(measured, 0.1)) * 100) / 100,
    ratioWithoutWorkingSet: Math.round(((above - FIT_WORKING_SET.bytes / MB) / Math.max(measured, 0.1)) * 100) / 100,
    fitSeconds: round(fitSeconds),
    terms: terms.map((term) => ({ what: term.what, MB: round(term.bytes / MB) })),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const usage = "usage: npx tsx scripts/measure-model-memory.ts [--models a,b] [--out results/model-memory-estimates.json]";

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: { ...HELP, models: { type: "string" }, out: { type: "string" }, one: { type: "string" }, dataset: { type: "string" }, params: { type: "string" } },
    }),
  );
  if (values.one) {
    await measureOne(values.one, values.dataset as DatasetName, JSON.parse(values.params ?? "{}") as Record<string, unknown>);
    return;
  }
  const wanted = values.models?.split(",").map((name) => name.trim());
  const plan = wanted ? PLAN.filter((step) => wanted.includes(step.model)) : PLAN;
  if (plan.length === 0) throw new UsageError(`--models names none of ${PLAN.map((step) => step.model).join(", ")}\n${usage}`);
  const script = fileURLToPath(import.meta.url);
  const results: Measurement[] = [];
  for (const step of plan) {
    // A fresh process per model: one fit's memory is not another's baseline.
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script, "--one", step.model, "--dataset", step.dataset, "--params", JSON.stringify(step.params ?? {})], {
      encoding: "utf8",
      maxBuffer: 16 * MB,
      // Every allocation ≥ 64 KiB its own mapping, returned to the system when freed: otherwise glibc
      // raises its mmap threshold after the loader frees its buffers and the fit reuses that freed
      // heap, so the peak above the baseline would miss what the fit really needs.
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: "65536" },
    });
    const line = child.stdout.trim().split("\n").at(-1) ?? "";
    if (child.status !== 0 || !line.startsWith("{")) {
      process.stderr.write(`${step.model}: failed (${child.status})\n${child.stderr}\n`);
      continue;
    }
    const result = JSON.parse(line) as Measurement;
    results.push(result);
    process.stderr.write(
      `${result.model.padEnd(10)} ${result.dataset.padEnd(16)} estimate ${String(result.estimateAboveLoadedMB).padStart(8)} MB  measured ${String(result.measuredPeakAboveLoadedMB).padStart(8)} MB  ×${result.ratio} (×${result.ratioWithoutWorkingSet} without the working set)  (${result.fitSeconds} s)\n`,
    );
  }
  const report = {
    what: "Training-memory estimates (src/models/memory.ts) against the measured peak RSS of each fit above the loaded data, one process per model",
    method:
      "node --expose-gc, MALLOC_MMAP_THRESHOLD_=65536 (freed buffers go back to the system, so the loader's garbage is not reused by the fit); data read with src/data (loadEvalData), garbage collected, /proc/self/clear_refs reset VmHWM; peak = VmHWM after fit() − VmRSS before it. " +
      "Estimate compared = the model's memory(shape, params) minus the CSR already loaded. Epochs/iterations capped (the peak is reached in the first epoch; validation runs once).",
    machine: { node: process.version, platform: `${process.platform} ${process.arch}` },
    results,
  };
  const out = values.out ?? "results/model-memory-estimates.json";
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${JSON.stringify(
      results.map(({ terms: _terms, ...row }) => row),
      null,
      1,
    )}\n`,
  );
  process.stderr.write(`wrote ${out}\n`);
});
