// LightGCN — X. He, K. Deng, X. Wang, Y. Li, Y. Zhang, M. Wang. "LightGCN: Simplifying and
// Powering Graph Convolution Network for Recommendation". SIGIR 2020.
//
// Propagation (no feature transforms, no non-linearities, no self-loops):
//   E^(k+1) = Â E^(k),  Â = D^-1/2 A D^-1/2 over users ∪ items (A = [[0, R], [Rᵀ, 0]]),
//   final E = Σ_{k=0..K} α_k E^(k) with α_k = 1/(K+1);   score(u, i) = e_u · e_i.
// Objective: BPR, mean over the batch of −ln σ(ŷ_ui − ŷ_uj) + λ · ½(‖e_u⁰‖² + ‖e_i⁰‖² + ‖e_j⁰‖²)/B,
// the L2 term on the ego (layer-0) embeddings of the batch, as in the paper's eq. 15 and code.
//
// Implementation. Only the ego embeddings E⁰ are parameters. Per optimisation step the whole
// propagation is recomputed (the batch's final embeddings depend on the whole graph):
//   forward  F = M E⁰ with M = (1/(K+1)) Σ_k Â^k, evaluated as K sparse × dense products;
//   backward ∂L/∂E⁰ = Mᵀ ∂L/∂F = M ∂L/∂F (Â is symmetric), K more products;
// both on the CSR Â with the WebAssembly SIMD kernel (src/math/wasmDevice.ts WasmDevice); the BPR
// gradient is written on the batch rows of F by a typed-array loop and Adam updates E⁰ in place.
// Large batches with a higher Adam learning rate amortise the 2K products per step.
//
// Measured on this 2-core machine (Gowalla Â: 70,839 nodes, 1,620,256 non-zeros, 64 columns;
// `npm run bench:graph -- --kernels`; medians, machine shared with other jobs, noisy):
//   one product Â·X: tf gather + unsortedSegmentSum (WASM) ~0.95 s (shared notes, 200k nnz);
//   typed-array CSR loop 8 accumulators 290–370 ms; WebAssembly SIMD kernel 60–95 ms;
//   BPR loss + gradient for 16,384 triples: see the bench report (typed-array loop vs tf autograd).
// Choice: SIMD kernel for Â·X, typed-array BPR and Adam (no tensor round trips per step);
// tf only for scoring (one matMul per batch of users).
//
// Fold-in (scoreProfile): a new user with items P has no ego embedding; its propagated layers are
//   e^(k) = Σ_{i∈P} e_i^(k−1) / sqrt(|P| d_i), so e = (1/(K+1)) Σ_{i∈P} (Σ_{k<K} e_i^(k)) / sqrt(|P| d_i)
// with the item layers of the trained graph (stored summed per item).
import { capabilities, defineModel } from "../definition";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, ModelState, TrainingData, UserProfile } from "../types";
import { normalizedAdjacency } from "../../graph/adjacency";
import { fillNormal } from "../../math/random";
import { WasmDevice, wasmDeviceBytes } from "../../math/wasmDevice";
import { FLOAT32_BYTES, denseMatrix } from "../memory";
import { Adam, addBatchL2, arrayState, bprLossAndGrad, modelRng } from "../training";
import { BprBatches, GraphEmbeddingModel, checkRows, dotAll, graphBatchParams, graphRunParams, graphTrainingMemory, startGraphFit, trainGraphModel, type GraphFitOptions } from "./common";

