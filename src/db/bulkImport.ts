// Bulk import in one transaction: COPY every record into temporary staging tables, then
// merge them into users/items/ratings with INSERT ... ON CONFLICT. A malformed row (thrown
// by the reader while COPY is streaming) aborts the COPY and rolls everything back, so the
// database is exactly as before. Re-importing the same data changes no row (the merges
// only update rows whose values differ). An aborted `signal` is checked between phases and
// for every record streamed; it throws the signal's reason, which rolls back the same way.
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import copyStreams from "pg-copy-streams";
import type { Db } from "./client";
import type { ItemRecord, RatingRecord, UserRecord } from "./records";

export interface ImportSource {
  format: string;
  /** Shown in dataset_imports.source (path or description). */
  source: string;
  users(): AsyncIterable<UserRecord>;
  items(): AsyncIterable<ItemRecord>;
  ratings(): AsyncIterable<RatingRecord>;
}

export type ImportPhase = "users" | "items" | "ratings" | "merge";

export interface ImportSummary {
  importId: number;
  usersInserted: number;
  usersUpdated: number;
  itemsInserted: number;
  itemsUpdated: number;
  ratingsInserted: number;
  ratingsUpdated: number;
  /** Rows read from the source (before de-duplication of repeated user–item pairs). */
  ratingsRead: number;
  seconds: number;
}

