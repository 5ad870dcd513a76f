// MovieLens "latest" and the 20M/25M/32M releases (GroupLens): ratings.csv
// (userId,movieId,rating,timestamp), movies.csv (movieId,title,genres with | between),
// tags.csv (userId,movieId,tag,timestamp), optional links.csv. UTF-8, quoted CSV.
import fs from "node:fs";
import path from "node:path";
import type { ItemRecord, RatingRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, readLines, splitCsvLine, type TextEncoding } from "./lineReader";
import { expectFieldCount, parseIdField, parseNumberField, parseTimeField, yearFromTitle } from "./fields";
import { FileProgress } from "./progress";
import type { DatasetReader, ReaderOptions } from "./types";

const NO_GENRES = "(no genres listed)";

export function movielensLatestReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const isFile = fs.statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  const ratingsFile = isFile ? target : path.join(dir, "ratings.csv");
  if (!fs.existsSync(ratingsFile)) throw new ParseError(displayPath(ratingsFile), 0, "file not found (expected MovieLens ratings.csv)");
  const optional = (name: string) => (!isFile && fs.existsSync(path.join(dir, name)) ? path.join(dir, name) : undefined);
  const moviesFile = optional("movies.csv");
  const tagsFile = optional("tags.csv");
  const linksFile = optional("links.csv");
  const files = [tagsFile, linksFile, moviesFile, ratingsFile].filter((f): f is string => f !== undefined);
  const progress = new FileProgress(files, options.onProgress);
  const encoding = options.encoding ?? "utf-8";

  return {
    format: "movielens-latest",
    files,
    implicit: false,
    async *users() {
      // MovieLens latest has no user file; users come from ratings.
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!moviesFile) return;
      const tags = tagsFile ? await readTags(tagsFile, encoding, progress.tracker(tagsFile)) : new Map<string, string[]>();
      const links = linksFile ? await readLinks(linksFile, encoding, progress.tracker(linksFile)) : new Map<string, Record<string, string>>();
      for await (const fields of csvRows(moviesFile, ["movieId", "title", "genres"], encoding, progress.tracker(moviesFile))) {
        const { values, label, lineNo } = fields;
        const id = parseIdField(values[0], "movieId", label, lineNo);
        const title = values[1].trim();
        yield {
          externalId: id,
          title,
          genres: values[2] === NO_GENRES || values[2].trim() === "" ? [] : values[2].split("|"),
          tags: tags.get(id) ?? [],
          year: yearFromTitle(title),
          metadata: links.get(id),
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      for await (const { values, label, lineNo } of csvRows(ratingsFile, ["userId", "movieId", "rating", "timestamp"], encoding, progress.tracker(ratingsFile))) {
        yield {
          user: parseIdField(values[0], "userId", label, lineNo),
          item: parseIdField(values[1], "movieId", label, lineNo),
          value: parseNumberField(values[2], "rating", label, lineNo),
          time: parseTimeField(values[3], "timestamp", label, lineNo),
        };
      }
    },
  };
}

interface CsvRow {
  values: string[];
  label: string;
  lineNo: number;
}

/** Rows of a CSV file whose header must be exactly `header`. */
async function* csvRows(file: string, header: string[], encoding: TextEncoding, onBytes: (n: number) => void): AsyncGenerator<CsvRow> {
  const label = displayPath(file);
  let first = true;
  for await (const { text, lineNo } of readLines(file, { encoding, onBytes })) {
    const values = splitCsvLine(text, label, lineNo);
    if (first) {
      first = false;
      const got = values.map((v) => v.trim().replace(/^\uFEFF/, ""));
      if (got.join(",") !== header.join(",")) {
        throw new ParseError(label, lineNo, `header is ${JSON.stringify(got.join(","))}, expected ${JSON.stringify(header.join(","))}`);
      }
      continue;
    }
    expectFieldCount(values, header.length, "comma", label, lineNo);
    yield { values, label, lineNo };
  }
}

/** movieId → distinct tags (first spelling kept, compared case-insensitively). */
async function readTags(file: string, encoding: TextEncoding, onBytes: (n: number) => void): Promise<Map<string, string[]>> {
  const byItem = new Map<string, Map<string, string>>();
  for await (const { values, label, lineNo } of csvRows(file, ["userId", "movieId", "tag", "timestamp"], encoding, onBytes)) {
    const item = parseIdField(values[1], "movieId", label, lineNo);
    const tag = values[2].trim();
    if (tag === "") continue;
    let tags = byItem.get(item);
    if (!tags) byItem.set(item, (tags = new Map()));
    if (!tags.has(tag.toLowerCase())) tags.set(tag.toLowerCase(), tag);
  }
  return new Map([...byItem].map(([item, tags]) => [item, [...tags.values()]]));
}

async function readLinks(file: string, encoding: TextEncoding, onBytes: (n: number) => void): Promise<Map<string, Record<string, string>>> {
  const links = new Map<string, Record<string, string>>();
  for await (const { values, label, lineNo } of csvRows(file, ["movieId", "imdbId", "tmdbId"], encoding, onBytes)) {
    const meta: Record<string, string> = {};
    if (values[1]) meta.imdbId = values[1];
    if (values[2]) meta.tmdbId = values[2];
    links.set(parseIdField(values[0], "movieId", label, lineNo), meta);
  }
  return links;
}
