// The epoch loop every trained model runs: abort check before each epoch, one epoch of training
// (any number of steps, the model's own), a divergence check on its loss, validation every
// `evalEvery` epochs (and at the last epoch, and when the time budget runs out) with early
// stopping after `patience` checks without a better monitored metric, the best validated state
// snapshotted and restored at the end, progress after every epoch, and a yield to the event loop
// between epochs so a server stays responsive while it trains.
import { ValidationError } from "../../errors";
import type { WeightSet } from "../../tf/weights";
import type { FitContext, FitReport } from "../types";

export interface Monitor {
  /** Validation metric compared across checks (e.g. "recall@20", "rmse"). */
  metric: string;
  higherIsBetter: boolean;
}

/** Recall@20, higher is better: the graph models' (and the LightGCN paper's) early-stopping metric. */
export const DEFAULT_MONITOR: Monitor = { metric: "recall@20", higherIsBetter: true };

/** Keeps a copy of the model's trainable state (early stopping keeps the best validated epoch). */
export interface BestState {
  snapshot(): void;
  restore(): void;
}

export interface CheckpointInfo {
  epoch: number;
  /** Training seconds so far (checkpoint hooks excluded). */
  trainSeconds: number;
  loss: number;
  validation?: Record<string, number>;
}

export interface TrainingLoopOptions {
  /** Model name: names the divergence error (`${model}.lr`) and log lines. */
  model: string;
  context: FitContext;
  epochs: number;
  /** Learning rate, named in the error when training diverges; absent for closed-form solvers (als, ials, bias). */
  lr?: number;
  /** Training stage (e.g. "pretraining gmf"), prefixed to progress messages and named in errors. */
  stage?: string;
  /** Runs one epoch and returns its loss (a non-finite loss stops training with a ValidationError). */
  trainEpoch(epoch: number): number;
  /** Validation metrics of the current (refreshed) weights; absent: no validation, no early stopping. */
  validate?: () => Record<string, number>;
  /** Metric compared for early stopping and the best state (default recall@20, higher is better). */
  monitor?: Monitor;
  /** Epochs between checks (default 1). A check also runs at the last epoch and when time runs out. */
  evalEvery?: number;
  /** Checks without improvement before stopping (default 0: never stop early). */
  patience?: number;
  /** Training-time budget in seconds, counted from the loop's start (default 0: none). */
  maxSeconds?: number;
  /** Snapshotted after every improved validation, restored at the end when the best epoch is not the last. */
  best?: BestState;
  /** Makes the weights scorable (e.g. recomputes final embeddings): at every check, and after a restore. */
  refresh?: () => void;
  /** Called at every check with the model scorable; its time is not training time (benchmarks trace test metrics). */
  onCheckpoint?: (info: CheckpointInfo) => void | Promise<void>;
  /** performance.now() origin of the progress and validation-curve seconds (default: the loop's start). */
  started?: number;
  /** Progress message of an epoch (default "epoch 3 in 1.25 s"); the stage is prefixed. */
  describeEpoch?: (epoch: number, seconds: number) => string;
}

export interface TrainingResult {
  epochs: number;
  /** Seconds from the loop's start, checkpoint hooks excluded. */
  trainSeconds: number;
  lossCurve: number[];
  validationCurve: NonNullable<FitReport["validationCurve"]>;
  /** Seconds of each epoch's training (validation excluded). */
  epochSeconds: number[];
  /** The epoch whose state the model ends with (the best validated one, else the last). */
  bestEpoch: number;
  /** Validation metrics of the best epoch. */
  best?: Record<string, number>;
  stoppedBy: "epochs" | "early-stopping" | "time-budget";
}

