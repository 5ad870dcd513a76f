// What every format reader does to get at its files: find them (a folder of the data set, or a
// single ratings file in the format's layout), read them with one progress over all of them,
// the format's encoding unless the caller overrides it and the caller's AbortSignal, and split
// lines into a fixed number of fields. Also the MovieLens ratings row, alike in all releases.
import fs from "node:fs";
import path from "node:path";
import type { RatingRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { expectFieldCount, parseIdField, parseRatingField, parseTimeField, type RatingScale } from "./fields";
import { displayPath, readLines, type Line, type TextEncoding } from "./lineReader";
import { FileProgress } from "./progress";
import type { DatasetFormat, DatasetReader, ReaderOptions } from "./types";

/** A reader's target: a folder with the data set's files, or one ratings file in the format's layout. */
export interface DatasetFiles {
  ratingsFile: string;
  /** `name` in the folder when it exists there (never for a single-file target). */
  optional(name: string): string | undefined;
}

/** Finds the ratings file (`ratingsName` in a folder, or the target itself); `expected` says what was looked for when it is missing. */
export function datasetFiles(target: string, ratingsName: string, expected: string): DatasetFiles {
  const isFile = fs.statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  const ratingsFile = isFile ? target : path.join(dir, ratingsName);
  if (!fs.existsSync(ratingsFile)) throw new ParseError(displayPath(ratingsFile), 0, `file not found (expected ${expected})`);
  return { ratingsFile, optional: (name) => (!isFile && fs.existsSync(path.join(dir, name)) ? path.join(dir, name) : undefined) };
}

/** One line split into fields, with the file's label and the line number for messages. */
export interface Row {
  fields: string[];
  label: string;
  lineNo: number;
}

/** The files one reader reads (in order), read with one progress over all of them. */
export class FileSet {
  readonly files: string[];
  private readonly progress: FileProgress;
  private readonly encoding: TextEncoding;

  /** `files` in reading order; the undefined ones (optional files that are absent) are left out. */
  constructor(
    files: (string | undefined)[],
    private readonly options: ReaderOptions,
    defaultEncoding: TextEncoding,
  ) {
    this.files = files.filter((file): file is string => file !== undefined);
    this.progress = new FileProgress(this.files, options.onProgress);
    this.encoding = options.encoding ?? defaultEncoding;
  }

  /** The lines of `file` (one of `files`), with progress and cancellation. */
  lines(file: string): AsyncGenerator<Line> {
    return readLines(file, { encoding: this.encoding, signal: this.options.signal, onBytes: this.progress.tracker(file) });
  }

  /** The lines of `file` split on `separator`, each with exactly `count` fields (`separatorName` in messages); none for an absent optional file. */
  async *rows(file: string | undefined, separator: string, count: number, separatorName = separator): AsyncGenerator<Row> {
    if (file === undefined) return;
    const label = displayPath(file);
    for await (const { text, lineNo } of this.lines(file)) {
      const fields = text.split(separator);
      expectFieldCount(fields, count, separatorName, label, lineNo);
      yield { fields, label, lineNo };
    }
  }
}

/** A reader of a format without user or item files: ratings only. */
export function ratingsOnlyReader(format: DatasetFormat, read: FileSet, implicit: boolean, ratings: () => AsyncGenerator<RatingRecord>): DatasetReader {
  return { format, files: read.files, implicit, async *users() {}, async *items() {}, ratings };
}

/**
 * A MovieLens ratings row: user id, item id (positive integers), rating on `scale`, unix seconds.
 * `names` are the id columns as the release calls them, for messages.
 */
export function movieLensRating({ fields, label, lineNo }: Row, names: readonly [string, string], scale: RatingScale): RatingRecord {
  return {
    user: parseIdField(fields[0], names[0], label, lineNo, "positive integer"),
    item: parseIdField(fields[1], names[1], label, lineNo, "positive integer"),
    value: parseRatingField(fields[2], "rating", label, lineNo, scale),
    time: parseTimeField(fields[3], "timestamp", label, lineNo, "unix seconds"),
  };
}
