// The architecture rule as a check: dependencies run one way, db → data → graph → models →
// services → api, and only src/db talks to Prisma. Leaf libraries (math, util, tf, errors,
// config, eval) may be used by any layer at or above the ones they themselves import.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";

const SRC = path.join(projectRoot, "src");
const ORDER = ["db", "data", "graph", "models", "services", "api"] as const;
/** Modules every layer may import. */
const LEAVES = new Set(["math", "util", "tf", "errors.ts", "config.ts"]);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** The layer (first folder under src/) of a file, or its name for top-level files. */
function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0];
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
}

describe("layering", () => {
  const files = sourceFiles(SRC);

  it("imports only go down the layers (db → data → graph → models → services → api)", () => {
    const violations: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      const fromRank = ORDER.indexOf(from as (typeof ORDER)[number]);
      if (fromRank < 0) continue; // app.ts, eval, leaves: checked below for Prisma only
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith(".")) continue;
        const target = layerOf(path.resolve(path.dirname(file), specifier) + ".ts");
        if (LEAVES.has(target) || LEAVES.has(`${target}`)) continue;
        const toRank = ORDER.indexOf(target as (typeof ORDER)[number]);
        if (toRank > fromRank) violations.push(`${path.relative(projectRoot, file)} imports ${specifier} (${from} → ${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("only src/db queries Prisma; models import neither Prisma nor GraphQL", () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      for (const specifier of importsOf(file)) {
        const prisma = specifier.startsWith("@prisma/") || specifier === "prisma" || /\/db\/generated\//.test(specifier) || (layer !== "db" && specifier.endsWith("/generated/client"));
        if (prisma && layer !== "db") violations.push(`${path.relative(projectRoot, file)} imports ${specifier}`);
        if (layer === "models" && (specifier === "graphql" || specifier.startsWith("@apollo/") || /\/(db|services|api)\//.test(specifier))) {
          violations.push(`${path.relative(projectRoot, file)} imports ${specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
