import { describe, expect, it } from "vitest";
import { unzip } from "../../src/util/unzip";

/** A zip of stored (uncompressed) entries, built by hand: local headers, central directory, end record. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const nameBytes = Buffer.from(name);
    const data = Buffer.from(text);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe("unzip", () => {
  const zip = storedZip({ "ml-25m/ratings.csv": "userId,movieId\n1,2\n", "ml-25m/genome-scores.csv": "big", "ml-25m/movies.csv": "movieId\n2\n" });

  it("reads every file entry", () => {
    expect(unzip(zip).map((e) => [e.name, e.data.toString()])).toEqual([
      ["ml-25m/ratings.csv", "userId,movieId\n1,2\n"],
      ["ml-25m/genome-scores.csv", "big"],
      ["ml-25m/movies.csv", "movieId\n2\n"],
    ]);
  });

  it("skips the entries the caller does not want (the ml-25m download leaves out the tag genome)", () => {
    expect(unzip(zip, (name) => !name.includes("genome")).map((e) => e.name)).toEqual(["ml-25m/ratings.csv", "ml-25m/movies.csv"]);
  });
});