export const lightgcnParams = {
  dim: { type: "int", default: 64, min: 4, max: 512, description: "Embedding size" },
  layers: { type: "int", default: 3, min: 0, max: 8, description: "Propagation layers K (0 = matrix factorisation with BPR)" },
  lr: { type: "float", default: 0.01, min: 1e-6, max: 1, description: "Adam learning rate" },
  lrDecay: { type: "float", default: 1, min: 0.5, max: 1, description: "Learning rate multiplied by this after every epoch (1: constant)" },
  reg: { type: "float", default: 1e-4, min: 0, max: 1, description: "L2 weight λ on the batch's ego embeddings" },
  ...graphBatchParams,
  sampling: { type: "enum", default: "user", values: ["user", "interaction"], description: "Triple sampling: uniform user then positive (LightGCN code), or uniform interaction" },
  initStd: { type: "float", default: 0.1, min: 1e-4, max: 10, description: "Standard deviation of the normal initialisation of E⁰" },
  ...graphRunParams,
} as const;

export type LightGcnParams = ParamsOf<typeof lightgcnParams>;

const LIGHTGCN_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn");

export class LightGcn extends GraphEmbeddingModel<LightGcnParams> {
  readonly name = "lightgcn";
  readonly capabilities = LIGHTGCN_CAPABILITIES;
  /** Σ_{k<K} e_i^(k) per item (fold-in). */
  private itemLayerSum: Float32Array = new Float32Array(0);
  private itemDegrees: Float32Array = new Float32Array(0);

  get width(): number {
    return this.params.dim;
  }

