/**
 * `@pail/sign/verify`: server-side verification of OSS V4 and V1 signatures (header and
 * presigned URL), PostObject V4 policies, and the request-target decoding helpers the server
 * needs to feed it. Synchronous, on `node:crypto`.
 *
 * Works on octet strings: header values arrive latin1-decoded from `node:http`, so every part of
 * a canonical request is either ASCII (encoded URI/query, names) or one char per wire octet, and
 * hashing with `'latin1'` hashes exactly the bytes that travelled (oss-signature.md §2.1.4).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deriveSigningKey, type HmacKey, hmacKey, hmacSha256, sha256Hex } from './crypto-node.js';
import { byUtf8, trimOws, uriEncode } from './encode.js';
import { Lru } from './lru.js';
import { isV1Subresource, SUBRESOURCES } from './subresources.js';
import type {
  AccessKeyRecord,
  AuthFailure,
  AuthFailureReason,
  AuthScheme,
  AuthSuccess,
  DecodeError,
  PostPolicyFailure,
  PostPolicyFailureReason,
  PostPolicyResult,
  QueryParam,
  VerifyOptions,
  VerifyRequest,
  VerifyResult,
} from './verify-api.js';

export type * from './verify-api.js';

const V4 = 'OSS4-HMAC-SHA256';
const UNSIGNED = 'UNSIGNED-PAYLOAD';
const TERMINATOR = 'aliyun_v4_request';
const DEFAULT_SKEW = 900_000;
const MAX_EXPIRES = 604_800;
const SEVEN_DAYS = MAX_EXPIRES * 1000;
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

const ANONYMOUS: AuthSuccess = Object.freeze({ ok: true, scheme: 'anonymous', accessKeyId: null });

const NON_LATIN1 = /[^\x00-\xff]/;
const NON_ASCII = /[^\x00-\x7f]/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const V1_SIGNATURE = /^[A-Za-z0-9+/]{27}=$/;
const CANONICAL_LAST = 'AEIMQUYcgkosw048';
const DIGITS = /^\d+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Signing keys, filled only after the access key, date and region checks passed. */
const signingKeys = new Lru<HmacKey>(1024);
let lastKey: [AccessKeyRecord, string, string, HmacKey] | undefined;

// ---------------------------------------------------------------------------------------------
// Query scan: one pass finds the authentication parameters.

const P_VERSION = 0;
const P_CREDENTIAL = 1;
const P_SIGNATURE = 2;
const P_DATE = 3;
const P_EXPIRES = 4;
const P_ADDITIONAL = 5;
const P_TOKEN = 6;
const P_V1_AK = 7;
const P_V1_SIGNATURE = 8;
const P_V1_EXPIRES = 9;
const P_V1_TOKEN = 10;
const AUTH_PARAMS = new Map<string, number>([
  ['x-oss-signature-version', P_VERSION],
  ['x-oss-credential', P_CREDENTIAL],
  ['x-oss-signature', P_SIGNATURE],
  ['x-oss-date', P_DATE],
  ['x-oss-expires', P_EXPIRES],
  ['x-oss-additional-headers', P_ADDITIONAL],
  ['x-oss-security-token', P_TOKEN],
  ['OSSAccessKeyId', P_V1_AK],
  ['Signature', P_V1_SIGNATURE],
  ['Expires', P_V1_EXPIRES],
  ['security-token', P_V1_TOKEN],
]);

const V4_REQUIRED = ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-expires', 'x-oss-signature'];
const V4_REQUIRED_AT = [P_VERSION, P_CREDENTIAL, P_DATE, P_EXPIRES, P_SIGNATURE];

type At = number[];

function scanQuery(q: readonly QueryParam[]): At {
  const at = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
  for (let i = 0; i < q.length; i++) {
    const p = AUTH_PARAMS.get(q[i]!.name);
    if (p !== undefined && at[p] === -1) at[p] = i;
  }
  return at;
}

/** Is this query a presigned URL (V4 or V1 query authentication)? */
export function isPresignedQuery(query: readonly QueryParam[]): boolean {
  const at = scanQuery(query);
  return at[P_VERSION]! >= 0 || at[P_CREDENTIAL]! >= 0 || at[P_SIGNATURE]! >= 0 || at[P_V1_AK]! >= 0 || at[P_V1_SIGNATURE]! >= 0;
}