export interface ImportOptions {
  onPhase?: (phase: ImportPhase) => void;
  /** Cancels the import: it rolls back and rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export async function bulkImport(db: Db, source: ImportSource, options: ImportOptions = {}): Promise<ImportSummary> {
  const started = performance.now();
  const signal = options.signal;
  const phase = (next: ImportPhase): void => {
    signal?.throwIfAborted();
    options.onPhase?.(next);
    signal?.throwIfAborted();
  };
  signal?.throwIfAborted();
  // The bulk pool: COPY and the merges outlast the serving pool's statement timeouts (see client.ts).
  const client = await db.bulkPool.connect();
  try {
    await client.query("begin");
    await client.query(`
      create temporary table stage_users (external_id text not null, attributes jsonb) on commit drop;
      create temporary table stage_items (external_id text not null, title text, genres jsonb, tags jsonb, year integer, metadata jsonb) on commit drop;
      create temporary table stage_ratings (seq bigint generated always as identity, user_ext text not null, item_ext text not null,
                                            value real not null, rated_at double precision) on commit drop;`);

    phase("users");
    await copyInto(client, "stage_users (external_id, attributes)", source.users(), (u) => [u.externalId, json(u.attributes)], signal);
    phase("items");
    await copyInto(
      client,
      "stage_items (external_id, title, genres, tags, year, metadata)",
      source.items(),
      (i) => [i.externalId, i.title ?? null, json(i.genres ?? []), json(i.tags ?? []), i.year ?? null, json(i.metadata)],
      signal,
    );
    phase("ratings");
    const ratingsRead = await copyInto(client, "stage_ratings (user_ext, item_ext, value, rated_at)", source.ratings(), (r) => [r.user, r.item, r.value, r.time], signal);

    phase("merge");
    // Temporary tables have no statistics until analysed; without them the planner picks
    // nested-loop joins that make the merge of 1M ratings take ~17 s instead of seconds.
    await client.query("analyze stage_users; analyze stage_items; analyze stage_ratings");
    // Room for the large sorts (the merge's distinct-on, the index rebuilds) of one import
    // transaction; at 5M ratings 1 GB instead of 256 MB made no difference measurable on this
    // shared machine (the merge was bound by the insert, see below), so it is only headroom.
    await client.query("set local work_mem = '1GB'; set local maintenance_work_mem = '1GB'");
    const users = await upsert(client, "users", "external_id", ["attributes"], "select distinct on (external_id) external_id, attributes from stage_users order by external_id");
    const ratingUsers = await insertReferenced(client, "users", "user_ext");
    const items = await upsert(
      client,
      "items",
      "external_id",
      ["title", "genres", "tags", "year", "metadata"],
      `select distinct on (external_id) external_id, title,
              array(select jsonb_array_elements_text(genres)) as genres,
              array(select jsonb_array_elements_text(tags)) as tags, year, metadata
       from stage_items order by external_id`,
    );
    const ratingItems = await insertReferenced(client, "items", "item_ext");
    // Bulk loads into a small table go faster without the secondary indexes and foreign keys
    // (measured on Gowalla, 1M ratings: 18 s with them, a few seconds dropping and rebuilding
    // them). DDL is transactional, so a failure restores them. Small imports into a big
    // table keep them: rebuilding would cost more than it saves.
    const staged = Number((await client.query<{ n: string }>("select count(*) as n from stage_ratings")).rows[0].n);
    const existing = Number((await client.query<{ n: string }>("select count(*) as n from ratings")).rows[0].n);
    // Into an empty table (a first import) the primary key goes too, and the rows are inserted
    // without ON CONFLICT (nothing can conflict): its per-row speculative insertion into the key
    // was most of the merge (5M ratings: 27–30 s of a 60 s import).
    const empty = existing === 0;
    const rebuild = staged >= BULK_REBUILD_MIN_ROWS && staged > existing ? await dropRatingIndexes(client, empty) : undefined;
    // A pair repeated in the source keeps its last occurrence (latest line wins).
    const latest = `select distinct on (u.id, i.id) u.id as user_id, i.id as item_id, s.value, to_timestamp(s.rated_at) as rated_at
       from stage_ratings s join users u on u.external_id = s.user_ext join items i on i.external_id = s.item_ext
       order by u.id, i.id, s.seq desc`;
    const ratings =
      empty && rebuild
        ? {
            inserted: (await client.query(`insert into ratings (user_id, item_id, value, rated_at, updated_at) select user_id, item_id, value, rated_at, now() from (${latest}) latest`)).rowCount ?? 0,
            updated: 0,
          }
        : await upsert(client, "ratings", "user_id, item_id", ["value", "rated_at"], latest, "updated_at");
    if (rebuild) for (const statement of rebuild) await client.query(statement);
    const seconds = (performance.now() - started) / 1000;
    const record = await client.query<{ id: number }>(
      `insert into dataset_imports (format, source, users_inserted, items_inserted, ratings_inserted, ratings_updated, seconds)
       values ($1, $2, $3, $4, $5, $6, $7) returning id`,
      [source.format, source.source, users.inserted + ratingUsers.inserted, items.inserted + ratingItems.inserted, ratings.inserted, ratings.updated, seconds],
    );
    signal?.throwIfAborted();
    await client.query("commit");
    return {
      importId: record.rows[0].id,
      usersInserted: users.inserted + ratingUsers.inserted,
      usersUpdated: users.updated,
      itemsInserted: items.inserted + ratingItems.inserted,
      itemsUpdated: items.updated,
      ratingsInserted: ratings.inserted,
      ratingsUpdated: ratings.updated,
      ratingsRead,
      seconds,
    };
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const BULK_REBUILD_MIN_ROWS = 50_000;

/**
 * Drops the secondary indexes and foreign keys of `ratings` (and its primary key when
 * `primaryKey`); returns the statements that recreate them, the key first.
 */
async function dropRatingIndexes(client: pg.PoolClient, primaryKey: boolean): Promise<string[]> {
  const indexes = await client.query<{ name: string; definition: string }>(
    `select indexname as name, indexdef as definition from pg_indexes
     where schemaname = current_schema() and tablename = 'ratings' and indexname <> 'ratings_pkey'`,
  );
  const foreignKeys = await client.query<{ name: string; definition: string }>(
    `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint
     where conrelid = 'ratings'::regclass and contype = 'f'`,
  );
  const keys = primaryKey
    ? (
        await client.query<{ name: string; definition: string }>(
          `select conname as name, pg_get_constraintdef(oid) as definition from pg_constraint where conrelid = 'ratings'::regclass and contype = 'p'`,
        )
      ).rows
    : [];
  const constraints = [...foreignKeys.rows, ...keys];
  for (const constraint of constraints) await client.query(`alter table ratings drop constraint ${client.escapeIdentifier(constraint.name)}`);
  for (const index of indexes.rows) await client.query(`drop index ${client.escapeIdentifier(index.name)}`);
  const addConstraint = (c: { name: string; definition: string }) => `alter table ratings add constraint ${client.escapeIdentifier(c.name)} ${c.definition}`;
  return [...keys.map(addConstraint), ...indexes.rows.map((index) => index.definition), ...foreignKeys.rows.map(addConstraint)];
}

type CopyValue = string | number | null;

/** Streams records into `target` with COPY (text format); returns the row count. An aborted `signal` stops it with its reason. */
async function copyInto<T>(client: pg.PoolClient, target: string, records: AsyncIterable<T>, toRow: (record: T) => CopyValue[], signal: AbortSignal | undefined): Promise<number> {
  let rows = 0;
  // The reader's own error (e.g. a ParseError) is the one to report, not COPY's abort message.
  let readerError: unknown;
  async function* lines(): AsyncGenerator<string> {
    let batch = "";
    try {
      for await (const record of records) {
        signal?.throwIfAborted();
        batch += encodeCopyRow(toRow(record));
        rows++;
        if (batch.length > 1 << 16) {
          yield batch;
          batch = "";
        }
      }
    } catch (error) {
      readerError = error;
      throw error;
    }
    if (batch) yield batch;
  }
  const copy = client.query(copyStreams.from(`copy ${target} from stdin`));
  try {
    await pipeline(Readable.from(lines()), copy);
  } catch (error) {
    throw readerError ?? error;
  }
  return rows;
}

function encodeCopyRow(values: CopyValue[]): string {
  let row = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) row += "\t";
    const value = values[i];
    if (value === null || value === undefined) row += "\\N";
    else if (typeof value === "number") row += Number.isFinite(value) ? String(value) : "\\N";
    else row += escapeCopyText(value);
  }
  return row + "\n";
}

