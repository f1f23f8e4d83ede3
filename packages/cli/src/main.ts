/**
 * `pail`: presign URLs, run a server, and do daily object-store work against Pail or Alibaba
 * Cloud OSS. Exit codes: 0 success, 1 the operation failed, 2 the command line was wrong
 * (docs/cli.md).
 */
import { readFileSync } from 'node:fs';
import { formatHelp, parseArgs } from './args.js';
import type { Command } from './command.js';
import { cat } from './commands/cat.js';
import { cp } from './commands/cp.js';
import { devCert } from './commands/dev-cert.js';
import { get } from './commands/get.js';
import { ls } from './commands/ls.js';
import { mb } from './commands/mb.js';
import { presign } from './commands/presign.js';
import { rb } from './commands/rb.js';
import { rm } from './commands/rm.js';
import { serve } from './commands/serve.js';
import { stat } from './commands/stat.js';
import { UsageError, describeError, exitCodeFor } from './errors.js';

export const COMMANDS: readonly Command[] = [presign, serve, devCert, ls, mb, rb, cp, rm, stat, cat, get];

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return [
    'pail - a self-hosted object store speaking the Alibaba Cloud OSS API, and a client for it',
    '',
    'Usage: pail <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)}${c.spec.summary}`),
    '',
    'Global options:',
    '  -h, --help     Show help (also: pail <command> --help, pail help <command>)',
    '  -V, --version  Print the version',
    '',
    'Credentials come from OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN; the',
    'endpoint from --endpoint or OSS_ENDPOINT. Exit codes: 0 ok, 1 failed, 2 usage error.',
    '',
    'Quick start:',
    '  pail serve                                  # prints a root key on first start',
    '  export OSS_ACCESS_KEY_ID=... OSS_ACCESS_KEY_SECRET=... OSS_ENDPOINT=http://127.0.0.1:9000',
    '  pail mb oss://photos && pail cp cat.jpg oss://photos/ && pail presign oss://photos/cat.jpg',
    '',
  ].join('\n');
}

/** Runs one `pail` invocation; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(globalHelp());
    return 2;
  }
  if (first === '--help' || first === '-h') {
    process.stdout.write(globalHelp());
    return 0;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    process.stdout.write(`pail ${version()}\n`);
    return 0;
  }
  let name = first;
  let args = rest;
  if (first === 'help') {
    if (rest[0] === undefined) {
      process.stdout.write(globalHelp());
      return 0;
    }
    name = rest[0];
    args = ['--help'];
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  try {
    if (!command) {
      throw new UsageError(
        name.startsWith('-') ? `unknown option ${name} (see 'pail --help')` : `unknown command '${name}' (see 'pail --help')`,
      );
    }
    const parsed = parseArgs(command.spec, args);
    if (parsed.values.get('help') === true) {
      process.stdout.write(formatHelp(command.spec));
      return 0;
    }
    return (await command.run({ args: parsed, env: process.env, stdout: process.stdout, stderr: process.stderr })) ?? 0;
  } catch (err) {
    const prefix = command ? `pail ${command.spec.name}: ` : 'pail: ';
    const line = describeError(err);
    process.stderr.write(`${line.startsWith('pail') ? '' : prefix}${line}\n`);
    if (process.env['PAIL_DEBUG'] && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeFor(err);
  }
}

// A reader that went away (`pail ls | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// Set the exit code and let the event loop drain (process.exit could cut off piped stdout).
// `pail serve` keeps running on its listening socket.
process.exitCode = await main(process.argv.slice(2));
