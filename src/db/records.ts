// Plain records that imports write and the data layer produces. External ids only.

export interface UserRecord {
  externalId: string;
  attributes?: Record<string, unknown>;
}

export interface ItemRecord {
  externalId: string;
  title?: string | null;
  genres?: string[];
  tags?: string[];
  year?: number | null;
  metadata?: Record<string, unknown>;
}

export interface RatingRecord {
  user: string;
  item: string;
  /** Explicit rating, or 1 (or a weight) for implicit feedback. */
  value: number;
  /** Unix time in seconds; null when the source has none. */
  time: number | null;
}
