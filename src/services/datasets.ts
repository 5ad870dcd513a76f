// Public data sets a user with internet can fetch (the project never ships them): the
// GroupLens MovieLens archives and the LightGCN Gowalla split.
import fs from "node:fs";
import path from "node:path";
import { unzip } from "../util/unzip";

export interface RemoteDataset {
  name: string;
  format: "movielens-100k" | "movielens-1m" | "movielens-latest" | "interactions-txt";
  /** A zip archive (extracted) or plain files (saved under their names). */
  source: { zip: string; folderInZip: string; only?: string[] } | { files: Record<string, string> };
  terms: string;
  /** Download time limit (default 2 minutes). */
  timeoutMs?: number;
}

const LIGHTGCN_RAW = "https://raw.githubusercontent.com/gusye1234/LightGCN-PyTorch/master/data/gowalla";

export const REMOTE_DATASETS: Record<string, RemoteDataset> = {
  "ml-100k": {
    name: "ml-100k",
    format: "movielens-100k",
    source: { zip: "https://files.grouplens.org/datasets/movielens/ml-100k.zip", folderInZip: "ml-100k/" },
    terms: "GroupLens research licence: no redistribution; cite Harper & Konstan, ACM TiiS 2015.",
  },
  "ml-1m": {
    name: "ml-1m",
    format: "movielens-1m",
    source: { zip: "https://files.grouplens.org/datasets/movielens/ml-1m.zip", folderInZip: "ml-1m/" },
    terms: "GroupLens research licence: no redistribution; cite Harper & Konstan, ACM TiiS 2015.",
  },
  "ml-latest-small": {
    name: "ml-latest-small",
    format: "movielens-latest",
    source: { zip: "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip", folderInZip: "ml-latest-small/" },
    terms: "GroupLens research licence; cite Harper & Konstan, ACM TiiS 2015.",
  },
  // 25,000,095 ratings of 62,423 films by 162,541 users (250 MB zipped); read by the same
  // movielens-latest reader. The tag genome (genome-*.csv, ~0.4 GB) is not extracted.
  "ml-25m": {
    name: "ml-25m",
    format: "movielens-latest",
    source: { zip: "https://files.grouplens.org/datasets/movielens/ml-25m.zip", folderInZip: "ml-25m/", only: ["ratings.csv", "movies.csv", "tags.csv", "links.csv"] },
    terms: "GroupLens research licence: no redistribution; cite Harper & Konstan, ACM TiiS 2015.",
    timeoutMs: 30 * 60_000,
  },
  gowalla: {
    name: "gowalla",
    format: "interactions-txt",
    source: { files: { "train.txt": `${LIGHTGCN_RAW}/train.txt`, "test.txt": `${LIGHTGCN_RAW}/test.txt` } },
    terms: "Research use; cite SNAP loc-gowalla (Cho et al., KDD 2011) and NGCF/LightGCN.",
  },
};

/** Downloads `name` into `<targetDir>/<name>` unless it is already there; returns the folder. */
export async function downloadDataset(name: string, targetDir: string, options: { timeoutMs?: number; log?: (m: string) => void } = {}): Promise<string> {
  const dataset = REMOTE_DATASETS[name];
  if (!dataset) throw new Error(`unknown data set ${name}; known: ${Object.keys(REMOTE_DATASETS).join(", ")}`);
  const folder = path.join(targetDir, name);
  const marker = path.join(folder, ".complete");
  if (fs.existsSync(marker)) return folder;
  const log = options.log ?? (() => undefined);
  const fetchBytes = async (url: string): Promise<Buffer> => {
    log(`downloading ${url}`);
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? dataset.timeoutMs ?? 120_000) });
    if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer());
  };
  const staging = `${folder}.partial`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  if ("zip" in dataset.source) {
    const { folderInZip, only } = dataset.source;
    const wanted = (name: string) => name.startsWith(folderInZip) && (!only || only.includes(name.slice(folderInZip.length)));
    for (const entry of unzip(await fetchBytes(dataset.source.zip), wanted)) {
      const relative = entry.name.slice(folderInZip.length);
      if (relative === "" || relative.includes("..")) continue;
      fs.mkdirSync(path.dirname(path.join(staging, relative)), { recursive: true });
      fs.writeFileSync(path.join(staging, relative), entry.data);
    }
  } else {
    for (const [file, url] of Object.entries(dataset.source.files)) fs.writeFileSync(path.join(staging, file), await fetchBytes(url));
  }
  fs.writeFileSync(path.join(staging, ".complete"), `${new Date().toISOString()}\n${dataset.terms}\n`);
  fs.rmSync(folder, { recursive: true, force: true });
  fs.renameSync(staging, folder);
  return folder;
}
