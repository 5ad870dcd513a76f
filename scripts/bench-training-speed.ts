// Training speed of two checkouts of this repository, measured in one run: each model is fitted
// on MovieLens 100K u1.base (seed 42) by the code of `--before` and of `--after`, alternating
// which goes first, each fit in its own process; the report gives seconds per epoch (wall and
// process CPU) per tree, their medians and the after/before ratio, with the machine's load.
// Used for the training-kit refactor: `git worktree add /tmp/base <commit>` (with node_modules
// linked and `prisma generate` output copied), then
//   npm run bench:training-speed -- --before /tmp/base --after . --rounds 3
// A child (`--child`) fits one model with one tree's code and prints one JSON line.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { HELP, movieLens100kFolder, parseCli, required, runMain } from "./lib/cli";

const USAGE = `usage: npm run bench:training-speed -- --before DIR [--after DIR] [--rounds N] [--models name=json;…] [--data DIR] [--out FILE]`;

/** Short, fixed-epoch settings (no validation, so every epoch is training only). */
const DEFAULT_MODELS: Record<string, { params: Record<string, unknown>; binarize: boolean }> = {
  mf: { params: { epochs: 10 }, binarize: false },
  svdpp: { params: { epochs: 3 }, binarize: false },
  als: { params: { iterations: 5 }, binarize: false },
  ials: { params: { iterations: 5 }, binarize: true },
  autorec: { params: { epochs: 5, validationFraction: 0 }, binarize: false },
  gmf: { params: { epochs: 2, validationFraction: 0 }, binarize: true },
  cdae: { params: { epochs: 5, validationFraction: 0 }, binarize: true },
  multvae: { params: { epochs: 5, validationFraction: 0 }, binarize: true },
  lightgcn: { params: { epochs: 10, validationFraction: 0 }, binarize: true },
  ngcf: { params: { epochs: 5, validationFraction: 0 }, binarize: true },
};

interface FitTiming {
  epochs: number;
  seconds: number;
  cpuSeconds: number;
}

async function child(root: string, model: string, params: Record<string, unknown>, binarize: boolean, data: string): Promise<void> {
  const { loadEvalData } = await import(path.join(root, "src/eval/data.ts"));
  const { createModel } = await import(path.join(root, "src/models/registry.ts"));
  const { Interactions } = await import(path.join(root, "src/data/interactions.ts"));
  const evalData = await loadEvalData({ format: "movielens-100k", path: data, protocol: "rating-5fold" });
  let train = evalData.givenSplits[0].train;
  if (binarize) train = new Interactions(train.nUsers, train.nItems, train.indptr, train.indices, new Float32Array(train.nnz).fill(1));
  const recommender = createModel(model, params);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await recommender.fit({ interactions: train, implicit: binarize, content: evalData.content }, { seed: 42 });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  recommender.dispose();
  const timing: FitTiming = { epochs: report.epochs, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  console.log(JSON.stringify(timing));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parseModels(spec: string | undefined): typeof DEFAULT_MODELS {
  if (!spec) return DEFAULT_MODELS;
  const models: typeof DEFAULT_MODELS = {};
  for (const part of spec.split(";").filter(Boolean)) {
    const [name, json] = part.split("=", 2);
    models[name] = { params: json ? JSON.parse(json) : (DEFAULT_MODELS[name]?.params ?? {}), binarize: DEFAULT_MODELS[name]?.binarize ?? true };
  }
  return models;
}

runMain(async () => {
  const { values } = parseCli(USAGE, () =>
    parseArgs({
      options: {
        child: { type: "boolean", default: false },
        root: { type: "string" },
        model: { type: "string" },
        params: { type: "string", default: "{}" },
        binarize: { type: "boolean", default: false },
        before: { type: "string" },
        after: { type: "string", default: "." },
        rounds: { type: "string", default: "3" },
        models: { type: "string" },
        data: { type: "string" },
        out: { type: "string", default: "results/bench-training-speed.json" },
        ...HELP,
      },
      strict: true,
    }),
  );
  if (values.child) {
    await child(path.resolve(values.root ?? "."), values.model ?? "", JSON.parse(values.params), values.binarize, path.resolve(movieLens100kFolder(values.data, USAGE)));
    return;
  }
  const data = movieLens100kFolder(values.data, USAGE);
  const trees = { before: path.resolve(required(values.before, "before", USAGE)), after: path.resolve(values.after) };
  const rounds = Number(values.rounds);
  const models = parseModels(values.models);
  const self = path.resolve("scripts/bench-training-speed.ts");
  const runs: Record<string, { before: FitTiming[]; after: FitTiming[] }> = {};
  const loadBefore = os.loadavg();
  for (let round = 0; round < rounds; round++) {
    for (const [model, setting] of Object.entries(models)) {
      const order: ("before" | "after")[] = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
      runs[model] ??= { before: [], after: [] };
      for (const tree of order) {
        const args = ["tsx", self, "--child", "--root", trees[tree], "--model", model, "--params", JSON.stringify(setting.params), "--data", data];
        if (setting.binarize) args.push("--binarize");
        const result = spawnSync("npx", args, { encoding: "utf8", maxBuffer: 16 << 20 });
        const line = result.stdout.trim().split("\n").pop() ?? "";
        if (result.status !== 0 || !line.startsWith("{")) throw new Error(`${model} (${tree}) failed: ${result.stderr.slice(-2000)}`);
        const timing = JSON.parse(line) as FitTiming;
        runs[model][tree].push(timing);
        console.log(`${model} ${tree}: ${(timing.seconds / timing.epochs).toFixed(3)} s/epoch wall, ${(timing.cpuSeconds / timing.epochs).toFixed(3)} s/epoch cpu`);
      }
    }
  }
  const rows = Object.entries(runs).map(([model, { before, after }]) => {
    const perEpoch = (timings: FitTiming[], key: "seconds" | "cpuSeconds") => median(timings.map((t) => t[key] / t.epochs));
    const row = {
      model,
      params: models[model].params,
      beforeWall: perEpoch(before, "seconds"),
      afterWall: perEpoch(after, "seconds"),
      beforeCpu: perEpoch(before, "cpuSeconds"),
      afterCpu: perEpoch(after, "cpuSeconds"),
    };
    return { ...row, wallRatio: row.afterWall / row.beforeWall, cpuRatio: row.afterCpu / row.beforeCpu };
  });
  console.log("\n| model | before s/epoch (wall) | after | ratio | before s/epoch (cpu) | after | ratio |\n|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| \`${r.model}\` | ${r.beforeWall.toFixed(3)} | ${r.afterWall.toFixed(3)} | ${r.wallRatio.toFixed(2)} | ${r.beforeCpu.toFixed(3)} | ${r.afterCpu.toFixed(3)} | ${r.cpuRatio.toFixed(2)} |`,
    );
  }
  const report = {
    trees,
    rounds,
    loadAverage: { before: loadBefore, after: os.loadavg() },
    cpus: os.cpus().length,
    rows,
    runs,
    command: `npm run bench:training-speed -- ${process.argv.slice(2).join(" ")}`,
  };
  fs.mkdirSync(path.dirname(values.out), { recursive: true });
  fs.writeFileSync(values.out, JSON.stringify(report, null, 2) + "\n");
  console.log(`wrote ${values.out}`);
});
