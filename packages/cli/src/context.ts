/** What every command receives: its parsed arguments, the environment and the output streams. */
import type { ParsedArgs } from './args.js';
import { str } from './args.js';
import { readCredentials, resolveConnection } from './config.js';
import type { Transport } from './http.js';
import { createTransport } from './http.js';

export interface Context {
  readonly args: ParsedArgs;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
}

/** Endpoint + credentials from flags/environment → a signed transport. Close it when done. */
export function connect(ctx: Context, maxSockets = 8): Transport {
  const conn = resolveConnection(ctx.args, ctx.env);
  const creds = readCredentials(ctx.env, str(ctx.args, 'sts-token'));
  return createTransport(conn, creds, maxSockets);
}

/** Runs `fn` with a transport and always releases its keep-alive sockets. */
export async function withTransport<T>(ctx: Context, fn: (t: Transport) => Promise<T>, maxSockets = 8): Promise<T> {
  const t = connect(ctx, maxSockets);
  try {
    return await fn(t);
  } finally {
    t.close();
  }
}
