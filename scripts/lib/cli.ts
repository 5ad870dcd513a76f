// What the scripts share around node:util parseArgs (each script calls it with its own flags):
// --help, bad flags reported as one clear line followed by the usage, and runMain, which prints
// expected errors without a stack.
import fs from "node:fs";
import path from "node:path";

/** A mistake in the command line: printed with the usage, without a stack. */
export class UsageError extends Error {}

/** `--help` / `-h`, which every script takes: add it to a script's parseArgs options. */
export const HELP = { help: { type: "boolean", short: "h" } } as const;

/**
 * Runs a script's parseArgs call (strict, with HELP among its options): on --help prints the usage
 * and exits; an unknown flag, a missing value or a stray argument becomes a UsageError naming it.
 */
export function parseCli<T extends { values: { help?: boolean } }>(usage: string, parse: () => T): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    // node:util's parse errors carry codes ERR_PARSE_ARGS_*; their message names the flag.
    const code = error instanceof Error && "code" in error ? String(error.code) : "";
    if (code.startsWith("ERR_PARSE_ARGS_")) throw new UsageError(`${(error as Error).message}\n${usage}`);
    throw error;
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return parsed;
}

/** The value of a required flag, or a UsageError naming it. */
export function required(value: string | undefined, name: string, usage: string): string {
  if (value === undefined) throw new UsageError(`--${name} is required\n${usage}`);
  return value;
}

/** Runs a script's main, printing errors as one clear line (no stack for expected errors). */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      const expected = error instanceof UsageError || (error instanceof Error && "code" in error && typeof (error as { code: unknown }).code === "string");
      process.stderr.write(`\nerror: ${error instanceof Error ? (expected ? error.message : (error.stack ?? error.message)) : String(error)}\n`);
      process.exit(1);
    },
  );
}

/** The MovieLens 100K folder the benchmarks read: `--data`, else $DATASETS_DIR/ml-100k; a UsageError when it has no u.data. */
export function movieLens100kFolder(data: string | undefined, usage: string): string {
  const folder = data ?? (process.env.DATASETS_DIR ? path.join(process.env.DATASETS_DIR, "ml-100k") : undefined);
  if (!folder || !fs.existsSync(path.join(folder, "u.data"))) throw new UsageError(`MovieLens 100K folder not found (${folder ?? "unset"})\n${usage}`);
  return folder;
}
