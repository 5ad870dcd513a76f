// trainModel's held-out evaluation and activation policy, for real: a fresh test database with
// MovieLens 100K (the synthetic catalogue when DATASETS_DIR is unset), real fits, the stored
// runs read back. The pure decision rule is checked beside it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaveLastOut } from "../../src/data/splits";
import { datasetFromSnapshot, type DbDataset } from "../../src/data/fromSnapshot";
import { activateRun, activeRuns, getRun } from "../../src/db/modelRuns";
import { readSnapshot } from "../../src/db/snapshot";
import { MemoryLimitError, ValidationError } from "../../src/errors";
import { evaluateFullRanking } from "../../src/eval/ranking";
import { interactionsCopy, totalBytes, type DataShape } from "../../src/models/memory";
import { createModel, trainingMemory } from "../../src/models/registry";
import { decideActivation, resolveActivation, type ActiveRunInfo } from "../../src/services/activation";
import { importSyntheticCatalogue } from "../../src/services/bootstrap";
import type { HeldOut } from "../../src/services/heldOut";
import { importDataset } from "../../src/services/importService";
import { trainModel, type TrainRequest, type TrainResult } from "../../src/services/training";
import { formatBytes } from "../../src/util/bytes";
import { datasetPath } from "../helpers/datasets";
import { createTestDb, type TestDb } from "../helpers/db";

/** Quick but real iALS (ndcg@20 ≈ 0.05 on MovieLens 100K's latest-1 holdout, popularity ≈ 0.04). */
const GOOD_IALS = { factors: 32, iterations: 5 };
/** One zero-initialised factor and one iteration: the factors stay 0, every score ties (ndcg@20 ≈ 0.01). */
const BAD_IALS = { factors: 1, iterations: 1, initStd: 0 };
/** Item and user biases shrunk to almost nothing: predicts about the global mean (RMSE 1.20 against 1.04). */
const BAD_BIAS = { regUser: 1000, regItem: 1000, iterations: 1 };

let t: TestDb;
let dataset: DbDataset;

beforeAll(async () => {
  t = await createTestDb();
  const ml100k = datasetPath("ml-100k");
  if (ml100k) await importDataset(t.db, { format: "movielens-100k", path: ml100k });
  else await importSyntheticCatalogue(t.db, { users: 400, items: 600 }, "training.test");
  // One snapshot for every training: the runs compare on the same data (sameData: true).
  dataset = datasetFromSnapshot(await readSnapshot(t.db));
}, 300_000);

afterAll(async () => {
  await t?.drop();
});

async function train(request: TrainRequest): Promise<TrainResult> {
  const result = await trainModel(t.db, { dataset, ...request });
  result.model.dispose();
  return result;
}

/** metrics.heldOut of a stored run, as JSON (what ModelRun.metrics gives the API). */
function storedHeldOut(result: TrainResult): Record<string, unknown> {
  const metrics = result.run.metrics as Record<string, unknown>;
  return metrics.heldOut as Record<string, unknown>;
}

async function activeRunOf(model: string): Promise<number | undefined> {
  return (await activeRuns(t.db)).find((run) => run.model === model)?.id;
}

