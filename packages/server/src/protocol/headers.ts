/**
 * Wire names and small header helpers. Header values are kept as Node delivers them: latin1
 * strings whose code units are the wire octets (oss-signature.md §2.1.4), and written back
 * the same way, so `x-oss-meta-*` and Content-Disposition round-trip byte for byte.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { OssError } from '../errors/oss-error.js';

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>> | IncomingHttpHeaders;

/** The single value of a header (the first, for the rare repeated ones), or undefined. */
export function header(headers: RequestHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export const META_PREFIX = 'x-oss-meta-';

const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/** `x-oss-meta-*` request headers → `{ name (lower-case, no prefix): latin1 value }`. */
export function userMetaFrom(headers: RequestHeaders): Record<string, string> {
  // A null-prototype record: `x-oss-meta-__proto__` is an ordinary name here.
  const meta: Record<string, string> = Object.create(null);
  for (const name of Object.keys(headers)) {
    if (name.length > META_PREFIX.length && name.startsWith(META_PREFIX)) {
      const v = headers[name];
      if (v === undefined) continue;
      // Names can also come from PostObject form fields, which no HTTP parser has vetted: a
      // name that is not an RFC 9110 token could never be sent back as a header.
      if (!HEADER_TOKEN.test(name)) {
        throw new OssError('InvalidArgument', {
          message: 'The user metadata name is not a valid HTTP header name.',
          details: [['ArgumentName', name]],
        });
      }
      meta[name.slice(META_PREFIX.length)] = Array.isArray(v) ? v.join(',') : v;
    }
  }
  return meta;
}

/** Total size OSS allows for user metadata (names + values), 8 KB. */
export const MAX_USER_META_BYTES = 8 * 1024;

export function userMetaSize(meta: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(meta)) n += k.length + v.length;
  return n;
}

/** Text that came out of a UTF-8 query string, as the latin1 string Node writes as those UTF-8 octets. */
export function utf8AsLatin1(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'utf8').toString('latin1');
  return s;
}

/** Characters Node refuses in a header value (`validateHeaderValue`): CTLs other than HTAB. */
const BAD_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

export function isValidHeaderValue(s: string): boolean {
  return !BAD_HEADER_CHAR.test(s);
}

// A tiny extension table for PutObject's default Content-Type: the common web and archive
// types; everything else is application/octet-stream (OSS does the same with a larger table).
const MIME: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  css: 'text/css',
  csv: 'text/csv',
  md: 'text/markdown',
  xml: 'application/xml',
  js: 'application/javascript',
  mjs: 'application/javascript',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  wasm: 'application/wasm',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  mp4: 'video/mp4',
  webm: 'video/webm',
  bin: 'application/octet-stream',
};

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function contentTypeForKey(key: string): string {
  const slash = key.lastIndexOf('/');
  const dot = key.lastIndexOf('.');
  if (dot <= slash || dot === key.length - 1) return DEFAULT_CONTENT_TYPE;
  const ext = key.slice(dot + 1).toLowerCase();
  return Object.hasOwn(MIME, ext) ? MIME[ext]! : DEFAULT_CONTENT_TYPE;
}

/** RFC 1123 (`Sun, 29 Nov 2026 13:39:06 GMT`): `Date`, `Last-Modified`. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** ISO 8601 with milliseconds, as listings print LastModified / CreationDate. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}
