/**
 * Endpoint parsing and URL building (virtual-hosted, path-style, CNAME), shared by the signers
 * and `buildRequestUrl`. No WHATWG `URL`: it would collapse `./` and `../` segments of keys
 * (oss-signature.md §1.2, pitfall 4).
 */
import { bad, checkBucket, encodeKey, uriEncode } from './encode.js';
import type { EndpointOptions, QueryInput, RequestTarget } from './types.js';

interface Endpoint {
  protocol: 'http:' | 'https:';
  hostname: string;
  port: number | undefined;
  /** hostname[:port], default port dropped (it is what a client sends as `Host`). */
  host: string;
  ip: boolean;
}

// [scheme://]host[:port][/] — host: IPv4 or [IPv6] (group 3), or a DNS name.
const ENDPOINT = /^(?:(https?):\/\/)?(([\d.]+|\[[0-9a-f:.]+\])|[a-z0-9_.-]+)(?::(\d{1,5}))?\/?$/;
// §1.4: `[bucket.]oss-<region>[-internal].aliyuncs.com`; acceleration endpoints carry no region.
const ALIYUN_HOST = /^(?:[^.]+\.)?oss-(?!accelerate)([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/;
const REGION = /^[a-z0-9][a-z0-9-]*$/;

// One-entry memo: a signer usually talks to one endpoint, and this runs on every presign.
let memo: [string, boolean | undefined, Endpoint] | undefined;

function parseEndpoint(endpoint: string, secure: boolean | undefined): Endpoint {
  if (memo && endpoint === memo[0] && secure === memo[1]) return memo[2];
  const m = ENDPOINT.exec(String(endpoint).trim().toLowerCase());
  if (!m || +(m[4] ?? 0) > 65535) return bad(`invalid endpoint: ${endpoint}`);
  const protocol = m[1] ? (`${m[1]}:` as Endpoint['protocol']) : secure === false ? 'http:' : 'https:';
  const hostname = m[2]!;
  let port = m[4] ? +m[4] : undefined;
  if (port === (protocol === 'https:' ? 443 : 80)) port = undefined;
  const ep: Endpoint = { protocol, hostname, port, host: port ? `${hostname}:${port}` : hostname, ip: !!m[3] };
  memo = [endpoint, secure, ep];
  return ep;
}

/**
 * The bare V4 scope region (§1.4): an explicit `region` (`oss-` prefix stripped), else derived
 * from an `*.aliyuncs.com` endpoint. Acceleration endpoints and custom hosts carry none.
 * @throws TypeError when no region can be determined.
 */
export function resolveRegion(region: string | undefined, endpoint?: string): string {
  if (region !== undefined) {
    const r = region.startsWith('oss-') ? region.slice(4) : region;
    return REGION.test(r) ? r : bad(`invalid region: ${region}`);
  }
  const m = endpoint === undefined ? null : ALIYUN_HOST.exec(parseEndpoint(endpoint, true).hostname);
  return m ? m[1]! : bad('region is required');
}

export type Pair = [string, string | null];

/** A user query object as `[name, value|null]` pairs in insertion order; `undefined` skipped. */
export function queryPairs(query: QueryInput | undefined): Pair[] {
  const out: Pair[] = [];
  for (const k in query) {
    const v = query[k];
    if (v !== undefined) out.push([k, v === null ? null : String(v)]);
  }
  return out;
}

/** Strictly encode every pair once; the result feeds both the canonical query and the URL. */
export function encodePairs(pairs: readonly Pair[]): Pair[] {
  return pairs.map(([k, v]) => [uriEncode(k, false), v === null ? null : uriEncode(v, false)]);
}

/**
 * Pairs → query string, `null` → bare name. `canonical`: `''` is a bare name too, as in the V4
 * canonical query and the V1 sub-resources (§2.1.3, §3.2).
 */
export function urlQuery(pairs: readonly Pair[], canonical?: boolean): string {
  let s = '';
  for (const [k, v] of pairs) s += (s ? '&' : '') + (v === null || (canonical && !v) ? k : k + '=' + v);
  return s;
}

export interface TargetInput extends EndpointOptions {
  region?: string | undefined;
  bucket?: string | undefined;
}

/**
 * Build the URL a request goes to. Virtual-hosted by default (`https://bucket.endpoint/key`);
 * `pathStyle` (implied for IP endpoints, as Go SDK v2 does) puts the bucket in the path; `cname`
 * means the endpoint host is bound to the bucket. The signature always covers `/bucket/key`
 * whatever the addressing (§1.3). `encodedKey` comes from `encodeKey`, computed once by the
 * caller because the canonical URI needs it too; `bareRegion`, when given, is already resolved.
 */
export function buildTarget(o: TargetInput, encodedKey: string, encodedQuery: string, bareRegion?: string): RequestTarget {
  const ep = parseEndpoint(o.endpoint ?? `oss-${bareRegion ?? resolveRegion(o.region)}.aliyuncs.com`, o.secure);
  const b = o.cname ? undefined : o.bucket;
  const inPath = b !== undefined && (o.pathStyle || ep.ip);
  const sub = b !== undefined && !inPath ? b + '.' : '';
  const path = '/' + (inPath ? b + '/' : '') + encodedKey + (encodedQuery ? '?' + encodedQuery : '');
  return {
    url: ep.protocol + '//' + sub + ep.host + path,
    protocol: ep.protocol,
    host: sub + ep.host,
    hostname: sub + ep.hostname,
    port: ep.port,
    path,
  };
}

/** Options of `buildRequestUrl`. */
export interface RequestUrlOptions extends EndpointOptions {
  /** Used for the default endpoint `oss-<region>.aliyuncs.com`. */
  readonly region?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly query?: QueryInput;
}

/** Validate bucket/key the same way for every entry point; returns the encoded key. */
export function checkResource(bucket: string | undefined, key: string | undefined): string {
  if (bucket !== undefined) checkBucket(bucket);
  else if (key !== undefined) bad('key given without bucket');
  return encodeKey(key);
}

/**
 * The URL (and its parts, for `node:http`) of an unsigned or header-signed request, with the
 * same addressing rules as the presigners. Keys are strictly encoded, `/` kept.
 */
export function buildRequestUrl(o: RequestUrlOptions): RequestTarget {
  return buildTarget(o, checkResource(o.bucket, o.key), urlQuery(encodePairs(queryPairs(o.query))));
}
