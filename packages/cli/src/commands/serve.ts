import { join } from 'node:path';
import type { ServerConfig } from '@pail/server';
import type { OptionSpec } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { shellQuote } from '../format.js';

/** Flags understood by the server's own config resolver; the CLI only validates and forwards them. */
const SERVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'host', value: 'ADDR', type: 'string', description: 'Address to listen on (default 127.0.0.1; $PAIL_HOST)' },
  { name: 'port', value: 'PORT', type: 'string', description: 'Port to listen on, 0 = any free port (default 9000; $PAIL_PORT)' },
  { name: 'data-dir', value: 'DIR', type: 'string', description: 'Where objects and metadata live (default ./.pail; $PAIL_DATA_DIR)' },
  { name: 'region', value: 'REGION', type: 'string', description: 'Region clients sign for (default cn-hangzhou; $PAIL_REGION)' },
  {
    name: 'domain',
    value: 'DOMAIN',
    type: 'string',
    multiple: true,
    description: 'Base domain for virtual-hosted buckets, bucket.DOMAIN (default localhost; $PAIL_DOMAIN)',
  },
  { name: 'log-level', value: 'LEVEL', type: 'string', description: 'debug, info, warn, error, silent (default info; $PAIL_LOG_LEVEL)' },
  {
    name: 'multipart-expiry',
    value: 'DURATION',
    type: 'string',
    description: 'Abort multipart uploads older than this: 7d, 36h, 90m, seconds, off (default 7d; $PAIL_MULTIPART_EXPIRY)',
  },
  // HTTPS (docs/compatibility.md "HTTPS"; `pail dev-cert` makes a development certificate).
  { name: 'tls-cert', value: 'FILE', type: 'string', description: 'PEM certificate (chain): serve HTTPS ($PAIL_TLS_CERT)' },
  { name: 'tls-key', value: 'FILE', type: 'string', description: 'PEM private key of --tls-cert ($PAIL_TLS_KEY)' },
  {
    name: 'tls-port',
    value: 'PORT',
    type: 'string',
    description: 'HTTPS on this port and plain HTTP on --port; without it HTTPS is on --port ($PAIL_TLS_PORT)',
  },
  // Limits and timeouts (server http/limits.ts; docs/operations.md "Limits and timeouts").
  { name: 'max-connections', value: 'N', type: 'string', description: 'Open connections at most, 0 = no limit (default 4096; $PAIL_MAX_CONNECTIONS)' },
  { name: 'headers-timeout', value: 'SECONDS', type: 'string', description: 'Time to send the request headers (default 35; $PAIL_HEADERS_TIMEOUT)' },
  { name: 'request-timeout', value: 'SECONDS', type: 'string', description: 'Time to send a whole request, 0 = none (default 3600; $PAIL_REQUEST_TIMEOUT)' },
  { name: 'idle-timeout', value: 'SECONDS', type: 'string', description: 'Drop a connection idle this long, 0 = never (default 120; $PAIL_IDLE_TIMEOUT)' },
  { name: 'keep-alive-timeout', value: 'SECONDS', type: 'string', description: 'Close idle keep-alive connections after (default 30; $PAIL_KEEP_ALIVE_TIMEOUT)' },
  { name: 'max-header-size', value: 'BYTES', type: 'string', description: 'Request line + headers at most (default 16384; $PAIL_MAX_HEADER_SIZE)' },
  { name: 'max-headers', value: 'N', type: 'string', description: 'Header fields per request at most (default 200; $PAIL_MAX_HEADERS)' },
];

export const serve: Command = {
  spec: {
    name: 'serve',
    summary: 'run a Pail server (an OSS-compatible object store) in the foreground',
    usage: [
      'serve [--host ADDR] [--port PORT] [--data-dir DIR] [--region REGION] [--domain DOMAIN]... [--example]',
      'serve --tls-cert FILE --tls-key FILE [--tls-port PORT] [options]',
    ],
    options: [
      ...SERVER_OPTIONS,
      { name: 'example', type: 'boolean', description: 'Create examplebucket/exampleobject.txt and print a presigned URL for it' },
    ],
    minPositionals: 0,
    maxPositionals: 0,
    details: [
      'On the first start a root access key is created and printed once; keep it. Settings can also',
      'come from PAIL_* environment variables (see docs/operations.md). Stop with Ctrl+C (SIGINT)',
      'or SIGTERM: in-flight requests finish, then the server exits.',
      '',
      'Examples:',
      '  pail serve',
      '  pail serve --port 9000 --data-dir /var/lib/pail --domain oss.example.test',
      '  npm start          (= pail serve --example)',
      '  pail dev-cert && pail serve --tls-cert .pail/tls/cert.pem --tls-key .pail/tls/key.pem --tls-port 9443',
    ].join('\n'),
  },
  async run(ctx) {
    // The server resolves its own configuration (flags + PAIL_* env, --example included); the
    // table above only gives early usage errors and --help.
    // Loaded on demand: the client commands never pay for the server (SQLite, native code).
    const { ensureExample, resolveServerConfig, startServer } = await import('@pail/server');
    let config: ServerConfig;
    try {
      config = resolveServerConfig(ctx.args.rawArgv, ctx.env);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const server = await startServer(config);
    const out = ctx.stdout;
    let stopping: Promise<void> | undefined;
    const stop = (signal: string): void => {
      if (stopping) {
        out.write(`\n${signal} again: exiting now\n`);
        process.exit(1);
      }
      out.write(`\n${signal}: stopping (finishing in-flight requests)…\n`);
      stopping = Promise.resolve(server.close()).then(
        () => {
          out.write('Pail stopped.\n');
          process.exit(0);
        },
        (e: unknown) => {
          ctx.stderr.write(`pail serve: error while stopping: ${(e as Error).message}\n`);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));

    const endpoint = server.url.replace(/\/$/, '');
    out.write(`Pail is listening on ${endpoint}  (region ${config.region}, data in ${config.dataDir})\n`);
    if (server.tlsUrl !== undefined && server.tlsUrl !== server.url) out.write(`HTTPS on ${server.tlsUrl}\n`);
    if (server.createdRootKey) {
      const { accessKeyId, accessKeySecret } = server.rootCredentials;
      out.write(
        [
          '',
          'A root access key was created. It is shown only this once: store it somewhere safe.',
          `  OSS_ACCESS_KEY_ID=${accessKeyId}`,
          `  OSS_ACCESS_KEY_SECRET=${accessKeySecret}`,
          '',
          'Try it (presign a download URL for the example object):',
          `  OSS_ACCESS_KEY_ID=${shellQuote(accessKeyId)} OSS_ACCESS_KEY_SECRET=${shellQuote(accessKeySecret)} npx pail presign oss://examplebucket/exampleobject.txt --endpoint ${endpoint} --path-style`,
          '',
        ].join('\n'),
      );
    }
    if (!server.createdRootKey) {
      const where =
        config.rootAccessKeyId !== undefined ? 'PAIL_ROOT_ACCESS_KEY_ID/SECRET' : join(config.dataDir, 'root-credentials.json');
      out.write(`Root access key ${server.rootCredentials.accessKeyId} (secret: ${where})\n`);
    }
    if (config.example) {
      const url = await ensureExample(server);
      out.write(
        [
          '',
          'Example object examplebucket/exampleobject.txt is ready. Presigned download URL:',
          `  ${url}`,
          'Fetch it with:',
          `  curl ${shellQuote(url)}`,
          '',
        ].join('\n'),
      );
    }
    out.write('Press Ctrl+C to stop.\n');
    // The listening socket keeps the process alive; the signal handlers end it.
    return 0;
  },
};
