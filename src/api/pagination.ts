// Relay-style pagination at the edge: page sizes and opaque offset cursors, both bounded.
import { ValidationError } from "../errors";
import { INPUT_LIMITS, excerptOf } from "../services/validation";

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, field = "first", fallback = 10, max = MAX_PAGE_SIZE): number {
  const value = first ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) throw new ValidationError(field, value, `an integer in 1–${max}`);
  return value;
}

/** Offset cursors: opaque base64url of "offset:<n>" (n = 0-based position of the edge). */
export function encodeCursor(position: number): string {
  return Buffer.from(`offset:${position}`).toString("base64url");
}

/** Position of the first edge after `cursor`; offsets beyond INPUT_LIMITS.cursorOffset are refused. */
export function decodeCursor(cursor: string | null | undefined, field = "after"): number {
  if (cursor === null || cursor === undefined) return 0;
  const allowed = "a cursor returned by this API (pageInfo.endCursor or an edge cursor)";
  if (cursor.length > 64) throw new ValidationError(field, excerptOf(cursor), allowed);
  const match = /^offset:(\d{1,9})$/.exec(Buffer.from(cursor, "base64url").toString());
  const position = match ? Number(match[1]) : Number.NaN;
  if (!(position >= 0 && position < INPUT_LIMITS.cursorOffset)) throw new ValidationError(field, excerptOf(cursor), allowed);
  return position + 1;
}

export function connection<T>(rows: T[], offset: number, hasNextPage: boolean) {
  const edges = rows.map((node, position) => ({ cursor: encodeCursor(offset + position), node }));
  return { edges, pageInfo: { hasNextPage, endCursor: edges.length ? edges[edges.length - 1].cursor : null } };
}

export function countedConnection<T>(rows: T[], offset: number, totalCount: number) {
  return { ...connection(rows, offset, offset + rows.length < totalCount), totalCount };
}
