// npm run bench:neural -- [--path /work/shared/datasets/ml-100k] [--backends wasm,cpu] [--models gmf,mlp,neumf,autorec,cdae,multvae]
//   [--epochs 2] [--implicit-epochs 1] [--target 0.95] [--max-epochs 20] [--seed 42] [--out results/bench-neural.json]
//
// Speed of the neural models on MovieLens 100K's u1.base (80,000 ratings), per TensorFlow.js
// backend; each backend runs in its own child process (TFJS_BACKEND=<name>; the backend is chosen
// once per process):
//  1. seconds per epoch of every model (fit with validationFraction 0, so an epoch is training
//     only): GMF/MLP/NeuMF in explicit mode (80,000 rating pairs per epoch) and implicit mode (the
//     paper's: ratings binarised, 4 sampled negatives per pair = 400,000 pairs per epoch), AutoRec on
//     the ratings, CDAE and Mult-VAE on the binarised matrix. Default hyper-parameters otherwise.
//  2. time to quality: NeuMF (explicit, MSE) trained on u1.base until its RMSE on u1.test is at
//     most --target; the wall time of fit() up to the end of that epoch, without the time spent
//     measuring the test RMSE after each epoch. Two settings: "tutorial-sized" (GMF 4, MLP 8+8 →
//     8 → 4, batch 256, Adam 1e-3, no L2: the PyTorch tutorial's shape and optimiser) and the
//     settings tuned here for explicit data (factors 8, l2 0.05) at batch 256 and at batch 2048.
// Prints a table and writes every number, the command line and the machine load to --out.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Interactions } from "../src/data/interactions";
import { loadEvalData } from "../src/eval";
import type { NcfRecommender } from "../src/models/neural/ncf";
import { createModel } from "../src/models/registry";
import type { FitReport } from "../src/models/types";
import { initTf } from "../src/tf/backend";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = `usage: npm run bench:neural -- [--path <ml-100k folder>] [--backends wasm,cpu] [--models gmf,mlp,neumf,autorec,cdae,multvae]
  [--epochs 2] [--implicit-epochs 1] [--target 0.95] [--max-epochs 20] [--seed 42] [--out results/bench-neural.json]
Seconds per epoch per model and backend on MovieLens 100K u1.base, and NeuMF's time to u1.test RMSE <= target.`;

const ALL_MODELS = ["gmf", "mlp", "neumf", "autorec", "cdae", "multvae"];
const NCF = new Set(["gmf", "mlp", "neumf"]);

interface EpochTiming {
  model: string;
  setting: string;
  pairsPerEpoch: number;
  epochs: number;
  epochSeconds: number[];
  /** Mean over the epochs after the first (the first includes one-off setup); the first epoch when only one ran. */
  secondsPerEpoch: number;
  /** Process CPU seconds of each epoch (less sensitive than wall time to other load on the machine). */
  cpuSeconds: number[];
  cpuSecondsPerEpoch: number;
  fitSeconds: number;
}

interface QualityRun {
  setting: string;
  params: Record<string, unknown>;
  target: number;
  reached: boolean;
  /** Wall seconds of fit() until the end of the first epoch at or below the target (test-RMSE measurement excluded). */
  secondsToTarget?: number;
  /** Process CPU seconds for the same span. */
  cpuSecondsToTarget?: number;
  epochsToTarget?: number;
  curve: { epoch: number; seconds: number; cpuSeconds: number; rmse: number }[];
}

interface BackendResult {
  backend: string;
  requested: string;
  timings: EpochTiming[];
  quality: QualityRun[];
  error?: string;
}

