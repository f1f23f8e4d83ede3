/** Shared test helpers: vector loading, raw URL splitting (never WHATWG URL), verifier input. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type {
  Credentials,
  PresignCommonOptions,
  PresignedRequest,
  PresignOptions,
  SignableRequest,
  SignedRequest,
  SignOptions,
} from '../src/types.js';
import type { AccessKeyRecord, QueryParam, VerifyOptions, VerifyRequest } from '../src/verify-api.js';
import { decodeQuery, percentDecodePath } from '../src/verify.js';

export interface Vector {
  name: string;
  version: 'v4-header' | 'v4-presign' | 'v1-header' | 'v1-presign';
  method: string;
  bucket: string | null;
  key: string;
  query: Record<string, string | null>;
  headers: Record<string, string>;
  additionalHeaders?: string[];
  accessKeyId: string | null;
  accessKeySecret: string | null;
  signingKeyHex?: string;
  securityToken?: string;
  region: string | null;
  date: string | null;
  expires: number | null;
  requestUrl?: string;
  expected: { canonicalRequest?: string; stringToSign: string; signature: string; authorization?: string; url?: string };
}

export function loadVectors(): Vector[] {
  const file = new URL('../../test/fixtures/oss-signature-vectors.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { vectors: Vector[] }).vectors;
}

/** `20231216T162057Z` → epoch ms. */
export function isoBasicToMs(s: string): number {
  return Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
}

/** Split `scheme://host/path?query` by hand (WHATWG URL would normalise `..`). */
export function splitUrl(url: string): { origin: string; host: string; path: string; query: string } {
  const schemeEnd = url.indexOf('://') + 3;
  const slash = url.indexOf('/', schemeEnd);
  const hostEnd = slash < 0 ? url.length : slash;
  const rest = url.slice(hostEnd) || '/';
  const q = rest.indexOf('?');
  return {
    origin: url.slice(0, hostEnd),
    host: url.slice(schemeEnd, hostEnd),
    path: q < 0 ? rest : rest.slice(0, q),
    query: q < 0 ? '' : rest.slice(q + 1),
  };
}

export function mustDecodeQuery(raw: string): QueryParam[] {
  const q = decodeQuery(raw);
  assert.ok(Array.isArray(q), `query must decode: ${raw}`);
  return q;
}

/** Decoded query as sorted `name=value` lines (for order-insensitive URL comparison). */
export function queryMultiset(raw: string): string[] {
  return mustDecodeQuery(raw)
    .map((p) => `${p.name}=${p.value}`)
    .sort();
}

/** Same origin, same path bytes, same decoded parameters (any order, `a` ≡ `a=`). */
export function assertSameUrl(actual: string, expected: string, label: string): void {
  const a = splitUrl(actual);
  const e = splitUrl(expected);
  assert.equal(a.origin, e.origin, `${label}: origin`);
  assert.equal(percentDecodePath(a.path), percentDecodePath(e.path), `${label}: decoded path`);
  assert.deepEqual(queryMultiset(a.query), queryMultiset(e.query), `${label}: query`);
}

/**
 * Turn a URL into what the server hands the verifier: bucket from the host (virtual-hosted) or
 * the first path segment (path-style), key = the rest of the decoded path.
 */
export function requestFromUrl(
  method: string,
  url: string,
  bucket: string | null,
  headers: Record<string, string>,
): VerifyRequest {
  const { host, path, query } = splitUrl(url);
  const decoded = percentDecodePath(path);
  assert.equal(typeof decoded, 'string', `path must decode: ${path}`);
  let key = (decoded as string).slice(1);
  if (bucket !== null && !host.startsWith(bucket + '.')) {
    assert.ok(key.startsWith(bucket + '/') || key === bucket, `path-style URL must start with the bucket: ${url}`);
    key = key.slice(bucket.length + 1);
  }
  return { method, bucket, key, query: mustDecodeQuery(query), headers: lowerHeaders(headers) };
}

/** What `node:http` gives: lower-case names, values trimmed of OWS. */
export function lowerHeaders(h: Record<string, string | number | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = String(v).replace(/^[ \t]+|[ \t]+$/g, '');
  return out;
}

export function verifyOptions(now: number, keys: AccessKeyRecord[], region = 'cn-hangzhou'): VerifyOptions {
  const byId = new Map(keys.map((k) => [k.accessKeyId, k]));
  return { now, region, lookup: (id) => byId.get(id) };
}

