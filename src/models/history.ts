// Models that score a user from the items of their history alone (item kNN, EASE, P3α/RP3β,
// content-based): a training user is scored from their training row and a new history (fold-in)
// by the same rule, so both go through one `scoreHistory`. The training rows are kept (and
// saved with the state) because they are what a training user's scores are built from.
import { Interactions } from "../data/interactions";
import { ValidationError } from "../errors";
import { BaseRecommender } from "./base";
import type { ArrayState, UserProfile } from "./types";

/** One history: items[start..end) with their values; `user` is the training user it is the row of (undefined for a fold-in profile). */
export interface History {
  items: ArrayLike<number>;
  values: ArrayLike<number>;
  start: number;
  end: number;
  user?: number;
}

export abstract class HistoryRecommender<P extends object> extends BaseRecommender<P> {
  private train: Interactions | undefined;
  /**
   * Names of the saved history arrays: row pointers, items and values (the names each model used
   * before this class, so saved artifacts still load). Without a values name the values are not
   * saved and load as 1: for models that read only which items a user has.
   */
  protected readonly historyNames: readonly string[] = ["trainPtr", "trainIdx", "trainVal"];

  /** Scores of every item for `history` into out[0..nItems). */
  protected abstract scoreHistory(history: History, out: Float32Array): void;

  /**
   * Takes the shape from the training matrix and keeps its rows (the start of every fit): a new
   * wrapper of the same arrays, so a transpose cached on the caller's matrix is not kept alive.
   */
  protected useTraining(x: Interactions): void {
    this.nUsers = x.nUsers;
    this.nItems = x.nItems;
    this.train = new Interactions(x.nUsers, x.nItems, x.indptr, x.indices, x.values);
  }

  /** The training rows (fit or load first). */
  protected training(): Interactions {
    if (!this.train) throw new Error(`${this.name}: fit or load the model first`);
    return this.train;
  }

  scoreUser(user: number, out: Float32Array): void {
    this.checkUser(user);
    const x = this.training();
    this.scoreHistory({ items: x.indices, values: x.values, start: x.indptr[user], end: x.indptr[user + 1], user }, out);
  }

  override scoreProfile(profile: UserProfile, out: Float32Array): void {
    this.scoreHistory({ items: profile.items, values: profile.values, start: 0, end: profile.items.length }, out);
  }

  /** The training rows as state arrays, under `historyNames`. */
  protected historyArrays(): ArrayState {
    const x = this.training();
    const [ptr, idx, val] = this.historyNames;
    const arrays: ArrayState = { [ptr]: x.indptr, [idx]: x.indices };
    if (val !== undefined) arrays[val] = x.values;
    return arrays;
  }

  /** Restores the training rows saved by historyArrays (`nItems`: the catalogue they were trained on). */
  protected loadHistory(arrays: ArrayState, nUsers: number, nItems: number): void {
    const [ptr, idx, val] = this.historyNames;
    const indptr = arrays[ptr];
    const indices = arrays[idx];
    if (!(indptr instanceof Int32Array) || indptr.length !== nUsers + 1) throw new ValidationError(`state.${ptr}`, indptr?.length, `${nUsers + 1} row pointers`);
    if (!(indices instanceof Int32Array)) throw new ValidationError(`state.${idx}`, indices?.length, "int32 item indices");
    const values = val === undefined ? new Float32Array(indices.length).fill(1) : (arrays[val] as Float32Array);
    this.train = new Interactions(nUsers, nItems, indptr, indices, values);
  }

  override dispose(): void {
    super.dispose();
    this.train = undefined;
  }
}
