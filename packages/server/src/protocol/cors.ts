/**
 * Bucket CORS (PutBucketCors / GetBucketCors / DeleteBucketCors, OptionObject): the
 * `CORSConfiguration` document, its validation, and rule matching.
 *
 * Wildcards: an AllowedOrigin or AllowedHeader may hold one `*`, matching any run of characters
 * (OSS PutBucketCors). Matching splits the pattern at the `*` and compares a prefix and a suffix,
 * linear in the input; no RegExp is ever built from a rule (CONTRIBUTING.md).
 * Origins and header names compare ASCII case-insensitively (header names are case-insensitive
 * by RFC 9110; scheme and host of an origin too).
 */
import { invalidArgument, OssError } from '../errors/oss-error.js';
import type { BucketCors, CorsRule } from '../storage/types.js';
import type { OnBucket, OnObject, Op } from './access.js';
import { child, parseXml, type XmlElement, type XmlNode, XmlSyntaxError, xmlDocument } from './xml.js';

/** The configuration a bucket stores (storage/types.ts); the names follow the OSS document. */
export type CorsConfiguration = BucketCors;
export type { CorsRule };

export type PutBucketCors = Op<'PutBucketCors', OnBucket>;
export type GetBucketCors = Op<'GetBucketCors', OnBucket>;
export type DeleteBucketCors = Op<'DeleteBucketCors', OnBucket>;
/**
 * The browser's preflight (`OPTIONS /bucket/` or `/bucket/key`). It carries no credentials, so it
 * needs no access: the core answers it from the bucket's rules before authentication.
 */
export type OptionObject = Op<'OptionObject', OnObject>;
export type CorsOperation = PutBucketCors | GetBucketCors | DeleteBucketCors | OptionObject;

/** OSS PutBucketCors: at most 10 rules per bucket. */
export const MAX_CORS_RULES = 10;
/** Largest PutBucketCors body Pail reads (S3's limit; OSS documents none). */
export const MAX_CORS_BODY = 64 * 1024;

const METHODS = new Set(['GET', 'PUT', 'DELETE', 'POST', 'HEAD']);

// ---- Matching ----------------------------------------------------------------------------

/**
 * Whether `value` matches `pattern` with at most one `*` (any run of characters, also empty),
 * ignoring case. Linear in the lengths; the pattern was validated to hold one `*` at most.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const prefix = p.slice(0, star);
  const suffix = p.slice(star + 1);
  return v.length >= prefix.length + suffix.length && v.startsWith(prefix) && v.endsWith(suffix);
}

/** Header names of `Access-Control-Request-Headers`: comma-separated, trimmed, lower-case, non-empty. */
export function requestHeaderNames(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name) out.push(name);
  }
  return out;
}

/**
 * The first rule that allows `origin` and `method` and, for a preflight, every requested
 * header (OSS: rules are tried in order, the first match wins).
 */
export function matchCorsRule(
  config: CorsConfiguration,
  origin: string,
  method: string,
  requestHeaders: readonly string[] = [],
): CorsRule | undefined {
  for (const rule of config.rules) {
    if (!rule.allowedMethods.includes(method)) continue;
    if (!rule.allowedOrigins.some((o) => wildcardMatch(o, origin))) continue;
    if (!requestHeaders.every((h) => rule.allowedHeaders.some((a) => wildcardMatch(a, h)))) continue;
    return rule;
  }
  return undefined;
}

/**
 * The CORS headers for a matched rule. `Access-Control-Allow-Origin` echoes the request's origin
 * (OSS Options: "the origin that is included in the request"), or is `*` when the rule allows
 * every origin with a bare `*`, which keeps shared caches correct without `Vary`. A preflight also
 * gets the requested headers and the max age.
 */
