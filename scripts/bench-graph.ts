// npm run bench:graph -- <mode> [options]
//
// Benchmarks of the graph layer and the graph models on Gowalla (the NGCF/LightGCN split).
//   --build                 graphology build of train+test (~1M edges), CSR/Â export, statistics,
//                           explanations and graph similar items; writes results/gowalla-graph-build.json
//   --kernels               Â·X on Gowalla's Â (1.62M non-zeros, 64 columns): JS loops, WebAssembly SIMD,
//                           tf gather + unsortedSegmentSum; BPR loss+gradient typed-array vs tf autograd;
//                           Adam; one LightGCN step broken down; NGCF's dense products (SIMD, JS, tf.matMul)
//                           and one NGCF step; writes results/gowalla-kernels.json
//   --filter <model>        gfcf, bspm or chebycf (graph filters, training-free): fit seconds, peak RSS, and the latency
//                           of scoring one user with a new rating folded in (recommendForProfile, top 20) and
//                           of a trained user (recommend), over --users sampled users; writes
//                           results/gowalla-filter-<model>.json. With --svd-compare <rank>: the JS
//                           double-precision randomizedSvd against the device bipartiteSvd on R̃ at that rank
//   --train <model>         trains lightgcn or ngcf on train.txt and records Recall@20/NDCG@20 on test.txt
//                           every --eval-every epochs against training time (the curve); writes
//                           results/gowalla-<model>.json after every checkpoint
// Options:
//   --path <dir>            the Gowalla folder (default $DATASETS_DIR/gowalla, else /work/shared/datasets/gowalla)
//   --params <json|k=v,..>  model hyper-parameters (registry names and ranges)
//   --eval-every <epochs>   test checkpoints (default 5)
//   --validation <v>        none (default): no early stopping, the test curve is reported as measured
//                           (the test set is NOT used to pick anything: the last checkpoint is the result);
//                           lightgcnpp: train on lightgcnpp-split/train.txt, early-stop on its valid.txt
//   --seed <n>              default 42
//   --out <file>            JSON report path
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { openDataset } from "../src/data/formats";
import { Interactions } from "../src/data/interactions";
import { ValidationError } from "../src/errors";
import { InteractionGraph, explainPaths, graphSimilarItems, normalizedAdjacency } from "../src/graph";
import { createRng, fillNormal } from "../src/math/random";
import { spmmBlocked8, spmmPlain, type CsrMatrix } from "../src/math/sparse";
import { bipartiteSvd, randomizedSvd } from "../src/math/svd";
import { normalizedGraph } from "../src/models/graph/graphFilterDevice";
import { WasmDevice, gemmJs } from "../src/math/wasmDevice";
import { bprLossAndGrad } from "../src/models/training";
import { NgcfNetwork } from "../src/models/graph/ngcf";
import { resolveParams, createModel } from "../src/models/registry";
import { Adam, BprSampler, rankingValidation, validationUsers } from "../src/models/training";
import type { Recommender, TrainingProgress } from "../src/models/types";
import { initTf, tf } from "../src/tf/backend";
import { HELP, UsageError, parseCli, runMain } from "./lib/cli";

const usage = `usage: npm run bench:graph -- (--build | --kernels | --train <lightgcn|ngcf>)
  [--path <gowalla dir>] [--params '{"lr":0.01}' | lr=0.01,batchSize=16384] [--eval-every 5]
  [--validation none|lightgcnpp] [--seed 42] [--out results/gowalla-<model>.json]
  npm run bench:graph -- --filter <gfcf|bspm|chebycf> [--params ...] [--users 1000] [--svd-compare <rank>] [--out ...]`;

interface Split {
  train: Interactions;
  test: Interactions;
  validation?: Interactions;
  files: string[];
}

/**
 * Reads LightGCN-format files with the project's reader (openDataset "interactions-txt"). Their ids
 * are the papers' remapped 0-based integers, so index = id and all files share one index space.
 */
