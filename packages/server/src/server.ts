/**
 * Running Pail: data directory, root key, storage, the core, an http (and optional https)
 * listener, graceful shutdown. `startServer` is what `pail serve`, the conformance suite and
 * the benchmark call.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { presignUrlSync } from '@pail/sign';
import { loadOrCreateRootCredentials, type RootCredentials } from './auth/root-credentials.js';
import { rootEntry, StaticAccessKeyStore } from './auth/keys.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { normalizeConfig, type ServerConfig } from './config.js';
import { type Core, createCore } from './core.js';
import { createRequestHandler, handleClientError, handleConnect } from './http/adapter.js';
import { applyLimits, DEFAULT_LIMITS, type HttpLimits, normalizeLimits, refusal, refuse, serverOptions } from './http/limits.js';
import { createLogger, type Logger } from './log.js';
import { DEFAULT_MULTIPART_EXPIRY_MS, startUploadExpiry } from './storage/expiry.js';
import { openStorage } from './storage/storage.js';
import { StorageError, type Storage } from './storage/types.js';

/** Defaults of --keep-alive-timeout and --headers-timeout (the reasons are in http/limits.ts). */
export const KEEP_ALIVE_TIMEOUT_MS = DEFAULT_LIMITS.keepAliveTimeoutMs;
export const HEADERS_TIMEOUT_MS = DEFAULT_LIMITS.headersTimeoutMs;
/** The least `close` waits for requests in flight after their connections were closed. */
const CLOSE_GRACE_MS = 500;

/** TLS settings (config.ts: `tlsCert`, `tlsKey`, `tlsPort`; see there for the two layouts). */
export type TlsOptions = Pick<ServerConfig, 'tlsCert' | 'tlsKey' | 'tlsPort'>;

export type StartServerOptions = Partial<ServerConfig> &
  TlsOptions & {
    /** The core's only time source (auth windows, Last-Modified, storage). Default: system clock. */
    readonly clock?: Clock;
    /**
     * Default: JSON/pretty lines on stdout at `logLevel` (the config default, `info`, when no
     * level was given). In-process test servers pass `logLevel: 'warn'` or their own `log`.
     */
    readonly log?: Logger;
    /** Install SIGTERM/SIGINT handlers that shut the server down gracefully. Default false. */
    readonly handleSignals?: boolean;
  };

export interface RunningServer {
  /** `http://host:port` (IPv6 hosts bracketed; a wildcard host is reported as 127.0.0.1). */
  readonly url: string;
  readonly port: number;
  readonly host: string;
  /** The https listener, when configured (equal to `port` when HTTPS is served on `--port`). */
  readonly tlsPort?: number;
  readonly tlsUrl?: string;
  readonly rootCredentials: RootCredentials;
  /** true when this start created the root key (the CLI prints it once). */
  readonly createdRootKey: boolean;
  readonly core: Core;
  readonly config: ServerConfig;
  readonly log: Logger;
  /** Graceful: stop accepting, finish in-flight requests (up to shutdownTimeoutMs), close storage. Idempotent. */
  close(): Promise<void>;
}

/** Reads the PEM files up front, so a wrong path or a key that does not fit fails the start clearly. */
async function readTls(certFile: string, keyFile: string): Promise<{ cert: Buffer; key: Buffer }> {
  const read = (file: string, what: string) =>
    readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new Error(`pail serve: cannot read ${what} ${file}: ${e.code ?? e.message}`);
    });
  const [cert, key] = await Promise.all([read(certFile, '--tls-cert'), read(keyFile, '--tls-key')]);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    throw new Error(`pail serve: --tls-cert ${certFile} and --tls-key ${keyFile} are not a usable pair: ${(e as Error).message}`);
  }
  return { cert, key };
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function serverFor(server: Server, handle: ReturnType<typeof createRequestHandler>, clock: Clock, limits: HttpLimits): Server {
  const handler = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => {
    const refused = refusal(req, limits);
    if (refused) refuse(req, res, refused, clock.now());
    else handle(req, res, expectContinue);
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => handler(req, res, false));
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => handler(req, res, true));
  // Other expectations are ignored (RFC 9110 §10.1.1 allows it), not refused with a bare 417.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => handler(req, res, false));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => handleClientError(err, socket, () => clock.now()));
  server.on('connect', (req: IncomingMessage, socket: Duplex) => handleConnect(req, socket, () => clock.now()));
  applyLimits(server, limits);
  return server;
}

