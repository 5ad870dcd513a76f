// Import of a data set from files into the database: the library call behind
// `npm run import` and the API's importDataset mutation.
//
// The API passes `importRoots` (IMPORT_ROOT): the target and every file its reader will read
// must then resolve (symlinks and `..` followed, fs.realpathSync) to a regular file, or a
// folder for the target, inside one of those roots. Anything else (a path outside, a symlink
// pointing out, /dev/zero, a FIFO, a socket, a missing file) is refused with the same
// ValidationError before a byte is read, so the refusal says nothing about what exists where.
// `npm run import` and the DATA_DIR bootstrap are run by the operator and pass no roots.
// `signal` cancels an import: the readers and the bulk import throw its reason and the
// transaction rolls back, leaving the database exactly as before.
import fs from "node:fs";
import path from "node:path";
import type { Db } from "../db/client";
import { bulkImport, type ImportPhase, type ImportSummary } from "../db/bulkImport";
import { PATH_EXCERPT_CHARS, openDataset, parseFormat, shorten, type DatasetFormat, type DatasetReader } from "../data/formats";
import type { ByteProgress } from "../data/formats/types";
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
  /**
   * Folders the import may read from. When given (the API always gives IMPORT_ROOT), the
   * target and every file read must resolve to a regular file (or a folder, for the target
   * of a folder format) inside one of them; otherwise a ValidationError on "path".
   */
  importRoots?: readonly string[];
  /** Cancels the import; it then rejects with `signal.reason` and changes nothing. */
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
}

/** What a refused path is told: no more, whatever the reason. */
export const IMPORT_PATH_ALLOWED = "a file or folder under the import root (IMPORT_ROOT)";

export async function importDataset(db: Db, request: ImportRequest): Promise<ImportSummary> {
  let phase: ImportPhase = "users";
  let bytesDone = 0;
  let bytesTotal = 0;
  const { format, reader } = prepare(request, (done, total) => {
    bytesDone = done;
    bytesTotal = total;
    request.onProgress?.({ phase, bytesDone, bytesTotal });
  });
  return bulkImport(
    db,
    { format, source: path.resolve(request.path), users: () => reader.users(), items: () => reader.items(), ratings: () => reader.ratings() },
    {
      signal: request.signal,
      onPhase: (next) => {
        phase = next;
        request.onProgress?.({ phase, bytesDone, bytesTotal });
      },
    },
  );
}

/**
 * The checks importDataset makes before reading anything (format, encoding, and under
 * `importRoots` the target and every file it would read), without reading: the API can call
 * it when the mutation arrives and refuse at once instead of failing a job.
 */
export function validateImportRequest(request: ImportRequest): void {
  prepare(request, undefined);
}

function prepare(request: ImportRequest, onProgress: ByteProgress | undefined): { format: DatasetFormat; reader: DatasetReader } {
  const format = parseFormat(request.format);
  const encoding = parseEncoding(request.encoding);
  request.signal?.throwIfAborted();
  const roots = request.importRoots;
  // Under roots the reader opens the resolved path, so what was checked is what is read.
  const target = roots ? confine(request.path, roots, format === "csv" ? "file" : "file or folder", request.path) : request.path;
  const reader = openDataset(format, target, { encoding, signal: request.signal, onProgress });
  if (roots) for (const file of reader.files) confine(file, roots, "file", request.path);
  return { format, reader };
}

/**
 * The real path of `target` when it is a regular file (or, for "file or folder", a folder)
 * inside one of `roots` after resolving symlinks and `..`; otherwise a ValidationError that
 * repeats only `given` (shortened), never the resolved path or anything read.
 */
export function confine(target: string, roots: readonly string[], kind: "file" | "file or folder", given: string = target): string {
  const refuse = (): never => {
    throw new ValidationError("path", shorten(given, PATH_EXCERPT_CHARS), IMPORT_PATH_ALLOWED);
  };
  let real: string;
  try {
    real = fs.realpathSync(path.resolve(target));
  } catch {
    return refuse();
  }
  if (!realRoots(roots).some((root) => isInside(real, root))) return refuse();
  let stat: fs.Stats;
  try {
    stat = fs.statSync(real);
  } catch {
    return refuse();
  }
  // Not a device (/dev/zero), FIFO (blocks the open) or socket.
  if (!(stat.isFile() || (kind === "file or folder" && stat.isDirectory()))) return refuse();
  return real;
}

function realRoots(roots: readonly string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(fs.realpathSync(path.resolve(root)));
    } catch {
      // A root that does not exist holds nothing.
    }
  }
  return out;
}

function isInside(real: string, root: string): boolean {
  if (real === root) return true;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  return real.startsWith(prefix);
}

function parseEncoding(value: string | undefined): TextEncoding | undefined {
  if (value === undefined) return undefined;
  const normal = value.toLowerCase().replace("_", "-");
  if (normal === "utf-8" || normal === "utf8") return "utf-8";
  if (normal === "latin1" || normal === "latin-1" || normal === "iso-8859-1") return "latin1";
  throw new ValidationError("encoding", shorten(value), "utf-8 or latin1");
}
