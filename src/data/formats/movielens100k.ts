// MovieLens 100K (GroupLens): u.data (tab-separated user, item, rating, unix time),
// u.item (pipe-separated, Latin-1, 19 genre flags), u.user, u.genre.
// `path` is the folder, or a single ratings file in u.data layout (u1.base, ua.test, ...).
// Checked as the format defines it: ids are positive integers, ratings integers 1–5,
// timestamps integers; text fields have no control characters and bounded lengths.
import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { IMPORT_LIMITS, excerpt, parseIdField, parseIntegerField, parseLabel, parseTextField, yearFromDate, yearFromTitle, type RatingScale } from "./fields";
import { displayPath } from "./lineReader";
import { FileSet, datasetFiles, movieLensRating } from "./reading";
import type { DatasetReader, ReaderOptions } from "./types";

/** u.genre's order; used when the folder has no u.genre. */
export const ML100K_GENRES = [
  "unknown",
  "Action",
  "Adventure",
  "Animation",
  "Children's",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];

const SCALE: RatingScale = { min: 1, max: 5, step: 1 };

export function movielens100kReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const { ratingsFile, optional } = datasetFiles(target, "u.data", "the MovieLens 100K u.data");
  const [usersFile, itemsFile, genreFile] = ["u.user", "u.item", "u.genre"].map(optional);
  // The GroupLens files are Latin-1 (u.item has accented titles).
  const read = new FileSet([usersFile, genreFile, itemsFile, ratingsFile], options, "latin1");

  return {
    format: "movielens-100k",
    files: read.files,
    implicit: false,
    async *users(): AsyncGenerator<UserRecord> {
      for await (const { fields, label, lineNo } of read.rows(usersFile, "|", 5)) {
        yield {
          externalId: parseIdField(fields[0], "user id", label, lineNo, "positive integer"),
          attributes: {
            age: parseIntegerField(fields[1], "age", label, lineNo, 0, 200),
            gender: parseTextField(fields[2], "gender", label, lineNo, IMPORT_LIMITS.shortTextLength),
            occupation: parseTextField(fields[3], "occupation", label, lineNo, IMPORT_LIMITS.shortTextLength),
            zip: parseTextField(fields[4], "zip", label, lineNo, IMPORT_LIMITS.shortTextLength),
          },
        };
      }
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!itemsFile) return;
      const genres = genreFile ? await readGenreNames(read, genreFile) : ML100K_GENRES;
      for await (const { fields, label, lineNo } of read.rows(itemsFile, "|", 5 + genres.length)) {
        const itemGenres: string[] = [];
        for (let g = 0; g < genres.length; g++) {
          const flag = fields[5 + g];
          if (flag !== "0" && flag !== "1") throw new ParseError(label, lineNo, `genre flag ${g + 1} is ${excerpt(flag)}, expected 0 or 1`);
          if (flag === "1") itemGenres.push(genres[g]);
        }
        const title = parseTextField(fields[1], "title", label, lineNo, IMPORT_LIMITS.titleLength);
        const releaseDate = parseTextField(fields[2], "release date", label, lineNo, IMPORT_LIMITS.shortTextLength);
        const videoReleaseDate = parseTextField(fields[3], "video release date", label, lineNo, IMPORT_LIMITS.shortTextLength);
        const imdbUrl = parseTextField(fields[4], "IMDb URL", label, lineNo, IMPORT_LIMITS.titleLength);
        yield {
          externalId: parseIdField(fields[0], "movie id", label, lineNo, "positive integer"),
          title: title === "" ? null : title,
          genres: itemGenres,
          year: yearFromTitle(title) ?? (releaseDate ? yearFromDate(releaseDate) : null),
          metadata: { releaseDate: releaseDate || null, videoReleaseDate: videoReleaseDate || null, imdbUrl: imdbUrl || null },
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      for await (const row of read.rows(ratingsFile, "\t", 4, "tab")) yield movieLensRating(row, ["user id", "item id"], SCALE);
    },
  };
}

/** u.genre: `name|index` lines; indices 0..n-1 each once, at most 100 genres. */
async function readGenreNames(read: FileSet, file: string): Promise<string[]> {
  const names: string[] = [];
  const label = displayPath(file);
  let lastLine = 0;
  for await (const { fields, lineNo } of read.rows(file, "|", 2)) {
    const position = parseIntegerField(fields[1], "genre index", label, lineNo, 0, IMPORT_LIMITS.labelCount - 1);
    if (names[position] !== undefined) throw new ParseError(label, lineNo, `genre index ${position} appears twice`);
    names[position] = parseLabel(fields[0], "genre name", label, lineNo);
    lastLine = lineNo;
  }
  for (let g = 0; g < names.length; g++) {
    if (names[g] === undefined) throw new ParseError(label, lastLine, `genre index ${g} is missing (indices must run 0..${names.length - 1})`);
  }
  return names;
}
