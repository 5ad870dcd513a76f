// Typed errors with stable codes. Everything below the API throws these; the API edge
// maps `code` to GraphQL `extensions.code`, the CLI prints `message`.
import { formatBytes } from "./util/bytes";

export type ErrorCode =
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "MODEL_NOT_READY"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "PARSE_ERROR"
  | "CONFLICT"
  | "DATABASE_UNAVAILABLE"
  | "CANCELLED"
  | "TIME_LIMIT"
  /** A training refused because its estimated memory is over the configured limit (MODEL_MEMORY_LIMIT_MB). */
  | "MEMORY_LIMIT"
  /** A job stopped because its worker process shut down. */
  | "SHUTDOWN"
  /** A job whose worker process died or lost the database. */
  | "WORKER_LOST"
  | "INTERNAL";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** A bad argument or hyper-parameter: names the field, the value and what is allowed. */
export class ValidationError extends AppError {
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly allowed: string,
  ) {
    super("BAD_USER_INPUT", `${field}: ${formatValue(value)} is not allowed (${allowed})`, { field, value: formatValue(value), allowed });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string, id: string | number) {
    super("NOT_FOUND", `${what} ${JSON.stringify(String(id))} does not exist`, { what, id: String(id) });
  }
}

export class ModelNotReadyError extends AppError {
  constructor(model: string, reason: string) {
    super("MODEL_NOT_READY", `model ${model} is not ready: ${reason}`, { model });
  }
}

/**
 * A model refused before it fits: its estimated peak memory on this data is over the configured
 * training limit. The message names the model, the estimate and what it is mostly for, the data's
 * shape, the limit and the setting that raises it, and models that fit within it.
 */
export class MemoryLimitError extends AppError {
  constructor(input: {
    model: string;
    estimateBytes: number;
    /** What most of the estimate is for ("dense item–item matrices"). */
    mostlyFor: string;
    shape: { users: number; items: number; interactions: number };
    limitBytes: number;
    /** The setting that changes the limit (an environment variable). */
    setting: string;
    /** Registry models whose estimate on this data is within the limit. */
    within: readonly string[];
  }) {
    const { model, estimateBytes, limitBytes, setting, shape } = input;
    const count = (n: number) => n.toLocaleString("en-US");
    const alternatives = input.within.length > 0 ? `pick a model that fits (${input.within.join(", ")}) or raise the limit` : "raise the limit";
    super(
      "MEMORY_LIMIT",
      `${model} needs ~${formatBytes(estimateBytes)} to train on ${count(shape.users)} users × ${count(shape.items)} items (${count(shape.interactions)} interactions), ` +
        `mostly for the ${input.mostlyFor}; over the training memory limit of ${formatBytes(limitBytes)} (${setting}); ${alternatives}`,
      { model, estimateBytes, limitBytes, setting },
    );
  }
}

/** A malformed input file: the message reads `file:line: what is wrong`. */
export class ParseError extends AppError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super("PARSE_ERROR", `${file}:${line}: ${problem}`, { file, line, problem });
  }
}

/** Messages quote at most this much of a value: errors never echo whole inputs. */
const MAX_QUOTED = 64;

function formatValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
