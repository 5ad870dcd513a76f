// NGCF — X. Wang, X. He, M. Wang, F. Feng, T.-S. Chua. "Neural Graph Collaborative Filtering".
// SIGIR 2019.
//
// Propagation (paper eq. 7, matrix form, with the reference code's biases):
//   E^(l) = LeakyReLU( (L + I) E^(l−1) W1_l + b1_l + (L E^(l−1) ⊙ E^(l−1)) W2_l + b2_l ),
//   L = D^-1/2 A D^-1/2 over users ∪ items, LeakyReLU slope 0.2, message dropout on E^(l) in
//   training; each layer's output is L2-normalised per row and the final representation is the
//   concatenation [E^(0), Ê^(1), …, Ê^(L)] (d·(L+1) columns); score(u, i) = e_u · e_i.
// Variants (params): `propagation` "gcn" puts the self-loops inside the normalisation,
// Â = D̃^-1/2 (A + I) D̃^-1/2, and the W1 input is Â E alone; "mean" uses the reference code's
// adjacency D̃^-1 (A + I) (the mean over a node's neighbours and itself; not symmetric, so the
// backward runs on its transpose); both take the bi-interaction Â E ⊙ E. `activation` "separate"
// applies LeakyReLU to the W1 and W2 terms separately, as the reference code does.
// Node dropout (training): every user–item edge is dropped with probability p per step and kept
// edges are scaled by 1/(1−p), on both directions at once (self-loops are kept; the reference
// code drops entries of L independently).
// Objective: BPR, mean over the batch of −ln σ(ŷ_ui − ŷ_uj) + λ · ½(‖e_u‖² + ‖e_i‖² + ‖e_j‖²)/B
// on the batch's final (concatenated) representations, as in the reference code.
//
// Implementation: network.ts (forward and backward on typed arrays and WebAssembly kernels);
// this file holds the parameters, training (fit, on the shared training kit) and scoring.

import { capabilities, defineModel } from "../../definition";
import type { ParamsOf } from "../../params";
import type { FitContext, FitReport, TrainingData } from "../../types";
import { normalizedAdjacency, randomWalkAdjacency } from "../../../graph/adjacency";
import { mirrorPositions, type CsrMatrix } from "../../../math/sparse";
import { fillNormal, type Rng } from "../../../math/random";
import { glorotUniform } from "../../../tf/init";
import { Adam, arrayState, modelRng } from "../../training";
import { BprBatches, GraphEmbeddingModel, graphBatchParams, graphRunParams, graphTrainingMemory, startGraphFit, trainGraphModel, type GraphFitOptions } from "../common";
import { NgcfNetwork, ngcfDeviceBytes } from "./network";

export const ngcfParams = {
  dim: { type: "int", default: 64, min: 4, max: 512, description: "Embedding size (and width of every layer)" },
  layers: { type: "int", default: 3, min: 1, max: 6, description: "Propagation layers L" },
  lr: { type: "float", default: 0.005, min: 1e-6, max: 1, description: "Adam learning rate" },
  egoLrScale: { type: "float", default: 1, min: 0.001, max: 10, description: "Adam rate of the layer-0 embeddings E⁰ relative to lr (the transforms always use lr)" },
  lrDecay: { type: "float", default: 1, min: 0.5, max: 1, description: "Learning rate multiplied by this after every epoch (1: constant)" },
  initStd: { type: "float", default: 0, min: 0, max: 10, description: "Standard deviation of a normal initialisation of E⁰ (0: Glorot uniform over all nodes, as the reference code)" },
  reg: { type: "float", default: 1e-5, min: 0, max: 1, description: "L2 weight λ on the batch's final representations" },
  // The batching, epochs, validation, time budget and kernel settings are the graph models' (LightGCN's).
  ...graphBatchParams,
  messageDropout: { type: "float", default: 0.1, min: 0, max: 0.9, description: "Dropout on each layer's output in training" },
  nodeDropout: { type: "float", default: 0, min: 0, max: 0.9, description: "Probability of dropping an edge of L per step in training" },
  propagation: {
    type: "enum",
    default: "paper",
    values: ["paper", "gcn", "mean"],
    description: "W1 input: (L + I)E with L = D^-1/2 A D^-1/2 (paper); or ÂE with the self-loops inside Â: Â = D̃^-1/2 (A + I) D̃^-1/2 (gcn) or D̃^-1 (A + I) (mean, the reference code's adjacency)",
  },
  activation: { type: "enum", default: "sum", values: ["sum", "separate"], description: "LeakyReLU on the sum of the W1 and W2 terms (paper eq. 7) or on each term (the reference code)" },
  leakySlope: { type: "float", default: 0.2, min: 0, max: 1, description: "LeakyReLU negative slope" },
  sampling: { type: "enum", default: "user", values: ["user", "interaction"], description: "Triple sampling: uniform user then positive, or uniform interaction" },
  ...graphRunParams,
} as const;

