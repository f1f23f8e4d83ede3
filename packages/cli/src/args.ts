/**
 * A small, spec-driven argument parser. Not `node:util` `parseArgs` because we want
 * command-specific wording in every usage error ("pail cp: --parallel needs a value") and
 * `--help` text generated from the same table the parser reads.
 */
import { UsageError } from './errors.js';

export interface OptionSpec {
  /** Long name without the dashes: `expires` for `--expires`. */
  readonly name: string;
  /** One-letter alias without the dash: `r` for `-r`. */
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  /** May be given more than once; the values accumulate in order. */
  readonly multiple?: boolean;
  /** Placeholder shown in help: `--expires SECONDS`. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Usage lines without the leading `pail `. */
  readonly usage: readonly string[];
  readonly options: readonly OptionSpec[];
  readonly minPositionals: number;
  readonly maxPositionals: number;
  /** Free text printed after the options (examples, notes). */
  readonly details?: string;
}

export type OptionValue = string | boolean | string[];

export interface ParsedArgs {
  readonly values: ReadonlyMap<string, OptionValue>;
  readonly positionals: readonly string[];
  /** The words as given, for commands that forward them (serve). */
  readonly rawArgv: readonly string[];
}

export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help.' };

/**
 * Parses `argv` (the words after the command name) against `spec`. Supports `--name value`,
 * `--name=value`, `-x value`, bundled short booleans (`-rq`) and `--` to end options. A lone
 * `-` is a positional (stdin/stdout).
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options = [...spec.options, HELP_OPTION];
  const byLong = new Map(options.map((o) => [o.name, o]));
  const byShort = new Map(options.filter((o) => o.short).map((o) => [o.short!, o]));
  const values = new Map<string, OptionValue>();
  const positionals: string[] = [];
  const who = `pail ${spec.name}`;

  const set = (opt: OptionSpec, value: string | boolean, shown: string): void => {
    if (opt.multiple) {
      const prev = values.get(opt.name);
      values.set(opt.name, [...(Array.isArray(prev) ? prev : []), String(value)]);
    } else if (values.has(opt.name) && opt.type === 'string') {
      throw new UsageError(`${who}: ${shown} given more than once`);
    } else {
      values.set(opt.name, value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const opt = byLong.get(name);
      if (!opt) throw new UsageError(`${who}: unknown option --${name} (see '${who} --help')`);
      if (opt.type === 'boolean') {
        if (eq !== -1) throw new UsageError(`${who}: --${name} takes no value`);
        set(opt, true, `--${name}`);
      } else if (eq !== -1) {
        set(opt, arg.slice(eq + 1), `--${name}`);
      } else {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${who}: --${name} needs a value${opt.value ? ` (${opt.value})` : ''}`);
        set(opt, v, `--${name}`);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // -abc: bundled booleans; the last letter may take a value (-o FILE, -oFILE not supported).
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j]!;
        const opt = byShort.get(letter);
        if (!opt) throw new UsageError(`${who}: unknown option -${letter} (see '${who} --help')`);
        if (opt.type === 'boolean') {
          set(opt, true, `-${letter}`);
          continue;
        }
        if (j !== arg.length - 1) throw new UsageError(`${who}: -${letter} needs a value and must come last in ${arg}`);
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`${who}: -${letter} needs a value${opt.value ? ` (${opt.value})` : ''}`);
        set(opt, v, `-${letter}`);
      }
      continue;
    }
    positionals.push(arg);
  }

  if (values.get('help') === true) return { values, positionals, rawArgv: argv };
  if (positionals.length < spec.minPositionals) {
    throw new UsageError(`${who}: missing argument; usage: pail ${spec.usage[0]}`);
  }
  if (positionals.length > spec.maxPositionals) {
    throw new UsageError(`${who}: unexpected argument '${positionals[spec.maxPositionals]}'; usage: pail ${spec.usage[0]}`);
  }
  return { values, positionals, rawArgv: argv };
}

/** Typed accessors over `ParsedArgs.values`. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values.get(name);
  return typeof v === 'string' ? v : undefined;
}
export function flag(args: ParsedArgs, name: string): boolean {
  return args.values.get(name) === true;
}
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values.get(name);
  return Array.isArray(v) ? v : [];
}

/** Help text for one command, generated from its spec. */
export function formatHelp(spec: CommandSpec): string {
  const lines = [`pail ${spec.name} - ${spec.summary}`, '', 'Usage:'];
  for (const u of spec.usage) lines.push(`  pail ${u}`);
  const opts = [...spec.options, HELP_OPTION];
  const labels = opts.map((o) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    return `${short}--${o.name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
  });
  const width = Math.min(34, Math.max(...labels.map((l) => l.length)) + 2);
  lines.push('', 'Options:');
  opts.forEach((o, i) => {
    const label = labels[i]!;
    const desc = o.description + (o.multiple ? ' (repeatable)' : '');
    lines.push(label.length >= width ? `  ${label}\n  ${' '.repeat(width)}${desc}` : `  ${label.padEnd(width)}${desc}`);
  });
  if (spec.details) lines.push('', spec.details.trimEnd());
  return lines.join('\n') + '\n';
}
