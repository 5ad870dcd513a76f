import type { ItemRecord, RatingRecord, UserRecord } from "../../db/records";
import type { TextEncoding } from "./lineReader";

export const DATASET_FORMATS = ["movielens-100k", "movielens-1m", "movielens-latest", "interactions-txt", "csv"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Bytes read so far over the total size of the files a reader will read. */
export type ByteProgress = (done: number, total: number) => void;

/**
 * One data set on disk. Each stream re-reads its file(s), so the importer can COPY users,
 * items and ratings one after the other over one connection.
 */
export interface DatasetReader {
  format: DatasetFormat;
  /** Every file this reader reads, in the order read (for progress and messages). */
  files: string[];
  /** True when values are interaction weights rather than ratings. */
  implicit: boolean;
  users(): AsyncIterable<UserRecord>;
  items(): AsyncIterable<ItemRecord>;
  ratings(): AsyncIterable<RatingRecord>;
}

export interface ReaderOptions {
  /** Overrides the format's usual encoding. */
  encoding?: TextEncoding;
  onProgress?: ByteProgress;
  /** Cancels the reading: the streams throw `signal.reason` (checked once per 64 KiB chunk). */
  signal?: AbortSignal;
}
