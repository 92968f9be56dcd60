/** A small, strict command-line parser: `--name value`, `--name=value`, `--flag`, positionals. */
import { UsageError } from './UsageError.js';

export interface ParsedArgs {
  readonly positionals: string[];
  /** Flag name (without dashes) -> value; `true` for a flag given without a value. */
  readonly flags: Map<string, string | true>;
}

/**
 * Parse argv. Flags listed in `booleans` never take the next word as their value.
 * A flag given twice keeps the last value.
 */
export function parseArgs(argv: readonly string[], booleans: readonly string[] = []): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--') || word === '--') {
      if (word === '-h') flags.set('help', true);
      else positionals.push(word);
      continue;
    }
    const body = word.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.set(body.slice(0, eq), body.slice(eq + 1));
      continue;
    }
    const next = argv[i + 1];
    if (booleans.includes(body) || next === undefined || next.startsWith('--')) flags.set(body, true);
    else {
      flags.set(body, next);
      i++;
    }
  }
  return { positionals, flags };
}

/** The text of `--name`, undefined when absent; a UsageError when it was given without a value. */
export function flagValue(flags: ParsedArgs['flags'], name: string): string | undefined {
  const value = flags.get(name);
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value;
}
