// The notices API processes send each other about catalogue changes (channel graphrec_catalog;
// model activations have their own channel, see src/db/modelRuns.ts activateRun). A notice
// names what changed by ids and never carries row contents: item metadata can exceed the
// 8000-byte NOTIFY limit, and receivers re-read rows anyway (src/services/replicaSync.ts).
import crypto from "node:crypto";
import os from "node:os";
import type { Db } from "../db/client";
import { publish } from "../db/notify";

export const CATALOG_CHANNEL = "graphrec_catalog";

/**
 * This process's name in its notices, so that it can tell its own from others'. The random
 * part keeps two processes apart that reuse a pid (containers) and worker threads apart.
 */
export const PROCESS_ORIGIN = `${os.hostname()}:${process.pid}:${crypto.randomBytes(4).toString("hex")}`;

interface FromOrigin {
  origin: string;
  /**
   * LiveCatalog.generation of the catalogue the sender applied the change to. Meaningful to
   * the sender only: its own notice is skipped unless that catalogue was replaced meanwhile.
   */
  generation: number;
}

export interface UserNotice extends FromOrigin {
  kind: "user";
  userId: number;
  userExternalId: string;
}

export interface ItemNotice extends FromOrigin {
  kind: "item";
  itemId: number;
  itemExternalId: string;
}

export interface RatingNotice extends FromOrigin {
  kind: "rating";
  userId: number;
  userExternalId: string;
  itemId: number;
  itemExternalId: string;
  /** null: deleted. Informational: receivers apply the row as the database has it then. */
  value: number | null;
  /** ISO-8601; null for a deletion. */
  ratedAt: string | null;
}

/** An import (or anything else bulk) changed the catalogue: reload it from the database. */
export interface ReloadNotice {
  kind: "reload";
  origin: string;
}

export type CatalogNotice = UserNotice | ItemNotice | RatingNotice | ReloadNotice;

export async function publishCatalogNotice(db: Db, notice: CatalogNotice): Promise<void> {
  await publish(db, CATALOG_CHANNEL, JSON.stringify(notice));
}

/**
 * Tells the other API processes to reload their catalogue from the database (after an
 * import committed). The sending process reloads its own as it does today; notices from
 * `origin` are ignored by that process's ReplicaSync.
 */
export async function publishCatalogReload(db: Db, origin: string = PROCESS_ORIGIN): Promise<void> {
  await publishCatalogNotice(db, { kind: "reload", origin });
}

/** The notice in `payload`, or undefined when it is not one (another version's format, a stray NOTIFY). */
export function parseCatalogNotice(payload: string): CatalogNotice | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const id = (key: string) => Number.isSafeInteger(v[key]);
  const text = (key: string) => typeof v[key] === "string";
  if (!text("origin")) return undefined;
  if (v.kind === "reload") return value as ReloadNotice;
  if (!Number.isSafeInteger(v.generation)) return undefined;
  switch (v.kind) {
    case "user":
      return id("userId") && text("userExternalId") ? (value as UserNotice) : undefined;
    case "item":
      return id("itemId") && text("itemExternalId") ? (value as ItemNotice) : undefined;
    case "rating":
      return id("userId") && text("userExternalId") && id("itemId") && text("itemExternalId") ? (value as RatingNotice) : undefined;
    default:
      return undefined;
  }
}
