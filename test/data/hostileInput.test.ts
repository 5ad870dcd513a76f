// The readers on hostile input (issue 13): files that are not the format they are read as,
// secrets that must not be echoed, lines without end, control characters, limits. Real files,
// written to temporary folders; the system files read (/etc/passwd, /proc/self/environ,
// /dev/zero) are the ones the issue names.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openDataset, type DatasetFormat } from "../../src/data/formats";
import { EXCERPT_CHARS, excerpt, shorten } from "../../src/data/formats/fields";
import { DEFAULT_MAX_LINE_BYTES, readLines, type Line } from "../../src/data/formats/lineReader";
import { ParseError } from "../../src/errors";
import { createRng } from "../../src/math/random";
import { collect, datasetPath, readAll } from "../helpers/datasets";
import { writeFiles } from "../helpers/tmp";

async function parseErrorOf(promise: Promise<unknown>): Promise<ParseError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParseError);
  return error as ParseError;
}

/** The quoted excerpts in a message ("..." with escapes), unquoted. */
function quotedParts(message: string): string[] {
  return [...message.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
}

describe("excerpt", () => {
  it("keeps short values, cuts long ones at 32 characters with an ellipsis, escapes controls and quotes", () => {
    expect(excerpt("five")).toBe('"five"');
    expect(excerpt("a".repeat(32))).toBe(`"${"a".repeat(32)}"`);
    expect(excerpt("a".repeat(33))).toBe(`"${"a".repeat(32)}…"`);
    expect(excerpt('x\u0000y\n\t\u009b\u202e"\\')).toBe('"x\\u0000y\\n\\t\\u009b\\u202e\\"\\\\"');
    // Code points, not UTF-16 units: a surrogate pair is never split.
    expect(excerpt("😀".repeat(40))).toBe(`"${"😀".repeat(32)}…"`);
    expect(shorten('say "hi"\u0001', 5)).toBe('say "…');
    expect(shorten("ab\u0001")).toBe("ab\\u0001");
  });
});

describe("secrets are never echoed", () => {
  const secret = "SECRET=hunter2-very-long-secret-value-that-must-not-leak-0123456789";

  it("a CSV whose first line is an environment names the missing column and quotes at most 32 characters", async () => {
    const dir = writeFiles({ "env.csv": `${secret},PATH=/usr/bin\nuser,item\n` });
    const error = await parseErrorOf(collect(openDataset("csv", path.join(dir, "env.csv")).ratings()));
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/env\.csv:1: header "SECRET=hunter2-very-long-secret-…" has no user column/);
    expect(error.message).not.toContain("secret-value");
    expect(error.message).not.toContain("PATH=/usr/bin");
    for (const part of quotedParts(error.message)) expect(part.replace(/…$/, "").length).toBeLessThanOrEqual(EXCERPT_CHARS);
  });

  it("every quoted value in a message is an excerpt: long ids, ratings, timestamps and titles", async () => {
    const long = `${"9".repeat(20)}-${secret}`;
    const cases: [DatasetFormat, Record<string, string>, string][] = [
      ["csv", { "r.csv": `user,item,rating\nu,i,${long}\n` }, "r.csv"],
      ["csv", { "r.csv": `user,item,rating,timestamp\nu,i,1,${long}\n` }, "r.csv"],
      ["csv", { "r.csv": `user,item\n${"u".repeat(201)}${secret},i\n` }, "r.csv"],
      ["interactions-txt", { "train.txt": `${long} 1\n` }, "train.txt"],
      ["movielens-100k", { "u.data": `1\t2\t${long}\t1\n` }, ""],
      ["movielens-1m", { "ratings.dat": `1::2::3::${long}\n` }, ""],
      ["movielens-latest", { "ratings.csv": `${secret},movieId,rating,timestamp\n` }, ""],
      ["movielens-latest", { "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n", "movies.csv": `movieId,title,genres\n1,${"t".repeat(1001)}${secret},Drama\n` }, ""],
    ];
    for (const [format, files, file] of cases) {
      const dir = writeFiles(files);
      const error = await parseErrorOf(readAll(format, file ? path.join(dir, file) : dir));
      expect(error.message).not.toContain("must-not-leak");
      const parts = quotedParts(error.problem);
      expect(parts.length).toBeGreaterThan(0);
      for (const part of parts) expect(Array.from(part.replace(/…$/, "")).length).toBeLessThanOrEqual(EXCERPT_CHARS);
    }
  });

  it("/proc/self/environ read as CSV fails on its header without repeating the environment", async () => {
    if (!fs.existsSync("/proc/self/environ")) return;
    const error = await parseErrorOf(collect(openDataset("csv", "/proc/self/environ").ratings()));
    expect(error.line).toBe(1);
    expect(error.problem).toMatch(/^header column 1 contains a control character \(U\+0000\)/);
    for (const value of Object.values(process.env)) {
      if (value && value.length > 8) expect(error.message).not.toContain(value);
    }
  });
});

