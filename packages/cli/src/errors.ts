/**
 * The three ways a command can fail, and the exit code each maps to (docs/cli.md "Exit codes"):
 * 2 for a usage problem (the command line itself is wrong), 1 for everything that happened
 * while doing the work (OSS error, local file error, network).
 */

/** The command line is wrong: unknown flag, missing argument, bad value. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A local failure worth a one-line explanation (file not found, size mismatch…). Exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/**
 * An error answer from an OSS-compatible server, with the fields the OSS error XML carries
 * (oss-signature.md §4.1): `Code`, `Message`, `RequestId`, `EC`.
 */
export class OssError extends Error {
  override readonly name = 'OssError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | undefined,
    readonly ec: string | undefined,
  ) {
    super(message);
  }

  /** One line: `NoSuchKey: The specified key does not exist. (HTTP 404, RequestId 5C3D…)`. */
  describe(): string {
    const extra = [`HTTP ${this.status}`];
    if (this.requestId) extra.push(`RequestId ${this.requestId}`);
    if (this.ec) extra.push(`EC ${this.ec}`);
    const msg = this.message ? `: ${this.message}` : '';
    return `${this.code}${msg} (${extra.join(', ')})`;
  }
}

/** Exit code for a thrown value (see the class comments above). */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError ? 2 : 1;
}

/** The single stderr line for a thrown value; never multi-line, never a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof OssError) return err.describe();
  if (err instanceof UsageError || err instanceof CliError) return oneLine(err.message);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    // Node system errors already name the path and the syscall ("ENOENT: no such file…").
    if (code === 'ECONNREFUSED') return `cannot connect: ${oneLine(err.message)} (is the server running? check --endpoint)`;
    return oneLine(err.message);
  }
  return oneLine(String(err));
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
