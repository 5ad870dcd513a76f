// Database snapshot → in-memory Dataset (external ids in the id maps, database ids kept
// beside them for the API's joins).
import type { Snapshot } from "../db/snapshot";
import type { Dataset, ItemContent } from "./dataset";
import { IdMap } from "./idMap";
import { Interactions } from "./interactions";

export interface DbDataset extends Dataset {
  /** Database id of each user index / item index. */
  userDbIds: Int32Array;
  itemDbIds: Int32Array;
  /** Snapshot version the dataset was built from. */
  version: string;
  takenAt: Date;
}

export function datasetFromSnapshot(snapshot: Snapshot, name = "database"): DbDataset {
  const users = IdMap.from(snapshot.users.externalIds);
  const items = IdMap.from(snapshot.items.externalIds);
  const userIndex = denseIndex(snapshot.users.ids);
  const itemIndex = denseIndex(snapshot.items.ids);
  const { ratings } = snapshot;
  const n = ratings.userIds.length;
  const u = new Int32Array(n);
  const i = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    u[k] = userIndex[ratings.userIds[k]] ?? -1;
    i[k] = itemIndex[ratings.itemIds[k]] ?? -1;
  }
  const anyTime = ratings.times.some((t) => !Number.isNaN(t));
  const interactions = Interactions.fromTriples(users.size, items.size, {
    users: u,
    items: i,
    values: ratings.values,
    times: anyTime ? ratings.times : undefined,
  });
  const content: ItemContent[] = snapshot.items.externalIds.map((_, k) => ({
    title: snapshot.items.titles[k],
    genres: snapshot.items.genres[k],
    tags: snapshot.items.tags[k],
    year: snapshot.items.years[k],
  }));
  // Implicit when every value is 1 (e.g. LightGCN files); ratings otherwise.
  const implicit = n > 0 && ratings.values.every((v) => v === 1);
  return {
    name,
    interactions,
    users,
    items,
    content,
    implicit,
    userDbIds: snapshot.users.ids,
    itemDbIds: snapshot.items.ids,
    version: snapshot.version,
    takenAt: snapshot.takenAt,
  };
}

/**
 * Database id → index, as an array indexed by id (ids are positive serials, so it is about as
 * long as the table): a lookup per rating, 25M of them at scale, is several times faster than a Map.
 * An id the snapshot does not list maps to -1 (the CSR builder rejects it).
 */
function denseIndex(ids: Int32Array): Int32Array {
  let max = 0;
  for (const id of ids) if (id > max) max = id;
  const index = new Int32Array(max + 1).fill(-1);
  ids.forEach((id, k) => (index[id] = k));
  return index;
}
