// Catalogue writes from the API (new users and items, ratings): every field is checked
// against its bound before anything is stored, then the database row is written, then the
// served catalogue and the explanation graph follow. A refused write stores nothing.
import { createItem, createUser, deleteRating, upsertRating, type Item, type Rating, type User } from "../db/catalog";
import type { Db } from "../db/client";
import { ValidationError } from "../errors";
import type { Explainer } from "./explain";
import type { RecommenderService } from "./recommender";
import { INPUT_LIMITS, externalId, jsonValue, labels, plainText, ratingValue } from "./validation";

export interface NewItemInput {
  id: string;
  title?: string | null;
  genres?: readonly string[] | null;
  tags?: readonly string[] | null;
  year?: number | null;
  metadata?: unknown;
}

/** The scale used when neither RATING_SCALE nor the imported data says otherwise. */
export const FALLBACK_RATING_SCALE: [number, number] = [1, 5];

export class CatalogWriter {
  constructor(
    private readonly db: Db,
    private readonly recommender: RecommenderService,
    private readonly explainer: Explainer,
    /** RATING_SCALE when configured; else the imported data's range. */
    private readonly configuredScale?: [number, number],
  ) {}

  /** The values a rating may take: configured, else the imported data's range, else 1–5. */
  ratingScale(): [number, number] {
    return this.configuredScale ?? this.recommender.catalog.importedValueRange ?? FALLBACK_RATING_SCALE;
  }

  async createUser(id: string, attributes: unknown): Promise<User> {
    const externalUserId = externalId(id, "input.id");
    const checked = attributes === undefined || attributes === null ? undefined : jsonValue(attributes, "input.attributes");
    const user = await createUser(this.db, externalUserId, checked);
    this.recommender.catalog.addUser(user.externalId, user.id);
    return user;
  }

  async createItem(input: NewItemInput): Promise<Item> {
    const year = input.year ?? null;
    if (year !== null && (year < 1800 || year > 2200)) throw new ValidationError("input.year", year, "a year in 1800–2200");
    const item = await createItem(this.db, {
      externalId: externalId(input.id, "input.id"),
      title: input.title === undefined || input.title === null ? null : plainText(input.title, "input.title", INPUT_LIMITS.titleLength),
      genres: labels(input.genres ?? [], "input.genres"),
      tags: labels(input.tags ?? [], "input.tags"),
      year,
      metadata: input.metadata === undefined || input.metadata === null ? undefined : jsonValue(input.metadata, "input.metadata"),
    });
    this.recommender.catalog.addItem(item.externalId, item.id, { title: item.title, genres: item.genres, tags: item.tags, year: item.year });
    this.recommender.onItemAdded();
    return item;
  }

  /** `ratedAt` was already checked by the DateTime scalar (strict ISO-8601, see isoDateTime). */
  async rate(userId: string, itemId: string, rawValue: number, ratedAtGiven: Date | null | undefined): Promise<Rating> {
    externalId(userId, "userId");
    externalId(itemId, "itemId");
    const value = ratingValue(rawValue, this.ratingScale());
    const ratedAt = ratedAtGiven ?? new Date();
    return this.onePairAtATime(userId, itemId, () => this.writeRating(userId, itemId, value, ratedAt));
  }

  /**
   * Writes to one (user, item) pair run one after another: the database serialises the
   * upserts by row lock, but their answers can come back in another order than they
   * committed, and the served catalogue would then keep a value the database does not
   * have (measured: 200 concurrent rateItem left 3 in memory and 5 in the table).
   */
  private onePairAtATime<T>(userId: string, itemId: string, write: () => Promise<T>): Promise<T> {
    const key = JSON.stringify([userId, itemId]);
    const previous = this.pairWrites.get(key) ?? Promise.resolve();
    const next = previous.then(write, write);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.pairWrites.set(key, settled);
    void settled.then(() => {
      if (this.pairWrites.get(key) === settled) this.pairWrites.delete(key);
    });
    return next;
  }

  private readonly pairWrites = new Map<string, Promise<void>>();

  private async writeRating(userId: string, itemId: string, value: number, ratedAt: Date): Promise<Rating> {
    const written = await upsertRating(this.db, userId, itemId, value, ratedAt);
    const { recommender } = this;
    const user = recommender.catalog.users.index(written.user.externalId) ?? recommender.catalog.addUser(written.user.externalId, written.user.id);
    const item = recommender.requireItemIndex(written.item.externalId);
    recommender.catalog.setRating(user, item, value, ratedAt.getTime() / 1000);
    this.explainer.onRating(user, item, value);
    return written.rating;
  }

  async deleteRating(userId: string, itemId: string): Promise<boolean> {
    externalId(userId, "userId");
    externalId(itemId, "itemId");
    return this.onePairAtATime(userId, itemId, () => this.removeRating(userId, itemId));
  }

  private async removeRating(userId: string, itemId: string): Promise<boolean> {
    const result = await deleteRating(this.db, userId, itemId);
    if (result.deleted) {
      const { recommender } = this;
      const user = recommender.catalog.users.index(result.user.externalId);
      const item = recommender.catalog.items.index(result.item.externalId);
      if (user !== undefined && item !== undefined) {
        recommender.catalog.deleteRating(user, item);
        this.explainer.onRatingDeleted(user, item);
      }
    }
    return result.deleted;
  }
}
