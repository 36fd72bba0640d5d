/** A small argument parser: `--flag`, `--key value`, `--key=value`, and positionals. No dependency needed. */

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface ParsedArgs {
  flags: Map<string, string | true>;
  positionals: string[];
}

/**
 * Parse argv against the options a command knows. `valued` options take a value; `boolean` ones do
 * not. Anything else starting with `--` is a usage error, so a typo is never silently ignored.
 */
export function parseArgs(argv: string[], known: { valued?: string[]; boolean?: string[] }): ParsedArgs {
  const valued = new Set(known.valued ?? []);
  const boolean = new Set(known.boolean ?? []);
  const flags = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (boolean.has(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, true);
    } else if (valued.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { flags, positionals };
}
