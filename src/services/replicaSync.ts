// Keeps this API process in step with the others over the same database. Each process serves
// from memory (the live catalogue and the active models, src/services/recommender.ts), so a
// write through one process, or a model activated by any (API, training worker thread,
// `npm run train` in another process), must reach the others' memory. The database says
// what happened (PostgreSQL NOTIFY, transport in src/db/notify.ts); this class decides what to
// do about it.
//
// - Model activations (graphrec_runs, sent inside activateRun's transaction): compare the
//   database's active runs with the served ones and install what differs. Notices within
//   RUNS_DEBOUNCE_MS are handled by one check. A run trained while this process appended
//   items in another order than the database's ids is incompatible with the live catalogue
//   (RecommenderService.assertCompatible): reload the catalogue from the database, retry once.
// - Catalogue changes (graphrec_catalog, sent by CatalogWriter after each commit): applied
//   through CatalogWriter's apply* methods, the code path of local writes. A rating notice is
//   not applied as it says: the pair's row is re-read (all pending pairs in one query), so
//   that two processes rating the same pair at once both end with what the database kept.
//   Item rows are read too (their metadata does not fit a notice). Notices from this process
//   are skipped, unless the catalogue they were applied to has been replaced since, or
//   another process wrote the same pair moments before: this process's own write may have
//   been applied after the other's re-read although it committed first (measured: 10 rounds
//   of simultaneous ratings of one pair through two replicas left one of them on its own
//   value), and the re-read of its own notice ends that.
// - Reload notices (after an import elsewhere): reload the catalogue from the database.
// - Nothing is lost for good: a periodic check (CHECK_INTERVAL_MS) compares active runs again
//   and reloads the catalogue if a notice could not be applied; after the listening session
//   reconnects (notices may have been missed), the catalogue is reloaded and runs compared;
//   at start, a catalogue that changed since the snapshot this process loaded is reloaded.
//
// Catalogue work (notices, reloads) runs one task at a time, in arrival order, so that a
// notice that arrives during a reload is applied to the new catalogue, not the old one.
//
// state() is for a readiness check: `listening` false means changes elsewhere reach this
// process only through the periodic check (runs) and the reload after reconnecting.
// Limits: a write whose notice could not be sent (the database went away just after the
// commit; the writer logs it) reaches the others at their next catalogue reload only.
import type { Db } from "../db/client";
import { itemsByIds, ratingsByPairs } from "../db/catalog";
import { activeRuns, readArtifact } from "../db/modelRuns";
import { NotificationListener, RUNS_CHANNEL, type ListenerOptions } from "../db/notify";
import { readCatalogStamp } from "../db/snapshot";
import { ModelNotReadyError } from "../errors";
import type { CatalogWriter } from "./catalogWrites";
import type { RecommenderService } from "./recommender";
import { CATALOG_CHANNEL, parseCatalogNotice, type CatalogNotice, type RatingNotice } from "./replicaNotices";

export { publishCatalogReload } from "./replicaNotices";

/** How long a pair another process wrote counts as contested (own notices for it are re-read). */
const CONTESTED_PAIR_MS = 30_000;

/** Default period of the fallback comparison of active runs. */
export const CHECK_INTERVAL_MS = 15_000;
/**
 * Activations this close together are handled by one comparison; the wait also lets the
 * process that activated a run install it itself first (the comparison then skips it).
 */
export const RUNS_DEBOUNCE_MS = 200;

export interface ReplicaSyncOptions {
  db: Db;
  recommender: RecommenderService;
  writer: CatalogWriter;
  log?: (message: string) => void;
  checkIntervalMs?: number;
  runsDebounceMs?: number;
  /** Transport settings (tests shorten the backoff). */
  listener?: Partial<Pick<ListenerOptions, "applicationName" | "initialBackoffMs" | "maxBackoffMs" | "heartbeatMs" | "timeoutMs">>;
}

