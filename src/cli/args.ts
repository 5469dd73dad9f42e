/** A small argument parser: positionals, --flag, --key value and --key=value. */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Input or surroundings the run cannot use (a missing script, an unwritable output path): told
 * in one sentence with what to do, without the usage text. Exit code 2.
 */
export class CliError extends Error {
  override readonly name: string = 'CliError';
}

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
  /** Every value of a valued option, in order (`options` keeps only the last). */
  lists: Map<string, string[]>;
}

export function parseArgs(argv: string[], valued: readonly string[], flags: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
      lists.set(name, [...(lists.get(name) ?? []), value]);
    } else if (flags.includes(name) && eq < 0) {
      options.set(name, true);
    } else {
      throw new UsageError(`Unknown option --${name}`);
    }
  }
  return { positionals, options, lists };
}

export function wholeNumber(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw === true || !Number.isInteger(n) || n < min) {
    throw new UsageError(`--${name} takes a whole number of at least ${min}, not "${String(raw)}"`);
  }
  return n;
}
