// npm run bench:sasrec -- [--dataset movielens-100k] [--path /work/shared/datasets/ml-100k] [--seed 42]
//   [--params maxLength=200,epochs=400] [--baselines popularity,ials] [--negatives 100] [--out results/bench-sasrec.json]
//
// SASRec under the paper's protocol ("loo-sampled"): each user's last interaction (by time) is
// the test item, ranked against `negatives` items sampled uniformly from those the user never
// interacted with (distinct, seeded); HR@10 and NDCG@10 over users (a tie counts against the test item). Inside fit, SASRec holds out each user's
// second-to-last item for validation and early stopping. Baselines (any registry model, default
// params) are trained on the same split and ranked against the same candidates. All data are
// treated as implicit (every rating is an interaction). Prints epoch time, epochs to convergence
// and the metrics; writes a JSON report.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadDataset } from "../src/data/dataset";
import { openDataset, parseFormat } from "../src/data/formats";
import type { Interactions } from "../src/data/interactions";
import { leaveLastOut } from "../src/data/splits";
import { createRng } from "../src/math/random";
import { createModel, resolveParams } from "../src/models/registry";
import type { FitReport, Recommender } from "../src/models/types";
import { initTf } from "../src/tf/backend";
import { HELP, parseCli, runMain } from "./lib/cli";

const usage = `usage: npm run bench:sasrec -- [--dataset <format>] [--path <dir>] [--seed N] [--params k=v,...]
  [--baselines m1,m2] [--negatives 100] [--out results/bench-sasrec.json]
Leave-last-out sampled evaluation (HR@10, NDCG@10 against 100 sampled unseen items) of SASRec.`;

interface ModelResult {
  model: string;
  params: Record<string, unknown>;
  fitSeconds: number;
  epochs: number;
  meanEpochSeconds?: number;
  /** Median epoch time: robust to other processes' bursts on a shared machine. */
  medianEpochSeconds?: number;
  epochSeconds?: number[];
  bestEpoch?: unknown;
  bestValidation?: unknown;
  "hr@10": number;
  "ndcg@10": number;
  users: number;
  lossCurve?: number[];
  validationCurve?: FitReport["validationCurve"];
}

