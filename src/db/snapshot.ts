// Bulk read of everything a model trains on, in three COPY ... TO STDOUT streams
// (much faster than row objects for a million ratings). Returns plain arrays keyed by
// database ids; the data layer turns them into id maps and CSR.
import type pg from "pg";
import copyStreams from "pg-copy-streams";
import type { Db } from "./client";

export interface SnapshotUsers {
  ids: Int32Array;
  externalIds: string[];
}

export interface SnapshotItems {
  ids: Int32Array;
  externalIds: string[];
  titles: (string | null)[];
  genres: string[][];
  tags: string[][];
  years: (number | null)[];
}

export interface SnapshotRatings {
  userIds: Int32Array;
  itemIds: Int32Array;
  values: Float32Array;
  /** Unix seconds, NaN when unknown. */
  times: Float64Array;
}

export interface Snapshot {
  users: SnapshotUsers;
  items: SnapshotItems;
  ratings: SnapshotRatings;
  /** Cheap identity of the rating table's state (count + last change), for model runs. */
  version: string;
  /** When the snapshot was read (ratings changed later are not in it). */
  takenAt: Date;
}

export async function readSnapshot(db: Db): Promise<Snapshot> {
  // The bulk pool: reading a million ratings outlasts the serving pool's statement timeouts (see client.ts).
  const client = await db.bulkPool.connect();
  try {
    // One repeatable-read transaction: the three reads see the same state.
    await client.query("begin isolation level repeatable read read only");
    const takenAt = new Date();
    const userRows = await copyRows(client, "copy (select id, external_id from users order by id) to stdout");
    const itemRows = await copyRows(client, "copy (select id, external_id, title, array_to_json(genres), array_to_json(tags), year from items order by id) to stdout");
    const ratingRows = await copyRows(client, "copy (select user_id, item_id, value, extract(epoch from rated_at) from ratings order by user_id, item_id) to stdout");
    const version = await client.query<{ n: string; last: Date | null }>(RATINGS_VERSION_SQL);
    await client.query("commit");

    const users: SnapshotUsers = { ids: new Int32Array(userRows.length), externalIds: new Array(userRows.length) };
    userRows.forEach((row, k) => {
      users.ids[k] = Number(row[0]);
      users.externalIds[k] = row[1]!;
    });
    const items: SnapshotItems = {
      ids: new Int32Array(itemRows.length),
      externalIds: [],
      titles: [],
      genres: [],
      tags: [],
      years: [],
    };
    itemRows.forEach((row, k) => {
      items.ids[k] = Number(row[0]);
      items.externalIds.push(row[1]!);
      items.titles.push(row[2]);
      items.genres.push(row[3] ? (JSON.parse(row[3]) as string[]) : []);
      items.tags.push(row[4] ? (JSON.parse(row[4]) as string[]) : []);
      items.years.push(row[5] === null ? null : Number(row[5]));
    });
    const n = ratingRows.length;
    const ratings: SnapshotRatings = {
      userIds: new Int32Array(n),
      itemIds: new Int32Array(n),
      values: new Float32Array(n),
      times: new Float64Array(n),
    };
    ratingRows.forEach((row, k) => {
      ratings.userIds[k] = Number(row[0]);
      ratings.itemIds[k] = Number(row[1]);
      ratings.values[k] = Number(row[2]);
      ratings.times[k] = row[3] === null ? Number.NaN : Number(row[3]);
    });
    return { users, items, ratings, version: ratingsVersion(version.rows[0]), takenAt };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const RATINGS_VERSION_SQL = "select count(*) as n, max(updated_at) as last from ratings";

function ratingsVersion(row: { n: string; last: Date | null }): string {
  return `${row.n}@${row.last ? row.last.toISOString() : "empty"}`;
}

/** What a snapshot taken now would record, without reading the rows. */
export interface CatalogStamp {
  users: number;
  items: number;
  /** Snapshot.version's format: rating count and last change. */
  ratings: string;
}

/**
 * Counts and the ratings version, cheap next to a snapshot: a process compares them with
 * the snapshot it serves to learn whether anything was written since (writes it may have
 * missed before it listened for notices).
 */
export async function readCatalogStamp(db: Db): Promise<CatalogStamp> {
  const [counts, version] = await Promise.all([
    db.pool.query<{ users: string; items: string }>("select (select count(*) from users) as users, (select count(*) from items) as items"),
    db.pool.query<{ n: string; last: Date | null }>(RATINGS_VERSION_SQL),
  ]);
  return { users: Number(counts.rows[0].users), items: Number(counts.rows[0].items), ratings: ratingsVersion(version.rows[0]) };
}

/** Runs a COPY ... TO STDOUT (text format) and splits it into rows of fields (null for \N). */
async function copyRows(client: pg.PoolClient, sql: string): Promise<(string | null)[][]> {
  const stream = client.query(copyStreams.to(sql));
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString("utf8");
  const rows: (string | null)[][] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    rows.push(text.slice(start, end).split("\t").map(unescapeCopy));
    start = end + 1;
  }
  return rows;
}

function unescapeCopy(field: string): string | null {
  if (field === "\\N") return null;
  if (!field.includes("\\")) return field;
  return field.replace(/\\(.)/g, (_, c: string) => (c === "t" ? "\t" : c === "n" ? "\n" : c === "r" ? "\r" : c));
}
