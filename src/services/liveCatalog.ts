// The catalogue the server serves from: a database snapshot (CSR, id maps, content) plus
// the changes made through the API since (new users and items appended at the end, ratings
// added, changed or deleted). Histories merge both, so recommendations reflect a rating at
// once without re-reading the database or retraining.
//
// Readers get it as a CatalogView (RecommenderService.catalog): only the catalogue service
// (CatalogWriter) changes it, so that every change also reaches the served models and the
// other processes.
import type { DbDataset } from "../data/fromSnapshot";
import type { ItemContent } from "../data/dataset";
import type { IdMap } from "../data/idMap";
import type { UserProfile } from "../models/types";

/** Id lookups without `add`: ids join a catalogue only through its writer. */
export type IdLookup = Pick<IdMap, "size" | "index" | "id" | "has" | "toArray">;

/** A catalogue to read: everything of LiveCatalog but its mutators. */
export interface CatalogView {
  readonly users: IdLookup;
  readonly items: IdLookup;
  readonly content: readonly ItemContent[];
  /** The database snapshot under the API's changes. */
  readonly snapshot: Readonly<Pick<DbDataset, "interactions" | "userDbIds" | "itemDbIds" | "version">>;
  readonly version: number;
  readonly generation: number;
  readonly importedValueRange: [number, number] | undefined;
  readonly nUsers: number;
  readonly nItems: number;
  readonly nRatings: number;
  neighbourhoodSize(user: number): number;
  /** Builds the item-major index that `itemUsers`/`itemDegree` read (else built on first use). */
  prepareItemIndex(): void;
  /** The item's current raters (snapshot and API changes), any order. */
  itemUsers(item: number): Int32Array;
  /** Current number of ratings of a user / an item. */
  userDegree(user: number): number;
  itemDegree(item: number): number;
  /** When the user's current rating of the item was made (Unix seconds; null when unknown or absent). */
  ratedAt(user: number, item: number): number | null;
  itemDbIdArray(): Int32Array;
  userDbIdArray(): Int32Array;
  userDbId(index: number): number;
  itemDbId(index: number): number;
  hasGenre(genre: string): boolean;
  hasChanges(user: number): boolean;
  changedUsers(): number[];
  currentValue(user: number, item: number): number | undefined;
  history(user: number): UserProfile;
  ratedItems(user: number): Int32Array;
}

interface Change {
  /** null: deleted. */
  value: number | null;
  time: number;
}

export class LiveCatalog implements CatalogView {
  readonly users: IdMap;
  readonly items: IdMap;
  readonly content: ItemContent[];
  private userDbIds: number[];
  private itemDbIds: number[];
  private readonly changes = new Map<number, Map<number, Change>>();
  /** Per item, the users whose rating of it changed through the API (the item-major side of `changes`). */
  private readonly changedByItem = new Map<number, Set<number>>();
  /** Per item, ratings added minus ratings deleted through the API. */
  private readonly itemDegreeDelta = new Map<number, number>();
  private readonly genreCounts = new Map<string, number>();
  private ratingDelta = 0;
  /** Bumped on every change; caches keyed by it stay valid until the next change. */
  version = 0;
  private static built = 0;
  /**
   * Which catalogue of this process this is (each reload builds a new one). A replica's own
   * change notices carry it: a change applied to a catalogue that was replaced before the
   * notice came back must be applied again (see src/services/replicaSync.ts).
   */
  readonly generation = ++LiveCatalog.built;

