// NGCF — X. Wang, X. He, M. Wang, F. Feng, T.-S. Chua. "Neural Graph Collaborative Filtering".
// SIGIR 2019.
//
// Propagation (paper eq. 7, matrix form, with the reference code's biases):
//   E^(l) = LeakyReLU( (L + I) E^(l−1) W1_l + b1_l + (L E^(l−1) ⊙ E^(l−1)) W2_l + b2_l ),
//   L = D^-1/2 A D^-1/2 over users ∪ items, LeakyReLU slope 0.2, message dropout on E^(l) in
//   training; each layer's output is L2-normalised per row and the final representation is the
//   concatenation [E^(0), Ê^(1), …, Ê^(L)] (d·(L+1) columns); score(u, i) = e_u · e_i.
// Node dropout (training): every undirected edge is dropped with probability p per step and kept
// edges are scaled by 1/(1−p), on both directions at once so L stays symmetric (the reference
// code drops entries of L independently).
// Objective: BPR, mean over the batch of −ln σ(ŷ_ui − ŷ_uj) + λ · ½(‖e_u‖² + ‖e_i‖² + ‖e_j‖²)/B
// on the batch's final (concatenated) representations, as in the reference code.
//
// Implementation. TensorFlow.js autograd for the dense parts (W1/W2, LeakyReLU, dropout,
// normalisation, concatenation, the gathered BPR loss) with tf.train.adam; L·X is a tf.customGrad
// op whose forward and backward (Lᵀ·G = L·G, symmetric) run the WebAssembly SIMD CSR kernel
// (src/math/sparse.ts) on host copies: per product one dataSync and one tensor upload of n × d
// floats, against ~0.95 s (200k nnz) for tf's gather + unsortedSegmentSum on WASM. The numbers
// for Gowalla are in `npm run bench:graph -- --kernels` (results/gowalla-kernels.json).
import { defineModel } from "../definition";
import { BaseRecommender, cosineToAll } from "../base";
import type { ParamsOf } from "../params";
import type { Capabilities, FitContext, FitReport, ModelState, TrainingData } from "../types";
import { ValidationError } from "../../errors";
import { normalizedAdjacency } from "../../graph/adjacency";
import type { CsrMatrix } from "../../math/sparse";
import { SpmmEngine } from "../../math/sparse";
import type { Rng } from "../../math/random";
import { initTf, tf } from "../../tf/backend";
import { glorotUniform } from "../../tf/init";
import { WeightSet } from "../../tf/weights";
import { BprSampler, EmbeddingScorer, MONITOR, bprLossOnHost, modelRng, rankingMetrics, runSteps, usersWithItems, validationSplit } from "./common";
import { dotAll, median, type GraphFitOptions } from "./lightgcn";

export const ngcfParams = {
  dim: { type: "int", default: 64, min: 4, max: 512, description: "Embedding size (and width of every layer)" },
  layers: { type: "int", default: 3, min: 1, max: 6, description: "Propagation layers L" },
  lr: { type: "float", default: 0.005, min: 1e-6, max: 1, description: "Adam learning rate" },
  reg: { type: "float", default: 1e-5, min: 0, max: 1, description: "L2 weight λ on the batch's final representations" },
  batchSize: { type: "int", default: 16384, min: 16, max: 1048576, description: "BPR triples per optimisation step (one propagation per step)" },
  epochs: { type: "int", default: 300, min: 1, max: 100000, description: "Maximum epochs (an epoch = as many triples as training interactions)" },
  messageDropout: { type: "float", default: 0.1, min: 0, max: 0.9, description: "Dropout on each layer's output in training" },
  nodeDropout: { type: "float", default: 0, min: 0, max: 0.9, description: "Probability of dropping an edge of L per step in training" },
  leakySlope: { type: "float", default: 0.2, min: 0, max: 1, description: "LeakyReLU negative slope" },
  sampling: { type: "enum", default: "user", values: ["user", "interaction"], description: "Triple sampling: uniform user then positive, or uniform interaction" },
  evalEvery: { type: "int", default: 5, min: 1, max: 1000, description: "Epochs between validations" },
  patience: { type: "int", default: 5, min: 0, max: 1000, description: "Validations without a better recall@20 before stopping (0: never)" },
  validationFraction: { type: "float", default: 0.1, min: 0, max: 0.5, description: "Per-user fraction of training interactions held out for early stopping (0: none)" },
  validationUsers: { type: "int", default: 10000, min: 0, max: 10000000, description: "Validation users sampled per check (0: all)" },
  maxSeconds: { type: "float", default: 0, min: 0, max: 1e7, description: "Training-time budget in seconds (0: none)" },
  kernel: { type: "enum", default: "auto", values: ["auto", "js"], description: "Sparse kernel: WebAssembly SIMD when available (auto), or the JS loop" },
  threads: { type: "int", default: 2, min: 1, max: 16, description: "Threads per sparse product (worker threads on a shared WebAssembly memory)" },
} as const;

