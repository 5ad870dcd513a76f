import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadDataset } from "../../src/data/dataset";
import { detectFormat, openDataset } from "../../src/data/formats";
import { ParseError } from "../../src/errors";
import { collect, readAll } from "../helpers/datasets";
import { writeFiles } from "../helpers/tmp";

async function expectParseError(promise: Promise<unknown>, file: string, line: number, problem: RegExp) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParseError);
  const parseError = error as ParseError;
  expect(path.basename(parseError.file)).toBe(file);
  expect(parseError.line).toBe(line);
  expect(parseError.message).toMatch(problem);
  expect(parseError.message).toMatch(new RegExp(`${file.replace(".", "\\.")}:${line}: `));
}

const GENRE_FILE = [
  "unknown|0",
  "Action|1",
  "Adventure|2",
  "Animation|3",
  "Children's|4",
  "Comedy|5",
  "Crime|6",
  "Documentary|7",
  "Drama|8",
  "Fantasy|9",
  "Film-Noir|10",
  "Horror|11",
  "Musical|12",
  "Mystery|13",
  "Romance|14",
  "Sci-Fi|15",
  "Thriller|16",
  "War|17",
  "Western|18",
  "",
].join("\n");

describe("movielens-100k", () => {
  const flags = (on: number[]) => Array.from({ length: 19 }, (_, g) => (on.includes(g) ? "1" : "0")).join("|");
  const files = () =>
    writeFiles({
      "u.data": "1\t10\t4\t881250949\n2\t10\t3\t891717742\n1\t20\t5\t878887116\n",
      "u.item": Buffer.concat([
        Buffer.from(`10|Toy Story (1995)|01-Jan-1995||http://x|${flags([3, 4, 5])}\n`),
        Buffer.from("20|Les Mis"),
        Buffer.from([0xe9]), // é in Latin-1
        Buffer.from(`rables (1995)|01-Jan-1995||http://y|${flags([8])}\n`),
      ]),
      "u.user": "1|24|M|technician|85711\n2|53|F|other|94043\n",
      "u.genre": GENRE_FILE,
    });

  it("reads users, items with genre names and Latin-1 titles, and ratings", async () => {
    const { users, items, ratings } = await readAll("movielens-100k", files());
    expect(users).toEqual([
      { externalId: "1", attributes: { age: 24, gender: "M", occupation: "technician", zip: "85711" } },
      { externalId: "2", attributes: { age: 53, gender: "F", occupation: "other", zip: "94043" } },
    ]);
    expect(items[0]).toMatchObject({ externalId: "10", title: "Toy Story (1995)", genres: ["Animation", "Children's", "Comedy"], year: 1995 });
    expect(items[1].title).toBe("Les Misérables (1995)");
    expect(items[1].genres).toEqual(["Drama"]);
    expect(ratings).toEqual([
      { user: "1", item: "10", value: 4, time: 881250949 },
      { user: "2", item: "10", value: 3, time: 891717742 },
      { user: "1", item: "20", value: 5, time: 878887116 },
    ]);
  });

  it("reads a single split file (u1.base layout)", async () => {
    const dir = writeFiles({ "u1.base": "1\t1\t5\t874965758\n" });
    const { users, items, ratings } = await readAll("movielens-100k", path.join(dir, "u1.base"));
    expect(users).toEqual([]);
    expect(items).toEqual([]);
    expect(ratings).toEqual([{ user: "1", item: "1", value: 5, time: 874965758 }]);
  });

  it("stops at a row with the wrong number of columns", async () => {
    const dir = writeFiles({ "u.data": "1\t10\t4\t881250949\n2\t10\t3\n" });
    await expectParseError(readAll("movielens-100k", dir), "u.data", 2, /expected 4 tab-separated fields, found 3/);
  });

  it("stops at a non-numeric rating", async () => {
    const dir = writeFiles({ "u.data": "1\t10\t4\t881250949\n\n1\t11\tfive\t881250949\n" });
    await expectParseError(readAll("movielens-100k", dir), "u.data", 3, /rating "five" is not a number/);
  });

  it("stops at a bad genre flag", async () => {
    const dir = writeFiles({ "u.data": "1\t10\t4\t1\n", "u.item": `10|X (1990)|||u|${"0|".repeat(18)}2\n` });
    await expectParseError(readAll("movielens-100k", dir), "u.item", 1, /genre flag 19 is "2"/);
  });
});