describe("held-out evaluation", () => {
  let popularity: TrainResult;
  let ials: TrainResult;

  beforeAll(async () => {
    popularity = await train({ model: "popularity" });
    ials = await train({ model: "ials", params: GOOD_IALS });
  }, 300_000);

  it("stores the held-out split and metrics with every run; the served model still sees all the data", () => {
    const nnz = dataset.interactions.nnz;
    for (const result of [popularity, ials]) {
      const heldOut = storedHeldOut(result);
      expect(heldOut).toMatchObject({ protocol: "per-user latest-1 (time-ordered)", k: 20 });
      expect(heldOut.users).toBeGreaterThan(0);
      expect(heldOut.testInteractions).toBe(heldOut.users);
      expect((heldOut.trainInteractions as number) + (heldOut.testInteractions as number)).toBe(nnz);
      for (const name of ["recall@20", "ndcg@20"]) {
        expect(heldOut[name]).toBeGreaterThan(0);
        expect(heldOut[name]).toBeLessThan(1);
      }
      // With one relevant item per user, recall@K is the hit rate and bounds ndcg@K.
      expect(heldOut["ndcg@20"]).toBeLessThanOrEqual(heldOut["recall@20"] as number);
      expect(heldOut.seconds).toBeGreaterThan(0);
      expect(heldOut).not.toHaveProperty("rmse"); // neither model predicts ratings
      expect((result.run.metrics as Record<string, unknown>).interactions).toBe(nnz);
      expect(result.model.nUsers).toBe(dataset.interactions.nUsers);
      expect(result.run.active).toBe(true);
      expect(result.activation).toMatchObject({ activated: true, policy: "always" });
    }
    expect(storedHeldOut(ials)["ndcg@20"]).toBeGreaterThan(storedHeldOut(popularity)["ndcg@20"] as number);
    expect(storedHeldOut(ials)["recall@20"]).toBeGreaterThan(storedHeldOut(popularity)["recall@20"] as number);
  });

  it("means what the evaluation harness means: the same numbers as leaveLastOut + evaluateFullRanking", async () => {
    const split = leaveLastOut(dataset.interactions, 1);
    const model = createModel("popularity");
    await model.fit({ interactions: split.train, implicit: dataset.implicit, content: dataset.content }, { seed: 42 });
    const direct = await evaluateFullRanking(model, split.train, split.test, { ks: [20], metrics: ["recall", "ndcg"] });
    model.dispose();
    // Stored to 6 significant digits.
    for (const [name, value] of Object.entries(direct.metrics)) expect(popularity.heldOut!.metrics[name]).toBeCloseTo(value, 6);
    expect(Object.keys(popularity.heldOut!.metrics).sort()).toEqual(Object.keys(direct.metrics).sort());
    expect(popularity.heldOut!.users).toBe(direct.users);
  });

  it("reports the held-out phase through onProgress, before the served fit", async () => {
    const messages: string[] = [];
    await train({ model: "ials", params: { factors: 8, iterations: 2 }, activate: false, onProgress: (p) => messages.push(p.message ?? "") });
    const firstHeldOut = messages.findIndex((m) => m.startsWith("held-out fit:"));
    const scoring = messages.findIndex((m) => m.startsWith("held-out evaluation: scored"));
    const served = messages.findIndex((m) => m.startsWith("served model (all data):"));
    expect(messages[0]).toMatch(/^held-out evaluation: fitting on \d+ interactions/);
    expect(firstHeldOut).toBeGreaterThan(0);
    expect(scoring).toBeGreaterThan(firstHeldOut);
    expect(served).toBeGreaterThan(scoring);
  });

  it("can be disabled; then the run has no held-out metrics", async () => {
    const result = await train({ model: "popularity", holdout: { enabled: false }, activate: false });
    expect(result.heldOut).toBeUndefined();
    expect(result.run.metrics).not.toHaveProperty("heldOut");
    expect(result.activation).toMatchObject({ activated: false, policy: "not requested" });
  });

  it("takes another cut-off", async () => {
    const result = await train({ model: "popularity", holdout: { enabled: true, k: 5 }, activate: false });
    expect(storedHeldOut(result)).toMatchObject({ k: 5 });
    expect(Object.keys(result.heldOut!.metrics).sort()).toEqual(["ndcg@5", "recall@5"]);
  });

  it("stops the held-out fit when the signal aborts; the run is FAILED and the served version stays", async () => {
    const before = await activeRunOf("ials");
    const controller = new AbortController();
    const messages: string[] = [];
    let runId = 0;
    const training = train({
      model: "ials",
      params: { factors: 16, iterations: 50 },
      signal: controller.signal,
      onRunCreated: (run) => (runId = run.id),
      onProgress: (p) => {
        messages.push(p.message ?? "");
        if (p.message?.startsWith("held-out fit:")) controller.abort(new Error("stop"));
      },
    });
    await expect(training).rejects.toThrow("stop");
    expect(messages.some((m) => m.startsWith("served model"))).toBe(false);
    expect((await getRun(t.db, runId))?.status).toBe("FAILED");
    expect(await activeRunOf("ials")).toBe(before);
  });
});