describe("line reader", () => {
  it("stops a 3 MiB line without a newline with a ParseError on line 1", async () => {
    const dir = writeFiles({ "r.csv": Buffer.alloc(3 << 20, 0x61) });
    const error = await parseErrorOf(collect(openDataset("csv", path.join(dir, "r.csv")).ratings()));
    expect(error.line).toBe(1);
    expect(error.problem).toBe(`line longer than ${DEFAULT_MAX_LINE_BYTES} bytes`);
    expect(DEFAULT_MAX_LINE_BYTES).toBe(1 << 20);
  });

  it("reads an 8 MiB line in one pass when the limit allows it, and reports it as line 1", async () => {
    const dir = writeFiles({ "big.txt": Buffer.alloc(8 << 20, 0x62) });
    const lines = await collect(readLines(path.join(dir, "big.txt"), { encoding: "latin1", maxLineBytes: 16 << 20 }));
    expect(lines).toHaveLength(1);
    expect(lines[0].lineNo).toBe(1);
    expect(lines[0].text.length).toBe(8 << 20);
    const error = await parseErrorOf(collect(readLines(path.join(dir, "big.txt"), { encoding: "latin1", maxLineBytes: (8 << 20) - 1 })));
    expect(error.line).toBe(1);
  });

  it("/dev/zero read as CSV ends with a line-length ParseError", async () => {
    if (!fs.existsSync("/dev/zero")) return;
    const error = await parseErrorOf(collect(openDataset("csv", "/dev/zero").ratings()));
    expect(error.problem).toBe(`line longer than ${DEFAULT_MAX_LINE_BYTES} bytes`);
    expect(error.line).toBe(1);
  });

  it("applies the limit exactly, without counting the line break, and on later lines", async () => {
    const limit = 100;
    const dir = writeFiles({
      "ok.txt": `${"a".repeat(limit)}\r\n${"b".repeat(limit)}\n${"c".repeat(limit)}`,
      "long.txt": `short\n${"a".repeat(limit)}\n${"b".repeat(limit + 1)}\r\nafter\n`,
    });
    const lines = await collect(readLines(path.join(dir, "ok.txt"), { encoding: "utf-8", maxLineBytes: limit }));
    expect(lines.map((l) => l.text.length)).toEqual([limit, limit, limit]);
    const error = await parseErrorOf(collect(readLines(path.join(dir, "long.txt"), { encoding: "utf-8", maxLineBytes: limit })));
    expect(error.line).toBe(3);
    expect(error.problem).toBe(`line longer than ${limit} bytes`);
  });

  it("splits lines across 64 KiB chunks exactly as String.split does (LF and CRLF, blank lines kept)", async () => {
    const rng = createRng(13);
    const expected: string[] = [];
    const parts: string[] = [];
    let size = 0;
    while (size < 1_500_000) {
      // Mostly short lines, some crossing one or several chunk boundaries.
      const length = rng.next() < 0.9 ? rng.int(100) : rng.int(200_000);
      const text = String.fromCharCode(97 + rng.int(26)).repeat(length);
      const ending = rng.next() < 0.3 ? "\r\n" : "\n";
      expected.push(text);
      parts.push(text + ending);
      size += length + ending.length;
    }
    parts.push("tail-without-newline");
    expected.push("tail-without-newline");
    const dir = writeFiles({ "lines.txt": parts.join("") });
    const lines: Line[] = await collect(readLines(path.join(dir, "lines.txt"), { encoding: "utf-8", skipBlank: false }));
    expect(lines.map((l) => l.lineNo)).toEqual(expected.map((_, k) => k + 1));
    expect(lines.map((l) => l.text)).toEqual(expected);
  });

  it("keeps a multi-byte UTF-8 character that straddles a chunk boundary", async () => {
    const prefix = "x".repeat(64 * 1024 - 1);
    const dir = writeFiles({ "u.txt": `${prefix}é\nzweite\n` });
    const lines = await collect(readLines(path.join(dir, "u.txt"), { encoding: "utf-8" }));
    expect(lines.map((l) => l.text)).toEqual([`${prefix}é`, "zweite"]);
  });

  it("throws the abort reason once the signal is aborted", async () => {
    const dir = writeFiles({ "many.txt": "1 2 3\n".repeat(200_000) });
    const controller = new AbortController();
    const reason = new Error("stop reading");
    let seen = 0;
    const reading = (async () => {
      for await (const line of readLines(path.join(dir, "many.txt"), { encoding: "utf-8", signal: controller.signal })) {
        seen = line.lineNo;
        if (seen === 1000) controller.abort(reason);
      }
    })();
    await expect(reading).rejects.toBe(reason);
    expect(seen).toBeLessThan(200_000);
    // Already aborted: nothing is read.
    await expect(collect(readLines(path.join(dir, "many.txt"), { encoding: "utf-8", signal: controller.signal }))).rejects.toBe(reason);
  });
});

