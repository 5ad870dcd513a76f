// Trained model versions and their artifacts.
import crypto from "node:crypto";
import type { Db } from "./client";
import type { ModelRun } from "./generated/client";
import { AppError, NotFoundError } from "../errors";
import { notifyInTransaction, RUNS_CHANNEL } from "./notify";

export type { ModelRun };
export type RunStatus = ModelRun["status"];

export async function createRun(db: Db, model: string, params: Record<string, unknown>): Promise<ModelRun> {
  return db.prisma.modelRun.create({ data: { model, params: params as object, status: "QUEUED" } });
}

export async function markRunning(db: Db, id: number): Promise<void> {
  await db.prisma.modelRun.update({ where: { id }, data: { status: "RUNNING", startedAt: new Date() } });
}

export interface RunResult {
  metrics: Record<string, unknown>;
  trainSeconds: number;
  dataFingerprint: string;
  artifact: Uint8Array;
}

/**
 * Stores the artifact and marks the run SUCCEEDED, in one transaction. On the bulk pool (no
 * statement timeout): the artifact of iALS at 25M ratings is ~115 MB, whose write outlasts the
 * serving pool's 5 s limit ("Query read timeout" after a 9-minute fit).
 */
export async function completeRun(db: Db, id: number, result: RunResult): Promise<ModelRun> {
  const bytes = Buffer.from(result.artifact.buffer, result.artifact.byteOffset, result.artifact.byteLength);
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  const client = await db.bulkPool.connect();
  try {
    await client.query("begin");
    await client.query("insert into model_artifacts (run_id, bytes, sha256, size_bytes) values ($1, $2, $3, $4)", [id, bytes, sha256, bytes.length]);
    await client.query(
      `update model_runs set status = 'SUCCEEDED', metrics = $2::jsonb, train_seconds = $3, data_fingerprint = $4, artifact_uri = $5, finished_at = now()
       where id = $1`,
      [id, JSON.stringify(result.metrics), result.trainSeconds, result.dataFingerprint, `db:model_artifacts/${id}`],
    );
    await client.query("commit");
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  const run = await getRun(db, id);
  if (!run) throw new NotFoundError("model run", id);
  return run;
}

export async function failRun(db: Db, id: number, message: string): Promise<void> {
  await db.prisma.modelRun.update({ where: { id }, data: { status: "FAILED", error: message, finishedAt: new Date() } });
}

/**
 * Marks run `id` FAILED unless it already finished (SUCCEEDED or FAILED): for a training
 * stopped from outside (cancelled, over its time limit, worker crashed), where the run may
 * have completed just before the stop. Returns whether it changed the run.
 */
export async function failUnfinishedRun(db: Db, id: number, message: string): Promise<boolean> {
  const { count } = await db.prisma.modelRun.updateMany({
    where: { id, status: { in: ["QUEUED", "RUNNING"] } },
    data: { status: "FAILED", error: message, finishedAt: new Date() },
  });
  return count > 0;
}

/**
 * At start-up: a run still QUEUED or RUNNING that no unfinished job owns was trained
 * outside the job queue (start-up bootstrap, `npm run train`) by a process that died and
 * will never finish; marks each FAILED with error "interrupted: <reason>". Returns how many.
 * Runs of QUEUED or RUNNING jobs are left to the job reaper, which knows whether their
 * worker is alive (src/services/jobs.ts).
 */
export async function failInterruptedRuns(db: Db, reason: string): Promise<number> {
  return db.pool
    .query(
      `update model_runs set status = 'FAILED', error = $1, finished_at = now()
      where status in ('QUEUED', 'RUNNING')
        and id not in (select model_run_id from jobs where status in ('QUEUED', 'RUNNING') and model_run_id is not null)`,
      [`interrupted: ${reason}`],
    )
    .then((result) => result.rowCount ?? 0);
}

/** What activateRun announces on RUNS_CHANNEL. */
export interface RunActivatedNotice {
  runId: number;
  model: string;
}

// Arbitrary constant: first key of the transaction locks that serialise activations of one model.
const ACTIVATION_LOCK_NAMESPACE = 7_243_914;

/**
 * Makes `id` the served version of its model (and no other run of that model), and tells
 * every process listening on RUNS_CHANNEL: the notice is part of the transaction, so it is
 * sent exactly when the activation commits, whoever activates (API, worker thread, script).
 * With `ifActive` (a run id, or null for "none"), it activates only if that is still the
 * model's active run, else CONFLICT: a decision taken against one version (ifNotWorse) is
 * not applied over another activated meanwhile. Activations of one model are serialised.
 */
export async function activateRun(db: Db, id: number, options: { ifActive?: number | null } = {}): Promise<ModelRun> {
  return db.prisma.$transaction(async (tx) => {
    const run = await tx.modelRun.findUnique({ where: { id } });
    if (!run) throw new NotFoundError("model run", id);
    if (run.status !== "SUCCEEDED") throw new AppError("BAD_USER_INPUT", `model run ${id} is ${run.status}; only a SUCCEEDED run can be activated`, { id });
    await tx.$queryRaw`select pg_advisory_xact_lock(${ACTIVATION_LOCK_NAMESPACE}::int, hashtext(${run.model}))::text as locked`;
    if (options.ifActive !== undefined) {
      const current = (await tx.modelRun.findFirst({ where: { model: run.model, active: true }, select: { id: true } }))?.id ?? null;
      if (current !== options.ifActive && current !== id) {
        throw new AppError("CONFLICT", `the active version of ${run.model} changed (now run ${current ?? "none"}, was ${options.ifActive ?? "none"}) while run ${id} was being decided`, {
          id,
          active: current,
        });
      }
    }
    await tx.modelRun.updateMany({ where: { model: run.model, active: true, NOT: { id } }, data: { active: false } });
    const activated = await tx.modelRun.update({ where: { id }, data: { active: true } });
    const notice: RunActivatedNotice = { runId: id, model: run.model };
    await notifyInTransaction(tx, RUNS_CHANNEL, JSON.stringify(notice));
    return activated;
  });
}

/** Replaces the stored metrics of run `id` (an activation decision revised after the run was stored). */
export async function updateRunMetrics(db: Db, id: number, metrics: Record<string, unknown>): Promise<ModelRun> {
  return db.prisma.modelRun.update({ where: { id }, data: { metrics: metrics as object } });
}

export async function activeRuns(db: Db): Promise<ModelRun[]> {
  return db.prisma.modelRun.findMany({ where: { active: true }, orderBy: { id: "asc" } });
}

/** Names of the models that have an active run. */
export async function activeModelNames(db: Db): Promise<Set<string>> {
  const rows = await db.prisma.modelRun.findMany({ where: { active: true }, select: { model: true } });
  return new Set(rows.map((run) => run.model));
}

export async function getRun(db: Db, id: number): Promise<ModelRun | null> {
  return db.prisma.modelRun.findUnique({ where: { id } });
}

export async function listRuns(db: Db, options: { model?: string; take?: number; skip?: number } = {}): Promise<ModelRun[]> {
  return db.prisma.modelRun.findMany({
    where: options.model ? { model: options.model } : {},
    orderBy: { id: "desc" },
    skip: options.skip ?? 0,
    take: options.take ?? 50,
  });
}

/** The run's artifact, checked against its sha256; on the bulk pool, like completeRun (a large artifact outlasts the serving timeouts). */
export async function readArtifact(db: Db, runId: number): Promise<Uint8Array> {
  const result = await db.bulkPool.query<{ bytes: Buffer; sha256: string }>("select bytes, sha256 from model_artifacts where run_id = $1", [runId]);
  const artifact = result.rows[0];
  if (!artifact) throw new NotFoundError("model artifact", runId);
  const bytes = new Uint8Array(artifact.bytes.buffer, artifact.bytes.byteOffset, artifact.bytes.byteLength);
  const sha256 = crypto.createHash("sha256").update(bytes).digest("hex");
  if (sha256 !== artifact.sha256) throw new AppError("INTERNAL", `model artifact ${runId} is corrupt (sha256 mismatch)`);
  return bytes;
}
