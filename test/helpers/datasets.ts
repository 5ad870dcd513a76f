import fs from "node:fs";
import path from "node:path";
import { openDataset, type DatasetFormat } from "../../src/data/formats";

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

/** Every value of an async iterable, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

/** Every record a reader yields for `target` read as `format`, by stream. */
export async function readAll(format: DatasetFormat, target: string) {
  const reader = openDataset(format, target);
  return { users: await collect(reader.users()), items: await collect(reader.items()), ratings: await collect(reader.ratings()) };
}