/** Deterministic PRNG (mulberry32) so generated cases are reproducible from a printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Vectors as signer calls ----

export const ENDPOINT = 'http://oss-cn-hangzhou.aliyuncs.com';
const V4_PRESIGN_PARAMS = new Set([
  'x-oss-credential',
  'x-oss-date',
  'x-oss-expires',
  'x-oss-signature-version',
  'x-oss-additional-headers',
  'x-oss-security-token',
]);

export function credentials(v: Vector) {
  return {
    accessKeyId: v.accessKeyId ?? 'AK',
    accessKeySecret: v.accessKeySecret ?? 'unknown-secret',
    securityToken: v.securityToken,
  };
}

function without(q: Record<string, string | null>, drop: (k: string) => boolean): Record<string, string | null> {
  return Object.fromEntries(Object.entries(q).filter(([k]) => !drop(k)));
}

/** The request a vector describes, in the signer's input shape. */
export function signInput(v: Vector) {
  return {
    method: v.method,
    bucket: v.bucket ?? undefined,
    key: v.key === '' ? undefined : v.key,
    query: v.query,
    headers: v.headers,
  };
}

export function presignV4Options(v: Vector) {
  return {
    ...signInput(v),
    query: without(v.query, (k) => V4_PRESIGN_PARAMS.has(k)),
    expires: v.expires!,
    region: v.region!,
    endpoint: ENDPOINT,
    credentials: credentials(v),
    additionalHeaders: v.additionalHeaders,
    date: isoBasicToMs(v.date!),
  };
}

export function presignV1Options(v: Vector): PresignCommonOptions {
  return {
    ...signInput(v),
    query: without(v.query, (k) => k === 'security-token'),
    expires: 100,
    endpoint: ENDPOINT,
    credentials: credentials(v),
    date: (v.expires! - 100) * 1000,
  };
}

export function queryParams(q: Record<string, string | null>): QueryParam[] {
  return Object.entries(q).map(([name, value]) => ({ name, value: value ?? '', hasValue: value !== null }));
}

export type Signed = SignedRequest | PresignedRequest;

export function checkSigned(v: Vector, r: Signed, path: string): void {
  const label = `${v.name} (${path})`;
  const e = v.expected;
  if (e.canonicalRequest !== undefined) assert.equal(r.canonicalRequest, e.canonicalRequest, `${label}: canonical request`);
  assert.equal(r.stringToSign, e.stringToSign, `${label}: string to sign`);
  if ('authorization' in r) {
    assert.equal(r.signature, e.signature, `${label}: signature`);
    if (e.authorization) assert.equal(r.authorization, e.authorization, `${label}: authorization`);
    if (v.requestUrl) assertSameUrl(r.url!, v.requestUrl, label);
  } else {
    assert.ok(
      r.url.endsWith((v.version === 'v4-presign' ? 'x-oss-signature=' : 'Signature=') + encodeURIComponent(e.signature)),
      `${label}: signature emitted last`,
    );
    assertSameUrl(r.url, e.url!, label);
  }
}

/** The async signer API, as the universal entry (or a bundle of it) exports it. */
export interface AsyncSigner {
  presignUrl(o: PresignOptions): Promise<PresignedRequest>;
  signRequest(r: SignableRequest, c: Credentials, o?: SignOptions): Promise<SignedRequest>;
  presignUrlV1(o: PresignCommonOptions): Promise<PresignedRequest>;
  signRequestV1(r: SignableRequest, c: Credentials, o?: SignOptions): Promise<SignedRequest>;
}

/** Sign a vector with any implementation of the async API. */
export async function signVector(api: AsyncSigner, v: Vector): Promise<Signed> {
  const c = credentials(v);
  switch (v.version) {
    case 'v4-header':
      return api.signRequest(signInput(v), c, {
        region: v.region!,
        additionalHeaders: v.additionalHeaders,
        date: isoBasicToMs(v.date!),
        endpoint: ENDPOINT,
      });
    case 'v4-presign':
      return api.presignUrl(presignV4Options(v));
    case 'v1-header':
      return api.signRequestV1(signInput(v), c, { date: Date.parse(v.date!), endpoint: ENDPOINT });
    case 'v1-presign':
      return api.presignUrlV1(presignV1Options(v));
  }
}