/** For readiness checks and metrics. */
export interface ReplicaSyncState {
  /** A session with LISTEN on both channels is open: changes elsewhere reach this process within moments. */
  listening: boolean;
  /** Last completed comparison of the database's active runs with the served ones. */
  lastSyncAt: Date | null;
  /** Last notice received (any channel, any origin). */
  lastNoticeAt: Date | null;
  /** Sessions reopened after one was lost. */
  reconnects: number;
  /** Catalogue reloads done here (reload notices, reconnects, incompatible runs, failed notices). */
  catalogReloads: number;
  /** Other processes' catalogue notices applied. */
  noticesApplied: number;
  /** A notice could not be applied; the next check reloads the catalogue. */
  catalogStale: boolean;
}

export class ReplicaSync {
  private readonly listener: NotificationListener;
  private readonly log: (message: string) => void;
  private readonly checkIntervalMs: number;
  private readonly runsDebounceMs: number;
  private started = false;
  private stopped = false;
  private checkTimer: NodeJS.Timeout | undefined;
  private outageLogged = false;

  /** Catalogue work, one task at a time. */
  private catalogWork: Promise<void> = Promise.resolve();
  private readonly pending: CatalogNotice[] = [];
  private drainQueued = false;

  /** Run comparisons, one at a time; a request during one runs another after it. */
  private runCheck: Promise<void> | undefined;
  private runCheckAgain = false;
  private runDebounce: NodeJS.Timeout | undefined;
  /** model → run id that failed to install: not retried until the catalogue is reloaded. */
  private readonly unservable = new Map<string, number>();
  /** "user:item" → when another process's rating notice for it came, oldest first. */
  private readonly contested = new Map<string, number>();

  private readonly status: Omit<ReplicaSyncState, "listening"> = {
    lastSyncAt: null,
    lastNoticeAt: null,
    reconnects: 0,
    catalogReloads: 0,
    noticesApplied: 0,
    catalogStale: false,
  };

  constructor(private readonly options: ReplicaSyncOptions) {
    this.log = options.log ?? (() => undefined);
    this.checkIntervalMs = options.checkIntervalMs ?? CHECK_INTERVAL_MS;
    this.runsDebounceMs = options.runsDebounceMs ?? RUNS_DEBOUNCE_MS;
    options.writer.onPublishError = (error) => this.log(`replica sync: a change notice could not be sent (others catch up at their next reload): ${message(error)}`);
    this.listener = new NotificationListener({
      ...options.listener,
      url: options.db.url,
      channels: [RUNS_CHANNEL, CATALOG_CHANNEL],
      onNotice: (channel, payload) => this.onNotice(channel, payload),
      onListening: ({ reconnect }) => this.onListening(reconnect),
      onError: (error) => {
        // Once per outage: the listener retries every few seconds while the database is away.
        if (this.outageLogged) return;
        this.outageLogged = true;
        this.log(`replica sync: listening session lost or refused, reconnecting: ${message(error)}`);
      },
    });
  }

  state(): ReplicaSyncState {
    return { listening: this.listener.listening, ...this.status };
  }

  /**
   * Listens (resolves once LISTEN is in place, or after the first failed attempt; it keeps
   * trying), catches up with what changed since the catalogue was loaded, and starts the
   * periodic check.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.listener.start();
    this.checkTimer = setInterval(() => void this.periodicCheck(), this.checkIntervalMs);
    this.checkTimer.unref();
  }

  /** Stops listening and waits for work in progress (nothing is applied after it resolves). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.checkTimer);
    clearTimeout(this.runDebounce);
    await this.listener.close();
    this.pending.length = 0;
    await Promise.all([this.catalogWork, this.runCheck]);
  }

  /** Compares active runs now and installs what differs; resolves when done (tests, admin tools). */
  checkRuns(): Promise<void> {
    if (this.runCheck) {
      this.runCheckAgain = true;
      return this.runCheck;
    }
    const check = (async () => {
      try {
        do {
          this.runCheckAgain = false;
          await this.compareRuns();
        } while (this.runCheckAgain && !this.stopped);
      } finally {
        this.runCheck = undefined;
      }
    })();
    this.runCheck = check;
    return check;
  }

