// MovieLens 1M (GroupLens): ratings.dat (UserID::MovieID::Rating::Timestamp),
// movies.dat (MovieID::Title::Genre|Genre), users.dat (UserID::Gender::Age::Occupation::Zip).
// `::`-separated, Latin-1. `path` is the folder, or a ratings file in ratings.dat layout.
import fs from "node:fs";
import path from "node:path";
import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, readLines } from "./lineReader";
import { expectFieldCount, parseIdField, parseNumberField, parseTimeField, yearFromTitle } from "./fields";
import { FileProgress } from "./progress";
import type { DatasetReader, ReaderOptions } from "./types";

// Code tables from the MovieLens 1M README.
const OCCUPATIONS = [
  "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
  "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer", "programmer",
  "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
  "unemployed", "writer",
];
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

  return {
    format: "movielens-1m",
    files,
    implicit: false,
    async *users(): AsyncGenerator<UserRecord> {
      if (!usersFile) return;
      const label = displayPath(usersFile);
      for await (const { text, lineNo } of readLines(usersFile, { encoding, onBytes: progress.tracker(usersFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 5, "::", label, lineNo);
        const occupationCode = parseNumberField(fields[3], "occupation", label, lineNo);
        yield {
          externalId: parseIdField(fields[0], "user id", label, lineNo),
          attributes: {
            gender: fields[1],
            ageGroup: AGE_GROUPS[fields[2]] ?? fields[2],
            occupation: OCCUPATIONS[occupationCode] ?? String(occupationCode),
            zip: fields[4],
          },
        };
      }
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!itemsFile) return;
      const label = displayPath(itemsFile);
      for await (const { text, lineNo } of readLines(itemsFile, { encoding, onBytes: progress.tracker(itemsFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 3, "::", label, lineNo);
        const title = fields[1].trim();
        yield {
          externalId: parseIdField(fields[0], "movie id", label, lineNo),
          title,
          genres: fields[2].trim() === "" ? [] : fields[2].split("|").map((g) => g.trim()),
          year: yearFromTitle(title),
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      const label = displayPath(ratingsFile);
      for await (const { text, lineNo } of readLines(ratingsFile, { encoding, onBytes: progress.tracker(ratingsFile) })) {
        const fields = text.split("::");
        expectFieldCount(fields, 4, "::", label, lineNo);
        yield {
          user: parseIdField(fields[0], "user id", label, lineNo),
          item: parseIdField(fields[1], "movie id", label, lineNo),
          value: parseNumberField(fields[2], "rating", label, lineNo),
          time: parseTimeField(fields[3], "timestamp", label, lineNo),
        };
      }
    },
  };
}
