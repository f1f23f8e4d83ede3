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
  readonly day?: string;
  readonly region?: string;
  /** V4: hashed, and its hex digest appended to `head` to form the string to sign. */
  readonly canonicalRequest?: string;
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
  /^(x-oss-(signature(-version)?|credential|date|expires|additional-headers)|OSSAccessKeyId|Expires|Signature|(x-oss-)?security-token)$/;
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

/** Set a header the signer owns (any caller value is replaced). */
const put = (h: Headers, name: string, value: string): void => {
  h.set(name, [name, value]);
};

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

/**
 * Validation and parsing shared by V4 and V1. Presigning (`expires` > 0) adds the convenience
 * parameters and rejects a user parameter given twice or one the signer sets itself
 * (`x-oss-signature`, `Expires`…); header signing drops any caller `authorization`.
 */
function common(o: Input, credentials: Credentials, expires: number) {
  const method = o.method === undefined ? 'GET' : o.method.toUpperCase();
  if (!METHOD.test(method)) bad(`invalid method: ${o.method}`);
  const now = clock(o.date);
  const encodedKey = checkResource(o.bucket, o.key);
  const creds = checkCredentials(credentials);
  const h: Headers = new Map();
  for (const name in o.headers) {
    const v = o.headers[name];
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    const value = String(v);
    if (!TOKEN.test(lower) || h.has(lower) || CTL.test(value)) bad(`invalid or duplicate header: ${name}`);
    h.set(lower, [name, value]);
  }
  const pairs = expires ? userQuery(o) : queryPairs(o.query);
  if (!expires) h.delete('authorization');
  for (let i = 0; expires && i < pairs.length; i++) {
    const k = pairs[i]![0];
    if (OWNED.test(k) || pairs.findIndex((p) => p[0] === k) < i) bad(`duplicate or reserved query parameter: ${k}`);
  }
  return { now, method, encodedKey, ...creds, h, pairs };
}

/**
 * Signed headers (§2.1.4-5, §3.1): `content-type`, `content-md5`, `x-oss-*`, and for V4 the
 * additional names, lower-cased, de-duplicated, stripped of always-signed names and sorted
 * (ali-oss `fixAdditionalHeaders`, Go). A listed name must be present, except `host`, which
 * `host()` supplies from the URL. `canonical` has one `name:value\n` line per signed header
 * (V1 keeps only the x-oss-* ones); `sent` is what a presigned request must carry.
 */
function signHeaders(h: Headers, v1: boolean, additionalIn?: readonly string[], host?: () => string) {
  const additional: string[] = [];
  for (const a of additionalIn ?? []) {
    const n = String(a).toLowerCase();
    if (isAlwaysSigned(n) || additional.includes(n)) continue;
    if (!h.has(n)) {
      if (n !== 'host') bad(`additional header not in headers: ${a}`);
      put(h, n, host!());
    }
    additional.push(n);
  }
  const names = h.size ? [...h.keys()].filter((n) => isAlwaysSigned(n) || additional.includes(n)).sort() : [];
  let canonical = '';
  const sent: Record<string, string> = {};
  for (const n of names) {
    const [name, value] = h.get(n)!;
    if (!v1 || n.startsWith('x-oss-')) canonical += n + ':' + trimOws(value) + '\n';
    sent[name] = value;
  }
  return { names, canonical, additional: additional.sort().join(';'), sent };
}

/**
 * The plan's `finish`, V4 and V1 alike: the result from the signature. `query` gives the
 * encoded URL query for a signature (undefined: no URL, V1 header signing without an address).
 */
function finisher(
  o: Input,
  c: ReturnType<typeof common>,
  expires: number,
  signed: ReturnType<typeof signHeaders>,
  canonicalRequest: string,
  authorize: (signature: string) => string,
  query: ((signature: string) => string) | undefined,
  region?: string,
): SignPlan<Out>['finish'] {
  return (signature, stringToSign) => {
    const authorization = authorize(signature);
    const target = query && buildTarget(o, c.encodedKey, query(signature), region);
    const h: Record<string, string> = {};
    if (!expires) {
      for (const [name, value] of c.h.values()) h[name] = value;
      h['authorization'] = authorization;
    }
    return {
      url: target?.url,
      method: c.method,
      headers: expires ? signed.sent : h,
      signedHeaders: signed.names,
      canonicalRequest,
      stringToSign,
      ...(expires
        ? { expiresAt: new Date((Math.floor(c.now / 1000) + expires) * 1000) }
        : { authorization, signature, target }),
    } as Out;
  };
}

/** The V4 time and scope (§2.2): `x-oss-date`, its day, `<day>/<region>/oss/aliyun_v4_request`. */
function scopeV4(now: number, region: string) {
  const date = isoBasic(now);
  const day = date.slice(0, 8);
  return { date, day, scope: day + '/' + region + '/oss/aliyun_v4_request' };
}

