// MovieLens "latest" and the 20M/25M/32M releases (GroupLens): ratings.csv
// (userId,movieId,rating,timestamp), movies.csv (movieId,title,genres with | between),
// tags.csv (userId,movieId,tag,timestamp), optional links.csv. UTF-8, quoted CSV.
// Checked as the format defines it: ids are positive integers, ratings 0.5–5 in steps of
// 0.5, timestamps integers; text fields have no control characters and bounded lengths.
// Tags are user-written applications, not a property of the file's rows: an item keeps
// its 100 most applied distinct tags (ml-latest-small has a movie with 173), each checked.
import type { ItemRecord, RatingRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, splitCsvLine } from "./lineReader";
import { IMPORT_LIMITS, excerpt, expectFieldCount, parseIdField, parseLabel, parseLabels, parseTextField, yearFromTitle, type RatingScale } from "./fields";
import { FileSet, datasetFiles, movieLensRating, type Row } from "./reading";
import type { DatasetReader, ReaderOptions } from "./types";

const NO_GENRES = "(no genres listed)";
const SCALE: RatingScale = { min: 0.5, max: 5, step: 0.5 };

export function movielensLatestReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const { ratingsFile, optional } = datasetFiles(target, "ratings.csv", "MovieLens ratings.csv");
  const [moviesFile, tagsFile, linksFile] = ["movies.csv", "tags.csv", "links.csv"].map(optional);
  const read = new FileSet([tagsFile, linksFile, moviesFile, ratingsFile], options, "utf-8");

  return {
    format: "movielens-latest",
    files: read.files,
    implicit: false,
    async *users() {
      // MovieLens latest has no user file; users come from ratings.
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!moviesFile) return;
      const tags = tagsFile ? await readTags(read, tagsFile) : new Map<string, string[]>();
      const links = linksFile ? await readLinks(read, linksFile) : new Map<string, Record<string, string>>();
      for await (const { fields: values, label, lineNo } of csvRows(read, moviesFile, ["movieId", "title", "genres"])) {
        const id = parseIdField(values[0], "movieId", label, lineNo, "positive integer");
        const title = parseTextField(values[1], "title", label, lineNo, IMPORT_LIMITS.titleLength);
        yield {
          externalId: id,
          title,
          genres: values[2] === NO_GENRES || values[2].trim() === "" ? [] : parseLabels(values[2].split("|"), "genre", label, lineNo),
          tags: tags.get(id) ?? [],
          year: yearFromTitle(title),
          metadata: links.get(id),
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      for await (const row of csvRows(read, ratingsFile, ["userId", "movieId", "rating", "timestamp"])) yield movieLensRating(row, ["userId", "movieId"], SCALE);
    },
  };
}

/** Rows of a CSV file whose header must be exactly `header`. */
async function* csvRows(read: FileSet, file: string, header: string[]): AsyncGenerator<Row> {
  const label = displayPath(file);
  let first = true;
  for await (const { text, lineNo } of read.lines(file)) {
    const values = splitCsvLine(text, label, lineNo);
    if (first) {
      first = false;
      const got = values.map((v) => v.trim().replace(/^\uFEFF/, ""));
      if (got.join(",") !== header.join(",")) {
        throw new ParseError(label, lineNo, `header is ${excerpt(got.join(","))}, expected ${JSON.stringify(header.join(","))}`);
      }
      continue;
    }
    expectFieldCount(values, header.length, "comma", label, lineNo);
    yield { fields: values, label, lineNo };
  }
}

interface TagCount {
  tag: string;
  count: number;
  first: number;
}

/** movieId → its most applied distinct tags (first spelling kept, compared case-insensitively, first-seen order). */
async function readTags(read: FileSet, file: string): Promise<Map<string, string[]>> {
  const byItem = new Map<string, Map<string, TagCount>>();
  let seen = 0;
  for await (const { fields: values, label, lineNo } of csvRows(read, file, ["userId", "movieId", "tag", "timestamp"])) {
    parseIdField(values[0], "userId", label, lineNo, "positive integer");
    const item = parseIdField(values[1], "movieId", label, lineNo, "positive integer");
    if (values[2].trim() === "") continue;
    const tag = parseLabel(values[2], "tag", label, lineNo);
    let tags = byItem.get(item);
    if (!tags) byItem.set(item, (tags = new Map()));
    const key = tag.toLowerCase();
    const entry = tags.get(key);
    if (entry) entry.count++;
    else tags.set(key, { tag, count: 1, first: seen++ });
  }
  return new Map(
    [...byItem].map(([item, tags]) => {
      let kept = [...tags.values()];
      if (kept.length > IMPORT_LIMITS.labelCount) {
        kept = kept
          .sort((a, b) => b.count - a.count || a.first - b.first)
          .slice(0, IMPORT_LIMITS.labelCount)
          .sort((a, b) => a.first - b.first);
      }
      return [item, kept.map((entry) => entry.tag)];
    }),
  );
}

async function readLinks(read: FileSet, file: string): Promise<Map<string, Record<string, string>>> {
  const links = new Map<string, Record<string, string>>();
  for await (const { fields: values, label, lineNo } of csvRows(read, file, ["movieId", "imdbId", "tmdbId"])) {
    const meta: Record<string, string> = {};
    const imdbId = parseTextField(values[1], "imdbId", label, lineNo, IMPORT_LIMITS.shortTextLength);
    const tmdbId = parseTextField(values[2], "tmdbId", label, lineNo, IMPORT_LIMITS.shortTextLength);
    if (imdbId) meta.imdbId = imdbId;
    if (tmdbId) meta.tmdbId = tmdbId;
    links.set(parseIdField(values[0], "movieId", label, lineNo, "positive integer"), meta);
  }
  return links;
}
