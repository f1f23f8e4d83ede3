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
  /** V4: the scope `<day>/<region>/oss/aliyun_v4_request` (§2.2), also the key derivation steps (§2.3). */
  readonly scope?: string;
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
 * Signed headers (§2.1.4-5, §3.1): `content-type`, `content-md5`, `x-oss-*`, and for V4 the
 * additional names, lower-cased, de-duplicated, stripped of always-signed names and sorted
 * (ali-oss `fixAdditionalHeaders`, Go). A listed name must be present, except `host`, which
 * `host()` supplies from the URL. `canonical` has one `name:value\n` line per signed header
 * (V1 keeps only the x-oss-* ones); `sent` is what a presigned request must carry.
 */
function signHeaders(h: Headers, v4: boolean, additionalIn?: readonly string[], host?: () => string) {
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
  // No headers (the usual presign): skip the general path, which is measurably slower.
  if (!h.size) return { names: [], canonical: '', additional: '', sent: {} };
  const names = [...h.keys()].filter((n) => isAlwaysSigned(n) || additional.includes(n)).sort();
  let canonical = '';
  const sent: Record<string, string> = {};
  for (const n of names) {
    const [name, value] = h.get(n)!;
    if (v4 || n.startsWith('x-oss-')) canonical += n + ':' + trimOws(value) + '\n';
    sent[name] = value;
  }
  return { names, canonical, additional: additional.sort().join(';'), sent };
}

/** The V4 time and scope (§2.2): `x-oss-date` and `<day>/<region>/oss/aliyun_v4_request`. */
function scopeV4(now: number, region: string) {
  const date = isoBasic(now);
  return { date, scope: date.slice(0, 8) + '/' + region + '/oss/aliyun_v4_request' };
}

/**
 * Every request signer: V4 or V1, header signing (`expires` 0: V4 §2.4, V1 §3.1) or presigned
 * URL (V4 §2.5, V1 §3.3). Validation, headers, query and result are shared; only the strings to
 * sign differ.
 */