/** §1.2: no SDK sends duplicate names and canonical forms cannot represent them; refuse. */
function duplicateName(q: readonly QueryParam[]): string | undefined {
  const n = q.length;
  if (n < 2) return undefined;
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const name = q[i]!.name;
      for (let j = 0; j < i; j++) if (q[j]!.name === name) return name;
    }
    return undefined;
  }
  const seen = new Set<string>();
  for (const p of q) {
    if (seen.has(p.name)) return p.name;
    seen.add(p.name);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Small parsers (no regex built per call, no URL, no Date parsing for the V4 format).

function twoDigits(s: string, i: number): number {
  const a = s.charCodeAt(i) - 48;
  const b = s.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `YYYYMMDD` at offset 0 of `s` → epoch ms of that day, or NaN. */
function parseDay(s: string): number {
  const c = twoDigits(s, 0);
  const y = twoDigits(s, 2);
  const m = twoDigits(s, 4);
  const d = twoDigits(s, 6);
  if (c < 0 || y < 0 || m < 1 || m > 12 || d < 1) return Number.NaN;
  const year = c * 100 + y;
  const ms = Date.UTC(year, m - 1, d);
  // Date.UTC rolls 31 Feb over into March; a valid date round-trips.
  return new Date(ms).getUTCDate() === d ? ms : Number.NaN;
}

/** V4 `x-oss-date`: `YYYYMMDD'T'HHMMSS'Z'` → epoch ms, or NaN. */
function parseIsoBasic(s: string): number {
  if (s.length !== 16 || s[8] !== 'T' || s[15] !== 'Z') return Number.NaN;
  const day = parseDay(s);
  const h = twoDigits(s, 9);
  const mi = twoDigits(s, 11);
  const se = twoDigits(s, 13);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59) return Number.NaN;
  return day + ((h * 60 + mi) * 60 + se) * 1000;
}

/** V1 date line: ISO 8601 basic, else anything `Date.parse` reads (RFC 1123, what ali-oss sends, included). */
function parseHttpDate(s: string): number {
  const iso = parseIsoBasic(s);
  if (!Number.isNaN(iso)) return iso;
  return Date.parse(s);
}

function headerString(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return trimOws(v);
  // Several field lines of one name: trimmed values joined with ',' (Go SDK, §2.1.4).
  let s = '';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + trimOws(v[i]!);
  return s;
}

/**
 * A header value as octets-in-a-string. Node delivers latin1 (one char per octet); a caller
 * that passes real Unicode (chars above U+00FF, impossible from the wire) gets UTF-8 octets.
 */
function octets(v: string): string {
  return NON_LATIN1.test(v) ? Buffer.from(v, 'utf8').toString('latin1') : v;
}

/** Octet string → readable text for error bodies (UTF-8 decoded when not plain ASCII). */
function readable(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** Lower-case hex of exactly `bytes` bytes → Buffer, or undefined (wrong length or case). */
function decodeHex(s: string, bytes: number): Buffer | undefined {
  if (s.length !== bytes * 2) return undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return undefined;
  }
  return Buffer.from(s, 'hex');
}

function safeEqual(a: Buffer, b: Buffer | undefined): boolean {
  return b !== undefined && a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time string equality for tokens (lengths may leak, contents don't). */
function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function fail(
  scheme: AuthScheme,
  reason: AuthFailureReason,
  message: string,
  extra?: Omit<AuthFailure, 'ok' | 'scheme' | 'reason' | 'message'>,
): AuthFailure {
  return { ok: false, scheme, reason, message, ...extra };
}

// ---------------------------------------------------------------------------------------------
// V4

interface V4Parts {
  credential: string | undefined;
  additional: string | undefined;
  signature: string | undefined;
}

/** §2.4 / pitfall 19: split on ',', trim, first '=', any order, `, ` or `,`. */
function parseV4Authorization(a: string): V4Parts | string {
  if (a.charCodeAt(V4.length) !== 32) return 'Authorization must be "OSS4-HMAC-SHA256 Credential=…,Signature=…"';
  const out: V4Parts = { credential: undefined, additional: undefined, signature: undefined };
  for (const raw of a.slice(V4.length + 1).split(',')) {
    const part = trimOws(raw);
    const eq = part.indexOf('=');
    if (eq < 0) return `Authorization field without '=': ${JSON.stringify(part)}`;
    const name = trimOws(part.slice(0, eq));
    const value = trimOws(part.slice(eq + 1));
    const field = name === 'Credential' ? 'credential' : name === 'Signature' ? 'signature' : name === 'AdditionalHeaders' ? 'additional' : undefined;
    if (field === undefined) return `unknown Authorization field ${JSON.stringify(name)}`;
    if (out[field] !== undefined) return `Authorization field ${name} given twice`;
    out[field] = value;
  }
  if (out.credential === undefined) return 'Authorization has no Credential';
  if (out.signature === undefined) return 'Authorization has no Signature';
  return out;
}

interface Credential {
  accessKeyId: string;
  day: string;
  region: string;
  product: string;
}

/** `AK/YYYYMMDD/region/product/aliyun_v4_request` (the day's calendar validity is checked by the caller). */
function parseCredential(s: string): Credential | undefined {
  const a = s.indexOf('/');
  const b = a + 9;
  const c = s.indexOf('/', b + 1);
  const d = s.indexOf('/', c + 1);
  if (a < 1 || s[b] !== '/' || c < 0 || d < 0 || s.slice(d + 1) !== TERMINATOR || c === b + 1 || d === c + 1) return undefined;
  const day = s.slice(a + 1, b);
  if (!DIGITS.test(day)) return undefined;
  return { accessKeyId: s.slice(0, a), day, region: s.slice(b + 1, c), product: s.slice(c + 1, d) };
}

/** §2.1.5 / EC 0002-00000209/210: lower-case token names, sorted, unique, no empty element. */
function parseAdditional(list: string): string[] | undefined {
  if (list === '') return undefined;
  const names = list.split(';');
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    if (!TOKEN.test(n) || (i > 0 && !(names[i - 1]! < n))) return undefined;
  }
  return names;
}

/**
 * The spec canonical query string (§2.1.3): encoded `name=value` sorted by encoded name in byte
 * order, bare name for an empty value. Encoded names are ASCII without U+0001, so sorting
 * `name` U+0001 `value` strings with the native comparator-less sort orders by name.
 */
function specQuery(q: readonly QueryParam[], skip: number): string {
  const items: string[] = [];
  for (let i = 0; i < q.length; i++) {
    if (i === skip) continue;
    const p = q[i]!;
    items.push(p.value === '' ? uriEncode(p.name, false) : uriEncode(p.name, false) + '\u0001' + uriEncode(p.value, false));
  }
  return items.sort().join('&').replaceAll('\u0001', '=');
}

/**
 * The ali-oss 6.x form (§2.8, alioss-wire §3.2 quirks 1 and 2): raw names sorted with
 * `localeCompare` — deliberately not byte order, this reproduces ali-oss — and `name=` for an
 * empty value, except the sub-resources ali-oss itself signs bare.
 */
function aliOssQuery(q: readonly QueryParam[], skip: number): string {
  const params = q.filter((_, i) => i !== skip).sort((a, b) => collator.compare(a.name, b.name));
  let s = '';
  for (const p of params) {
    s += (s ? '&' : '') + uriEncode(p.name, false) + (p.value !== '' ? '=' + uriEncode(p.value, false) : SUBRESOURCES.has(p.name) ? '' : '=');
  }
  return s;
}

const collator = new Intl.Collator();

function signingKey(rec: AccessKeyRecord, day: string, region: string): HmacKey {
  const l = lastKey;
  if (l && l[1] === day && l[2] === region && l[0].accessKeyId === rec.accessKeyId && l[0].accessKeySecret === rec.accessKeySecret) {
    return l[3];
  }
  const id = rec.accessKeyId + '\n' + day + '\n' + region + '\n' + rec.accessKeySecret;
  let k = signingKeys.get(id);
  if (k === undefined) {
    k = hmacKey(deriveSigningKey(rec.accessKeySecret, day, region));
    signingKeys.set(id, k);
  }
  lastKey = [rec, day, region, k];
  return k;
}

function checkToken(
  scheme: AuthScheme,
  rec: AccessKeyRecord,
  sent: string | undefined,
): AuthFailure | undefined {
  if (rec.securityToken === undefined) return undefined;
  if (sent === undefined) {
    return fail(scheme, 'InvalidSecurityToken', 'The security token is missing: this is an STS access key.', {
      accessKeyId: rec.accessKeyId,
    });
  }
  if (!sameString(sent, rec.securityToken)) {
    return fail(scheme, 'InvalidSecurityToken', 'The security token you provided is invalid.', { accessKeyId: rec.accessKeyId });
  }
  return undefined;
}

function verifyV4(req: VerifyRequest, opts: VerifyOptions, scheme: AuthScheme, at: At): VerifyResult {
  const q = req.query;
  const h = req.headers;
  const presign = scheme === 'v4-query';
  let credentialText: string;
  let dateText: string;
  let signature: string;
  let additionalText: string | undefined;
  let expires = 0;
  if (presign) {
    // EC 0002-00000215/217/219: each missing parameter is its own error.
    for (let i = 0; i < V4_REQUIRED.length; i++) {
      const p = at[V4_REQUIRED_AT[i]!]!;
      if (p < 0 || q[p]!.value === '') {
        const parameter = V4_REQUIRED[i]!;
        return fail(scheme, 'MissingParameter', `The ${parameter} query parameter is required.`, { parameter });
      }
    }
    const version = q[at[P_VERSION]!]!.value;
    const exp = q[at[P_EXPIRES]!]!.value;
    if (version !== V4) {
      return fail(scheme, 'MalformedAuthorization', `Unsupported x-oss-signature-version ${JSON.stringify(version)}.`, {
        parameter: 'x-oss-signature-version',
        parameterValue: version,
      });
    }
    // §2.5, pitfall 24: a duration in seconds, 1..604800 (EC 0002-00000232).
    expires = exp.length <= 6 && DIGITS.test(exp) ? Number(exp) : 0;
    if (expires < 1 || expires > MAX_EXPIRES) {
      return fail(scheme, 'InvalidExpires', 'x-oss-expires must be an integer number of seconds between 1 and 604800.', {
        parameter: 'x-oss-expires',
        parameterValue: exp,
      });
    }
    credentialText = q[at[P_CREDENTIAL]!]!.value;
    dateText = q[at[P_DATE]!]!.value;
    signature = q[at[P_SIGNATURE]!]!.value;
    additionalText = at[P_ADDITIONAL]! >= 0 ? q[at[P_ADDITIONAL]!]!.value : undefined;
  } else {    const auth = parseV4Authorization(h['authorization'] as string);
    if (typeof auth === 'string') return fail(scheme, 'MalformedAuthorization', auth);
    const date = headerString(h['x-oss-date']);
    if (date === undefined) {
      return fail(scheme, 'MissingDate', 'The x-oss-date header is required for V4 authentication.', {
        parameter: 'x-oss-date',
      });
    }
    credentialText = auth.credential!;
    dateText = date;
    signature = auth.signature!;
    additionalText = auth.additional;
  }

  const cred = parseCredential(credentialText);
  if (cred === undefined) {
    return fail(scheme, 'InvalidCredential', 'Invalid credential: expected AccessKeyId/YYYYMMDD/region/oss/aliyun_v4_request.', {
      parameter: presign ? 'x-oss-credential' : 'Credential',
    });
  }
  const time = parseIsoBasic(dateText);
  if (Number.isNaN(time)) {
    return fail(scheme, 'InvalidDate', "x-oss-date must be in the form YYYYMMDD'T'HHMMSS'Z'.", {
      parameter: 'x-oss-date',
      parameterValue: dateText,
    });
  }
  if (!dateText.startsWith(cred.day)) {
    // x-oss-date's day is a valid date; a credential day that is not one is malformed.
    return Number.isNaN(parseDay(cred.day))
      ? fail(scheme, 'InvalidCredential', 'Invalid credential: the date is not a valid YYYYMMDD.', {
          parameter: presign ? 'x-oss-credential' : 'Credential',
        })
      : fail(scheme, 'CredentialDateMismatch', 'The date in the credential does not match x-oss-date.', {
          accessKeyId: cred.accessKeyId,
        });
  }
  if (cred.region !== opts.region) {
    return fail(scheme, 'InvalidRegion', 'The signing region in credential is invalid.', { accessKeyId: cred.accessKeyId });
  }
  if (cred.product !== 'oss') {
    return fail(scheme, 'InvalidProduct', 'The signing product in credential must be oss.', { accessKeyId: cred.accessKeyId });
  }

  const rec = opts.lookup(cred.accessKeyId);
  if (rec === undefined) {
    return fail(scheme, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', {
      accessKeyId: cred.accessKeyId,
    });
  }

  const skew = opts.maxSkewMs ?? DEFAULT_SKEW;
  const now = opts.now;
  let expiresAt: number | undefined;
  if (presign) {
    expiresAt = time + expires * 1000;
    if (now < time - skew) {
      return fail(scheme, 'NotYetValid', 'The request is not yet valid: x-oss-date is in the future.', {
        accessKeyId: cred.accessKeyId,
        requestTime: time,
      });
    }
    if (now > expiresAt) {
      return fail(scheme, 'Expired', 'Request has expired.', { accessKeyId: cred.accessKeyId, expiresAt });
    }
  } else if (now - time > skew || time - now > skew) {
    return fail(scheme, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
      accessKeyId: cred.accessKeyId,
      requestTime: time,
    });
  }

  const tokenSent = presign && at[P_TOKEN]! >= 0 ? q[at[P_TOKEN]!]!.value : headerString(h['x-oss-security-token']);
  const tokenFailure = checkToken(scheme, rec, tokenSent);
  if (tokenFailure) return tokenFailure;

  const sha = headerString(h['x-oss-content-sha256']);
  if (sha !== undefined && sha !== UNSIGNED) {
    return fail(scheme, 'InvalidContentSha256', 'x-oss-content-sha256 must be UNSIGNED-PAYLOAD.', {
      accessKeyId: cred.accessKeyId,
      parameter: 'x-oss-content-sha256',
    });
  }

  let additional: string[] | undefined;
  if (additionalText !== undefined) {
    additional = parseAdditional(additionalText);
    if (additional === undefined) {
      return fail(
        scheme,
        'InvalidAdditionalHeaders',
        'AdditionalHeaders must be lower-case header names, sorted, separated by ";", without empty elements.',
        { accessKeyId: cred.accessKeyId, parameterValue: additionalText },
      );
    }
    for (const n of additional) {
      // Own properties only: a listed name like `constructor` must not find Object.prototype.
      if (!Object.hasOwn(h, n) || h[n] === undefined) {
        return fail(scheme, 'MissingAdditionalHeader', `The additional header ${n} is not in the request.`, {
          accessKeyId: cred.accessKeyId,
          parameter: n,
        });
      }
    }
  }

  // §2.1: rebuild from the decoded parts.
  const uri = req.bucket === null ? '/' : uriEncode('/' + req.bucket + '/' + req.key, true);
  const names: string[] = [];
  for (const n in h) {
    if (h[n] === undefined) continue;
    if (n === 'content-type' || n === 'content-md5' || n.startsWith('x-oss-') || additional?.includes(n)) {
      names.push(n);
    }
  }
  names.sort();
  let headers = '';
  for (const n of names) headers += n + ':' + octets(headerString(h[n])!) + '\n';
  const tail = '\n' + headers + '\n' + (additionalText ?? '') + '\n' + UNSIGNED;
  const head = req.method + '\n' + uri + '\n';
  const skip = presign ? at[P_SIGNATURE]! : -1;
  const stsHead = V4 + '\n' + dateText + '\n' + cred.day + '/' + cred.region + '/oss/' + TERMINATOR + '\n';
  const key = signingKey(rec, cred.day, cred.region);
  const provided = decodeHex(signature, 32);

  // Only header values can be non-ASCII; for pure ASCII, UTF-8 = latin1 and one-shot hashing is fine.
  const ascii = !NON_ASCII.test(headers);
  const hashHex = (cr: string): string => (ascii ? sha256Hex(cr) : createHash('sha256').update(cr, 'latin1').digest('hex'));

  const spec = specQuery(q, skip);
  const specRequest = head + spec + tail;
  const specSts = stsHead + hashHex(specRequest);
  if (safeEqual(hmacSha256(key, specSts), provided)) {
    return { ok: true, scheme, accessKeyId: rec.accessKeyId, securityToken: rec.securityToken, form: 'spec', expiresAt };
  }
  const aliQuery = aliOssQuery(q, skip);
  if (aliQuery !== spec) {
    const aliSts = stsHead + hashHex(head + aliQuery + tail);
    if (safeEqual(hmacSha256(key, aliSts), provided)) {
      return { ok: true, scheme, accessKeyId: rec.accessKeyId, securityToken: rec.securityToken, form: 'ali-oss', expiresAt };
    }
  }
  return fail(scheme, 'SignatureDoesNotMatch', MISMATCH, {
    accessKeyId: cred.accessKeyId,
    canonicalRequest: readable(specRequest),
    stringToSign: specSts,
  });
}