/**
 * V4, header (§2.4, `expires` 0) or presigned URL (§2.5). The canonical request (§2.1): strict
 * encoding, query sorted by encoded name (byte order) with bare names for empty values.
 */
function planV4(o: Input, credentials: Credentials, expires: number): SignPlan<Out> {
  const c = common(o, credentials, expires);
  const { accessKeyId, securityToken, h } = c;
  const region = resolveRegion(o.region, o.endpoint);
  const { date, day, scope } = scopeV4(c.now, region);
  if (!expires) {
    const sha = h.get('x-oss-content-sha256');
    if (sha && trimOws(sha[1]) !== UNSIGNED) bad('x-oss-content-sha256 must be UNSIGNED-PAYLOAD');
    put(h, 'x-oss-date', date);
    put(h, 'x-oss-content-sha256', UNSIGNED);
    if (securityToken) put(h, 'x-oss-security-token', securityToken);
  }
  const signed = signHeaders(h, false, o.additionalHeaders, () => buildTarget(o, '', '', region).host);
  const encoded = encodePairs(c.pairs);
  if (expires) {
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
  const canonicalRequest =
    c.method + '\n' + resource(o, c.encodedKey) + '\n' + urlQuery(sorted, true) + '\n' + signed.canonical + '\n' + signed.additional + '\n' + UNSIGNED;
  return {
    v4: true,
    secret: c.accessKeySecret,
    day,
    region,
    canonicalRequest,
    head: V4 + '\n' + date + '\n' + scope + '\n',
    finish: finisher(
      o,
      c,
      expires,
      signed,
      canonicalRequest,
      (sig) =>
        `${V4} Credential=${accessKeyId}/${scope}${signed.additional ? ',AdditionalHeaders=' + signed.additional : ''},Signature=${sig}`,
      (sig) => urlQuery(encoded) + (expires ? '&x-oss-signature=' + sig : ''),
      region,
    ),
  };
}

const resource = (o: Input, key: string): string => (o.bucket === undefined ? '/' : '/' + o.bucket + '/' + key);

/**
 * V1, header (§3.1, `expires` 0) or presigned URL (§3.3). Date line: `Expires` (URL), a
 * caller-supplied `Date` header (Go v2, Java), else `x-oss-date` from the clock, sent in RFC 1123
 * form like ali-oss (browsers cannot set `Date`). CanonicalizedOSSHeaders are all `x-oss-*`
 * headers; the resource uses the raw key and raw values of whitelisted sub-resources (§3.2).
 */
function planV1(o: Input, credentials: Credentials, expires: number): SignPlan<Out> {
  const c = common(o, credentials, expires);
  const { accessKeyId, securityToken, h, pairs } = c;
  const addressed = o.endpoint !== undefined || o.region !== undefined;
  // Fail before any crypto: a presigned URL needs an address, and a given region must be valid.
  if (o.endpoint === undefined && (expires || addressed)) resolveRegion(o.region);
  let dateLine: string;
  if (expires) {
    dateLine = '' + (Math.floor(c.now / 1000) + expires);
    if (securityToken) pairs.push(['security-token', securityToken]);
  } else {
    const given = h.get('date');
    h.delete('x-oss-date');
    // toUTCString has whole seconds.
    dateLine = given ? trimOws(given[1]) : new Date(c.now).toUTCString();
    if (!given) put(h, 'x-oss-date', dateLine);
    if (securityToken) put(h, 'x-oss-security-token', securityToken);
  }
  const signed = signHeaders(h, true);
  const line = (n: string): string => trimOws(h.get(n)?.[1] ?? '') + '\n';
  const sub = urlQuery(pairs.filter(([k]) => isV1Subresource(k)).sort((a, b) => byUtf8(a[0], b[0])), true);
  const head =
    c.method +
    '\n' +
    line('content-md5') +
    line('content-type') +
    dateLine +
    '\n' +
    signed.canonical +
    resource(o, o.key ?? '') +
    (sub && '?' + sub);
  return {
    v4: false,
    secret: c.accessKeySecret,
    head,
    finish: finisher(
      o,
      c,
      expires,
      signed,
      '',
      (sig) => 'OSS ' + accessKeyId + ':' + sig,
      addressed
        ? (sig) =>
            urlQuery(
              encodePairs(
                expires
                  ? [...pairs, ['OSSAccessKeyId', accessKeyId], ['Expires', dateLine], ['Signature', sig]]
                  : pairs,
              ),
            )
        : undefined,
    ),
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
  const region = resolveRegion(o.region);
  const { date, day, scope } = scopeV4(clock(o.date), region);
  const { accessKeyId, accessKeySecret, securityToken } = checkCredentials(o.credentials);
  const fields = {
    'x-oss-signature-version': V4,
    'x-oss-credential': accessKeyId + '/' + scope,
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
    head: policy,
    finish: (signature) => ({ policy, ...fields, 'x-oss-signature': signature }) as PostPolicyV4Fields,
  };
}
