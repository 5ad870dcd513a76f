// The durable queue: pg-boss (schema `pgboss` in the application database) delivers job ids
// to worker processes and fires cron schedules.
//
// Why pg-boss, not graphile-worker: both keep jobs in PostgreSQL; pg-boss 10 runs on this
// project's Node 20 (graphile-worker 0.17+ and pg-boss 11+ want Node 22), it can cancel a
// queued job, and its cron schedules are rows in the database that any process may set and
// that fire once per slot however many processes watch them. The job record admins see is
// our own table (src/db/jobs.ts); pg-boss's copy is only the delivery.
//
// Deliveries are never retried (retryLimit 0): a training or an import that failed or
// whose worker died is reported failed, not silently run again. Expiry is set above the
// job's own time limit, so pg-boss only expires a delivery whose worker vanished without
// the reaper noticing.
import PgBoss from "pg-boss";

export const JOB_QUEUE = "graphrec-jobs";
/** Prefix of the cron queues, one per scheduled model (pg-boss keeps one schedule per queue name). */
export const RETRAIN_QUEUE_PREFIX = "graphrec-retrain-";

export interface JobDelivery {
  jobId: string;
}

export interface QueueOptions {
  /** Whether this process runs the cron clock (any number may; each slot fires once). */
  schedule?: boolean;
  /** How often an idle worker asks for a job (seconds, ≥ 0.5). */
  pollingIntervalSeconds?: number;
  /** How often the cron clock looks at the schedules and hands due slots on (seconds, 1–45; pg-boss's defaults when unset). */
  cronIntervalSeconds?: number;
  onError?: (error: Error) => void;
}

export class JobQueue {
  private readonly boss: PgBoss;
  private readonly pollingIntervalSeconds: number;
  private workerIds: string[] = [];
  private started = false;

  constructor(url: string, options: QueueOptions = {}) {
    this.pollingIntervalSeconds = options.pollingIntervalSeconds ?? 0.5;
    this.boss = new PgBoss({
      connectionString: url,
      application_name: "graphrec-queue",
      max: 4,
      schedule: options.schedule ?? true,
      ...(options.cronIntervalSeconds ? { cronMonitorIntervalSeconds: options.cronIntervalSeconds, cronWorkerIntervalSeconds: options.cronIntervalSeconds } : {}),
      // Maintenance (expiry, archiving) every 30 s rather than pg-boss's default 2 min.
      maintenanceIntervalSeconds: 30,
    });
    // pg-boss reports failed polls and maintenance as events; unhandled, an EventEmitter
    // "error" would end the process.
    this.boss.on("error", (error) => options.onError?.(error));
  }

  async start(): Promise<void> {
    await this.boss.start();
    this.started = true;
    if (!(await this.boss.getQueue(JOB_QUEUE))) await this.createQueue(JOB_QUEUE);
  }

  /** Whether the queue's tables answer within `timeoutMs` (readiness). */
  async healthy(timeoutMs: number): Promise<boolean> {
    if (!this.started) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.boss.getQueue(JOB_QUEUE).then((queue) => queue !== null), timeout]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hands job `jobId` to the workers; it expires (fails) `expireInSeconds` after it started if nobody finished it. */
  async send(jobId: string, expireInSeconds: number): Promise<void> {
    await this.boss.send(JOB_QUEUE, { jobId } satisfies JobDelivery, { id: jobId, retryLimit: 0, expireInSeconds: Math.max(1, Math.ceil(expireInSeconds)) });
  }

  /**
   * Runs `handler` for each delivered job, one at a time in this process. A handler that
   * throws fails the delivery; the job record is the handler's to write.
   */
  async work(handler: (delivery: JobDelivery) => Promise<void>): Promise<void> {
    const id = await this.boss.work<JobDelivery>(JOB_QUEUE, { batchSize: 1, pollingIntervalSeconds: this.pollingIntervalSeconds }, async ([job]) => {
      await handler(job.data);
    });
    this.workerIds.push(id);
  }

  /** Wakes this process's workers now (after a send from the same process) instead of at their next poll. */
  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  /** Drops a delivery nobody has fetched yet (cancelled before it started); harmless for one already taken. */
  async cancel(jobId: string): Promise<void> {
    await this.boss.cancel(JOB_QUEUE, jobId);
  }

  /** Marks a delivery failed (its worker died; the reaper found it). */
  async fail(jobId: string, reason: string): Promise<void> {
    await this.boss.fail(JOB_QUEUE, jobId, { reason });
  }

  /** Stops fetching new jobs (running handlers go on). */
  async stopWorking(): Promise<void> {
    await this.boss.offWork(JOB_QUEUE);
    this.workerIds = [];
  }

  /** Sets (or replaces) the cron schedule of `name`; `onFire` runs in whichever process the slot's job reaches. */
  async schedule(name: string, cron: string, data: Record<string, unknown>, timeZone = "UTC"): Promise<void> {
    const queue = RETRAIN_QUEUE_PREFIX + name;
    if (!(await this.boss.getQueue(queue))) await this.createQueue(queue);
    await this.boss.schedule(queue, cron, data, { tz: timeZone, retryLimit: 0 });
  }

  /** Handles the firings of schedule `name`. */
  async onSchedule(name: string, onFire: (data: Record<string, unknown>) => Promise<void>): Promise<void> {
    const id = await this.boss.work<Record<string, unknown>>(RETRAIN_QUEUE_PREFIX + name, { batchSize: 1, pollingIntervalSeconds: Math.max(1, this.pollingIntervalSeconds) }, async ([job]) => {
      await onFire(job.data);
    });
    this.workerIds.push(id);
  }

  /** Removes the schedules whose names are not in `keep` (a model taken out of the configuration). */
  async pruneSchedules(keep: readonly string[]): Promise<string[]> {
    const removed: string[] = [];
    for (const schedule of await this.boss.getSchedules()) {
      if (!schedule.name.startsWith(RETRAIN_QUEUE_PREFIX)) continue;
      if (keep.includes(schedule.name.slice(RETRAIN_QUEUE_PREFIX.length))) continue;
      await this.boss.unschedule(schedule.name);
      removed.push(schedule.name.slice(RETRAIN_QUEUE_PREFIX.length));
    }
    return removed;
  }

  async schedules(): Promise<{ name: string; cron: string; data: unknown }[]> {
    return (await this.boss.getSchedules())
      .filter((schedule) => schedule.name.startsWith(RETRAIN_QUEUE_PREFIX))
      .map((schedule) => ({ name: schedule.name.slice(RETRAIN_QUEUE_PREFIX.length), cron: schedule.cron, data: schedule.data }));
  }

  /** Stops polling and closes pg-boss's pool; running handlers are the caller's to stop first. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: false, close: true, wait: true, timeout: 5_000 });
  }

  private async createQueue(name: string): Promise<void> {
    try {
      await this.boss.createQueue(name, { name, retryLimit: 0 });
    } catch (error) {
      // Another process created it between our check and now.
      if (!(await this.boss.getQueue(name))) throw error;
    }
  }
}