const QUALITY_SETTINGS: { setting: string; params: Record<string, unknown> }[] = [
  { setting: "tutorial-sized (GMF 4, MLP 8+8→8→4, batch 256, Adam 1e-3, no L2)", params: { factors: 4, layers: 2, batchSize: 256, lr: 0.001, l2: 0 } },
  { setting: "tuned (factors 8, layers 3, batch 256, Adam 1e-3, l2 0.05)", params: { factors: 8, layers: 3, batchSize: 256, lr: 0.001, l2: 0.05 } },
  { setting: "large batch (factors 8, layers 3, batch 2048, Adam 1e-2, l2 0.05)", params: { factors: 8, layers: 3, batchSize: 2048, lr: 0.01, l2: 0.05 } },
  { setting: "higher rate (factors 8, layers 3, batch 256, Adam 3e-3, l2 0.05)", params: { factors: 8, layers: 3, batchSize: 256, lr: 0.003, l2: 0.05 } },
];

async function child(options: { path: string; models: string[]; epochs: number; implicitEpochs: number; target: number; maxEpochs: number; seed: number; requested: string }): Promise<BackendResult> {
  const backend = await initTf({ log: (m) => process.stderr.write(`${m}\n`) });
  const data = await loadEvalData({ format: "movielens-100k", path: options.path, protocol: "rating-5fold" });
  const fold = data.givenSplits?.find((s) => s.name === "u1");
  if (!fold) throw new UsageError(`${options.path} has no u1.base/u1.test`);
  const train = fold.train;
  const binary = train.binarized();
  const result: BackendResult = { backend, requested: options.requested, timings: [], quality: [] };

  const timeFit = async (model: string, setting: string, params: Record<string, unknown>, interactions: Interactions, implicit: boolean, pairs: number) => {
    const recommender = createModel(model, { ...params, validationFraction: 0 });
    try {
      process.stderr.write(`[${backend}] ${model} ${setting}: ${params.epochs} epoch(s)\n`);
      const started = performance.now();
      const cpuSeconds: number[] = [];
      let cpuMark = process.cpuUsage();
      const report: FitReport = await recommender.fit(
        { interactions, implicit },
        {
          seed: options.seed,
          onProgress: () => {
            const used = process.cpuUsage(cpuMark);
            cpuSeconds.push((used.user + used.system) / 1e6);
            cpuMark = process.cpuUsage();
          },
        },
      );
      const fitSeconds = (performance.now() - started) / 1000;
      const epochSeconds = (report.notes?.epochSeconds as number[]) ?? [];
      const secondsPerEpoch = afterFirst(epochSeconds);
      const cpuSecondsPerEpoch = afterFirst(cpuSeconds);
      result.timings.push({ model, setting, pairsPerEpoch: pairs, epochs: report.epochs, epochSeconds, secondsPerEpoch, cpuSeconds, cpuSecondsPerEpoch, fitSeconds });
      process.stderr.write(
        `[${backend}] ${model} ${setting}: ${secondsPerEpoch.toFixed(2)} s/epoch wall, ${cpuSecondsPerEpoch.toFixed(2)} s CPU (${epochSeconds.map((s) => s.toFixed(2)).join(", ")})\n`,
      );
    } finally {
      recommender.dispose();
    }
  };

  for (const model of options.models) {
    if (NCF.has(model)) {
      await timeFit(model, "explicit (MSE, u1.base ratings)", { mode: "explicit", epochs: options.epochs }, train, false, train.nnz);
      await timeFit(model, "implicit (BCE, 4 negatives per pair)", { mode: "implicit", epochs: options.implicitEpochs }, binary, true, binary.nnz * 5);
    } else if (model === "autorec") {
      await timeFit(model, "ratings (items as rows)", { epochs: options.epochs }, train, false, train.nnz);
    } else {
      await timeFit(model, "binarised (users as rows)", { epochs: options.epochs }, binary, true, binary.nnz);
    }
  }

  if (options.models.includes("neumf")) {
    const test = fold.test;
    const users = new Int32Array(test.nnz);
    for (let u = 0; u < test.nUsers; u++) users.fill(u, test.indptr[u], test.indptr[u + 1]);
    const predictions = new Float32Array(test.nnz);
    for (const { setting, params } of QUALITY_SETTINGS) {
      const model = createModel("neumf", { ...params, mode: "explicit", epochs: options.maxEpochs, validationFraction: 0, patience: 0 }) as NcfRecommender;
      const run: QualityRun = { setting, params: { ...params, mode: "explicit" }, target: options.target, reached: false, curve: [] };
      const abort = new AbortController();
      let measuring = 0;
      let measuringCpu = 0;
      const started = performance.now();
      const cpuStart = process.cpuUsage();
      try {
        await model.fit(
          { interactions: train, implicit: false },
          {
            seed: options.seed,
            signal: abort.signal,
            onProgress: (p) => {
              const at = performance.now();
              const atCpu = process.cpuUsage();
              const seconds = (at - started) / 1000 - measuring;
              const used = process.cpuUsage(cpuStart);
              const cpuSeconds = (used.user + used.system) / 1e6 - measuringCpu;
              model.predictPairs(users, test.indices, predictions, true);
              let sum = 0;
              for (let k = 0; k < test.nnz; k++) sum += (predictions[k] - test.values[k]) ** 2;
              const rmse = Math.sqrt(sum / test.nnz);
              run.curve.push({ epoch: p.epoch, seconds, cpuSeconds, rmse });
              process.stderr.write(`[${backend}] neumf ${setting}: epoch ${p.epoch} at ${seconds.toFixed(2)} s (${cpuSeconds.toFixed(2)} s CPU), u1.test RMSE ${rmse.toFixed(4)}\n`);
              if (rmse <= options.target && !run.reached) {
                run.reached = true;
                run.secondsToTarget = seconds;
                run.cpuSecondsToTarget = cpuSeconds;
                run.epochsToTarget = p.epoch;
                abort.abort();
              }
              measuring += (performance.now() - at) / 1000;
              const spent = process.cpuUsage(atCpu);
              measuringCpu += (spent.user + spent.system) / 1e6;
            },
          },
        );
      } catch (error) {
        if (!abort.signal.aborted) throw error;
      } finally {
        model.dispose();
      }
      result.quality.push(run);
    }
  }
  return result;
}

