/**
 * Which bucket and key a request addresses (oss-signature.md §1.3, alioss-wire §1):
 *
 * - virtual-hosted style: `Host: <bucket>.<base domain>[:port]`, key = the whole path;
 * - any other Host is the service host: path style, `/<bucket>/<key>`, `/` = service level;
 * - `/-/…` on the service host only is Pail's reserved prefix (`/-/health`, `/-/ready`).
 *   No bucket can take it: a bucket name cannot start with `-`.
 *
 * Bucket and key are percent-decoded separately and once; nothing is normalised.
 */
import { invalidUri, percentDecode } from './target.js';

export type AddressLevel = 'service' | 'bucket' | 'object';

export type Address =
  | {
      readonly kind: 'oss';
      readonly level: AddressLevel;
      readonly style: 'path' | 'virtual';
      readonly bucket: string | null;
      readonly key: string;
    }
  | { readonly kind: 'reserved'; readonly path: string };

function isDigits(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Lower-cased host name without port or trailing dot; '' when absent. */
export function hostName(host: string | undefined): string {
  if (!host) return '';
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && isDigits(h, colon + 1)) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * The bucket named by a virtual-hosted Host, or null for the service host. Base domains are
 * tried longest first so `a.oss.test` with bases `oss.test` and `test` means bucket `a`.
 * Only a single label is a bucket (bucket names have no dots); `x.y.<base>` is not a bucket host.
 */
export function virtualHostBucket(host: string | undefined, domains: readonly string[]): string | null {
  const name = hostName(host);
  for (const d of domains) {
    if (name.length > d.length + 1 && name.endsWith(d) && name.charCodeAt(name.length - d.length - 1) === 46) {
      const label = name.slice(0, name.length - d.length - 1);
      return label.includes('.') ? null : label;
    }
  }
  return null;
}

function decodePart(raw: string, what: string): string {
  const s = percentDecode(raw, false);
  if (s === undefined) throw invalidUri(`malformed percent-encoding or UTF-8 in the ${what}`);
  return s;
}

/** `domains` must be lower-case and sorted longest first (config.ts does both). */
export function resolveAddress(host: string | undefined, rawPath: string, domains: readonly string[]): Address {
  const vbucket = virtualHostBucket(host, domains);
  if (vbucket !== null) {
    if (rawPath === '/' || rawPath === '') return { kind: 'oss', level: 'bucket', style: 'virtual', bucket: vbucket, key: '' };
    return { kind: 'oss', level: 'object', style: 'virtual', bucket: vbucket, key: decodePart(rawPath.slice(1), 'object key') };
  }
  if (rawPath === '/' || rawPath === '') return { kind: 'oss', level: 'service', style: 'path', bucket: null, key: '' };
  if (rawPath.startsWith('/-/')) return { kind: 'reserved', path: rawPath.slice(2) };
  const slash = rawPath.indexOf('/', 1);
  const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const bucket = decodePart(rawBucket, 'bucket name');
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  if (rawKey === '') return { kind: 'oss', level: 'bucket', style: 'path', bucket, key: '' };
  return { kind: 'oss', level: 'object', style: 'path', bucket, key: decodePart(rawKey, 'object key') };
}
