// What the harness evaluates on: the whole interaction matrix with its id maps and item
// content, plus the splits a data set ships with (MovieLens 100K's u1..u5.base/test, a
// LightGCN folder's train.txt/test.txt). Read from files with the format readers, or from
// the database through a snapshot. Every matrix shares one catalogue (nUsers × nItems), so
// a user or item that appears only in a test file has an index and no training data.
import fs from "node:fs";
import path from "node:path";
import { loadDataset, padContent, TripleBuffer, type Dataset, type ItemContent } from "../data/dataset";
import { openDataset, type DatasetFormat } from "../data/formats";
import { interactionsTxtReader } from "../data/formats/interactionsTxt";
import { movielens100kReader } from "../data/formats/movielens100k";
import { datasetFromSnapshot } from "../data/fromSnapshot";
import { IdMap } from "../data/idMap";
import { Interactions } from "../data/interactions";
import type { Db } from "../db/client";
import { readSnapshot } from "../db/snapshot";
import { ValidationError } from "../errors";
import type { Protocol } from "./protocols";

export interface GivenSplit {
  name: string;
  train: Interactions;
  test: Interactions;
}

export interface EvalData {
  /** Short name for reports (the folder or file name, or "database"). */
  name: string;
  implicit: boolean;
  /** Every interaction (for given splits: the union of their files). */
  interactions: Interactions;
  users: IdMap;
  items: IdMap;
  content: ItemContent[];
  /** Splits shipped with the data set, used instead of seeded ones when present. */
  givenSplits?: GivenSplit[];
  /** Where the data came from (format, path, files), for the report. */
  source: Record<string, unknown>;
}

/** The same matrix in a larger catalogue (new users have empty rows, new items no interactions). */
function reshape(data: Interactions, nUsers: number, nItems: number): Interactions {
  if (data.nUsers === nUsers && data.nItems === nItems) return data;
  const indptr = new Int32Array(nUsers + 1);
  indptr.set(data.indptr);
  indptr.fill(data.indptr[data.nUsers], data.nUsers + 1);
  return new Interactions(nUsers, nItems, indptr, data.indices, data.values, data.times);
}

/** Implicit when the reader says so, or when every value is 1 (a CSV without a rating column). */
function isImplicit(readerImplicit: boolean, data: Interactions): boolean {
  return readerImplicit || (data.nnz > 0 && data.values.every((v) => v === 1));
}

export function evalDataFromDataset(dataset: Dataset, source: Record<string, unknown>): EvalData {
  return {
    name: dataset.name,
    implicit: isImplicit(dataset.implicit, dataset.interactions),
    interactions: dataset.interactions,
    users: dataset.users,
    items: dataset.items,
    content: dataset.content,
    source,
  };
}

export interface LoadOptions {
  format: DatasetFormat;
  /** Folder or file, as for `npm run import`. */
  path: string;
  protocol: Protocol;
  /** Report name; default the base name of the path. */
  name?: string;
}

/** MovieLens 100K's five predefined folds, when the folder has all ten files. */
function ml100kFoldFiles(target: string): { name: string; base: string; test: string }[] | undefined {
  if (!fs.statSync(target).isDirectory()) return undefined;
  const folds = [1, 2, 3, 4, 5].map((f) => ({ name: `u${f}`, base: path.join(target, `u${f}.base`), test: path.join(target, `u${f}.test`) }));
  return folds.every((f) => fs.existsSync(f.base) && fs.existsSync(f.test)) ? folds : undefined;
}

/** train.txt with test.txt (or valid.txt, LightGCN++'s split) in a LightGCN-format folder. */
function givenSplitFiles(target: string): { train: string; test: string } {
  const isDir = fs.existsSync(target) && fs.statSync(target).isDirectory();
  const train = path.join(target, "train.txt");
  const test = ["test.txt", "valid.txt"].map((f) => path.join(target, f)).find((f) => fs.existsSync(f));
  if (!isDir || !fs.existsSync(train) || !test) {
    throw new ValidationError("path", target, "a folder with train.txt and test.txt (or valid.txt) for --protocol given-split");
  }
  return { train, test };
}

/** Reads a data set from files for one protocol (the protocol decides whether given splits are read). */
export async function loadEvalData(options: LoadOptions): Promise<EvalData> {
  const { format, protocol } = options;
  const target = path.resolve(options.path);
  if (!fs.existsSync(target)) throw new ValidationError("path", options.path, "an existing file or folder");
  const name = options.name ?? path.basename(target);

  if (protocol === "given-split") {
    if (format !== "interactions-txt") throw new ValidationError("dataset", format, "interactions-txt for --protocol given-split (a LightGCN folder with train.txt and test.txt)");
    const files = givenSplitFiles(target);
    const users = new IdMap();
    const items = new IdMap();
    const train = await new TripleBuffer().read(interactionsTxtReader(files.train), users, items);
    const test = await new TripleBuffer().read(interactionsTxtReader(files.test), users, items);
    const trainMatrix = train.build(users.size, items.size);
    const testMatrix = test.build(users.size, items.size);
    return {
      name,
      implicit: true,
      interactions: train.build(users.size, items.size, [test]),
      users,
      items,
      content: padContent([], items.size),
      givenSplits: [{ name: path.basename(files.test, ".txt"), train: trainMatrix, test: testMatrix }],
      source: { format, path: target, files: [files.train, files.test] },
    };
  }

  const reader = openDataset(format, target);
  const dataset = { ...(await loadDataset(reader)), name };
  const data = evalDataFromDataset(dataset, { format, path: target, files: reader.files });
  const folds = protocol === "rating-5fold" && format === "movielens-100k" ? ml100kFoldFiles(target) : undefined;
  if (!folds) return data;

  // One id map for the whole folder (u.user, u.item, u.data), extended by any id a fold file
  // adds, so every fold's test-only users and items have indices.
  const parts: { name: string; base: TripleBuffer; test: TripleBuffer }[] = [];
  for (const fold of folds) {
    parts.push({
      name: fold.name,
      base: await new TripleBuffer().read(movielens100kReader(fold.base), data.users, data.items),
      test: await new TripleBuffer().read(movielens100kReader(fold.test), data.users, data.items),
    });
  }
  const nUsers = data.users.size;
  const nItems = data.items.size;
  return {
    ...data,
    interactions: reshape(data.interactions, nUsers, nItems),
    content: padContent(data.content, nItems),
    givenSplits: parts.map((p) => ({ name: p.name, train: p.base.build(nUsers, nItems), test: p.test.build(nUsers, nItems) })),
    source: { ...data.source, files: [...reader.files, ...folds.flatMap((f) => [f.base, f.test])] },
  };
}

/** Reads everything the database holds (one repeatable-read snapshot). */
export async function loadEvalDataFromDb(db: Db, name = "database"): Promise<EvalData> {
  const snapshot = await readSnapshot(db);
  const dataset = datasetFromSnapshot(snapshot, name);
  return evalDataFromDataset(dataset, { source: "database", snapshotVersion: snapshot.version, takenAt: snapshot.takenAt.toISOString() });
}
