/**
 * Server configuration: defaults, `pail serve` flags and PAIL_* environment variables
 * (flags win over the environment). `resolveServerConfig` throws an Error with a message fit
 * for the terminal on anything it cannot use.
 */
import { isAbsolute, resolve } from 'node:path';
import { type HttpLimits, LIMIT_FLAGS, type LimitFlag, limitEnvName, normalizeLimits, parseLimit } from './http/limits.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import { DEFAULT_MULTIPART_EXPIRY_MS, parseDuration } from './storage/expiry.js';

export interface ServerConfig {
  /** Interface to listen on. Default `127.0.0.1` (PAIL_HOST, --host). */
  readonly host: string;
  /** TCP port; 0 picks a free one. Default 9000 (PAIL_PORT, --port). */
  readonly port: number;
  /** Where objects and metadata live (absolute). Default `./.pail` (PAIL_DATA_DIR, --data-dir). */
  readonly dataDir: string;
  /** The bare region served, e.g. `cn-hangzhou` (PAIL_REGION, --region); `oss-` prefix accepted. */
  readonly region: string;
  /** Base domains for virtual-hosted style, lower-case (PAIL_DOMAIN comma-separated, --domain repeatable). */
  readonly domains: readonly string[];
  /** Default `info` (PAIL_LOG_LEVEL, --log-level). */
  readonly logLevel: LogLevel;
  /** Root key override (PAIL_ROOT_ACCESS_KEY_ID + PAIL_ROOT_ACCESS_KEY_SECRET, both or neither). */
  readonly rootAccessKeyId?: string;
  readonly rootAccessKeySecret?: string;
  /** `--example`: the CLI creates `examplebucket/exampleobject.txt` and prints a presigned URL. */
  readonly example?: boolean;
  /** How long a graceful shutdown waits for in-flight requests. Default 10 s. */
  readonly shutdownTimeoutMs?: number;
  /**
   * Multipart uploads initiated longer ago are aborted (ms; 0 = never). Default 7 days
   * (PAIL_MULTIPART_EXPIRY, --multipart-expiry: `7d`, `36h`, `90m`, seconds, `off`).
   */
  readonly multipartExpiryMs?: number;
  /**
   * Connection and request limits (http/limits.ts, docs/operations.md "Limits and timeouts"):
   * --max-connections, --headers-timeout, --request-timeout, --idle-timeout,
   * --keep-alive-timeout (seconds), --max-header-size (bytes), --max-headers; PAIL_MAX_CONNECTIONS…
   */
  readonly limits?: Readonly<Partial<HttpLimits>>;
  /** PEM certificate (chain) file: serve HTTPS (PAIL_TLS_CERT, --tls-cert; absolute once normalised). */
  readonly tlsCert?: string;
  /** PEM private key of `tlsCert` (PAIL_TLS_KEY, --tls-key). */
  readonly tlsKey?: string;
  /**
   * With a certificate: HTTPS on this port while `port` keeps plain HTTP (PAIL_TLS_PORT, --tls-port;
   * 0 picks a free one). Without it, HTTPS is served on `port` itself.
   */
  readonly tlsPort?: number;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 9000,
  dataDir: '.pail',
  region: 'cn-hangzhou',
  domains: ['localhost'],
  logLevel: 'info',
  shutdownTimeoutMs: 10_000,
  multipartExpiryMs: DEFAULT_MULTIPART_EXPIRY_MS,
} as const;

const FLAGS = [
  'host',
  'port',
  'data-dir',
  'region',
  'domain',
  'log-level',
  'multipart-expiry',
  'tls-cert',
  'tls-key',
  'tls-port',
  ...(Object.keys(LIMIT_FLAGS) as LimitFlag[]),
] as const;
type Flag = (typeof FLAGS)[number];

function fail(message: string): never {
  throw new Error(`pail serve: ${message}`);
}

export function parsePort(v: string, source: string): number {
  if (!/^\d{1,5}$/.test(v.trim()) || Number(v) > 65535) fail(`${source} must be an integer between 0 and 65535, got ${JSON.stringify(v)}`);
  return Number(v);
}

export function parseRegion(v: string, source: string): string {
  const r = v.trim().toLowerCase().replace(/^oss-/, '');
  if (!/^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(r)) fail(`${source} must be a region id such as cn-hangzhou, got ${JSON.stringify(v)}`);
  return r;
}

