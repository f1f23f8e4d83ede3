/**
 * The rest of the object API (issue 4): multipart uploads, CopyObject, AppendObject,
 * DeleteMultipleObjects, object tagging, symlinks, PostObject. Their operation types and the
 * parameter parsing their routes need; `operations.ts` holds the route rows, which call these
 * builders, so the access pairs stay data there.
 */
import { OssError } from '../errors/oss-error.js';
import type { AccessPair, OnBucket, OnObject, Op } from './access.js';
import { header } from './headers.js';
import { checkBucketName, checkObjectKey } from './names.js';
import type { RouteContext } from './operations.js';
import { percentDecode } from './target.js';

interface OnUpload extends OnObject {
  readonly uploadId: string;
}
/** `encoding-type=url`: URL-encode keys (and markers, prefixes) in the XML response. */
interface Encoded {
  readonly encodingType: 'url' | null;
}

/** `x-oss-copy-source`, decoded: the object CopyObject / UploadPartCopy read. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
}

export type InitiateMultipartUpload = Op<'InitiateMultipartUpload', OnObject & Encoded>;
export type UploadPart = Op<'UploadPart', OnUpload & { readonly partNumber: number }>;
export type UploadPartCopy = Op<
  'UploadPartCopy',
  OnUpload & {
    readonly partNumber: number;
    readonly source: CopySource;
    /** `x-oss-copy-source-range: bytes=first-last`, or null for the whole source. */
    readonly range: { readonly start: number; readonly end: number } | null;
  }
>;
export type CompleteMultipartUpload = Op<'CompleteMultipartUpload', OnUpload & Encoded & { readonly completeAll: boolean }>;
export type AbortMultipartUpload = Op<'AbortMultipartUpload', OnUpload>;
export type ListParts = Op<'ListParts', OnUpload & Encoded & { readonly maxParts: number; readonly partNumberMarker: number }>;
export type ListMultipartUploads = Op<
  'ListMultipartUploads',
  OnBucket &
    Encoded & {
      readonly prefix: string;
      readonly delimiter: string;
      readonly keyMarker: string;
      readonly uploadIdMarker: string;
      readonly maxUploads: number;
    }
>;
export type CopyObject = Op<'CopyObject', OnObject & { readonly source: CopySource }>;
export type AppendObject = Op<'AppendObject', OnObject & { readonly position: number }>;
export type DeleteMultipleObjects = Op<'DeleteMultipleObjects', OnBucket & Encoded>;
export type PutObjectTagging = Op<'PutObjectTagging', OnObject>;
export type GetObjectTagging = Op<'GetObjectTagging', OnObject>;
export type DeleteObjectTagging = Op<'DeleteObjectTagging', OnObject>;
export type PutSymlink = Op<'PutSymlink', OnObject & { readonly target: string }>;
export type GetSymlink = Op<'GetSymlink', OnObject>;
/** Browser form upload: the key, the credentials and the body all come from the form. */
export type PostObject = Op<'PostObject', OnBucket>;

export type ObjectApiOperation =
  | InitiateMultipartUpload
  | UploadPart
  | UploadPartCopy
  | CompleteMultipartUpload
  | AbortMultipartUpload
  | ListParts
  | ListMultipartUploads
  | CopyObject
  | AppendObject
  | DeleteMultipleObjects
  | PutObjectTagging
  | GetObjectTagging
  | DeleteObjectTagging
  | PutSymlink
  | GetSymlink
  | PostObject;

// ---------------------------------------------------------------------------------------------
// Parameters

function invalidArgument(message: string, name: string, value: string): OssError {
  return new OssError('InvalidArgument', {
    message,
    details: [
      ['ArgumentName', name],
      ['ArgumentValue', value],
    ],
  });
}

/** A decimal integer parameter in `[min, max]`; `dflt` when absent or empty. */
function integerParam(c: RouteContext, name: string, min: number, max: number, dflt: number | undefined): number {
  const v = c.query.get(name);
  if (v === undefined || v === '') {
    if (dflt !== undefined) return dflt;
    throw new OssError('MissingArgument', { details: [['ArgumentName', name]] });
  }
  const n = /^\d{1,16}$/.test(v) ? Number(v) : Number.NaN;
  if (!(Number.isSafeInteger(n) && n >= min && n <= max)) {
    throw invalidArgument(`Argument ${name} must be an integer between ${min} and ${max}.`, name, v);
  }
  return n;
}

