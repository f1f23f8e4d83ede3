/**
 * Canonicalisation for every signer, as pure string work. A `plan*` function validates its input
 * and returns a `SignPlan`: the bytes to hash/sign plus a `finish` that assembles the result from
 * the signature. `crypto-web.ts` (async, WebCrypto) and `crypto-node.ts` (sync, node:crypto) only
 * supply the HMAC/SHA primitives, so both paths share all of this. `§` = oss-signature.md.
 */
import {
  buildTarget,
  checkResource,
  encodePairs,
  type Pair,
  queryPairs,
  resolveRegion,
  type TargetInput,
  urlQuery,
} from './endpoint.js';
import { bad, byUtf8, checkExpires, clock, isoBasic, toBase64, trimOws, uriEncode } from './encode.js';
import { isV1Subresource } from './subresources.js';
import type {
  Credentials,
  HeaderInput,
  PostPolicyV4Fields,
  PostPolicyV4Options,
  PresignCommonOptions,
  PresignedRequest,
  PresignOptions,
  QueryInput,
  SignableRequest,
  SignedRequest,
  SignOptions,
} from './types.js';

export interface SignPlan<R> {
  /** V4 (HMAC-SHA256 with the derived key, hex) or V1 (HMAC-SHA1 with the secret, base64). */
  readonly v4: boolean;
  readonly secret: string;
  /** V4 signing-key scope. */
  readonly day: string;
  readonly region: string;
  /** V4: hashed, and its hex digest appended to `head` to form the string to sign. */
  readonly canonicalRequest: string | undefined;
  readonly head: string;
  finish(signature: string, stringToSign: string): R;
}

const V4 = 'OSS4-HMAC-SHA256';
const UNSIGNED = 'UNSIGNED-PAYLOAD';
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const CTL = /[\r\n\0]/;
const METHOD = /^[A-Z]+$/;
// Query names a presigner sets itself, V4 and V1 alike: a URL carrying the other scheme's
// authentication names would be ambiguous to a verifier (§2.6 step 1).
const OWNED =
  /^(x-oss-(signature(-version)?|credential|date|expires|additional-headers|security-token)|OSSAccessKeyId|Expires|Signature|security-token)$/;
const UPPER = /[A-Z]/g;

/** Everything a request-level planner reads: a presign options object, or request + options. */
interface Input extends TargetInput, Pick<PresignCommonOptions, 'versionId' | 'response' | 'process' | 'trafficLimit'> {
  method?: string | undefined;
  key?: string | undefined;
  query?: QueryInput | undefined;
  headers?: HeaderInput | undefined;
  additionalHeaders?: readonly string[] | undefined;
  date?: Date | number | undefined;
}

type Out = PresignedRequest | SignedRequest;

/** lower-case name → [name as given, value]. */
type Headers = Map<string, [string, string]>;

function checkCredentials(c: Credentials): Credentials {
  // Pitfall 22: stray whitespace in copied keys is the classic silent mismatch; refuse it.
  for (const v of [c?.accessKeyId, c?.accessKeySecret, c?.securityToken ?? 'x']) {
    if (typeof v !== 'string' || !v || v.trim() !== v || c.accessKeyId.includes('/')) {
      bad("credentials: empty, padded, or '/' in accessKeyId");
    }
  }
  return c;
}

function readHeaders(input: HeaderInput | undefined): Headers {
  const h: Headers = new Map();
  for (const name in input) {
    const v = input[name];
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    const value = String(v);
    if (!TOKEN.test(lower) || h.has(lower) || CTL.test(value)) bad(`invalid or duplicate header ${name}`);
    h.set(lower, [name, value]);
  }
  return h;
}

const isAlwaysSigned = (n: string): boolean => n === 'content-type' || n === 'content-md5' || n.startsWith('x-oss-');