async function closeListener(server: Server, deadline: number, log: Logger): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Keep-alive sockets become idle as their last response ends (they carry Connection: close
  // now, but a client may have pipelined); sweep them until everything is closed or time is up.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())).unref());
  const outcome = await Promise.race([closed.then(() => 'closed' as const), timer]);
  clearInterval(sweep);
  if (outcome === 'timeout') {
    log.warn('shutdown deadline reached; closing remaining connections');
    server.closeAllConnections();
    await closed;
  }
}

/**
 * Starts Pail. Listens first (so `/-/health` answers while storage recovers; `/-/ready` and
 * every OSS request answer 503 until then), then opens and recovers storage, then resolves.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = normalizeConfig(options);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel });

  let credentials: RootCredentials;
  let createdRootKey = false;
  if (config.rootAccessKeyId !== undefined && config.rootAccessKeySecret !== undefined) {
    credentials = { accessKeyId: config.rootAccessKeyId, accessKeySecret: config.rootAccessKeySecret };
  } else {
    const r = await loadOrCreateRootCredentials(config.dataDir);
    credentials = r.credentials;
    createdRootKey = r.created;
  }
  const keys = new StaticAccessKeyStore([rootEntry(credentials.accessKeyId, credentials.accessKeySecret)]);
  const core = createCore({ region: config.region, domains: config.domains, keys, clock, log });

  let closing = false;
  const handler = createRequestHandler(core, { log, closing: () => closing });
  const limits = normalizeLimits(config.limits);
  // TLS (docs/compatibility.md, "HTTPS"): with --tls-port, HTTPS there and plain HTTP on --port;
  // without it, HTTPS on --port alone.
  const tls = config.tlsCert && config.tlsKey ? await readTls(config.tlsCert, config.tlsKey) : undefined;
  const httpsServer = (): Server =>
    serverFor(createHttpsServer({ ...tls, ...serverOptions(limits) }) as unknown as Server, handler, clock, limits);
  const tlsOnly = tls !== undefined && config.tlsPort === undefined;
  const http = tlsOnly ? httpsServer() : serverFor(createHttpServer(serverOptions(limits)), handler, clock, limits);
  let https: Server | undefined;
  const servers: Server[] = [http];
  let port: number;
  let tlsPort: number | undefined;
  try {
    port = await listen(http, config.port, config.host);
    if (tlsOnly) tlsPort = port;
    else if (tls && config.tlsPort !== undefined) {
      https = httpsServer();
      servers.push(https);
      tlsPort = await listen(https, config.tlsPort, config.host);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => closeListener(s, Date.now(), log)));
    throw e;
  }

  let storage: Storage;
  try {
    storage = await openStorage({ dataDir: config.dataDir, clock });
    const swept = await storage.recover();
    if (swept.tempFiles > 0 || swept.orphanBlobs > 0) log.info('storage recovered', swept);
  } catch (e) {
    await Promise.all(servers.map((s) => closeListener(s, Date.now(), log)));
    throw e;
  }
  core.setStorage(storage);
  // Stale multipart uploads are aborted in the background (ages by the injected clock).
  const expiry = startUploadExpiry(storage, {
    maxAgeMs: config.multipartExpiryMs ?? DEFAULT_MULTIPART_EXPIRY_MS,
    onSweep: (r) => {
      if ('error' in r) log.warn('multipart expiry sweep failed', { error: r.error });
      else if (r.aborted > 0) log.info('stale multipart uploads aborted', { aborted: r.aborted });
    },
  });

  const host = urlHost(config.host);
  const url = `${tlsOnly ? 'https' : 'http'}://${host}:${port}`;
  let closePromise: Promise<void> | undefined;
  let removeSignals: (() => void) | undefined;
  const running: RunningServer = {
    url,
    port,
    host: config.host,
    ...(tlsPort !== undefined ? { tlsPort, tlsUrl: `https://${host}:${tlsPort}` } : {}),
    rootCredentials: credentials,
    createdRootKey,
    core,
    config,
    log,
    close() {
      closePromise ??= (async () => {
        closing = true;
        core.beginShutdown();
        removeSignals?.();
        const deadline = Date.now() + (config.shutdownTimeoutMs ?? 10_000);
        await Promise.all(servers.map((s) => closeListener(s, deadline, log)));
        await expiry.stop();
        // Requests whose connections just closed still finish their work (and call `done`) before
        // the metadata store closes; a short grace even when the deadline has passed.
        await core.close({ timeoutMs: Math.max(CLOSE_GRACE_MS, deadline - Date.now()) });
        log.info('pail stopped');
      })();
      return closePromise;
    },
  };
  if (options.handleSignals) removeSignals = installSignalHandlers(running);
  log.info('pail listening', { url, ...(tlsPort !== undefined ? { tlsUrl: running.tlsUrl } : {}), dataDir: config.dataDir, region: config.region, domains: config.domains });
  return running;
}

/**
 * SIGTERM/SIGINT → graceful close, then exit 0 (a second signal exits 1 at once).
 * Returns a function that removes the handlers.
 */