  constructor(readonly snapshot: DbDataset) {
    this.users = snapshot.users;
    this.items = snapshot.items;
    this.content = snapshot.content;
    this.userDbIds = Array.from(snapshot.userDbIds);
    this.itemDbIds = Array.from(snapshot.itemDbIds);
    for (const item of this.content) for (const genre of item.genres) this.genreCounts.set(genre, (this.genreCounts.get(genre) ?? 0) + 1);
    const values = snapshot.interactions.values;
    if (values.length > 0) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      this.importedValueRange = [min, max];
    }
  }

  /**
   * The snapshot's raters of each item (CSC pointers and user indices), built on first use:
   * 8 bytes per rating, ~1 s at 25M. The item side of explanations reads it.
   */
  private byItem: { indptr: Int32Array; users: Int32Array } | undefined;

  private itemMajor(): { indptr: Int32Array; users: Int32Array } {
    if (!this.byItem) {
      const { indptr, rows } = this.snapshot.interactions.columnLayout();
      this.byItem = { indptr, users: rows };
    }
    return this.byItem;
  }

  /** Builds the item-major index now (at start-up), so that no request pays for it. */
  prepareItemIndex(): void {
    this.itemMajor();
  }

  /**
   * How many ratings the items of `user`'s history have, summed: the number of
   * user → item → user steps an explanation walks (its cost estimate).
   */
  neighbourhoodSize(user: number): number {
    let total = 0;
    for (const item of this.history(user).items) total += this.itemDegree(item);
    return total;
  }

  itemUsers(item: number): Int32Array {
    const base = this.snapshot.interactions;
    const { indptr, users } = this.itemMajor();
    const snapshotUsers = item < base.nItems ? users.subarray(indptr[item], indptr[item + 1]) : new Int32Array(0);
    const changed = this.changedByItem.get(item);
    if (!changed) return snapshotUsers;
    const current: number[] = [];
    for (const u of snapshotUsers) if (!changed.has(u)) current.push(u);
    for (const u of changed) if (this.currentValue(u, item) !== undefined) current.push(u);
    return Int32Array.from(current);
  }

  userDegree(user: number): number {
    if (this.changes.has(user)) return this.history(user).items.length;
    const base = this.snapshot.interactions;
    return user < base.nUsers ? base.indptr[user + 1] - base.indptr[user] : 0;
  }

  itemDegree(item: number): number {
    const base = this.snapshot.interactions;
    const { indptr } = this.itemMajor();
    return (item < base.nItems ? indptr[item + 1] - indptr[item] : 0) + (this.itemDegreeDelta.get(item) ?? 0);
  }

  ratedAt(user: number, item: number): number | null {
    const change = this.changes.get(user)?.get(item);
    if (change) return change.value === null ? null : change.time;
    const base = this.snapshot.interactions;
    if (user >= base.nUsers || item >= base.nItems) return null;
    const position = base.find(user, item);
    const time = position < 0 ? undefined : base.times?.[position];
    return time === undefined || Number.isNaN(time) ? null : time;
  }

  /** Smallest and largest rating value in the snapshot (the imported data's scale); undefined when empty. */
  readonly importedValueRange: [number, number] | undefined;

  get nUsers(): number {
    return this.users.size;
  }

  get nItems(): number {
    return this.items.size;
  }

  get nRatings(): number {
    return this.snapshot.interactions.nnz + this.ratingDelta;
  }

  /** Database ids in index order (models' index spaces are prefixes of these). */
  itemDbIdArray(): Int32Array {
    return Int32Array.from(this.itemDbIds);
  }

  userDbIdArray(): Int32Array {
    return Int32Array.from(this.userDbIds);
  }

  userDbId(index: number): number {
    return this.userDbIds[index];
  }

  itemDbId(index: number): number {
    return this.itemDbIds[index];
  }

  hasGenre(genre: string): boolean {
    return this.genreCounts.has(genre);
  }

  addUser(externalId: string, dbId: number): number {
    const index = this.users.add(externalId);
    this.userDbIds[index] = dbId;
    this.version++;
    return index;
  }

  addItem(externalId: string, dbId: number, content: ItemContent): number {
    const index = this.items.add(externalId);
    this.itemDbIds[index] = dbId;
    this.content[index] = content;
    for (const genre of content.genres) this.genreCounts.set(genre, (this.genreCounts.get(genre) ?? 0) + 1);
    this.version++;
    return index;
  }

  /** Records a rating (new or changed); returns whether the pair existed before. */
  setRating(user: number, item: number, value: number, time: number): boolean {
    const existed = this.currentValue(user, item) !== undefined;
    this.changesOf(user, item).set(item, { value, time });
    if (!existed) {
      this.ratingDelta++;
      this.itemDegreeDelta.set(item, (this.itemDegreeDelta.get(item) ?? 0) + 1);
    }
    this.version++;
    return existed;
  }

  deleteRating(user: number, item: number): boolean {
    const existed = this.currentValue(user, item) !== undefined;
    if (existed) {
      this.changesOf(user, item).set(item, { value: null, time: Date.now() / 1000 });
      this.ratingDelta--;
      this.itemDegreeDelta.set(item, (this.itemDegreeDelta.get(item) ?? 0) - 1);
      this.version++;
    }
    return existed;
  }

  /** True when the user's history changed since the snapshot (models trained on it are stale for them). */
  hasChanges(user: number): boolean {
    return this.changes.has(user);
  }

  /** Users whose history changed through the API since the snapshot. */
  changedUsers(): number[] {
    return [...this.changes.keys()];
  }

  currentValue(user: number, item: number): number | undefined {
    const change = this.changes.get(user)?.get(item);
    if (change) return change.value ?? undefined;
    if (user >= this.snapshot.interactions.nUsers || item >= this.snapshot.interactions.nItems) return undefined;
    return this.snapshot.interactions.get(user, item);
  }

  /** The user's current history in time order (snapshot part first, then API changes by time). */
  history(user: number): UserProfile {
    const base = this.snapshot.interactions;
    const changed = this.changes.get(user);
    const items: number[] = [];
    const values: number[] = [];
    if (user < base.nUsers) {
      for (const position of base.rowTimeOrder(user)) {
        const item = base.indices[position];
        if (changed?.has(item)) continue;
        items.push(item);
        values.push(base.values[position]);
      }
    }
    if (changed) {
      const entries = [...changed.entries()].filter(([, c]) => c.value !== null).sort((a, b) => a[1].time - b[1].time || a[0] - b[0]);
      for (const [item, change] of entries) {
        items.push(item);
        values.push(change.value!);
      }
    }
    return { items: Int32Array.from(items), values: Float32Array.from(values) };
  }

  /** Items the user has now (for exclusion), any order. */
  ratedItems(user: number): Int32Array {
    const base = this.snapshot.interactions;
    const changed = this.changes.get(user);
    if (!changed) return user < base.nUsers ? base.userItems(user) : new Int32Array(0);
    return this.history(user).items;
  }

  /** The user's change map, recording on the item's side that `user` changed `item`. */
  private changesOf(user: number, item: number): Map<number, Change> {
    let users = this.changedByItem.get(item);
    if (!users) this.changedByItem.set(item, (users = new Set()));
    users.add(user);
    let changed = this.changes.get(user);
    if (!changed) this.changes.set(user, (changed = new Map()));
    return changed;
  }
}
