// Trained model versions for the API: listing and reading runs, and activating one (stored
// as the active version in the database, then served by this process at once; the other
// processes follow the activation notice, see replicaSync.ts).
import type { Db } from "../db/client";
import { activateRun, getRun, listRuns, readArtifact, type ModelRun } from "../db/modelRuns";
import { AppError } from "../errors";
import { getDefinition } from "../models/registry";
import type { RecommenderService } from "./recommender";

export type { ModelRun };

export class ModelRunService {
  constructor(
    private readonly db: Db,
    private readonly recommender: RecommenderService,
  ) {}

  /** Runs newest first; `model`, when given, must be a registered model (else BAD_USER_INPUT). */
  list(options: { model?: string; take: number; skip: number }): Promise<ModelRun[]> {
    if (options.model) getDefinition(options.model);
    return listRuns(this.db, options);
  }

  get(id: number): Promise<ModelRun | null> {
    return getRun(this.db, id);
  }

  /**
   * Makes run `id` its model's active version and serves it here. The activation is stored
   * first; when this process cannot load the artifact the run stays active in the database
   * and the answer is MODEL_NOT_READY.
   */
  async activate(id: number): Promise<ModelRun> {
    const run = await activateRun(this.db, id);
    try {
      this.recommender.install(run, await readArtifact(this.db, id));
    } catch (error) {
      throw new AppError("MODEL_NOT_READY", `run ${id} is active in the database but could not be served: ${(error as Error).message}`);
    }
    return run;
  }
}