  private onNotice(channel: string, payload: string): void {
    if (this.stopped) return;
    this.status.lastNoticeAt = new Date();
    if (channel === RUNS_CHANNEL) {
      // The first notice starts the wait, later ones join it (a steady stream cannot postpone the check).
      if (this.runDebounce) return;
      this.runDebounce = setTimeout(() => {
        this.runDebounce = undefined;
        this.checkRuns().catch((error: unknown) => this.log(`replica sync: comparing active runs failed: ${message(error)}`));
      }, this.runsDebounceMs);
      return;
    }
    const notice = parseCatalogNotice(payload);
    if (!notice) {
      this.log(`replica sync: ignored a notice in an unknown format on ${channel}`);
      return;
    }
    // The sender reloaded its own catalogue already (the import job does).
    if (notice.kind === "reload" && notice.origin === this.options.writer.origin) return;
    this.pending.push(notice);
    if (this.drainQueued) return;
    this.drainQueued = true;
    void this.serially(async () => {
      this.drainQueued = false;
      await this.applyPending();
    });
  }

  private onListening(reconnect: boolean): void {
    this.outageLogged = false;
    if (reconnect) {
      this.status.reconnects++;
      this.log("replica sync: listening again; reloading the catalogue and comparing active runs (notices may have been missed)");
      void this.serially(() => this.reloadCatalog("the listening session reconnected"));
    } else {
      // Writes between loading the catalogue and listening were not announced to this process.
      void this.serially(() => this.catchUpSinceSnapshot());
    }
    void this.checkRuns().catch((error: unknown) => this.log(`replica sync: comparing active runs failed: ${message(error)}`));
  }

