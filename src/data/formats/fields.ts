// Field checks shared by the format readers; every failure names file, line and field, and
// the limit it broke. Input is quoted only through `excerpt` (at most 32 characters, control
// characters escaped): an importer pointed at a secret file (/proc/self/environ, /etc/shadow)
// must never echo it into a job error or a log. Each reader checks its ids by its format's
// rules, so a file that is not in that format (say /etc/passwd read as interactions-txt)
// fails on its first line instead of importing as data. The limits are the catalogue
// writes' (src/services/validation.ts), so whatever is imported could also be written there.
import { ParseError } from "../../errors";

export const IMPORT_LIMITS = {
  /** External ids of users and items (characters). */
  idLength: 200,
  titleLength: 1_000,
  /** Genres or tags per item, and the length of each. */
  labelCount: 100,
  labelLength: 100,
  /** Short attribute and metadata text (gender, zip, dates, imdb ids). */
  shortTextLength: 200,
} as const;

/** Characters of input an error message may quote. */
export const EXCERPT_CHARS = 32;

/** C0 and C1 control characters and DEL. PostgreSQL text cannot hold NUL at all. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** What `excerpt` escapes: controls, line/paragraph separators and bidi overrides (log spoofing), quote and backslash. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"\\]/g;
const SHORT_ESCAPES: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\" };

/**
 * A short, escaped rendering of one input value: its first `max` characters (code points),
 * control and bidi characters as \uXXXX, and "…" when cut. Unquoted; `excerpt` quotes it.
 * Use it for values in ValidationErrors (which quote by themselves).
 */
export function shorten(raw: string, max = EXCERPT_CHARS): string {
  return render(raw, max, false);
}

/** `"first 32 characters…"`: the only way a ParseError message may quote input. */
export function excerpt(raw: string, max = EXCERPT_CHARS): string {
  return `"${render(raw, max, true)}"`;
}

function render(raw: string, max: number, quoted: boolean): string {
  let text = raw;
  let cut = false;
  if (raw.length > max) {
    // 2·max UTF-16 units hold at least max whole code points; a surrogate pair is never split.
    const points = Array.from(raw.slice(0, 2 * max));
    if (points.length > max || raw.length > 2 * max) {
      text = points.slice(0, max).join("");
      cut = true;
    }
  }
  const escaped = text.replace(UNSAFE, (c) => {
    if (!quoted && (c === '"' || c === "\\")) return c;
    return SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return cut ? `${escaped}…` : escaped;
}

/** "U+0000" for the first control character in `text`, or undefined. */
export function controlCharacter(text: string): string | undefined {
  const match = CONTROL.exec(text);
  return match ? `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}` : undefined;
}

export function expectFieldCount(fields: string[], expected: number, separator: string, file: string, lineNo: number): void {
  if (fields.length !== expected) {
    throw new ParseError(file, lineNo, `expected ${expected} ${separator}-separated fields, found ${fields.length}`);
  }
}

/**
 * How a format spells its ids: "text" (csv: any 1–200 characters without control characters),
 * "non-negative integer" (interactions-txt) or "positive integer" (MovieLens); integers have
 * at most 18 decimal digits.
 */
export type IdRule = "text" | "non-negative integer" | "positive integer";

export function parseIdField(raw: string | undefined, name: string, file: string, lineNo: number, rule: IdRule = "text"): string {
  const value = (raw ?? "").trim();
  if (value === "") throw new ParseError(file, lineNo, `${name} is empty`);
  if (rule === "text") return checkText(value, name, file, lineNo, IMPORT_LIMITS.idLength);
  if (/^\d{1,18}$/.test(value) && (rule === "non-negative integer" || /[1-9]/.test(value))) return value;
  // Digits alone are quoted; otherwise only the first character that is not one: a line of
  // another format (root:x:0:0:... read as ids) is not repeated.
  const other = /\D/u.exec(value);
  const what = other ? `${name} is not a ${rule} of at most 18 digits (character ${other.index + 1} is ${excerpt(other[0])})` : `${name} ${excerpt(value)} is not a ${rule} of at most 18 digits`;
  throw new ParseError(file, lineNo, what);
}

/** Free text (trimmed; may be empty): at most `max` characters, no control characters. */
export function parseTextField(raw: string | undefined, name: string, file: string, lineNo: number, max: number): string {
  return checkText((raw ?? "").trim(), name, file, lineNo, max);
}

/** Genres or tags: at most 100 labels, each non-empty, ≤ 100 characters, no control characters. */
export function parseLabels(values: readonly string[], name: string, file: string, lineNo: number): string[] {
  if (values.length > IMPORT_LIMITS.labelCount) {
    throw new ParseError(file, lineNo, `${values.length} ${name}s, more than the ${IMPORT_LIMITS.labelCount} allowed per item`);
  }
  return values.map((raw, k) => parseLabel(raw, `${name} ${k + 1}`, file, lineNo));
}

/** One genre or tag: non-empty, ≤ 100 characters, no control characters. */
export function parseLabel(raw: string | undefined, name: string, file: string, lineNo: number): string {
  const label = parseTextField(raw, name, file, lineNo, IMPORT_LIMITS.labelLength);
  if (label === "") throw new ParseError(file, lineNo, `${name} is empty`);
  return label;
}

function checkText(value: string, name: string, file: string, lineNo: number, max: number): string {
  const control = controlCharacter(value);
  if (control) throw new ParseError(file, lineNo, `${name} ${excerpt(value)} contains a control character (${control})`);
  if (value.length > max) throw new ParseError(file, lineNo, `${name} ${excerpt(value)} is longer than ${max} characters`);
  return value;
}

export function parseNumberField(raw: string | undefined, name: string, file: string, lineNo: number): number {
  const text = (raw ?? "").trim();
  const value = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new ParseError(file, lineNo, `${name} ${excerpt(raw ?? "")} is not a number`);
  return value;
}

/** An integer in [min, max] written in decimal. */
export function parseIntegerField(raw: string | undefined, name: string, file: string, lineNo: number, min: number, max: number): number {
  const text = (raw ?? "").trim();
  const value = /^-?\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min && value <= max)) throw new ParseError(file, lineNo, `${name} ${excerpt(raw ?? "")} is not an integer within ${min}–${max}`);
  return value;
}

