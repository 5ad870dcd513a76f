// Environment configuration, read once. Every setting has a default that works on a
// fresh clone; the README lists them (Configuration and Security).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LOG_LEVELS } from "./util/log";

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Limits of the public edge: what one request may ask for. The README's Security section lists each. */
export interface EdgeLimits {
  /** Largest request body (bytes); larger bodies get 413 before anything is parsed. */
  maxBodyBytes: number;
  /** Tokens in one GraphQL document (graphql-js `parse` maxTokens), checked before validation. */
  maxTokens: number;
  /** Aliased fields in one operation. */
  maxAliases: number;
  /** Directives in one operation. */
  maxDirectives: number;
  /** Nesting depth of an operation. */
  maxDepth: number;
  /** Estimated work units of one operation (see src/api/cost.ts). */
  maxCost: number;
  /** Estimated work of one field on its own: it runs without yielding the event loop. */
  maxFieldCost: number;
  /** Largest response body (bytes); a larger result is replaced by a RESPONSE_TOO_LARGE error. */
  maxResponseBytes: number;
}

export type AnonymousWrites = "on" | "off";

export interface SecurityConfig {
  /** API key for admin operations; refused when unset. */
  adminApiKey: string | undefined;
  /** HS256 secret that signs user tokens (JWT, `sub` = user external id). */
  userTokenSecret: string | undefined;
  /** PEM public key (SPKI) that verifies user tokens signed with RS256/ES256/EdDSA. */
  userTokenPublicKey: string | undefined;
  userTokenIssuer: string | undefined;
  userTokenAudience: string | undefined;
  /** Whether callers without a token may rate as any user and create users. */
  anonymousWrites: AnonymousWrites;
  /** Where the anonymous-writes setting came from (the log says so). */
  anonymousWritesSource: "env" | "development default" | "default";
  /** Browser origins allowed by CORS ("*" for any; a "*" in place of the port matches any port). Empty: no CORS headers. */
  corsOrigins: string[];
  introspection: boolean;
  /** importDataset reads only under these folders (symlinks and `..` resolved). */
  importRoots: string[];
  /** Rating scale for writes: [min, max], or undefined to take it from the data. */
  ratingScale: [number, number] | undefined;
  limits: EdgeLimits;
}

export interface ObservabilityConfig {
  /** Bearer token for GET /metrics; unset: loopback clients only in production, anyone in development. */
  metricsToken: string | undefined;
  /** pino level (LOG_LEVEL); "debug" adds one line per request. */
  logLevel: (typeof LOG_LEVELS)[number];
}

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
  /**
   * Catalogues with at least this many items serve embedding models through an approximate
   * inner-product index (ANN_MIN_ITEMS; src/math/ann.ts) instead of scoring every item per request.
   */
  annMinItems: number;
  production: boolean;
  security: SecurityConfig;
  observability: ObservabilityConfig;
  database: { connectTimeoutMs: number; queryTimeoutMs: number };
  jobs: JobsConfig;
}

/** A model retrained on its own: on a cron schedule, after N new interactions, or both. */
export interface RetrainRule {
  model: string;
  /** Cron expression (minute hour day month weekday), in `timeZone`. */
  cron?: string;
  timeZone?: string;
  /** Retrain once this many ratings were added or changed since the model's last training started. */
  afterInteractions?: number;
  /** Hyper-parameters of the retraining (default: the model's defaults). */
  params: Record<string, unknown>;
  /** The new version is activated only if its held-out quality is at most this much (relative) worse than the active one's. */
  tolerance: number;
  /** Held-out metric compared (default ndcg@20). */
  metric?: string;
}

export interface JobsConfig {
  importTimeLimitMs: number;
  trainTimeLimitMs: number;
  /**
   * Most memory a training may be estimated to need (MODEL_MEMORY_LIMIT_MB): a model over it is
   * refused with MEMORY_LIMIT before it fits, in jobs, at first start, in `npm run train` and in
   * `npm run evaluate` (see src/models/memory.ts).
   */
  trainMemoryLimitBytes: number;
  /** Whether `npm start` also runs jobs (IN_PROCESS_WORKER); off for API-only processes beside `npm run worker`. */
  inProcessWorker: boolean;
  retrain: RetrainRule[];
  /** How often workers count new interactions for `afterInteractions` rules. */
  retrainCheckIntervalMs: number;
  /** Port of `npm run worker`'s /healthz and /metrics (WORKER_PORT); none when unset. */
  workerPort: number | undefined;
}

