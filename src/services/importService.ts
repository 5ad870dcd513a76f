// Import of a data set from files into the database: the library call behind
// `npm run import` and the API's importDataset mutation.
import path from "node:path";
import type { Db } from "../db/client";
import { bulkImport, type ImportPhase, type ImportSummary } from "../db/bulkImport";
import { openDataset, parseFormat } from "../data/formats";
import type { TextEncoding } from "../data/formats/lineReader";
import { ValidationError } from "../errors";

export interface ImportProgress {
  phase: ImportPhase;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportRequest {
  format: string;
  path: string;
  encoding?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export async function importDataset(db: Db, request: ImportRequest): Promise<ImportSummary> {
  const format = parseFormat(request.format);
  const encoding = parseEncoding(request.encoding);
  let phase: ImportPhase = "users";
  let bytesDone = 0;
  let bytesTotal = 0;
  const reader = openDataset(format, request.path, {
    encoding,
    onProgress: (done, total) => {
      bytesDone = done;
      bytesTotal = total;
      request.onProgress?.({ phase, bytesDone, bytesTotal });
    },
  });
  return bulkImport(
    db,
    { format, source: path.resolve(request.path), users: () => reader.users(), items: () => reader.items(), ratings: () => reader.ratings() },
    {
      onPhase: (next) => {
        phase = next;
        request.onProgress?.({ phase, bytesDone, bytesTotal });
      },
    },
  );
}

function parseEncoding(value: string | undefined): TextEncoding | undefined {
  if (value === undefined) return undefined;
  const normal = value.toLowerCase().replace("_", "-");
  if (normal === "utf-8" || normal === "utf8") return "utf-8";
  if (normal === "latin1" || normal === "latin-1" || normal === "iso-8859-1") return "latin1";
  throw new ValidationError("encoding", value, "utf-8 or latin1");
}
