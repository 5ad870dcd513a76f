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

/** Content for item indices 0..nItems-1: `content[i]`, or empty for items known only from interactions. */
export function padContent(content: ItemContent[], nItems: number): ItemContent[] {
  return Array.from({ length: nItems }, (_, i) => content[i] ?? EMPTY_CONTENT);
}

/** Growable (user, item, value, time) triples on dense indices; `build` makes the CSR. */
export class TripleBuffer {
  private users = new Int32Array(1024);
  private items = new Int32Array(1024);
  private values = new Float32Array(1024);
  private times = new Float64Array(1024);
  private anyTime = false;
  length = 0;

  add(user: number, item: number, value: number, time: number | null): void {
    if (this.length === this.users.length) {
      const grow = <T extends Int32Array | Float32Array | Float64Array>(old: T, make: (n: number) => T): T => {
        const next = make(old.length * 2);
        next.set(old);
        return next;
      };
      this.users = grow(this.users, (n) => new Int32Array(n));
      this.items = grow(this.items, (n) => new Int32Array(n));
      this.values = grow(this.values, (n) => new Float32Array(n));
      this.times = grow(this.times, (n) => new Float64Array(n));
    }
    const k = this.length++;
    this.users[k] = user;
    this.items[k] = item;
    this.values[k] = value;
    this.times[k] = time ?? Number.NaN;
    if (time !== null) this.anyTime = true;
  }

  /** Adds every rating of `reader`, its external ids mapped through `users` and `items`. */
  async read(reader: DatasetReader, users: IdMap, items: IdMap): Promise<this> {
    for await (const rating of reader.ratings()) this.add(users.add(rating.user), items.add(rating.item), rating.value, rating.time);
    return this;
  }

  /** The CSR of these triples followed by those of `others` (a repeated user–item pair keeps its last occurrence). */
  build(nUsers: number, nItems: number, others: TripleBuffer[] = []): Interactions {
    const parts = [this, ...others];
    const n = parts.reduce((sum, p) => sum + p.length, 0);
    const users = new Int32Array(n);
    const items = new Int32Array(n);
    const values = new Float32Array(n);
    const times = new Float64Array(n);
    let offset = 0;
    for (const p of parts) {
      users.set(p.users.subarray(0, p.length), offset);
      items.set(p.items.subarray(0, p.length), offset);
      values.set(p.values.subarray(0, p.length), offset);
      times.set(p.times.subarray(0, p.length), offset);
      offset += p.length;
    }
    const anyTime = parts.some((p) => p.anyTime);
    return Interactions.fromTriples(nUsers, nItems, { users, items, values, times: anyTime ? times : undefined });
  }
}

/** Accumulates records into a TripleBuffer and the id maps; `build()` makes the CSR. */
export class DatasetBuilder {
  readonly users = new IdMap();
  readonly items = new IdMap();
  private readonly content: ItemContent[] = [];
  private readonly triples = new TripleBuffer();

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
    this.triples.add(this.users.add(record.user), this.items.add(record.item), record.value, record.time);
  }

  build(): Dataset {
    const interactions = this.triples.build(this.users.size, this.items.size);
    return { name: this.name, interactions, users: this.users, items: this.items, content: padContent(this.content, this.items.size), implicit: this.implicit };
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
