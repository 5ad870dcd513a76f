// The served catalogue as the graph the explanations walk (src/graph/explain's PathGraph):
// typed-array reads of the snapshot's CSR and its item-major index, with the API's changes
// merged in by LiveCatalog, so an explanation reflects a rating at once and nothing is built
// or kept in step per rating. Edges are unweighted (every interaction counts 1, whatever its
// value), so strengths are degrees.
import type { PathGraph } from "../graph";
import type { CatalogView } from "./liveCatalog";

export class CatalogGraph implements PathGraph {
  /** All ones, as long as the longest neighbour list seen so far: the weights of every edge. */
  private ones = new Float32Array(0);

  constructor(private readonly catalog: CatalogView) {}

  get nUsers(): number {
    return this.catalog.nUsers;
  }

  get nItems(): number {
    return this.catalog.nItems;
  }

  userNeighbors(user: number): { items: Int32Array; ratings: Float32Array; weights: Float32Array } {
    const history = this.catalog.history(user);
    return { items: history.items, ratings: history.values, weights: this.unitWeights(history.items.length) };
  }

  itemNeighbors(item: number): { users: Int32Array; weights: Float32Array } {
    const users = this.catalog.itemUsers(item);
    return { users, weights: this.unitWeights(users.length) };
  }

  userStrength(user: number): number {
    return this.catalog.userDegree(user);
  }

  itemStrength(item: number): number {
    return this.catalog.itemDegree(item);
  }

  edge(user: number, item: number): { rating: number; timestamp: number | null } | undefined {
    const rating = this.catalog.currentValue(user, item);
    return rating === undefined ? undefined : { rating, timestamp: this.catalog.ratedAt(user, item) };
  }

  private unitWeights(length: number): Float32Array {
    if (this.ones.length < length) this.ones = new Float32Array(Math.max(length, 2 * this.ones.length)).fill(1);
    return this.ones.subarray(0, length);
  }
}