export type NgcfParams = ParamsOf<typeof ngcfParams>;

const capabilities: Capabilities = {
  personalized: true,
  ratingPrediction: false,
  similarItems: true,
  foldIn: false,
  sequential: false,
  coldStartItems: false,
  usesContent: false,
};

/** Position of the mirror entry (c, r) of every entry (r, c) of a symmetric CSR matrix. */
export function mirrorPositions(a: CsrMatrix): Int32Array {
  const nnz = a.indptr[a.nRows];
  const mirror = new Int32Array(nnz).fill(-1);
  const cursor = a.indptr.slice(0, a.nRows);
  // Visiting rows in order, the entries (c, r) of row c are met with r ascending, as are the
  // columns of row c: a moving cursor per row finds each mirror in O(1).
  for (let r = 0; r < a.nRows; r++) {
    for (let k = a.indptr[r]; k < a.indptr[r + 1]; k++) {
      const c = a.indices[k];
      const m = cursor[c]++;
      if (a.indices[m] !== r) throw new ValidationError("matrix", `entry (${r}, ${c})`, "a structurally symmetric matrix with ascending columns");
      mirror[k] = m;
    }
  }
  return mirror;
}

export class Ngcf extends BaseRecommender<NgcfParams> {
  readonly name = "ngcf";
  readonly capabilities = capabilities;
  private userFinal: Float32Array = new Float32Array(0);
  private itemFinal: Float32Array = new Float32Array(0);
  private scorer: EmbeddingScorer | undefined;
  private rows: Float32Array = new Float32Array(0);

