// Bulk read of everything a model trains on, in three COPY ... TO STDOUT streams
// (much faster than row objects for a million ratings). Returns plain arrays keyed by
// database ids; the data layer turns them into id maps and CSR.
//
// Ratings come in COPY's binary format, parsed chunk by chunk straight into typed arrays
// sized from the count read in the same transaction: at 25M ratings the text form is ~0.9 GB,
// over V8's largest string (~0.5 GB), and 25M row arrays of strings would need several GB.
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
    const version = await client.query<{ n: string; last: Date | null }>(RATINGS_VERSION_SQL);
    const ratings = await copyRatings(client, Number(version.rows[0].n));
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

const RATINGS_COPY_SQL = "copy (select user_id, item_id, value, extract(epoch from rated_at)::float8 from ratings order by user_id, item_id) to stdout (format binary)";
/** COPY binary's fixed header: signature, flags (int32), header extension length (int32). */
const BINARY_SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** One ratings tuple: field count (int16), then length-prefixed int4, int4, float4, float8 (or a NULL time). */
const TUPLE_BYTES = 2 + (4 + 4) + (4 + 4) + (4 + 4) + (4 + 8);
const NULL_TIME_TUPLE_BYTES = TUPLE_BYTES - 8;

/** Streams the ratings (binary COPY) into typed arrays of `expected` entries (the count in the same transaction). */
async function copyRatings(client: pg.PoolClient, expected: number): Promise<SnapshotRatings> {
  const ratings: SnapshotRatings = {
    userIds: new Int32Array(expected),
    itemIds: new Int32Array(expected),
    values: new Float32Array(expected),
    times: new Float64Array(expected),
  };
  const stream = client.query(copyStreams.to(RATINGS_COPY_SQL));
  let pending: Buffer = Buffer.alloc(0);
  let headerRead = false;
  let n = 0;
  let ended = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    // A tuple may straddle two chunks: keep the unparsed tail (less than one tuple) for the next.
    const buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    if (!headerRead) {
      if (buffer.length < BINARY_SIGNATURE.length + 8) {
        pending = buffer;
        continue;
      }
      if (!buffer.subarray(0, BINARY_SIGNATURE.length).equals(BINARY_SIGNATURE)) throw new Error("ratings snapshot: not a binary COPY stream");
      at = BINARY_SIGNATURE.length + 8 + buffer.readInt32BE(BINARY_SIGNATURE.length + 4);
      headerRead = true;
    }
    while (at + 2 <= buffer.length) {
      const fields = buffer.readInt16BE(at);
      if (fields === -1) {
        ended = true;
        at += 2;
        break;
      }
      if (at + NULL_TIME_TUPLE_BYTES > buffer.length) break;
      const timeLength = buffer.readInt32BE(at + 26);
      const size = timeLength === -1 ? NULL_TIME_TUPLE_BYTES : TUPLE_BYTES;
      if (at + size > buffer.length) break;
      if (fields !== 4 || n >= expected) throw new Error(`ratings snapshot: unexpected tuple ${n} (${fields} fields, ${expected} expected rows)`);
      ratings.userIds[n] = buffer.readInt32BE(at + 6);
      ratings.itemIds[n] = buffer.readInt32BE(at + 14);
      ratings.values[n] = buffer.readFloatBE(at + 22);
      ratings.times[n] = timeLength === -1 ? Number.NaN : buffer.readDoubleBE(at + 30);
      n++;
      at += size;
    }
    pending = buffer.subarray(at);
  }
  if (!ended || n !== expected) throw new Error(`ratings snapshot: read ${n} of ${expected} ratings`);
  return ratings;
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