describe("activation policy ifNotWorse", () => {
  it("does not activate a deliberately bad model; the active run stays; the reason is stored; it can still be activated by hand", async () => {
    const good = await train({ model: "ials", params: GOOD_IALS });
    expect(await activeRunOf("ials")).toBe(good.run.id);

    const bad = await train({ model: "ials", params: BAD_IALS, activation: { policy: "ifNotWorse" } });
    expect(bad.heldOut!.metrics["ndcg@20"]).toBeLessThan(good.heldOut!.metrics["ndcg@20"] * 0.95);
    expect(bad.activation).toMatchObject({
      activated: false,
      policy: "ifNotWorse",
      metric: "ndcg@20",
      tolerance: 0.05,
      comparedWith: good.run.id,
      activeValue: good.heldOut!.metrics["ndcg@20"],
      sameData: true,
    });
    expect(bad.activation.reason).toMatch(new RegExp(`^held-out ndcg@20 [0-9.]+ is \\d+% below the active run ${good.run.id}'s [0-9.]+ \\(tolerance 5%\\)$`));
    const stored = await getRun(t.db, bad.run.id);
    expect(stored).toMatchObject({ status: "SUCCEEDED", active: false });
    expect((stored!.metrics as Record<string, unknown>).activation).toEqual(bad.activation);
    expect(await activeRunOf("ials")).toBe(good.run.id);

    // Not activated is not failed: an admin can still serve it (what activateModelRun does).
    expect(await activateRun(t.db, bad.run.id)).toMatchObject({ active: true });
    await activateRun(t.db, good.run.id);
  });

  it("activates a run that is as good (the same configuration again) and one within a wide tolerance", async () => {
    const active = (await activeRunOf("ials"))!;
    // Same parameters and seed: the same held-out numbers (fits are seeded), so "equals".
    const again = await train({ model: "ials", params: GOOD_IALS, activation: { policy: "ifNotWorse" } });
    expect(again.activation).toMatchObject({ activated: true, comparedWith: active });
    expect(again.activation.reason).toMatch(new RegExp(`^held-out ndcg@20 [0-9.]+ equals the active run ${active}'s`));
    expect(again.run.active).toBe(true);
    expect(await activeRunOf("ials")).toBe(again.run.id);

    // recall@20 instead of ndcg, and a tolerance that forgives even the zero-factor model's loss.
    const forgiven = await train({ model: "ials", params: BAD_IALS, activation: { policy: "ifNotWorse", metric: "recall@20", tolerance: 1 } });
    expect(forgiven.activation).toMatchObject({ activated: true, metric: "recall@20", tolerance: 1, comparedWith: again.run.id });
    expect(await activeRunOf("ials")).toBe(forgiven.run.id);
    await activateRun(t.db, again.run.id);
  });

  it("activates when the active run has no held-out metrics", async () => {
    const unmeasured = await train({ model: "popularity", holdout: { enabled: false } });
    expect(unmeasured.run.active).toBe(true);
    const next = await train({ model: "popularity", params: { minValue: 5 }, activation: { policy: "ifNotWorse" } });
    expect(next.activation).toMatchObject({ activated: true, reason: `the active run ${unmeasured.run.id} has no held-out ndcg@20` });
    expect(await activeRunOf("popularity")).toBe(next.run.id);
  });

  it("treats rmse as lower-is-better", async () => {
    const bad = await train({ model: "bias", params: BAD_BIAS });
    const heldOut = storedHeldOut(bad);
    expect(heldOut.rmse).toBeGreaterThan(0);
    expect(heldOut.mae).toBeGreaterThan(0);
    expect(heldOut).toHaveProperty("ndcg@20");

    // Lower RMSE than the active run: better, activated.
    const good = await train({ model: "bias", activation: { policy: "ifNotWorse", metric: "rmse" } });
    expect(good.heldOut!.metrics.rmse).toBeLessThan(bad.heldOut!.metrics.rmse);
    expect(good.activation).toMatchObject({ activated: true, metric: "rmse", comparedWith: bad.run.id });
    expect(good.activation.reason).toMatch(/is \d+% below \(better than\) the active run/);

    // Higher RMSE by more than the tolerance: worse, not activated.
    const worse = await train({ model: "bias", params: BAD_BIAS, activation: { policy: "ifNotWorse", metric: "rmse" } });
    expect(worse.activation).toMatchObject({ activated: false, comparedWith: good.run.id });
    expect(worse.activation.reason).toMatch(/is \d+% above \(worse than\) the active run/);
    expect(await activeRunOf("bias")).toBe(good.run.id);
  });

  it("rejects bad options before creating a run", async () => {
    const runs = await t.db.prisma.modelRun.count();
    const cases: TrainRequest[] = [
      { model: "popularity", holdout: { enabled: false }, activation: { policy: "ifNotWorse" } },
      { model: "ials", activation: { policy: "ifNotWorse", metric: "rmse" } },
      { model: "popularity", activation: { policy: "ifNotWorse", metric: "ndcg@10" } },
      { model: "popularity", activation: { policy: "ifNotWorse", tolerance: 1.5 } },
      { model: "popularity", activation: { policy: "sometimes" as never } },
      { model: "popularity", holdout: { enabled: true, k: 0 } },
    ];
    for (const request of cases) await expect(trainModel(t.db, { dataset, ...request })).rejects.toThrow(ValidationError);
    expect(await t.db.prisma.modelRun.count()).toBe(runs);
  });
});