/** Mean of the values after the first (one-off setup lands in the first epoch); the first when alone. */
function afterFirst(values: number[]): number {
  const later = values.slice(1);
  return later.length ? later.reduce((a, b) => a + b, 0) / later.length : (values[0] ?? Number.NaN);
}

async function runChild(backend: string, argv: string[]): Promise<BackendResult> {
  const script = fileURLToPath(import.meta.url);
  // Progress streams through the child's stderr; its last stdout line is the JSON result.
  const child = spawn(process.execPath, ["--import", "tsx", script, "--child", backend, ...argv], {
    env: { ...process.env, TFJS_BACKEND: backend },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const last = stdout.trim().split("\n").pop() ?? "";
  if (code !== 0 || !last.startsWith("{")) return { backend, requested: backend, timings: [], quality: [], error: `child process exited with ${code}` };
  return JSON.parse(last) as BackendResult;
}

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        path: { type: "string" },
        backends: { type: "string" },
        models: { type: "string" },
        epochs: { type: "string" },
        "implicit-epochs": { type: "string" },
        target: { type: "string" },
        "max-epochs": { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        child: { type: "string" },
      },
    }),
  );
  const target = values.path ?? path.join(process.env.DATASETS_DIR ?? "/work/shared/datasets", "ml-100k");
  const models = (values.models ?? ALL_MODELS.join(",")).split(",").filter(Boolean);
  for (const m of models) if (!ALL_MODELS.includes(m)) throw new UsageError(`--models: ${m} is not one of ${ALL_MODELS.join(", ")}\n${usage}`);
  const int = (name: "epochs" | "implicit-epochs" | "max-epochs" | "seed", fallback: number, min: number, max: number) => {
    const raw = values[name];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`--${name}: ${raw} is not an integer in ${min}–${max}\n${usage}`);
    return value;
  };
  const options = {
    path: target,
    models,
    epochs: int("epochs", 2, 1, 100),
    implicitEpochs: int("implicit-epochs", 1, 1, 100),
    maxEpochs: int("max-epochs", 20, 1, 1000),
    seed: int("seed", 42, 0, 2 ** 31 - 1),
    target: Number(values.target ?? 0.95),
  };
  if (!(options.target > 0)) throw new UsageError(`--target must be a positive RMSE\n${usage}`);

  const childBackend = values.child;
  if (childBackend) {
    const result = await child({ ...options, requested: childBackend });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }

  const backends = (values.backends ?? "wasm,cpu").split(",").filter(Boolean);
  const forward = process.argv.slice(2).filter((_, k, all) => !["--backends", "--out"].includes(all[k]) && !["--backends", "--out"].includes(all[k - 1]));
  const loadBefore = os.loadavg();
  const started = new Date();
  const results: BackendResult[] = [];
  for (const backend of backends) results.push(await runChild(backend, forward));
  const loadAfter = os.loadavg();

  // Table: one row per model/setting, one column per backend.
  const rows = new Map<string, Map<string, EpochTiming>>();
  for (const r of results)
    for (const t of r.timings) {
      const key = `${t.model} ${t.setting}`;
      if (!rows.has(key)) rows.set(key, new Map());
      rows.get(key)!.set(r.backend, t);
    }
  const lines = [`seconds per epoch, wall (CPU), MovieLens 100K u1.base (${results.map((r) => r.backend).join(" | ")})`];
  for (const [key, byBackend] of rows) {
    const cells = results.map((r) => {
      const t = byBackend.get(r.backend);
      return t ? `${t.secondsPerEpoch.toFixed(2)} s (${t.cpuSecondsPerEpoch.toFixed(2)})` : "-";
    });
    const pairs = [...byBackend.values()][0].pairsPerEpoch;
    lines.push(`  ${key.padEnd(62)} ${String(pairs).padStart(7)} pairs  ${cells.join(" | ")}`);
  }
  lines.push(`time to u1.test RMSE <= ${options.target} (NeuMF, explicit; fit wall time, test measurement excluded)`);
  for (const r of results)
    for (const q of r.quality) {
      const curve = q.curve.map((c) => `${c.epoch}:${c.rmse.toFixed(3)}@${c.seconds.toFixed(1)}s`).join(" ");
      lines.push(
        `  [${r.backend}] ${q.setting}: ${q.reached ? `${q.secondsToTarget!.toFixed(2)} s wall, ${q.cpuSecondsToTarget!.toFixed(2)} s CPU (${q.epochsToTarget} epochs)` : "not reached"}  ${curve}`,
      );
    }
  for (const r of results) if (r.error) lines.push(`  [${r.backend}] failed: ${r.error}`);
  lines.push("reference (given in the issue, not measured here): PyTorch tutorial NeuMF 0.93 s/epoch, 4.6 s for 5 epochs, u1.test RMSE 2.46");
  process.stdout.write(`${lines.join("\n")}\n`);

  const out = values.out ?? "results/bench-neural.json";
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const report = {
    benchmark: "bench-neural",
    command: `npm run bench:neural -- ${process.argv.slice(2).join(" ")}`.trim(),
    dataset: { name: "MovieLens 100K", path: target, train: "u1.base", test: "u1.test" },
    options: { ...options, backends },
    startedAt: started.toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: loadAfter },
    reference: { note: "given in the issue, not measured here", pytorchTutorialNeuMF: { secondsPerEpoch: 0.93, secondsFor5Epochs: 4.6, u1TestRmse: 2.46 } },
    results,
  };
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
  const failed = results.filter((r) => r.error);
  if (failed.length) throw new Error(`backend(s) failed: ${failed.map((r) => `${r.backend} (${r.error})`).join(", ")}`);
});