// ---------------------------------------------------------------------------------------------
// V1

function verifyV1(req: VerifyRequest, opts: VerifyOptions, scheme: AuthScheme, at: At): VerifyResult {
  const q = req.query;
  const h = req.headers;
  const presign = scheme === 'v1-query';
  let accessKeyId: string;
  let signature: string;
  let dateLine: string;
  let time: number;
  if (presign) {
    const param = (p: number): string | undefined => (at[p]! >= 0 ? q[at[p]!]!.value : undefined);
    const ak = param(P_V1_AK);
    const sig = param(P_V1_SIGNATURE);
    const exp = param(P_V1_EXPIRES);
    for (const [name, v] of [
      ['OSSAccessKeyId', ak],
      ['Signature', sig],
      ['Expires', exp],
    ] as const) {
      if (v === undefined || v === '') {
        return fail(scheme, 'MissingParameter', `The ${name} query parameter is required.`, { parameter: name });
      }
    }
    // §3.3: absolute Unix seconds (EC 0002-00000070 when not a number).
    if (!DIGITS.test(exp!) || exp!.length > 15) {
      return fail(scheme, 'InvalidExpires', 'Expires must be a Unix time in seconds.', { parameter: 'Expires', parameterValue: exp });
    }
    accessKeyId = ak!;
    signature = sig!;
    dateLine = exp!;
    time = Number(exp) * 1000;
  } else {
    const a = h['authorization'] as string;
    const colon = a.indexOf(':', 4);
    accessKeyId = colon < 0 ? '' : trimOws(a.slice(4, colon));
    signature = colon < 0 ? '' : trimOws(a.slice(colon + 1));
    if (accessKeyId === '' || signature === '') {
      return fail(scheme, 'MalformedAuthorization', 'Authorization must be "OSS AccessKeyId:Signature".');
    }
    // §3.1 / pitfall 20: x-oss-date wins over Date.
    const d = headerString(h['x-oss-date']) ?? headerString(h['date']);
    if (d === undefined) {
      return fail(scheme, 'MissingDate', 'The request must carry an x-oss-date or Date header.', { accessKeyId });
    }
    dateLine = d;
    time = parseHttpDate(d);
    if (Number.isNaN(time)) {
      return fail(scheme, 'InvalidDate', 'The date header is not a valid HTTP date.', { accessKeyId, parameterValue: d });
    }
  }

  const rec = opts.lookup(accessKeyId);
  if (rec === undefined) {
    return fail(scheme, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', {
      accessKeyId,
    });
  }
  const now = opts.now;
  if (presign) {
    if (now > time) return fail(scheme, 'Expired', 'Request has expired.', { accessKeyId, expiresAt: time });
  } else {
    const skew = opts.maxSkewMs ?? DEFAULT_SKEW;
    if (now - time > skew || time - now > skew) {
      return fail(scheme, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', {
        accessKeyId,
        requestTime: time,
      });
    }
  }
  const tokenSent =
    presign && at[P_V1_TOKEN]! >= 0 ? q[at[P_V1_TOKEN]!]!.value : headerString(h['x-oss-security-token']);
  const tokenFailure = checkToken(scheme, rec, tokenSent);
  if (tokenFailure) return tokenFailure;

  // §3.1: everything below is an octet string (header values latin1, resource UTF-8 encoded).
  const oss: string[] = [];
  for (const n in h) if (n.startsWith('x-oss-') && h[n] !== undefined) oss.push(n);
  oss.sort();
  let sts =
    req.method +
    '\n' +
    octets(headerString(h['content-md5']) ?? '') +
    '\n' +
    octets(headerString(h['content-type']) ?? '') +
    '\n' +
    octets(dateLine) +
    '\n';
  for (const n of oss) sts += n + ':' + octets(headerString(h[n])!) + '\n';
  let resource = req.bucket === null ? '/' : '/' + req.bucket + '/' + req.key;
  const sub: QueryParam[] = [];
  for (const p of q) if (isV1Subresource(p.name)) sub.push(p);
  if (sub.length) {
    sub.sort((a, b) => byUtf8(a.name, b.name));
    for (let i = 0; i < sub.length; i++) {
      resource += (i ? '&' : '?') + sub[i]!.name + (sub[i]!.value === '' ? '' : '=' + sub[i]!.value);
    }
  }
  sts += NON_ASCII.test(resource) ? Buffer.from(resource, 'utf8').toString('latin1') : resource;
  const expected = createHmac('sha1', rec.accessKeySecret).update(sts, 'latin1').digest();
  // 20 bytes are 27 base64 digits + '='; the last digit carries 2 unused bits, which lenient
  // decoders ignore: require them zero so one signature has exactly one spelling.
  const provided =
    V1_SIGNATURE.test(signature) && CANONICAL_LAST.includes(signature[26]!) ? Buffer.from(signature, 'base64') : undefined;
  if (safeEqual(expected, provided)) {
    return {
      ok: true,
      scheme,
      accessKeyId: rec.accessKeyId,
      securityToken: rec.securityToken,
      form: 'spec',
      ...(presign ? { expiresAt: time } : {}),
    };
  }
  let bytes = '';
  for (let i = 0; i < sts.length; i++) bytes += sts.charCodeAt(i).toString(16).toUpperCase().padStart(2, '0') + ' ';
  return fail(scheme, 'SignatureDoesNotMatch', MISMATCH, {
    accessKeyId,
    stringToSign: readable(sts),
    stringToSignBytes: bytes,
    signatureProvided: signature,
  });
}