  async fitWith(data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<FitReport> {
    const p = this.params;
    const fit = await startGraphFit(this, data, context, options);
    const train = fit.train;
    const nU = train.nUsers;
    const nI = train.nItems;
    const n = nU + nI;
    const d = p.dim;
    const K = p.layers;
    const adjacency = normalizedAdjacency(train);
    // Slots: ego E⁰, two layer buffers, final F, ∂L/∂F, ∂L/∂E⁰ (all n × d, in the kernel's memory).
    const [EGO, T1, T2, FINAL, GRAD_FINAL, GRAD_EGO] = [0, 1, 2, 3, 4, 5];
    const engine = new WasmDevice(adjacency, d, 6, { backend: p.kernel === "js" ? "js" : undefined, threads: p.threads });
    try {
      const ego = engine.buffer(EGO);
      fillNormal(ego, modelRng(context.seed, 1), p.initStd);
      const final = engine.buffer(FINAL);
      const gradFinal = engine.buffer(GRAD_FINAL);
      const gradEgo = engine.buffer(GRAD_EGO);
      const adam = new Adam(p.lr);
      const batches = new BprBatches(train, p, modelRng(context.seed, 2));
      const { users, positives, negatives, stepsPerEpoch } = batches;
      const B = users.length;
      const scale = 1 / (K + 1);

      // slot `out` = (1/(K+1)) Σ_k Â^k · slot `src`: each product also adds its layer into `out`.
      const propagate = (src: number, out: number) => {
        const target = engine.buffer(out);
        target.set(engine.buffer(src));
        let from = src;
        for (let k = 1; k <= K; k++) {
          const to = k % 2 === 1 ? T1 : T2;
          engine.multiply(from, to, out);
          from = to;
        }
        if (K > 0) for (let x = 0; x < target.length; x++) target[x] *= scale;
      };

      const step = (): number => {
        // Large-batch Adam learns fast at a high rate and then needs a lower one to settle.
        if (p.lrDecay < 1) adam.lr = p.lr * Math.pow(p.lrDecay, Math.floor(adam.steps / stepsPerEpoch));
        batches.draw();
        propagate(EGO, FINAL);
        gradFinal.fill(0);
        let loss = bprLossAndGrad(final, d, nU, users, positives, negatives, gradFinal);
        propagate(GRAD_FINAL, GRAD_EGO);
        // λ · ½ Σ ‖e⁰‖² / B over the batch's ego rows (each occurrence counts).
        loss += 0.5 * p.reg * addBatchL2(ego, d, nU, users, positives, negatives, p.reg / B, gradEgo);
        adam.step(ego, gradEgo);
        return loss;
      };

      const refresh = () => {
        // Final embeddings, and Σ_{k<K} E^(k) of the items for fold-in.
        propagate(EGO, FINAL);
        const layerSum = ego.slice(nU * d, n * d);
        let from = EGO;
        for (let k = 1; k < K; k++) {
          const to = k % 2 === 1 ? T1 : T2;
          engine.multiply(from, to);
          const items = engine.buffer(to).subarray(nU * d, n * d);
          for (let x = 0; x < items.length; x++) layerSum[x] += items[x];
          from = to;
        }
        this.setEmbeddings(final.slice(0, nU * d), final.slice(nU * d, n * d), layerSum, train.itemDegrees());
      };
      return await trainGraphModel(fit, {
        stepsPerEpoch,
        step,
        refresh,
        best: arrayState(ego),
        notes: { kernel: engine.backend, threads: engine.threads, adjacencyNnz: adjacency.indptr[n] },
      });
    } finally {
      engine.dispose();
    }
  }

  private setEmbeddings(users: Float32Array, items: Float32Array, itemLayerSum: Float32Array, itemDegrees: ArrayLike<number>): void {
    this.setFinal(users, items);
    this.itemLayerSum = itemLayerSum;
    this.itemDegrees = Float32Array.from(itemDegrees);
  }

  /** Final user embeddings (nUsers × dim, row-major); read-only view. */
  userEmbeddings(): Float32Array {
    return this.userFinal;
  }

  /** Final item embeddings (nItems × dim). */
  itemEmbeddings(): Float32Array {
    return this.itemFinal;
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    const d = this.params.dim;
    const e = new Float32Array(d);
    const items = profile.items;
    let count = 0;
    for (let t = 0; t < items.length; t++) if (items[t] >= 0 && items[t] < this.nItems) count++;
    for (let t = 0; t < items.length; t++) {
      const i = items[t];
      if (i < 0 || i >= this.nItems) continue;
      const w = 1 / Math.sqrt(count * Math.max(1, this.itemDegrees[i]));
      for (let c = 0; c < d; c++) e[c] += w * this.itemLayerSum[i * d + c];
    }
    const scale = 1 / (this.params.layers + 1);
    for (let c = 0; c < d; c++) e[c] *= scale;
    dotAll(e, 0, this.itemFinal, d, out);
  }

  override saveState(): ModelState {
    const state = super.saveState();
    return { ...state, arrays: { ...state.arrays, itemLayerSum: this.itemLayerSum, itemDegrees: this.itemDegrees } };
  }

  override loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    checkRows(state.arrays, "itemLayerSum", shape.nItems, this.params.dim);
    super.loadState(state, shape);
    this.itemLayerSum = state.arrays.itemLayerSum as Float32Array;
    this.itemDegrees = Float32Array.from(state.arrays.itemDegrees as Float32Array);
  }
}

export const lightgcn = defineModel({
  name: "lightgcn",
  family: "graph",
  description: "LightGCN: linear propagation on the normalised user–item graph, layer-mean embeddings, BPR",
  paper: "He et al., LightGCN: Simplifying and Powering Graph Convolution Network for Recommendation, SIGIR 2020",
  feedback: "implicit",
  capabilities: LIGHTGCN_CAPABILITIES,
  params: lightgcnParams,
  fastParams: { dim: 16, layers: 2, batchSize: 256, epochs: 40, lr: 0.02, evalEvery: 10, validationFraction: 0 },
  // The device: Â (both directions of every interaction) and 6 slots of nodes × dim; the item layer sums for fold-in.
  memory: (shape, p) => [
    ...graphTrainingMemory(shape, p, p.dim),
    { what: `propagation device (Â and 6 × nodes × ${p.dim} floats)`, bytes: wasmDeviceBytes(shape.users + shape.items, 2 * shape.interactions, p.dim, 6, { threads: p.threads }) },
    denseMatrix("item layer sums (float32)", shape.items, p.dim, FLOAT32_BYTES),
  ],
  create: (p) => new LightGcn(p),
});
