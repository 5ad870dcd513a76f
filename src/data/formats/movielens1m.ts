// MovieLens 1M (GroupLens): ratings.dat (UserID::MovieID::Rating::Timestamp),
// movies.dat (MovieID::Title::Genre|Genre), users.dat (UserID::Gender::Age::Occupation::Zip).
// `::`-separated, Latin-1. `path` is the folder, or a ratings file in ratings.dat layout.
// Checked as the format defines it: ids are positive integers, ratings integers 1–5,
// timestamps integers; text fields have no control characters and bounded lengths.
import fs from "node:fs";
import path from "node:path";
import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, readLines } from "./lineReader";
import {
  IMPORT_LIMITS,
  expectFieldCount,
  parseIdField,
  parseIntegerField,
  parseLabels,
  parseRatingField,
  parseTextField,
  parseTimeField,
  yearFromTitle,
  type RatingScale,
} from "./fields";
import { FileProgress } from "./progress";
import type { DatasetReader, ReaderOptions } from "./types";

// Code tables from the MovieLens 1M README.
const OCCUPATIONS = [
  "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
  "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer", "programmer",
  "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
  "unemployed", "writer",
];
const SCALE: RatingScale = { min: 1, max: 5, step: 1 };
const AGE_GROUPS: Record<string, string> = { "1": "Under 18", "18": "18-24", "25": "25-34", "35": "35-44", "45": "45-49", "50": "50-55", "56": "56+" };

export function movielens1mReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const isFile = fs.statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  const ratingsFile = isFile ? target : path.join(dir, "ratings.dat");
  if (!fs.existsSync(ratingsFile)) throw new ParseError(displayPath(ratingsFile), 0, "file not found (expected the MovieLens 1M ratings.dat)");
  const usersFile = !isFile && fs.existsSync(path.join(dir, "users.dat")) ? path.join(dir, "users.dat") : undefined;
  const itemsFile = !isFile && fs.existsSync(path.join(dir, "movies.dat")) ? path.join(dir, "movies.dat") : undefined;
  const files = [usersFile, itemsFile, ratingsFile].filter((f): f is string => f !== undefined);
  const progress = new FileProgress(files, options.onProgress);
  const encoding = options.encoding ?? "latin1";
  const signal = options.signal;

  return {
    format: "movielens-1m",
    files,
    implicit: false,
    async *users(): AsyncGenerator<UserRecord> {
      if (!usersFile) return;
      const label = displayPath(usersFile);
      for await (const { text, lineNo } of readLines(usersFile, { encoding, signal, onBytes: progress.tracker(usersFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 5, "::", label, lineNo);
        const occupationCode = parseIntegerField(fields[3], "occupation", label, lineNo, 0, 999);
        const age = parseTextField(fields[2], "age", label, lineNo, IMPORT_LIMITS.shortTextLength);
        yield {
          externalId: parseIdField(fields[0], "user id", label, lineNo, "positive integer"),
          attributes: {
            gender: parseTextField(fields[1], "gender", label, lineNo, IMPORT_LIMITS.shortTextLength),
            ageGroup: Object.hasOwn(AGE_GROUPS, age) ? AGE_GROUPS[age] : age,
            occupation: OCCUPATIONS[occupationCode] ?? String(occupationCode),
            zip: parseTextField(fields[4], "zip", label, lineNo, IMPORT_LIMITS.shortTextLength),
          },
        };
      }
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!itemsFile) return;
      const label = displayPath(itemsFile);
      for await (const { text, lineNo } of readLines(itemsFile, { encoding, signal, onBytes: progress.tracker(itemsFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 3, "::", label, lineNo);
        const title = parseTextField(fields[1], "title", label, lineNo, IMPORT_LIMITS.titleLength);
        yield {
          externalId: parseIdField(fields[0], "movie id", label, lineNo, "positive integer"),
          title,
          genres: fields[2].trim() === "" ? [] : parseLabels(fields[2].split("|"), "genre", label, lineNo),
          year: yearFromTitle(title),
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      const label = displayPath(ratingsFile);
      for await (const { text, lineNo } of readLines(ratingsFile, { encoding, signal, onBytes: progress.tracker(ratingsFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 4, "::", label, lineNo);
        yield {
          user: parseIdField(fields[0], "user id", label, lineNo, "positive integer"),
          item: parseIdField(fields[1], "movie id", label, lineNo, "positive integer"),
          value: parseRatingField(fields[2], "rating", label, lineNo, SCALE),
          time: parseTimeField(fields[3], "timestamp", label, lineNo, "unix seconds"),
        };
      }
    },
  };
}
