/**
 * The real `ali-oss` (pinned ~6.23 at the repository root), loaded through `createRequire` and
 * typed here with just the surface the conformance suite drives. ali-oss ships no usable
 * typings, and a local interface (rather than an ambient `declare module`) cannot collide with
 * other suites that load the same package.
 */
import type { Agent } from 'node:http';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

export interface OssResponse {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly requestUrls?: string[];
}

/** What `lib/client.js:requestError` puts on a thrown error (alioss-wire §4.4). */
export interface OssError extends Error {
  code?: string;
  status?: number;
  requestId?: string;
  hostId?: string;
  ecCode?: string;
  params?: unknown;
}

export interface OssOptions {
  accessKeyId: string;
  accessKeySecret: string;
  bucket?: string;
  region?: string;
  endpoint?: string;
  sldEnable?: boolean;
  cname?: boolean;
  authorizationV4?: boolean;
  agent?: Agent;
  timeout?: number;
  headerEncoding?: string;
  stsToken?: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  meta?: Record<string, string>;
  mime?: string;
  subres?: Record<string, string>;
  timeout?: number;
  [k: string]: unknown;
}

export interface ListObject {
  name: string;
  lastModified: string;
  etag: string;
  type: string;
  size: number;
  storageClass: string;
  owner: { id: string; displayName: string } | null;
}

export interface ListResult {
  res: OssResponse;
  objects: ListObject[];
  prefixes: string[] | null;
  nextMarker?: string | null;
  isTruncated: boolean;
  keyCount?: number;
  continuationToken?: string | null;
  nextContinuationToken?: string | null;
}

export interface Grant {
  acl: string;
  owner: { id: string; displayName: string };
  res: OssResponse;
}

/** ali-oss `multipartUpload` checkpoint (managed-upload.js). */
export interface MultipartCheckpoint {
  file: unknown;
  name: string;
  fileSize: number;
  partSize: number;
  uploadId: string;
  doneParts: { number: number; etag: string }[];
}

export interface OssClient {
  readonly options: { bucket: string | null };
  useBucket(name: string): OssClient;

  listBuckets(
    query?: Record<string, string | number> | null,
    options?: RequestOptions,
  ): Promise<{
    buckets: { name: string; region: string; creationDate: string; storageClass: string }[] | null;
    owner: { id: string; displayName: string };
    isTruncated: boolean;
    nextMarker: string | null;
    res: OssResponse;
  }>;
  putBucket(name: string, options?: { acl?: string; storageClass?: string; headers?: Record<string, string> }): Promise<{ bucket: string | null; res: OssResponse }>;
  deleteBucket(name: string, options?: RequestOptions): Promise<{ res: OssResponse }>;
  getBucketInfo(name: string, options?: RequestOptions): Promise<{ bucket: Record<string, unknown>; res: OssResponse }>;
  getBucketLocation(name: string, options?: RequestOptions): Promise<{ location: unknown; res: OssResponse }>;
  getBucketStat(name: string, options?: RequestOptions): Promise<{ stat: Record<string, string>; res: OssResponse }>;
  putBucketACL(name: string, acl: string, options?: RequestOptions): Promise<{ bucket: string | null; res: OssResponse }>;
  getBucketACL(name: string, options?: RequestOptions): Promise<Grant>;

  list(query: Record<string, string | number> | null, options?: RequestOptions): Promise<ListResult>;
  listV2(query?: Record<string, string | number>, options?: RequestOptions): Promise<ListResult>;

  put(name: string, file: Buffer | Readable, options?: RequestOptions): Promise<{ name: string; url: string; res: OssResponse }>;
  putStream(name: string, stream: Readable, options?: RequestOptions & { contentLength?: number }): Promise<{ name: string; res: OssResponse }>;
  get(name: string, options?: RequestOptions): Promise<{ content: Buffer; res: OssResponse }>;
  getStream(name: string, options?: RequestOptions): Promise<{ stream: Readable; res: OssResponse }>;
  head(name: string, options?: RequestOptions): Promise<{ meta: Record<string, string> | null; status: number; res: OssResponse }>;
  getObjectMeta(name: string, options?: RequestOptions): Promise<{ status: number; res: OssResponse }>;
  delete(name: string, options?: RequestOptions): Promise<{ res: OssResponse }>;
  putACL(name: string, acl: string, options?: RequestOptions): Promise<{ res: OssResponse }>;
  getACL(name: string, options?: RequestOptions): Promise<Grant>;

