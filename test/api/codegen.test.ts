import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";
import { projectRoot } from "../../src/config";

it("the typed resolvers are generated from the current schema.graphql (npm run codegen)", async () => {
  const bin = path.join(projectRoot, "node_modules", ".bin", "graphql-codegen");
  const result = await promisify(execFile)(bin, ["--config", "codegen.ts", "--check"], { cwd: projectRoot }).then(
    () => "up to date",
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ""}${error.stderr ?? ""}`,
  );
  expect(result).toBe("up to date");
});
