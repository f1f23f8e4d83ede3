/**
 * The attributes an upload request gives the object it creates (InitiateMultipartUpload,
 * AppendObject, PutSymlink, CopyObject with `REPLACE`, PostObject form fields): standard HTTP
 * headers, `x-oss-meta-*`, `x-oss-object-acl`, `x-oss-storage-class`, `x-oss-tagging`.
 */
import { OssError } from '../errors/oss-error.js';
import { contentTypeForKey, header, MAX_USER_META_BYTES, type RequestHeaders, userMetaFrom, userMetaSize } from '../protocol/headers.js';
import { parseObjectAcl } from '../protocol/operations.js';
import type { ObjectAcl, ObjectHttpHeaders, StorageClass } from '../storage/types.js';
import { parseStorageClass } from './bucket.js';
import { parseTaggingHeader, type Tags } from './tagging.js';

export interface UploadAttributes {
  readonly acl?: ObjectAcl;
  readonly storageClass?: StorageClass;
  readonly httpHeaders: ObjectHttpHeaders;
  readonly userMeta: Readonly<Record<string, string>>;
  readonly tags?: Tags;
}

const STORED_HEADERS: readonly (readonly [header: string, field: keyof ObjectHttpHeaders])[] = [
  ['content-disposition', 'contentDisposition'],
  ['content-encoding', 'contentEncoding'],
  ['content-language', 'contentLanguage'],
  ['cache-control', 'cacheControl'],
  ['expires', 'expires'],
];

/** The stored HTTP headers; Content-Type defaults by the key's extension (as PutObject). */
export function httpHeadersOf(headers: RequestHeaders, key: string): ObjectHttpHeaders {
  const out: { -readonly [K in keyof ObjectHttpHeaders]: string } = {};
  const ct = header(headers, 'content-type');
  out.contentType = ct !== undefined && ct !== '' ? ct : contentTypeForKey(key);
  for (const [name, field] of STORED_HEADERS) {
    const v = header(headers, name);
    if (v !== undefined && v !== '') out[field] = v;
  }
  return out;
}

export function userMetaOf(headers: RequestHeaders): Record<string, string> {
  const meta = userMetaFrom(headers);
  if (userMetaSize(meta) > MAX_USER_META_BYTES) {
    throw new OssError('InvalidArgument', { message: 'The user metadata (x-oss-meta-*) must not exceed 8 KB in total.' });
  }
  return meta;
}

export function uploadAttributes(headers: RequestHeaders, key: string): UploadAttributes {
  const acl = parseObjectAcl(header(headers, 'x-oss-object-acl'));
  const storageClass = parseStorageClass(header(headers, 'x-oss-storage-class'), 'x-oss-storage-class');
  const tags = parseTaggingHeader(header(headers, 'x-oss-tagging'));
  return {
    ...(acl === undefined ? {} : { acl }),
    ...(storageClass === undefined ? {} : { storageClass }),
    httpHeaders: httpHeadersOf(headers, key),
    userMeta: userMetaOf(headers),
    ...(tags === undefined || Object.keys(tags).length === 0 ? {} : { tags }),
  };
}

export function forbidOverwrite(headers: RequestHeaders): boolean {
  return header(headers, 'x-oss-forbid-overwrite')?.toLowerCase() === 'true';
}

/** `Content-Length` of a streamed upload: the expected size, or undefined for a chunked body. */
export function contentLength(headers: RequestHeaders, limit: number): number | undefined {
  const cl = header(headers, 'content-length');
  if (cl === undefined) {
    const te = header(headers, 'transfer-encoding');
    if (te?.toLowerCase().includes('chunked') !== true) throw new OssError('MissingContentLength');
    return undefined;
  }
  if (!/^\d{1,16}$/.test(cl)) {
    throw new OssError('InvalidArgument', {
      message: 'Content-Length is not a valid integer.',
      details: [
        ['ArgumentName', 'Content-Length'],
        ['ArgumentValue', cl],
      ],
    });
  }
  const n = Number(cl);
  if (n > limit) throw new OssError('EntityTooLarge');
  return n;
}
