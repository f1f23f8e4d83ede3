import type { CommandSpec } from './args.js';
import type { Context } from './context.js';

/** One `pail <verb>`: its argument table and what it does. Returns the exit code (default 0). */
export interface Command {
  readonly spec: CommandSpec;
  run(ctx: Context): Promise<number | undefined>;
}
