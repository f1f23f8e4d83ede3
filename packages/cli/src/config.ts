/**
 * Where requests go and who signs them: endpoint, region, addressing style and credentials,
 * from flags first, then the environment variables the official OSS docs use.
 */
import { isIP } from 'node:net';
import type { OptionSpec, ParsedArgs } from './args.js';
import { flag, str } from './args.js';
import { UsageError } from './errors.js';

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken?: string;
}

export interface Endpoint {
  readonly protocol: 'http' | 'https';
  /** Host name or IP literal (IPv6 in brackets), no port. */
  readonly hostname: string;
  /** Explicit port, if the endpoint named one. */
  readonly port?: number;
}

/**
 * How the bucket is addressed (oss-signature.md §1.3): `virtual` = bucket.host/key (OSS's only
 * accepted style on public endpoints), `path` = host/bucket/key (IPs, localhost, Pail), `cname`
 * = a custom domain bound to one bucket, host/key. The signature covers /bucket/key in all three.
 */
export type Addressing = 'virtual' | 'path' | 'cname';

export interface Connection {
  readonly endpoint: Endpoint;
  readonly region: string;
  readonly addressing: Addressing;
}

/** The region both ali-oss and the OSS docs default to. */
export const DEFAULT_REGION = 'cn-hangzhou';

/** Flags shared by every command that talks to OSS. */
export const CONNECTION_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'endpoint',
    value: 'URL',
    type: 'string',
    description: 'Service endpoint, e.g. http://127.0.0.1:9000 or oss-cn-hangzhou.aliyuncs.com (default: $OSS_ENDPOINT, else from --region)',
  },
  { name: 'region', value: 'REGION', type: 'string', description: `Region for the V4 signature scope (default: $OSS_REGION, else from the endpoint host, else ${DEFAULT_REGION})` },
  { name: 'path-style', type: 'boolean', description: 'Address buckets as ENDPOINT/bucket/key (automatic for localhost and IP endpoints)' },
  { name: 'cname', type: 'boolean', description: 'The endpoint is a custom domain bound to the bucket (ENDPOINT/key)' },
  { name: 'insecure', type: 'boolean', description: 'Use http:// for an endpoint given without a scheme' },
  { name: 'secure', type: 'boolean', description: 'Use https:// for an endpoint given without a scheme (the default)' },
];

export const STS_OPTION: OptionSpec = {
  name: 'sts-token',
  value: 'TOKEN',
  type: 'string',
  description: 'STS security token (default: $OSS_SESSION_TOKEN)',
};

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN, the variables the OSS
 * docs tell users to export. Values are trimmed: stray whitespace in a pasted key is the
 * classic "signature does not match" (oss-signature.md §6 pitfall 22).
 */
export function readCredentials(env: Env, stsToken?: string): Credentials {
  const accessKeyId = env['OSS_ACCESS_KEY_ID']?.trim() ?? '';
  const accessKeySecret = env['OSS_ACCESS_KEY_SECRET']?.trim() ?? '';
  const missing = [!accessKeyId && 'OSS_ACCESS_KEY_ID', !accessKeySecret && 'OSS_ACCESS_KEY_SECRET'].filter(Boolean);
  if (missing.length > 0) {
    throw new UsageError(`missing credentials: set ${missing.join(' and ')} in the environment`);
  }
  const token = (stsToken ?? env['OSS_SESSION_TOKEN'])?.trim();
  return token ? { accessKeyId, accessKeySecret, securityToken: token } : { accessKeyId, accessKeySecret };
}

