// Catalogue writes from the API (new users and items, ratings): every field is checked
// against its bound before anything is stored, then the database row is written, then the
// served catalogue follows (explanations read it), then the other API processes over the
// same database are told (a NOTIFY after the commit, see replicaNotices.ts). A refused write
// stores nothing.
//
// "Follow" is one set of methods (applyUser, applyItem, applyRating, applyRatingDeleted):
// the local writes call them with the rows they wrote, and ReplicaSync calls them with the
// rows other processes wrote, so both paths change the live state the same way. Reloads
// (after an import here or elsewhere) go through `reload` for the same reason: the served
// catalogue and the item cache follow together.
import { createItem, createUser, deleteRating, upsertRating, type Item, type Rating, type User } from "../db/catalog";
import type { Db } from "../db/client";
import { ValidationError } from "../errors";
import type { ItemCache } from "./itemCache";
import type { RecommenderService } from "./recommender";
import { PROCESS_ORIGIN, publishCatalogNotice, publishCatalogReload, type CatalogNotice, type RatingNotice } from "./replicaNotices";
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

/** The parts of a user row the live state needs. */
export type UserRef = Pick<User, "id" | "externalId">;

export interface CatalogWriterOptions {
  /** RATING_SCALE when configured; else the imported data's range. */
  ratingScale?: [number, number];
  /** Who this writer is in change notices (one per process; tests run several in one). */
  origin?: string;
  /** Item rows cached across requests (cleared when the catalogue is reloaded). */
  itemCache?: ItemCache;
}

export class CatalogWriter {
  /**
   * Called when a change notice could not be sent (the write itself committed and stands;
   * other processes catch up at their next reload). ReplicaSync logs these.
   */
  onPublishError: (error: unknown) => void = () => undefined;

  /** Who this writer is in change notices. */
  readonly origin: string;
  private readonly configuredScale: [number, number] | undefined;
  private readonly itemCache: ItemCache | undefined;

  constructor(
    private readonly db: Db,
    private readonly recommender: RecommenderService,
    options: CatalogWriterOptions = {},
  ) {
    this.origin = options.origin ?? PROCESS_ORIGIN;
    this.configuredScale = options.ratingScale;
    this.itemCache = options.itemCache;
  }

  /** The values a rating may take: configured, else the imported data's range, else 1–5. */
  ratingScale(): [number, number] {
    return this.configuredScale ?? this.recommender.catalog.importedValueRange ?? FALLBACK_RATING_SCALE;
  }

  async createUser(id: string, attributes: unknown): Promise<User> {
    const externalUserId = externalId(id, "input.id");
    const checked = attributes === undefined || attributes === null ? undefined : jsonValue(attributes, "input.attributes");
    const user = await createUser(this.db, externalUserId, checked);
    this.applyUser(user);
    await this.announce({ kind: "user", userId: user.id, userExternalId: user.externalId });
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
    this.applyItem(item);
    await this.announce({ kind: "item", itemId: item.id, itemExternalId: item.externalId });
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
    const { user, item, rating } = await upsertRating(this.db, userId, itemId, value, ratedAt);
    this.applyRating(user, item, value, ratedAt);
    await this.announce(ratingNotice(user, item, value, ratedAt));
    return rating;
  }

  async deleteRating(userId: string, itemId: string): Promise<boolean> {
    externalId(userId, "userId");
    externalId(itemId, "itemId");
    return this.onePairAtATime(userId, itemId, () => this.removeRating(userId, itemId));
  }

  private async removeRating(userId: string, itemId: string): Promise<boolean> {
    const { user, item, deleted } = await deleteRating(this.db, userId, itemId);
    if (deleted) {
      this.applyRatingDeleted(user.externalId, item.externalId);
      await this.announce(ratingNotice(user, item, null, null));
    }
    return deleted;
  }

  /**
   * Re-reads the served catalogue from the database (after an import, here or in another
   * process); cached item rows go, and the new catalogue's item-major index (what explanations
   * read) is built at once, so that no request pays for it.
   */
  async reload(): Promise<void> {
    await this.recommender.refreshCatalog();
    this.itemCache?.clear();
    this.recommender.catalog.prepareItemIndex();
  }

  /** After an import in this process: reload, then the other API processes reload too (this one ignores its own notice). */
  async reloadAfterImport(): Promise<void> {
    await this.reload();
    await publishCatalogReload(this.db, this.origin);
  }

  // The live state follows a stored row. Idempotent: a change applied twice (a notice
  // replayed after a reload) leaves the same state.

  /** The user's catalogue index, adding the user when new. */
  applyUser(user: UserRef): number {
    const catalog = this.recommender.catalogForWrites();
    return catalog.users.index(user.externalId) ?? catalog.addUser(user.externalId, user.id);
  }

  /** The item's catalogue index, adding it when new (and telling served content models). */
  applyItem(item: Item): number {
    const catalog = this.recommender.catalogForWrites();
    const known = catalog.items.index(item.externalId);
    if (known !== undefined) return known;
    const index = catalog.addItem(item.externalId, item.id, { title: item.title, genres: item.genres, tags: item.tags, year: item.year });
    this.recommender.onItemAdded();
    return index;
  }

  /**
   * A rating row as stored. The item joins the catalogue when it is not there yet: it may
   * have been created through another process a moment ago, and its notice not be here yet.
   */
  applyRating(user: UserRef, item: Item, value: number, ratedAt: Date): void {
    const userIndex = this.applyUser(user);
    const itemIndex = this.applyItem(item);
    this.recommender.catalogForWrites().setRating(userIndex, itemIndex, value, ratedAt.getTime() / 1000);
  }

  /** The pair has no rating any more (nothing to do for a user or item the catalogue lacks). */
  applyRatingDeleted(userExternalId: string, itemExternalId: string): void {
    const catalog = this.recommender.catalogForWrites();
    const user = catalog.users.index(userExternalId);
    const item = catalog.items.index(itemExternalId);
    if (user === undefined || item === undefined) return;
    catalog.deleteRating(user, item);
  }

  /**
   * Tells the other processes, after the commit. Awaited, so that a write's notice leaves
   * before the write returns (and a pair's notices leave in the order of onePairAtATime);
   * a failure is reported, not thrown: the write is stored and answered as stored.
   */
  private async announce(change: DistributiveOmit<Exclude<CatalogNotice, { kind: "reload" }>, "origin" | "generation">): Promise<void> {
    // The catalogue the change was just applied to (see UserNotice.generation).
    const notice = { ...change, origin: this.origin, generation: this.recommender.catalog.generation } as CatalogNotice;
    try {
      await publishCatalogNotice(this.db, notice);
    } catch (error) {
      this.onPublishError(error);
    }
  }
}

/** Omit over each member of a union (plain Omit merges the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The notice of a rating written (value, time) or deleted (null, null) for (user, item). */
function ratingNotice(user: User, item: Item, value: number | null, ratedAt: Date | null): Omit<RatingNotice, "origin" | "generation"> {
  return { kind: "rating", userId: user.id, userExternalId: user.externalId, itemId: item.id, itemExternalId: item.externalId, value, ratedAt: ratedAt?.toISOString() ?? null };
}
