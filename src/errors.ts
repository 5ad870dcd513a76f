// Typed errors with stable codes. Everything below the API throws these; the API edge
// maps `code` to GraphQL `extensions.code`, the CLI prints `message`.

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