export function parseDomain(v: string, source: string): string {
  const d = v.trim().toLowerCase().replace(/\.$/, '');
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(d)) {
    fail(`${source} must be a host name without port or scheme (e.g. localhost, oss.example.com), got ${JSON.stringify(v)}`);
  }
  return d;
}

export function parseLogLevel(v: string, source: string): LogLevel {
  const l = v.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(l)) fail(`${source} must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(v)}`);
  return l as LogLevel;
}

export function parseMultipartExpiry(v: string, source: string): number {
  const ms = parseDuration(v);
  if (ms === undefined) fail(`${source} must be a duration such as 7d, 36h, 90m or 3600 (seconds), or off, got ${JSON.stringify(v)}`);
  return ms;
}

function parseHost(v: string, source: string): string {
  const h = v.trim();
  if (h === '' || /[\s/]/.test(h)) fail(`${source} must be a host name or IP address, got ${JSON.stringify(v)}`);
  return h;
}

/** Longest first (so `a.oss.test` prefers base `oss.test` over `test`), de-duplicated. */
function orderDomains(domains: readonly string[]): string[] {
  return [...new Set(domains)].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Fills defaults and normalises a partial config (what `startServer` accepts), validating
 * the fields a caller set programmatically the same way flags are validated.
 */
export function normalizeConfig(partial: Partial<ServerConfig>, cwd: string = process.cwd()): ServerConfig {
  const dataDir = partial.dataDir ?? DEFAULTS.dataDir;
  const rootId = partial.rootAccessKeyId;
  const rootSecret = partial.rootAccessKeySecret;
  if ((rootId === undefined) !== (rootSecret === undefined)) {
    fail('PAIL_ROOT_ACCESS_KEY_ID and PAIL_ROOT_ACCESS_KEY_SECRET must be set together');
  }
  for (const [name, v] of [
    ['PAIL_ROOT_ACCESS_KEY_ID', rootId],
    ['PAIL_ROOT_ACCESS_KEY_SECRET', rootSecret],
  ] as const) {
    if (v !== undefined && !/^[\x21-\x7e]{1,128}$/.test(v)) fail(`${name} must be 1-128 printable ASCII characters without spaces`);
  }
  const expiry = partial.multipartExpiryMs ?? DEFAULTS.multipartExpiryMs;
  if (!Number.isSafeInteger(expiry) || expiry < 0) fail(`multipartExpiryMs must be a non-negative integer (ms), got ${expiry}`);
  const port = partial.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be an integer between 0 and 65535, got ${port}`);
  const { tlsCert, tlsKey, tlsPort } = partial;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) fail('--tls-cert and --tls-key (PAIL_TLS_CERT, PAIL_TLS_KEY) must be given together');
  if (tlsPort !== undefined) {
    if (tlsCert === undefined) fail('--tls-port (PAIL_TLS_PORT) needs --tls-cert and --tls-key');
    if (!Number.isInteger(tlsPort) || tlsPort < 0 || tlsPort > 65535) fail(`tls-port must be an integer between 0 and 65535, got ${tlsPort}`);
    if (tlsPort !== 0 && tlsPort === port) fail(`--tls-port must differ from --port (both ${port}); leave --tls-port out to serve HTTPS on --port`);
  }
  return {
    host: partial.host === undefined ? DEFAULTS.host : parseHost(partial.host, 'host'),
    port,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    region: parseRegion(partial.region ?? DEFAULTS.region, 'region'),
    domains: orderDomains((partial.domains ?? DEFAULTS.domains).map((d) => parseDomain(d, 'domain'))),
    logLevel: partial.logLevel ?? DEFAULTS.logLevel,
    shutdownTimeoutMs: partial.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs,
    multipartExpiryMs: expiry,
    limits: normalizeLimits(partial.limits),
    ...(rootId !== undefined && rootSecret !== undefined ? { rootAccessKeyId: rootId, rootAccessKeySecret: rootSecret } : {}),
    ...(partial.example ? { example: true } : {}),
    ...(tlsCert !== undefined && tlsKey !== undefined ? { tlsCert: resolve(cwd, tlsCert), tlsKey: resolve(cwd, tlsKey) } : {}),
    ...(tlsPort !== undefined ? { tlsPort } : {}),
  };
}

/**
 * `pail serve [--host H] [--port N] [--data-dir D] [--region R] [--domain D]... [--log-level L]
 *  [--multipart-expiry DURATION] [--tls-cert FILE --tls-key FILE [--tls-port N]] [--example]`,
 * each flag also as `--flag=value`, each (but --example) also from the environment.
 */
export function resolveServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): ServerConfig {
  const flags: Partial<Record<Flag, string>> = {};
  const domainFlags: string[] = [];
  let example = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--example') {
      example = true;
      continue;
    }
    if (!arg.startsWith('--')) fail(`unexpected argument ${JSON.stringify(arg)}`);
    const eq = arg.indexOf('=');
    const name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)) as Flag;
    if (!(FLAGS as readonly string[]).includes(name)) fail(`unknown option --${name} (known: ${FLAGS.map((f) => `--${f}`).join(', ')}, --example)`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) fail(`option --${name} needs a value`);
      value = next;
      i++;
    }
    if (name === 'domain') domainFlags.push(...value.split(','));
    else flags[name] = value;
  }

  const pick = (flag: Flag, envName: string): [string, string] | undefined => {
    const f = flags[flag];
    if (f !== undefined) return [f, `--${flag}`];
    const e = env[envName];
    return e !== undefined && e !== '' ? [e, envName] : undefined;
  };

  const host = pick('host', 'PAIL_HOST');
  const port = pick('port', 'PAIL_PORT');
  const dataDir = pick('data-dir', 'PAIL_DATA_DIR');
  const region = pick('region', 'PAIL_REGION');
  const logLevel = pick('log-level', 'PAIL_LOG_LEVEL');
  const multipartExpiry = pick('multipart-expiry', 'PAIL_MULTIPART_EXPIRY');
  const tlsCert = pick('tls-cert', 'PAIL_TLS_CERT');
  const tlsKey = pick('tls-key', 'PAIL_TLS_KEY');
  const tlsPort = pick('tls-port', 'PAIL_TLS_PORT');
  let domains: string[] | undefined;
  if (domainFlags.length > 0) domains = domainFlags.filter((d) => d.trim() !== '').map((d) => parseDomain(d, '--domain'));
  else if (env['PAIL_DOMAIN']) {
    domains = env['PAIL_DOMAIN']
      .split(',')
      .filter((d) => d.trim() !== '')
      .map((d) => parseDomain(d, 'PAIL_DOMAIN'));
  }
  if (domains !== undefined && domains.length === 0) fail('at least one --domain is needed');

  const partial: { -readonly [K in keyof ServerConfig]?: ServerConfig[K] } = {};
  if (host) partial.host = parseHost(...host);
  if (port) partial.port = parsePort(...port);
  if (dataDir) {
    if (dataDir[0].trim() === '') fail(`${dataDir[1]} must not be empty`);
    partial.dataDir = dataDir[0];
  }
  if (region) partial.region = parseRegion(...region);
  if (logLevel) partial.logLevel = parseLogLevel(...logLevel);
  if (multipartExpiry) partial.multipartExpiryMs = parseMultipartExpiry(...multipartExpiry);
  for (const [v, field] of [
    [tlsCert, 'tlsCert'],
    [tlsKey, 'tlsKey'],
  ] as const) {
    if (!v) continue;
    if (v[0].trim() === '') fail(`${v[1]} must not be empty`);
    partial[field] = v[0];
  }
  if (tlsPort) partial.tlsPort = parsePort(...tlsPort);
  const limits: { -readonly [K in keyof HttpLimits]?: number } = {};
  for (const flag of Object.keys(LIMIT_FLAGS) as LimitFlag[]) {
    const v = pick(flag, limitEnvName(flag));
    if (!v) continue;
    const parsed = parseLimit(flag, v[0]);
    if (typeof parsed === 'string') fail(`${v[1]} ${parsed}`);
    limits[LIMIT_FLAGS[flag].field] = parsed;
  }
  if (Object.keys(limits).length > 0) partial.limits = limits;
  if (domains) partial.domains = domains;
  const rootId = env['PAIL_ROOT_ACCESS_KEY_ID'];
  const rootSecret = env['PAIL_ROOT_ACCESS_KEY_SECRET'];
  if (rootId) partial.rootAccessKeyId = rootId;
  if (rootSecret) partial.rootAccessKeySecret = rootSecret;
  if (example) partial.example = true;
  return normalizeConfig(partial, cwd);
}
