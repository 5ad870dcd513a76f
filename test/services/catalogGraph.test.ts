// The API's explanation graph (a view of the live catalogue) against the graphology graph of the
// same current interactions: equal paths, supporting items and graph similar items, before and
// after ratings added, changed and deleted through the API and new users and items.
import { describe, expect, it } from "vitest";
import type { DbDataset } from "../../src/data/fromSnapshot";
import { IdMap } from "../../src/data/idMap";
import { Interactions } from "../../src/data/interactions";
import { InteractionGraph, explainPaths, graphSimilarItems } from "../../src/graph";
import { createRng } from "../../src/math/random";
import { CatalogGraph } from "../../src/services/catalogGraph";
import { LiveCatalog } from "../../src/services/liveCatalog";

function catalogue(nUsers: number, nItems: number, seed: number): LiveCatalog {
  const rng = createRng(seed);
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    const n = 2 + rng.int(12);
    for (let k = 0; k < n; k++) {
      // Skewed towards low item indices: popular items with many raters.
      users.push(u);
      items.push(Math.floor(nItems * rng.next() ** 2));
      values.push(1 + rng.int(5));
      times.push(1_600_000_000 + rng.int(1_000_000));
    }
  }
  const interactions = Interactions.fromTriples(nUsers, nItems, {
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    values: Float32Array.from(values),
    times: Float64Array.from(times),
  });
  const dataset: DbDataset = {
    name: "test",
    interactions,
    users: IdMap.from(Array.from({ length: nUsers }, (_, u) => `u${u}`)),
    items: IdMap.from(Array.from({ length: nItems }, (_, i) => `i${i}`)),
    content: Array.from({ length: nItems }, () => ({ title: null, genres: [], tags: [], year: null })),
    implicit: false,
    userDbIds: Int32Array.from({ length: nUsers }, (_, u) => u + 1),
    itemDbIds: Int32Array.from({ length: nItems }, (_, i) => i + 1),
    version: "test",
    takenAt: new Date(),
  };
  return new LiveCatalog(dataset);
}

/** The graphology graph of the catalogue's current histories (unweighted edges, as the API explains). */
function graphologyOf(catalog: LiveCatalog): InteractionGraph {
  const users: number[] = [];
  const items: number[] = [];
  const values: number[] = [];
  for (let u = 0; u < catalog.nUsers; u++) {
    const history = catalog.history(u);
    history.items.forEach((item, k) => {
      users.push(u);
      items.push(item);
      values.push(history.values[k]);
    });
  }
  const current = Interactions.fromTriples(catalog.nUsers, catalog.nItems, { users: Int32Array.from(users), items: Int32Array.from(items), values: Float32Array.from(values) });
  return InteractionGraph.fromInteractions(current, { weighting: "none" });
}

function expectSameExplanations(catalog: LiveCatalog, seed: number): void {
  const view = new CatalogGraph(catalog);
  const reference = graphologyOf(catalog);
  const rng = createRng(seed);
  for (let trial = 0; trial < 60; trial++) {
    const user = rng.int(catalog.nUsers);
    const item = rng.int(catalog.nItems);
    const got = explainPaths(view, user, item, { maxPaths: 20, maxItems: 20 });
    const want = explainPaths(reference, user, item, { maxPaths: 20, maxItems: 20 });
    expect(got.pathCount).toBe(want.pathCount);
    expect(got.score).toBeCloseTo(want.score, 12);
    expect(got.paths.map((p) => [p.viaItem, p.viaUser])).toEqual(want.paths.map((p) => [p.viaItem, p.viaUser]));
    expect(got.supportingItems.map((s) => [s.item, s.rating, s.paths])).toEqual(want.supportingItems.map((s) => [s.item, s.rating, s.paths]));
    expect(got.direct?.rating).toBe(want.direct?.rating);
    const similar = graphSimilarItems(view, item, 10);
    const similarWant = graphSimilarItems(reference, item, 10);
    expect(similar.map((s) => [s.item, s.sharedUsers])).toEqual(similarWant.map((s) => [s.item, s.sharedUsers]));
  }
  for (let item = 0; item < catalog.nItems; item++) {
    expect([...catalog.itemUsers(item)].sort((a, b) => a - b)).toEqual([...reference.itemNeighbors(item).users].sort((a, b) => a - b));
    expect(catalog.itemDegree(item)).toBe(reference.itemStrength(item));
  }
  for (let user = 0; user < catalog.nUsers; user++) expect(catalog.userDegree(user)).toBe(reference.userStrength(user));
}

describe("CatalogGraph (explanations over the live catalogue)", () => {
  it("walks the same paths as the graphology graph of the snapshot", () => {
    expectSameExplanations(catalogue(120, 60, 1), 2);
  });

  it("follows ratings added, changed and deleted through the API, and new users and items", () => {
    const catalog = catalogue(120, 60, 3);
    const rng = createRng(4);
    for (let k = 0; k < 200; k++) {
      const user = rng.int(catalog.nUsers);
      const item = rng.int(catalog.nItems);
      if (rng.next() < 0.3) catalog.deleteRating(user, item);
      else catalog.setRating(user, item, 1 + rng.int(5), 1_700_000_000 + k);
    }
    // A snapshot rating deleted and then rated again, and a new user rating a new item.
    const history = catalog.history(5);
    catalog.deleteRating(5, history.items[0]);
    catalog.setRating(5, history.items[0], 2, 1_700_001_000);
    const newUser = catalog.addUser("newcomer", 1000);
    const newItem = catalog.addItem("new-item", 1000, { title: null, genres: [], tags: [], year: null });
    catalog.setRating(newUser, newItem, 4, 1_700_002_000);
    catalog.setRating(newUser, 0, 3, 1_700_002_001);
    catalog.setRating(7, newItem, 5, 1_700_002_002);
    expectSameExplanations(catalog, 5);
    expect(catalog.ratedAt(7, newItem)).toBe(1_700_002_002);
    expect(explainPaths(new CatalogGraph(catalog), newUser, newItem).direct).toEqual({ rating: 4, timestamp: 1_700_002_000 });
  });
});
