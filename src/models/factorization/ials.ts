// Implicit ALS: Y. Hu, Y. Koren, C. Volinsky, "Collaborative Filtering for Implicit Feedback
// Datasets", ICDM 2008, solved with conjugate gradient as in G. Takács, I. Pilászy, D. Tikk,
// "Applications of the Conjugate Gradient Method for Implicit Feedback Collaborative
// Filtering", RecSys 2011.
//   min Σ_u Σ_i c_ui (p_ui − x_uᵀ y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²)
//   p_ui = 1 for observed (u, i), else 0;  c_ui = 1 + α r_ui (1 for unobserved).
// Over ALL user–item pairs. For one user the normal equations are
//   (YᵀY + Σ_(i∈R(u)) (c_ui − 1) y_i y_iᵀ + λI) x_u = Σ_(i∈R(u)) c_ui y_i,
// with YᵀY computed once per half-iteration; a few CG steps per user, warm-started from the
// current x_u, apply the matrix as YᵀY·v + Σ_(i∈R(u)) (c_ui − 1)(y_i·v) y_i + λv — O(k² + |R(u)|k)
// per step, never forming the per-user k×k matrix. Fold-in solves that system exactly (Cholesky).
import { createRng, fillNormal } from "../../math/random";
import { accumulateGramUpper, choleskySolveUpper, choleskyUpper, gramUpper, mirrorUpper } from "../../math/linalg";
import { CgSolver, defaultCgThreads } from "./ialsCg";
import type { Interactions } from "../../data/interactions";
import { capabilities, defineModel } from "../definition";
import { FLOAT64_BYTES, INT32_BYTES, WORKER_THREAD_BYTES, factorTables, trainingMatrix, type DataShape, type MemoryTerm } from "../memory";
import { EmbeddingRecommender } from "../embedding";
import type { ParamsOf } from "../params";
import type { FitContext, FitReport, TrainingData, UserProfile } from "../types";
import { requireInteractions, runAlternating } from "./common";

export const IALS_PARAMS = {
  factors: { type: "int", default: 64, min: 1, max: 1024, description: "Latent dimensions k" },
  iterations: { type: "int", default: 15, min: 1, max: 200, description: "Alternating iterations (users, then items)" },
  alpha: { type: "float", default: 3, min: 0, max: 1e4, description: "Confidence slope α in c = 1 + α·r" },
  reg: { type: "float", default: 30, min: 0, max: 1e5, description: "λ: L2 penalty on user and item factors" },
  cgSteps: { type: "int", default: 3, min: 1, max: 64, description: "Conjugate-gradient steps per user/item and half-iteration" },
  binary: { type: "bool", default: true, description: "Use r = 1 for every interaction (else r = the interaction value, e.g. a rating)" },
  initStd: { type: "float", default: 0.01, min: 0, max: 10, description: "Standard deviation of the initial factors" },
  threads: { type: "int", default: 0, min: 0, max: 64, description: "Threads for the row solves (0: every core); the result does not depend on it" },
} as const;

export type IalsParams = ParamsOf<typeof IALS_PARAMS>;

const IALS_CAPABILITIES = capabilities("personalized", "similarItems", "foldIn");

export class ImplicitAls extends EmbeddingRecommender<IalsParams> {
  readonly name = "ials";
  readonly capabilities = IALS_CAPABILITIES;
  /** YᵀY (full, k×k), for fold-in; computed on demand. */
  private itemGram: Float64Array | undefined;
  private foldScratch: { a: Float64Array; b: Float64Array } | undefined;

  async fit(data: TrainingData, context: FitContext): Promise<FitReport> {
    const started = performance.now();
    const x = data.interactions;
    requireInteractions(x, this.name);
    const { iterations, initStd, reg, cgSteps } = this.params;
    const k = this.params.factors | 0;
    const rng = createRng(context.seed);
    const users = fillNormal(new Float64Array(x.nUsers * k), rng, initStd);
    const items = fillNormal(new Float64Array(x.nItems * k), rng, initStd);
    const xt = x.transpose();
    // Binary data (the default): one confidence for every entry, no per-entry array (200 MB at 25M).
    const extra = this.params.binary ? this.params.alpha : { x: this.confidences(x), xt: this.confidences(xt) };
    const solver = new CgSolver(k, reg, cgSteps, users, items, x, xt, extra, this.params.threads === 0 ? defaultCgThreads() : this.params.threads);
    // The solver's factor tables (shared memory when it runs on several threads) are the model's.
    this.setFactors(x.nUsers, x.nItems, k, solver.users, solver.items);
    try {
      const report = await runAlternating(this.name, context, started, iterations, "weighted squared loss over all pairs", {
        solve: () => {
          solver.half(0);
          solver.half(1);
        },
        loss: () => implicitLoss(x, typeof extra === "number" ? extra : extra.x, this.userFactors, this.itemFactors, k, reg, solver.gram),
      });
      return { ...report, notes: { ...report.notes, threads: solver.threads } };
    } finally {
      solver.close();
    }
  }

  /** c_ui − 1 = α·r per stored interaction, in CSR order. */
  private confidences(x: Interactions): Float64Array {
    const out = new Float64Array(x.nnz);
    const { alpha, binary } = this.params;
    for (let p = 0; p < x.nnz; p++) out[p] = alpha * (binary ? 1 : Math.max(0, x.values[p]));
    return out;
  }