function planRequest(o: Input, credentials: Credentials, expires: number, v4: boolean): SignPlan<Out> {
  const method = o.method === undefined ? 'GET' : o.method.toUpperCase();
  if (method !== 'GET' && !METHOD.test(method)) bad(`invalid method: ${o.method}`);
  const now = clock(o.date);
  const encodedKey = checkResource(o.bucket, o.key);
  const { accessKeyId, accessKeySecret, securityToken } = checkCredentials(credentials);
  const h: Headers = new Map();
  for (const name in o.headers) {
    const v = o.headers[name];
    if (v === undefined) continue;
    const lower = name.toLowerCase();
    const value = String(v);
    if (!TOKEN.test(lower) || h.has(lower) || CTL.test(value)) bad(`invalid or duplicate header: ${name}`);
    h.set(lower, [name, value]);
  }
  // Presigning adds the convenience parameters and rejects a parameter given twice or one the
  // signer sets itself (`x-oss-signature`, `Expires`…); header signing replaces the caller's
  // `authorization` and security token.
  const pairs = expires ? userQuery(o) : queryPairs(o.query);
  for (let i = 0; expires && i < pairs.length; i++) {
    const k = pairs[i]![0];
    if (OWNED.test(k) || pairs.findIndex((p) => p[0] === k) < i) bad(`duplicate or reserved query parameter: ${k}`);
  }
  if (!expires) {
    h.delete('authorization');
    if (securityToken) put(h, 'x-oss-security-token', securityToken);
  }
  // V4 needs the scope region. V1 needs one only for a URL: presigned, or signed with an
  // address; resolving it here fails before any crypto.
  const region =
    v4 || (o.endpoint === undefined && (expires || o.region !== undefined))
      ? resolveRegion(o.region, o.endpoint)
      : undefined;
  const resource = o.bucket === undefined ? '/' : '/' + o.bucket + '/' + (v4 ? encodedKey : (o.key ?? ''));
  let signed: ReturnType<typeof signHeaders>;
  let canonicalRequest: string | undefined;
  let head: string;
  let authorization: string; // without the signature
  let query: string; // encoded URL query without the signature
  let scope: string | undefined;
  // Epoch seconds a presigned URL expires at.
  const expiry = Math.floor(now / 1000) + expires;
  if (v4) {
    // The canonical request (§2.1): strict encoding, query sorted by encoded name (byte order)
    // with bare names for empty values.
    let date: string;
    ({ date, scope } = scopeV4(now, region!));
    if (!expires) {
      const sha = h.get('x-oss-content-sha256');
      if (sha && trimOws(sha[1]) !== UNSIGNED) bad('x-oss-content-sha256 must be UNSIGNED-PAYLOAD');
      put(h, 'x-oss-date', date);
      put(h, 'x-oss-content-sha256', UNSIGNED);
    }
    signed = signHeaders(h, true, o.additionalHeaders, () => buildTarget(o, '', '', region).host);
    const encoded = encodePairs(pairs);
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
    canonicalRequest =
      method + '\n' + resource + '\n' + urlQuery(sorted, true) + '\n' + signed.canonical + '\n' + signed.additional + '\n' + UNSIGNED;
    head = V4 + '\n' + date + '\n' + scope + '\n';
    authorization = `${V4} Credential=${accessKeyId}/${scope}${signed.additional ? ',AdditionalHeaders=' + signed.additional : ''},Signature=`;
    query = urlQuery(encoded);
  } else {
    // Date line: `Expires` (URL), a caller-supplied `Date` header (Go v2, Java), else
    // `x-oss-date` from the clock, sent in RFC 1123 form like ali-oss (browsers cannot set
    // `Date`). CanonicalizedOSSHeaders are all `x-oss-*` headers; the resource uses the raw key
    // and raw values of whitelisted sub-resources (§3.2).
    let dateLine: string;
    if (expires) {
      dateLine = '' + expiry;
      if (securityToken) pairs.push(['security-token', securityToken]);
    } else {
      const given = h.get('date');
      h.delete('x-oss-date');
      // toUTCString has whole seconds.
      dateLine = given ? trimOws(given[1]) : new Date(now).toUTCString();
      if (!given) put(h, 'x-oss-date', dateLine);
    }
    signed = signHeaders(h, false);
    const line = (n: string): string => trimOws(h.get(n)?.[1] ?? '') + '\n';
    const sub = urlQuery(pairs.filter(([k]) => isV1Subresource(k)).sort((a, b) => byUtf8(a[0], b[0])), true);
    head =
      method + '\n' + line('content-md5') + line('content-type') + dateLine + '\n' + signed.canonical + resource + (sub && '?' + sub);
    authorization = 'OSS ' + accessKeyId + ':';
    query = urlQuery(encodePairs(expires ? [...pairs, ['OSSAccessKeyId', accessKeyId], ['Expires', dateLine]] : pairs));
  }
  return {
    v4,
    secret: accessKeySecret,
    scope,
    canonicalRequest,
    head,
    finish(signature, stringToSign) {
      const auth = authorization + signature;
      // A V4 signature is hex; V1's base64 needs encoding.
      const q = !expires ? query : query + (v4 ? '&x-oss-signature=' + signature : '&Signature=' + uriEncode(signature, false));
      // V1 header signing without endpoint or region: no URL.
      const target = o.endpoint !== undefined || region !== undefined ? buildTarget(o, encodedKey, q, region) : undefined;
      return {
        url: target?.url,
        method,
        headers: expires ? signed.sent : { ...Object.fromEntries(h.values()), authorization: auth },
        signedHeaders: signed.names,
        canonicalRequest: canonicalRequest ?? '',
        stringToSign,
        ...(expires
          ? { expiresAt: new Date(expiry * 1000) }
          : { authorization: auth, signature, target }),
      } as Out;
    },
  };
}

/** `presignUrl` (§2.5). */
export const planPresignV4 = (o: PresignOptions) =>
  planRequest(o, o.credentials, checkExpires(o.expires, 604800), true) as SignPlan<PresignedRequest>;

/** `signRequest` (§2.4). */
export const planSignV4 = (req: SignableRequest, c: Credentials, o?: SignOptions) =>
  planRequest({ ...o, ...req }, c, 0, true) as SignPlan<SignedRequest>;

/** `presignUrlV1` (§3.3): `Expires` is absolute epoch seconds = floor(date / 1000) + expires. */
export const planPresignV1 = (o: PresignCommonOptions) =>
  planRequest(o, o.credentials, checkExpires(o.expires, 2 ** 31), false) as SignPlan<PresignedRequest>;

/** `signRequestV1` (§3.1). */
export const planSignV1 = (req: SignableRequest, c: Credentials, o?: SignOptions) =>
  planRequest({ ...o, ...req }, c, 0, false) as SignPlan<SignedRequest>;

/** `signPostPolicyV4` (§2.7): the string to sign is the base64 policy itself. */
export function planPostPolicyV4(o: PostPolicyV4Options): SignPlan<PostPolicyV4Fields> {
  const region = resolveRegion(o.region);
  const { date, scope } = scopeV4(clock(o.date), region);
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
    const conditions = [
      ...((policy['conditions'] as unknown[] | undefined) ?? []),
      ...Object.entries(fields).map(([k, v]) => ({ [k]: v })),
    ];
    policy = toBase64(new TextEncoder().encode(JSON.stringify({ ...policy, conditions })));
  }
  return {
    v4: true,
    secret: accessKeySecret,
    scope,
    head: policy,
    finish: (signature) => ({ policy, ...fields, 'x-oss-signature': signature }) as PostPolicyV4Fields,
  };
}
