// Field checks shared by the format readers; every failure names file, line and field.
import { ParseError } from "../../errors";

export function expectFieldCount(fields: string[], expected: number, separator: string, file: string, lineNo: number): void {
  if (fields.length !== expected) {
    throw new ParseError(file, lineNo, `expected ${expected} ${separator}-separated fields, found ${fields.length}`);
  }
}

export function parseIdField(raw: string | undefined, name: string, file: string, lineNo: number): string {
  const value = (raw ?? "").trim();
  if (value === "") throw new ParseError(file, lineNo, `${name} is empty`);
  return value;
}

export function parseNumberField(raw: string | undefined, name: string, file: string, lineNo: number): number {
  const text = (raw ?? "").trim();
  const value = text === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new ParseError(file, lineNo, `${name} ${JSON.stringify(raw ?? "")} is not a number`);
  return value;
}

/** Unix seconds, or an ISO-8601 date; empty gives null. */
export function parseTimeField(raw: string | undefined, name: string, file: string, lineNo: number): number | null {
  const text = (raw ?? "").trim();
  if (text === "") return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ParseError(file, lineNo, `${name} ${JSON.stringify(text)} is neither unix seconds nor an ISO date`);
  return ms / 1000;
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