function escapeCopyText(text: string): string {
  // COPY text format: backslash, tab, newline and carriage return must be escaped.
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")) : text;
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * Merges the rows `staged` selects (one per `key`) into `table`: new keys are inserted, rows whose
 * `columns` differ are updated, equal rows are left alone (a re-import changes nothing). `touched`
 * names a timestamp column set to now() on insert and update. Counts inserted and updated rows.
 */
function upsert(client: pg.PoolClient, table: string, key: string, columns: string[], staged: string, touched?: string): Promise<MergeCounts> {
  const list = columns.join(", ");
  const set = columns.map((c) => `${c} = excluded.${c}`);
  // (t.a, t.b) is distinct from (excluded.a, excluded.b): a row comparison, a plain one for a single column.
  const row = (prefix: string) => (columns.length === 1 ? `${prefix}.${columns[0]}` : `(${columns.map((c) => `${prefix}.${c}`).join(", ")})`);
  return mergeCounts(
    client,
    `with staged as (${staged}),
     merged as (
       insert into ${table} (${key}, ${list}${touched ? `, ${touched}` : ""}) select ${key}, ${list}${touched ? ", now()" : ""} from staged
       on conflict (${key}) do update set ${[...set, ...(touched ? [`${touched} = now()`] : [])].join(", ")}
         where ${row(table)} is distinct from ${row("excluded")}
       returning (xmax = 0) as inserted)
     select count(*) filter (where inserted) as inserted, count(*) filter (where not inserted) as updated from merged`,
  );
}

/** Inserts the external ids in stage_ratings' `column` that `table` lacks (users or items known only from ratings). */
function insertReferenced(client: pg.PoolClient, table: string, column: string): Promise<MergeCounts> {
  return mergeCounts(
    client,
    `with merged as (
       insert into ${table} (external_id) select distinct ${column} from stage_ratings
       on conflict (external_id) do nothing returning 1)
     select count(*) as inserted, 0 as updated from merged`,
  );
}

interface MergeCounts {
  inserted: number;
  updated: number;
}

async function mergeCounts(client: pg.PoolClient, sql: string): Promise<MergeCounts> {
  const result = await client.query<{ inserted: string; updated: string }>(sql);
  return { inserted: Number(result.rows[0].inserted), updated: Number(result.rows[0].updated) };
}