// ---------------------------------------------------------------------------------------------

/**
 * Verify a request's signature (V4/V1, header/URL) per oss-signature.md §2.6 and §3.
 * Anonymous requests (no Authorization, no query signature) succeed with `accessKeyId: null`;
 * authorisation is the caller's business. Never throws for bad client input.
 */
export function verifyRequest(req: VerifyRequest, opts: VerifyOptions): VerifyResult {
  const at = scanQuery(req.query);
  const v4Query = at[P_VERSION]! >= 0 || at[P_CREDENTIAL]! >= 0 || at[P_SIGNATURE]! >= 0;
  const v1Query = !v4Query && (at[P_V1_AK]! >= 0 || at[P_V1_SIGNATURE]! >= 0);
  const auth = req.headers['authorization'];
  let scheme: AuthScheme;
  if (auth !== undefined) {
    const a = typeof auth === 'string' ? auth : '';
    const v1 = a.startsWith('OSS ');
    scheme = v1 ? 'v1-header' : 'v4-header';
    if (v4Query || v1Query) {
      return fail(
        scheme,
        'BothQueryAndHeader',
        'Either the Signature query string parameter or the Authorization header should be specified, not both.',
      );
    }
    if (!v1 && !a.startsWith(V4)) {
      return fail(scheme, 'MalformedAuthorization', 'Authorization must use OSS4-HMAC-SHA256 or OSS.');
    }
  } else if (v4Query) scheme = 'v4-query';
  else if (v1Query) scheme = 'v1-query';
  else return ANONYMOUS;

  const dup = duplicateName(req.query);
  if (dup !== undefined) {
    return fail(scheme, 'DuplicateQueryParameter', `The query parameter ${dup} appears more than once.`, { parameter: dup });
  }
  return scheme === 'v4-header' || scheme === 'v4-query' ? verifyV4(req, opts, scheme, at) : verifyV1(req, opts, scheme, at);
}