  /** The exact least-squares user vector for a new history (items fixed); a reused buffer. */
  foldInVector(profile: UserProfile): Float64Array {
    const k = this.k;
    if (!this.itemGram) {
      this.itemGram = new Float64Array(k * k);
      gramUpper(this.itemGram, k, this.itemFactors, k, this.nItems);
    }
    this.foldScratch ??= { a: new Float64Array(k * k), b: new Float64Array(k) };
    const { a, b } = this.foldScratch;
    a.set(this.itemGram);
    b.fill(0);
    const { alpha, binary, reg } = this.params;
    const rows = new Int32Array(profile.items.length);
    const weights = new Float64Array(profile.items.length);
    let n = 0;
    for (let t = 0; t < profile.items.length; t++) {
      const i = profile.items[t];
      if (i < 0 || i >= this.nItems) continue;
      const extra = alpha * (binary ? 1 : Math.max(0, profile.values[t]));
      rows[n] = i;
      weights[n] = extra;
      n++;
      for (let d = 0; d < k; d++) b[d] += (1 + extra) * this.itemFactors[i * k + d];
    }
    accumulateGramUpper(a, k, k, this.itemFactors, k, rows, 0, n, weights);
    for (let d = 0; d < k; d++) a[d * k + d] += reg;
    if (n === 0 || !choleskyUpper(a, k)) {
      b.fill(0);
      return b;
    }
    choleskySolveUpper(a, k, b);
    return b;
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.scoreVectorAgainstItems(this.foldInVector(profile), 0, out);
  }

  protected override profileVector(profile: UserProfile): Float64Array {
    return this.foldInVector(profile);
  }

  protected override factorsChanged(): void {
    super.factorsChanged();
    this.itemGram = undefined;
    this.foldScratch = undefined;
  }
}

/**
 * Σ_all c (p − s)² + λ(‖X‖² + ‖Y‖²) without touching unobserved pairs:
 * Σ_u x_uᵀ(YᵀY)x_u covers every pair as if unobserved (c = 1, p = 0), then observed pairs are
 * corrected by c(1 − s)² − s².
 */
function implicitLoss(x: Interactions, extra: Float64Array | number, users: Float64Array, items: Float64Array, k: number, reg: number, gram: Float64Array): number {
  const g = gram;
  gramUpper(g, k, items, k, x.nItems);
  mirrorUpper(g, k);
  let loss = 0;
  for (let u = 0; u < x.nUsers; u++) {
    const o = u * k;
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += g[a * k + b] * users[o + b];
      loss += users[o + a] * s;
    }
    for (let t = x.indptr[u]; t < x.indptr[u + 1]; t++) {
      const io = x.indices[t] * k;
      let s = 0;
      for (let d = 0; d < k; d++) s += users[o + d] * items[io + d];
      loss += (1 + (typeof extra === "number" ? extra : extra[t])) * (1 - s) * (1 - s) - s * s;
    }
  }
  let norms = 0;
  for (let j = 0; j < users.length; j++) norms += users[j] * users[j];
  for (let j = 0; j < items.length; j++) norms += items[j] * items[j];
  return loss + reg * norms;
}

/**
 * Float64 factors; unless binary, a float64 confidence per interaction for each direction; with
 * several threads the solver's shared copies and its workers. The hybrid's collaborative part too.
 */
export function ialsMemory(shape: DataShape, p: { factors: number; binary: boolean; threads: number }): MemoryTerm[] {
  const threads = Math.max(1, Math.min(p.threads === 0 ? defaultCgThreads() : p.threads, shape.users, shape.items));
  // With worker threads the solver copies the factors and rows into shared memory (ialsCg.ts).
  const copies = threads > 1 ? 2 : 1;
  return [
    factorTables(`user and item factors (k = ${p.factors}, float64${threads > 1 ? ", and their shared copy" : ""})`, shape, p.factors, FLOAT64_BYTES, copies),
    ...(p.binary ? [] : [{ what: "confidences of both directions (float64)", bytes: copies * 2 * FLOAT64_BYTES * shape.interactions }]),
    ...(threads > 1
      ? [
          {
            what: `rows of both directions shared with ${threads - 1} worker threads`,
            bytes: 2 * INT32_BYTES * shape.interactions + INT32_BYTES * (shape.users + shape.items) + (threads - 1) * WORKER_THREAD_BYTES,
          },
        ]
      : []),
  ];
}

export const ials = defineModel({
  name: "ials",
  family: "factorization",
  description: "Implicit ALS (confidence-weighted over all pairs), conjugate-gradient solves",
  paper: "Y. Hu, Y. Koren, C. Volinsky. Collaborative Filtering for Implicit Feedback Datasets. ICDM 2008",
  feedback: "implicit",
  capabilities: IALS_CAPABILITIES,
  params: IALS_PARAMS,
  fastParams: { factors: 4, iterations: 8, alpha: 10, reg: 0.1 },
  memory: (shape, p) => [trainingMatrix(shape), ...ialsMemory(shape, p)],
  create: (p) => new ImplicitAls(p),
});
