/**
 * A small, strict option parser for the CLI commands: `--name value`, `--name=value`, repeatable
 * options and boolean flags. Unknown options are usage errors (exit code 2), never ignored.
 */

/** A usage error: the command prints the message and its help hint, and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  /** Takes a value (`--region us-east-1`); otherwise a flag. */
  value?: boolean;
  /** May be given more than once; values collect into a list. */
  repeat?: boolean;
  /** Allowed values. */
  choices?: readonly string[];
}

export interface ParsedArgs {
  positionals: string[];
  options: Record<string, string[]>;
  flags: Set<string>;
}

export function parseArgs(args: string[], spec: Record<string, OptionSpec>): ParsedArgs {
  const parsed: ParsedArgs = { positionals: [], options: {}, flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      parsed.positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^--?/, '');
    const opt = spec[name];
    if (!opt) throw new UsageError(`unknown option '${eq > 0 ? arg.slice(0, eq) : arg}'`);
    if (!opt.value) {
      if (eq > 0) throw new UsageError(`option '--${name}' takes no value`);
      parsed.flags.add(name);
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`option '--${name}' needs a value`);
      value = args[++i];
    }
    if (opt.choices) {
      // In any case (`--format csv` for CSV): the canonical spelling is what the command gets.
      const canonical = opt.choices.find((c) => c === value) ?? opt.choices.find((c) => c.toLowerCase() === value.toLowerCase());
      if (canonical === undefined) throw new UsageError(`option '--${name}' must be one of ${opt.choices.join(', ')}, got '${value}'`);
      value = canonical;
    }
    const list = (parsed.options[name] ??= []);
    if (list.length > 0 && !opt.repeat) throw new UsageError(`option '--${name}' given more than once`);
    list.push(value);
  }
  return parsed;
}

/** `--param Key=Value` pairs, in order; a later value for the same key wins. */
export function parseParams(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs Key=Value, got '${v}'`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
