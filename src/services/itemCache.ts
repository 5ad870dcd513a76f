// A bounded LRU of item rows by external id, shared by all requests: items change only
// through imports (the cache is cleared then) and createItem (new ids), so the hot path —
// recommendations with item details — needs no SQL once the catalogue is warm.
import type { Item } from "../db/catalog";

export class ItemCache {
  private readonly rows = new Map<string, Item>();

  constructor(readonly capacity = 50_000) {}

  get(externalId: string): Item | undefined {
    const row = this.rows.get(externalId);
    if (row) {
      // Re-insert to mark as most recently used.
      this.rows.delete(externalId);
      this.rows.set(externalId, row);
    }
    return row;
  }

  set(row: Item): void {
    this.rows.delete(row.externalId);
    this.rows.set(row.externalId, row);
    if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value as string);
  }

  clear(): void {
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }
}