export type NgcfParams = ParamsOf<typeof ngcfParams>;

const NGCF_CAPABILITIES = capabilities("personalized", "similarItems");

export class Ngcf extends GraphEmbeddingModel<NgcfParams> {
  readonly name = "ngcf";
  readonly capabilities = NGCF_CAPABILITIES;

  /** Width of the final representation: dim × (layers + 1). */
  get width(): number {
    return this.params.dim * (this.params.layers + 1);
  }

  async fitWith(data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<FitReport> {
    const p = this.params;
    const fit = await startGraphFit(this, data, context, options);
    const train = fit.train;
    const nU = train.nUsers;
    const n = nU + train.nItems;
    const d = p.dim;
    const selfLoops = p.propagation !== "paper";
    const walk = p.propagation === "mean" ? randomWalkAdjacency(train) : undefined;
    const adjacency = walk ? walk.matrix : normalizedAdjacency(train, { selfLoops });
    const nnz = adjacency.indptr[n];
    const network = new NgcfNetwork(adjacency, d, p.layers, {
      leakySlope: p.leakySlope,
      messageDropout: p.messageDropout,
      kernel: p.kernel,
      threads: p.threads,
      seed: modelRng(context.seed, 4).int(2 ** 31),
      maxBatch: Math.min(p.batchSize, Math.max(1, train.nnz)),
      selfTerm: !selfLoops,
      backwardValues: walk?.transposedValues,
      separateActivations: p.activation === "separate",
    });
    try {
      initialise(network, p.initStd, modelRng(context.seed, 1));
      const egoAdam = new Adam(p.lr * p.egoLrScale);
      const weightAdam = new Adam(p.lr);
      const nodeDropout = p.nodeDropout > 0 ? new NodeDropout(adjacency, nU, network.adjacencyValues(), walk?.transposedValues, p.nodeDropout, modelRng(context.seed, 5)) : undefined;
      const batches = new BprBatches(train, p, modelRng(context.seed, 2));
      const { users, positives, negatives, stepsPerEpoch } = batches;

      const step = (): number => {
        if (p.lrDecay < 1) {
          const lr = p.lr * Math.pow(p.lrDecay, Math.floor(egoAdam.steps / stepsPerEpoch));
          egoAdam.lr = lr * p.egoLrScale;
          weightAdam.lr = lr;
        }
        batches.draw();
        nodeDropout?.draw();
        network.forward(true);
        const loss = network.lossAndBackward(nU, users, positives, negatives, p.reg);
        egoAdam.step(network.ego(), network.gradEgo());
        weightAdam.step(network.weights, network.gradWeights);
        return loss;
      };

      const refresh = () => {
        nodeDropout?.reset();
        const final = network.forward(false);
        const w = this.width;
        this.setFinal(final.slice(0, nU * w), final.slice(nU * w, n * w));
      };
      return await trainGraphModel(fit, {
        stepsPerEpoch,
        step,
        refresh,
        best: arrayState(network.ego(), network.weights),
        notes: { backend: `typed arrays (${network.kernel}); scoring on tf ${fit.backend}`, kernel: network.kernel, threads: network.threads, adjacencyNnz: nnz },
      });
    } finally {
      network.dispose();
    }
  }
}

export const ngcf = defineModel({
  name: "ngcf",
  family: "graph",
  description: "NGCF: graph propagation with W1/W2 transforms, LeakyReLU, bi-interaction messages, dropout, concatenated layers, BPR",
  paper: "Wang et al., Neural Graph Collaborative Filtering, SIGIR 2019",
  feedback: "implicit",
  capabilities: NGCF_CAPABILITIES,
  params: ngcfParams,
  fastParams: { dim: 16, layers: 2, batchSize: 256, epochs: 40, lr: 0.01, evalEvery: 10, validationFraction: 0, messageDropout: 0.1, nodeDropout: 0.1 },
  // The network's device (Â with its self-loops, 8 + 6L slots of nodes × dim, the final layers and
  // their gradients), and with node dropout Â's kept values in both directions.
  memory: (shape, p) => {
    const nodes = shape.users + shape.items;
    const stored = 2 * shape.interactions + (p.propagation === "paper" ? 0 : nodes);
    const device = ngcfDeviceBytes(nodes, stored, p.dim, p.layers, {
      threads: p.threads,
      maxBatch: Math.min(p.batchSize, Math.max(1, shape.interactions)),
      selfTerm: p.propagation === "paper",
      separateActivations: p.activation === "separate",
    });
    return [
      ...graphTrainingMemory(shape, p, p.dim * (p.layers + 1)),
      { what: `NGCF device (Â and ${8 + 6 * p.layers} or more slots of nodes × ${p.dim} floats)`, bytes: device },
      ...(p.nodeDropout > 0 ? [{ what: "node dropout's edge values (float32)", bytes: 2 * 4 * stored }] : []),
    ];
  },
  create: (p) => new Ngcf(p),
});

/** E⁰ normal with `initStd` (0: Glorot uniform over all nodes, the reference code), then W1, b1, W2, b2 of every layer Glorot uniform. */
function initialise(network: NgcfNetwork, initStd: number, rng: Rng): void {
  const d = network.dim;
  if (initStd > 0) fillNormal(network.ego(), rng, initStd);
  else network.ego().set(glorotUniform(network.n, d, rng));
  for (let l = 0; l < network.layers; l++) {
    const w = network.layerWeights(l);
    w.w1.set(glorotUniform(d, d, rng));
    w.b1.set(glorotUniform(1, d, rng));
    w.w2.set(glorotUniform(d, d, rng));
    w.b2.set(glorotUniform(1, d, rng));
  }
}

/**
 * Node dropout on the adjacency values the network reads: per training step every user–item edge
 * is dropped with probability `rate` in both directions at once (kept edges scaled by 1/(1 − rate);
 * self-loops always kept). A non-symmetric Â (mean) also has its transpose's values (the backward's)
 * masked, the same edges dropped.
 */
class NodeDropout {
  private readonly mirror: Int32Array;
  private readonly backwardBase: Float32Array | undefined;