describe("movielens-1m", () => {
  it("reads :: separated Latin-1 files with code tables", async () => {
    const dir = writeFiles({
      "ratings.dat": "1::1193::5::978300760\n1::661::3::978302109\n",
      "movies.dat": Buffer.concat([Buffer.from("1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::Am"), Buffer.from([0xe9]), Buffer.from("lie (2001)::Comedy|Romance\n")]),
      "users.dat": "1::F::1::10::48067\n",
    });
    const { users, items, ratings } = await readAll("movielens-1m", dir);
    expect(users).toEqual([{ externalId: "1", attributes: { gender: "F", ageGroup: "Under 18", occupation: "K-12 student", zip: "48067" } }]);
    expect(items[1]).toMatchObject({ externalId: "661", title: "Amélie (2001)", genres: ["Comedy", "Romance"], year: 2001 });
    expect(ratings).toHaveLength(2);
    expect(ratings[0]).toEqual({ user: "1", item: "1193", value: 5, time: 978300760 });
  });

  it("stops at a row with the wrong number of fields", async () => {
    const dir = writeFiles({ "ratings.dat": "1::1193::5::978300760\n1::661::3\n" });
    await expectParseError(readAll("movielens-1m", dir), "ratings.dat", 2, /expected 4 ::-separated fields, found 3/);
  });
});

describe("movielens-latest", () => {
  it("reads quoted CSV, |-separated genres, tags and links", async () => {
    const dir = writeFiles({
      "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.5,964981247\n",
      "movies.csv": 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n3,"American President, The (1995)",(no genres listed)\n',
      "tags.csv": "userId,movieId,tag,timestamp\n2,1,pixar,1\n3,1,Pixar,2\n3,1,fun,3\n",
      "links.csv": "movieId,imdbId,tmdbId\n1,0114709,862\n3,0112346,\n",
    });
    const { items, ratings } = await readAll("movielens-latest", dir);
    expect(items[0]).toMatchObject({
      externalId: "1",
      title: "Toy Story (1995)",
      genres: ["Adventure", "Animation"],
      tags: ["pixar", "fun"],
      year: 1995,
      metadata: { imdbId: "0114709", tmdbId: "862" },
    });
    expect(items[1]).toMatchObject({ title: "American President, The (1995)", genres: [], tags: [], year: 1995 });
    expect(ratings[1]).toEqual({ user: "1", item: "3", value: 3.5, time: 964981247 });
  });

  it("rejects invalid UTF-8 (unknown encoding) with the line", async () => {
    const dir = writeFiles({ "ratings.csv": Buffer.concat([Buffer.from("userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,"), Buffer.from([0xff, 0xfe]), Buffer.from(",1\n")]) });
    await expectParseError(readAll("movielens-latest", dir), "ratings.csv", 3, /not valid UTF-8/);
  });

  it("rejects a wrong header", async () => {
    const dir = writeFiles({ "ratings.csv": "user,movie,rating,timestamp\n1,1,4.0,1\n" });
    await expectParseError(readAll("movielens-latest", dir), "ratings.csv", 1, /header is "user,movie,rating,timestamp"/);
  });

  it("rejects an unterminated quote", async () => {
    const dir = writeFiles({ "ratings.csv": "userId,movieId,rating,timestamp\n1,1,4.0,1\n", "movies.csv": 'movieId,title,genres\n1,"Toy Story,Comedy\n' });
    await expectParseError(readAll("movielens-latest", dir), "movies.csv", 2, /unterminated quoted field/);
  });
});