describe("every format rejects input that is not its format", () => {
  const passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";

  it("interactions-txt: an /etc/passwd-like file fails on line 1 naming the user id", async () => {
    const dir = writeFiles({ passwd });
    const error = await parseErrorOf(readAll("interactions-txt", path.join(dir, "passwd")));
    expect(error.line).toBe(1);
    expect(error.problem).toBe('user id is not a non-negative integer of at most 18 digits (character 1 is "r")');
    expect(error.message).not.toContain("root:x");
  });

  it("interactions-txt: the real /etc/passwd is refused", async () => {
    if (!fs.existsSync("/etc/passwd")) return;
    const error = await parseErrorOf(readAll("interactions-txt", "/etc/passwd"));
    expect(error.line).toBe(1);
    expect(error.problem).toMatch(/^user id is not a non-negative integer of at most 18 digits \(character \d+ is ".{1,6}"\)$/);
  });

  it("interactions-txt: item ids must be decimal integers of at most 18 digits", async () => {
    let dir = writeFiles({ "train.txt": "0 1 2\n1 2 x3\n" });
    let error = await parseErrorOf(readAll("interactions-txt", path.join(dir, "train.txt")));
    expect([error.line, error.problem]).toEqual([2, 'item id is not a non-negative integer of at most 18 digits (character 1 is "x")']);
    dir = writeFiles({ "train.txt": `0 ${"1".repeat(19)}\n` });
    error = await parseErrorOf(readAll("interactions-txt", path.join(dir, "train.txt")));
    expect(error.problem).toMatch(/^item id "1{19}" is not a non-negative integer of at most 18 digits$/);
    dir = writeFiles({ "train.txt": `0 -1\n` });
    error = await parseErrorOf(readAll("interactions-txt", path.join(dir, "train.txt")));
    expect(error.problem).toBe('item id is not a non-negative integer of at most 18 digits (character 1 is "-")');
    dir = writeFiles({ "train.txt": `0 12\u00003\n` });
    error = await parseErrorOf(readAll("interactions-txt", path.join(dir, "train.txt")));
    expect(error.problem).toBe('item id is not a non-negative integer of at most 18 digits (character 3 is "\\u0000")');
  });

  it("movielens-100k: the passwd file as u.data, ids that are not positive, ratings off the 1–5 scale, timestamps that are not integers", async () => {
    const cases: [string, number, RegExp][] = [
      [passwd, 1, /expected 4 tab-separated fields, found 1/],
      ["0\t10\t4\t881250949\n", 1, /^user id "0" is not a positive integer of at most 18 digits$/],
      ["1\tabc\t4\t881250949\n", 1, /^item id is not a positive integer of at most 18 digits \(character 1 is "a"\)$/],
      ["1\t000\t4\t881250949\n", 1, /^item id "000" is not a positive integer of at most 18 digits$/],
      ["1\t10\t6\t881250949\n", 1, /^rating "6" is not on the scale 1–5 in steps of 1$/],
      ["1\t10\t3.5\t881250949\n", 1, /^rating "3.5" is not on the scale 1–5 in steps of 1$/],
      ["1\t10\t0x3\t881250949\n", 1, /^rating "0x3" is not a number$/],
      ["1\t10\t4\t2021-01-01\n", 1, /^timestamp "2021-01-01" is not an integer \(unix seconds\)$/],
    ];
    for (const [data, line, problem] of cases) {
      const error = await parseErrorOf(readAll("movielens-100k", writeFiles({ "u.data": data })));
      expect(error.line).toBe(line);
      expect(error.problem).toMatch(problem);
    }
  });

  it("movielens-1m: ids, the 1–5 scale and the limits on titles and genres", async () => {
    const ratings = "1::1193::5::978300760\n";
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ "ratings.dat": "1::1193::0::978300760\n" }, "ratings.dat", /^rating "0" is not on the scale 1–5/],
      [{ "ratings.dat": "u1::1193::5::978300760\n" }, "ratings.dat", /^user id is not a positive integer of at most 18 digits \(character 1 is "u"\)$/],
      [{ "ratings.dat": ratings, "movies.dat": `1193::${"T".repeat(1001)}::Drama\n` }, "movies.dat", /^title "T{32}…" is longer than 1000 characters$/],
      [{ "ratings.dat": ratings, "movies.dat": `1193::Title (1975)::${Array.from({ length: 101 }, (_, k) => `g${k}`).join("|")}\n` }, "movies.dat", /^101 genres, more than the 100 allowed per item$/],
      [{ "ratings.dat": ratings, "movies.dat": `1193::Title (1975)::Drama|${"g".repeat(101)}\n` }, "movies.dat", /^genre 2 "g{32}…" is longer than 100 characters$/],
      [{ "ratings.dat": ratings, "movies.dat": "1193::Ti\u0007tle (1975)::Drama\n" }, "movies.dat", /^title "Ti\\u0007tle \(1975\)" contains a control character \(U\+0007\)$/],
      [{ "ratings.dat": ratings, "users.dat": "1::F::constructor::10::48067\n" }, "", /^$/],
    ];
    for (const [files, file, problem] of cases) {
      const dir = writeFiles(files);
      if (file === "") {
        // Not an error: an unknown age code is kept as written (and never looked up on Object.prototype).
        const { users } = await readAll("movielens-1m", dir);
        expect(users[0].attributes).toMatchObject({ ageGroup: "constructor" });
        continue;
      }
      const error = await parseErrorOf(readAll("movielens-1m", dir));
      expect(path.basename(error.file)).toBe(file);
      expect(error.problem).toMatch(problem);
    }
  });

  it("movielens-latest: ratings on the 0.5–5 scale in steps of 0.5, integer timestamps, positive ids", async () => {
    const header = "userId,movieId,rating,timestamp\n";
    const cases: [string, RegExp][] = [
      ["1,1,0.0,1\n", /^rating "0.0" is not on the scale 0.5–5 in steps of 0.5$/],
      ["1,1,4.25,1\n", /^rating "4.25" is not on the scale 0.5–5 in steps of 0.5$/],
      ["1,1,5.5,1\n", /^rating "5.5" is not on the scale/],
      ["1,1,4.0,1.5\n", /^timestamp "1.5" is not an integer \(unix seconds\)$/],
      ["0,1,4.0,1\n", /^userId "0" is not a positive integer/],
    ];
    for (const [row, problem] of cases) {
      const error = await parseErrorOf(readAll("movielens-latest", writeFiles({ "ratings.csv": header + row })));
      expect(error.line).toBe(2);
      expect(error.problem).toMatch(problem);
    }
    const ok = await readAll("movielens-latest", writeFiles({ "ratings.csv": `${header}1,1,0.5,1\n1,2,5.0,2\n1,3,2.5,3\n` }));
    expect(ok.ratings.map((r) => r.value)).toEqual([0.5, 5, 2.5]);
  });

  it("movielens-latest: an item keeps its 100 most applied tags; a tag over 100 characters or with a control character is refused", async () => {
    const tags = ["userId,movieId,tag,timestamp"];
    // Tag t0 applied 3 times, t1..t119 once each; t119 twice: kept are t0, t119 and t1..t98.
    for (let k = 0; k < 120; k++) tags.push(`1,1,t${k},${k}`);
    tags.push("2,1,T0,1", "3,1,t0,1", "2,1,t119,1");
    const dir = writeFiles({ "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n", "movies.csv": "movieId,title,genres\n1,A (1999),Drama\n", "tags.csv": `${tags.join("\n")}\n` });
    const { items } = await readAll("movielens-latest", dir);
    expect(items[0].tags).toHaveLength(100);
    expect(items[0].tags).toEqual(["t0", ...Array.from({ length: 98 }, (_, k) => `t${k + 1}`), "t119"]);

    const long = writeFiles({ "ratings.csv": "userId,movieId,rating,timestamp\n", "movies.csv": "movieId,title,genres\n", "tags.csv": `userId,movieId,tag,timestamp\n1,1,${"x".repeat(101)},1\n` });
    let error = await parseErrorOf(readAll("movielens-latest", long));
    expect(error.problem).toMatch(/^tag "x{32}…" is longer than 100 characters$/);
    const control = writeFiles({ "ratings.csv": "userId,movieId,rating,timestamp\n", "movies.csv": "movieId,title,genres\n", "tags.csv": `userId,movieId,tag,timestamp\n1,1,"a\u0000b",1\n` });
    error = await parseErrorOf(readAll("movielens-latest", control));
    expect(error.problem).toBe('tag "a\\u0000b" contains a control character (U+0000)');
  });

  it("csv: NUL and other control characters in ids, ids over 200 characters, ratings and times out of range", async () => {
    const cases: [string, number, RegExp][] = [
      ["user,item\nu\u0000x,i\n", 2, /^user "u\\u0000x" contains a control character \(U\+0000\)$/],
      ["user,item\nu,i\u0085\n", 2, /^item "i\\u0085" contains a control character \(U\+0085\)$/],
      ["user,item\nu,i\u001b[31m\n", 2, /^item "i\\u001b\[31m" contains a control character \(U\+001B\)$/],
      [`user,item\n${"u".repeat(201)},i\n`, 2, /^user "u{32}…" is longer than 200 characters$/],
      ["user,item,rating\nu,i,1e39\n", 2, /^rating "1e39" is out of range/],
      ["user,item,rating\nu,i,Infinity\n", 2, /^rating "Infinity" is not a number$/],
      ["user,item,rating,timestamp\nu,i,1,99999999999999999999\n", 2, /^timestamp "9{20}" is outside the years 1–9999$/],
      ["user\u0000,item\n", 1, /^header column 1 contains a control character \(U\+0000\)/],
    ];
    for (const [data, line, problem] of cases) {
      const dir = writeFiles({ "r.csv": data });
      const error = await parseErrorOf(collect(openDataset("csv", path.join(dir, "r.csv")).ratings()));
      expect(error.line).toBe(line);
      expect(error.problem).toMatch(problem);
    }
    // The limits themselves are allowed: 200 characters, any printable text.
    const dir = writeFiles({ "r.csv": `user,item,rating\n${"u".repeat(200)},"item, with ""quotes"" and ünïcödé",-2.5\n` });
    expect(await collect(openDataset("csv", path.join(dir, "r.csv")).ratings())).toEqual([{ user: "u".repeat(200), item: 'item, with "quotes" and ünïcödé', value: -2.5, time: null }]);
  });

  it("movielens-100k: u.genre indices must be 0..n-1 without gaps, at most 100", async () => {
    const item = `1|X (1990)|||u|0|1\n`;
    const cases: [string, RegExp][] = [
      ["a|0\nb|5\n", /^genre index 1 is missing/],
      ["a|0\nb|100\n", /^genre index "100" is not an integer within 0–99$/],
      ["a|0\nb|0\n", /^genre index 0 appears twice$/],
      ["a|-1\n", /^genre index "-1" is not an integer within 0–99$/],
    ];
    for (const [genres, problem] of cases) {
      const error = await parseErrorOf(readAll("movielens-100k", writeFiles({ "u.data": "1\t1\t1\t1\n", "u.item": item, "u.genre": genres })));
      expect(path.basename(error.file)).toBe("u.genre");
      expect(error.problem).toMatch(problem);
    }
    const { items } = await readAll("movielens-100k", writeFiles({ "u.data": "1\t1\t1\t1\n", "u.item": item, "u.genre": "a|0\nb|1\n" }));
    expect(items[0].genres).toEqual(["b"]);
  });
});

const mlLatest = datasetPath("ml-latest-small");

describe.skipIf(!mlLatest)("real MovieLens latest-small under the new checks", () => {
  it("reads every rating and item, every item with at most 100 tags", async () => {
    const { items, ratings } = await readAll("movielens-latest", mlLatest!);
    expect(ratings).toHaveLength(100_836);
    expect(items).toHaveLength(9_742);
    const most = Math.max(...items.map((i) => i.tags?.length ?? 0));
    expect(most).toBe(100);
  });
});
