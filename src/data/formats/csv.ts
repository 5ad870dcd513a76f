// Generic CSV with a header: user,item[,rating][,timestamp]. Accepted column names are
// listed below (case-insensitive); a file without a rating column is implicit feedback.
// Ids are any text of 1–200 characters without control characters; ratings any finite
// number. Messages quote input only through `excerpt`: the header of a file that is not a
// CSV at all (/proc/self/environ is one NUL-separated "line") must not be echoed whole.
import type { RatingRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath, splitCsvLine } from "./lineReader";
import { controlCharacter, excerpt, expectFieldCount, parseIdField, parseRatingField, parseTimeField } from "./fields";
import { FileSet, ratingsOnlyReader } from "./reading";
import type { DatasetReader, ReaderOptions } from "./types";

const COLUMN_NAMES = {
  user: ["user", "userid", "user_id"],
  item: ["item", "itemid", "item_id", "movieid", "movie_id"],
  rating: ["rating", "value", "score"],
  timestamp: ["timestamp", "time", "ts", "rated_at"],
} as const;

type Column = keyof typeof COLUMN_NAMES;

export function csvReader(file: string, options: ReaderOptions = {}): DatasetReader {
  const read = new FileSet([file], options, "utf-8");
  const label = displayPath(file);
  // `implicit` is decided from the header when ratings are read; a CSV without ratings is implicit.
  return ratingsOnlyReader("csv", read, false, async function* (): AsyncGenerator<RatingRecord> {
    let columns: Partial<Record<Column, number>> | undefined;
    let width = 0;
    for await (const { text, lineNo } of read.lines(file)) {
      const values = splitCsvLine(text, label, lineNo);
      if (!columns) {
        columns = headerColumns(values, label, lineNo);
        width = values.length;
        continue;
      }
      expectFieldCount(values, width, "comma", label, lineNo);
      yield {
        user: parseIdField(values[columns.user!], "user", label, lineNo),
        item: parseIdField(values[columns.item!], "item", label, lineNo),
        value: columns.rating === undefined ? 1 : parseRatingField(values[columns.rating], "rating", label, lineNo),
        time: columns.timestamp === undefined ? null : parseTimeField(values[columns.timestamp], "timestamp", label, lineNo),
      };
    }
    if (!columns) throw new ParseError(label, 1, "the file is empty (expected a header user,item,rating[,timestamp])");
  });
}

function headerColumns(values: string[], label: string, lineNo: number): Partial<Record<Column, number>> {
  const columns: Partial<Record<Column, number>> = {};
  values.forEach((raw, index) => {
    // A header with control characters is no CSV header (NUL-separated environments, binaries): say so without quoting it.
    const control = controlCharacter(raw);
    if (control) throw new ParseError(label, lineNo, `header column ${index + 1} contains a control character (${control}); expected user,item,rating[,timestamp]`);
    const name = raw
      .trim()
      .replace(/^\uFEFF/, "")
      .toLowerCase();
    for (const column of Object.keys(COLUMN_NAMES) as Column[]) {
      if ((COLUMN_NAMES[column] as readonly string[]).includes(name)) columns[column] = index;
    }
  });
  for (const required of ["user", "item"] as const) {
    if (columns[required] === undefined) {
      throw new ParseError(label, lineNo, `header ${excerpt(values.join(","))} has no ${required} column (accepted names: ${COLUMN_NAMES[required].join(", ")})`);
    }
  }
  return columns;
}