export async function runTraining(o: TrainingLoopOptions): Promise<TrainingResult> {
  const evalEvery = Math.max(1, o.evalEvery ?? 1);
  const patience = o.patience ?? 0;
  const maxSeconds = o.maxSeconds ?? 0;
  const monitor = o.monitor ?? DEFAULT_MONITOR;
  const loopStart = performance.now();
  let excluded = 0; // checkpoint-hook milliseconds, not training
  const trainSeconds = () => (performance.now() - loopStart - excluded) / 1000;
  const elapsed = () => (o.started === undefined ? trainSeconds() : (performance.now() - o.started - excluded) / 1000);
  const lossCurve: number[] = [];
  const epochSeconds: number[] = [];
  const validationCurve: TrainingResult["validationCurve"] = [];
  let best: { value: number; epoch: number; metrics?: Record<string, number> } = {
    value: monitor.higherIsBetter ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY,
    epoch: 0,
  };
  let stale = 0;
  let stoppedBy: TrainingResult["stoppedBy"] = "epochs";
  let epoch = 0;
  while (epoch < o.epochs) {
    o.context.signal?.throwIfAborted();
    epoch++;
    const t0 = performance.now();
    const loss = o.trainEpoch(epoch);
    const seconds = (performance.now() - t0) / 1000;
    epochSeconds.push(seconds);
    if (!Number.isFinite(loss)) {
      const where = `loss ${loss} at epoch ${epoch}${o.stage ? `, ${o.stage}` : ""}`;
      if (o.lr === undefined) throw new ValidationError(`${o.model}.params`, "training", `parameters that keep the loss finite (${where})`);
      throw new ValidationError(`${o.model}.lr`, o.lr, `a smaller learning rate: training diverged (${where})`);
    }
    lossCurve.push(loss);
    const outOfTime = maxSeconds > 0 && trainSeconds() >= maxSeconds;
    let metrics: Record<string, number> | undefined;
    if (epoch % evalEvery === 0 || epoch === o.epochs || outOfTime) {
      o.refresh?.();
      if (o.validate) {
        metrics = o.validate();
        if (!(monitor.metric in metrics)) throw new Error(`${o.model}: validation gives no ${monitor.metric} (it gives ${Object.keys(metrics).join(", ")})`);
        validationCurve.push({ epoch, seconds: elapsed(), metrics });
        const value = metrics[monitor.metric];
        if (monitor.higherIsBetter ? value > best.value : value < best.value) {
          best = { value, epoch, metrics };
          o.best?.snapshot();
          stale = 0;
        } else stale++;
      }
      if (o.onCheckpoint) {
        const h0 = performance.now();
        await o.onCheckpoint({ epoch, trainSeconds: trainSeconds(), loss, validation: metrics });
        excluded += performance.now() - h0;
      }
    }
    o.context.onProgress?.({
      epoch,
      epochs: o.epochs,
      loss,
      validation: metrics,
      elapsed: elapsed(),
      message: `${o.stage ? `${o.stage}: ` : ""}${o.describeEpoch ? o.describeEpoch(epoch, seconds) : `epoch ${epoch} in ${seconds.toFixed(2)} s`}`,
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (outOfTime) {
      stoppedBy = "time-budget";
      break;
    }
    if (o.validate && patience > 0 && stale >= patience) {
      stoppedBy = "early-stopping";
      o.context.log?.(`${o.model}: early stop at epoch ${epoch}; best ${monitor.metric} ${best.value.toFixed(4)} at epoch ${best.epoch}`);
      break;
    }
  }
  // The state at the last epoch is the best one when best.epoch === epoch: nothing to restore.
  if (o.best && best.epoch > 0 && best.epoch !== epoch) {
    o.best.restore();
    o.refresh?.();
  }
  return {
    epochs: epoch,
    trainSeconds: trainSeconds(),
    lossCurve,
    validationCurve,
    epochSeconds,
    bestEpoch: best.epoch > 0 ? best.epoch : epoch,
    best: best.metrics,
    stoppedBy,
  };
}

/** Best state of a TensorFlow.js model: copies of every variable's values. */
export function weightSetState(weights: WeightSet): BestState {
  let saved: Map<string, Float32Array> | undefined;
  return {
    snapshot: () => {
      saved = weights.snapshot();
    },
    restore: () => {
      if (saved) weights.restore(saved);
    },
  };
}

/** Best state of typed-array parameters: one copy per array (allocated at the first snapshot), restored in place. */
export function arrayState(...arrays: (Float32Array | Float64Array)[]): BestState {
  let copies: (Float32Array | Float64Array)[] | undefined;
  return {
    snapshot: () => {
      if (!copies) copies = arrays.map((a) => a.slice());
      else copies.forEach((copy, k) => copy.set(arrays[k]));
    },
    restore: () => {
      copies?.forEach((copy, k) => arrays[k].set(copy));
    },
  };
}
