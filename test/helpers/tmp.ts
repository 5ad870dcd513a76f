import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh temporary folder with the given files (string contents or raw bytes). */
export function writeFiles(files: Record<string, string | Buffer>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "graphrec-test-"));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}
