/** Two-way map between external ids (strings at the edges) and dense indices 0..n-1. */
export class IdMap {
  private readonly toIndex = new Map<string, number>();
  private readonly ids: string[] = [];

  static from(ids: Iterable<string>): IdMap {
    const map = new IdMap();
    for (const id of ids) map.add(id);
    return map;
  }

  get size(): number {
    return this.ids.length;
  }

  /** Index of `id`, adding it when new. */
  add(id: string): number {
    let index = this.toIndex.get(id);
    if (index === undefined) {
      index = this.ids.length;
      this.toIndex.set(id, index);
      this.ids.push(id);
    }
    return index;
  }

  index(id: string): number | undefined {
    return this.toIndex.get(id);
  }

  id(index: number): string {
    const id = this.ids[index];
    if (id === undefined) throw new RangeError(`index ${index} is outside 0..${this.ids.length - 1}`);
    return id;
  }

  has(id: string): boolean {
    return this.toIndex.has(id);
  }

  toArray(): readonly string[] {
    return this.ids;
  }
}
