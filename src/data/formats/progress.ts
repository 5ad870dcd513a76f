import fs from "node:fs";
import type { ByteProgress } from "./types";

/** Turns per-file byte counts into one progress over all files of a reader. */
export class FileProgress {
  private readonly sizes: Map<string, number>;
  private readonly done = new Map<string, number>();
  readonly total: number;

  constructor(
    files: string[],
    private readonly onProgress: ByteProgress | undefined,
  ) {
    this.sizes = new Map(files.map((file) => [file, fs.statSync(file).size]));
    this.total = [...this.sizes.values()].reduce((a, b) => a + b, 0);
  }

  /** The callback to pass as `onBytes` when reading `file`. */
  tracker(file: string): (bytesRead: number) => void {
    return (bytesRead) => {
      this.done.set(file, bytesRead);
      if (!this.onProgress) return;
      let sum = 0;
      for (const value of this.done.values()) sum += value;
      this.onProgress(Math.min(sum, this.total), this.total);
    };
  }
}