export const DEFAULT_LIMITS: EdgeLimits = {
  maxBodyBytes: 128 * 1024,
  maxTokens: 1_000,
  maxAliases: 20,
  maxDirectives: 10,
  maxDepth: 12,
  maxCost: 20_000,
  maxFieldCost: 2_500,
  maxResponseBytes: 4 * 1024 * 1024,
};

/**
 * Below it a full scan per request is cheap. Measured (npm run bench:scale, README "Scaling"): a scan
 * of 11,809 items served 379 req/s where the index served 1,583 req/s at 26,407 items; one search
 * took 0.22 ms against a 0.58 ms scan at 5,281 items (with the first, inner-product index).
 */
export const DEFAULT_ANN_MIN_ITEMS = 10_000;

/** The setting that limits a training's estimated memory (named in MEMORY_LIMIT errors). */
export const MEMORY_LIMIT_SETTING = "MODEL_MEMORY_LIMIT_MB";

/**
 * Default training memory limit, in MiB: 75 % of the machine's memory (or of the container's
 * cgroup limit, when lower). The rest is left to what runs beside the fit: the process baseline
 * (Node, the served models, the snapshot being read), PostgreSQL and the system; the estimates
 * count the fit's large arrays only, so the margin also absorbs what they leave out.
 */
export function defaultMemoryLimitMb(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const machine = constrained > 0 && constrained < os.totalmem() ? constrained : os.totalmem();
  return Math.floor((0.75 * machine) / 1024 ** 2);
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function switchFromEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = raw.trim().toLowerCase();
  if (["1", "on", "true", "yes"].includes(value)) return true;
  if (["0", "off", "false", "no"].includes(value)) return false;
  throw new Error(`${name} must be on or off, got ${JSON.stringify(raw)}`);
}

function listFromEnv(env: NodeJS.ProcessEnv, name: string, separator: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  return raw
    .split(separator)
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function logLevelFromEnv(env: NodeJS.ProcessEnv): ObservabilityConfig["logLevel"] {
  const raw = (env.LOG_LEVEL ?? "").trim().toLowerCase();
  if (raw === "") return "info";
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (!level) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  return level;
}

/** "1-5", "0.5-5", or "implicit" (every interaction is 1). */
export function parseRatingScale(raw: string | undefined): [number, number] | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (raw.trim().toLowerCase() === "implicit") return [1, 1];
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(raw);
  const scale = match ? ([Number(match[1]), Number(match[2])] as [number, number]) : undefined;
  if (!scale || !(scale[0] <= scale[1])) throw new Error(`RATING_SCALE must look like 1-5 or implicit, got ${JSON.stringify(raw)}`);
  return scale;
}

/**
 * Retraining rules from RETRAIN_CONFIG (a JSON file: { "<model>": { "cron", "timeZone",
 * "afterInteractions", "params", "tolerance", "metric" } }) and the shortcuts RETRAIN_CRON
 * ("ials=0 3 * * *;ease=30 3 * * 0") and RETRAIN_AFTER_INTERACTIONS ("ials=5000"); the
 * shortcuts add to (and override) the file's entries. RETRAIN_TOLERANCE is the default
 * tolerance (0.05). Model names are checked against the registry when the workers start.
 */
