// What "retrain after N new interactions" needs to know, and the guard that keeps two
// workers from queueing the same retraining twice.
import type { Db } from "./client";
import type { NewJob } from "./jobs";

/** Ratings added or changed after `since` (all of them when null); the BRIN index on updated_at keeps this cheap. */
export async function ratingsChangedSince(db: Db, since: Date | null): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    since === null ? "select count(*)::int as n from ratings" : "select count(*)::int as n from ratings where updated_at > $1",
    since === null ? [] : [since],
  );
  return rows[0].n;
}

/** When the latest training of `model` read its data (its start), or null when it never trained. */
export async function lastTrainingStart(db: Db, model: string): Promise<Date | null> {
  const run = await db.prisma.modelRun.findFirst({ where: { model, startedAt: { not: null } }, orderBy: { startedAt: "desc" }, select: { startedAt: true } });
  return run?.startedAt ?? null;
}

// Arbitrary constant: first key of the transaction locks that serialise "queue a retraining of model m".
const RETRAIN_LOCK_NAMESPACE = 7_243_913;

/**
 * Inserts training job `job` unless a training of `model` is already QUEUED or RUNNING;
 * returns whether it did. Serialised per model, so concurrent workers queue it once.
 */
export async function createTrainingJobUnlessPending(db: Db, job: NewJob, model: string): Promise<boolean> {
  const client = await db.pool.connect();
  try {
    await client.query("begin");
    await client.query("select pg_advisory_xact_lock($1, hashtext($2))", [RETRAIN_LOCK_NAMESPACE, model]);
    const pending = await client.query("select 1 from jobs where kind = 'TRAIN' and status in ('QUEUED', 'RUNNING') and request->>'model' = $1 limit 1", [model]);
    if (pending.rowCount) {
      await client.query("rollback");
      return false;
    }
    await client.query(`insert into jobs (id, kind, request, trigger, message) values ($1, 'TRAIN', $2, $3, 'queued')`, [job.id, JSON.stringify(job.request), job.trigger]);
    await client.query("commit");
    return true;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
