// MovieLens 1M (GroupLens): ratings.dat (UserID::MovieID::Rating::Timestamp),
// movies.dat (MovieID::Title::Genre|Genre), users.dat (UserID::Gender::Age::Occupation::Zip).
// `::`-separated, Latin-1. `path` is the folder, or a ratings file in ratings.dat layout.
// Checked as the format defines it: ids are positive integers, ratings integers 1–5,
// timestamps integers; text fields have no control characters and bounded lengths.
import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import { IMPORT_LIMITS, parseIdField, parseIntegerField, parseLabels, parseTextField, yearFromTitle, type RatingScale } from "./fields";
import { FileSet, datasetFiles, movieLensRating } from "./reading";
import type { DatasetReader, ReaderOptions } from "./types";

// Code tables from the MovieLens 1M README.
const OCCUPATIONS = [
  "other",
  "academic/educator",
  "artist",
  "clerical/admin",
  "college/grad student",
  "customer service",
  "doctor/health care",
  "executive/managerial",
  "farmer",
  "homemaker",
  "K-12 student",
  "lawyer",
  "programmer",
  "retired",
  "sales/marketing",
  "scientist",
  "self-employed",
  "technician/engineer",
  "tradesman/craftsman",
  "unemployed",
  "writer",
];
const SCALE: RatingScale = { min: 1, max: 5, step: 1 };
const AGE_GROUPS: Record<string, string> = { "1": "Under 18", "18": "18-24", "25": "25-34", "35": "35-44", "45": "45-49", "50": "50-55", "56": "56+" };

export function movielens1mReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const { ratingsFile, optional } = datasetFiles(target, "ratings.dat", "the MovieLens 1M ratings.dat");
  const [usersFile, itemsFile] = ["users.dat", "movies.dat"].map(optional);
  const read = new FileSet([usersFile, itemsFile, ratingsFile], options, "latin1");

  return {
    format: "movielens-1m",
    files: read.files,
    implicit: false,
    async *users(): AsyncGenerator<UserRecord> {
      for await (const { fields, label, lineNo } of read.rows(usersFile, "::", 5)) {
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
      for await (const { fields, label, lineNo } of read.rows(itemsFile, "::", 3)) {
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
      for await (const row of read.rows(ratingsFile, "::", 4)) yield movieLensRating(row, ["user id", "movie id"], SCALE);
    },
  };
}