export function retrainRulesFromEnv(env: NodeJS.ProcessEnv, readFile: (file: string) => string = (file) => fs.readFileSync(file, "utf8")): RetrainRule[] {
  const defaultTolerance = env.RETRAIN_TOLERANCE === undefined || env.RETRAIN_TOLERANCE === "" ? 0.05 : Number(env.RETRAIN_TOLERANCE);
  if (!(defaultTolerance >= 0 && defaultTolerance <= 1)) throw new Error(`RETRAIN_TOLERANCE must be a number in [0, 1], got ${JSON.stringify(env.RETRAIN_TOLERANCE)}`);
  const rules = new Map<string, RetrainRule>();
  const rule = (model: string) => rules.get(model) ?? rules.set(model, { model, params: {}, tolerance: defaultTolerance }).get(model)!;
  if (env.RETRAIN_CONFIG) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFile(env.RETRAIN_CONFIG));
    } catch (error) {
      throw new Error(`RETRAIN_CONFIG: cannot read ${env.RETRAIN_CONFIG} as JSON (${(error as Error).message.split("\n")[0]})`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("RETRAIN_CONFIG must hold a JSON object keyed by model name");
    for (const [model, raw] of Object.entries(parsed as Record<string, unknown>)) {
      const entry = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
      const target = rule(model);
      for (const key of Object.keys(entry)) {
        if (!["cron", "timeZone", "afterInteractions", "params", "tolerance", "metric"].includes(key))
          throw new Error(`RETRAIN_CONFIG: ${model}.${key} is not a setting (cron, timeZone, afterInteractions, params, tolerance, metric)`);
      }
      if (entry.cron !== undefined) target.cron = stringSetting(entry.cron, `${model}.cron`);
      if (entry.timeZone !== undefined) target.timeZone = stringSetting(entry.timeZone, `${model}.timeZone`);
      if (entry.metric !== undefined) target.metric = stringSetting(entry.metric, `${model}.metric`);
      if (entry.afterInteractions !== undefined) target.afterInteractions = positiveSetting(entry.afterInteractions, `RETRAIN_CONFIG ${model}.afterInteractions`);
      if (entry.tolerance !== undefined) {
        if (typeof entry.tolerance !== "number" || !(entry.tolerance >= 0 && entry.tolerance <= 1)) throw new Error(`RETRAIN_CONFIG: ${model}.tolerance must be a number in [0, 1]`);
        target.tolerance = entry.tolerance;
      }
      if (entry.params !== undefined) {
        if (typeof entry.params !== "object" || entry.params === null || Array.isArray(entry.params)) throw new Error(`RETRAIN_CONFIG: ${model}.params must be an object`);
        target.params = entry.params as Record<string, unknown>;
      }
    }
  }
  for (const [model, cron] of pairsFromEnv(env, "RETRAIN_CRON")) rule(model).cron = cron;
  for (const [model, count] of pairsFromEnv(env, "RETRAIN_AFTER_INTERACTIONS")) rule(model).afterInteractions = positiveSetting(Number(count), `RETRAIN_AFTER_INTERACTIONS ${model}`);
  const result = [...rules.values()];
  for (const entry of result) {
    if (entry.cron === undefined && entry.afterInteractions === undefined) throw new Error(`retraining of ${entry.model}: give a cron schedule or afterInteractions`);
  }
  return result;
}

/** "a=x;b=y" → [[a, x], [b, y]]. */
function pairsFromEnv(env: NodeJS.ProcessEnv, name: string): [string, string][] {
  return (listFromEnv(env, name, ";") ?? []).map((pair) => {
    const at = pair.indexOf("=");
    if (at <= 0 || at === pair.length - 1) throw new Error(`${name} must look like model=value;model=value, got ${JSON.stringify(pair)}`);
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  });
}

function stringSetting(value: unknown, name: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new Error(`RETRAIN_CONFIG: ${name} must be a non-empty string`);
  return value.trim();
}

