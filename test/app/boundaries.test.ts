// The architecture rules (.dependency-cruiser.cjs) as a test: src/ keeps them, each rule fires on a
// planted violation in a small copy of the layout, and the rule's list of shared model modules
// matches what src/models holds (a module that declares no model is shared; one that does is a model).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cruise, type ICruiseResult, type IConfiguration } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";
import { projectRoot } from "../../src/config";
import { writeFiles } from "../helpers/tmp";

const CONFIG = path.join(projectRoot, ".dependency-cruiser.cjs");

/** One violation as `rule: from → to` (paths relative to the cruised root). */
type Violation = { rule: string; from: string; to: string };

/** Runs the project's rules on `root`/src the way `npm run lint:deps` does, with `root`'s tsconfig. */
async function violations(root: string): Promise<Violation[]> {
  const options = await extractDepcruiseOptions(CONFIG);
  const tsConfigFile = path.join(root, "tsconfig.json");
  const result = await cruise(["src"], { ...options, tsConfig: { fileName: tsConfigFile }, validate: true, baseDir: root, outputType: "json" }, {}, { tsConfig: extractTSConfig(tsConfigFile) });
  const output = (typeof result.output === "string" ? JSON.parse(result.output) : result.output) as ICruiseResult;
  return output.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.cycle ? v.cycle.map((step) => step.name).join(" → ") : v.to }));
}

