/**
 * A deliberately independent OSS signer for the reliability harnesses (style rule 14: a bug the
 * server shares with `@pail/sign` must not hide behind a round trip). Implements
 * oss-signature.md §2.1–§2.5 (V4 header and URL) and §3.1/§3.3 (V1 header and URL) and nothing
 * else; checked against the shared vectors in `sig.test.ts`.
 */
import { createHash, createHmac } from 'node:crypto';

export interface Credentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

/** §1.1 UriEncode: unreserved A–Z a–z 0–9 - _ . ~ stay, every other UTF-8 byte is %XX upper. */
export function uriEncode(s: string, keepSlash: boolean): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      c === '-' ||
      c === '_' ||
      c === '.' ||
      c === '~' ||
      (keepSlash && c === '/')
    ) {
      out += c;
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** The path of a path-style request: `/bucket/key`, encoded the V4 way (also fine for V1). */
export function requestPath(bucket: string | null, key: string): string {
  if (bucket === null) return '/';
  return '/' + uriEncode(bucket, false) + '/' + uriEncode(key, true);
}

/** Query parameters: name → value, `null` meaning a bare name. Wire order = insertion order. */
export type Query = ReadonlyArray<readonly [string, string | null]>;

export function queryString(q: Query): string {
  return q.map(([n, v]) => (v === null ? uriEncode(n, false) : `${uriEncode(n, false)}=${uriEncode(v, false)}`)).join('&');
}

export function isoBasic(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function sha256hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
function hmac(key: Buffer | string, data: string, algo = 'sha256'): Buffer {
  return createHmac(algo, key).update(Buffer.from(data, 'utf8')).digest();
}

function canonicalQueryV4(q: Query): string {
  return q
    .map(([n, v]) => [uriEncode(n, false), v === null || v === '' ? null : uriEncode(v, false)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([n, v]) => (v === null ? n : `${n}=${v}`))
    .join('&');
}

function canonicalHeadersV4(headers: Readonly<Record<string, string>>, additional: readonly string[]): string {
  const names = Object.keys(headers)
    .map((n) => n.toLowerCase())
    .filter((n) => n === 'content-type' || n === 'content-md5' || n.startsWith('x-oss-') || additional.includes(n))
    .sort();
  const lower: Record<string, string> = {};
  for (const [n, v] of Object.entries(headers)) lower[n.toLowerCase()] = v;
  return names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join('');
}

function signingKey(secret: string, day: string, region: string): Buffer {
  let k = hmac('aliyun_v4' + secret, day);
  k = hmac(k, region);
  k = hmac(k, 'oss');
  return hmac(k, 'aliyun_v4_request');
}

export interface V4Input {
  readonly method: string;
  readonly bucket: string | null;
  readonly key: string;
  readonly query?: Query;
  readonly headers?: Readonly<Record<string, string>>;
  readonly additionalHeaders?: readonly string[];
  readonly region: string;
  readonly now: number;
}

/** §2.4: returns the headers to add (x-oss-date, x-oss-content-sha256, Authorization). */
export function signV4Header(creds: Credentials, input: V4Input): Record<string, string> {
  const date = isoBasic(input.now);
  const day = date.slice(0, 8);
  const headers: Record<string, string> = {
    ...(input.headers ?? {}),
    'x-oss-date': date,
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
  };
  const additional = [...(input.additionalHeaders ?? [])].map((h) => h.toLowerCase()).sort();
  const canonical = [
    input.method,
    requestPath(input.bucket, input.key),
    canonicalQueryV4(input.query ?? []),
    canonicalHeadersV4(headers, additional),
    additional.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${day}/${input.region}/oss/aliyun_v4_request`;
  const sts = `OSS4-HMAC-SHA256\n${date}\n${scope}\n${sha256hex(canonical)}`;
  const sig = hmac(signingKey(creds.accessKeySecret, day, input.region), sts).toString('hex');
  const ah = additional.length ? `,AdditionalHeaders=${additional.join(';')}` : '';
  return {
    'x-oss-date': date,
    'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
    authorization: `OSS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}${ah},Signature=${sig}`,
  };
}

/** §2.5: the full query (user params + presign params + x-oss-signature), in wire order. */
export function presignV4Query(creds: Credentials, input: V4Input & { readonly expires: number }): Query {
  const date = isoBasic(input.now);
  const day = date.slice(0, 8);
  const additional = [...(input.additionalHeaders ?? [])].map((h) => h.toLowerCase()).sort();
  const q: Array<readonly [string, string | null]> = [...(input.query ?? [])];
  if (additional.length) q.push(['x-oss-additional-headers', additional.join(';')]);
  q.push(['x-oss-credential', `${creds.accessKeyId}/${day}/${input.region}/oss/aliyun_v4_request`]);
  q.push(['x-oss-date', date]);
  q.push(['x-oss-expires', String(input.expires)]);
  q.push(['x-oss-signature-version', 'OSS4-HMAC-SHA256']);
  const canonical = [
    input.method,
    requestPath(input.bucket, input.key),
    canonicalQueryV4(q),
    canonicalHeadersV4(input.headers ?? {}, additional),
    additional.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${day}/${input.region}/oss/aliyun_v4_request`;
  const sts = `OSS4-HMAC-SHA256\n${date}\n${scope}\n${sha256hex(canonical)}`;
  q.push(['x-oss-signature', hmac(signingKey(creds.accessKeySecret, day, input.region), sts).toString('hex')]);
  return q;
}

/** V1 sub-resources signed by the server (oss-signature.md §3.2, the parts these tests use). */
const V1_SUBRESOURCES = new Set([
  'acl', 'append', 'position', 'uploads', 'uploadId', 'partNumber', 'delete', 'objectMeta', 'tagging',
  'security-token', 'versionId', 'response-content-type', 'response-content-disposition', 'response-cache-control',
  'response-content-language', 'response-expires', 'response-content-encoding', 'x-oss-process', 'cors', 'policy', 'resourceGroup',
]);

function v1StringToSign(
  method: string,
  headers: Readonly<Record<string, string>>,
  dateLine: string,
  bucket: string | null,
  key: string,
  query: Query,
): string {
  const lower: Record<string, string> = {};
  for (const [n, v] of Object.entries(headers)) lower[n.toLowerCase()] = v;
  const ossHeaders = Object.keys(lower)
    .filter((n) => n.startsWith('x-oss-'))
    .sort()
    .map((n) => `${n}:${String(lower[n]).trim()}\n`)
    .join('');
  let resource = bucket === null ? '/' : `/${bucket}/${key}`;
  const sub = query
    .filter(([n]) => V1_SUBRESOURCES.has(n) || (n.startsWith('x-oss-') && !n.startsWith('x-oss-signature')))
    .map(([n, v]) => (v === null || v === '' ? n : `${n}=${v}`))
    .sort();
  if (sub.length) resource += '?' + sub.join('&');
  return `${method}\n${lower['content-md5'] ?? ''}\n${lower['content-type'] ?? ''}\n${dateLine}\n${ossHeaders}${resource}`;
}

/** §3.3: V1 URL query (user params + OSSAccessKeyId, Expires, Signature). */
export function presignV1Query(
  creds: Credentials,
  input: { method: string; bucket: string; key: string; query?: Query; headers?: Record<string, string>; expiresAt: number },
): Query {
  const sts = v1StringToSign(input.method, input.headers ?? {}, String(input.expiresAt), input.bucket, input.key, input.query ?? []);
  const sig = hmac(creds.accessKeySecret, sts, 'sha1').toString('base64');
  return [
    ...(input.query ?? []),
    ['OSSAccessKeyId', creds.accessKeyId],
    ['Expires', String(input.expiresAt)],
    ['Signature', sig],
  ];
}

/** §3.1: V1 header auth; sets x-oss-date (RFC 1123) like ali-oss does. */
export function signV1Header(
  creds: Credentials,
  input: { method: string; bucket: string | null; key: string; query?: Query; headers?: Record<string, string>; now: number },
): Record<string, string> {
  const date = new Date(input.now).toUTCString();
  const headers = { ...(input.headers ?? {}), 'x-oss-date': date };
  const sts = v1StringToSign(input.method, headers, date, input.bucket, input.key, input.query ?? []);
  const sig = hmac(creds.accessKeySecret, sts, 'sha1').toString('base64');
  return { 'x-oss-date': date, authorization: `OSS ${creds.accessKeyId}:${sig}` };
}