function positiveSetting(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const production = env.NODE_ENV === "production";
  const homeDir = path.resolve(env.GRAPHREC_HOME || path.join(projectRoot, ".data"));
  const anonymous = switchFromEnv(env, "ANONYMOUS_WRITES");
  const adminApiKey = env.ADMIN_API_KEY || undefined;
  // Development: the browser frontends a developer runs on this machine may call the API.
  const corsOrigins = listFromEnv(env, "CORS_ORIGINS", ",") ?? (production ? [] : ["http://localhost:*", "http://127.0.0.1:*"]);
  const importRoots = (listFromEnv(env, "IMPORT_ROOT", path.delimiter) ?? [path.join(homeDir, "imports")]).map((root) => path.resolve(root));
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    homeDir,
    embeddedPgPort: intFromEnv(env, "EMBEDDED_PG_PORT", 54329),
    port: intFromEnv(env, "PORT", 4000),
    host: env.HOST || "0.0.0.0",
    dataDir: env.DATA_DIR || undefined,
    dataFormat: env.DATA_FORMAT || undefined,
    adminApiKey,
    defaultModel: env.DEFAULT_MODEL || "ials",
    annMinItems: intFromEnv(env, "ANN_MIN_ITEMS", DEFAULT_ANN_MIN_ITEMS),
    production,
    security: {
      adminApiKey,
      userTokenSecret: env.USER_TOKEN_SECRET || undefined,
      userTokenPublicKey: env.USER_TOKEN_PUBLIC_KEY || undefined,
      userTokenIssuer: env.USER_TOKEN_ISSUER || undefined,
      userTokenAudience: env.USER_TOKEN_AUDIENCE || undefined,
      anonymousWrites: anonymous === undefined ? "off" : anonymous ? "on" : "off",
      anonymousWritesSource: anonymous === undefined ? "default" : "env",
      corsOrigins,
      introspection: switchFromEnv(env, "GRAPHQL_INTROSPECTION") ?? !production,
      importRoots,
      ratingScale: parseRatingScale(env.RATING_SCALE),
      limits: {
        maxBodyBytes: intFromEnv(env, "MAX_BODY_BYTES", DEFAULT_LIMITS.maxBodyBytes),
        maxTokens: intFromEnv(env, "MAX_QUERY_TOKENS", DEFAULT_LIMITS.maxTokens),
        maxAliases: intFromEnv(env, "MAX_ALIASES", DEFAULT_LIMITS.maxAliases),
        maxDirectives: intFromEnv(env, "MAX_DIRECTIVES", DEFAULT_LIMITS.maxDirectives),
        maxDepth: intFromEnv(env, "MAX_QUERY_DEPTH", DEFAULT_LIMITS.maxDepth),
        maxCost: intFromEnv(env, "MAX_QUERY_COST", DEFAULT_LIMITS.maxCost),
        maxFieldCost: intFromEnv(env, "MAX_FIELD_COST", DEFAULT_LIMITS.maxFieldCost),
        maxResponseBytes: intFromEnv(env, "MAX_RESPONSE_BYTES", DEFAULT_LIMITS.maxResponseBytes),
      },
    },
    observability: {
      metricsToken: env.METRICS_TOKEN || undefined,
      logLevel: logLevelFromEnv(env),
    },
    database: {
      connectTimeoutMs: intFromEnv(env, "DB_CONNECT_TIMEOUT_MS", 3_000),
      queryTimeoutMs: intFromEnv(env, "DB_QUERY_TIMEOUT_MS", 5_000),
    },
    jobs: {
      importTimeLimitMs: intFromEnv(env, "IMPORT_TIME_LIMIT_S", 3_600) * 1000,
      trainTimeLimitMs: intFromEnv(env, "TRAIN_TIME_LIMIT_S", 4 * 3_600) * 1000,
      trainMemoryLimitBytes: intFromEnv(env, MEMORY_LIMIT_SETTING, defaultMemoryLimitMb()) * 1024 ** 2,
      inProcessWorker: switchFromEnv(env, "IN_PROCESS_WORKER") ?? true,
      retrain: retrainRulesFromEnv(env),
      retrainCheckIntervalMs: intFromEnv(env, "RETRAIN_CHECK_INTERVAL_S", 60) * 1000,
      workerPort: env.WORKER_PORT ? intFromEnv(env, "WORKER_PORT", 0) : undefined,
    },
  };
}

/** The two-command demo: in development, anonymous writes are on unless ANONYMOUS_WRITES says otherwise. */
export function withDevelopmentDefaults(config: AppConfig): AppConfig {
  if (config.production || config.security.anonymousWritesSource === "env") return config;
  return { ...config, security: { ...config.security, anonymousWrites: "on", anonymousWritesSource: "development default" } };
}
