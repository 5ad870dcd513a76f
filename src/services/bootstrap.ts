// First-start policy: make sure the database has data and the default model is trained.
// Data: DATA_DIR when given; else download MovieLens 100K when the network allows; else a
// deterministic synthetic catalogue, so the demo always runs offline.
import path from "node:path";
import type { Db } from "../db/client";
import { bulkImport, type ImportSummary } from "../db/bulkImport";
import { ratingCount } from "../db/catalog";
import { activeModelNames } from "../db/modelRuns";
import { detectFormat, parseFormat } from "../data/formats";
import { generateSyntheticCatalogue, type SyntheticOptions } from "../data/synthetic";
import { ValidationError } from "../errors";
import type { TrainingProgress } from "../models/types";
import { downloadDataset } from "./datasets";
import { importDataset } from "./importService";
import { trainModel } from "./training";

export type DataOrigin = "existing" | "data-dir" | "download" | "synthetic";

export interface EnsureDataOptions {
  dataDir?: string;
  dataFormat?: string;
  homeDir: string;
  /** Skip the network (tests, air-gapped machines). */
  offline?: boolean;
  log: (message: string) => void;
}

export async function ensureData(db: Db, options: EnsureDataOptions): Promise<DataOrigin> {
  const { log } = options;
  const count = await ratingCount(db);
  if (count > 0) {
    log(`database has ${count} ratings; not importing`);
    return "existing";
  }
  if (options.dataDir) {
    const format = options.dataFormat ? parseFormat(options.dataFormat, "DATA_FORMAT") : detectFormat(options.dataDir);
    if (!format) throw new ValidationError("DATA_DIR", options.dataDir, "a data set folder in a known format (or set DATA_FORMAT)");
    log(`importing ${options.dataDir} (${format})`);
    const summary = await importDataset(db, { format, path: options.dataDir });
    log(`imported ${summary.ratingsInserted} ratings in ${summary.seconds.toFixed(1)} s`);
    return "data-dir";
  }
  if (!options.offline) {
    try {
      const folder = await downloadDataset("ml-100k", path.join(options.homeDir, "datasets"), { timeoutMs: 30_000, log });
      const summary = await importDataset(db, { format: "movielens-100k", path: folder });
      log(`imported MovieLens 100K: ${summary.ratingsInserted} ratings in ${summary.seconds.toFixed(1)} s`);
      return "download";
    } catch (error) {
      log(`MovieLens 100K download failed (${(error as Error).message}); using the synthetic demo catalogue`);
    }
  }
  const summary = await importSyntheticCatalogue(db, {}, "generated demo catalogue (seed 2024)");
  log(`generated the synthetic demo catalogue: ${summary.usersInserted} users, ${summary.itemsInserted} items, ${summary.ratingsInserted} ratings`);
  return "synthetic";
}

/** Generates the synthetic catalogue (src/data/synthetic) and imports it in one transaction. */
export async function importSyntheticCatalogue(db: Db, options: SyntheticOptions, source: string): Promise<ImportSummary> {
  const catalogue = generateSyntheticCatalogue(options);
  return bulkImport(db, {
    format: "synthetic",
    source,
    users: async function* () {
      yield* catalogue.users;
    },
    items: async function* () {
      yield* catalogue.items;
    },
    ratings: async function* () {
      yield* catalogue.ratings;
    },
  });
}

/**
 * Trains `model` (and popularity, the cold-start fallback) when no active run exists; a model
 * estimated over `memoryLimitBytes` on the data is refused (MEMORY_LIMIT) before it fits.
 */
export async function ensureTrained(
  db: Db,
  models: string[],
  log: (message: string) => void,
  options: { memoryLimitBytes?: number; onProgress?: (model: string, p: TrainingProgress) => void } = {},
): Promise<void> {
  const { memoryLimitBytes, onProgress } = options;
  const active = await activeModelNames(db);
  for (const model of models) {
    if (active.has(model)) continue;
    log(`training ${model} ...`);
    // The first version is served whatever its quality, so it skips the held-out evaluation
    // (it would double the first start: +8–14 s for iALS on MovieLens 100K); every later
    // training (trainModel mutation, schedules) stores held-out metrics.
    const result = await trainModel(db, { model, holdout: { enabled: false }, memoryLimitBytes, onProgress: onProgress ? (p) => onProgress(model, p) : undefined });
    log(`trained ${model} (run ${result.run.id}) in ${(result.run.trainSeconds ?? 0).toFixed(2)} s`);
    result.model.dispose();
  }
}
