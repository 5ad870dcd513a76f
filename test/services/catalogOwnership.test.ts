// The served catalogue has one writer: readers get RecommenderService.catalog (a read-only
// view), and only the catalogue service (CatalogWriter) takes the writable catalogue, so that
// every change also reaches the explanation graph, the served models and the other processes.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/config";

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/** Files (relative to the project) that contain `pattern`, other than `allowed`. */
function usersOf(pattern: RegExp, allowed: string[]): string[] {
  return sourceFiles(path.join(projectRoot, "src"))
    .map((file) => path.relative(projectRoot, file).split(path.sep).join("/"))
    .filter((file) => !allowed.includes(file) && pattern.test(fs.readFileSync(path.join(projectRoot, file), "utf8")));
}

describe("catalogue ownership", () => {
  it("only CatalogWriter takes the writable catalogue", () => {
    expect(usersOf(/\.catalogForWrites\(/, ["src/services/catalogWrites.ts", "src/services/recommender.ts"])).toEqual([]);
  });

  it("only RecommenderService builds the served catalogue", () => {
    expect(usersOf(/new LiveCatalog\(/, ["src/services/recommender.ts"])).toEqual([]);
  });
});
