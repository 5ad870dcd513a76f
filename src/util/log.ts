// The process's logger (pino): levels, timestamps, one JSON object a line in production,
// readable lines in development (pino-pretty as an in-process stream: no worker thread).
// Everything goes to stderr; stdout stays free for scripts' output. Never log request
// bodies, variables, tokens or keys.
import { pino, type Logger, type LevelWithSilent } from "pino";
import pretty from "pino-pretty";

export type { Logger };

export const LOG_LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export interface LoggerOptions {
  /** JSON lines (production) or pino-pretty (development). */
  production: boolean;
  /** Default "info". */
  level?: LevelWithSilent;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? "info";
  if (options.production) return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  const stream = pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" });
  return pino({ level, base: undefined }, stream);
}

/** A logger whose lines go to `sink` as plain messages (for callers that pass `log: (message) => void`). */
export function loggerFromSink(sink: (message: string) => void, level: LevelWithSilent = "info"): Logger {
  return pino(
    { level, base: undefined },
    {
      write(line: string) {
        try {
          const record = JSON.parse(line) as { msg?: unknown };
          sink(typeof record.msg === "string" ? record.msg : line.trimEnd());
        } catch {
          sink(line.trimEnd());
        }
      },
    },
  );
}

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
