// Streams a text file line by line with 1-based line numbers, decoding each line with the
// file's declared encoding. UTF-8 decoding is strict: a byte sequence that is not UTF-8
// stops the read with `file:line: ...` instead of silently turning into U+FFFD.
import fs from "node:fs";
import path from "node:path";
import { ParseError } from "../../errors";

export type TextEncoding = "utf-8" | "latin1";

export interface Line {
  text: string;
  lineNo: number;
}

export interface ReadOptions {
  encoding: TextEncoding;
  /** Called with the bytes consumed so far in this file. */
  onBytes?: (bytesRead: number) => void;
  /** Skip lines that are empty after trimming (default true). */
  skipBlank?: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export async function* readLines(file: string, options: ReadOptions): AsyncGenerator<Line> {
  const label = displayPath(file);
  const decoder = options.encoding === "utf-8" ? new TextDecoder("utf-8", { fatal: true }) : undefined;
  const skipBlank = options.skipBlank ?? true;
  let carry: Buffer | undefined;
  let lineNo = 0;
  let bytesRead = 0;

  const decode = (bytes: Buffer): string => {
    if (!decoder) return bytes.toString("latin1");
    try {
      return decoder.decode(bytes);
    } catch {
      throw new ParseError(label, lineNo, "bytes that are not valid UTF-8 (unknown encoding; try --encoding latin1)");
    }
  };

  const stream = fs.createReadStream(file, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      let buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let i = buffer.indexOf(NEWLINE, start); i !== -1; i = buffer.indexOf(NEWLINE, start)) {
        lineNo++;
        const end = i > start && buffer[i - 1] === CARRIAGE_RETURN ? i - 1 : i;
        const text = decode(buffer.subarray(start, end));
        start = i + 1;
        if (skipBlank && text.trim() === "") continue;
        yield { text, lineNo };
      }
      carry = start < buffer.length ? Buffer.from(buffer.subarray(start)) : undefined;
      buffer = Buffer.alloc(0);
      options.onBytes?.(bytesRead);
    }
  } finally {
    stream.destroy();
  }
  if (carry && carry.length > 0) {
    lineNo++;
    const end = carry[carry.length - 1] === CARRIAGE_RETURN ? carry.length - 1 : carry.length;
    const text = decode(carry.subarray(0, end));
    if (!(skipBlank && text.trim() === "")) yield { text, lineNo };
  }
}

/** Paths in messages: relative to the working directory when that is shorter. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith("..") && relative.length < file.length ? relative : file;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(text: string, file: string, lineNo: number): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new ParseError(file, lineNo, "unterminated quoted field");
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === text.length) return fields;
      if (text[i] !== ",") throw new ParseError(file, lineNo, `unexpected character after a quoted field at column ${i + 1}`);
      i++;
    } else {
      const comma = text.indexOf(",", i);
      if (comma === -1) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}
