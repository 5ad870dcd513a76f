// The NGCF/LightGCN benchmark format: each line is `user item item ...` (implicit feedback,
// no ratings, no times). `path` is a file, or a folder whose train.txt and test.txt
// (when present) together make the whole data set. Ids are non-negative decimal integers
// (at most 18 digits), so a file in another format (/etc/passwd, a CSV) fails on its first
// line instead of importing as users and items.
import fs from "node:fs";
import path from "node:path";
import type { RatingRecord } from "../../db/records";
import { ParseError } from "../../errors";
import { displayPath } from "./lineReader";
import { parseIdField } from "./fields";
import { FileSet, ratingsOnlyReader } from "./reading";
import type { DatasetReader, ReaderOptions } from "./types";

export function interactionsTxtFiles(target: string): string[] {
  if (fs.statSync(target).isFile()) return [target];
  const files = ["train.txt", "test.txt"].map((name) => path.join(target, name)).filter((file) => fs.existsSync(file));
  if (files.length === 0) throw new ParseError(displayPath(target), 0, "no train.txt or test.txt in this folder");
  return files;
}

export function interactionsTxtReader(target: string, options: ReaderOptions = {}): DatasetReader {
  const read = new FileSet(interactionsTxtFiles(target), options, "utf-8");
  return ratingsOnlyReader("interactions-txt", read, true, async function* (): AsyncGenerator<RatingRecord> {
    for (const file of read.files) {
      const label = displayPath(file);
      for await (const { text, lineNo } of read.lines(file)) {
        const tokens = text.trim().split(/\s+/);
        const user = parseIdField(tokens[0], "user id", label, lineNo, "non-negative integer");
        for (let t = 1; t < tokens.length; t++) {
          yield { user, item: parseIdField(tokens[t], "item id", label, lineNo, "non-negative integer"), value: 1, time: null };
        }
      }
    }
  });
}
