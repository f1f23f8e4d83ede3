/**
 * The raw request target, decoded exactly once (oss-signature.md §1.2). Never WHATWG `URL`:
 * it resolves `.`/`..` segments (including `%2E%2E`) while OSS keys such as `a/../b`, `./x`
 * and `a//b` are legal and distinct.
 */
import { decodeQuery, percentDecodePath, type QueryParam } from '@pail/sign/verify';
import { OssError } from '../errors/oss-error.js';

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * Node hands the target over as a latin1 string of the wire octets, so a raw (unescaped)
 * non-ASCII octet is one char below U+0100. Escaping those octets first makes the shared
 * decoder read them as the UTF-8 bytes they are (in-process callers may pass real Unicode:
 * that is escaped as its UTF-8 form).
 */
function escapeRawOctets(raw: string): string {
  if (!NON_ASCII.test(raw)) return raw;
  let out = '';
  for (const ch of raw) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out += ch;
    else if (c < 0x100) out += `%${c.toString(16).toUpperCase()}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

/**
 * Percent-decodes a path part once, as UTF-8, with the verifier's own decoder
 * (`@pail/sign/verify`), so server and signer agree on every byte. A literal `+` stays a plus
 * unless `plusAsSpace` (query-string rules).
 * Returns undefined for a malformed escape or bytes that are not UTF-8.
 */
export function percentDecode(raw: string, plusAsSpace: boolean): string | undefined {
  const escaped = escapeRawOctets(raw);
  const r = percentDecodePath(plusAsSpace ? escaped.replaceAll('+', '%20') : escaped);
  return typeof r === 'string' ? r : undefined;
}

export function invalidUri(what: string): OssError {
  return new OssError('InvalidURI', { message: `Couldn't parse the specified URI: ${what}.` });
}

export interface SplitTarget {
  /** The path exactly as received (still percent-encoded), starting with `/`. */
  readonly rawPath: string;
  /** Everything after the first `?`, or '' (still encoded). */
  readonly rawQuery: string;
}

/** Splits origin-form (`/p?q`) and absolute-form (`http://host/p?q`) targets. */
export function splitTarget(rawTarget: string): SplitTarget {
  let t = rawTarget;
  if (!t.startsWith('/')) {
    const m = /^https?:\/\/[^/?#]*/i.exec(t);
    if (!m) throw invalidUri('the request target is not a path');
    t = t.slice(m[0].length);
    if (!t.startsWith('/')) t = `/${t}`;
  }
  const q = t.indexOf('?');
  return q < 0 ? { rawPath: t, rawQuery: '' } : { rawPath: t.slice(0, q), rawQuery: t.slice(q + 1) };
}

/**
 * Query parameters in wire order (§1.2), decoded by the verifier's `decodeQuery`: split on
 * `&`, then at the first `=`; `+` is a space; `name` and `name=` both mean "present with an
 * empty value" (`hasValue` tells them apart for the ali-oss fallback). Empty items are skipped.
 */
export function parseQuery(rawQuery: string): QueryParam[] {
  if (rawQuery === '') return [];
  const q = decodeQuery(escapeRawOctets(rawQuery));
  if (!Array.isArray(q)) throw invalidUri('malformed percent-encoding or UTF-8 in the query string');
  return q;
}
