// Statistics of the bipartite user–item graph, computed on its CSR form (typed arrays):
// degree distributions, density, connected components (union–find over the edges).
import type { Interactions } from "../data/interactions";

export interface DegreeSummary {
  /** Nodes counted (including those of degree 0). */
  count: number;
  /** Nodes with no edge. */
  isolated: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  std: number;
  /** Gini coefficient of the degrees (0 = all equal, → 1 = concentrated on few nodes). */
  gini: number;
  /** Log₂ histogram: bins[b] counts nodes with degree in [2^b, 2^(b+1)); degree 0 is `isolated`. */
  log2Histogram: number[];
}

export interface ComponentSummary {
  /** Connected components among nodes with at least one edge. */
  count: number;
  /** Nodes (users + items) in the largest component. */
  largest: number;
  /** Fraction of non-isolated nodes in the largest component. */
  largestFraction: number;
  /** Component sizes, largest first (at most 10). */
  topSizes: number[];
}

export interface GraphStats {
  users: number;
  items: number;
  edges: number;
  /** edges / (users × items). */
  density: number;
  userDegrees: DegreeSummary;
  itemDegrees: DegreeSummary;
  components: ComponentSummary;
}

/** Summary of a degree sequence. */
export function summarizeDegrees(degrees: ArrayLike<number>): DegreeSummary {
  const n = degrees.length;
  const sorted = Float64Array.from(degrees).sort();
  let sum = 0;
  let isolated = 0;
  const bins: number[] = [];
  for (let k = 0; k < n; k++) {
    const d = sorted[k];
    sum += d;
    if (d <= 0) {
      isolated++;
      continue;
    }
    const b = Math.floor(Math.log2(d));
    while (bins.length <= b) bins.push(0);
    bins[b]++;
  }
  const mean = n ? sum / n : 0;
  let squares = 0;
  // Gini = Σ (2k − n − 1) x_(k) / (n Σ x) over the ascending order, k = 1..n.
  let weighted = 0;
  for (let k = 0; k < n; k++) {
    squares += (sorted[k] - mean) ** 2;
    weighted += (2 * (k + 1) - n - 1) * sorted[k];
  }
  const median = n === 0 ? 0 : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return {
    count: n,
    isolated,
    min: n ? sorted[0] : 0,
    max: n ? sorted[n - 1] : 0,
    mean,
    median,
    std: n ? Math.sqrt(squares / n) : 0,
    gini: n && sum > 0 ? weighted / (n * sum) : 0,
    log2Histogram: bins,
  };
}

/**
 * Connected components of the bipartite graph (users 0..nUsers−1, items nUsers..), by
 * union–find with path halving and union by size. Returns a component label per node
 * (−1 for isolated nodes), labels numbered 0.. by decreasing size.
 */
export function connectedComponents(interactions: Interactions): { labels: Int32Array; sizes: Int32Array } {
  const { nUsers, nItems, indptr, indices } = interactions;
  const n = nUsers + nItems;
  const parent = new Int32Array(n);
  const size = new Int32Array(n).fill(1);
  for (let v = 0; v < n; v++) parent[v] = v;
  const find = (v: number): number => {
    while (parent[v] !== v) {
      parent[v] = parent[parent[v]];
      v = parent[v];
    }
    return v;
  };
  const hasEdge = new Uint8Array(n);
  for (let u = 0; u < nUsers; u++) {
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const i = nUsers + indices[k];
      hasEdge[u] = 1;
      hasEdge[i] = 1;
      let a = find(u);
      let b = find(i);
      if (a === b) continue;
      if (size[a] < size[b]) {
        const t = a;
        a = b;
        b = t;
      }
      parent[b] = a;
      size[a] += size[b];
    }
  }
  const roots: number[] = [];
  for (let v = 0; v < n; v++) if (hasEdge[v] && find(v) === v) roots.push(v);
  roots.sort((a, b) => size[b] - size[a] || a - b);
  const labelOfRoot = new Int32Array(n).fill(-1);
  roots.forEach((r, label) => (labelOfRoot[r] = label));
  const labels = new Int32Array(n).fill(-1);
  for (let v = 0; v < n; v++) if (hasEdge[v]) labels[v] = labelOfRoot[find(v)];
  return { labels, sizes: Int32Array.from(roots, (r) => size[r]) };
}

/** All statistics of the graph whose edges are the non-zeros of `interactions`. */
export function graphStats(interactions: Interactions): GraphStats {
  const userDegree = new Int32Array(interactions.nUsers);
  for (let u = 0; u < interactions.nUsers; u++) userDegree[u] = interactions.indptr[u + 1] - interactions.indptr[u];
  const { sizes } = connectedComponents(interactions);
  const connected = sizes.reduce((a, b) => a + b, 0);
  const cells = interactions.nUsers * interactions.nItems;
  return {
    users: interactions.nUsers,
    items: interactions.nItems,
    edges: interactions.nnz,
    density: cells > 0 ? interactions.nnz / cells : 0,
    userDegrees: summarizeDegrees(userDegree),
    itemDegrees: summarizeDegrees(interactions.itemDegrees()),
    components: {
      count: sizes.length,
      largest: sizes[0] ?? 0,
      largestFraction: connected > 0 ? (sizes[0] ?? 0) / connected : 0,
      topSizes: Array.from(sizes.subarray(0, 10)),
    },
  };
}