export function corsResponseHeaders(
  rule: CorsRule,
  origin: string,
  preflight?: { readonly requestHeaders: readonly string[] },
): Record<string, string> {
  const anyOrigin = rule.allowedOrigins.includes('*');
  const h: Record<string, string> = {
    'Access-Control-Allow-Origin': anyOrigin ? '*' : origin,
    'Access-Control-Allow-Methods': rule.allowedMethods.join(', '),
  };
  if (preflight && preflight.requestHeaders.length > 0) {
    h['Access-Control-Allow-Headers'] = preflight.requestHeaders.join(', ');
  }
  if (rule.exposeHeaders.length > 0) h['Access-Control-Expose-Headers'] = rule.exposeHeaders.join(', ');
  if (rule.maxAgeSeconds !== undefined) h['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  return h;
}

// ---- The document ------------------------------------------------------------------------

/** EC of a wrong `ResponseVary` value (OSS troubleshooting page 0034-00000004). */
const EC_RESPONSE_VARY = '0034-00000004';

function texts(el: XmlElement, name: string): string[] {
  return el.children.filter((c) => c.name === name).map((c) => c.text.trim());
}

function oneStar(value: string): boolean {
  const i = value.indexOf('*');
  return i < 0 || value.indexOf('*', i + 1) < 0;
}

/**
 * Parses and validates a PutBucketCors body. Throws MalformedXML for a document that is not a
 * `CORSConfiguration`, InvalidArgument (naming the element) for a value OSS would refuse.
 */
export function parseCorsConfiguration(body: string): CorsConfiguration {
  let root: XmlElement;
  try {
    root = parseXml(body);
  } catch (err) {
    if (err instanceof XmlSyntaxError) throw new OssError('MalformedXML', { cause: err });
    throw err;
  }
  if (root.name !== 'CORSConfiguration') throw new OssError('MalformedXML');
  for (const c of root.children) {
    if (c.name !== 'CORSRule' && c.name !== 'ResponseVary') throw new OssError('MalformedXML');
  }
  const ruleEls = root.children.filter((c) => c.name === 'CORSRule');
  if (ruleEls.length === 0) throw new OssError('MalformedXML');
  if (ruleEls.length > MAX_CORS_RULES) {
    throw invalidArgument(`Too many CORSRules, at most ${MAX_CORS_RULES} are allowed.`, 'CORSRule', String(ruleEls.length));
  }
  const rules = ruleEls.map((el): CorsRule => {
    for (const c of el.children) {
      if (!['AllowedOrigin', 'AllowedMethod', 'AllowedHeader', 'ExposeHeader', 'MaxAgeSeconds', 'ID'].includes(c.name)) {
        throw new OssError('MalformedXML');
      }
    }
    const allowedOrigins = texts(el, 'AllowedOrigin');
    const allowedMethods = texts(el, 'AllowedMethod');
    const allowedHeaders = texts(el, 'AllowedHeader');
    const exposeHeaders = texts(el, 'ExposeHeader');
    if (allowedOrigins.length === 0) throw invalidArgument('AllowedOrigin is required in a CORSRule.', 'AllowedOrigin', '');
    if (allowedMethods.length === 0) throw invalidArgument('AllowedMethod is required in a CORSRule.', 'AllowedMethod', '');
    for (const o of allowedOrigins) {
      if (o === '' || !oneStar(o)) {
        throw invalidArgument('An AllowedOrigin can contain at most one wildcard (*).', 'AllowedOrigin', o);
      }
    }
    for (const m of allowedMethods) {
      if (!METHODS.has(m)) throw invalidArgument(`Unsupported method: ${m}.`, 'AllowedMethod', m);
    }
    for (const h of allowedHeaders) {
      if (h === '' || !oneStar(h)) {
        throw invalidArgument('An AllowedHeader can contain at most one wildcard (*).', 'AllowedHeader', h);
      }
    }
    for (const h of exposeHeaders) {
      if (h === '' || h.includes('*')) throw invalidArgument('An ExposeHeader cannot contain a wildcard (*).', 'ExposeHeader', h);
    }
    const maxAge = texts(el, 'MaxAgeSeconds');
    if (maxAge.length > 1) throw invalidArgument('At most one MaxAgeSeconds is allowed in a CORSRule.', 'MaxAgeSeconds', maxAge.join(','));
    let maxAgeSeconds: number | undefined;
    if (maxAge.length === 1) {
      const v = maxAge[0]!;
      if (!/^\d{1,9}$/.test(v)) throw invalidArgument('MaxAgeSeconds must be a non-negative integer.', 'MaxAgeSeconds', v);
      maxAgeSeconds = Number(v);
    }
    return {
      allowedOrigins,
      allowedMethods,
      allowedHeaders,
      exposeHeaders,
      ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    };
  });
  const vary = child(root, 'ResponseVary');
  let responseVary = false;
  if (vary) {
    const v = vary.text.trim();
    if (v !== 'true' && v !== 'false') {
      throw invalidArgument('The ResponseVary value must be true or false.', 'ResponseVary', v, EC_RESPONSE_VARY);
    }
    responseVary = v === 'true';
  }
  return { rules, responseVary };
}

/** The GetBucketCors document. */
export function corsConfigurationXml(config: CorsConfiguration): Buffer {
  const rules: XmlNode[] = config.rules.map(
    (r): XmlNode => [
      'CORSRule',
      [
        ...r.allowedOrigins.map((o): XmlNode => ['AllowedOrigin', o]),
        ...r.allowedMethods.map((m): XmlNode => ['AllowedMethod', m]),
        ...r.allowedHeaders.map((h): XmlNode => ['AllowedHeader', h]),
        ...r.exposeHeaders.map((h): XmlNode => ['ExposeHeader', h]),
        r.maxAgeSeconds !== undefined && ['MaxAgeSeconds', r.maxAgeSeconds],
      ],
    ],
  );
  return xmlDocument('CORSConfiguration', [...rules, ['ResponseVary', config.responseVary]]);
}
