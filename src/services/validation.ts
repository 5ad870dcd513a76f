// Input bounds for everything a caller can send: one place, one set of limits, one error
// shape (ValidationError: BAD_USER_INPUT naming the field, the value's excerpt and the limit).
// The API edge applies the generic bounds to every argument and variable (src/api/inputBounds.ts);
// the catalogue writes apply the field-specific ones here before anything is stored.
import { IMPORT_LIMITS, shorten } from "../data/formats";
import { controlCharacter } from "../data/formats/fields";
import { ValidationError } from "../errors";

/** The API's bounds; ids, titles and labels are the importers' bounds (one set of limits for both ways in). */
export const INPUT_LIMITS = {
  idLength: IMPORT_LIMITS.idLength,
  titleLength: IMPORT_LIMITS.titleLength,
  labelCount: IMPORT_LIMITS.labelCount,
  labelLength: IMPORT_LIMITS.labelLength,
  searchLength: 200,
  /** JSON values (attributes, metadata, hyper-parameters): nesting depth and serialised size. */
  jsonDepth: 8,
  jsonBytes: 16 * 1024,
  /** Any string anywhere in a request (a bound for fields without a tighter one). */
  stringLength: 4_096,
  /** Any list anywhere in a request. */
  listLength: 1_000,
  /** Deepest offset a cursor may encode. */
  cursorOffset: 1_000_000,
  /** Database ids (PostgreSQL integer). */
  maxDbId: 2_147_483_647,
} as const;

/** A short, safe rendering of an offending value for messages (never the whole input). */
export function excerptOf(value: unknown, max?: number): string {
  return shorten(typeof value === "string" ? value : String(value), max);
}

function refuse(field: string, value: unknown, allowed: string): never {
  throw new ValidationError(field, typeof value === "string" ? excerptOf(value) : value, allowed);
}

/** C0 and C1 control characters and DEL (the importers' rule: PostgreSQL text cannot hold NUL at all). */
export function hasControlCharacters(text: string): boolean {
  return controlCharacter(text) !== undefined;
}

/** A user or item external id: 1–200 characters, not blank, no control characters. */
export function externalId(value: string, field: string): string {
  if (value.length > INPUT_LIMITS.idLength || value.trim() === "" || value !== value.trim() || hasControlCharacters(value)) {
    refuse(field, value, `an id of 1–${INPUT_LIMITS.idLength} characters without control characters or surrounding spaces`);
  }
  return value;
}

/** Free text (titles): at most `max` characters, no control characters. */
export function plainText(value: string, field: string, max: number): string {
  if (value.length > max || hasControlCharacters(value)) refuse(field, value, `text of at most ${max} characters without control characters`);
  return value;
}

/** A list argument of at most `max` entries (`what` names them in the message). */
export function atMost<T>(values: readonly T[] | null | undefined, field: string, max: number, what = "entries"): void {
  if (values && values.length > max) refuse(field, `${values.length} entries`, `at most ${max} ${what}`);
}

/** Genres, tags: at most 100 non-blank labels of at most 100 characters each, duplicates removed. */
export function labels(values: readonly string[], field: string): string[] {
  atMost(values, field, INPUT_LIMITS.labelCount);
  const out: string[] = [];
  values.forEach((raw, position) => {
    const label = raw.trim();
    if (label === "" || label.length > INPUT_LIMITS.labelLength || hasControlCharacters(label)) {
      refuse(`${field}[${position}]`, raw, `a non-blank label of at most ${INPUT_LIMITS.labelLength} characters without control characters`);
    }
    if (!out.includes(label)) out.push(label);
  });
  return out;
}

/** A JSON value: depth ≤ 8, ≤ 16 KiB serialised, no NUL or other control characters in keys and strings. */
export function jsonValue(value: unknown, field: string): unknown {
  const check = (node: unknown, depth: number, path: string): void => {
    if (depth > INPUT_LIMITS.jsonDepth) refuse(field, `nested deeper than ${INPUT_LIMITS.jsonDepth} at ${excerptOf(path)}`, `JSON nested at most ${INPUT_LIMITS.jsonDepth} deep`);
    if (typeof node === "string") {
      if (hasControlCharacters(node.replace(/[\t\n\r]/g, ""))) refuse(`${field}${path}`, node, "strings without NUL or other control characters");
    } else if (typeof node === "number") {
      if (!Number.isFinite(node)) refuse(`${field}${path}`, node, "finite numbers");
    } else if (Array.isArray(node)) {
      node.forEach((child, i) => check(child, depth + 1, `${path}[${i}]`));
    } else if (node !== null && typeof node === "object") {
      for (const [key, child] of Object.entries(node)) {
        if (hasControlCharacters(key)) refuse(`${field}${path}`, key, "keys without control characters");
        check(child, depth + 1, `${path}.${key}`);
      }
    }
  };
  check(value, 0, "");
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? "null");
  if (bytes > INPUT_LIMITS.jsonBytes) refuse(field, `${bytes} bytes`, `JSON of at most ${INPUT_LIMITS.jsonBytes} bytes`);
  return value;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * Strict ISO-8601 (a calendar date, optionally with a time and offset; no bare numbers or
 * free text that Date.parse would guess at), years 0001–9999 (inside PostgreSQL's timestamp
 * range) and not more than a day in the future.
 */
export function isoDateTime(value: unknown, field: string, now = Date.now()): Date {
  const allowed = "an ISO-8601 date-time (YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|±HH:MM]) in years 0001–9999, not in the future";
  if (typeof value !== "string" || value.length > 40) refuse(field, value, allowed);
  const match = ISO_DATE_TIME.exec(value);
  if (!match) refuse(field, value, allowed);
  const [, year, month, day, hour = "00", minute = "00", second = "00", , zone] = match;
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : zone ? value.replace(" ", "T") : `${value.replace(" ", "T")}Z`);
  const calendarOk =
    Number(year) >= 1 &&
    Number(month) >= 1 &&
    Number(month) <= 12 &&
    Number(day) >= 1 &&
    Number(day) <= daysInMonth(Number(year), Number(month)) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59;
  if (!calendarOk || Number.isNaN(date.getTime())) refuse(field, value, allowed);
  if (date.getTime() > now + 86_400_000) refuse(field, value, allowed);
  return date;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A rating value inside the catalogue's scale ([1, 1] for implicit feedback). */
export function ratingValue(value: number, scale: readonly [number, number], field = "value"): number {
  const [min, max] = scale;
  if (!Number.isFinite(value) || value < min || value > max) {
    refuse(field, value, min === max ? `${min} (this catalogue records implicit feedback)` : `a number in ${min}–${max} (the catalogue's rating scale)`);
  }
  return value;
}

/** A database id given as a string (model runs): a positive PostgreSQL integer. */
export function dbId(value: string, field: string): number {
  const id = /^\d{1,10}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(id) || id < 1 || id > INPUT_LIMITS.maxDbId) refuse(field, value, `a positive integer up to ${INPUT_LIMITS.maxDbId}`);
  return id;
}
