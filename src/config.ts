// Environment configuration, read once. Every setting has a default that works on a
// fresh clone; the README lists them.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface AppConfig {
  /** External PostgreSQL; when unset an embedded server is started under `homeDir`. */
  databaseUrl: string | undefined;
  /** Folder for local state: the embedded database cluster and logs. */
  homeDir: string;
  embeddedPgPort: number;
  port: number;
  host: string;
  /** Data set for the first start: a folder or file path (format detected or given). */
  dataDir: string | undefined;
  dataFormat: string | undefined;
  /** API key for admin mutations; admin mutations are refused when unset. */
  adminApiKey: string | undefined;
  /** Model trained on first start and served by default. */
  defaultModel: string;
  production: boolean;
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    homeDir: path.resolve(env.GRAPHREC_HOME || path.join(projectRoot, ".data")),
    embeddedPgPort: intFromEnv("EMBEDDED_PG_PORT", 54329),
    port: intFromEnv("PORT", 4000),
    host: env.HOST || "0.0.0.0",
    dataDir: env.DATA_DIR || undefined,
    dataFormat: env.DATA_FORMAT || undefined,
    adminApiKey: env.ADMIN_API_KEY || undefined,
    defaultModel: env.DEFAULT_MODEL || "ials",
    production: env.NODE_ENV === "production",
  };
}