/** User query plus the convenience options (§3.2 names). */
function userQuery(o: Input): Pair[] {
  const pairs = queryPairs(o.query);
  const add = (k: string, v: unknown): void => {
    if (v !== undefined) pairs.push([k, String(v)]);
  };
  add('versionId', o.versionId);
  for (const k in o.response) {
    add('response-' + k.replace(UPPER, '-$&').toLowerCase(), o.response[k as keyof typeof o.response]);
  }
  add('x-oss-process', o.process);
  add('x-oss-traffic-limit', o.trafficLimit);
  return pairs;
}

/** A user parameter given twice, or one the signer sets itself (`x-oss-signature`, `Expires`…), is an error. */
function unique(pairs: readonly Pair[]): void {
  for (let i = 0; i < pairs.length; i++) {
    const k = pairs[i]![0];
    if (OWNED.test(k) || pairs.findIndex((p) => p[0] === k) < i) bad(`query parameter ${k} is duplicate or reserved`);
  }
}

/**
 * Signed V4 headers (§2.1.4-5). Additional names are lower-cased, de-duplicated, stripped of
 * always-signed names and sorted (ali-oss `fixAdditionalHeaders`, Go). A listed name must be
 * present, except `host`, which `host()` supplies from the URL.
 */
function signHeadersV4(h: Headers, additionalIn: readonly string[] | undefined, host: () => string) {
  if (!h.size && !additionalIn?.length) return { names: [], canonical: '', additional: '', sent: {} };
  const additional: string[] = [];
  for (const a of additionalIn ?? []) {
    const n = String(a).toLowerCase();
    if (isAlwaysSigned(n) || additional.includes(n)) continue;
    if (!h.has(n)) {
      if (n !== 'host') bad(`additional header ${a} is not in headers`);
      h.set(n, [n, host()]);
    }
    additional.push(n);
  }
  additional.sort();
  const names = [...h.keys()].filter((n) => isAlwaysSigned(n) || additional.includes(n)).sort();
  let canonical = '';
  const sent: Record<string, string> = {};
  for (const n of names) {
    const [name, value] = h.get(n)!;
    canonical += n + ':' + trimOws(value) + '\n';
    sent[name] = value;
  }
  return { names, canonical, additional: additional.join(';'), sent };
}

function allHeaders(h: Headers, authorization: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of h.values()) out[name] = value;
  out['authorization'] = authorization;
  return out;
}

function common(o: Input, credentials: Credentials) {
  const method = o.method === undefined ? 'GET' : o.method.toUpperCase();
  if (o.method !== undefined && !METHOD.test(method)) bad(`invalid method ${o.method}`);
  return {
    now: clock(o.date),
    method,
    encodedKey: checkResource(o.bucket, o.key),
    ...checkCredentials(credentials),
    h: readHeaders(o.headers),
  };
}

/**
 * V4, header (§2.4, `expires` 0) or presigned URL (§2.5). The canonical request (§2.1): strict
 * encoding, query sorted by encoded name (byte order) with bare names for empty values.
 */