describe("decideActivation", () => {
  const heldOut = (metrics: Record<string, number>): HeldOut => ({
    protocol: "per-user latest-1 (time-ordered)",
    k: 20,
    users: 10,
    trainInteractions: 90,
    testInteractions: 10,
    metrics,
    epochs: 1,
    fitSeconds: 0,
    evalSeconds: 0,
    seconds: 0,
  });
  const active = (values: Record<string, unknown>, protocol = "per-user latest-1 (time-ordered)"): ActiveRunInfo => ({
    id: 12,
    metrics: { heldOut: { protocol, k: 20, users: 10, ...values } },
    dataFingerprint: "a",
  });
  const options = resolveActivation({ policy: "ifNotWorse" }, "bias", { enabled: true, k: 20 });
  const decide = (value: Record<string, number>, activeValues: Record<string, unknown>, overrides: Partial<typeof options> = {}) =>
    decideActivation({ requested: true, options: { ...options, ...overrides }, heldOut: heldOut(value), active: active(activeValues), dataFingerprint: "a" });

  it("accepts down to active × (1 − tolerance), and refuses below", () => {
    expect(decide({ "ndcg@20": 0.095 }, { "ndcg@20": 0.1 }).activated).toBe(true);
    expect(decide({ "ndcg@20": 0.0949 }, { "ndcg@20": 0.1 }).activated).toBe(false);
    expect(decide({ "ndcg@20": 0.0123 }, { "ndcg@20": 0.0225 }).reason).toBe("held-out ndcg@20 0.0123 is 45% below the active run 12's 0.0225 (tolerance 5%)");
    expect(decide({ "ndcg@20": 0.09 }, { "ndcg@20": 0.1 }, { tolerance: 0 }).activated).toBe(false);
    expect(decide({ "ndcg@20": 0.1 }, { "ndcg@20": 0.1 }, { tolerance: 0 })).toMatchObject({ activated: true, reason: expect.stringContaining("equals") });
    expect(decide({ "ndcg@20": 0 }, { "ndcg@20": 0 }).activated).toBe(true);
  });

  it("for rmse, accepts up to active × (1 + tolerance)", () => {
    const rmse = { metric: "rmse" };
    expect(decide({ rmse: 1.05 }, { rmse: 1 }, rmse).activated).toBe(true);
    expect(decide({ rmse: 1.06 }, { rmse: 1 }, rmse)).toMatchObject({ activated: false, reason: "held-out rmse 1.06 is 6% above (worse than) the active run 12's 1 (tolerance 5%)" });
    expect(decide({ rmse: 0.5 }, { rmse: 1 }, rmse).activated).toBe(true);
  });

  it("activates when there is nothing to compare, and never when activation was not requested", () => {
    expect(decide({ "ndcg@20": 0.01 }, {}).activated).toBe(true);
    expect(decide({ "ndcg@20": 0.01 }, { "ndcg@20": "high" }).activated).toBe(true);
    expect(decide({}, { "ndcg@20": 0.1 }).activated).toBe(true);
    expect(decideActivation({ requested: true, options, heldOut: heldOut({ "ndcg@20": 0.01 }), active: active({ "ndcg@20": 0.1 }, "another split"), dataFingerprint: "a" }).reason).toMatch(
      /not comparable/,
    );
    expect(decideActivation({ requested: true, options, heldOut: heldOut({ "ndcg@20": 0.01 }), active: undefined, dataFingerprint: "a" })).toMatchObject({
      activated: true,
      reason: "no run of this model is active",
    });
    expect(decideActivation({ requested: false, options, heldOut: heldOut({ "ndcg@20": 0.9 }), active: undefined, dataFingerprint: "a" }).activated).toBe(false);
  });

  it("says when the runs were measured on different data", () => {
    const decision = decideActivation({ requested: true, options, heldOut: heldOut({ "ndcg@20": 0.01 }), active: active({ "ndcg@20": 0.1 }), dataFingerprint: "b" });
    expect(decision).toMatchObject({ activated: false, sameData: false, reason: expect.stringContaining("(measured on different data)") });
  });
});