async function readTxt(files: string[]): Promise<{ parts: { users: number[]; items: number[] }[]; nUsers: number; nItems: number }> {
  let nUsers = 0;
  let nItems = 0;
  const parts: { users: number[]; items: number[] }[] = [];
  for (const file of files) {
    const users: number[] = [];
    const items: number[] = [];
    for await (const r of openDataset("interactions-txt", file).ratings()) {
      const u = Number(r.user);
      const i = Number(r.item);
      if (!Number.isInteger(u) || !Number.isInteger(i) || u < 0 || i < 0) throw new ValidationError("path", file, "LightGCN-format ids (0-based integers)");
      users.push(u);
      items.push(i);
      if (u >= nUsers) nUsers = u + 1;
      if (i >= nItems) nItems = i + 1;
    }
    parts.push({ users, items });
  }
  return { parts, nUsers, nItems };
}

function toMatrix(part: { users: number[]; items: number[] }, nUsers: number, nItems: number): Interactions {
  return Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(part.users),
    items: Int32Array.from(part.items),
    values: new Float32Array(part.users.length).fill(1),
  });
}

async function loadGowalla(dir: string, validation: "none" | "lightgcnpp"): Promise<Split> {
  const files =
    validation === "lightgcnpp"
      ? [path.join(dir, "lightgcnpp-split", "train.txt"), path.join(dir, "test.txt"), path.join(dir, "lightgcnpp-split", "valid.txt")]
      : [path.join(dir, "train.txt"), path.join(dir, "test.txt")];
  for (const f of files) if (!fs.existsSync(f)) throw new ValidationError("path", f, "an existing LightGCN-format file");
  const { parts, nUsers, nItems } = await readTxt(files);
  return {
    train: toMatrix(parts[0], nUsers, nItems),
    test: toMatrix(parts[1], nUsers, nItems),
    validation: parts[2] ? toMatrix(parts[2], nUsers, nItems) : undefined,
    files,
  };
}

function parseParams(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (raw.trim().startsWith("{")) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const pair of raw.split(",").filter(Boolean)) {
    const [k, v] = pair.split("=");
    if (!k || v === undefined) throw new UsageError(`--params: ${pair} is not key=value\n${usage}`);
    out[k.trim()] = v.trim();
  }
  return out;
}