/** A format's rating scale: values min, min + step, ..., max. */
export interface RatingScale {
  min: number;
  max: number;
  step: number;
}

/** Largest magnitude stored in ratings.value (PostgreSQL real, float4). */
const FLOAT4_MAX = 3.4028234663852886e38;

/** A rating: on `scale` when the format has one, else any finite number a float4 column holds. */
export function parseRatingField(raw: string | undefined, name: string, file: string, lineNo: number, scale?: RatingScale): number {
  if (!scale) {
    const value = parseNumberField(raw, name, file, lineNo);
    if (Math.abs(value) > FLOAT4_MAX) throw new ParseError(file, lineNo, `${name} ${excerpt(raw ?? "")} is out of range (at most ${FLOAT4_MAX.toPrecision(3)} in magnitude)`);
    return value;
  }
  const text = (raw ?? "").trim();
  const value = /^\d{1,6}(\.\d{1,6})?$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(value)) throw new ParseError(file, lineNo, `${name} ${excerpt(raw ?? "")} is not a number`);
  if (!(value >= scale.min && value <= scale.max && Number.isInteger((value - scale.min) / scale.step))) {
    throw new ParseError(file, lineNo, `${name} ${excerpt(text)} is not on the scale ${scale.min}–${scale.max} in steps of ${scale.step}`);
  }
  return value;
}

/** Unix seconds PostgreSQL and JavaScript dates both hold: years 1–9999. */
const MIN_TIME = -62_135_596_800;
const MAX_TIME = 253_402_300_799;

/**
 * "unix or iso" (csv): unix seconds or an ISO-8601 date, empty gives null. "unix seconds"
 * (MovieLens): an integer, required.
 */
export function parseTimeField(raw: string | undefined, name: string, file: string, lineNo: number, rule: "unix or iso" | "unix seconds" = "unix or iso"): number | null {
  const text = (raw ?? "").trim();
  let seconds: number;
  if (rule === "unix seconds") {
    if (!/^-?\d{1,12}$/.test(text)) throw new ParseError(file, lineNo, `${name} ${excerpt(raw ?? "")} is not an integer (unix seconds)`);
    seconds = Number(text);
  } else {
    if (text === "") return null;
    if (/^-?\d+(\.\d+)?$/.test(text)) seconds = Number(text);
    else {
      const ms = text.length <= 64 ? Date.parse(text) : Number.NaN;
      if (Number.isNaN(ms)) throw new ParseError(file, lineNo, `${name} ${excerpt(text)} is neither unix seconds nor an ISO date`);
      seconds = ms / 1000;
    }
  }
  if (!(seconds >= MIN_TIME && seconds <= MAX_TIME)) throw new ParseError(file, lineNo, `${name} ${excerpt(text)} is outside the years 1–9999`);
  return seconds;
}

/** "Toy Story (1995)" → 1995; also accepts "(1995– )" style ranges in newer MovieLens titles. */
export function yearFromTitle(title: string): number | null {
  const match = /\((\d{4})(?:[–-]\s*\d{0,4})?\s*\)\s*$/.exec(title.trim());
  return match ? Number(match[1]) : null;
}

/** Release dates like "01-Jan-1995" → 1995. */
export function yearFromDate(text: string): number | null {
  const match = /(\d{4})\s*$/.exec(text.trim());
  return match ? Number(match[1]) : null;
}