export const MAX_PART_NUMBER = 10_000;

export function partNumberParam(c: RouteContext): number {
  const v = c.query.get('partNumber') ?? '';
  const n = /^\d{1,5}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= 1 && n <= MAX_PART_NUMBER)) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive.', 'partNumber', v);
  }
  return n;
}

export function uploadIdParam(c: RouteContext): string {
  const v = c.query.get('uploadId');
  if (v === undefined || v === '') throw new OssError('MissingArgument', { details: [['ArgumentName', 'uploadId']] });
  return v;
}

export function encodingTypeParam(c: RouteContext): 'url' | null {
  const v = c.query.get('encoding-type');
  if (v === undefined || v === '') return null;
  if (v.toLowerCase() === 'url') return 'url';
  throw invalidArgument('The encoding-type parameter only supports url.', 'encoding-type', v);
}

/**
 * `x-oss-copy-source: /bucket/key` (the key URL-encoded; `?versionId=null` accepted, other
 * versions are NotImplemented by the route). The leading `/` is optional, as in OSS.
 */
export function copySourceHeader(c: RouteContext): CopySource {
  const raw = header(c.headers, 'x-oss-copy-source') ?? '';
  const q = raw.indexOf('?');
  const path = percentDecode(q < 0 ? raw : raw.slice(0, q), false);
  const p = path?.startsWith('/') ? path.slice(1) : path;
  const slash = p === undefined ? -1 : p.indexOf('/');
  if (p === undefined || slash <= 0 || slash === p.length - 1) {
    throw invalidArgument('Copy Source must mention the source bucket and key: /sourcebucket/sourcekey.', 'x-oss-copy-source', raw);
  }
  const source = { bucket: p.slice(0, slash), key: p.slice(slash + 1) };
  checkBucketName(source.bucket);
  checkObjectKey(source.key);
  return source;
}

/** The `versionId` of `x-oss-copy-source`, if any (only `null`, the current version, is served). */
export function copySourceVersion(c: RouteContext): string | undefined {
  const raw = header(c.headers, 'x-oss-copy-source') ?? '';
  const q = raw.indexOf('?');
  if (q < 0) return undefined;
  for (const pair of raw.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    if ((eq < 0 ? pair : pair.slice(0, eq)) === 'versionId') return eq < 0 ? '' : pair.slice(eq + 1);
  }
  return undefined;
}

const COPY_RANGE = /^bytes=(\d{1,16})-(\d{1,16})$/;

/** `x-oss-copy-source-range: bytes=first-last`; the bounds are checked against the source later. */
export function copySourceRangeHeader(c: RouteContext): { readonly start: number; readonly end: number } | null {
  const v = header(c.headers, 'x-oss-copy-source-range');
  if (v === undefined || v === '') return null;
  const m = COPY_RANGE.exec(v.trim());
  const start = m ? Number(m[1]) : Number.NaN;
  const end = m ? Number(m[2]) : Number.NaN;
  if (!(Number.isSafeInteger(start) && Number.isSafeInteger(end) && start <= end)) {
    throw invalidArgument('x-oss-copy-source-range must be of the form bytes=first-last.', 'x-oss-copy-source-range', v);
  }
  return { start, end };
}

/** `x-oss-symlink-target`: the target key, URL-encoded by the SDKs (ali-oss `_escape`). */
export function symlinkTargetHeader(c: RouteContext): string {
  const raw = header(c.headers, 'x-oss-symlink-target');
  if (raw === undefined || raw === '') throw new OssError('MissingArgument', { details: [['ArgumentName', 'x-oss-symlink-target']] });
  const target = percentDecode(raw, false);
  if (target === undefined) throw invalidArgument('The symlink target is not a valid URL-encoded key.', 'x-oss-symlink-target', raw);
  checkObjectKey(target);
  return target;
}

// ---------------------------------------------------------------------------------------------
// Builders (the route rows in operations.ts supply the access pairs)

const b = (c: RouteContext): string => c.bucket!;