  constructor(
    private readonly adjacency: CsrMatrix,
    private readonly nUsers: number,
    private readonly values: Float32Array,
    private readonly backwardValues: Float32Array | undefined,
    private readonly rate: number,
    private readonly rng: Rng,
  ) {
    this.mirror = mirrorPositions(adjacency);
    this.backwardBase = backwardValues?.slice();
  }

  /** Masks the values for one training step. */
  draw(): void {
    const { adjacency, mirror, values, backwardValues, backwardBase } = this;
    const keep = 1 - this.rate;
    for (let r = 0; r < this.nUsers; r++) {
      for (let k = adjacency.indptr[r]; k < adjacency.indptr[r + 1]; k++) {
        if (adjacency.indices[k] === r) continue;
        const scale = this.rng.next() < keep ? 1 / keep : 0;
        const m = mirror[k];
        values[k] = adjacency.values[k] * scale;
        values[m] = adjacency.values[m] * scale;
        if (backwardValues && backwardBase) {
          backwardValues[k] = backwardBase[k] * scale;
          backwardValues[m] = backwardBase[m] * scale;
        }
      }
    }
  }

  /** Restores every value (inference). */
  reset(): void {
    this.values.set(this.adjacency.values.subarray(0, this.adjacency.indptr[this.adjacency.nRows]));
    if (this.backwardValues && this.backwardBase) this.backwardValues.set(this.backwardBase);
  }
}