// ---------------------------------------------------------------------------------------------
// PostObject V4 policy

function postFail(
  reason: PostPolicyFailureReason,
  message: string,
  extra?: Omit<PostPolicyFailure, 'ok' | 'reason' | 'message'>,
): PostPolicyFailure {
  return { ok: false, reason, message, ...extra };
}

/**
 * Verify the V4 signing fields of a PostObject form (form field names are case-insensitive).
 * Checks signature, credential, region, access key, security token, x-oss-date (15 min early,
 * 7 days late), the policy's `expiration`, and that policy conditions on the signing fields
 * agree with the form. Evaluating the other conditions (bucket, key, content-length-range…)
 * against the upload is the caller's job: they are returned in `conditions`.
 */
export function verifyPostPolicyV4(
  fields: Readonly<Record<string, string | undefined>>,
  opts: VerifyOptions,
): PostPolicyResult {
  const f = new Map<string, string>();
  for (const k in fields) {
    const v = fields[k];
    if (v !== undefined) f.set(k.toLowerCase(), v);
  }
  for (const name of ['policy', 'x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-signature']) {
    if (!f.get(name)) return postFail('MissingParameter', `The ${name} form field is required.`, { parameter: name });
  }
  const policy = f.get('policy')!;
  const date = f.get('x-oss-date')!;
  if (f.get('x-oss-signature-version') !== V4) {
    return postFail('MalformedAuthorization', 'x-oss-signature-version must be OSS4-HMAC-SHA256.', {
      parameter: 'x-oss-signature-version',
    });
  }
  const cred = parseCredential(f.get('x-oss-credential')!);
  if (cred === undefined) {
    return postFail('InvalidCredential', 'Invalid x-oss-credential.', { parameter: 'x-oss-credential' });
  }
  if (cred.product !== 'oss') return postFail('InvalidProduct', 'The signing product in credential must be oss.');
  const time = parseIsoBasic(date);
  if (Number.isNaN(time)) return postFail('InvalidDate', 'Invalid x-oss-date.', { parameter: 'x-oss-date' });
  if (!date.startsWith(cred.day)) {
    return Number.isNaN(parseDay(cred.day))
      ? postFail('InvalidCredential', 'Invalid x-oss-credential.', { parameter: 'x-oss-credential' })
      : postFail('CredentialDateMismatch', 'The date in the credential does not match x-oss-date.');
  }
  if (cred.region !== opts.region) return postFail('InvalidRegion', 'The signing region in credential is invalid.');
  const rec = opts.lookup(cred.accessKeyId);
  if (rec === undefined) {
    return postFail('InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', {
      accessKeyId: cred.accessKeyId,
    });
  }
  const accessKeyId = cred.accessKeyId;
  const now = opts.now;
  if (now < time - (opts.maxSkewMs ?? DEFAULT_SKEW)) {
    return postFail('NotYetValid', 'x-oss-date is in the future.', { accessKeyId });
  }
  if (now > time + SEVEN_DAYS) {
    return postFail('Expired', 'Request has expired.', { accessKeyId, expiresAt: time + SEVEN_DAYS });
  }
  const token = f.get('x-oss-security-token');
  if (rec.securityToken !== undefined && (token === undefined || !sameString(token, rec.securityToken))) {
    return postFail('InvalidSecurityToken', 'The security token is missing or invalid.', { accessKeyId });
  }
  const expected = hmacSha256(signingKey(rec, cred.day, cred.region), policy);
  if (!safeEqual(expected, decodeHex(f.get('x-oss-signature')!, 32))) {
    return postFail('SignatureDoesNotMatch', MISMATCH, { accessKeyId });
  }

  let doc: unknown;
  try {
    doc = BASE64.test(policy)
      ? JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(policy, 'base64')))
      : undefined;
  } catch {
    doc = undefined;
  }
  const d = doc as Record<string, unknown> | undefined;
  const expiration = d && typeof d['expiration'] === 'string' ? Date.parse(d['expiration']) : Number.NaN;
  if (!d || typeof d !== 'object' || Array.isArray(d) || !Array.isArray(d['conditions']) || Number.isNaN(expiration)) {
    return postFail('InvalidPolicyDocument', 'policy must be base64 of a JSON object with expiration and conditions.', {
      accessKeyId,
    });
  }
  if (now > expiration) return postFail('Expired', 'Invalid according to Policy: Policy expired.', { accessKeyId, expiresAt: expiration });
  const conditions = d['conditions'] as unknown[];
  for (const name of ['x-oss-signature-version', 'x-oss-credential', 'x-oss-date', 'x-oss-security-token']) {
    const want = f.get(name);
    for (const c of conditions) {
      let v: unknown;
      let has = false;
      if (c !== null && typeof c === 'object' && !Array.isArray(c) && Object.hasOwn(c, name)) {
        has = true;
        v = (c as Record<string, unknown>)[name];
      } else if (Array.isArray(c) && c.length === 3 && c[0] === 'eq' && c[1] === '$' + name) {
        has = true;
        v = c[2];
      }
      if (has && v !== want) {
        return postFail('PolicyConditionMismatch', `The policy condition on ${name} does not match the form field.`, {
          accessKeyId,
          parameter: name,
        });
      }
    }
  }
  return {
    ok: true,
    accessKeyId,
    ...(rec.securityToken !== undefined ? { securityToken: rec.securityToken } : {}),
    policy: d,
    conditions,
    expiration,
  };
}

