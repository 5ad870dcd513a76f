// An in-memory data set: id maps, the CSR interaction matrix and item content, built from
// a file reader (evaluation) or from database rows (serving and training jobs).
import type { ItemRecord, RatingRecord, UserRecord } from "../db/records";
import type { DatasetReader } from "./formats";
import { IdMap } from "./idMap";
import { Interactions } from "./interactions";

export interface ItemContent {
  title: string | null;
  genres: string[];
  tags: string[];
  year: number | null;
}

export interface Dataset {
  name: string;
  interactions: Interactions;
  users: IdMap;
  items: IdMap;
  /** Content per item index (empty for items known only from interactions). */
  content: ItemContent[];
  /** Implicit feedback (values are weights, not ratings). */
  implicit: boolean;
}

const EMPTY_CONTENT: ItemContent = Object.freeze({ title: null, genres: [], tags: [], year: null }) as ItemContent;

/** Accumulates records into growable typed arrays; `build()` makes the CSR. */
export class DatasetBuilder {
  readonly users = new IdMap();
  readonly items = new IdMap();
  private readonly content: ItemContent[] = [];
  private userIdx = new Int32Array(1024);
  private itemIdx = new Int32Array(1024);
  private vals = new Float32Array(1024);
  private times = new Float64Array(1024);
  private count = 0;
  private anyTime = false;

  constructor(
    private readonly name: string,
    private readonly implicit: boolean,
  ) {}

  addUser(record: UserRecord): number {
    return this.users.add(record.externalId);
  }

  addItem(record: ItemRecord): number {
    const index = this.items.add(record.externalId);
    this.content[index] = {
      title: record.title ?? null,
      genres: record.genres ?? [],
      tags: record.tags ?? [],
      year: record.year ?? null,
    };
    return index;
  }

  addRating(record: RatingRecord): void {
    this.add(this.users.add(record.user), this.items.add(record.item), record.value, record.time);
  }

  add(user: number, item: number, value: number, time: number | null): void {
    if (this.count === this.userIdx.length) this.grow();
    this.userIdx[this.count] = user;
    this.itemIdx[this.count] = item;
    this.vals[this.count] = value;
    this.times[this.count] = time ?? Number.NaN;
    if (time !== null) this.anyTime = true;
    this.count++;
  }

  private grow(): void {
    const size = this.userIdx.length * 2;
    const resize = <T extends Int32Array | Float32Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const next = make(size);
      next.set(old);
      return next;
    };
    this.userIdx = resize(this.userIdx, (n) => new Int32Array(n));
    this.itemIdx = resize(this.itemIdx, (n) => new Int32Array(n));
    this.vals = resize(this.vals, (n) => new Float32Array(n));
    this.times = resize(this.times, (n) => new Float64Array(n));
  }

  build(): Dataset {
    const n = this.count;
    const interactions = Interactions.fromTriples(this.users.size, this.items.size, {
      users: this.userIdx.subarray(0, n),
      items: this.itemIdx.subarray(0, n),
      values: this.vals.subarray(0, n),
      times: this.anyTime ? this.times.subarray(0, n) : undefined,
    });
    const content = Array.from({ length: this.items.size }, (_, i) => this.content[i] ?? EMPTY_CONTENT);
    return { name: this.name, interactions, users: this.users, items: this.items, content, implicit: this.implicit };
  }
}

/** Reads a whole data set from files into memory (users, items, then ratings). */
export async function loadDataset(reader: DatasetReader, name = reader.format): Promise<Dataset> {
  const builder = new DatasetBuilder(name, reader.implicit);
  for await (const user of reader.users()) builder.addUser(user);
  for await (const item of reader.items()) builder.addItem(item);
  for await (const rating of reader.ratings()) builder.addRating(rating);
  return builder.build();
}