function machine(): Record<string, unknown> {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg().map((l) => +l.toFixed(2)) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median wall milliseconds of `reps` runs (after one warm-up). */
function time(reps: number, fn: () => void): { medianMs: number; minMs: number; runs: number[] } {
  fn();
  const runs: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    runs.push(+(performance.now() - t0).toFixed(2));
  }
  return { medianMs: +median(runs).toFixed(2), minMs: Math.min(...runs), runs };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

const log = (message: string) => process.stderr.write(`${message}\n`);

// ---------------------------------------------------------------------------------------------

async function benchBuild(dir: string, out: string): Promise<void> {
  const t0 = performance.now();
  const { parts, nUsers, nItems } = await readTxt([path.join(dir, "train.txt"), path.join(dir, "test.txt")]);
  const all = toMatrix({ users: [...parts[0].users, ...parts[1].users], items: [...parts[0].items, ...parts[1].items] }, nUsers, nItems);
  const readSeconds = (performance.now() - t0) / 1000;
  log(`read ${all.nnz} interactions (${nUsers} users, ${nItems} items) in ${readSeconds.toFixed(2)} s`);
  const t1 = performance.now();
  const graph = InteractionGraph.fromInteractions(all);
  const buildSeconds = (performance.now() - t1) / 1000;
  log(`graphology build: ${graph.graph.order} nodes, ${graph.nEdges} edges in ${buildSeconds.toFixed(2)} s (${((buildSeconds * 1e6) / graph.nEdges).toFixed(2)} µs/edge)`);
  const t2 = performance.now();
  const adjacency = graph.normalizedAdjacency();
  const adjacencySeconds = (performance.now() - t2) / 1000;
  const t3 = performance.now();
  const stats = graph.stats();
  const statsSeconds = (performance.now() - t3) / 1000;
  log(`Â export ${adjacencySeconds.toFixed(3)} s (${adjacency.indptr[adjacency.nRows]} nnz); stats ${statsSeconds.toFixed(3)} s`);
  // Incremental update then a full CSR rebuild from graphology (what the first read after an update costs).
  const t4 = performance.now();
  graph.upsertInteraction("0", "1", 1, null);
  graph.upsertInteraction("bench-new-user", "0", 1, null);
  const upsertMs = performance.now() - t4;
  const t5 = performance.now();
  graph.toInteractions();
  const rebuildSeconds = (performance.now() - t5) / 1000;
  // Explanations and similar items for 20 seeded (user, test item) pairs.
  const rng = createRng(7);
  const explainMs: number[] = [];
  const similarMs: number[] = [];
  for (let q = 0; q < 20; q++) {
    const u = rng.int(nUsers);
    const items = parts[1].items;
    const item = items[rng.int(items.length)];
    const e0 = performance.now();
    explainPaths(graph, u, item, { maxPaths: 5, maxItems: 5 });
    explainMs.push(performance.now() - e0);
    const s0 = performance.now();
    graphSimilarItems(graph, item, 10);
    similarMs.push(performance.now() - s0);
  }
  const report = {
    command: `npm run bench:graph -- ${process.argv.slice(2).join(" ")}`,
    dataset: "gowalla train.txt + test.txt",
    path: dir,
    nodes: graph.graph.order - 1,
    edges: all.nnz,
    readSeconds,
    buildSeconds,
    microsecondsPerEdge: (buildSeconds * 1e6) / all.nnz,
    adjacencyExportSeconds: adjacencySeconds,
    adjacencyNnz: adjacency.indptr[adjacency.nRows],
    statsSeconds,
    upsertTwoEdgesMs: upsertMs,
    csrRebuildAfterUpdateSeconds: rebuildSeconds,
    explainPathsMs: { median: median(explainMs), max: Math.max(...explainMs) },
    graphSimilarItemsMs: { median: median(similarMs), max: Math.max(...similarMs) },
    stats,
    machine: machine(),
    date: new Date().toISOString(),
    note: "wall-clock on a shared 2-core machine; other jobs make timings noisy",
  };
  log(`upsert ${upsertMs.toFixed(2)} ms; CSR rebuild ${rebuildSeconds.toFixed(2)} s; explain median ${median(explainMs).toFixed(1)} ms; similar median ${median(similarMs).toFixed(1)} ms`);
  writeJson(out, report);
  log(`wrote ${out}`);
}

// ---------------------------------------------------------------------------------------------

async function benchKernels(dir: string, out: string, seed: number): Promise<void> {
  const backend = await initTf({ log });
  const { train } = await loadGowalla(dir, "none");
  const a: CsrMatrix = normalizedAdjacency(train);
  const n = a.nRows;
  const nnz = a.indptr[n];
  const d = 64;
  const flops = 2 * nnz * d;
  const x = fillNormal(new Float32Array(n * d), createRng(seed), 0.1);
  const y = new Float32Array(n * d);
  const gflops = (ms: number) => +(flops / ms / 1e6).toFixed(3);
  const results: Record<string, unknown> = {};
  log(`Â: ${n} nodes, ${nnz} non-zeros; ${flops / 1e6} MFLOP per product`);

  const plain = time(3, () => spmmPlain(a.indptr, a.indices, a.values, x, d, y, 0, n));
  results.spmmJsPlain = { ...plain, gflops: gflops(plain.medianMs) };
  log(`spmm JS plain        ${plain.medianMs} ms  ${gflops(plain.medianMs)} GFLOP/s`);
  const blocked = time(5, () => spmmBlocked8(a.indptr, a.indices, a.values, x, d, y, 0, n));
  results.spmmJs8Accumulators = { ...blocked, gflops: gflops(blocked.medianMs) };
  log(`spmm JS 8 acc        ${blocked.medianMs} ms  ${gflops(blocked.medianMs)} GFLOP/s`);
  const engine = new WasmDevice(a, d, 2);
  engine.buffer(0).set(x);
  const simd = time(9, () => engine.multiply(0, 1));
  results.spmmWasmSimd = { ...simd, gflops: gflops(simd.medianMs), backend: engine.backend };
  log(`spmm WASM SIMD       ${simd.medianMs} ms  ${gflops(simd.medianMs)} GFLOP/s`);
  let maxDiff = 0;
  spmmBlocked8(a.indptr, a.indices, a.values, x, d, y, 0, n);
  for (let k = 0; k < y.length; k++) maxDiff = Math.max(maxDiff, Math.abs(y[k] - engine.buffer(1)[k]));
  results.simdMaxAbsDiffVsJs = maxDiff;
  // The same kernel with the rows split over worker threads (shared WebAssembly memory).
  for (const threads of [2, os.cpus().length].filter((t, k, all) => t > 1 && all.indexOf(t) === k)) {
    const threaded = new WasmDevice(a, d, 2, { threads });
    threaded.buffer(0).set(x);
    const run = time(9, () => threaded.multiply(0, 1));
    let diff = 0;
    for (let k = 0; k < y.length; k++) diff = Math.max(diff, Math.abs(y[k] - threaded.buffer(1)[k]));
    results[`spmmWasmSimd${threads}Threads`] = { ...run, gflops: gflops(run.medianMs), maxAbsDiffVsJs: diff };
    log(`spmm WASM SIMD ×${threads}    ${run.medianMs} ms  ${gflops(run.medianMs)} GFLOP/s`);
    threaded.dispose();
  }

  // tf: gather rows, scale by the values, segment-sum into rows (forward only; one run, it is slow).
  const rowOf = new Int32Array(nnz);
  for (let r = 0; r < n; r++) rowOf.fill(r, a.indptr[r], a.indptr[r + 1]);
  const xt = tf.tensor2d(x, [n, d]);
  const cols = tf.tensor1d(a.indices, "int32");
  const vals = tf.tensor2d(a.values, [nnz, 1]);
  const rows = tf.tensor1d(rowOf, "int32");
  const tfRun = time(1, () => {
    const r = tf.tidy(() => tf.unsortedSegmentSum(tf.mul(tf.gather(xt, cols), vals), rows, n));
    r.dataSync();
    r.dispose();
  });
  tf.dispose([xt, cols, vals, rows]);
  results.spmmTfGatherSegmentSum = { ...tfRun, gflops: gflops(tfRun.medianMs), backend };
  log(`spmm tf gather+segSum ${tfRun.medianMs} ms  ${gflops(tfRun.medianMs)} GFLOP/s`);

  // BPR loss + gradient for one batch: typed-array loop vs tf autograd on the gathered rows.
  const B = 16384;
  const nU = train.nUsers;
  const sampler = new BprSampler(train, createRng(seed + 1));
  const users = new Int32Array(B);
  const pos = new Int32Array(B);
  const neg = new Int32Array(B);
  const sampling = time(5, () => sampler.sample(users, pos, neg));
  results.sample16k = sampling;
  const grad = new Float32Array(n * d);
  const typed = time(5, () => {
    grad.fill(0);
    bprLossAndGrad(x, d, nU, users, pos, neg, grad);
  });
  results.bpr16kTyped = typed;
  const gather = (idx: Int32Array, offset: number) => {
    const rowsOut = new Float32Array(idx.length * d);
    for (let s = 0; s < idx.length; s++) rowsOut.set(x.subarray((idx[s] + offset) * d, (idx[s] + offset + 1) * d), s * d);
    return rowsOut;
  };
  const tfBpr = time(5, () => {
    const eu = tf.tensor2d(gather(users, 0), [B, d]);
    const ei = tf.tensor2d(gather(pos, nU), [B, d]);
    const ej = tf.tensor2d(gather(neg, nU), [B, d]);
    const g = tf.grads((u: tf.Tensor, i: tf.Tensor, j: tf.Tensor) => tf.mean(tf.softplus(tf.neg(tf.sum(tf.mul(u, tf.sub(i, j)), 1)))));
    const gs = g([eu, ei, ej]);
    const arrays = gs.map((t) => t.dataSync());
    // scatter back into the dense gradient, as the typed loop does
    grad.fill(0);
    for (let s = 0; s < B; s++) {
      for (const [k, idx, offset] of [
        [0, users, 0],
        [1, pos, nU],
        [2, neg, nU],
      ] as const) {
        const o = (idx[s] + offset) * d;
        for (let c = 0; c < d; c++) grad[o + c] += arrays[k][s * d + c];
      }
    }
    tf.dispose([eu, ei, ej, ...gs]);
  });
  results.bpr16kTfAutograd = tfBpr;
  log(`BPR 16k typed ${typed.medianMs} ms; tf autograd (incl. gather/scatter) ${tfBpr.medianMs} ms; sampling ${sampling.medianMs} ms`);
  const adam = new Adam(0.01);
  const params = x.slice();
  const adamTime = time(5, () => adam.step(params, grad));
  results.adamFullTable = adamTime;
  log(`Adam over ${n}×${d}: ${adamTime.medianMs} ms`);
  engine.dispose();

  // NGCF's dense parts: [n × 64]·[64 × 64] products (X·W forward, dZ·Wᵀ and Xᵀ·dZ backward) on
  // the SIMD kernels (1 and 2 threads), tf.matMul on the same backend, and a JS loop; then one
  // NGCF step (3 layers, batch 32,768) broken down.
  const gemmFlops = 2 * n * d * d;
  const gemmGflops = (ms: number) => +(gemmFlops / ms / 1e6).toFixed(2);
  for (const threads of [1, 2]) {
    const dense = new WasmDevice(a, d, 2, { threads, extraFloats: 2 * d * d });
    dense.buffer(0).set(x);
    const w = dense.extra().subarray(0, d * d);
    fillNormal(w, createRng(seed + 2), 0.1);
    const forward = time(9, () => dense.gemm(dense.buffer(0), w, dense.buffer(1), n, d, d));
    const transposedA = time(9, () => dense.gemmTransposedA(dense.buffer(0), dense.buffer(1), dense.extra().subarray(d * d), n, d, d));
    results[`gemmWasmSimd${threads}Thread${threads > 1 ? "s" : ""}`] = { xw: { ...forward, gflops: gemmGflops(forward.medianMs) }, xtY: { ...transposedA, gflops: gemmGflops(transposedA.medianMs) } };
    log(`gemm ${n}×64·64×64 SIMD ×${threads}: X·W ${forward.medianMs} ms (${gemmGflops(forward.medianMs)} GFLOP/s), Xᵀ·Y ${transposedA.medianMs} ms (${gemmGflops(transposedA.medianMs)} GFLOP/s)`);
    dense.dispose();
  }
  const wPlain = fillNormal(new Float32Array(d * d), createRng(seed + 2), 0.1);
  const gemmJsRun = time(1, () => gemmJs(x, wPlain, y, n, d, d));
  results.gemmJs = { ...gemmJsRun, gflops: gemmGflops(gemmJsRun.medianMs) };
  const xTensor = tf.tensor2d(x, [n, d]);
  const wTensor = tf.tensor2d(wPlain, [d, d]);
  const tfMatMul = time(5, () => {
    const r = tf.matMul(xTensor, wTensor);
    r.dataSync();
    r.dispose();
  });
  tf.dispose([xTensor, wTensor]);
  results.gemmTfMatMul = { ...tfMatMul, gflops: gemmGflops(tfMatMul.medianMs), backend, note: "includes reading the result back (dataSync)" };
  log(`gemm JS loop ${gemmJsRun.medianMs} ms (${gemmGflops(gemmJsRun.medianMs)} GFLOP/s); tf.matMul (${backend}, incl. dataSync) ${tfMatMul.medianMs} ms (${gemmGflops(tfMatMul.medianMs)} GFLOP/s)`);
  {
    const batch = 32768;
    const network = new NgcfNetwork(a, d, 3, { leakySlope: 0.2, messageDropout: 0.1, kernel: "auto", threads: 2, seed, maxBatch: batch });
    network.ego().set(fillNormal(new Float32Array(n * d), createRng(seed + 3), 0.01));
    fillNormal(network.weights, createRng(seed + 4), 0.1);
    const sampler = new BprSampler(train, createRng(seed + 5));
    const [u, i, j] = [new Int32Array(batch), new Int32Array(batch), new Int32Array(batch)];
    sampler.sample(u, i, j);
    const forward = time(5, () => network.forward(true));
    const backward = time(5, () => {
      network.forward(true);
      network.lossAndBackward(train.nUsers, u, i, j, 1e-5);
    });
    results.ngcfStep = {
      batch,
      forwardMs: forward.medianMs,
      forwardBackwardMs: backward.medianMs,
      threads: network.threads,
      note: "3 layers × (1 Â·X, 2 X·W) forward; backward 3 × (1 Â·X, 2 dZ·Wᵀ, 2 Xᵀ·dZ) + BPR + element-wise kernels",
    };
    log(`NGCF step (batch ${batch}): forward ${forward.medianMs} ms, forward + backward ${backward.medianMs} ms`);
    network.dispose();
  }

  const report = {
    command: `npm run bench:graph -- ${process.argv.slice(2).join(" ")}`,
    dataset: "gowalla train.txt: Â over users ∪ items",
    nodes: n,
    nnz,
    dim: d,
    mflopPerProduct: flops / 1e6,
    results,
    machine: machine(),
    date: new Date().toISOString(),
    note: "median wall ms; shared 2-core machine (single-core SGEMM limit ~145 GFLOP/s; SpMM is memory-bound)",
  };
  writeJson(out, report);
  log(`wrote ${out}`);
}

// ---------------------------------------------------------------------------------------------

async function benchTrain(modelName: string, dir: string, raw: Record<string, unknown>, evalEvery: number, validation: "none" | "lightgcnpp", seed: number, out: string): Promise<void> {
  if (modelName !== "lightgcn" && modelName !== "ngcf") throw new ValidationError("train", modelName, "lightgcn or ngcf");
  const backend = await initTf({ log });
  const split = await loadGowalla(dir, validation);
  const { train, test } = split;
  log(`gowalla: ${train.nUsers} users, ${train.nItems} items, train ${train.nnz}, test ${test.nnz}${split.validation ? `, valid ${split.validation.nnz}` : ""}`);
  const params = { ...resolveParams(modelName, raw), evalEvery, ...(validation === "none" ? { validationFraction: 0 } : {}) };
  const model = createModel(modelName, { ...raw, evalEvery, ...(validation === "none" ? { validationFraction: 0 } : {}) }) as Recommender & {
    fitWith(data: { interactions: Interactions; implicit: boolean }, context: object, options: object): Promise<import("../src/models/types").FitReport>;
  };
  const testUsers = validationUsers(test, 0, createRng(seed));
  const testMetrics = () => {
    const m = rankingValidation((u, o) => model.scoreUsers(u, o), train, test, testUsers, 20, 256);
    return { recall: m["recall@20"], ndcg: m["ndcg@20"] };
  };
  const curve: { epoch: number; trainSeconds: number; wallSeconds: number; loss: number; recall: number; ndcg: number; evalSeconds: number; validation?: Record<string, number>; loadavg: number }[] =
    [];
  const started = performance.now();
  const report = {
    command: `npm run bench:graph -- ${process.argv.slice(2).join(" ")}`,
    dataset: "gowalla",
    files: split.files,
    protocol:
      "train on train.txt; Recall@20 (hits/|test items|) and NDCG@20 over all items the user has no training interaction with, " +
      `for the ${testUsers.length} users with test items, measured on test.txt at every checkpoint` +
      (validation === "none" ? "; no early stopping and no selection on test: the result is the last checkpoint" : "; early stopping and weights from LightGCN++'s valid.txt"),
    model: modelName,
    params,
    seed,
    backend,
    curve,
    result: undefined as undefined | Record<string, unknown>,
    machine: machine(),
    date: new Date().toISOString(),
    note: "trainSeconds excludes the test evaluations of the curve (validation checks, when used, are included); the machine is shared with other jobs",
  };
  const fit = await model.fitWith(
    { interactions: train, implicit: true },
    {
      seed,
      log,
      onProgress: (p: TrainingProgress) => {
        const v = p.validation ? ` valid recall@20 ${p.validation["recall@20"]?.toFixed(4)}` : "";
        log(`epoch ${p.epoch} loss ${p.loss?.toFixed(5)}${v} train ${p.elapsed.toFixed(0)} s ${p.message ?? ""}`);
      },
    },
    {
      validation: split.validation,
      hooks: {
        onCheckpoint: (info: { epoch: number; trainSeconds: number; loss: number; validation?: Record<string, number> }) => {
          const e0 = performance.now();
          const m = testMetrics();
          const evalSeconds = (performance.now() - e0) / 1000;
          curve.push({
            epoch: info.epoch,
            trainSeconds: +info.trainSeconds.toFixed(1),
            wallSeconds: +((performance.now() - started) / 1000).toFixed(1),
            loss: info.loss,
            recall: +m.recall.toFixed(5),
            ndcg: +m.ndcg.toFixed(5),
            evalSeconds: +evalSeconds.toFixed(1),
            ...(info.validation ? { validation: info.validation } : {}),
            loadavg: +os.loadavg()[0].toFixed(2),
          });
          log(
            `CHECKPOINT epoch ${info.epoch} train ${info.trainSeconds.toFixed(0)} s: test recall@20 ${m.recall.toFixed(4)} ndcg@20 ${m.ndcg.toFixed(4)} (eval ${evalSeconds.toFixed(1)} s, load ${os.loadavg()[0].toFixed(1)})`,
          );
          report.machine = machine();
          writeJson(out, report);
        },
      },
    },
  );
  const final = testMetrics();
  report.result = { "recall@20": final.recall, "ndcg@20": final.ndcg, epochs: fit.epochs, fitSeconds: fit.seconds, notes: fit.notes };
  report.machine = machine();
  writeJson(out, report);
  log(`final: recall@20 ${final.recall.toFixed(4)} ndcg@20 ${final.ndcg.toFixed(4)} after ${fit.epochs} epochs; wrote ${out}`);
  model.dispose();
}

/** The training-free graph filters (src/models/graph/graphFilter.ts). */
const FILTER_MODELS = ["gfcf", "bspm", "chebycf"];

/** Milliseconds at the given quantile (0–1) of unsorted samples. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const megabytes = (kilobytes: number) => Math.round(kilobytes / 1024);

async function benchFilter(modelName: string, dir: string, raw: Record<string, unknown>, nUsers: number, svdRank: number | undefined, seed: number, out: string): Promise<void> {
  if (!FILTER_MODELS.includes(modelName)) throw new ValidationError("filter", modelName, `one of ${FILTER_MODELS.join(", ")}`);
  const split = await loadGowalla(dir, "none");
  const { train } = split;
  const params = resolveParams(modelName, raw);
  const report: Record<string, unknown> = { model: modelName, params, data: { files: split.files, users: train.nUsers, items: train.nItems, trainInteractions: train.nnz } };
  const rssBefore = megabytes(process.resourceUsage().maxRSS);
  const model = createModel(modelName, params);
  const f0 = performance.now();
  const fit = await model.fit({ interactions: train, implicit: true }, { seed, log });
  const fitSeconds = (performance.now() - f0) / 1000;
  log(`${modelName}: fit ${fitSeconds.toFixed(1)} s (${JSON.stringify(fit.notes)})`);

  // Users with a training row, seeded; each gets one unseen item as a new rating.
  const rng = createRng(seed);
  const candidates = Array.from({ length: train.nUsers }, (_, u) => u).filter((u) => train.indptr[u + 1] > train.indptr[u]);
  const picked = Array.from({ length: nUsers }, () => candidates[rng.int(candidates.length)]);
  const foldIn: number[] = [];
  const trained: number[] = [];
  for (const u of picked) {
    const row = train.indices.subarray(train.indptr[u], train.indptr[u + 1]);
    let extra = rng.int(train.nItems);
    while (row.includes(extra)) extra = rng.int(train.nItems);
    const items = Int32Array.from([...row, extra]);
    const t0 = performance.now();
    model.recommendForProfile({ items, values: new Float32Array(items.length).fill(1) }, 20, { exclude: items });
    foldIn.push(performance.now() - t0);
    const t1 = performance.now();
    model.recommend(u, 20, { exclude: row });
    trained.push(performance.now() - t1);
  }
  const summary = (xs: number[]) => ({
    p50: +quantile(xs, 0.5).toFixed(2),
    p90: +quantile(xs, 0.9).toFixed(2),
    p99: +quantile(xs, 0.99).toFixed(2),
    max: +Math.max(...xs).toFixed(2),
    mean: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(2),
  });
  report.fit = { seconds: fitSeconds, notes: fit.notes };
  report.scoringMs = { users: nUsers, foldInNewRatingTop20: summary(foldIn), trainedUserTop20: summary(trained) };
  report.peakRssMb = { beforeModel: rssBefore, afterFitAndScoring: megabytes(process.resourceUsage().maxRSS) };
  log(`${modelName}: one user with a new rating folded in, top 20: ${JSON.stringify(report.scoringMs)}; peak RSS ${JSON.stringify(report.peakRssMb)} MB`);
  model.dispose();

  if (svdRank !== undefined) {
    const graph = normalizedGraph(train);
    const g = graph.bipartite;
    const rows = train.nUsers;
    // R̃ as its own CSR (the user rows of the bipartite matrix, columns shifted back to items).
    const nnz = g.indptr[rows];
    const a = {
      rows,
      cols: train.nItems,
      indptr: g.indptr.slice(0, rows + 1),
      indices: Int32Array.from(g.indices.subarray(0, nnz), (c) => c - rows),
      values: Float64Array.from(g.values.subarray(0, nnz)),
    };
    const options = { oversample: 16, powerIterations: 2 };
    const d0 = performance.now();
    const device = bipartiteSvd(g, rows, svdRank, { ...options, rng: createRng(seed), threads: 2 });
    const deviceSeconds = (performance.now() - d0) / 1000;
    log(`bipartiteSvd rank ${svdRank}: ${deviceSeconds.toFixed(1)} s`);
    const j0 = performance.now();
    const js = randomizedSvd(a, svdRank, { ...options, rng: createRng(seed) });
    const jsSeconds = (performance.now() - j0) / 1000;
    log(`randomizedSvd rank ${svdRank}: ${jsSeconds.toFixed(1)} s`);
    let worst = 0;
    for (let q = 0; q < svdRank; q++) worst = Math.max(worst, Math.abs(device.s[q] - js.s[q]));
    report.svdCompare = { rank: svdRank, ...options, deviceSeconds, jsSeconds, speedup: +(jsSeconds / deviceSeconds).toFixed(1), maxSingularValueDifference: worst };
  }
  report.machine = machine();
  writeJson(out, report);
  log(`wrote ${out}`);
}

runMain(async () => {
  const text = { type: "string" } as const;
  const { values } = parseCli(usage, () =>
    parseArgs({
      args: process.argv.slice(2),
      options: {
        ...HELP,
        train: text,
        path: text,
        params: text,
        "eval-every": text,
        validation: text,
        seed: text,
        out: text,
        build: { type: "boolean" },
        kernels: { type: "boolean" },
        filter: text,
        users: text,
        "svd-compare": text,
      },
    }),
  );
  const dir = values.path ?? path.join(process.env.DATASETS_DIR ?? "/work/shared/datasets", "gowalla");
  if (!fs.existsSync(dir)) throw new ValidationError("path", dir, "the Gowalla folder (train.txt, test.txt)");
  const seed = Number(values.seed ?? 42);
  if (!Number.isInteger(seed) || seed < 0) throw new ValidationError("seed", values.seed, "a non-negative integer");
  if (values.build) return benchBuild(dir, values.out ?? "results/gowalla-graph-build.json");
  if (values.kernels) return benchKernels(dir, values.out ?? "results/gowalla-kernels.json", seed);
  if (values.filter) {
    const users = Number(values.users ?? 1000);
    if (!Number.isInteger(users) || users < 1 || users > 100000) throw new ValidationError("users", values.users, "an integer in 1–100000");
    const svdRank = values["svd-compare"] === undefined ? undefined : Number(values["svd-compare"]);
    if (svdRank !== undefined && !(Number.isInteger(svdRank) && svdRank >= 1 && svdRank <= 1024)) throw new ValidationError("svd-compare", values["svd-compare"], "an integer in 1–1024");
    return benchFilter(values.filter, dir, parseParams(values.params), users, svdRank, seed, values.out ?? `results/gowalla-filter-${values.filter}.json`);
  }
  const model = values.train;
  if (!model) throw new UsageError(usage);
  const evalEvery = Number(values["eval-every"] ?? 5);
  if (!Number.isInteger(evalEvery) || evalEvery < 1) throw new ValidationError("eval-every", values["eval-every"], "a positive integer");
  const validation = values.validation ?? "none";
  if (validation !== "none" && validation !== "lightgcnpp") throw new ValidationError("validation", validation, "none or lightgcnpp");
  return benchTrain(model, dir, parseParams(values.params), evalEvery, validation, seed, values.out ?? `results/gowalla-${model}.json`);
});