describe("interactions-txt", () => {
  it("reads train.txt and test.txt of a folder as implicit interactions", async () => {
    const dir = writeFiles({ "train.txt": "0 1 2\n1 2\n", "test.txt": "0 3\n" });
    const reader = openDataset("interactions-txt", dir);
    expect(reader.implicit).toBe(true);
    const ratings = await collect(reader.ratings());
    expect(ratings.map((r) => `${r.user}-${r.item}`)).toEqual(["0-1", "0-2", "1-2", "0-3"]);
    expect(ratings.every((r) => r.value === 1 && r.time === null)).toBe(true);
  });

  it("reads a single file", async () => {
    const dir = writeFiles({ "train.txt": "5 6 7\n" });
    expect(await collect(openDataset("interactions-txt", path.join(dir, "train.txt")).ratings())).toHaveLength(2);
  });
});

describe("csv", () => {
  it("maps header names and accepts ISO or unix timestamps", async () => {
    const dir = writeFiles({ "r.csv": "user_id,item_id,rating,timestamp\nu1,i1,4.5,2021-03-04T05:06:07Z\nu2,i1,3,1600000000\n" });
    const ratings = await collect(openDataset("csv", path.join(dir, "r.csv")).ratings());
    expect(ratings).toEqual([
      { user: "u1", item: "i1", value: 4.5, time: Date.UTC(2021, 2, 4, 5, 6, 7) / 1000 },
      { user: "u2", item: "i1", value: 3, time: 1600000000 },
    ]);
  });

  it("treats a file without a rating column as implicit feedback", async () => {
    const dir = writeFiles({ "r.csv": "user,item\na,b\n" });
    expect(await collect(openDataset("csv", path.join(dir, "r.csv")).ratings())).toEqual([{ user: "a", item: "b", value: 1, time: null }]);
  });

  it("rejects a header without an item column, a short row and a bad timestamp", async () => {
    let dir = writeFiles({ "r.csv": "user,rating\na,1\n" });
    await expectParseError(collect(openDataset("csv", path.join(dir, "r.csv")).ratings()), "r.csv", 1, /no item column/);
    dir = writeFiles({ "r.csv": "user,item,rating\na,b,1\nc,d\n" });
    await expectParseError(collect(openDataset("csv", path.join(dir, "r.csv")).ratings()), "r.csv", 3, /expected 3 comma-separated fields, found 2/);
    dir = writeFiles({ "r.csv": "user,item,rating,timestamp\na,b,1,yesterday\n" });
    await expectParseError(collect(openDataset("csv", path.join(dir, "r.csv")).ratings()), "r.csv", 2, /timestamp "yesterday"/);
  });
});

describe("dataset loading and format detection", () => {
  it("builds id maps and a CSR with the last duplicate winning", async () => {
    const dir = writeFiles({ "r.csv": "user,item,rating,timestamp\na,x,1,10\nb,y,2,20\na,x,5,30\na,y,3,5\n" });
    const dataset = await loadDataset(openDataset("csv", path.join(dir, "r.csv")));
    expect(dataset.users.toArray()).toEqual(["a", "b"]);
    expect(dataset.items.toArray()).toEqual(["x", "y"]);
    expect(dataset.interactions.nnz).toBe(3);
    expect(dataset.interactions.get(0, 0)).toBe(5);
    // time order of user a: y (t=5) before x (t=30)
    expect(Array.from(dataset.interactions.sequence(0))).toEqual([1, 0]);
  });

  it("detects formats from folder contents", () => {
    expect(detectFormat(writeFiles({ "u.data": "" }))).toBe("movielens-100k");
    expect(detectFormat(writeFiles({ "ratings.dat": "" }))).toBe("movielens-1m");
    expect(detectFormat(writeFiles({ "ratings.csv": "" }))).toBe("movielens-latest");
    expect(detectFormat(writeFiles({ "train.txt": "" }))).toBe("interactions-txt");
    expect(detectFormat(writeFiles({ "x.bin": "" }))).toBeUndefined();
  });
});