runMain(async () => {
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        dataset: { type: "string" },
        path: { type: "string" },
        seed: { type: "string" },
        params: { type: "string" },
        baselines: { type: "string" },
        negatives: { type: "string" },
        out: { type: "string" },
      },
    }),
  );
  const format = parseFormat(values.dataset ?? "movielens-100k", "dataset");
  const target = values.path ?? path.join(process.env.DATASETS_DIR ?? "/work/shared/datasets", "ml-100k");
  const seed = Number(values.seed ?? 42);
  const negatives = Number(values.negatives ?? 100);
  const out = values.out ?? "results/bench-sasrec.json";
  const sasrecRaw = parseParamList(values.params ?? "");
  const baselines = (values.baselines ?? "popularity").split(",").filter(Boolean);

  const backend = await initTf({ log: (m) => process.stderr.write(`${m}\n`) });
  const loadStart = performance.now();
  const dataset = await loadDataset(openDataset(format, target), format);
  const all = dataset.interactions.binarized();
  const { train, test } = leaveLastOut(all, 1);
  const testUsers = Int32Array.from({ length: all.nUsers }, (_, u) => u).filter((u) => test.userDegree(u) === 1);
  const candidates = sampleCandidates(all, test, testUsers, negatives, seed + 1);
  process.stderr.write(
    `${dataset.name}: ${all.nUsers} users, ${all.nItems} items, ${all.nnz} interactions (loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s); ` +
      `${testUsers.length} test users, ${negatives} sampled negatives each\n`,
  );

  const results: ModelResult[] = [];
  const loadBefore = os.loadavg();
  for (const name of [...baselines, "sasrec"]) {
    const raw = name === "sasrec" ? sasrecRaw : {};
    const params = resolveParams(name, raw);
    const model = createModel(name, raw);
    try {
      process.stderr.write(`\n${name} ${JSON.stringify(raw)}\n`);
      const report = await model.fit(
        { interactions: train, implicit: true, content: dataset.content },
        {
          seed,
          onProgress: (p) => {
            const v = p.validation ? ` valid HR@10 ${p.validation["hr@10"]?.toFixed(4)} NDCG@10 ${p.validation["ndcg@10"]?.toFixed(4)}` : "";
            process.stderr.write(`  epoch ${p.epoch}/${p.epochs} loss ${p.loss?.toFixed(4) ?? "-"}${v} (${p.elapsed.toFixed(1)} s)${p.message ? ` ${p.message}` : ""}\n`);
          },
          log: (m) => process.stderr.write(`  ${m}\n`),
        },
      );
      const metrics = rankTest(model, testUsers, candidates, negatives);
      const notes = report.notes ?? {};
      const result: ModelResult = {
        model: name,
        params,
        fitSeconds: report.seconds,
        epochs: report.epochs,
        meanEpochSeconds: typeof notes.meanEpochSeconds === "number" ? notes.meanEpochSeconds : undefined,
        medianEpochSeconds: Array.isArray(notes.epochSeconds) ? median(notes.epochSeconds as number[]) : undefined,
        epochSeconds: Array.isArray(notes.epochSeconds) ? (notes.epochSeconds as number[]) : undefined,
        bestEpoch: notes.bestEpoch,
        bestValidation: notes.bestValidation,
        ...metrics,
        users: testUsers.length,
        lossCurve: report.lossCurve,
        validationCurve: report.validationCurve,
      };
      results.push(result);
      process.stdout.write(
        `${name.padEnd(12)} HR@10 ${metrics["hr@10"].toFixed(4)}  NDCG@10 ${metrics["ndcg@10"].toFixed(4)}  fit ${report.seconds.toFixed(1)} s, ${report.epochs} epochs` +
          (result.medianEpochSeconds !== undefined
            ? `, epoch ${result.medianEpochSeconds.toFixed(2)} s median (${result.meanEpochSeconds?.toFixed(2)} s mean), best epoch ${String(result.bestEpoch)}`
            : "") +
          "\n",
      );
    } finally {
      model.dispose();
    }
  }

  const report = {
    command: `npm run bench:sasrec -- ${process.argv.slice(2).join(" ")}`.trim(),
    dataset: dataset.name,
    path: target,
    protocol: `loo-sampled: last item per user (by time) = test, ${negatives} uniformly sampled unseen negatives; SASRec validates on the second-to-last item inside fit`,
    seed,
    users: all.nUsers,
    items: all.nItems,
    interactions: all.nnz,
    backend,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavgBefore: loadBefore, loadavgAfter: os.loadavg() },
    date: new Date().toISOString(),
    results,
  };
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`\nwrote ${out}\n`);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parseParamList(text: string): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const pair of text.split(",").filter(Boolean)) {
    const [key, value] = pair.split("=", 2);
    raw[key.trim()] = value?.trim();
  }
  return raw;
}

/** Per test user: [test item, distinct negatives never interacted with], flattened. */
function sampleCandidates(all: Interactions, test: Interactions, users: Int32Array, negatives: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const width = negatives + 1;
  const out = new Int32Array(users.length * width);
  users.forEach((u, r) => {
    const taken = new Set(all.userItems(u));
    if (all.nItems - taken.size < negatives) throw new Error(`user ${u} has fewer than ${negatives} unseen items`);
    out[r * width] = test.userItems(u)[0];
    for (let c = 1; c < width; c++) {
      let item = rng.int(all.nItems);
      while (taken.has(item)) item = rng.int(all.nItems);
      taken.add(item);
      out[r * width + c] = item;
    }
  });
  return out;
}

/** HR@10 / NDCG@10 of the test item among its candidates (a tie counts against it). */
function rankTest(model: Recommender, users: Int32Array, candidates: Int32Array, negatives: number): { "hr@10": number; "ndcg@10": number } {
  const width = negatives + 1;
  const n = model.nItems;
  const chunk = 256;
  const scores = new Float32Array(chunk * n);
  let hits = 0;
  let ndcg = 0;
  for (let start = 0; start < users.length; start += chunk) {
    const part = users.subarray(start, start + chunk);
    model.scoreUsers(part, scores.subarray(0, part.length * n));
    for (let r = 0; r < part.length; r++) {
      const row = (start + r) * width;
      const positive = scores[r * n + candidates[row]];
      let rank = 0;
      for (let c = 1; c < width; c++) if (scores[r * n + candidates[row + c]] >= positive) rank++;
      if (rank < 10) {
        hits++;
        ndcg += 1 / Math.log2(rank + 2);
      }
    }
  }
  return { "hr@10": hits / users.length, "ndcg@10": ndcg / users.length };
}