function planV4(o: Input, credentials: Credentials, expires: number): SignPlan<Out> {
  const { now, method, encodedKey, accessKeyId, accessKeySecret, securityToken, h } = common(o, credentials);
  const region = resolveRegion(o.region, o.endpoint);
  const date = isoBasic(now);
  const day = date.slice(0, 8);
  const scope = day + '/' + region + '/oss/aliyun_v4_request';
  const pairs = expires ? userQuery(o) : queryPairs(o.query);
  if (!expires) {
    h.delete('authorization');
    const sha = h.get('x-oss-content-sha256');
    if (sha && trimOws(sha[1]) !== UNSIGNED) bad('x-oss-content-sha256 must be UNSIGNED-PAYLOAD');
    h.set('x-oss-date', ['x-oss-date', date]);
    h.set('x-oss-content-sha256', ['x-oss-content-sha256', UNSIGNED]);
    if (securityToken) h.set('x-oss-security-token', ['x-oss-security-token', securityToken]);
  }
  const signed = signHeadersV4(h, o.additionalHeaders, () => buildTarget(o, '', '', region).host);
  const encoded = encodePairs(pairs);
  if (expires) {
    unique(pairs);
    // Signer-owned names and values need no encoding, except the access key and the token.
    if (signed.additional) encoded.push(['x-oss-additional-headers', uriEncode(signed.additional, false)]);
    encoded.push(
      ['x-oss-credential', uriEncode(accessKeyId, false) + '%2F' + scope.replaceAll('/', '%2F')],
      ['x-oss-date', date],
      ['x-oss-expires', '' + expires],
      ['x-oss-signature-version', V4],
    );
    if (securityToken) encoded.push(['x-oss-security-token', uriEncode(securityToken, false)]);
  }
  // Encoded names are ASCII, so `<` is byte order. Often already sorted: then no copy.
  const sorted = encoded.every((p, i) => !i || encoded[i - 1]![0] < p[0])
    ? encoded
    : [...encoded].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let query = '';
  for (const [k, v] of sorted) query += (query ? '&' : '') + (v ? k + '=' + v : k);
  const canonicalRequest =
    method +
    '\n' +
    (o.bucket === undefined ? '/' : '/' + o.bucket + '/' + encodedKey) +
    '\n' +
    query +
    '\n' +
    signed.canonical +
    '\n' +
    signed.additional +
    '\n' +
    UNSIGNED;
  return {
    v4: true,
    secret: accessKeySecret,
    day,
    region,
    canonicalRequest,
    head: V4 + '\n' + date + '\n' + scope + '\n',
    finish(signature, stringToSign) {
      const authorization = `${V4} Credential=${accessKeyId}/${scope}${signed.additional ? ',AdditionalHeaders=' + signed.additional : ''},Signature=${signature}`;
      const t = buildTarget(o, encodedKey, urlQuery(encoded) + (expires ? '&x-oss-signature=' + signature : ''), region);
      return {
        url: t.url,
        method,
        headers: expires ? signed.sent : allHeaders(h, authorization),
        signedHeaders: signed.names,
        canonicalRequest,
        stringToSign,
        ...(expires
          ? { expiresAt: new Date((Math.floor(now / 1000) + expires) * 1000) }
          : { authorization, signature, target: t }),
      } as Out;
    },
  };
}

/**
 * V1, header (§3.1, `expires` 0) or presigned URL (§3.3). Date line: `Expires` (URL), a
 * caller-supplied `Date` header (Go v2, Java), else `x-oss-date` from the clock, sent in RFC 1123
 * form like ali-oss (browsers cannot set `Date`). CanonicalizedOSSHeaders are all `x-oss-*`
 * headers; the resource uses the raw key and raw values of whitelisted sub-resources (§3.2).
 */
