/**
 * `oss://bucket/key` addresses, as ossutil and the OSS console write them. The key is taken
 * literally (no percent-decoding): `oss://b/a%20b` names the key `a%20b` (pitfall 3 in
 * oss-signature.md §6: decode once, encode once — and the user's text is already decoded).
 */
import { UsageError } from './errors.js';

export interface OssLocation {
  readonly bucket: string;
  /** Object key or prefix; '' when the URL names only the bucket. */
  readonly key: string;
}

// OSS bucket naming rules: 3-63 characters, lower-case letters, digits and hyphens, starting and
// ending with a letter or digit.
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isOssUrl(s: string): boolean {
  return s.slice(0, 6).toLowerCase() === 'oss://';
}

/** Parses `oss://bucket[/key]`; `what` names the argument in the error message. */
export function parseOssUrl(s: string, what = 'argument'): OssLocation {
  if (!isOssUrl(s)) throw new UsageError(`${what} '${s}' is not an oss:// URL (expected oss://bucket/key)`);
  const rest = s.slice(6);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw new UsageError(`${what} '${s}' has no bucket name (expected oss://bucket/key)`);
  if (!BUCKET_RE.test(bucket)) {
    throw new UsageError(
      `${what} '${s}': invalid bucket name '${bucket}' (3-63 characters: a-z, 0-9 and '-', not starting or ending with '-')`,
    );
  }
  if (Buffer.byteLength(key, 'utf8') > 1023) throw new UsageError(`${what} '${s}': object key longer than 1023 bytes`);
  return { bucket, key };
}

/** Parses an oss:// URL that must name an object (non-empty key, not ending in '/'). */
export function parseObjectUrl(s: string, what = 'argument'): OssLocation {
  const loc = parseOssUrl(s, what);
  if (loc.key === '') throw new UsageError(`${what} '${s}' names a bucket, not an object (expected oss://bucket/key)`);
  return loc;
}

/** Parses an oss:// URL that must name only a bucket (mb, rb); `command` names the verb in the error. */
export function parseBucketUrl(s: string, command: string): string {
  const loc = parseOssUrl(s, 'bucket');
  if (loc.key !== '') throw new UsageError(`pail ${command}: '${s}' names an object; give oss://BUCKET`);
  return loc.bucket;
}

/** Turns a user prefix into "directory" form for -r: `photos` → `photos/`, '' stays ''. */
export function dirPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function formatOssUrl(bucket: string, key: string): string {
  return `oss://${bucket}/${key}`;
}
