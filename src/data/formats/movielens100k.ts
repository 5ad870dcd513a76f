// MovieLens 100K (GroupLens): u.data (tab-separated user, item, rating, unix time),
// u.item (pipe-separated, Latin-1, 19 genre flags), u.user, u.genre.
// `path` is the folder, or a single ratings file in u.data layout (u1.base, ua.test, ...).
import fs from "node:fs";
import path from "node:path";
import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, readLines } from "./lineReader";
import { expectFieldCount, parseIdField, parseNumberField, parseTimeField, yearFromDate, yearFromTitle } from "./fields";
import { FileProgress } from "./progress";
import type { DatasetReader, ReaderOptions } from "./types";

/** u.genre's order; used when the folder has no u.genre. */
export const ML100K_GENRES = [
  "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
  "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
];

export function movielens100kReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const isFile = fs.statSync(target).isFile();
  const dir = isFile ? path.dirname(target) : target;
  const ratingsFile = isFile ? target : path.join(dir, "u.data");
  const usersFile = isFile ? undefined : existing(path.join(dir, "u.user"));
  const itemsFile = isFile ? undefined : existing(path.join(dir, "u.item"));
  const genreFile = isFile ? undefined : existing(path.join(dir, "u.genre"));
  if (!fs.existsSync(ratingsFile)) throw new ParseError(displayPath(ratingsFile), 0, "file not found (expected the MovieLens 100K u.data)");
  const files = [usersFile, itemsFile, ratingsFile].filter((f): f is string => f !== undefined);
  const progress = new FileProgress(files, options.onProgress);
  // The GroupLens files are Latin-1 (u.item has accented titles).
  const encoding = options.encoding ?? "latin1";

  return {
    format: "movielens-100k",
    files,
    implicit: false,
    async *users(): AsyncGenerator<UserRecord> {
      if (!usersFile) return;
      const label = displayPath(usersFile);
      for await (const { text, lineNo } of readLines(usersFile, { encoding, onBytes: progress.tracker(usersFile) })) {
        const fields = text.split("|");
        expectFieldCount(fields, 5, "|", label, lineNo);
        yield {
          externalId: parseIdField(fields[0], "user id", label, lineNo),
          attributes: {
            age: parseNumberField(fields[1], "age", label, lineNo),
            gender: fields[2],
            occupation: fields[3],
            zip: fields[4],
          },
        };
      }
    },
    async *items(): AsyncGenerator<ItemRecord> {
      if (!itemsFile) return;
      const genres = genreFile ? await readGenreNames(genreFile, encoding) : ML100K_GENRES;
      const label = displayPath(itemsFile);
      for await (const { text, lineNo } of readLines(itemsFile, { encoding, onBytes: progress.tracker(itemsFile) })) {
        const fields = text.split("|");
        expectFieldCount(fields, 5 + genres.length, "|", label, lineNo);
        const itemGenres: string[] = [];
        for (let g = 0; g < genres.length; g++) {
          const flag = fields[5 + g];
          if (flag !== "0" && flag !== "1") throw new ParseError(label, lineNo, `genre flag ${g + 1} is ${JSON.stringify(flag)}, expected 0 or 1`);
          if (flag === "1") itemGenres.push(genres[g]);
        }
        const title = fields[1].trim();
        const releaseDate = fields[2].trim();
        yield {
          externalId: parseIdField(fields[0], "movie id", label, lineNo),
          title: title === "" ? null : title,
          genres: itemGenres,
          year: yearFromTitle(title) ?? (releaseDate ? yearFromDate(releaseDate) : null),
          metadata: { releaseDate: releaseDate || null, videoReleaseDate: fields[3].trim() || null, imdbUrl: fields[4].trim() || null },
        };
      }
    },
    async *ratings(): AsyncGenerator<RatingRecord> {
      const label = displayPath(ratingsFile);
      for await (const { text, lineNo } of readLines(ratingsFile, { encoding, onBytes: progress.tracker(ratingsFile) })) {
        const fields = text.split("\t");
        expectFieldCount(fields, 4, "tab", label, lineNo);
        yield {
          user: parseIdField(fields[0], "user id", label, lineNo),
          item: parseIdField(fields[1], "item id", label, lineNo),
          value: parseNumberField(fields[2], "rating", label, lineNo),
          time: parseTimeField(fields[3], "timestamp", label, lineNo),
        };
      }
    },
  };
}

async function readGenreNames(file: string, encoding: "utf-8" | "latin1"): Promise<string[]> {
  const names: string[] = [];
  const label = displayPath(file);
  for await (const { text, lineNo } of readLines(file, { encoding })) {
    const [name, index] = text.split("|");
    const position = parseNumberField(index, "genre index", label, lineNo);
    names[position] = name;
  }
  return names;
}

function existing(file: string): string | undefined {
  return fs.existsSync(file) ? file : undefined;
}
