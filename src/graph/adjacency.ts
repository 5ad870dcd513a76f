// The user–item graph flattened to CSR typed arrays for message passing.
//
// Node numbering of the joint matrix: users 0..nUsers−1, then items nUsers..nUsers+nItems−1.
// A = [[0, R], [Rᵀ, 0]] with R the (optionally weighted) interaction matrix; the symmetric
// normalisation Â = D^-1/2 A D^-1/2 with D the (weighted) degrees, so Â_ui = w_ui / sqrt(d_u d_i)
// (LightGCN eq. 7; NGCF's Laplacian L). Nodes without edges have no entries (no division by 0).
import type { Interactions } from "../data/interactions";
import type { CsrMatrix } from "../math/sparse";

export interface AdjacencyOptions {
  /** Use interaction values as edge weights (ratings); default false: every edge weighs 1. */
  weighted?: boolean;
  /** Add the identity (self-loops with weight 1 before normalisation), as Â = D̃^-1/2 (A + I) D̃^-1/2. */
  selfLoops?: boolean;
}

/** Weighted degrees (sum of edge weights) of users and items. */
export function degrees(interactions: Interactions, weighted = false): { users: Float64Array; items: Float64Array } {
  const users = new Float64Array(interactions.nUsers);
  const items = new Float64Array(interactions.nItems);
  const { indptr, indices, values } = interactions;
  for (let u = 0; u < interactions.nUsers; u++) {
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const w = weighted ? values[k] : 1;
      users[u] += w;
      items[indices[k]] += w;
    }
  }
  return { users, items };
}

/**
 * The symmetric normalised adjacency of the bipartite graph over users ∪ items, as an
 * (nUsers + nItems)² CSR matrix with ascending columns per row. Symmetric, so Âᵀ = Â: the
 * backward pass of Â·X is Â·G.
 */
export function normalizedAdjacency(interactions: Interactions, options: AdjacencyOptions = {}): CsrMatrix {
  const { nUsers, nItems, indptr: rIndptr, indices: rIndices, values: rValues } = interactions;
  const weighted = options.weighted ?? false;
  const loops = options.selfLoops ?? false;
  const n = nUsers + nItems;
  const deg = degrees(interactions, weighted);
  const inv = new Float64Array(n);
  for (let u = 0; u < nUsers; u++) {
    const d = deg.users[u] + (loops ? 1 : 0);
    inv[u] = d > 0 ? 1 / Math.sqrt(d) : 0;
  }
  for (let i = 0; i < nItems; i++) {
    const d = deg.items[i] + (loops ? 1 : 0);
    inv[nUsers + i] = d > 0 ? 1 / Math.sqrt(d) : 0;
  }
  // Row lengths: users have their items (+ loop); items their users (+ loop).
  const indptr = new Int32Array(n + 1);
  const itemCount = new Int32Array(nItems);
  for (let k = 0; k < interactions.nnz; k++) itemCount[rIndices[k]]++;
  for (let u = 0; u < nUsers; u++) indptr[u + 1] = indptr[u] + (rIndptr[u + 1] - rIndptr[u]) + (loops ? 1 : 0);
  for (let i = 0; i < nItems; i++) indptr[nUsers + i + 1] = indptr[nUsers + i] + itemCount[i] + (loops ? 1 : 0);
  const nnz = indptr[n];
  const indices = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  // User rows: [loop (column u < nUsers), items ascending] keeps columns ascending.
  for (let u = 0; u < nUsers; u++) {
    let p = indptr[u];
    if (loops) {
      indices[p] = u;
      values[p++] = inv[u] * inv[u];
    }
    for (let k = rIndptr[u]; k < rIndptr[u + 1]; k++) {
      const column = nUsers + rIndices[k];
      indices[p] = column;
      values[p++] = (weighted ? rValues[k] : 1) * inv[u] * inv[column];
    }
  }
  // Item rows: users ascending (visited in user order), then the loop (column ≥ nUsers).
  const cursor = new Int32Array(nItems);
  for (let i = 0; i < nItems; i++) cursor[i] = indptr[nUsers + i];
  for (let u = 0; u < nUsers; u++) {
    for (let k = rIndptr[u]; k < rIndptr[u + 1]; k++) {
      const i = rIndices[k];
      const row = nUsers + i;
      const p = cursor[i]++;
      indices[p] = u;
      values[p] = (weighted ? rValues[k] : 1) * inv[u] * inv[row];
    }
  }
  if (loops) {
    for (let i = 0; i < nItems; i++) {
      const row = nUsers + i;
      const p = cursor[i]++;
      indices[p] = row;
      values[p] = inv[row] * inv[row];
    }
  }
  return { nRows: n, nCols: n, indptr, indices, values };
}

/**
 * The random-walk normalisation Â = D̃^-1 (A + I) (unweighted; D̃ the degrees counting the
 * self-loop), the mean over a node's neighbours and itself, as in the NGCF reference code's
 * "norm" adjacency. Not symmetric: `transposedValues` holds Âᵀ on the same (symmetric) structure,
 * Âᵀ_rc = 1/d̃_c, for the backward pass Âᵀ·G.
 */
export function randomWalkAdjacency(interactions: Interactions): { matrix: CsrMatrix; transposedValues: Float32Array } {
  const structure = normalizedAdjacency(interactions, { selfLoops: true });
  const { indptr, indices, nRows } = structure;
  const values = new Float32Array(indices.length);
  const transposedValues = new Float32Array(indices.length);
  for (let r = 0; r < nRows; r++) {
    const inverseDegree = 1 / (indptr[r + 1] - indptr[r]);
    for (let k = indptr[r]; k < indptr[r + 1]; k++) {
      values[k] = inverseDegree;
      transposedValues[k] = 1 / (indptr[indices[k] + 1] - indptr[indices[k]]);
    }
  }
  return { matrix: { ...structure, values }, transposedValues };
}

export interface NormalizedBipartite {
  /** R̃ = D_u^-1/2 R D_i^-1/2, nUsers × nItems (the user→item block of Â). */
  matrix: CsrMatrix;
  /** Weighted degrees d_u and d_i used in the normalisation. */
  userDegrees: Float64Array;
  itemDegrees: Float64Array;
}

/** The user→item block of Â with the two degree vectors (Â = [[0, R̃], [R̃ᵀ, 0]]). */
export function normalizedBipartite(interactions: Interactions, options: { weighted?: boolean } = {}): NormalizedBipartite {
  const weighted = options.weighted ?? false;
  const deg = degrees(interactions, weighted);
  const values = new Float32Array(interactions.nnz);
  for (let u = 0; u < interactions.nUsers; u++) {
    const du = deg.users[u];
    for (let k = interactions.indptr[u]; k < interactions.indptr[u + 1]; k++) {
      const di = deg.items[interactions.indices[k]];
      const product = du * di;
      values[k] = product > 0 ? (weighted ? interactions.values[k] : 1) / Math.sqrt(product) : 0;
    }
  }
  return {
    matrix: { nRows: interactions.nUsers, nCols: interactions.nItems, indptr: interactions.indptr, indices: interactions.indices, values },
    userDegrees: deg.users,
    itemDegrees: deg.items,
  };
}