  private async periodicCheck(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.status.catalogStale) await this.serially(() => this.reloadCatalog("a change notice could not be applied"));
      await this.checkRuns();
    } catch (error) {
      this.log(`replica sync: periodic check failed: ${message(error)}`);
    }
  }

  /** Queues catalogue work behind what is queued; a failure is logged and marks the catalogue stale. */
  private serially(task: () => Promise<void>): Promise<void> {
    const next = this.catalogWork.then(async () => {
      if (this.stopped) return;
      try {
        await task();
      } catch (error) {
        this.status.catalogStale = true;
        this.log(`replica sync: catalogue update failed, reloading at the next check: ${message(error)}`);
      }
    });
    this.catalogWork = next;
    return next;
  }

  private async applyPending(): Promise<void> {
    let notices = this.pending.splice(0);
    // A reload reads everything committed before it, which includes every change announced before it.
    const lastReload = notices.map((n) => n.kind).lastIndexOf("reload");
    if (lastReload >= 0) {
      await this.reloadCatalog("another process reloaded its catalogue (an import)");
      notices = notices.slice(lastReload + 1);
    }
    let ratings: RatingNotice[] = [];
    for (const notice of notices) {
      if (!this.concernsThisProcess(notice)) continue;
      if (notice.kind === "rating") {
        ratings.push(notice);
        continue;
      }
      // Keep the order: a user or item before the ratings that follow it.
      await this.applyRatings(ratings);
      ratings = [];
      if (notice.kind === "user") {
        this.options.writer.applyUser({ id: notice.userId, externalId: notice.userExternalId });
        this.status.noticesApplied++;
      } else if (notice.kind === "item") {
        await this.applyItems([notice.itemId]);
        this.status.noticesApplied++;
      }
    }
    await this.applyRatings(ratings);
  }

  /**
   * Another process's notice concerns this one. So does its own when the catalogue it was
   * applied to has been replaced since (the change may be missing from the new one), and a
   * rating of a pair another process wrote moments before (see the header).
   */
  private concernsThisProcess(notice: CatalogNotice): boolean {
    if (notice.kind === "reload") return false;
    const pair = notice.kind === "rating" ? `${notice.userId}:${notice.itemId}` : undefined;
    const now = Date.now();
    for (const [key, at] of this.contested) {
      if (now - at < CONTESTED_PAIR_MS) break;
      this.contested.delete(key);
    }
    if (notice.origin !== this.options.writer.origin) {
      if (pair) {
        // Re-inserted, so that the map stays in time order.
        this.contested.delete(pair);
        this.contested.set(pair, now);
      }
      return true;
    }
    return notice.generation !== this.options.recommender.catalog.generation || (pair !== undefined && this.contested.has(pair));
  }

  private async applyItems(ids: number[]): Promise<void> {
    for (const item of await itemsByIds(this.options.db, ids)) this.options.writer.applyItem(item);
  }

  /** Applies the pairs' rows as the database has them now (absent: deleted). */
  private async applyRatings(notices: RatingNotice[]): Promise<void> {
    if (notices.length === 0) return;
    const pairs = new Map<string, RatingNotice>();
    for (const notice of notices) pairs.set(`${notice.userId}:${notice.itemId}`, notice);
    const targets = [...pairs.values()];
    const { db, writer } = this.options;
    // The item rows too: applyRating adds an item this catalogue lacks (created elsewhere, its
    // notice behind this one), and that needs its content.
    const [rows, items] = await Promise.all([ratingsByPairs(db, targets), itemsByIds(db, [...new Set(targets.map((n) => n.itemId))])]);
    const rowOf = new Map(rows.map((row) => [`${row.userId}:${row.itemId}`, row]));
    const itemOf = new Map(items.map((item) => [item.id, item]));
    for (const [key, notice] of pairs) {
      const row = rowOf.get(key);
      const item = itemOf.get(notice.itemId);
      // No item row: deleted since (its ratings went with it).
      if (row && item) writer.applyRating({ id: notice.userId, externalId: notice.userExternalId }, item, row.value, row.ratedAt ?? row.updatedAt);
      else writer.applyRatingDeleted(notice.userExternalId, notice.itemExternalId);
      this.status.noticesApplied++;
    }
  }

  private async catchUpSinceSnapshot(): Promise<void> {
    const { catalog } = this.options.recommender;
    const stamp = await readCatalogStamp(this.options.db);
    const { snapshot } = catalog;
    const unchanged = stamp.users === snapshot.userDbIds.length && stamp.items === snapshot.itemDbIds.length && stamp.ratings === snapshot.version && catalog.changedUsers().length === 0;
    if (!unchanged) await this.reloadCatalog("the database changed between loading the catalogue and listening");
  }

  private async reloadCatalog(reason: string): Promise<void> {
    const started = performance.now();
    this.status.catalogStale = false;
    try {
      await this.options.writer.reload();
    } catch (error) {
      this.status.catalogStale = true;
      throw error;
    }
    this.status.catalogReloads++;
    // Runs that did not fit the old catalogue may fit this one.
    this.unservable.clear();
    this.log(`replica sync: catalogue reloaded in ${(performance.now() - started).toFixed(0)} ms (${reason})`);
  }

  private async compareRuns(): Promise<void> {
    const { db, recommender } = this.options;
    for (const run of await activeRuns(db)) {
      if (this.stopped) return;
      if (recommender.getServed(run.model)?.run.id === run.id || this.unservable.get(run.model) === run.id) continue;
      const bytes = await readArtifact(db, run.id);
      // Installed meanwhile by whoever activated it here (the resolver or the job manager).
      if (recommender.getServed(run.model)?.run.id === run.id) continue;
      try {
        recommender.install(run, bytes);
      } catch (error) {
        if (!(error instanceof ModelNotReadyError)) {
          this.unservable.set(run.model, run.id);
          this.log(`replica sync: model ${run.model} run ${run.id} is active but cannot be served here: ${message(error)}`);
          continue;
        }
        // Trained on the database's id order, which this catalogue's appended items may not follow.
        await this.serially(() => this.reloadCatalog(`model ${run.model} run ${run.id} did not fit the live catalogue`));
        try {
          recommender.install(run, bytes);
        } catch (retryError) {
          this.unservable.set(run.model, run.id);
          this.log(`replica sync: model ${run.model} run ${run.id} is active but cannot be served here: ${message(retryError)}`);
          continue;
        }
      }
      this.log(`replica sync: now serving ${run.model} run ${run.id} (activated elsewhere)`);
    }
    this.status.lastSyncAt = new Date();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