function planV1(o: Input, credentials: Credentials, expires: number): SignPlan<Out> {
  const { now, method, encodedKey, accessKeyId, accessKeySecret, securityToken, h } = common(o, credentials);
  const pairs = expires ? userQuery(o) : queryPairs(o.query);
  if (expires) unique(pairs);
  const addressed = o.endpoint !== undefined || o.region !== undefined;
  // Fail before any crypto: a presigned URL needs an address, and a given region must be valid.
  if (o.endpoint === undefined && (expires || addressed)) resolveRegion(o.region);
  let dateLine: string;
  if (expires) {
    dateLine = '' + (Math.floor(now / 1000) + expires);
    if (securityToken) pairs.push(['security-token', securityToken]);
  } else {
    h.delete('authorization');
    const given = h.get('date');
    h.delete('x-oss-date');
    dateLine = given ? trimOws(given[1]) : new Date(now - (now % 1000)).toUTCString();
    if (!given) h.set('x-oss-date', ['x-oss-date', dateLine]);
    if (securityToken) h.set('x-oss-security-token', ['x-oss-security-token', securityToken]);
  }
  const names = [...h.keys()].filter(isAlwaysSigned).sort();
  const sent: Record<string, string> = {};
  const line = (n: string): string => trimOws(h.get(n)?.[1] ?? '');
  let head = method + '\n' + line('content-md5') + '\n' + line('content-type') + '\n' + dateLine + '\n';
  for (const n of names) {
    sent[h.get(n)![0]] = h.get(n)![1];
    if (n.startsWith('x-oss-')) head += n + ':' + line(n) + '\n';
  }
  const sub = pairs.filter(([k]) => isV1Subresource(k)).sort((a, b) => byUtf8(a[0], b[0]));
  head +=
    (o.bucket === undefined ? '/' : '/' + o.bucket + '/' + (o.key ?? '')) +
    sub.map(([k, v], i) => (i ? '&' : '?') + k + (v ? '=' + v : '')).join('');
  return {
    v4: false,
    secret: accessKeySecret,
    day: '',
    region: '',
    canonicalRequest: undefined,
    head,
    finish(signature, stringToSign) {
      const authorization = 'OSS ' + accessKeyId + ':' + signature;
      const auth: Pair[] = [
        ['OSSAccessKeyId', accessKeyId],
        ['Expires', dateLine],
        ['Signature', signature],
      ];
      const t = addressed ? buildTarget(o, encodedKey, urlQuery(encodePairs(expires ? [...pairs, ...auth] : pairs))) : undefined;
      return {
        url: t?.url,
        method,
        headers: expires ? sent : allHeaders(h, authorization),
        signedHeaders: names,
        canonicalRequest: '',
        stringToSign,
        ...(expires ? { expiresAt: new Date(+dateLine * 1000) } : { authorization, signature, target: t }),
      } as Out;
    },
  };
}

/** `presignUrl` (§2.5). */
export const planPresignV4 = (o: PresignOptions) =>
  planV4(o, o.credentials, checkExpires(o.expires, 604800)) as SignPlan<PresignedRequest>;

/** `signRequest` (§2.4). */
export const planSignV4 = (req: SignableRequest, c: Credentials, o?: SignOptions) =>
  planV4({ ...o, ...req }, c, 0) as SignPlan<SignedRequest>;

/** `presignUrlV1` (§3.3): `Expires` is absolute epoch seconds = floor(date / 1000) + expires. */
export const planPresignV1 = (o: PresignCommonOptions) =>
  planV1(o, o.credentials, checkExpires(o.expires, 2 ** 31)) as SignPlan<PresignedRequest>;

/** `signRequestV1` (§3.1). */
export const planSignV1 = (req: SignableRequest, c: Credentials, o?: SignOptions) =>
  planV1({ ...o, ...req }, c, 0) as SignPlan<SignedRequest>;

/** `signPostPolicyV4` (§2.7): the string to sign is the base64 policy itself. */
export function planPostPolicyV4(o: PostPolicyV4Options): SignPlan<PostPolicyV4Fields> {
  const date = isoBasic(clock(o.date));
  const day = date.slice(0, 8);
  const region = resolveRegion(o.region);
  const { accessKeyId, accessKeySecret, securityToken } = checkCredentials(o.credentials);
  const fields = {
    'x-oss-signature-version': V4,
    'x-oss-credential': accessKeyId + '/' + day + '/' + region + '/oss/aliyun_v4_request',
    'x-oss-date': date,
    ...(securityToken ? { 'x-oss-security-token': securityToken } : {}),
  } as const;
  let policy = o.policy;
  if (typeof policy !== 'string') {
    // OSS requires the signing fields as policy conditions (x-oss-date must equal the form's);
    // a repeated equal condition is harmless.
    const conditions = [...((policy['conditions'] as unknown[] | undefined) ?? [])];
    for (const [k, v] of Object.entries(fields)) conditions.push({ [k]: v });
    policy = toBase64(new TextEncoder().encode(JSON.stringify({ ...policy, conditions })));
  }
  return {
    v4: true,
    secret: accessKeySecret,
    day,
    region,
    canonicalRequest: undefined,
    head: policy,
    finish: (signature) => ({ policy, ...fields, 'x-oss-signature': signature }) as PostPolicyV4Fields,
  };
}