export function installSignalHandlers(server: RunningServer): () => void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      server.log.warn('second signal; exiting now', { signal });
      process.exit(1);
    }
    received = true;
    server.log.info('shutting down', { signal });
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.log.error('shutdown failed', { error: err });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    if (received) return; // keep listening for the "second signal" while the first one drains
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}

export const EXAMPLE_BUCKET = 'examplebucket';
export const EXAMPLE_KEY = 'exampleobject.txt';
const EXAMPLE_BODY = 'Hello from Pail! This object was created by `pail serve --example`.\n';

/**
 * Creates bucket `examplebucket` with `exampleobject.txt` (unless they exist) and returns a
 * V4 presigned GET URL for it, path-style on the server's own address, valid `expires` seconds.
 */
export async function ensureExample(server: RunningServer, expires = 3600): Promise<string> {
  const storage = server.core.storage;
  if (!storage) throw new Error('ensureExample: the server is not ready (storage closed or not opened)');
  const now = server.core.clock.now();
  if (!(await storage.metadata.getBucket(EXAMPLE_BUCKET))) {
    try {
      await storage.metadata.createBucket({
        name: EXAMPLE_BUCKET,
        createdAt: now,
        acl: 'private',
        storageClass: 'Standard',
        region: server.config.region,
        owner: server.rootCredentials.accessKeyId,
      });
    } catch (e) {
      if (!(e instanceof StorageError && e.code === 'BucketAlreadyExists')) throw e;
    }
  }
  if (!(await storage.metadata.getObject(EXAMPLE_BUCKET, EXAMPLE_KEY))) {
    try {
      await storage.putObject({
        bucket: EXAMPLE_BUCKET,
        key: EXAMPLE_KEY,
        body: (async function* () {
          yield Buffer.from(EXAMPLE_BODY);
        })(),
        expectedSize: Buffer.byteLength(EXAMPLE_BODY),
        forbidOverwrite: true,
        httpHeaders: { contentType: 'text/plain' },
      });
    } catch (e) {
      if (!(e instanceof StorageError && e.code === 'FileAlreadyExists')) throw e;
    }
  }
  return presignUrlSync({
    endpoint: server.url,
    pathStyle: true,
    region: server.config.region,
    credentials: server.rootCredentials,
    bucket: EXAMPLE_BUCKET,
    key: EXAMPLE_KEY,
    expires,
    date: server.core.clock.now(),
  }).url;
}
