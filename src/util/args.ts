// Minimal `--name value` argument parsing for the scripts, with clear errors.
export interface ArgSpec {
  /** Flag names (without --) that take a value. */
  values: readonly string[];
  /** Flag names that are booleans. */
  booleans?: readonly string[];
  /** Shown on --help and on errors. */
  usage: string;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: ArgSpec): { values: Map<string, string>; flags: Set<string> } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      process.stdout.write(`${spec.usage}\n`);
      process.exit(0);
    }
    if (!arg.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}\n${spec.usage}`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (spec.booleans?.includes(name)) {
      flags.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option --${name}\n${spec.usage}`);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`--${name} needs a value\n${spec.usage}`);
    values.set(name, value);
  }
  return { values, flags };
}

export function requireArg(values: Map<string, string>, name: string, usage: string): string {
  const value = values.get(name);
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
