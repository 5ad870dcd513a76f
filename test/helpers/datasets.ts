import fs from "node:fs";
import path from "node:path";

/**
 * Folder of a shared data set. Undefined when DATASETS_DIR is unset (tests on real data are
 * then skipped); an error when DATASETS_DIR is set but lacks the data set (CI must not skip).
 */
export function datasetPath(name: string): string | undefined {
  const root = process.env.DATASETS_DIR;
  if (!root) return undefined;
  const folder = path.resolve(root, name);
  if (!fs.existsSync(folder)) throw new Error(`DATASETS_DIR=${root} has no ${name} folder`);
  return folder;
}
