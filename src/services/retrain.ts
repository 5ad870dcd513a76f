// Retraining without an admin: per-model cron schedules (pg-boss schedules, so each slot
// fires once however many workers run) and "after N new interactions" (each worker counts
// the ratings added or changed since the model's last training started, every
// `checkIntervalMs`). Either way a training job is queued (trigger "schedule" or
// "interactions") unless one of that model is already queued or running, with the
// activation policy "ifNotWorse": the new version is evaluated on a held-out slice of the
// current data and served only if its quality is within the rule's tolerance of the active
// version's; otherwise it stays a SUCCEEDED run an admin may activate, with the reason stored.
import type { RetrainRule } from "../config";
import type { Db } from "../db/client";
import type { JobQueue } from "../db/queue";
import { lastTrainingStart, ratingsChangedSince } from "../db/retrain";
import { getDefinition, resolveParams } from "../models/registry";
import type { Job, JobManager } from "./jobs";
import { PeriodicTask } from "./periodicTask";

export interface RetrainSchedulerOptions {
  checkIntervalMs: number;
  log?: (message: string) => void;
}

export class RetrainScheduler {
  private readonly checker: PeriodicTask;
  private readonly log: (message: string) => void;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly jobs: JobManager,
    private readonly rules: readonly RetrainRule[],
    private readonly options: RetrainSchedulerOptions,
  ) {
    this.log = options.log ?? (() => undefined);
    this.checker = new PeriodicTask(
      () => this.checkInteractions(),
      (error) => this.log(`retraining check: ${(error as Error).message}`),
    );
    // A typo in the configuration is an error at start, not a silent no-op at 3 a.m.
    for (const rule of rules) {
      getDefinition(rule.model);
      resolveParams(rule.model, rule.params);
    }
  }

  /** Registers the cron schedules (replacing those of models no longer configured) and starts counting interactions. */
  async start(): Promise<void> {
    const scheduled = this.rules.filter((rule) => rule.cron !== undefined);
    const removed = await this.queue.pruneSchedules(scheduled.map((rule) => rule.model));
    for (const model of removed) this.log(`retraining: removed the schedule of ${model} (no longer configured)`);
    for (const rule of scheduled) {
      await this.queue.schedule(rule.model, rule.cron!, { model: rule.model }, rule.timeZone);
      await this.queue.onSchedule(rule.model, async () => {
        await this.trigger(rule, "schedule");
      });
      this.log(`retraining: ${rule.model} on cron "${rule.cron}" (${rule.timeZone ?? "UTC"})`);
    }
    if (this.rules.some((rule) => rule.afterInteractions !== undefined)) {
      for (const rule of this.rules) if (rule.afterInteractions !== undefined) this.log(`retraining: ${rule.model} after ${rule.afterInteractions} new interactions`);
      this.checker.start(this.options.checkIntervalMs);
    }
  }

  async stop(): Promise<void> {
    await this.checker.stop();
  }

  /** Queues a retraining of `rule.model` (unless one is pending); null when skipped. */
  async trigger(rule: RetrainRule, trigger: "schedule" | "interactions"): Promise<Job | null> {
    const job = await this.jobs.submitTrainingUnlessPending(
      {
        model: rule.model,
        params: rule.params,
        activate: true,
        activation: { policy: "ifNotWorse", tolerance: rule.tolerance, ...(rule.metric ? { metric: rule.metric } : {}) },
      },
      trigger,
    );
    this.log(job ? `retraining ${rule.model} (${trigger}): job ${job.id}` : `retraining ${rule.model} (${trigger}): skipped, a training of it is already queued or running`);
    return job;
  }

  /** One pass over the afterInteractions rules; returns the jobs it queued. */
  async checkInteractions(): Promise<Job[]> {
    const queued: Job[] = [];
    for (const rule of this.rules) {
      if (rule.afterInteractions === undefined) continue;
      const changed = await ratingsChangedSince(this.db, await lastTrainingStart(this.db, rule.model));
      if (changed < rule.afterInteractions) continue;
      const job = await this.trigger(rule, "interactions");
      if (job) queued.push(job);
    }
    return queued;
  }
}