describe("activation against a version that changed meanwhile", () => {
  it("activateRun({ ifActive }) refuses (CONFLICT) when another run became active since the decision", async () => {
    const first = await train({ model: "popularity", holdout: { enabled: false } });
    const second = await train({ model: "popularity", holdout: { enabled: false }, activate: false });
    const third = await train({ model: "popularity", holdout: { enabled: false }, activate: false });
    // Decided against `first`; `third` was activated meanwhile.
    await activateRun(t.db, third.run.id);
    await expect(activateRun(t.db, second.run.id, { ifActive: first.run.id })).rejects.toMatchObject({ code: "CONFLICT" });
    expect((await activeRuns(t.db)).find((r) => r.model === "popularity")?.id).toBe(third.run.id);
    expect(await activateRun(t.db, second.run.id, { ifActive: third.run.id })).toMatchObject({ id: second.run.id, active: true });
  });
});

describe("memory limit (MODEL_MEMORY_LIMIT_MB)", () => {
  const shapeOf = (): DataShape => ({ users: dataset.interactions.nUsers, items: dataset.interactions.nItems, interactions: dataset.interactions.nnz });
  const estimate = (model: string) => totalBytes(trainingMemory(model, {}, shapeOf())!);
  const unfinishedRuns = () => t.db.prisma.modelRun.count({ where: { status: { in: ["QUEUED", "RUNNING"] } } });

  it("refuses a model over the limit before it fits: MEMORY_LIMIT naming the limit and the setting, the run FAILED", async () => {
    // Half of EASE's estimate on this catalogue (its dense item–item matrices): a small configured limit.
    const limitBytes = Math.floor(estimate("ease") / 2);
    let runId = 0;
    const error = await trainModel(t.db, { dataset, model: "ease", memoryLimitBytes: limitBytes, onRunCreated: (run) => (runId = run.id) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MemoryLimitError);
    const refusal = error as MemoryLimitError;
    expect(refusal.code).toBe("MEMORY_LIMIT");
    expect(refusal.details).toMatchObject({ model: "ease", limitBytes, setting: "MODEL_MEMORY_LIMIT_MB" });
    expect(refusal.details!.estimateBytes).toBeGreaterThan(limitBytes);
    expect(refusal.message).toMatch(/^ease needs ~\d+\.\d MiB to train on [\d,]+ users × [\d,]+ items/);
    expect(refusal.message).toContain(`over the training memory limit of ${formatBytes(limitBytes)} (MODEL_MEMORY_LIMIT_MB)`);
    expect(await getRun(t.db, runId)).toMatchObject({ status: "FAILED", error: refusal.message });
    expect(await unfinishedRuns()).toBe(0);
  });

  it("counts the held-out fit's copy of the rows: refused with it, trained without it", async () => {
    const split = interactionsCopy("held-out split", shapeOf()).bytes;
    const memoryLimitBytes = estimate("popularity") + Math.floor(split / 2);
    await expect(train({ model: "popularity", activate: false, memoryLimitBytes })).rejects.toMatchObject({ code: "MEMORY_LIMIT" });
    const trained = await train({ model: "popularity", activate: false, memoryLimitBytes, holdout: { enabled: false } });
    expect(trained.run.status).toBe("SUCCEEDED");
    expect(await unfinishedRuns()).toBe(0);
  });
});
