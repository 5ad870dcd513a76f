// BSPM — J. Choi, S. Hong, N. Park, S.-B. Cho. "Blurring-Sharpening Process Models for Collaborative
// Filtering." SIGIR 2023.
//
// Filter: a user's row x is blurred by the heat equation on the item graph, then sharpened by
// running it backwards, with the ideal low-pass term of GF-CF merged before the sharpening
// (BSPM-EM, "early merge") or after it (BSPM-LM, "late merge"). With P = R̃ᵀR̃ (graphFilter.ts):
//   blur      dr/dt = r P − r,   r(0) = x,               t ∈ [0, T_b] in K_b steps
//   sharpen   dy/dt = −y P,      y(0) = r(T_b) [+ β·ideal(x) early], t ∈ [0, T_s] in K_s steps
//   score     y(T_s) [+ β·ideal(x) late],   ideal(x) = x D_i^-1/2 V Vᵀ D_i^1/2
// with `pointCombination` scoring the mean of r(T_b) and the K_s sharpening points instead of y(T_s).
// Solvers as the paper's code (torchdiffeq fixed-grid Euler and RK4). Both equations are linear
// with a constant matrix, so one step of any four-stage fourth-order Runge–Kutta method (torchdiffeq's
// "rk4" uses the 3/8 rule) equals the degree-4 Taylor polynomial of the step's propagator, and Euler
// the degree-1 one: a step from y is Σ_(j≤p) y (hM)^j / j!, evaluated by Horner with p applications
// of P. The paper's Gowalla setting (the defaults): Euler blur T_b = 1, K_b = 1 (so r = x P); RK4
// sharpening T_s = 2.5, K_s = 1; early merge, β = 0.2, k = 448.
import { defineModel } from "../definition";
import { FILTER_FAST_PARAMS, FILTER_MODEL, GraphFilterModel, filterMemory, filterParams } from "./graphFilter";
import type { FilterDevice, Slot } from "./graphFilterDevice";
import type { History } from "../history";

const params = {
  rank: { type: "int", default: 448, min: 0, max: 4096, description: "Singular vectors k of the ideal low-pass filter (clipped to min(users, items); 0: none)" },
  idealWeight: { type: "float", default: 0.2, min: 0, max: 100, description: "Weight β of the ideal low-pass term" },
  merge: { type: "enum", default: "early", values: ["early", "late"], description: "Merge the ideal low-pass term before the sharpening (BSPM-EM) or after it (BSPM-LM)" },
  blurTime: { type: "float", default: 1, min: 0, max: 100, description: "Blurring time T_b" },
  blurSteps: { type: "int", default: 1, min: 0, max: 100, description: "Blurring steps K_b (0: no blurring)" },
  blurSolver: { type: "enum", default: "euler", values: ["euler", "rk4"], description: "Blurring ODE solver" },
  sharpenTime: { type: "float", default: 2.5, min: 0, max: 100, description: "Sharpening time T_s" },
  sharpenSteps: { type: "int", default: 1, min: 0, max: 100, description: "Sharpening steps K_s (0: no sharpening)" },
  sharpenSolver: { type: "enum", default: "rk4", values: ["euler", "rk4"], description: "Sharpening ODE solver" },
  pointCombination: { type: "bool", default: false, description: "Score the mean of the blurred row and every sharpening point instead of the last point" },
  ...filterParams,
} as const;

type Solver = "euler" | "rk4";

interface BspmParams {
  rank: number;
  idealWeight: number;
  merge: "early" | "late";
  blurTime: number;
  blurSteps: number;
  blurSolver: Solver;
  sharpenTime: number;
  sharpenSteps: number;
  sharpenSolver: Solver;
  pointCombination: boolean;
  tune: boolean;
  oversample: number;
  powerIterations: number;
  threads: number;
}

/** Slots: 0 the rows x, 1 the state y, 2 and 3 Horner's work blocks, 4 the sum of the combined points. */
const [ROWS, STATE, WORK, PRODUCT, POINTS] = [0, 1, 2, 3, 4];

export class BspmRecommender extends GraphFilterModel<BspmParams> {
  readonly name = "bspm";

  protected filter(device: FilterDevice, histories: readonly History[]): Slot {
    const p = this.params;
    const beta = this.lowPassWeight;
    const ideal = device.k > 0 && beta !== 0;
    device.copy(STATE, ROWS);
    // Blurring: M = P − I (the first product is x P, from the rows).
    for (let s = 0; s < p.blurSteps; s++) taylorStep(device, 1, -1, p.blurTime / p.blurSteps, order(p.blurSolver), s === 0 ? histories : undefined);
    if (p.pointCombination) device.copy(POINTS, STATE);
    if (ideal && p.merge === "early") device.lowPass(histories, STATE, beta);
    // Sharpening: M = −P.
    for (let s = 0; s < p.sharpenSteps; s++) {
      taylorStep(device, -1, 0, p.sharpenTime / p.sharpenSteps, order(p.sharpenSolver));
      if (p.pointCombination) device.combine(POINTS, 1, POINTS, 1, STATE);
    }
    const result = p.pointCombination ? POINTS : STATE;
    if (p.pointCombination) device.combine(POINTS, 1 / (p.sharpenSteps + 1), POINTS, 0, POINTS);
    if (ideal && p.merge === "late") device.lowPass(histories, result, beta);
    return result;
  }

  protected weightParam(): number {
    return this.params.idealWeight;
  }
}

/** Order of the Taylor polynomial one solver step equals for a linear ODE with a constant matrix. */
function order(solver: Solver): number {
  return solver === "rk4" ? 4 : 1;
}

/**
 * One step of dy/dt = y M, M = a·P + b·I, from the state slot: y ← Σ_(j≤p) y (hM)^j / j!, by
 * Horner: t = y; for j = p … 1: t = y + (h/j)·t M. With `rows` (the state is still the loaded rows
 * x) the first product t P = x P is taken from the rows' sparse paths.
 */
function taylorStep(device: FilterDevice, a: number, b: number, h: number, p: number, rows?: readonly History[]): void {
  device.copy(WORK, STATE);
  for (let j = p; j >= 1; j--) {
    if (rows && j === p) device.propagateRows(rows, PRODUCT);
    else device.propagate(WORK, PRODUCT); // t P
    device.combine(PRODUCT, a, PRODUCT, b, WORK); // t M
    device.combine(WORK, 1, STATE, h / j, PRODUCT); // y + (h/j) t M
  }
  device.copy(STATE, WORK);
}

export const bspm = defineModel({
  name: "bspm",
  description: "BSPM: blurring-sharpening process on the normalised item graph with an ideal low-pass term (early or late merge); training-free, instant fold-in",
  paper: "Choi et al., Blurring-Sharpening Process Models for Collaborative Filtering, SIGIR 2023",
  ...FILTER_MODEL,
  params,
  fastParams: FILTER_FAST_PARAMS,
  // Training-free: the graph, the SVD of rank p.rank and the filter device (graphFilter.ts).
  memory: filterMemory,
  create: (p) => new BspmRecommender(p),
});