export const build = {
  initiateMultipartUpload: (c: RouteContext, access: readonly AccessPair[]): InitiateMultipartUpload => ({
    name: 'InitiateMultipartUpload',
    bucket: b(c),
    key: c.key,
    encodingType: encodingTypeParam(c),
    access,
  }),
  uploadPart: (c: RouteContext, access: readonly AccessPair[]): UploadPart => ({
    name: 'UploadPart',
    bucket: b(c),
    key: c.key,
    uploadId: uploadIdParam(c),
    partNumber: partNumberParam(c),
    access,
  }),
  uploadPartCopy: (c: RouteContext, access: readonly AccessPair[]): UploadPartCopy => ({
    name: 'UploadPartCopy',
    bucket: b(c),
    key: c.key,
    uploadId: uploadIdParam(c),
    partNumber: partNumberParam(c),
    source: copySourceHeader(c),
    range: copySourceRangeHeader(c),
    access,
  }),
  completeMultipartUpload: (c: RouteContext, access: readonly AccessPair[]): CompleteMultipartUpload => ({
    name: 'CompleteMultipartUpload',
    bucket: b(c),
    key: c.key,
    uploadId: uploadIdParam(c),
    encodingType: encodingTypeParam(c),
    completeAll: header(c.headers, 'x-oss-complete-all')?.toLowerCase() === 'yes',
    access,
  }),
  abortMultipartUpload: (c: RouteContext, access: readonly AccessPair[]): AbortMultipartUpload => ({
    name: 'AbortMultipartUpload',
    bucket: b(c),
    key: c.key,
    uploadId: uploadIdParam(c),
    access,
  }),
  listParts: (c: RouteContext, access: readonly AccessPair[]): ListParts => ({
    name: 'ListParts',
    bucket: b(c),
    key: c.key,
    uploadId: uploadIdParam(c),
    encodingType: encodingTypeParam(c),
    maxParts: integerParam(c, 'max-parts', 1, 1000, 1000),
    partNumberMarker: integerParam(c, 'part-number-marker', 0, MAX_PART_NUMBER, 0),
    access,
  }),
  listMultipartUploads: (c: RouteContext, access: readonly AccessPair[]): ListMultipartUploads => ({
    name: 'ListMultipartUploads',
    bucket: b(c),
    prefix: c.query.get('prefix') ?? '',
    delimiter: c.query.get('delimiter') ?? '',
    keyMarker: c.query.get('key-marker') ?? '',
    uploadIdMarker: c.query.get('upload-id-marker') ?? '',
    maxUploads: integerParam(c, 'max-uploads', 1, 1000, 1000),
    encodingType: encodingTypeParam(c),
    access,
  }),
  copyObject: (c: RouteContext, access: readonly AccessPair[]): CopyObject => ({
    name: 'CopyObject',
    bucket: b(c),
    key: c.key,
    source: copySourceHeader(c),
    access,
  }),
  appendObject: (c: RouteContext, access: readonly AccessPair[]): AppendObject => ({
    name: 'AppendObject',
    bucket: b(c),
    key: c.key,
    position: integerParam(c, 'position', 0, Number.MAX_SAFE_INTEGER, undefined),
    access,
  }),
  deleteMultipleObjects: (c: RouteContext, access: readonly AccessPair[]): DeleteMultipleObjects => ({
    name: 'DeleteMultipleObjects',
    bucket: b(c),
    encodingType: encodingTypeParam(c),
    access,
  }),
  putObjectTagging: (c: RouteContext, access: readonly AccessPair[]): PutObjectTagging => ({ name: 'PutObjectTagging', bucket: b(c), key: c.key, access }),
  getObjectTagging: (c: RouteContext, access: readonly AccessPair[]): GetObjectTagging => ({ name: 'GetObjectTagging', bucket: b(c), key: c.key, access }),
  deleteObjectTagging: (c: RouteContext, access: readonly AccessPair[]): DeleteObjectTagging => ({
    name: 'DeleteObjectTagging',
    bucket: b(c),
    key: c.key,
    access,
  }),
  putSymlink: (c: RouteContext, access: readonly AccessPair[]): PutSymlink => ({
    name: 'PutSymlink',
    bucket: b(c),
    key: c.key,
    target: symlinkTargetHeader(c),
    access,
  }),
  getSymlink: (c: RouteContext, access: readonly AccessPair[]): GetSymlink => ({ name: 'GetSymlink', bucket: b(c), key: c.key, access }),
  postObject: (c: RouteContext, access: readonly AccessPair[]): PostObject => ({ name: 'PostObject', bucket: b(c), access }),
} as const;

/** Upload requests that set tags (`x-oss-tagging`) also need oss:PutObjectTagging (OSS RAM docs). */
export function taggingAccess(c: RouteContext, resource: string): AccessPair[] {
  return header(c.headers, 'x-oss-tagging') === undefined ? [] : [{ action: 'oss:PutObjectTagging', resource }];
}