const ENDPOINT_RE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?(\[[0-9a-fA-F:.]+\]|[^/:[\]\s?#@]+)(?::(\d{1,5}))?\/?$/;

/** Parses `http://host:port`, `https://host`, or a bare `host[:port]` (scheme from `secure`). */
export function parseEndpoint(s: string, secure: boolean): Endpoint {
  const m = ENDPOINT_RE.exec(s.trim());
  if (!m) throw new UsageError(`invalid endpoint '${s}' (expected http(s)://host[:port])`);
  const scheme = (m[1] ?? (secure ? 'https' : 'http')).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw new UsageError(`invalid endpoint '${s}': scheme must be http or https`);
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (port !== undefined && (port < 1 || port > 65535)) throw new UsageError(`invalid endpoint '${s}': bad port`);
  const hostname = m[2]!.toLowerCase();
  return port === undefined ? { protocol: scheme, hostname } : { protocol: scheme, hostname, port };
}

/** `host[:port]` as it goes in the Host header (default ports omitted). */
export function hostHeader(e: Endpoint): string {
  const dflt = e.protocol === 'https' ? 443 : 80;
  return e.port === undefined || e.port === dflt ? e.hostname : `${e.hostname}:${e.port}`;
}

export function formatEndpoint(e: Endpoint): string {
  return `${e.protocol}://${hostHeader(e)}`;
}

/** localhost and IP literals cannot carry a bucket sub-domain: path style is the only choice. */
export function isLocalHost(hostname: string): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) !== 0 || bare === 'localhost' || bare.endsWith('.localhost');
}

// oss-signature.md §1.4: the bare region id from an OSS host name; acceleration endpoints
// carry none.
const OSS_HOST_RE = /^(?:[^.]+\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/;

export function regionFromHost(hostname: string): string | undefined {
  const m = OSS_HOST_RE.exec(hostname);
  if (!m || m[1]!.startsWith('accelerate')) return undefined;
  return m[1];
}

/**
 * Resolves the connection: endpoint from --endpoint, $OSS_ENDPOINT, or the public OSS endpoint
 * of the region; region from --region, $OSS_REGION, the endpoint host, or the default.
 * `defaultRegion` lets an offline command (presign) fall back to the default region's public
 * endpoint; commands that send requests insist on being told where to go, so a forgotten
 * --endpoint never sends a local key id to Alibaba Cloud.
 */
export function resolveConnection(args: ParsedArgs, env: Env, opts: { defaultRegion?: boolean } = {}): Connection {
  const secure = !flag(args, 'insecure');
  if (flag(args, 'insecure') && flag(args, 'secure')) throw new UsageError('--secure and --insecure contradict each other');
  if (flag(args, 'path-style') && flag(args, 'cname')) throw new UsageError('--path-style and --cname contradict each other');
  // The region as the user wrote it: ali-oss style `oss-cn-hangzhou` is accepted (§1.4).
  const regionArg = (str(args, 'region') ?? env['OSS_REGION'])?.trim().replace(/^oss-/, '') || undefined;
  const endpointArg = str(args, 'endpoint') ?? (env['OSS_ENDPOINT']?.trim() || undefined);
  let endpoint: Endpoint;
  if (endpointArg !== undefined) {
    endpoint = parseEndpoint(endpointArg, secure);
  } else if (regionArg !== undefined || opts.defaultRegion) {
    endpoint = { protocol: secure ? 'https' : 'http', hostname: `oss-${regionArg ?? DEFAULT_REGION}.aliyuncs.com` };
  } else {
    throw new UsageError(
      'no endpoint: pass --endpoint URL (e.g. http://127.0.0.1:9000 for `pail serve`), set OSS_ENDPOINT, or give --region for Alibaba Cloud OSS',
    );
  }
  if (regionArg !== undefined && !/^[a-z0-9][a-z0-9-]*$/.test(regionArg)) throw new UsageError(`invalid region '${regionArg}'`);
  const region = regionArg ?? regionFromHost(endpoint.hostname) ?? DEFAULT_REGION;
  const addressing: Addressing = flag(args, 'cname')
    ? 'cname'
    : flag(args, 'path-style') || isLocalHost(endpoint.hostname)
      ? 'path'
      : 'virtual';
  return { endpoint, region, addressing };
}