describe("dependency boundaries (.dependency-cruiser.cjs)", () => {
  it("src keeps every rule", async () => {
    const found = await violations(projectRoot);
    expect(found.map((v) => `${v.rule}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  describe("each rule fires on a planted violation", () => {
    const model = `export const defineModel = (x: unknown) => x;\n`;
    const root = writeFiles({
      "tsconfig.json": JSON.stringify({ compilerOptions: { module: "ESNext", moduleResolution: "bundler", strict: true, noEmit: true }, include: ["src"] }),
      // Stand-ins for the npm packages, so the fixture resolves them without the project's node_modules.
      "node_modules/@prisma/client/package.json": JSON.stringify({ name: "@prisma/client", main: "index.js" }),
      "node_modules/@prisma/client/index.js": "exports.PrismaClient = class {};\n",
      "node_modules/graphql/package.json": JSON.stringify({ name: "graphql", main: "index.js" }),
      "node_modules/graphql/index.js": "exports.parse = () => null;\n",
      // Allowed: db uses Prisma; data reads db; a model uses its family's common module, the kit and src/models files.
      "src/db/catalog.ts": `import { PrismaClient } from "@prisma/client";\nexport const catalog = new PrismaClient();\n`,
      "src/db/generated/client.ts": `export const generated = 1;\n`,
      "src/db/up.ts": `import { service } from "../services/x";\nexport const up = service;\n`,
      "src/data/rows.ts": `import { catalog } from "../db/catalog";\nexport const rows = catalog;\n`,
      "src/models/definition.ts": model,
      "src/models/training/loop.ts": `export const loop = 1;\n`,
      "src/models/fam/common.ts": `import { more } from "./commonMore";\nexport const common = more;\n`,
      "src/models/fam/commonMore.ts": `export const more = 1;\n`,
      "src/models/fam/index.ts": `export { a } from "./a";\nexport { b } from "./b";\nexport { c } from "./c";\n`,
      "src/models/fam/a.ts": `import { defineModel } from "../definition";\nimport { common } from "./common";\nimport { more } from "./commonMore";\nimport { loop } from "../training/loop";\nimport { b } from "./b";\nexport const a = defineModel([common, more, loop, b]);\n`,
      "src/models/fam/b.ts": `import { defineModel } from "../definition";\nimport { part } from "./bPart";\nexport const b = defineModel(part);\n`,
      // A part of model b (bPart.ts) may be used by b, not by another model, and may not use another model.
      "src/models/fam/bPart.ts": `import { other } from "./bOther";\nimport { inner } from "./c/inner";\nexport const part = [other, inner];\n`,
      "src/models/fam/bOther.ts": `export const other = 1;\n`,
      "src/models/fam/c/index.ts": `export { c } from "./model";\n`,
      "src/models/fam/c/model.ts": `import { defineModel } from "../../definition";\nimport { inner } from "./inner";\nimport { b } from "../b";\nexport const c = defineModel([inner, b]);\n`,
      "src/models/fam/c/inner.ts": `export const inner = 1;\n`,
      "src/models/x/planted.ts": [
        `import { PrismaClient } from "@prisma/client";`,
        `import { catalog } from "../../db/catalog";`,
        `import { parse } from "graphql";`,
        `import { service } from "../../services/x";`,
        `export const planted = [PrismaClient, catalog, parse, service];`,
        ``,
      ].join("\n"),
      "src/services/x.ts": `import { generated } from "../db/generated/client";\nimport { app } from "../app";\nexport const service = [generated, app];\n`,
      "src/api/planted.ts": `import { catalog } from "../db/catalog";\nexport const api = catalog;\n`,
      "src/eval/e.ts": `import { service } from "../services/x";\nexport const e = service;\n`,
      "src/math/m.ts": `import { rows } from "../data/rows";\nexport const m = rows;\n`,
      "src/util/c1.ts": `import { c2 } from "./c2";\nexport const c1 = () => c2;\n`,
      "src/util/c2.ts": `import { c1 } from "./c1";\nexport const c2 = () => c1;\n`,
      // A cycle through a type-only import exists only for the compiler: not reported.
      "src/util/t1.ts": `import type { T2 } from "./t2";\nexport type T1 = { next?: T2 };\nexport const t1 = 1;\n`,
      "src/util/t2.ts": `import { t1 } from "./t1";\nexport type T2 = { value: number };\nexport const t2 = t1;\n`,
      "src/app.ts": `export const app = 1;\n`,
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it("reports exactly the planted violations, by rule", async () => {
      const found = await violations(root);
      const lines = found.map((v) => `${v.rule}: ${v.from} → ${v.to.replace(/^.*node_modules\//, "node_modules/")}`).sort();
      expect(lines).toEqual(
        [
          "no-upward-from-db: src/db/up.ts → src/services/x.ts",
          "no-upward-from-models: src/models/x/planted.ts → src/services/x.ts",
          "no-upward-from-services: src/services/x.ts → src/app.ts",
          "prisma-only-in-db: src/models/x/planted.ts → node_modules/@prisma/client/index.js",
          "prisma-only-in-db: src/services/x.ts → src/db/generated/client.ts",
          "models-no-db: src/models/x/planted.ts → src/db/catalog.ts",
          "models-no-graphql: src/models/x/planted.ts → node_modules/graphql/index.js",
          "api-not-to-db: src/api/planted.ts → src/db/catalog.ts",
          "eval-below-services: src/eval/e.ts → src/services/x.ts",
          "leaves-import-no-layer: src/math/m.ts → src/data/rows.ts",
          "no-sibling-model: src/models/fam/a.ts → src/models/fam/b.ts",
          "no-sibling-model: src/models/fam/c/model.ts → src/models/fam/b.ts",
          "no-sibling-model: src/models/fam/bPart.ts → src/models/fam/c/inner.ts",
          "no-circular: src/util/c1.ts → src/util/c2.ts → src/util/c1.ts",
        ].sort(),
      );
    });
  });

  it("src/models matches the sibling-model rule's names: every family entry that declares no model is a shared module or a model's part", async () => {
    const config = createRequire(import.meta.url)(CONFIG) as IConfiguration;
    const rule = config.forbidden?.find((r) => r.name === "no-sibling-model");
    const shared = new RegExp(String(rule?.from.pathNot));
    // A module declares a model when it exports one of the registry's definitions (the family's index.ts only lists them).
    const { MODEL_DEFINITIONS } = await import("../../src/models/registry");
    const definitions = new Set<unknown>(MODEL_DEFINITIONS);
    const declaresModel = async (file: string): Promise<boolean> => {
      if (fs.statSync(file).isDirectory()) return declaresModel(path.join(file, "index.ts"));
      if (!fs.existsSync(file)) return false;
      return Object.values((await import(file)) as Record<string, unknown>).some((value) => definitions.has(value));
    };
    const modelsDir = path.join(projectRoot, "src", "models");
    const wrong: string[] = [];
    let declared = 0;
    for (const family of fs.readdirSync(modelsDir, { withFileTypes: true })) {
      if (!family.isDirectory() || family.name === "training") continue;
      const dir = path.join(modelsDir, family.name);
      const entries = fs.readdirSync(dir).filter((e) => e !== "index.ts" && (e.endsWith(".ts") || fs.statSync(path.join(dir, e)).isDirectory()));
      const relative = (entry: string) => `src/models/${family.name}/${entry}${entry.endsWith(".ts") ? "" : "/"}`;
      const models = new Set<string>();
      for (const entry of entries) if (await declaresModel(path.join(dir, entry))) models.add(entry.replace(/\.ts$/, ""));
      declared += models.size;
      for (const entry of entries) {
        const name = entry.replace(/\.ts$/, "");
        if (models.has(name)) {
          if (shared.test(relative(entry))) wrong.push(`${relative(entry)} declares a model but is named like a shared module`);
          if (/[A-Z]/.test(name)) wrong.push(`${relative(entry)} declares a model: models have lower-case names (<model><Part>.ts is a part of <model>)`);
        } else if (!shared.test(relative(entry))) {
          const owner = /^([^A-Z]+)[A-Z]/.exec(name)?.[1];
          if (owner === undefined || !models.has(owner)) wrong.push(`${relative(entry)} declares no model: name it <model><Part>.ts after its model, or add its name to FAMILY_SHARED`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(declared).toBe(MODEL_DEFINITIONS.length);
  });
});