  signatureUrl(name: string, options?: Record<string, unknown>): string;
  signatureUrlV4(
    method: string,
    expires: number,
    request?: { headers?: Record<string, string>; queries?: Record<string, string> },
    objectName?: string,
    additionalHeaders?: string[],
  ): Promise<string>;

  // The object API that lands later (PENDING_OPERATIONS in workflow.ts).
  copy(name: string, sourceName: string, options?: RequestOptions): Promise<{ data: { etag: string; lastModified: string } | null; res: OssResponse }>;
  multipartUpload(
    name: string,
    file: Buffer,
    options?: {
      partSize?: number;
      parallel?: number;
      meta?: Record<string, string>;
      mime?: string;
      /** ali-oss's resumable-upload state, as handed to `progress`. */
      checkpoint?: MultipartCheckpoint;
      progress?: (percentage: number, checkpoint: MultipartCheckpoint | undefined) => void;
    },
  ): Promise<{ name: string; etag?: string; res: OssResponse }>;
  /** Aborts the managed upload in progress (it rejects with `name: 'cancel'`). */
  cancel(): void;
  initMultipartUpload(name: string, options?: RequestOptions): Promise<{ uploadId: string; bucket: string; name: string; res: OssResponse }>;
  abortMultipartUpload(name: string, uploadId: string, options?: RequestOptions): Promise<{ res: OssResponse }>;
  uploadPart(
    name: string,
    uploadId: string,
    partNo: number,
    file: Buffer,
    start: number,
    end: number,
    options?: RequestOptions,
  ): Promise<{ name: string; etag: string; res: OssResponse }>;
  completeMultipartUpload(
    name: string,
    uploadId: string,
    parts: { number: number; etag: string }[],
    options?: RequestOptions,
  ): Promise<{ etag: string; res: OssResponse }>;
  listParts(
    name: string,
    uploadId: string,
    query?: Record<string, string | number>,
  ): Promise<{ uploadId: string; parts: { PartNumber: string; ETag: string; Size: string }[] | { PartNumber: string; ETag: string; Size: string }; res: OssResponse }>;
  listUploads(query?: Record<string, string | number>): Promise<{ uploads: { name: string; uploadId: string }[]; res: OssResponse }>;
  append(name: string, file: Buffer, options?: { position?: string | number }): Promise<{ nextAppendPosition: string; res: OssResponse }>;
  deleteMulti(names: string[], options?: { quiet?: boolean }): Promise<{ deleted: unknown[]; res: OssResponse }>;
  putObjectTagging(name: string, tag: Record<string, string>, options?: RequestOptions): Promise<{ status: number; res: OssResponse }>;
  getObjectTagging(name: string, options?: RequestOptions): Promise<{ status: number; tag: Record<string, string>; res: OssResponse }>;
  deleteObjectTagging(name: string, options?: RequestOptions): Promise<{ status: number; res: OssResponse }>;
  putSymlink(name: string, targetName: string, options?: RequestOptions): Promise<{ res: OssResponse }>;
  getSymlink(name: string, options?: RequestOptions): Promise<{ targetName: string; res: OssResponse }>;
}

const require = createRequire(import.meta.url);

/** The `ali-oss` constructor (the package's CommonJS export). */
export const OSS = require('ali-oss') as new (options: OssOptions) => OssClient;

/** The installed ali-oss version, asserted by the suite so a silent upgrade is noticed. */
export const ALI_OSS_VERSION = (require('ali-oss/package.json') as { version: string }).version;