// ---------------------------------------------------------------------------------------------
// Request-target decoding (§1.2)

const PLUS = /\+/g;
const PERCENT_OK = /%[0-9A-Fa-f]{2}/g;

function decodeComponent(s: string, plusIsSpace: boolean, what: string): string | DecodeError {
  const t = plusIsSpace && s.includes('+') ? s.replace(PLUS, ' ') : s;
  if (!t.includes('%')) return t;
  try {
    return decodeURIComponent(t);
  } catch {
    // decodeURIComponent rejects both bad escapes and invalid UTF-8; tell them apart.
    const stray = t.replace(PERCENT_OK, '').includes('%');
    return {
      ok: false,
      message: stray
        ? `malformed percent-encoding in ${what} ${JSON.stringify(s)}`
        : `percent-encoded bytes in ${what} ${JSON.stringify(s)} are not valid UTF-8`,
    };
  }
}

/**
 * Decode a raw query string (without `?`): split on `&`, then at the first `=`; `+` is a space
 * (§1.2); `%XX` decoded as UTF-8. Empty segments (`a&&b`) are skipped. Returns the parameters in
 * wire order, or a `DecodeError` (test with `Array.isArray`).
 */
export function decodeQuery(raw: string): QueryParam[] | DecodeError {
  const out: QueryParam[] = [];
  if (raw === '') return out;
  let start = 0;
  while (start <= raw.length) {
    let end = raw.indexOf('&', start);
    if (end < 0) end = raw.length;
    if (end > start) {
      const eq = raw.indexOf('=', start);
      const hasValue = eq >= 0 && eq < end;
      const name = decodeComponent(raw.slice(start, hasValue ? eq : end), true, 'query parameter name');
      if (typeof name !== 'string') return name;
      const value = hasValue ? decodeComponent(raw.slice(eq + 1, end), true, 'query parameter value') : '';
      if (typeof value !== 'string') return value;
      out.push({ name, value, hasValue });
    }
    start = end + 1;
  }
  return out;
}

/**
 * Percent-decode a raw request path (the part before `?`) once, as UTF-8. A literal `+` stays a
 * plus sign. `.`/`..` segments and `//` are kept: they are part of OSS keys (pitfall 4).
 */
export function percentDecodePath(raw: string): string | DecodeError {
  return decodeComponent(raw, false, 'path');
}