  /** Width of the final representation: dim × (layers + 1). */
  get width(): number {
    return this.params.dim * (this.params.layers + 1);
  }

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    return this.fitWith(data, context, {});
  }

  async fitWith(data: TrainingData, context: FitContext, options: GraphFitOptions): Promise<FitReport> {
    const started = performance.now();
    const p = this.params;
    const backend = await initTf({ log: context.log });
    const all = data.interactions;
    this.nUsers = all.nUsers;
    this.nItems = all.nItems;
    const { train, validation } = validationSplit(all, { validation: options.validation, fraction: p.validationFraction, seed: context.seed });
    const nU = train.nUsers;
    const nI = train.nItems;
    const n = nU + nI;
    const d = p.dim;
    const L = p.layers;
    const adjacency = normalizedAdjacency(train);
    const nnz = adjacency.indptr[n];
    const engine = new SpmmEngine(adjacency, d, 2, { backend: p.kernel === "js" ? "js" : undefined, threads: p.threads });
    const mirror = p.nodeDropout > 0 ? mirrorPositions(adjacency) : undefined;
    const weights = new WeightSet("ngcf");
    const initRng = modelRng(context.seed, 1);
    const noiseRng = modelRng(context.seed, 4);
    weights.add("embedding", [n, d], glorotUniform(n, d, initRng));
    for (let l = 0; l < L; l++) {
      weights.add(`w1_${l}`, [d, d], glorotUniform(d, d, initRng));
      weights.add(`b1_${l}`, [1, d], glorotUniform(1, d, initRng));
      weights.add(`w2_${l}`, [d, d], glorotUniform(d, d, initRng));
      weights.add(`b2_${l}`, [1, d], glorotUniform(1, d, initRng));
    }
    const optimizer = tf.train.adam(p.lr);
    const onesColumn = tf.ones([d, 1]) as tf.Tensor2D;
    const gradScratch = new Float32Array(n * d * (L + 1));
    let best: Map<string, Float32Array> | undefined;

    // L·X on host memory, differentiable: the gradient of L·X is Lᵀ·G = L·G.
    const product = (x: tf.Tensor): tf.Tensor => {
      engine.buffer(0).set(x.dataSync() as Float32Array);
      engine.multiply(0, 1);
      // A copy: the cpu backend keeps the array it is given, and buffer 1 is reused.
      return tf.tensor2d(engine.buffer(1).slice(), [n, d]);
    };
    const spmm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const x = args[0] as tf.Tensor;
      return { value: product(x), gradFunc: (dy: tf.Tensor) => product(dy) };
    });

    const setDropout = (training: boolean) => {
      if (!mirror) return;
      const values = engine.values();
      if (!training) {
        values.set(adjacency.values.subarray(0, nnz));
        return;
      }
      const keep = 1 - p.nodeDropout;
      for (let r = 0; r < nU; r++) {
        for (let k = adjacency.indptr[r]; k < adjacency.indptr[r + 1]; k++) {
          const v = noiseRng.next() < keep ? adjacency.values[k] / keep : 0;
          values[k] = v;
          values[mirror[k]] = v;
        }
      }
    };

    /** Final representations [n, d(L+1)]; training applies message dropout. */
    const forward = (training: boolean, rng: Rng): tf.Tensor2D => {
      let ego: tf.Tensor = weights.get("embedding");
      const parts: tf.Tensor[] = [ego];
      for (let l = 0; l < L; l++) {
        const side = spmm(ego) as tf.Tensor;
        const message = tf.add(
          tf.add(tf.matMul(tf.add(side, ego) as tf.Tensor2D, weights.get(`w1_${l}`) as tf.Tensor2D), weights.get(`b1_${l}`)),
          tf.add(tf.matMul(tf.mul(side, ego) as tf.Tensor2D, weights.get(`w2_${l}`) as tf.Tensor2D), weights.get(`b2_${l}`)),
        );
        ego = tf.leakyRelu(message, p.leakySlope);
        if (training && p.messageDropout > 0) ego = tf.mul(ego, dropoutMask(n * d, p.messageDropout, rng, [n, d]));
        // Row norms through a matMul with a ones column: tf.norm's Sum gradient would build an
        // n × d ones tensor in JavaScript every step.
        parts.push(tf.div(ego, tf.maximum(tf.sqrt(tf.matMul(tf.square(ego) as tf.Tensor2D, onesColumn)), 1e-12)));
      }
      return tf.concat(parts, 1) as tf.Tensor2D;
    };

    const sampler = new BprSampler(train, modelRng(context.seed, 2), p.sampling);
    const B = Math.min(p.batchSize, Math.max(1, train.nnz));
    const users = new Int32Array(B);
    const positives = new Int32Array(B);
    const negatives = new Int32Array(B);

    const step = (): number => {
      sampler.sample(users, positives, negatives);
      setDropout(true);
      // BPR loss and its gradient on the host (bprLossOnHost); tf differentiates the propagation.
      const cost = optimizer.minimize(() => tf.tidy(() => bprLossOnHost(forward(true, noiseRng), nU, users, positives, negatives, p.reg, gradScratch)), true, weights.list());
      const total = (cost as tf.Scalar).dataSync()[0] * B;
      cost?.dispose();
      return total;
    };

    const refresh = () => {
      setDropout(false);
      const final = tf.tidy(() => forward(false, noiseRng));
      const values = final.dataSync() as Float32Array;
      final.dispose();
      const w = this.width;
      this.setEmbeddings(values.slice(0, nU * w), values.slice(nU * w, n * w));
    };
    const validationUsers = validation ? usersWithItems(validation, p.validationUsers, modelRng(context.seed, 3)) : undefined;
    try {
      const loop = await runSteps({
        model: this.name,
        params: p,
        context,
        samplesPerEpoch: train.nnz,
        lr: p.lr,
        step,
        refresh,
        validate:
          validation && validationUsers && validationUsers.length > 0
            ? () => {
                const m = rankingMetrics((uu, out) => this.scoreUsers(uu, out), train, validation, validationUsers, 20);
                return { [MONITOR]: m.recall, "ndcg@20": m.ndcg };
              }
            : undefined,
        snapshot: () => (best = weights.snapshot()),
        restore: () => best && weights.restore(best),
        hooks: options.hooks,
      });
      return {
        epochs: loop.epochs,
        seconds: (performance.now() - started) / 1000,
        lossCurve: loop.lossCurve,
        validationCurve: loop.validationCurve,
        notes: {
          backend,
          kernel: engine.backend,
          threads: engine.threads,
          adjacencyNnz: nnz,
          stepsPerEpoch: Math.ceil(train.nnz / B),
          secondsPerEpoch: median(loop.epochSeconds),
          trainSeconds: loop.trainSeconds,
          bestEpoch: loop.bestEpoch,
          stoppedBy: loop.stoppedBy,
          validation: validation ? (options.validation ? "given" : `carved ${p.validationFraction} per user`) : "none",
          ...(loop.best ? { bestValidation: loop.best } : {}),
        },
      };
    } finally {
      optimizer.dispose();
      onesColumn.dispose();
      weights.dispose();
      engine.dispose();
    }
  }

  private setEmbeddings(users: Float32Array, items: Float32Array): void {
    this.userFinal = users;
    this.itemFinal = items;
    this.scorer?.dispose();
    this.scorer = undefined;
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    dotAll(this.userFinal, user * this.width, this.itemFinal, this.width, out);
  }

  override scoreUsers(users: Int32Array, out: Float32Array): void {
    const w = this.width;
    if (this.rows.length < users.length * w) this.rows = new Float32Array(users.length * w);
    for (let r = 0; r < users.length; r++) {
      this.checkUser(users[r]);
      this.rows.set(this.userFinal.subarray(users[r] * w, (users[r] + 1) * w), r * w);
    }
    this.scorer ??= new EmbeddingScorer(this.itemFinal, this.nItems, w);
    this.scorer.score(this.rows, users.length, out);
  }

  override itemSimilarities(item: number, out: Float32Array): void {
    cosineToAll(this.itemFinal, this.width, item, out);
  }

  saveState(): ModelState {
    return { json: { dim: this.params.dim, layers: this.params.layers }, arrays: { userFinal: this.userFinal, itemFinal: this.itemFinal } };
  }

  loadState(state: ModelState, shape: { nUsers: number; nItems: number }): void {
    const w = this.width;
    const a = state.arrays;
    for (const [key, rows] of [
      ["userFinal", shape.nUsers],
      ["itemFinal", shape.nItems],
    ] as const) {
      if (!(a[key] instanceof Float32Array) || a[key].length !== rows * w) throw new ValidationError(`state.${key}`, a[key]?.length, `${rows}×${w} floats`);
    }
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
    this.setEmbeddings(a.userFinal as Float32Array, a.itemFinal as Float32Array);
  }

  override dispose(): void {
    this.scorer?.dispose();
    this.scorer = undefined;
    super.dispose();
  }
}

/** A [shape] tensor of 0 (probability `rate`) and 1/(1−rate), from the seeded generator. */
function dropoutMask(size: number, rate: number, rng: Rng, shape: [number, number]): tf.Tensor {
  const keep = 1 - rate;
  const scale = 1 / keep;
  const mask = new Float32Array(size);
  for (let k = 0; k < size; k++) mask[k] = rng.next() < keep ? scale : 0;
  return tf.tensor2d(mask, shape);
}

export const ngcf = defineModel({
  name: "ngcf",
  family: "graph",
  description: "NGCF: graph propagation with W1/W2 transforms, LeakyReLU, bi-interaction messages, dropout, concatenated layers, BPR",
  paper: "Wang et al., Neural Graph Collaborative Filtering, SIGIR 2019",
  feedback: "implicit",
  capabilities,
  params: ngcfParams,
  fastParams: { dim: 16, layers: 2, batchSize: 256, epochs: 40, lr: 0.01, evalEvery: 10, validationFraction: 0, messageDropout: 0.1, nodeDropout: 0.1 },
  create: (p) => new Ngcf(p),
});
