// Streams a text file line by line with 1-based line numbers, decoding each line with the
// file's declared encoding. UTF-8 decoding is strict: a byte sequence that is not UTF-8
// stops the read with `file:line: ...` instead of silently turning into U+FFFD.
//
// The reader must stay safe on hostile input (issue 13): pointed at /dev/zero or a file
// without newlines it used to re-scan an ever-growing carry buffer on every chunk (quadratic)
// and never stop. Now each byte is searched for a newline once (a line split over chunks is
// kept as a list of pieces and concatenated once, when its newline arrives), and a line longer
// than `maxLineBytes` stops the read. Chunks are 64 KiB so that the parsing work done per
// chunk on the main thread stays short, and an AbortSignal is checked once per chunk.
import fs from "node:fs";
import path from "node:path";
import { ParseError } from "../../errors";

export type TextEncoding = "utf-8" | "latin1";

/** Longest line (bytes, without the line break) a reader accepts unless told otherwise: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** Bytes read from the file at a time. */
export const READ_CHUNK_BYTES = 64 * 1024;

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
  /** Longest accepted line in bytes, without the line break (default DEFAULT_MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Checked once per chunk; when aborted the read throws `signal.reason`. */
  signal?: AbortSignal;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export async function* readLines(file: string, options: ReadOptions): AsyncGenerator<Line> {
  const label = displayPath(file);
  const decoder = options.encoding === "utf-8" ? new TextDecoder("utf-8", { fatal: true }) : undefined;
  const skipBlank = options.skipBlank ?? true;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const signal = options.signal;
  // The start of the line being read, when it began in an earlier chunk.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
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
  const tooLong = (): ParseError => new ParseError(label, lineNo, `line longer than ${maxLineBytes} bytes`);
  /** The line's text without a trailing CR; lineNo is already this line's number. */
  const finish = (bytes: Buffer): string => {
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN ? bytes.length - 1 : bytes.length;
    if (end > maxLineBytes) throw tooLong();
    return decode(bytes.subarray(0, end));
  };

  signal?.throwIfAborted();
  const stream = fs.createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      bytesRead += chunk.length;
      let start = 0;
      for (let i = chunk.indexOf(NEWLINE, start); i !== -1; i = chunk.indexOf(NEWLINE, start)) {
        lineNo++;
        let bytes = chunk.subarray(start, i);
        if (pending.length > 0) {
          pending.push(bytes);
          bytes = Buffer.concat(pending, pendingBytes + bytes.length);
          pending = [];
          pendingBytes = 0;
        }
        start = i + 1;
        const text = finish(bytes);
        if (skipBlank && text.trim() === "") continue;
        yield { text, lineNo };
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        // One byte of slack for a CR whose LF is still to come.
        if (pendingBytes > maxLineBytes + 1) {
          lineNo++;
          throw tooLong();
        }
      }
      options.onBytes?.(bytesRead);
    }
  } finally {
    stream.destroy();
  }
  if (pendingBytes > 0) {
    lineNo++;
    const text = finish(Buffer.concat(pending, pendingBytes));
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
