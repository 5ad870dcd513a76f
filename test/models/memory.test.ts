// Training-memory estimates (src/models/memory.ts, each model's `memory` next to its definition)
// and the refusal they feed (requireMemoryWithin): every registry model has one, they grow with
// the data, and they rank the models as their dominant allocations say at MovieLens-25M's shape.
// Measured against peak RSS in results/model-memory-estimates.json (npx tsx scripts/measure-model-memory.ts).
import { describe, expect, it } from "vitest";
import { MemoryLimitError } from "../../src/errors";
import type { ModelDefinition } from "../../src/models/definition";
import { totalBytes, type DataShape } from "../../src/models/memory";
import { MODEL_DEFINITIONS, requireMemoryWithin, resolveParams, trainingMemory } from "../../src/models/registry";

const definitions = MODEL_DEFINITIONS as readonly ModelDefinition[];
const GIB = 1024 ** 3;

/** MovieLens 25M: 162,541 users, 59,047 items, 25,000,095 ratings. */
const ML_25M: DataShape = { users: 162_541, items: 59_047, interactions: 25_000_095 };
const ML_LATEST_SMALL: DataShape = { users: 610, items: 9_724, interactions: 100_836 };

function estimate(model: string, shape: DataShape, params: Record<string, unknown> = {}): number {
  return totalBytes(trainingMemory(model, params, shape) ?? []);
}

describe("training memory estimates", () => {
  it("exist for every registry model, as named, finite, non-negative terms", () => {
    for (const definition of definitions) {
      expect(definition.memory, definition.name).toBeTypeOf("function");
      for (const params of [{}, definition.fastParams ?? {}]) {
        const terms = trainingMemory(definition.name, params, ML_LATEST_SMALL)!;
        expect(terms.length, definition.name).toBeGreaterThan(0);
        for (const term of terms) {
          expect(term.what, definition.name).not.toBe("");
          expect(Number.isFinite(term.bytes) && term.bytes >= 0, `${definition.name}: ${term.what} = ${term.bytes}`).toBe(true);
        }
      }
    }
  });

  it("grow with the data: more users, items or interactions never need less", () => {
    const small: DataShape = { users: 500, items: 800, interactions: 20_000 };
    const larger: DataShape[] = [
      { ...small, users: 5_000 },
      { ...small, items: 8_000 },
      { ...small, interactions: 200_000 },
      { users: 5_000, items: 8_000, interactions: 200_000 },
    ];
    for (const definition of definitions) {
      const base = estimate(definition.name, small);
      for (const shape of larger) expect(estimate(definition.name, shape), `${definition.name} at ${JSON.stringify(shape)}`).toBeGreaterThanOrEqual(base);
      expect(estimate(definition.name, larger[3]), definition.name).toBeGreaterThan(base);
    }
  });

  it("read the parameters that size the fit", () => {
    expect(estimate("ials", ML_25M, { factors: 128 })).toBeGreaterThan(estimate("ials", ML_25M, { factors: 64 }));
    expect(estimate("multvae", ML_25M, { hidden: 1200 })).toBeGreaterThan(estimate("multvae", ML_25M));
    expect(estimate("cdae", ML_25M, { batchSize: 1024 })).toBeGreaterThan(estimate("cdae", ML_25M));
    expect(estimate("gfcf", ML_25M, { rank: 512 })).toBeGreaterThan(estimate("gfcf", ML_25M, { rank: 64 }));
    expect(estimate("sasrec", ML_25M, { loss: "softmax" })).toBeGreaterThan(estimate("sasrec", ML_25M, { loss: "bce" }));
  });

  it("at MovieLens-25M: EASE's dense item–item matrices are far over 20 GB, iALS with 64 factors under 3 GB", () => {
    expect(estimate("ease", ML_25M)).toBeGreaterThan(20e9);
    expect(resolveParams("ials", {}).factors).toBe(64);
    expect(estimate("ials", ML_25M, { factors: 64 })).toBeLessThan(3e9);
    const terms = trainingMemory("ease", {}, ML_25M)!;
    expect(terms.some((term) => /item–item/.test(term.what) && term.bytes >= ML_25M.items ** 2 * 4)).toBe(true);
  });
});

describe("requireMemoryWithin", () => {
  it("refuses over the limit with MEMORY_LIMIT naming the model, estimate, shape, limit and setting", () => {
    const limitBytes = 18 * GIB;
    let error: unknown;
    try {
      requireMemoryWithin("ease", {}, ML_25M, limitBytes);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MemoryLimitError);
    const refusal = error as MemoryLimitError;
    expect(refusal.code).toBe("MEMORY_LIMIT");
    expect(refusal.details).toEqual({ model: "ease", estimateBytes: estimate("ease", ML_25M), limitBytes, setting: "MODEL_MEMORY_LIMIT_MB" });
    expect(refusal.message).toMatch(/^ease needs ~\d+\.\d GiB to train on 162,541 users × 59,047 items \(25,000,095 interactions\), mostly for the dense item–item/);
    expect(refusal.message).toContain("over the training memory limit of 18.0 GiB (MODEL_MEMORY_LIMIT_MB)");
    // The alternatives it names fit, and include the scalable default.
    const named = /pick a model that fits \(([^)]+)\)/.exec(refusal.message)![1].split(", ");
    expect(named).toContain("ials");
    for (const model of named) expect(estimate(model, ML_25M), model).toBeLessThanOrEqual(limitBytes);
  });

  it("passes a model within the limit, and counts the caller's extra terms", () => {
    const ials = estimate("ials", ML_25M);
    expect(() => requireMemoryWithin("ials", {}, ML_25M, ials)).not.toThrow();
    expect(() => requireMemoryWithin("ials", {}, ML_25M, ials, [{ what: "held-out split", bytes: 1 }])).toThrow(MemoryLimitError);
  });
});
