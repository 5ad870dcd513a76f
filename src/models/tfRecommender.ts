// The lifecycle every TensorFlow.js model shares (AutoRec, CDAE, Mult-VAE, NCF, SASRec): its
// trainable weights are one WeightSet (src/tf/weights.ts) built from the model's named shapes,
// from seeded values at fit or from the saved arrays at load; they are saved in ModelState by
// name, freed (with whatever the model derived from them) by dispose and before every refit, so
// a model holds no tensor once disposed (the contract suite counts them); scoring an untrained
// model is MODEL_NOT_READY; a fold-in profile is checked against the catalogue once, here.
import { AppError, ValidationError } from "../errors";
import { Interactions } from "../data/interactions";
import { initTf, tf } from "../tf/backend";
import { WeightSet, type WeightShapes } from "../tf/weights";
import { BaseRecommender } from "./base";
import { runTraining, weightSetState, type TrainingLoopOptions, type TrainingResult } from "./training";
import type { FitReport, ModelState, UserProfile } from "./types";

export abstract class TfRecommender<P extends object> extends BaseRecommender<P> {
  private weightSet: WeightSet | undefined;

  /** Names and shapes of the weights for the current shape and parameters (their order is the artifact layout). */
  protected abstract weightShapes(): WeightShapes;

  /** Frees what the model derived from its weights (cached codes, host copies); called whenever the weights go. */
  protected releaseDerived(): void {}

  /** The weights; MODEL_NOT_READY before fit or load. */
  protected requireWeights(): WeightSet {
    if (!this.weightSet) throw this.notReady();
    return this.weightSet;
  }

  /** The error of scoring or saving before fit or load. */
  protected notReady(): AppError {
    return new AppError("MODEL_NOT_READY", `model ${this.name} is not trained or loaded`, { model: this.name });
  }

  /** Starts a fit: TensorFlow.js ready, the previous weights freed, the data's shape taken. Returns the backend's name. */
  protected async beginFit(data: Interactions): Promise<string> {
    const backend = await initTf();
    this.disposeWeights();
    this.nUsers = data.nUsers;
    this.nItems = data.nItems;
    return backend;
  }

  /** Starts a load: the previous weights freed, the saved shape taken. */
  protected beginLoad(shape: { nUsers: number; nItems: number }): void {
    this.disposeWeights();
    this.nUsers = shape.nUsers;
    this.nItems = shape.nItems;
  }

  /**
   * Builds the weights of weightShapes() from `values(name, shape)`, called once per weight in
   * shape order (so seeded draws keep their order), and keeps them as the model's weights.
   */
  protected createWeights(values: (name: string, shape: readonly number[]) => Float32Array): WeightSet {
    this.weightSet?.dispose();
    this.weightSet = undefined;
    const set = new WeightSet(this.name);
    try {
      for (const [name, shape] of this.weightShapes()) set.add(name, shape, values(name, shape));
    } catch (error) {
      set.dispose();
      throw error;
    }
    this.weightSet = set;
    return set;
  }

  /** Builds the weights from a saved state's arrays (a missing or mis-sized one is a ValidationError naming it). */
  protected loadWeights(arrays: ModelState["arrays"]): WeightSet {
    this.weightSet?.dispose();
    this.weightSet = undefined;
    this.weightSet = WeightSet.fromArrays(this.name, this.weightShapes(), arrays);
    return this.weightSet;
  }

  /** Every weight as a saved array, keyed by name. */
  protected weightArrays(): Record<string, Float32Array> {
    return this.requireWeights().toArrays();
  }

  /** One optimiser step on loss() over every weight; returns the loss value. */
  protected minimize(optimizer: tf.Optimizer, loss: () => tf.Scalar): number {
    const cost = optimizer.minimize(loss, true, this.requireWeights().list());
    const value = cost!.dataSync()[0];
    cost!.dispose();
    return value;
  }

  /**
   * runTraining over the model's weights with a tf.train optimiser and the model's epochs,
   * learning rate and patience: the best validated epoch's weights are kept (snapshots of the
   * WeightSet); the optimiser is disposed at the end.
   */
  protected async trainWeights(
    optimizer: tf.Optimizer,
    settings: { epochs: number; lr: number; patience: number },
    options: Omit<TrainingLoopOptions, "model" | "best" | "epochs" | "lr" | "patience">,
  ): Promise<TrainingResult> {
    const { epochs, lr, patience } = settings;
    try {
      return await runTraining({ model: this.name, best: weightSetState(this.requireWeights()), epochs, lr, patience, ...options });
    } finally {
      optimizer.dispose();
    }
  }

  /** The FitReport of a trained model: curves, best epoch, per-epoch seconds, and the model's own notes. */
  protected fitReport(started: number, backend: string, loop: TrainingResult, notes: Record<string, unknown> = {}): FitReport {
    return {
      epochs: loop.epochs,
      seconds: (performance.now() - started) / 1000,
      lossCurve: loop.lossCurve,
      validationCurve: loop.validationCurve,
      notes: {
        backend,
        bestEpoch: loop.bestEpoch,
        bestValidation: loop.best,
        meanEpochSeconds: loop.epochSeconds.reduce((a, b) => a + b, 0) / Math.max(1, loop.epochSeconds.length),
        epochSeconds: loop.epochSeconds,
        stoppedBy: loop.stoppedBy,
        ...notes,
      },
    };
  }

  /** Item indices of a fold-in history, checked against the catalogue (order kept). */
  protected checkProfileItems(items: Int32Array): Int32Array {
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (!Number.isInteger(item) || item < 0 || item >= this.nItems) throw new ValidationError("profile.items", item, `item indices in 0–${this.nItems - 1} (${this.name})`);
    }
    return items;
  }

  /** A fold-in history as a one-row CSR matrix (items sorted; a repeated item keeps its last value; a missing value is 1). */
  protected profileRow(profile: UserProfile): Interactions {
    const { items, values } = profile;
    this.checkProfileItems(items);
    const order = Array.from(items.keys()).sort((a, b) => items[a] - items[b]);
    const sortedItems: number[] = [];
    const sortedValues: number[] = [];
    for (const k of order) {
      if (sortedItems.length > 0 && sortedItems[sortedItems.length - 1] === items[k]) sortedValues[sortedValues.length - 1] = values[k] ?? 1;
      else {
        sortedItems.push(items[k]);
        sortedValues.push(values[k] ?? 1);
      }
    }
    return new Interactions(1, this.nItems, Int32Array.of(0, sortedItems.length), Int32Array.from(sortedItems), Float32Array.from(sortedValues));
  }

  override dispose(): void {
    this.disposeWeights();
    super.dispose();
  }

  /** Frees the weights and everything derived from them; safe to call twice. */
  protected disposeWeights(): void {
    this.weightSet?.dispose();
    this.weightSet = undefined;
    this.releaseDerived();
  }
}
