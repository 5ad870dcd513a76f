import fs from "node:fs";
import path from "node:path";
import { ValidationError } from "../../errors";
import { csvReader } from "./csv";
import { shorten } from "./fields";
import { interactionsTxtReader } from "./interactionsTxt";
import { movielens100kReader } from "./movielens100k";
import { movielens1mReader } from "./movielens1m";
import { movielensLatestReader } from "./movielensLatest";
import { DATASET_FORMATS, type DatasetFormat, type DatasetReader, type ReaderOptions } from "./types";

export { DATASET_FORMATS, type DatasetFormat, type DatasetReader, type ReaderOptions } from "./types";
export { excerpt, shorten, EXCERPT_CHARS, IMPORT_LIMITS } from "./fields";
export { DEFAULT_MAX_LINE_BYTES } from "./lineReader";

/** Characters of a path a message may repeat (the caller's own input, but still bounded). */
export const PATH_EXCERPT_CHARS = 200;

const READERS: Record<DatasetFormat, (target: string, options?: ReaderOptions) => DatasetReader> = {
  "movielens-100k": movielens100kReader,
  "movielens-1m": movielens1mReader,
  "movielens-latest": movielensLatestReader,
  "interactions-txt": interactionsTxtReader,
  csv: csvReader,
};

export function parseFormat(value: string, field = "format"): DatasetFormat {
  if ((DATASET_FORMATS as readonly string[]).includes(value)) return value as DatasetFormat;
  throw new ValidationError(field, shorten(value), `one of ${DATASET_FORMATS.join(", ")}`);
}

export function openDataset(format: DatasetFormat, target: string, options: ReaderOptions = {}): DatasetReader {
  if (!fs.existsSync(target)) throw new ValidationError("path", shorten(target, PATH_EXCERPT_CHARS), "an existing file or folder");
  return READERS[format](path.resolve(target), options);
}

/** Guesses the format of a folder from the files in it (used when DATA_DIR is given alone). */
export function detectFormat(target: string): DatasetFormat | undefined {
  const has = (name: string) => fs.existsSync(path.join(target, name));
  if (!fs.existsSync(target)) return undefined;
  if (fs.statSync(target).isFile()) return target.endsWith(".csv") ? "csv" : target.endsWith(".txt") ? "interactions-txt" : undefined;
  if (has("u.data")) return "movielens-100k";
  if (has("ratings.dat")) return "movielens-1m";
  if (has("ratings.csv")) return "movielens-latest";
  if (has("train.txt")) return "interactions-txt";
  return undefined;
}
